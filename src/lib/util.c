/* util.c — see util.h. */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void (*oom_fn)(size_t n);

void util_set_oom_handler(void (*fn)(size_t n)) { oom_fn = fn; }

static void oom(size_t n)
{
	if (oom_fn) oom_fn(n);   /* a tool's: reports and exits */
	fprintf(stderr, "sftkit: out of memory (allocating %zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) oom(n);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) oom(n);
	return q;
}

char *xstrdup(const char *s) { return xstrndup(s, strlen(s)); }

char *xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

void xgrow(void **p, size_t *cap, size_t need, size_t elsize)
{
	if (need <= *cap) return;
	size_t nc = *cap ? *cap : 16;
	while (nc < need) {
		if (nc > SIZE_MAX / 2 / elsize) oom(SIZE_MAX);
		nc *= 2;
	}
	*p = xrealloc(*p, nc * elsize);
	*cap = nc;
}

void strbuf_free(strbuf *b) { free(b->p); b->p = NULL; b->len = b->cap = 0; }

void strbuf_reserve(strbuf *b, size_t extra)
{
	if (b->len + extra + 1 <= b->cap) return;
	size_t need = b->len + extra + 1;
	if (need < b->len) oom(SIZE_MAX);
	size_t nc = b->cap ? b->cap : 256;
	while (nc < need) nc = nc > SIZE_MAX / 2 ? need : nc * 2;
	b->p = xrealloc(b->p, nc);
	b->cap = nc;
}

void strbuf_put(strbuf *b, const void *s, size_t n)
{
	strbuf_reserve(b, n);
	if (n) memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void strbuf_puts(strbuf *b, const char *s) { strbuf_put(b, s, strlen(s)); }

void strbuf_putc(strbuf *b, char c)
{
	strbuf_reserve(b, 1);
	b->p[b->len++] = c;
	b->p[b->len] = 0;
}

void strbuf_vprintf(strbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	char tmp[256];
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	if (n < 0) { va_end(ap2); return; }
	if ((size_t)n < sizeof tmp) {
		strbuf_put(b, tmp, (size_t)n);
	} else {
		strbuf_reserve(b, (size_t)n);
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap2);
		b->len += (size_t)n;
	}
	va_end(ap2);
}

void strbuf_printf(strbuf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	strbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

char *strbuf_detach(strbuf *b, size_t *len)
{
	if (!b->p) strbuf_reserve(b, 0), b->p[0] = 0;
	char *p = b->p;
	if (len) *len = b->len;
	b->p = NULL;
	b->len = b->cap = 0;
	return p;
}

char *read_file(const char *path, size_t *len) { return read_file_max(path, SIZE_MAX, len); }

char *read_file_max(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) return NULL;
	strbuf b = STRBUF_INIT;
	char t[65536];
	size_t n;
	errno = 0;
	while ((n = fread(t, 1, sizeof t, f)) > 0) {
		if (n > max - b.len) { fclose(f); strbuf_free(&b); errno = EFBIG; return NULL; }
		strbuf_put(&b, t, n);
	}
	/* keep the read's own errno: fopen succeeds on a directory and fread
	 * fails with EISDIR, which says more than EIO */
	int bad = ferror(f) ? (errno ? errno : EIO) : 0;
	fclose(f);
	if (bad) { strbuf_free(&b); errno = bad; return NULL; }
	return strbuf_detach(&b, len);
}

int parse_count(const char *s, uint64_t *v)
{
	uint64_t n = 0;
	if (!*s) return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9') return -1;
		unsigned d = (unsigned)(*s - '0');
		if (n > (UINT64_MAX - d) / 10) return -1;
		n = n * 10 + d;
	}
	*v = n;
	return 0;
}

int err_set(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen) vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

struct arena_block {
	arena_block *next;
	size_t size, used;
	_Alignas(16) unsigned char data[];
};

void arena_init(arena *a, size_t block_size)
{
	a->head = NULL;
	a->block_size = block_size ? block_size : 64 * 1024;
}

void *arena_alloc(arena *a, size_t n)
{
	n = (n + 15) & ~(size_t)15;
	arena_block *b = a->head;
	if (!b || b->size - b->used < n) {
		size_t sz = a->block_size;
		if (sz < n) sz = n;
		b = xmalloc(sizeof *b + sz);
		b->size = sz;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

void arena_reset(arena *a)
{
	/* keep the largest block, free the rest */
	arena_block *keep = NULL;
	for (arena_block *b = a->head; b; b = b->next)
		if (!keep || b->size > keep->size) keep = b;
	for (arena_block *b = a->head, *nx; b; b = nx) {
		nx = b->next;
		if (b != keep) free(b);
	}
	if (keep) { keep->next = NULL; keep->used = 0; }
	a->head = keep;
}

void arena_free(arena *a)
{
	for (arena_block *b = a->head, *nx; b; b = nx) { nx = b->next; free(b); }
	a->head = NULL;
}

size_t utf8_valid_prefix(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;
	while (i < n) {
		/* ASCII fast path, 8 bytes at a time */
		while (i + 8 <= n) {
			uint64_t w;
			memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ULL) break;
			i += 8;
		}
		if (i >= n) break;
		unsigned c = s[i];
		if (c < 0x80) { i++; continue; }
		size_t len;
		unsigned lo = 0x80, hi = 0xBF;
		if (c >= 0xC2 && c <= 0xDF) len = 2;
		else if (c == 0xE0) { len = 3; lo = 0xA0; }
		else if (c >= 0xE1 && c <= 0xEC) len = 3;
		else if (c == 0xED) { len = 3; hi = 0x9F; }
		else if (c >= 0xEE && c <= 0xEF) len = 3;
		else if (c == 0xF0) { len = 4; lo = 0x90; }
		else if (c >= 0xF1 && c <= 0xF3) len = 4;
		else if (c == 0xF4) { len = 4; hi = 0x8F; }
		else return i;
		if (i + len > n) return i;
		if (s[i + 1] < lo || s[i + 1] > hi) return i;
		for (size_t k = 2; k < len; k++)
			if ((s[i + k] & 0xC0) != 0x80) return i;
		i += len;
	}
	return n;
}

int utf8_encode(uint32_t cp, char *out)
{
	unsigned char *o = (unsigned char *)out;
	if (cp < 0x80) { o[0] = (unsigned char)cp; return 1; }
	if (cp < 0x800) { o[0] = 0xC0 | (cp >> 6); o[1] = 0x80 | (cp & 0x3F); return 2; }
	if (cp < 0x10000) {
		o[0] = 0xE0 | (cp >> 12); o[1] = 0x80 | ((cp >> 6) & 0x3F); o[2] = 0x80 | (cp & 0x3F);
		return 3;
	}
	o[0] = 0xF0 | (cp >> 18); o[1] = 0x80 | ((cp >> 12) & 0x3F);
	o[2] = 0x80 | ((cp >> 6) & 0x3F); o[3] = 0x80 | (cp & 0x3F);
	return 4;
}

int utf8_decode(const char *str, size_t n, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	if (n == 0) { *cp = 0; return 0; }
	unsigned c = s[0];
	if (c < 0x80 || n < 2) { *cp = c; return 1; }
	if (c < 0xE0) { *cp = ((c & 0x1F) << 6) | (s[1] & 0x3F); return 2; }
	if (c < 0xF0 || n < 4) {
		if (n < 3) { *cp = c; return 1; }
		*cp = ((c & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
		return 3;
	}
	*cp = ((c & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
	return 4;
}

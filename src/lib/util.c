/* util.c — see util.h. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static void (*oom_fn)(size_t n);

void util_set_oom_handler(void (*fn)(size_t n)) { oom_fn = fn; }

_Noreturn void util_oom(size_t n)
{
	if (oom_fn) oom_fn(n);   /* a tool's: reports and exits */
	fprintf(stderr, "sftkit: out of memory (allocating %zu bytes)\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p) util_oom(n);
	return p;
}

void *util_alloc_table(size_t n)
{
	const size_t huge = (size_t)2 << 20;
	if (n < huge) {
		void *p = aligned_alloc(64, (n + 63) & ~(size_t)63);
		if (!p) util_oom(n);
		return p;
	}
	if (n > SIZE_MAX - huge) util_oom(n);
	n = (n + huge - 1) & ~(huge - 1);
	void *p = aligned_alloc(huge, n);
	if (!p) util_oom(n);
#ifdef MADV_HUGEPAGE
	/* advice only: without THP (or with it off) the table works as well */
	(void)madvise(p, n, MADV_HUGEPAGE);
#endif
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p) util_oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) util_oom(n);
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
		if (nc > SIZE_MAX / 2 / elsize) util_oom(SIZE_MAX);
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
	if (need < b->len) util_oom(SIZE_MAX);
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

char *util_read_file(const char *path, size_t *len) { return util_read_file_max(path, SIZE_MAX, len); }

char *util_read_file_max(const char *path, size_t max, size_t *len)
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

int util_parse_count(const char *s, uint64_t *v)
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

int util_err_set(char *err, size_t errlen, const char *fmt, ...)
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

size_t utf8_count(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
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

/* ---- files replaced whole ---- */

static int atomic_fail(util_atomic *a, const char *what, char *err, size_t errlen)
{
	int e = errno;
	if (what) util_err_set(err, errlen, "%s: %s: %s", a->path, what, strerror(e));
	else util_err_set(err, errlen, "%s: %s", a->path, strerror(e));
	util_atomic_abort(a);
	errno = e;
	return -1;
}

static int atomic_init(util_atomic *a, const char *path, const char *tmp, int flags, char *err, size_t errlen)
{
	a->stream = NULL;
	a->path = xstrdup(path);
	a->tmp = xstrdup(tmp);
	a->fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0666);
	if (a->fd >= 0) return 0;
	int e = errno;
	util_err_set(err, errlen, "%s: %s", path, strerror(e));
	free(a->path);
	free(a->tmp);
	a->path = a->tmp = NULL;
	errno = e;
	return -1;
}

/* path + ".tmp.PID.XXXXXXXX", a name not there before (O_EXCL) */
static int atomic_unique(util_atomic *a, const char *path, char *err, size_t errlen, int *tries)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)(uintptr_t)a;
	x += (uint64_t)*tries * 0x9E3779B97F4A7C15ull;
	x ^= x >> 29;
	x *= 0xBF58476D1CE4E5B9ull;
	x ^= x >> 32;
	strbuf t = STRBUF_INIT;
	strbuf_printf(&t, "%s.tmp.%ld.%08x", path, (long)getpid(), (unsigned)x);
	int rc = atomic_init(a, path, t.p, O_EXCL, err, errlen);
	strbuf_free(&t);
	++*tries;
	return rc;
}

int util_atomic_open(util_atomic *a, const char *path, char *err, size_t errlen)
{
	int tries = 0, rc;
	while ((rc = atomic_unique(a, path, err, errlen, &tries)) && errno == EEXIST && tries < 100)
		;
	return rc;
}

int util_atomic_open_as(util_atomic *a, const char *path, const char *tmp, char *err, size_t errlen)
{
	return atomic_init(a, path, tmp, O_TRUNC, err, errlen);
}

int util_atomic_write(util_atomic *a, const void *p, size_t n, char *err, size_t errlen)
{
	const char *s = p;
	while (n) {
		ssize_t w = write(a->fd, s, n);
		if (w < 0 && errno == EINTR) continue;
		if (w < 0) return atomic_fail(a, NULL, err, errlen);
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

void *util_atomic_stream(util_atomic *a)
{
	if (!a->stream) a->stream = fdopen(a->fd, "wb");
	return a->stream;
}

static void atomic_free(util_atomic *a)
{
	free(a->path);
	free(a->tmp);
	a->path = a->tmp = NULL;
	a->fd = -1;
	a->stream = NULL;
}

/* flush, fsync, close: the temporary file complete on disk */
static int atomic_close(util_atomic *a, char *err, size_t errlen)
{
	FILE *f = a->stream;
	if (f && (fflush(f) || ferror(f))) return atomic_fail(a, NULL, err, errlen);
	if (fsync(a->fd)) return atomic_fail(a, "fsync", err, errlen);
	int rc = f ? fclose(f) : close(a->fd);
	a->stream = NULL;
	a->fd = -1;
	if (rc) return atomic_fail(a, NULL, err, errlen);
	return 0;
}

int util_atomic_finish(util_atomic *a, char *err, size_t errlen)
{
	if (atomic_close(a, err, errlen)) return -1;
	atomic_free(a);
	return 0;
}

int util_atomic_commit(util_atomic *a, char *err, size_t errlen)
{
	if (atomic_close(a, err, errlen)) return -1;
	int rc = util_atomic_rename(a->tmp, a->path, err, errlen);
	if (!rc) rc = util_fsync_dir(a->path, err, errlen);
	atomic_free(a);
	return rc;
}

int util_atomic_write_file(const char *path, const void *p, size_t n, char *err, size_t errlen)
{
	util_atomic a;
	if (util_atomic_open(&a, path, err, errlen) || util_atomic_write(&a, p, n, err, errlen)) return -1;
	return util_atomic_commit(&a, err, errlen);
}

void util_atomic_abort(util_atomic *a)
{
	int e = errno;
	if (a->stream) fclose(a->stream);
	else if (a->fd >= 0) close(a->fd);
	if (a->tmp) unlink(a->tmp);
	atomic_free(a);
	errno = e;
}

int util_atomic_rename(const char *tmp, const char *path, char *err, size_t errlen)
{
	if (!rename(tmp, path)) return 0;
	int e = errno;
	unlink(tmp);
	util_err_set(err, errlen, "%s: %s", path, strerror(e));
	errno = e;
	return -1;
}

int util_fsync_dir(const char *path, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? xstrndup(path, slash == path ? 1 : (size_t)(slash - path)) : xstrdup(".");
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = 0;
	if (fd >= 0) {
		if (fsync(fd) && errno != EINVAL) rc = util_err_set(err, errlen, "%s: fsync: %s", dir, strerror(errno));
		int e = errno;
		close(fd);
		errno = e;
	}
	free(dir);
	return rc;
}

int util_atomic_symlink(const char *target, const char *path, char *err, size_t errlen)
{
	/* a name of our own, as util_atomic_open makes: a link cannot be opened
	 * O_EXCL, but symlink(2) itself fails on a name that exists */
	strbuf t = STRBUF_INIT;
	for (int k = 0;; k++) {
		strbuf_reset(&t);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		strbuf_printf(&t, "%s.tmp.%ld.%08x", path, (long)getpid(), (unsigned)(ts.tv_nsec ^ (unsigned)k * 0x9E3779B9u));
		if (!symlink(target, t.p)) break;
		if (errno != EEXIST || k >= 100) {
			int e = errno;
			strbuf_free(&t);
			errno = e;
			return util_err_set(err, errlen, "%s: %s", path, strerror(e));
		}
	}
	int rc = util_atomic_rename(t.p, path, err, errlen);
	if (!rc) rc = util_fsync_dir(path, err, errlen);
	strbuf_free(&t);
	return rc;
}

int util_spool_open(const char *dir, const char *prefix, char *err, size_t errlen)
{
	if (!dir || !*dir) dir = getenv("TMPDIR");
	if (!dir || !*dir) dir = "/tmp";
	strbuf p = STRBUF_INIT;
	strbuf_printf(&p, "%s/%s.XXXXXX", dir, prefix);
	int fd = mkostemp(p.p, O_CLOEXEC);
	int e = errno;
	if (fd >= 0) unlink(p.p);
	strbuf_free(&p);
	if (fd < 0) {
		util_err_set(err, errlen, "cannot create a temporary file in %s: %s", dir, strerror(e));
		errno = e;
	}
	return fd;
}

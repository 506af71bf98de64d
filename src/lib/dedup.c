/* dedup.c — see dedup.h. */
#include "dedup.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

void dd_fold(const char *s, size_t n, jbuf *out)
{
	/* at most n + 1 bytes are added: reserve once, write through a pointer */
	jbuf_reserve(out, n + 18);   /* a 16-byte store may run past the last byte kept */
	char *o = out->p + out->len;
	const char *base = out->p;
	int space = 1;   /* drop leading whitespace */
	size_t i = 0;
#ifdef __SSE2__
	/* 16 bytes at a time: fold case with SIMD; a chunk without whitespace is
	 * stored whole, one with whitespace is walked by its mask */
	const __m128i A1 = _mm_set1_epi8('A' - 1), Z1 = _mm_set1_epi8('Z' + 1), d32 = _mm_set1_epi8(32);
	const __m128i sp = _mm_set1_epi8(' '), t9 = _mm_set1_epi8(8), t14 = _mm_set1_epi8(14);
	for (; i + 16 <= n; i += 16) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i up = _mm_and_si128(_mm_cmpgt_epi8(x, A1), _mm_cmpgt_epi8(Z1, x));
		__m128i low = _mm_add_epi8(x, _mm_and_si128(up, d32));
		/* whitespace: ' ' or 9..13 */
		__m128i ws = _mm_or_si128(_mm_cmpeq_epi8(x, sp), _mm_and_si128(_mm_cmpgt_epi8(x, t9), _mm_cmpgt_epi8(t14, x)));
		unsigned m = (unsigned)_mm_movemask_epi8(ws);
		if (!m && !_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('\x1f')))) {
			if (space && o > base && o[-1] != '\x1f') *o++ = ' ';
			space = 0;
			_mm_storeu_si128((__m128i *)o, low);
			o += 16;
			continue;
		}
		/* prose: single spaces between words stay as they are */
		unsigned msp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, sp));
		unsigned mus = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('\x1f')));
		if (m == msp && !(m & 1) && !(m & (m >> 1)) && !mus) {
			if (space && o > base && o[-1] != '\x1f') *o++ = ' ';
			_mm_storeu_si128((__m128i *)o, low);
			o += 16;
			space = 0;
			if (m >> 15 & 1) { o--; space = 1; }   /* a trailing space waits for what follows */
			continue;
		}
		unsigned char tmp[16];
		_mm_storeu_si128((__m128i *)tmp, low);
		for (int k = 0; k < 16; k++) {
			if (m >> k & 1) { space = 1; continue; }
			if (space && o > base && o[-1] != '\x1f') *o++ = ' ';
			space = 0;
			*o++ = (char)tmp[k];
		}
	}
#endif
	for (; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			space = 1;
			continue;
		}
		if (space && o > base && o[-1] != '\x1f') *o++ = ' ';
		space = 0;
		*o++ = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out->len = (size_t)(o - out->p);
	out->p[out->len] = 0;
}

/* NFC (and with casefold, Unicode case folding) of the non-ASCII runs, with
 * the character before each, which a combining mark may compose with: ASCII
 * never changes under NFC, and dd_fold folds its case. */
void dd_nfc(const char *s, size_t n, int casefold, jbuf *out)
{
	size_t i = 0;
	unsigned char lim = casefold ? 0x80 : 0xCC;   /* below U+0300 NFC changes nothing */
	while (i < n) {
		size_t a = i;
		while (i < n && (unsigned char)s[i] < lim) i++;
		if (i == n) { jbuf_put(out, s + a, n - a); return; }
		size_t st = i > a ? i - 1 : i;
		while (st > a && ((unsigned char)s[st] & 0xC0) == 0x80) st--;
		jbuf_put(out, s + a, st - a);
		while (i < n && (unsigned char)s[i] >= 0x80) i++;
		utf8proc_uint8_t *r = NULL;
		utf8proc_ssize_t rn = utf8proc_map((const utf8proc_uint8_t *)s + st, (utf8proc_ssize_t)(i - st), &r,
						   UTF8PROC_STABLE | UTF8PROC_COMPOSE | (casefold ? UTF8PROC_CASEFOLD : 0));
		if (rn < 0) jbuf_put(out, s + st, i - st);
		else jbuf_put(out, r, (size_t)rn);
		free(r);
	}
}

int dd_normalize(const json_doc *d, int key, jbuf *out)
{
	return dd_normalize_opt(d, key, 1, out);
}

int dd_normalize_opt(const json_doc *d, int key, int fold, jbuf *out)
{
	jbuf_reset(out);
	uint32_t ms = json_get(d, 0, "messages");
	if (json_type_of(d, ms) != JSON_ARRAY) return -1;
	jbuf tmp = {0}, nfc = {0};
	JSON_FOR_ELEMS(d, ms, m, k) {
		(void)k;
		if (json_type_of(d, m) != JSON_OBJECT) continue;
		uint32_t r = json_get(d, m, "role"), c = json_get(d, m, "content");
		if (json_type_of(d, c) != JSON_STRING) continue;
		if (key == DD_KEY_USER && !(json_type_of(d, r) == JSON_STRING && json_str_eq(d, r, "user", 4))) continue;
		if (key == DD_KEY_ALL && json_type_of(d, r) == JSON_STRING) {
			json_str_append(d, r, out);
			jbuf_putc(out, '\x1f');
		}
		jbuf_reset(&tmp);
		json_str_append(d, c, &tmp);
		if (!fold) jbuf_put(out, tmp.p ? tmp.p : "", tmp.len);
		else {
			const char *t = tmp.p ? tmp.p : "";
			size_t tn = tmp.len, k2 = 0;
			/* ASCII? eight bytes at a time */
			for (uint64_t w; k2 + 8 <= tn; k2 += 8) { memcpy(&w, t + k2, 8); if (w & 0x8080808080808080ull) break; }
			while (k2 < tn && (unsigned char)t[k2] < 0x80) k2++;
			if (k2 < tn) {   /* non-ASCII: NFC and Unicode case folding */
				jbuf_reset(&nfc);
				dd_nfc(t, tn, 1, &nfc);
				t = nfc.p;
				tn = nfc.len;
			}
			dd_fold(t, tn, out);
		}
		jbuf_putc(out, '\x1f');
	}
	jbuf_free(&tmp);
	jbuf_free(&nfc);
	if (!out->p) jbuf_put(out, "", 0);
	return 0;
}

dd_key dd_exact_key(const char *s, size_t n)
{
	XXH128_hash_t h = XXH3_128bits(s, n);
	dd_key k = { h.low64, h.high64 };
	return k;
}

static uint64_t perm_a(int k) { uint64_t x = 0x9E3779B97F4A7C15ull * (uint64_t)(k + 1); x ^= x >> 29; x *= 0xBF58476D1CE4E5B9ull; return x | 1; }
static uint64_t perm_b(int k) { uint64_t x = 0xD1B54A32D192ED03ull * (uint64_t)(k + 7); x ^= x >> 31; x *= 0x94D049BB133111EBull; return x; }

/* One shingle's hash h into the running minima acc[k] of the permutations
 * (h * a[k] + b[k]) >> 32 (mod 2^64). acc holds 64-bit lanes whose upper
 * halves are zero. The SIMD versions compute the same bits. */
static void mh_scalar(uint64_t h, const uint64_t *a, const uint64_t *b, uint64_t *acc, int k, int nperm)
{
	for (; k < nperm; k++) {
		uint64_t v = (h * a[k] + b[k]) >> 32;
		if (v < acc[k]) acc[k] = v;
	}
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define HAVE_MH_SIMD 1
/* AVX2 has no 64-bit multiply: the low 64 bits of h * a are
 * hl*al + ((hh*al + hl*ah) << 32), from three 32x32->64 multiplies */
__attribute__((target("avx2")))
static void mh_avx2(uint64_t h, const uint64_t *a, const uint64_t *b, uint64_t *acc, int nperm)
{
	const __m256i hv = _mm256_set1_epi64x((long long)h), hh = _mm256_srli_epi64(hv, 32);
	int k = 0;
	for (; k + 4 <= nperm; k += 4) {
		__m256i av = _mm256_loadu_si256((const __m256i *)(a + k)), bv = _mm256_loadu_si256((const __m256i *)(b + k));
		__m256i cross = _mm256_add_epi64(_mm256_mul_epu32(hh, av), _mm256_mul_epu32(hv, _mm256_srli_epi64(av, 32)));
		__m256i prod = _mm256_add_epi64(_mm256_mul_epu32(hv, av), _mm256_slli_epi64(cross, 32));
		__m256i v = _mm256_srli_epi64(_mm256_add_epi64(prod, bv), 32);
		__m256i m = _mm256_loadu_si256((const __m256i *)(acc + k));
		/* both upper halves are zero, so a 32-bit minimum is the 64-bit one */
		_mm256_storeu_si256((__m256i *)(acc + k), _mm256_min_epu32(m, v));
	}
	mh_scalar(h, a, b, acc, k, nperm);
}

__attribute__((target("avx512f,avx512dq")))
static void mh_avx512(uint64_t h, const uint64_t *a, const uint64_t *b, uint64_t *acc, int nperm)
{
	const __m512i hv = _mm512_set1_epi64((long long)h);
	int k = 0;
	for (; k + 8 <= nperm; k += 8) {
		__m512i av = _mm512_loadu_si512((const void *)(a + k)), bv = _mm512_loadu_si512((const void *)(b + k));
		__m512i v = _mm512_srli_epi64(_mm512_add_epi64(_mm512_mullo_epi64(hv, av), bv), 32);
		_mm512_storeu_si512((void *)(acc + k), _mm512_min_epu64(_mm512_loadu_si512((const void *)(acc + k)), v));
	}
	mh_scalar(h, a, b, acc, k, nperm);
}
#endif

static int mh_force = -1;
void dd_minhash_impl(int which) { mh_force = which; }

/* Byte classes for word splitting: 0 a word byte, 1 a separator (whitespace,
 * the message separator 0x1f, ASCII punctuation), 2 the lead byte of a
 * multi-byte UTF-8 character, which is a separator when it is punctuation. */
static const unsigned char sh_class[256] = {
	['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [0x1f] = 1, [' '] = 1,
	['!'] = 1, ['"'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['('] = 1,
	[')'] = 1, ['*'] = 1, ['+'] = 1, [','] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1, [':'] = 1,
	[';'] = 1, ['<'] = 1, ['='] = 1, ['>'] = 1, ['?'] = 1, ['@'] = 1, ['['] = 1, ['\\'] = 1,
	[']'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['{'] = 1, ['|'] = 1, ['}'] = 1, ['~'] = 1,
	[0xC2] = 2, [0xC3] = 2, [0xC4] = 2, [0xC5] = 2, [0xC6] = 2, [0xC7] = 2, [0xC8] = 2, [0xC9] = 2,
	[0xCA] = 2, [0xCB] = 2, [0xCC] = 2, [0xCD] = 2, [0xCE] = 2, [0xCF] = 2, [0xD0] = 2, [0xD1] = 2,
	[0xD2] = 2, [0xD3] = 2, [0xD4] = 2, [0xD5] = 2, [0xD6] = 2, [0xD7] = 2, [0xD8] = 2, [0xD9] = 2,
	[0xDA] = 2, [0xDB] = 2, [0xDC] = 2, [0xDD] = 2, [0xDE] = 2, [0xDF] = 2, [0xE0] = 2, [0xE1] = 2,
	[0xE2] = 2, [0xE3] = 2, [0xE4] = 2, [0xE5] = 2, [0xE6] = 2, [0xE7] = 2, [0xE8] = 2, [0xE9] = 2,
	[0xEA] = 2, [0xEB] = 2, [0xEC] = 2, [0xED] = 2, [0xEE] = 2, [0xEF] = 2, [0xF0] = 2, [0xF1] = 2,
	[0xF2] = 2, [0xF3] = 2, [0xF4] = 2,
};

/* Bytes the character at s[i] takes when it is Unicode punctuation
 * (general category P*), else 0. Invalid UTF-8 is a word byte. */
static size_t uni_punct(const char *s, size_t n, size_t i)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
	if (k <= 0) return 0;
	utf8proc_category_t c = utf8proc_category(cp);
	return c >= UTF8PROC_CATEGORY_PC && c <= UTF8PROC_CATEGORY_PO ? (size_t)k : 0;
}

/* The shingles of a text, one at a time: each word hashed once (xxh3-64),
 * a shingle's hash is xxh3-64 of its ngram word hashes in order, so the
 * separators between the words (one space, a comma, a line break) do not
 * matter, only the words. */
typedef struct sh_iter {
	const char *s;
	size_t n, i, nw, count;
	int ngram, done;
	uint64_t win[32];   /* the last ngram word hashes, oldest first */
} sh_iter;

static void sh_init(sh_iter *it, const char *s, size_t n, int ngram)
{
	memset(it, 0, sizeof *it);
	it->s = s;
	it->n = n;
	it->ngram = ngram < 1 ? 1 : ngram > 32 ? 32 : ngram;
}

/* The next shingle's hash into *h: 1, or 0 at the end. A text of fewer words
 * than ngram is one shingle (all its words); an empty text has none. */
static inline int sh_next(sh_iter *it, uint64_t *h)
{
	const char *s = it->s;
	const size_t n = it->n;
	size_t i = it->i;
	for (;;) {
		size_t k;
		/* skip separators */
		for (;;) {
			if (i >= n) goto end;
			unsigned char c = sh_class[(unsigned char)s[i]];
			if (c == 1) i++;
			else if (c == 2 && (k = uni_punct(s, n, i))) i += k;
			else break;
		}
		size_t st = i;
		for (; i < n; i++) {
			unsigned char c = sh_class[(unsigned char)s[i]];
			if (c == 1 || (c == 2 && uni_punct(s, n, i))) break;
		}
		uint64_t w = XXH3_64bits(s + st, i - st);
		if (it->nw < (size_t)it->ngram) it->win[it->nw] = w;
		else {
			memmove(it->win, it->win + 1, (size_t)(it->ngram - 1) * sizeof *it->win);
			it->win[it->ngram - 1] = w;
		}
		it->nw++;
		if (it->nw >= (size_t)it->ngram) {
			it->i = i;
			it->count++;
			*h = XXH3_64bits(it->win, (size_t)it->ngram * sizeof *it->win);
			return 1;
		}
	}
end:
	it->i = i;
	if (it->done || it->count || !it->nw) return 0;
	it->done = 1;   /* fewer words than ngram: the whole text is one shingle */
	it->count = 1;
	*h = XXH3_64bits(it->win, it->nw * sizeof *it->win);
	return 1;
}

size_t dd_minhash(const char *s, size_t n, int ngram, uint32_t *sig, int nperm)
{
	uint64_t a[512], b[512], acc[512];
	if (nperm > 512) nperm = 512;
	for (int k = 0; k < nperm; k++) { acc[k] = UINT32_MAX; a[k] = perm_a(k); b[k] = perm_b(k); }
	int impl = 0;   /* 0 scalar, 1 AVX2, 2 AVX-512 */
#ifdef HAVE_MH_SIMD
	impl = __builtin_cpu_supports("avx512dq") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
#endif
	if (mh_force >= 0 && mh_force < impl) impl = mh_force;
	sh_iter it;
	sh_init(&it, s, n, ngram);
	uint64_t h;
	while (sh_next(&it, &h)) {
#ifdef HAVE_MH_SIMD
		if (impl == 2) mh_avx512(h, a, b, acc, nperm);
		else if (impl == 1) mh_avx2(h, a, b, acc, nperm);
		else
#endif
			mh_scalar(h, a, b, acc, 0, nperm);
	}
	for (int k = 0; k < nperm; k++) sig[k] = (uint32_t)acc[k];
	return it.count;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

size_t dd_shingle_set(const char *s, size_t n, int ngram, uint64_t **set, size_t *cap)
{
	sh_iter it;
	sh_init(&it, s, n, ngram);
	size_t m = 0;
	uint64_t h;
	while (sh_next(&it, &h)) {
		if (m == *cap) { *cap = *cap ? *cap * 2 : 256; *set = xrealloc(*set, *cap * sizeof **set); }
		(*set)[m++] = h;
	}
	if (!m) return 0;
	qsort(*set, m, sizeof **set, u64_cmp);
	size_t u = 1;
	for (size_t k = 1; k < m; k++)
		if ((*set)[k] != (*set)[u - 1]) (*set)[u++] = (*set)[k];
	return u;
}

double dd_jaccard(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
	if (!na && !nb) return 1;
	size_t i = 0, j = 0, inter = 0;
	while (i < na && j < nb) {
		if (a[i] < b[j]) i++;
		else if (a[i] > b[j]) j++;
		else { inter++; i++; j++; }
	}
	return (double)inter / (double)(na + nb - inter);
}

double dd_sig_similarity(const uint32_t *a, const uint32_t *b, int nperm)
{
	int eq = 0;
	for (int k = 0; k < nperm; k++) eq += a[k] == b[k];
	return nperm ? (double)eq / nperm : 0;
}

uint64_t dd_band_key(const uint32_t *sig, int band, int rows)
{
	return XXH3_64bits_withSeed(sig + (size_t)band * rows, (size_t)rows * sizeof *sig, (uint64_t)band);
}

double dd_candidate_prob(double s, int bands, int rows)
{
	return 1 - pow(1 - pow(s, rows), bands);
}

void dd_uf_add(dd_uf *u)
{
	if (u->n == u->cap) { u->cap = u->cap ? u->cap * 2 : 1024; u->parent = xrealloc(u->parent, u->cap * sizeof *u->parent); }
	u->parent[u->n] = (uint32_t)u->n;
	u->n++;
}

uint32_t dd_uf_find(dd_uf *u, uint32_t x)
{
	while (u->parent[x] != x) { u->parent[x] = u->parent[u->parent[x]]; x = u->parent[x]; }
	return x;
}

void dd_uf_union(dd_uf *u, uint32_t a, uint32_t b)
{
	a = dd_uf_find(u, a);
	b = dd_uf_find(u, b);
	if (a == b) return;
	if (a < b) u->parent[b] = a; else u->parent[a] = b;
}

void dd_uf_free(dd_uf *u) { free(u->parent); memset(u, 0, sizeof *u); }

static size_t keyslot_of(dd_key k, size_t cap) { return (k.lo ^ (k.hi * 0x9E3779B97F4A7C15ull)) & (cap - 1); }

static void keytab_grow(dd_keytab *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1 << 16;
	struct dd_keyslot *s = xcalloc(cap, sizeof *s);
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slot[i].idx) continue;
		size_t j = keyslot_of((dd_key){t->slot[i].lo, t->slot[i].hi}, cap);
		while (s[j].idx) j = (j + 1) & (cap - 1);
		s[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = s;
	t->cap = cap;
}

uint32_t dd_keytab_first(dd_keytab *t, dd_key key, uint32_t idx)
{
	if ((t->n + 1) * 2 > t->cap) keytab_grow(t);
	size_t j = keyslot_of(key, t->cap);
	for (; t->slot[j].idx; j = (j + 1) & (t->cap - 1))
		if (t->slot[j].lo == key.lo && t->slot[j].hi == key.hi) return t->slot[j].idx - 1;
	t->slot[j].lo = key.lo;
	t->slot[j].hi = key.hi;
	t->slot[j].idx = idx + 1;
	t->n++;
	return idx;
}

void dd_keytab_free(dd_keytab *t)
{
	free(t->slot);
	memset(t, 0, sizeof *t);
}

void dd_lsh_init(dd_lsh *l, int bands, int rows, double threshold)
{
	memset(l, 0, sizeof *l);
	l->bands = bands;
	l->rows = rows;
	l->min_est = threshold - DD_EST_SLACK > 0 ? threshold - DD_EST_SLACK : 0;
}

static size_t bandslot_of(uint32_t fp, size_t cap) { return (fp * 0x9E3779B1u) & (cap - 1); }

static void lsh_grow(dd_lsh *l)
{
	size_t cap = l->cap ? l->cap * 2 : 1 << 14;
	if (!l->band) l->band = xcalloc((size_t)l->bands, sizeof *l->band);
	for (int b = 0; b < l->bands; b++) {
		struct dd_bandslot *t = xcalloc(cap, sizeof *t);
		for (size_t i = 0; i < l->cap; i++) {
			if (!l->band[b][i].idx) continue;
			size_t j = bandslot_of(l->band[b][i].fp, cap);
			while (t[j].idx) j = (j + 1) & (cap - 1);
			t[j] = l->band[b][i];
		}
		free(l->band[b]);
		l->band[b] = t;
	}
	l->cap = cap;
}

/* The first record whose band b has fingerprint fp, or idx after adding it. */
static uint32_t band_first(dd_lsh *l, int b, uint32_t fp, uint32_t idx)
{
	struct dd_bandslot *t = l->band[b];
	size_t j = bandslot_of(fp, l->cap);
	for (; t[j].idx; j = (j + 1) & (l->cap - 1))
		if (t[j].fp == fp) return t[j].idx - 1;
	t[j].fp = fp;
	t[j].idx = idx + 1;
	return idx;
}

int dd_lsh_candidates(dd_lsh *l, const uint32_t *sigs, uint32_t i, dd_uf *uf, uint32_t *out)
{
	int nperm = l->bands * l->rows, m = 0;
	const uint32_t *sig = sigs + (size_t)i * (size_t)nperm;
	/* each table holds at most one entry per record */
	if ((l->n + 1) * 2 > l->cap) lsh_grow(l);
	for (int b = 0; b < l->bands; b++) {
		uint32_t fp = (uint32_t)dd_band_key(sig, b, l->rows);
		uint32_t f = band_first(l, b, fp, i);
		if (f == i || (uf && dd_uf_find(uf, f) == dd_uf_find(uf, i))) continue;
		int seen = 0;
		for (int k = 0; k < m && !seen; k++) seen = out[k] == f;
		if (seen) continue;
		if (dd_sig_similarity(sig, sigs + (size_t)f * (size_t)nperm, nperm) >= l->min_est) out[m++] = f;
	}
	l->n++;
	return m;
}

void dd_verifier_init(dd_verifier *v, int ngram, double threshold, dd_text_fn text, void *ctx)
{
	memset(v, 0, sizeof *v);
	v->ngram = ngram;
	v->threshold = threshold;
	v->text = text;
	v->ctx = ctx;
	for (int k = 0; k < DD_VCACHE; k++) v->slot[k].idx = UINT32_MAX;
}

/* Record idx's shingle set: from the cache, else read and put in slot
 * idx % DD_VCACHE, or (when that slot holds keep) in the spare. */
static struct dd_vslot *verifier_set(dd_verifier *v, uint32_t idx, uint32_t keep)
{
	struct dd_vslot *s = &v->slot[idx % DD_VCACHE];
	if (s->idx == idx) return s;
	if (s->idx == keep && keep != UINT32_MAX) s = &v->spare;
	const char *t;
	size_t n;
	if (v->text(v->ctx, idx, &t, &n)) return NULL;
	s->n = dd_shingle_set(t, n, v->ngram, &s->set, &s->cap);
	s->idx = idx;
	v->reads++;
	return s;
}

int dd_verifier_jaccard(dd_verifier *v, uint32_t a, uint32_t b, double *j)
{
	struct dd_vslot *sa = verifier_set(v, a, UINT32_MAX);
	if (!sa) return -1;
	struct dd_vslot *sb = verifier_set(v, b, a);
	if (!sb) return -1;
	*j = dd_jaccard(sa->set, sa->n, sb->set, sb->n);
	v->pairs++;
	if (sb == &v->spare) sb->idx = UINT32_MAX;   /* the spare holds one pair's record only */
	return 0;
}

void dd_verifier_free(dd_verifier *v)
{
	for (int k = 0; k < DD_VCACHE; k++) free(v->slot[k].set);
	free(v->spare.set);
	memset(v, 0, sizeof *v);
}

void dd_lsh_free(dd_lsh *l)
{
	for (int b = 0; l->band && b < l->bands; b++) free(l->band[b]);
	free(l->band);
	memset(l, 0, sizeof *l);
}

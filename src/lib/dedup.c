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

void dedup_fold(const char *s, size_t n, strbuf *out)
{
	/* at most n + 1 bytes are added: reserve once, write through a pointer */
	strbuf_reserve(out, n + 18);   /* a 16-byte store may run past the last byte kept */
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
 * never changes under NFC, and dedup_fold folds its case. */
void dedup_nfc(const char *s, size_t n, int casefold, strbuf *out)
{
	size_t i = 0;
	unsigned char lim = casefold ? 0x80 : 0xCC;   /* below U+0300 NFC changes nothing */
	while (i < n) {
		size_t a = i;
		while (i < n && (unsigned char)s[i] < lim) i++;
		if (i == n) { strbuf_put(out, s + a, n - a); return; }
		size_t st = i > a ? i - 1 : i;
		while (st > a && ((unsigned char)s[st] & 0xC0) == 0x80) st--;
		strbuf_put(out, s + a, st - a);
		while (i < n && (unsigned char)s[i] >= 0x80) i++;
		utf8proc_uint8_t *r = NULL;
		utf8proc_ssize_t rn = utf8proc_map((const utf8proc_uint8_t *)s + st, (utf8proc_ssize_t)(i - st), &r,
						   UTF8PROC_STABLE | UTF8PROC_COMPOSE | (casefold ? UTF8PROC_CASEFOLD : 0));
		if (rn < 0) strbuf_put(out, s + st, i - st);
		else strbuf_put(out, r, (size_t)rn);
		free(r);
	}
}

int dedup_normalize(const json_doc *d, int key, strbuf *out)
{
	return dedup_normalize_opt(d, key, 1, out);
}

int dedup_normalize_opt(const json_doc *d, int key, int fold, strbuf *out)
{
	strbuf_reset(out);
	uint32_t ms = json_get(d, 0, "messages");
	if (json_type_of(d, ms) != JSON_ARRAY) return -1;
	strbuf tmp = {0}, nfc = {0};
	JSON_FOR_ELEMS(d, ms, m, k) {
		(void)k;
		if (json_type_of(d, m) != JSON_OBJECT) continue;
		uint32_t r = json_get(d, m, "role"), c = json_get(d, m, "content");
		if (json_type_of(d, c) != JSON_STRING) continue;
		if (key == DEDUP_KEY_USER && !(json_type_of(d, r) == JSON_STRING && json_str_eq(d, r, "user", 4))) continue;
		if (key == DEDUP_KEY_ALL && json_type_of(d, r) == JSON_STRING) {
			json_str_append(d, r, out);
			strbuf_putc(out, '\x1f');
		}
		strbuf_reset(&tmp);
		json_str_append(d, c, &tmp);
		if (!fold) strbuf_put(out, tmp.p ? tmp.p : "", tmp.len);
		else {
			const char *t = tmp.p ? tmp.p : "";
			size_t tn = tmp.len, k2 = 0;
			/* ASCII? eight bytes at a time */
			for (uint64_t w; k2 + 8 <= tn; k2 += 8) { memcpy(&w, t + k2, 8); if (w & 0x8080808080808080ull) break; }
			while (k2 < tn && (unsigned char)t[k2] < 0x80) k2++;
			if (k2 < tn) {   /* non-ASCII: NFC and Unicode case folding */
				strbuf_reset(&nfc);
				dedup_nfc(t, tn, 1, &nfc);
				t = nfc.p;
				tn = nfc.len;
			}
			dedup_fold(t, tn, out);
		}
		strbuf_putc(out, '\x1f');
	}
	strbuf_free(&tmp);
	strbuf_free(&nfc);
	if (!out->p) strbuf_put(out, "", 0);
	return 0;
}

dedup_key dedup_exact_key(const char *s, size_t n)
{
	XXH128_hash_t h = XXH3_128bits(s, n);
	dedup_key k = { h.low64, h.high64 };
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
void dedup_minhash_impl(int which) { mh_force = which; }

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

static inline uint64_t fmix64(uint64_t h)
{
	/* MurmurHash3's 64-bit finalizer */
	h ^= h >> 33;
	h *= 0xFF51AFD7ED558CCDull;
	h ^= h >> 33;
	h *= 0xC4CEB9FE1A85EC53ull;
	h ^= h >> 33;
	return h;
}

/* A word's hash: words of up to 16 bytes (nearly all) are mixed inline,
 * longer ones go through xxh3-64. room: the bytes readable from s. Little
 * endian is assumed for the masks (x86-64, arm64), so the hashes are the
 * same on the machines sftkit runs on. */
static inline uint64_t word_hash(const char *s, size_t n, size_t room)
{
	if (n > 16) return XXH3_64bits(s, n);
	uint64_t a = 0, b = 0;
	if (room >= 16) {   /* two whole loads, the bytes past the word masked off */
		memcpy(&a, s, 8);
		memcpy(&b, s + 8, 8);
		if (n < 8) { a &= ~0ull >> (64 - 8 * n); b = 0; }
		else b = n == 8 ? 0 : b & (~0ull >> (128 - 8 * n));
	} else {
		memcpy(&a, s, n < 8 ? n : 8);
		if (n > 8) memcpy(&b, s + 8, n - 8);
	}
	return fmix64((a ^ 0x9E3779B97F4A7C15ull) * 0xBF58476D1CE4E5B9ull + (b ^ n) * 0x94D049BB133111EBull);
}

/* The shingles of a text, one at a time: each word hashed once, a shingle's
 * hash a mix of its ngram word hashes in order (each times its own odd
 * constant, summed, finalized), so the separators between the words (one
 * space, a comma, a line break) do not matter, only the words. */
typedef struct sh_iter {
	const char *s;
	size_t n, i, nw, count;
	int ngram, done;
	uint64_t win[32];   /* the last ngram word hashes, oldest first */
} sh_iter;

/* The end of the word that starts at s[i]: the first separator after it,
 * or n. */
static inline size_t word_end(const char *s, size_t n, size_t i)
{
#ifdef __SSE2__
	/* 16 bytes at a time: the bytes that are not ASCII letters or digits
	 * are looked up in sh_class (most are separators; non-ASCII and
	 * control bytes may belong to the word) */
	const __m128i c0 = _mm_set1_epi8('0'), ca = _mm_set1_epi8('a'), c20 = _mm_set1_epi8(0x20);
	const __m128i n9 = _mm_set1_epi8(9), n25 = _mm_set1_epi8(25);
	while (i + 16 <= n) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
		__m128i d = _mm_sub_epi8(x, c0), l = _mm_sub_epi8(_mm_or_si128(x, c20), ca);
		__m128i w = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(d, n9), d), _mm_cmpeq_epi8(_mm_min_epu8(l, n25), l));
		unsigned m = ~(unsigned)_mm_movemask_epi8(w) & 0xFFFF;
		if (!m) { i += 16; continue; }
		i += (size_t)__builtin_ctz(m);
		unsigned char c = sh_class[(unsigned char)s[i]];
		if (c == 1 || (c == 2 && uni_punct(s, n, i))) return i;
		i++;   /* a word byte after all: go on from the next */
	}
#endif
	for (; i < n; i++) {
		unsigned char c = sh_class[(unsigned char)s[i]];
		if (c == 1 || (c == 2 && uni_punct(s, n, i))) break;
	}
	return i;
}

static inline uint64_t win_hash(const uint64_t *w, size_t n)
{
	uint64_t h = n;
	for (size_t k = 0; k < n; k++) h += w[k] * (0x9E3779B97F4A7C15ull + 2 * k * 0x632BE59BD9B4E019ull);
	return fmix64(h);
}

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
		i = word_end(s, n, i);
		uint64_t w = word_hash(s + st, i - st, n - st);
		if (it->nw < (size_t)it->ngram) it->win[it->nw] = w;
		else {
			for (int k = 0; k + 1 < it->ngram; k++) it->win[k] = it->win[k + 1];
			it->win[it->ngram - 1] = w;
		}
		it->nw++;
		if (it->nw >= (size_t)it->ngram) {
			it->i = i;
			it->count++;
			*h = win_hash(it->win, (size_t)it->ngram);
			return 1;
		}
	}
end:
	it->i = i;
	if (it->done || it->count || !it->nw) return 0;
	it->done = 1;   /* fewer words than ngram: the whole text is one shingle */
	it->count = 1;
	*h = win_hash(it->win, it->nw);
	return 1;
}

void dedup_minhash_of(const uint64_t *h, size_t m, uint32_t *sig, int nperm)
{
	uint64_t a[512], b[512], acc[512];
	if (nperm > 512) nperm = 512;
	for (int k = 0; k < nperm; k++) { acc[k] = UINT32_MAX; a[k] = perm_a(k); b[k] = perm_b(k); }
	int impl = 0;   /* 0 scalar, 1 AVX2, 2 AVX-512 */
#ifdef HAVE_MH_SIMD
	impl = __builtin_cpu_supports("avx512dq") ? 2 : __builtin_cpu_supports("avx2") ? 1 : 0;
#endif
	if (mh_force >= 0 && mh_force < impl) impl = mh_force;
	for (size_t j = 0; j < m; j++) {
#ifdef HAVE_MH_SIMD
		if (impl == 2) mh_avx512(h[j], a, b, acc, nperm);
		else if (impl == 1) mh_avx2(h[j], a, b, acc, nperm);
		else
#endif
			mh_scalar(h[j], a, b, acc, 0, nperm);
	}
	for (int k = 0; k < nperm; k++) sig[k] = (uint32_t)acc[k];
}

size_t dedup_shingle_hashes(const char *s, size_t n, int ngram, uint64_t **h, size_t *cap)
{
	sh_iter it;
	sh_init(&it, s, n, ngram);
	size_t m = 0;
	uint64_t x;
	while (sh_next(&it, &x)) {
		/* room for twice the hashes: a set is sorted with the upper half as scratch */
		if (2 * (m + 1) > *cap) { *cap = *cap ? *cap * 2 : 512; *h = xrealloc(*h, *cap * sizeof **h); }
		(*h)[m++] = x;
	}
	return m;
}

size_t dedup_minhash(const char *s, size_t n, int ngram, uint32_t *sig, int nperm)
{
	uint64_t *h = NULL;
	size_t cap = 0, m = dedup_shingle_hashes(s, n, ngram, &h, &cap);
	dedup_minhash_of(h, m, sig, nperm);
	free(h);
	return m;
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* Sort a[0..n) of uniform hashes, tmp[n] scratch: one pass distributes them
 * into about n/2 buckets by their top bits, then each bucket (a few keys on
 * average) is sorted by insertion, a large one by qsort. */
static void hash_sort64(uint64_t *a, uint64_t *tmp, size_t n)
{
	int bits = 1;
	while (bits < 12 && ((size_t)1 << bits) < n / 2) bits++;
	size_t nb = (size_t)1 << bits, cnt[(1 << 12) + 1];
	memset(cnt, 0, (nb + 1) * sizeof *cnt);
	for (size_t i = 0; i < n; i++) cnt[(a[i] >> (64 - bits)) + 1]++;
	for (size_t k = 1; k <= nb; k++) cnt[k] += cnt[k - 1];
	for (size_t i = 0; i < n; i++) tmp[cnt[a[i] >> (64 - bits)]++] = a[i];
	/* cnt[k] is now the end of bucket k */
	for (size_t k = 0, st = 0; k < nb; st = cnt[k++]) {
		size_t en = cnt[k];
		if (en - st > 32) { qsort(tmp + st, en - st, sizeof *tmp, u64_cmp); continue; }
		for (size_t i = st + 1; i < en; i++) {
			uint64_t v = tmp[i];
			size_t j = i;
			for (; j > st && tmp[j - 1] > v; j--) tmp[j] = tmp[j - 1];
			tmp[j] = v;
		}
	}
	memcpy(a, tmp, n * sizeof *a);
}

/* The hashes h[0..m) (room for 2m) sorted and made distinct; their number. */
static size_t make_set(uint64_t *h, size_t m)
{
	if (!m) return 0;
	hash_sort64(h, h + m, m);
	size_t u = 1;
	for (size_t k = 1; k < m; k++)
		if (h[k] != h[u - 1]) h[u++] = h[k];
	return u;
}

size_t dedup_shingle_set(const char *s, size_t n, int ngram, uint64_t **set, size_t *cap)
{
	size_t m = dedup_shingle_hashes(s, n, ngram, set, cap);
	return make_set(*set, m);
}

double dedup_jaccard(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
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

double dedup_sig_similarity(const uint32_t *a, const uint32_t *b, int nperm)
{
	int eq = 0;
	for (int k = 0; k < nperm; k++) eq += a[k] == b[k];
	return nperm ? (double)eq / nperm : 0;
}

uint64_t dedup_band_key(const uint32_t *sig, int band, int rows)
{
	return XXH3_64bits_withSeed(sig + (size_t)band * rows, (size_t)rows * sizeof *sig, (uint64_t)band);
}

double dedup_candidate_prob(double s, int bands, int rows)
{
	return 1 - pow(1 - pow(s, rows), bands);
}

void dedup_uf_add(dedup_uf *u)
{
	if (u->n == u->cap) { u->cap = u->cap ? u->cap * 2 : 1024; u->parent = xrealloc(u->parent, u->cap * sizeof *u->parent); }
	u->parent[u->n] = (uint32_t)u->n;
	u->n++;
}

uint32_t dedup_uf_find(dedup_uf *u, uint32_t x)
{
	while (u->parent[x] != x) { u->parent[x] = u->parent[u->parent[x]]; x = u->parent[x]; }
	return x;
}

void dedup_uf_union(dedup_uf *u, uint32_t a, uint32_t b)
{
	a = dedup_uf_find(u, a);
	b = dedup_uf_find(u, b);
	if (a == b) return;
	if (a < b) u->parent[b] = a; else u->parent[a] = b;
}

void dedup_uf_free(dedup_uf *u) { free(u->parent); memset(u, 0, sizeof *u); }

static size_t keyslot_of(dedup_key k, size_t cap) { return (k.lo ^ (k.hi * 0x9E3779B97F4A7C15ull)) & (cap - 1); }

static void keytab_grow(dedup_keytab *t)
{
	size_t cap = t->cap ? t->cap * 2 : 1 << 16;
	struct dedup_keyslot *s = xcalloc(cap, sizeof *s);
	for (size_t i = 0; i < t->cap; i++) {
		if (!t->slot[i].idx) continue;
		size_t j = keyslot_of((dedup_key){t->slot[i].lo, t->slot[i].hi}, cap);
		while (s[j].idx) j = (j + 1) & (cap - 1);
		s[j] = t->slot[i];
	}
	free(t->slot);
	t->slot = s;
	t->cap = cap;
}

uint32_t dedup_keytab_first(dedup_keytab *t, dedup_key key, uint32_t idx)
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

void dedup_keytab_free(dedup_keytab *t)
{
	free(t->slot);
	memset(t, 0, sizeof *t);
}

static inline int group_before(const dedup_key *k, const uint16_t *r, uint32_t i, uint32_t j)
{
	if (k[i].hi != k[j].hi) return k[i].hi < k[j].hi;
	if (k[i].lo != k[j].lo) return k[i].lo < k[j].lo;
	if ((r[i] & 0x7FFF) != (r[j] & 0x7FFF)) return (r[i] & 0x7FFF) < (r[j] & 0x7FFF);
	return i < j;
}

void dedup_exact_groups(const dedup_key *keys, const uint16_t *rank, size_t n, unsigned keep, uint32_t *surv)
{
	uint32_t *ord = xmalloc((n ? n : 1) * sizeof *ord), *tmp = xmalloc((n ? n : 1) * sizeof *tmp);
	for (size_t i = 0; i < n; i++) ord[i] = (uint32_t)i;
	/* bottom-up merge sort by (key, rank, index): no comparator state to share */
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n, a = lo, b = mid, o = lo;
			while (a < mid && b < hi) tmp[o++] = group_before(keys, rank, ord[b], ord[a]) ? ord[b++] : ord[a++];
			while (a < mid) tmp[o++] = ord[a++];
			while (b < hi) tmp[o++] = ord[b++];
		}
		uint32_t *t = ord; ord = tmp; tmp = t;
	}
	if (keep < 1) keep = 1;
	for (size_t a = 0; a < n;) {
		size_t b = a + 1;
		while (b < n && keys[ord[b]].hi == keys[ord[a]].hi && keys[ord[b]].lo == keys[ord[a]].lo) b++;
		for (size_t k = a; k < b; k++)
			surv[ord[k]] = b - a == 1 ? DEDUP_SINGLE : k == a || k - a >= keep ? ord[a] : ord[a] | DEDUP_EXTRA;
		a = b;
	}
	free(ord);
	free(tmp);
}

void dedup_lsh_init(dedup_lsh *l, int bands, int rows, double threshold)
{
	memset(l, 0, sizeof *l);
	l->bands = bands;
	l->rows = rows;
	l->min_est = threshold - DEDUP_EST_SLACK > 0 ? threshold - DEDUP_EST_SLACK : 0;
}

static size_t bandslot_of(uint32_t fp, size_t cap) { return (fp * 0x9E3779B1u) & (cap - 1); }

static void lsh_grow(dedup_lsh *l)
{
	size_t cap = l->cap ? l->cap * 2 : 1 << 14;
	if (!l->band) l->band = xcalloc((size_t)l->bands, sizeof *l->band);
	for (int b = 0; b < l->bands; b++) {
		struct dedup_bandslot *t = xcalloc(cap, sizeof *t);
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
static uint32_t band_first(dedup_lsh *l, int b, uint32_t fp, uint32_t idx)
{
	struct dedup_bandslot *t = l->band[b];
	size_t j = bandslot_of(fp, l->cap);
	for (; t[j].idx; j = (j + 1) & (l->cap - 1))
		if (t[j].fp == fp) return t[j].idx - 1;
	t[j].fp = fp;
	t[j].idx = idx + 1;
	return idx;
}

int dedup_lsh_candidates(dedup_lsh *l, const uint32_t *sigs, uint32_t i, dedup_uf *uf, uint32_t *out)
{
	int nperm = l->bands * l->rows, m = 0;
	const uint32_t *sig = sigs + (size_t)i * (size_t)nperm;
	/* each table holds at most one entry per record */
	if ((l->n + 1) * 2 > l->cap) lsh_grow(l);
	for (int b = 0; b < l->bands; b++) {
		uint32_t fp = (uint32_t)dedup_band_key(sig, b, l->rows);
		uint32_t f = band_first(l, b, fp, i);
		if (f == i || (uf && dedup_uf_find(uf, f) == dedup_uf_find(uf, i))) continue;
		int seen = 0;
		for (int k = 0; k < m && !seen; k++) seen = out[k] == f;
		if (seen) continue;
		if (dedup_sig_similarity(sig, sigs + (size_t)f * (size_t)nperm, nperm) >= l->min_est) out[m++] = f;
	}
	l->n++;
	return m;
}

void dedup_verifier_init(dedup_verifier *v, int ngram, double threshold, dedup_text_fn text, void *ctx)
{
	memset(v, 0, sizeof *v);
	v->ngram = ngram;
	v->threshold = threshold;
	v->text = text;
	v->ctx = ctx;
	for (int k = 0; k < DEDUP_VCACHE; k++) v->slot[k].idx = UINT32_MAX;
}

/* Record idx's shingle set: from the cache, else read and put in slot
 * idx % DEDUP_VCACHE, or (when that slot holds keep, the pair's other record)
 * in the spare. */
static struct dedup_vslot *verifier_set(dedup_verifier *v, uint32_t idx, uint32_t keep)
{
	struct dedup_vslot *s = &v->slot[idx % DEDUP_VCACHE];
	if (s->idx != idx && s->idx == keep && keep != UINT32_MAX) s = &v->spare;
	const char *t;
	size_t n;
	if (s->idx != idx) {
		if (v->text(v->ctx, idx, &t, &n)) return NULL;
		s->n = dedup_shingle_hashes(t, n, v->ngram, &s->set, &s->cap);
		s->idx = idx;
		s->sorted = 0;
		v->reads++;
	}
	if (!s->sorted) { s->n = make_set(s->set, s->n); s->sorted = 1; }
	return s;
}

int dedup_verifier_jaccard(dedup_verifier *v, uint32_t a, uint32_t b, double *j)
{
	struct dedup_vslot *sa = verifier_set(v, a, b);
	if (!sa) return -1;
	struct dedup_vslot *sb = verifier_set(v, b, a);
	if (!sb) return -1;
	*j = dedup_jaccard(sa->set, sa->n, sb->set, sb->n);
	v->pairs++;
	v->spare.idx = UINT32_MAX;   /* the spare holds one pair's record only */
	return 0;
}

void dedup_verifier_put(dedup_verifier *v, uint32_t idx, uint64_t **h, size_t n, size_t *cap)
{
	struct dedup_vslot *s = &v->slot[idx % DEDUP_VCACHE];
	uint64_t *t = s->set;
	size_t c = s->cap;
	s->set = *h;
	s->cap = *cap;
	*h = t;
	*cap = c;
	s->n = n;
	s->idx = idx;
	s->sorted = 0;
}

void dedup_verifier_free(dedup_verifier *v)
{
	for (int k = 0; k < DEDUP_VCACHE; k++) free(v->slot[k].set);
	free(v->spare.set);
	memset(v, 0, sizeof *v);
}

void dedup_lsh_free(dedup_lsh *l)
{
	for (int b = 0; l->band && b < l->bands; b++) free(l->band[b]);
	free(l->band);
	memset(l, 0, sizeof *l);
}

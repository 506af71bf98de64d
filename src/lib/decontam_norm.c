/* decontam_norm.c — decontam's normalisation: a text's words, their hashes,
 * positions and unit starts (dc_tokenize; the rules are in decontam.h). */
#include "decontam.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "decontam_priv.h"

/* Byte classes: ASCII word characters (letters, digits, '_'), newline,
 * sentence ends, other ASCII, and the bytes of non-ASCII characters. */
enum { C_OTHER, C_WORD, C_NL, C_END, C_HIGH };
static const uint8_t cls[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3, 3, 0, 0, 0, 3,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
	4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

/* A word's hash over its normalised bytes: ASCII word characters are
 * normalised by OR 0x20 (A-Z to a-z; digits keep their value; '_' becomes
 * 0x7f, which no other word character does), so an ASCII word is hashed
 * straight from the text, 8 bytes a step; other words from the bytes
 * built in t->wbuf, which hold the same normalisation. */
/* len (< 8) bytes at p as a little-endian number; avail bytes may be read.
 * One load when 8 can be read: a byte-wise copy would stall on the store. */
static inline uint64_t load_le(const unsigned char *p, size_t len, size_t avail)
{
	uint64_t v = 0;
	if (avail >= 8) {
		memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		v = __builtin_bswap64(v);
#endif
		return v & ((1ull << (8 * len)) - 1);
	}
	for (size_t k = 0; k < len; k++) v |= (uint64_t)p[k] << (8 * k);
	return v;
}

static inline uint64_t word_hash(const unsigned char *p, size_t len, size_t avail, uint64_t or8)
{
	uint64_t h = (uint64_t)len * POLY_B;
	while (len >= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		v = __builtin_bswap64(v);
#endif
		h = (h ^ (v | or8)) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
		p += 8;
		len -= 8;
		avail -= 8;
	}
	if (len) {
		uint64_t v = load_le(p, len, avail);
		h = (h ^ ((v | or8) & ((1ull << (8 * len)) - 1))) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	/* each step is a bijection of the chunk, so words of up to 8 bytes and
	 * one length never collide; the n-gram key is mixed again (fmix64) */
	return h;
}

static void toks_reserve(dc_toks *t, size_t need)
{
	if (need <= t->cap) return;
	size_t c = t->cap ? t->cap : 256;
	while (c < need) c *= 2;
	t->hash = xrealloc(t->hash, c * sizeof *t->hash);
	t->start = xrealloc(t->start, c * sizeof *t->start);
	t->unit = xrealloc(t->unit, c);
	t->cap = c;
}

static inline void toks_push(dc_toks *t, uint64_t h, size_t st, int unit)
{
	if (t->n == t->cap) toks_reserve(t, t->n + 1);
	t->hash[t->n] = h;
	t->start[t->n] = (uint32_t)st;
	t->unit[t->n] = (uint8_t)unit;
	t->n++;
}

/* One code point at s, or -1 for a byte that does not start valid UTF-8
 * (texts from the JSON reader are valid; raw callers may not be). */
static int decode_cp(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0];
	int len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
	if (!len || (size_t)len > n || c > 0xf4) return -1;
	uint32_t v = c & (0x3f >> (len - 1));
	for (int k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80) return -1;
		v = v << 6 | (s[k] & 0x3f);
	}
	static const uint32_t min[5] = {0, 0, 0x80, 0x800, 0x10000};
	if (v < min[len] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) return -1;
	*cp = v;
	return len;
}

static void wbuf_put(dc_toks *t, const void *p, size_t k)
{
	if (t->wlen + k > t->wcap) xgrow((void **)&t->wbuf, &t->wcap, t->wlen + k, 1);
	memcpy(t->wbuf + t->wlen, p, k);
	t->wlen += k;
}

/* The slow path: from st, words made of ASCII word characters and non-ASCII
 * text, each character decomposed (NFKD), case-folded and stripped of marks
 * by utf8proc; letters and digits join words, marks vanish, anything else
 * separates. Returns where it stopped: at an ASCII byte that is not a word
 * character, which the caller handles. */
static size_t slow_words(const unsigned char *s, size_t n, size_t i, dc_toks *t, int *unit)
{
	int in_word = 0;
	size_t wst = i;
	t->wlen = 0;
#define WEND() do { if (in_word) { toks_push(t, word_hash(t->wbuf, t->wlen, t->wlen, 0), wst, *unit); *unit = 0; \
		in_word = 0; t->wlen = 0; } } while (0)
#define WBYTES(p, k, at) do { if (!in_word) { in_word = 1; wst = (at); } wbuf_put(t, (p), (k)); } while (0)
	while (i < n) {
		unsigned c = s[i];
		if (c < 0x80) {
			if (cls[c] != C_WORD) break;
			unsigned char b = (unsigned char)(c | 0x20);
			WBYTES(&b, 1, i);
			++i;
			continue;
		}
		uint32_t cp;
		int len = decode_cp(s + i, n - i, &cp);
		if (len < 0) { WEND(); i++; continue; }
		utf8proc_int32_t out[32];
		int bc = 0;
		utf8proc_ssize_t k = utf8proc_decompose_char((utf8proc_int32_t)cp, out, 32,
			UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK, &bc);
		if (k < 0 || k > 32) k = 0;
		for (utf8proc_ssize_t j = 0; j < k; j++) {
			uint32_t o = (uint32_t)out[j];
			if (o < 0x80) {
				if (cls[o] == C_WORD) { unsigned char b = (unsigned char)(o | 0x20); WBYTES(&b, 1, i); }
				else WEND();
				continue;
			}
			utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)o);
			if (cat >= UTF8PROC_CATEGORY_MN && cat <= UTF8PROC_CATEGORY_ME) continue;
			if (!(cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) &&
			    !(cat >= UTF8PROC_CATEGORY_ND && cat <= UTF8PROC_CATEGORY_NO)) {
				WEND();
				if (o == 0x2028 || o == 0x2029 || o == 0x85) *unit = 1;
				continue;
			}
			char u[4];
			int ul = utf8_encode(o, u);
			WBYTES(u, (size_t)ul, i);
		}
		i += (size_t)len;
	}
	WEND();
#undef WEND
#undef WBYTES
	return i;
}

/* Bit i of m[i / 64]: byte i is an ASCII word character. SSE2 (the x86-64
 * baseline) classifies 16 bytes a step, the tail through a zeroed copy; the
 * table is the definition. */
#ifdef __SSE2__
static inline uint64_t word_bits64(const unsigned char *p)
{
	const __m128i x20 = _mm_set1_epi8(0x20), a1 = _mm_set1_epi8('a' - 1), z1 = _mm_set1_epi8('z' + 1);
	const __m128i d0 = _mm_set1_epi8('0' - 1), d9 = _mm_set1_epi8('9' + 1), us = _mm_set1_epi8('_');
	uint64_t w = 0;
	for (int k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
		__m128i lo = _mm_or_si128(v, x20);   /* bytes >= 0x80 are negative: in no range */
		__m128i l = _mm_and_si128(_mm_cmpgt_epi8(lo, a1), _mm_cmplt_epi8(lo, z1));
		__m128i d = _mm_and_si128(_mm_cmpgt_epi8(v, d0), _mm_cmplt_epi8(v, d9));
		__m128i u = _mm_cmpeq_epi8(v, us);
		w |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(l, d), u)) << (16 * k);
	}
	return w;
}
#endif

static void word_mask(const unsigned char *s, size_t n, uint64_t *m)
{
	size_t i = 0;
#ifdef __SSE2__
	for (; i + 64 <= n; i += 64) m[i / 64] = word_bits64(s + i);
	if (i < n) {
		unsigned char tail[64] = {0};
		memcpy(tail, s + i, n - i);
		m[i / 64] = word_bits64(tail);
	}
#else
	for (; i < n; i += 64) {
		uint64_t w = 0;
		for (size_t k = 0; k < 64 && i + k < n; k++) w |= (uint64_t)(cls[s[i + k]] == C_WORD) << k;
		m[i / 64] = w;
	}
#endif
}

/* the first position >= i whose bit is set (next_word) or clear (next_gap),
 * or n; the mask's bits past n are clear */
static inline size_t next_word(const uint64_t *m, size_t i, size_t n)
{
	if (i >= n) return n;
	uint64_t w = m[i / 64] & (~0ull << (i & 63));
	size_t base = i & ~(size_t)63;
	while (!w) {
		base += 64;
		if (base >= n) return n;
		w = m[base / 64];
	}
	size_t r = base + (size_t)__builtin_ctzll(w);
	return r < n ? r : n;
}
static inline size_t next_gap(const uint64_t *m, size_t i, size_t n)
{
	uint64_t w = ~m[i / 64] & (~0ull << (i & 63));
	size_t base = i & ~(size_t)63;
	while (!w) {
		base += 64;
		if (base >= n) return n;
		w = ~m[base / 64];
	}
	size_t r = base + (size_t)__builtin_ctzll(w);
	return r < n ? r : n;
}

void dc_tokenize(const char *text, size_t n, dc_toks *t)
{
	const unsigned char *s = (const unsigned char *)text;
	toks_reserve(t, t->n + n / 2 + 1);   /* a word and a separator at least */
	size_t nm = n / 64 + 1;
	if (nm > t->mcap) xgrow((void **)&t->mask, &t->mcap, nm, sizeof *t->mask);
	word_mask(s, n, t->mask);
	size_t i = 0;
	int unit = 1;
	while (i < n) {
		size_t st = next_word(t->mask, i, n);
		/* the separators before the word: a newline or a sentence end (one
		 * not followed by a letter or digit) starts a unit; non-ASCII text
		 * goes the slow way */
		for (; i < st; i++) {
			unsigned c = s[i];
			if (c >= 0x80) break;
			if (c == '\n' || (cls[c] == C_END && (i + 1 >= n || cls[s[i + 1]] != C_WORD || s[i + 1] == '_'))) unit = 1;
		}
		if (i < st) { i = slow_words(s, n, i, t, &unit); continue; }
		if (st >= n) break;
		size_t en = next_gap(t->mask, st, n);
		if (en < n && s[en] >= 0x80) { i = slow_words(s, n, st, t, &unit); continue; }
		toks_push(t, word_hash(s + st, en - st, n - st, 0x2020202020202020ull), st, unit);
		unit = 0;
		i = en;
	}
}

void dc_toks_free(dc_toks *t)
{
	free(t->hash); free(t->start); free(t->unit); free(t->wbuf); free(t->mask);
	memset(t, 0, sizeof *t);
}


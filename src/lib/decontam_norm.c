/* decontam_norm.c — decontam's normalisation: a text's words, their hashes,
 * positions and unit starts (decontam_tokenize; the rules are in decontam.h). */
#include "decontam.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>   /* AVX2, used only where the CPU has it */
#define DECONTAM_AVX2 1
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
 * built in t->wbuf, which hold the same normalisation. avail bytes from p
 * may be read. */
static inline uint64_t word_hash(const unsigned char *p, size_t len, size_t avail, uint64_t or8)
{
	uint64_t h = (uint64_t)len * POLY_B, v;
	while (len > 8) {
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
	/* the last 1 to 8 bytes (a word is never empty): one load, masked,
	 * when 8 can be read (a byte-wise copy would stall on the store) */
	if (avail >= 8) {
		memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		v = __builtin_bswap64(v);
#endif
	} else {
		v = 0;
		for (size_t k = 0; k < len; k++) v |= (uint64_t)p[k] << (8 * k);
	}
	h = (h ^ ((v | or8) & (~0ull >> (64 - 8 * len)))) * 0xff51afd7ed558ccdull;
	h ^= h >> 32;
	/* each step is a bijection of the chunk, so words of up to 8 bytes and
	 * one length never collide; the n-gram key is mixed again (key_mix) */
	return h;
}

static void toks_reserve(decontam_toks *t, size_t need)
{
	if (need <= t->cap) return;
	size_t c = t->cap ? t->cap : 256;
	while (c < need) c *= 2;
	t->hash = xrealloc(t->hash, c * sizeof *t->hash);
	t->start = xrealloc(t->start, c * sizeof *t->start);
	t->unit = xrealloc(t->unit, c);
	t->cap = c;
}

static inline void toks_push(decontam_toks *t, uint64_t h, size_t st, int unit)
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

static void wbuf_put(decontam_toks *t, const void *p, size_t k)
{
	if (t->wlen + k + 8 > t->wcap) xgrow((void **)&t->wbuf, &t->wcap, t->wlen + k + 8, 1);   /* 8: word_hash's load */
	memcpy(t->wbuf + t->wlen, p, k);
	t->wlen += k;
}

/* The slow path: from st, words made of ASCII word characters and non-ASCII
 * text, each character decomposed (NFKD), case-folded and stripped of marks
 * by utf8proc; letters and digits join words, marks vanish, anything else
 * separates. Returns where it stopped: at an ASCII byte that is not a word
 * character, which the caller handles. */
static size_t slow_words(const unsigned char *s, size_t n, size_t i, decontam_toks *t, int *unit)
{
	int in_word = 0;
	size_t wst = i;
	t->wlen = 0;
#define WEND() do { if (in_word) { toks_push(t, word_hash(t->wbuf, t->wlen, t->wlen + 8, 0), wst, *unit); *unit = 0; \
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

/* Byte classes as bit masks, bit i of a 64-bit word for byte i of a block:
 * b, the bytes of words (ASCII word characters and every byte >= 0x80,
 * which the slow path sorts out), h, the bytes >= 0x80, a, ASCII letters and
 * digits, e, sentence ends. */
typedef struct masks { uint64_t b, h, a, e; } masks;

#ifdef __SSE2__
/* 64 bytes at p: b, h, a (ASCII letters and digits), e (sentence ends) and
 * the newlines, 16 bytes a step (SSE2 is the x86-64 baseline) */
static inline void masks64(const unsigned char *p, masks *o, uint64_t *nl)
{
	const __m128i x20 = _mm_set1_epi8(0x20), a1 = _mm_set1_epi8('a' - 1), z1 = _mm_set1_epi8('z' + 1);
	const __m128i d0 = _mm_set1_epi8('0' - 1), d9 = _mm_set1_epi8('9' + 1), us = _mm_set1_epi8('_');
	const __m128i dot = _mm_set1_epi8('.'), q = _mm_set1_epi8('?'), ex = _mm_set1_epi8('!');
	const __m128i co = _mm_set1_epi8(':'), se = _mm_set1_epi8(';'), lf = _mm_set1_epi8('\n');
	uint64_t b = 0, h = 0, a = 0, e = 0, n = 0;
	for (int k = 0; k < 4; k++) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + 16 * k));
		__m128i lo = _mm_or_si128(v, x20);   /* bytes >= 0x80 are negative: in no range */
		__m128i l = _mm_and_si128(_mm_cmpgt_epi8(lo, a1), _mm_cmplt_epi8(lo, z1));
		__m128i d = _mm_and_si128(_mm_cmpgt_epi8(v, d0), _mm_cmplt_epi8(v, d9));
		__m128i al = _mm_or_si128(l, d);
		__m128i en = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, q)),
		                          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, ex), _mm_cmpeq_epi8(v, co)),
		                                       _mm_cmpeq_epi8(v, se)));
		int hi = _mm_movemask_epi8(v);
		int sh = 16 * k;
		a |= (uint64_t)(uint16_t)_mm_movemask_epi8(al) << sh;
		b |= (uint64_t)(uint16_t)(_mm_movemask_epi8(_mm_or_si128(al, _mm_cmpeq_epi8(v, us))) | hi) << sh;
		h |= (uint64_t)(uint16_t)hi << sh;
		e |= (uint64_t)(uint16_t)_mm_movemask_epi8(en) << sh;
		n |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf)) << sh;
	}
	o->b = b; o->h = h; o->a = a; o->e = e;
	*nl = n;
}
#endif

#ifdef DECONTAM_AVX2
/* the same, 32 bytes a step, where the CPU has AVX2 (text_masks asks) */
__attribute__((target("avx2"))) static void masks64_avx2(const unsigned char *p, masks *o, uint64_t *nl)
{
	const __m256i x20 = _mm256_set1_epi8(0x20), a1 = _mm256_set1_epi8('a' - 1), z1 = _mm256_set1_epi8('z' + 1);
	const __m256i d0 = _mm256_set1_epi8('0' - 1), d9 = _mm256_set1_epi8('9' + 1), us = _mm256_set1_epi8('_');
	const __m256i dot = _mm256_set1_epi8('.'), q = _mm256_set1_epi8('?'), ex = _mm256_set1_epi8('!');
	const __m256i co = _mm256_set1_epi8(':'), se = _mm256_set1_epi8(';'), lf = _mm256_set1_epi8('\n');
	uint64_t b = 0, h = 0, a = 0, e = 0, n = 0;
	for (int k = 0; k < 2; k++) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(p + 32 * k));
		__m256i lo = _mm256_or_si256(v, x20);   /* bytes >= 0x80 are negative: in no range */
		__m256i l = _mm256_and_si256(_mm256_cmpgt_epi8(lo, a1), _mm256_cmpgt_epi8(z1, lo));
		__m256i d = _mm256_and_si256(_mm256_cmpgt_epi8(v, d0), _mm256_cmpgt_epi8(d9, v));
		__m256i al = _mm256_or_si256(l, d);
		__m256i en = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, dot), _mm256_cmpeq_epi8(v, q)),
		                             _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, ex), _mm256_cmpeq_epi8(v, co)),
		                                             _mm256_cmpeq_epi8(v, se)));
		uint64_t hi = (uint32_t)_mm256_movemask_epi8(v);
		int sh = 32 * k;
		a |= (uint64_t)(uint32_t)_mm256_movemask_epi8(al) << sh;
		b |= ((uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_or_si256(al, _mm256_cmpeq_epi8(v, us))) | hi) << sh;
		h |= hi << sh;
		e |= (uint64_t)(uint32_t)_mm256_movemask_epi8(en) << sh;
		n |= (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, lf)) << sh;
	}
	o->b = b; o->h = h; o->a = a; o->e = e;
	*nl = n;
}
#endif

#ifndef __SSE2__
/* the same from the class table, for up to 64 bytes */
static inline void masks_tab(const unsigned char *p, size_t len, masks *o, uint64_t *nl)
{
	masks r = {0, 0, 0, 0};
	uint64_t n = 0;
	for (size_t k = 0; k < len; k++) {
		unsigned c = p[k];
		uint64_t bit = 1ull << k;
		if (cls[c] == C_WORD || c >= 0x80) r.b |= bit;
		if (c >= 0x80) r.h |= bit;
		if (cls[c] == C_WORD && c != '_') r.a |= bit;
		if (cls[c] == C_END) r.e |= bit;
		if (c == '\n') n |= bit;
	}
	*o = r;
	*nl = n;
}
#endif

/* The text's words as four bit arrays of nb words, bit i of m[i / 64] for
 * byte i. A run is a maximal run of word bytes (b above); S holds its first
 * bytes and E its last ones. US marks the first bytes of runs that start a
 * unit: a unit mark (a newline, or a sentence end not followed by an ASCII
 * letter or digit) lies in the gap before them. CE marks the last bytes of
 * runs with no byte >= 0x80 ("clean": the fast path's). Both come from one
 * addition a block, whose carries run up through a gap's other bytes (or a
 * run's ASCII ones) and out into the next byte only when nothing stops them:
 * T + GS, T the gap bytes that are no unit mark and GS each gap's first
 * byte, carries into the first byte of the next run when its gap holds no
 * unit mark; (b & ~h) + S carries past a run's last byte when it is clean. */
static void text_masks(const unsigned char *s, size_t n, uint64_t *S, uint64_t *US, uint64_t *E, uint64_t *CE)
{
	size_t nb = (n + 63) / 64;
	uint64_t *B = E, *H = CE, *U = US;   /* the first pass's classes, replaced by the second */
	masks prev = {0, 0, 0, 0}, cur;
	uint64_t pnl = 0, nl;
#ifdef DECONTAM_AVX2
	int avx2 = __builtin_cpu_supports("avx2");
#endif
	for (size_t k = 0; k < nb; k++) {
		size_t at = 64 * k;
#ifdef __SSE2__
		/* the last, partial block always through SSE2, so the tests' short
		 * texts check that path too */
#ifdef DECONTAM_AVX2
		if (at + 64 <= n && avx2) masks64_avx2(s + at, &cur, &nl);
		else
#endif
		if (at + 64 <= n) masks64(s + at, &cur, &nl);
		else {
			unsigned char tail[64] = {0};   /* a zero byte is of no class */
			memcpy(tail, s + at, n - at);
			masks64(tail, &cur, &nl);
		}
#else
		masks_tab(s + at, n - at < 64 ? n - at : 64, &cur, &nl);
#endif
		B[k] = cur.b;
		H[k] = cur.h;
		/* a sentence end starts a unit unless a letter or digit follows,
		 * which may be the next block's first byte */
		if (k) U[k - 1] = pnl | (prev.e & ~(prev.a >> 1 | cur.a << 63));
		prev = cur;
		pnl = nl;
	}
	if (nb) U[nb - 1] = pnl | (prev.e & ~(prev.a >> 1));
	uint64_t pb = 0, cy = 0, cz = 0;   /* the last block's b; the carries */
	for (size_t k = 0; k < nb; k++) {
		uint64_t b = B[k], g = ~b, nx = k + 1 < nb ? B[k + 1] : 0;
		uint64_t st = b & ~(b << 1 | pb >> 63);
		uint64_t gs = g & ~(g << 1 | (k ? ~pb >> 63 : 0));
		uint64_t y, z;
		int c1 = __builtin_add_overflow(g & ~U[k], gs, &y);
		int c2 = __builtin_add_overflow(y, cy, &y);
		cy = (uint64_t)(c1 | c2);
		c1 = __builtin_add_overflow(b & ~H[k], st, &z);
		c2 = __builtin_add_overflow(z, cz, &z);
		uint64_t czo = (uint64_t)(c1 | c2);
		uint64_t en = b & ~(b >> 1 | nx << 63);
		S[k] = st;
		US[k] = st & ~y;
		E[k] = en;
		CE[k] = en & (z >> 1 | czo << 63);
		cz = czo;
		pb = b;
	}
}

/* The fast path: the words are the runs, walked by the bit sets of their
 * first and last bytes, consumed in step, so no word waits for the one
 * before it to be scanned. A run with a byte >= 0x80 goes to the slow path,
 * which stops where the run ends (at an ASCII byte that is no word
 * character); a unit break it saw and did not use passes to the next word. */
void decontam_tokenize(const char *text, size_t n, decontam_toks *t)
{
	const unsigned char *s = (const unsigned char *)text;
	if (!n) return;
	toks_reserve(t, t->n + n / 2 + 1);   /* a word and a separator at least */
	size_t nb = (n + 63) / 64;
	if (4 * nb > t->mcap) xgrow((void **)&t->mask, &t->mcap, 4 * nb, sizeof *t->mask);
	uint64_t *S = t->mask, *US = S + nb, *E = US + nb, *CE = E + nb;
	text_masks(s, n, S, US, E, CE);
	int pending = 1;          /* the start of the text starts a unit */
	size_t ke = 0;
	uint64_t eb = E[0], cb = CE[0];
	for (size_t k = 0; k < nb; k++) {
		uint64_t sb = S[k], ub = US[k];
		while (sb) {
			unsigned so = (unsigned)__builtin_ctzll(sb);
			size_t st = 64 * k + so;
			int unit = (int)(ub >> so & 1) | pending;
			sb &= sb - 1;
			while (!eb) {
				ke++;
				eb = E[ke];
				cb = CE[ke];
			}
			unsigned eo = (unsigned)__builtin_ctzll(eb);
			size_t en = 64 * ke + eo + 1;
			int clean = (int)(cb >> eo & 1);
			eb &= eb - 1;
			if (!clean) {
				slow_words(s, en, st, t, &unit);
				pending = unit;
				toks_reserve(t, t->n + (n - en) / 2 + 1);
				continue;
			}
			size_t i = t->n++;
			t->hash[i] = word_hash(s + st, en - st, n - st, 0x2020202020202020ull);
			t->start[i] = (uint32_t)st;
			t->unit[i] = (uint8_t)unit;
			pending = 0;
		}
	}
}

/* The definition the fast path is tested against: byte by byte, every word
 * (ASCII ones too) through the slow path. */
void decontam_tokenize_ref(const char *text, size_t n, decontam_toks *t)
{
	const unsigned char *s = (const unsigned char *)text;
	int unit = 1;
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		if (c >= 0x80 || cls[c] == C_WORD) { i = slow_words(s, n, i, t, &unit); continue; }
		if (c == '\n' || (cls[c] == C_END && (i + 1 >= n || cls[s[i + 1]] != C_WORD || s[i + 1] == '_'))) unit = 1;
		i++;
	}
}

void decontam_toks_free(decontam_toks *t)
{
	free(t->hash); free(t->start); free(t->unit); free(t->wbuf); free(t->mask);
	memset(t, 0, sizeof *t);
}

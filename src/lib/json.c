/* json.c — see json.h. The parser is one iterative loop over the bytes with an
 * explicit stack of open containers, so depth costs memory, not C stack. */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>   /* AVX2, used only where the CPU has it */
#endif

void json_doc_init(json_doc *d) { memset(d, 0, sizeof *d); }

void json_doc_free(json_doc *d)
{
	free(d->nodes);
	free(d->stack);
	memset(d, 0, sizeof *d);
}

static const char *show_byte(char *buf, size_t n, const char *src, size_t len, size_t pos)
{
	if (pos >= len) return "end of input";
	unsigned char c = (unsigned char)src[pos];
	if (c >= 0x21 && c < 0x7f) snprintf(buf, n, "'%c'", c);
	else snprintf(buf, n, "byte 0x%02X", c);
	return buf;
}

static int fail(json_doc *d, size_t pos, const char *what)
{
	char b[32];
	d->err_off = pos;
	snprintf(d->err, sizeof d->err, "%s, found %s at byte %zu", what,
	         show_byte(b, sizeof b, d->src, d->srclen, pos), pos + 1);
	return -1;
}

static int fail_msg(json_doc *d, size_t pos, const char *msg)
{
	d->err_off = pos;
	snprintf(d->err, sizeof d->err, "%s at byte %zu", msg, pos + 1);
	return -1;
}

static inline uint32_t push_node(json_doc *d, int type, size_t off)
{
	if (d->n == d->cap) xgrow((void **)&d->nodes, &d->cap, d->n + 1, sizeof *d->nodes);
	json_node *nd = &d->nodes[d->n];
	nd->type = (uint8_t)type;
	nd->flags = 0;
	nd->count = 0;
	nd->off = off;
	nd->len = 0;
	nd->next = (uint32_t)d->n + 1;
	return (uint32_t)d->n++;
}

static inline int hexval(unsigned c)
{
	if (c - '0' < 10) return (int)(c - '0');
	c |= 0x20;
	if (c - 'a' < 6) return (int)(c - 'a' + 10);
	return -1;
}

static int read_hex4(const char *s, size_t pos, size_t len, unsigned *out)
{
	if (pos + 4 > len) return -1;
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		int h = hexval((unsigned char)s[pos + k]);
		if (h < 0) return -1;
		v = v << 4 | (unsigned)h;
	}
	*out = v;
	return 0;
}

/* Length of a valid UTF-8 sequence starting at a non-ASCII byte, or 0. */
static inline size_t utf8_seq(const unsigned char *s, size_t left)
{
	unsigned c = s[0];
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
	else return 0;
	if (len > left) return 0;
	if (s[1] < lo || s[1] > hi) return 0;
	for (size_t k = 2; k < len; k++)
		if ((s[k] & 0xC0) != 0x80) return 0;
	return len;
}

/* One byte the string scan stops at, s[pos]: a quote, a backslash, a control
 * byte or a non-ASCII byte. Returns 1 at the closing quote, -1 on an error,
 * else 0 with *next just past what it consumed (the escape, the UTF-8
 * sequence). */
static __attribute__((noinline)) int string_event(json_doc *d, size_t pos, size_t *next, uint8_t *flags)
{
	const char *src = d->src;
	const unsigned char *s = (const unsigned char *)src;
	size_t len = d->srclen;
	unsigned c = s[pos];
	if (c == '"') return 1;
	if (c >= 0x80) {
		size_t n = utf8_seq(s + pos, len - pos);
		if (!n) return fail_msg(d, pos, "invalid UTF-8 in string");
		*next = pos + n;
		return 0;
	}
	if (c < 0x20) return fail_msg(d, pos, "unescaped control character in string");
	/* backslash */
	*flags |= JSON_F_ESCAPED;
	if (pos + 1 >= len) return fail_msg(d, pos, "unterminated escape");
	switch (s[pos + 1]) {
	case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
		*next = pos + 2;
		return 0;
	case 'u': {
		unsigned u;
		*flags |= JSON_F_UESCAPE;
		if (read_hex4(src, pos + 2, len, &u)) return fail_msg(d, pos, "invalid \\u escape");
		if (u < 0x80) *flags |= JSON_F_UESCAPE_ASCII;
		if (u >= 0xDC00 && u <= 0xDFFF)
			return fail_msg(d, pos, "lone low surrogate escape (not representable in UTF-8)");
		if (u >= 0xD800 && u <= 0xDBFF) {
			unsigned u2;
			if (pos + 7 < len && s[pos + 6] == '\\' && s[pos + 7] == 'u' &&
			    !read_hex4(src, pos + 8, len, &u2) && u2 >= 0xDC00 && u2 <= 0xDFFF) {
				*next = pos + 12;
				return 0;
			}
			return fail_msg(d, pos, "lone high surrogate escape (not representable in UTF-8)");
		}
		*next = pos + 6;
		return 0;
	}
	default:
		return fail_msg(d, pos, "invalid escape in string");
	}
}

/*
 * The byte-by-byte scan, the definition the block scans are held to: from
 * pos (outside an escape, at the start of a character) to the closing quote,
 * an error, or the first character boundary at or past stop. With
 * after_uescape set it also stops just past a backslash-u escape. Returns 1
 * with *at the quote, -1 on an error (d->err filled), 0 with *at where the
 * scan stopped.
 */
static int scan_bytes(json_doc *d, size_t pos, size_t stop, int after_uescape, size_t *at, uint8_t *flags)
{
	const unsigned char *s = (const unsigned char *)d->src;
	size_t i, next = 0;
	int r;
	for (i = pos; i < stop; i = next) {
		unsigned c = s[i];
		if (c != '"' && c != '\\' && c >= 0x20 && c < 0x80) { next = i + 1; continue; }
		if ((r = string_event(d, i, &next, flags))) {
			*at = i;
			return r;
		}
		if (after_uescape && c == '\\' && s[i + 1] == 'u') { i = next; break; }
	}
	*at = i;
	return 0;
}

/* the letters that may follow a backslash, but u (which needs its digits) */
static const unsigned char simple_escape[256] = {
	['"'] = 1, ['\\'] = 1, ['/'] = 1, ['b'] = 1, ['f'] = 1, ['n'] = 1, ['r'] = 1, ['t'] = 1,
};

#ifdef __SSE2__
#define ALWAYS_INLINE inline __attribute__((always_inline))

/* The bit masks of one 64-byte block of a string body, bit k for byte k. */
typedef struct str_masks {
	uint64_t quote, bslash, low, hi;   /* low: below the space, signed (controls and non-ASCII) */
} str_masks;
/* and, for blocks with non-ASCII bytes, the UTF-8 classes (signed compares,
 * 0x80 is -128: "lt_a0" is 80-9F, "ge_c2" holds ASCII too) */
typedef struct utf8_masks {
	uint64_t cont, lt_90, lt_a0, ge_c2, ge_e0, ge_f0, ge_f5, e0, ed, f0, f4;
} utf8_masks;

static ALWAYS_INLINE uint64_t mask16(__m128i m, int k) { return (uint64_t)(unsigned)_mm_movemask_epi8(m) << (16 * k); }
#define SET8(v) _mm_set1_epi8((char)(v))

static ALWAYS_INLINE void str_masks_sse2(const unsigned char *p, str_masks *m)
{
	const __m128i vq = SET8('"'), vb = SET8('\\'), vl = SET8(0x20);
	__m128i x0 = _mm_loadu_si128((const __m128i *)p), x1 = _mm_loadu_si128((const __m128i *)(p + 16));
	__m128i x2 = _mm_loadu_si128((const __m128i *)(p + 32)), x3 = _mm_loadu_si128((const __m128i *)(p + 48));
	m->quote = mask16(_mm_cmpeq_epi8(x0, vq), 0) | mask16(_mm_cmpeq_epi8(x1, vq), 1) |
	           mask16(_mm_cmpeq_epi8(x2, vq), 2) | mask16(_mm_cmpeq_epi8(x3, vq), 3);
	m->bslash = mask16(_mm_cmpeq_epi8(x0, vb), 0) | mask16(_mm_cmpeq_epi8(x1, vb), 1) |
	            mask16(_mm_cmpeq_epi8(x2, vb), 2) | mask16(_mm_cmpeq_epi8(x3, vb), 3);
	m->low = mask16(_mm_cmplt_epi8(x0, vl), 0) | mask16(_mm_cmplt_epi8(x1, vl), 1) |
	         mask16(_mm_cmplt_epi8(x2, vl), 2) | mask16(_mm_cmplt_epi8(x3, vl), 3);
	m->hi = mask16(x0, 0) | mask16(x1, 1) | mask16(x2, 2) | mask16(x3, 3);
}

static void utf8_masks_sse2(const unsigned char *p, utf8_masks *u)
{
	memset(u, 0, sizeof *u);
	for (int k = 0; k < 4; k++) {
		__m128i x = _mm_loadu_si128((const __m128i *)(p + 16 * k));
		u->cont |= mask16(_mm_cmplt_epi8(x, SET8(0xC0)), k);
		u->lt_90 |= mask16(_mm_cmplt_epi8(x, SET8(0x90)), k);
		u->lt_a0 |= mask16(_mm_cmplt_epi8(x, SET8(0xA0)), k);
		u->ge_c2 |= mask16(_mm_cmpgt_epi8(x, SET8(0xC1)), k);
		u->ge_e0 |= mask16(_mm_cmpgt_epi8(x, SET8(0xDF)), k);
		u->ge_f0 |= mask16(_mm_cmpgt_epi8(x, SET8(0xEF)), k);
		u->ge_f5 |= mask16(_mm_cmpgt_epi8(x, SET8(0xF4)), k);
		u->e0 |= mask16(_mm_cmpeq_epi8(x, SET8(0xE0)), k);
		u->ed |= mask16(_mm_cmpeq_epi8(x, SET8(0xED)), k);
		u->f0 |= mask16(_mm_cmpeq_epi8(x, SET8(0xF0)), k);
		u->f4 |= mask16(_mm_cmpeq_epi8(x, SET8(0xF4)), k);
	}
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define HAVE_AVX2_PATH 1
/* The same masks from two 32-byte loads, where the CPU has AVX2. */
#define AVX2 __attribute__((target("avx2")))
#define SET8Y(v) _mm256_set1_epi8((char)(v))
static AVX2 ALWAYS_INLINE uint64_t mask32(__m256i m, int k)
{
	return (uint64_t)(uint32_t)_mm256_movemask_epi8(m) << (32 * k);
}

static AVX2 ALWAYS_INLINE void str_masks_avx2(const unsigned char *p, str_masks *m)
{
	const __m256i vq = SET8Y('"'), vb = SET8Y('\\'), vl = SET8Y(0x20);
	__m256i x0 = _mm256_loadu_si256((const __m256i *)p), x1 = _mm256_loadu_si256((const __m256i *)(p + 32));
	m->quote = mask32(_mm256_cmpeq_epi8(x0, vq), 0) | mask32(_mm256_cmpeq_epi8(x1, vq), 1);
	m->bslash = mask32(_mm256_cmpeq_epi8(x0, vb), 0) | mask32(_mm256_cmpeq_epi8(x1, vb), 1);
	m->low = mask32(_mm256_cmpgt_epi8(vl, x0), 0) | mask32(_mm256_cmpgt_epi8(vl, x1), 1);
	m->hi = mask32(x0, 0) | mask32(x1, 1);
}

static AVX2 void utf8_masks_avx2(const unsigned char *p, utf8_masks *u)
{
	memset(u, 0, sizeof *u);
	for (int k = 0; k < 2; k++) {
		__m256i x = _mm256_loadu_si256((const __m256i *)(p + 32 * k));
		u->cont |= mask32(_mm256_cmpgt_epi8(SET8Y(0xC0), x), k);
		u->lt_90 |= mask32(_mm256_cmpgt_epi8(SET8Y(0x90), x), k);
		u->lt_a0 |= mask32(_mm256_cmpgt_epi8(SET8Y(0xA0), x), k);
		u->ge_c2 |= mask32(_mm256_cmpgt_epi8(x, SET8Y(0xC1)), k);
		u->ge_e0 |= mask32(_mm256_cmpgt_epi8(x, SET8Y(0xDF)), k);
		u->ge_f0 |= mask32(_mm256_cmpgt_epi8(x, SET8Y(0xEF)), k);
		u->ge_f5 |= mask32(_mm256_cmpgt_epi8(x, SET8Y(0xF4)), k);
		u->e0 |= mask32(_mm256_cmpeq_epi8(x, SET8Y(0xE0)), k);
		u->ed |= mask32(_mm256_cmpeq_epi8(x, SET8Y(0xED)), k);
		u->f0 |= mask32(_mm256_cmpeq_epi8(x, SET8Y(0xF0)), k);
		u->f4 |= mask32(_mm256_cmpeq_epi8(x, SET8Y(0xF4)), k);
	}
}
#endif

/*
 * One 64-byte block of a string body at p (64 bytes readable), judged on its
 * masks without a branch per escape or per character. p must be outside an
 * escape and at the start of a character. Returns
 *   k in [0, 63]   the closing quote is at p[k] and everything before it is valid;
 *   64 + c         no closing quote: bytes [0, c) are valid (c > 0), go on at p + c;
 *   -1             the block needs the byte-by-byte scan (an error, a surrogate
 *                  escape, a run of backslashes filling the block).
 * *plain is set when the block has no escape and no non-ASCII byte. The
 * UTF-8 masks come from utf8 (SSE2 or AVX2), only for blocks that need them.
 */
static ALWAYS_INLINE int judge_block(const unsigned char *p, const str_masks *m,
                                     void (*utf8)(const unsigned char *, utf8_masks *), uint8_t *flags, int *plain)
{
	uint64_t quote = m->quote, bslash = m->bslash, low = m->low, hi = m->hi;
	*plain = !(bslash | low);
	if (*plain) return quote ? __builtin_ctzll(quote) : 64 + 64;
	uint64_t ctl = low & ~hi, escaped = 0, all = ~(uint64_t)0;
	unsigned cut = 64;
	if (bslash) {
		/* A backslash run of odd length escapes the byte after it. Adding a
		 * run's first bit to the mask carries past its end: the bit that
		 * lands just after a run starting on an even bit is on an odd one
		 * when the run is odd, and the other way round. */
		const uint64_t even = 0x5555555555555555u;
		uint64_t starts = bslash & ~(bslash << 1);
		uint64_t ends_e = (bslash + (starts & even)) & ~bslash;
		uint64_t ends_o = (bslash + (starts & ~even)) & ~bslash;
		escaped = (ends_e & ~even) | (ends_o & even);
		if (bslash >> 63) {
			/* a run reaching the end: its parity is the next block's */
			cut = 63u - (unsigned)__builtin_clzll(starts);
			if (cut == 0) return -1;
		}
	}
	uint64_t real = quote & ~escaped;
	unsigned end = real ? (unsigned)__builtin_ctzll(real) : 64;
	uint64_t content = end < 64 ? ((uint64_t)1 << end) - 1 : all;
	uint64_t scope = end < 63 ? ((uint64_t)2 << end) - 1 : all;   /* content and the quote */
	if (ctl & content) return -1;
	if (bslash & content) *flags |= JSON_F_ESCAPED;   /* not a backslash past the string */
	for (uint64_t e = escaped & content; e; e &= e - 1) {
		unsigned k = (unsigned)__builtin_ctzll(e), u;
		if (simple_escape[p[k]]) continue;
		if (p[k] != 'u') return -1;
		/* backslash-u: its four hex digits are never a quote or a
		 * backslash, so the masks stand; surrogates go byte by byte */
		if (k + 4 >= 64) {
			/* digits past the block: it starts the next one */
			if (end < 64 || k - 1 == 0) return -1;
			if (k - 1 < cut) cut = k - 1;
			continue;
		}
		if (read_hex4((const char *)p, k + 1, 64, &u) || (u >= 0xD800 && u <= 0xDFFF)) return -1;
		*flags |= u < 0x80 ? JSON_F_UESCAPE | JSON_F_UESCAPE_ASCII : JSON_F_UESCAPE;
	}
	if (hi & scope) {
		/* UTF-8 on the masks: every byte a lead byte needs is a continuation
		 * byte and every continuation byte is needed; no C0, C1 or F5-FF;
		 * no overlong forms (E0 80-9F, F0 80-8F), surrogates (ED A0-BF) or
		 * code points past U+10FFFF (F4 90-BF). */
		utf8_masks u;
		utf8(p, &u);
		uint64_t ge_c2 = u.ge_c2 & hi, ge_e0 = u.ge_e0 & hi, ge_f0 = u.ge_f0 & hi, ge_f5 = u.ge_f5 & hi;
		uint64_t n1 = ge_c2 & ~ge_f5, n2 = ge_e0 & ~ge_f5, n3 = ge_f0 & ~ge_f5;
		uint64_t need = n1 << 1 | n2 << 2 | n3 << 3;
		uint64_t bad = (hi & ~u.cont & ~ge_c2) | ge_f5;
		uint64_t second = ((u.e0 << 1) & u.lt_a0) | ((u.ed << 1) & u.cont & ~u.lt_a0) |
		                  ((u.f0 << 1) & u.lt_90) | ((u.f4 << 1) & u.cont & ~u.lt_90);
		if (((need ^ u.cont) | second) & scope) return -1;
		if (bad & content) return -1;
		if (end == 64) {
			/* a sequence running past the block starts the next one */
			uint64_t across = (n1 & (uint64_t)1 << 63) | (n2 & (uint64_t)3 << 62) | (n3 & (uint64_t)7 << 61);
			if (across) {
				unsigned c = (unsigned)__builtin_ctzll(across);
				if (c < cut) cut = c;
			}
		}
	}
	return end < 64 ? (int)end : 64 + (int)cut;
}

/* What the block gear ended with. */
enum { BLOCKS_FOUND, BLOCKS_FAILED, BLOCKS_PLAIN, BLOCKS_TAIL };

/*
 * The block gear from *ppos: blocks while 64 bytes remain. BLOCKS_FOUND with
 * *at the closing quote; BLOCKS_FAILED (d->err filled); BLOCKS_PLAIN after a
 * block with neither escape nor non-ASCII, *ppos where prose goes on;
 * BLOCKS_TAIL with fewer than 64 bytes left at *ppos.
 */
typedef void str_masks_fn(const unsigned char *, str_masks *);
typedef void utf8_masks_fn(const unsigned char *, utf8_masks *);

static ALWAYS_INLINE int scan_blocks(json_doc *d, size_t *ppos, size_t *at, uint8_t *flags, str_masks_fn *masks,
                                     utf8_masks_fn *utf8)
{
	const unsigned char *s = (const unsigned char *)d->src;
	size_t len = d->srclen, pos = *ppos;
	int plain, r;
	while (pos + 64 <= len) {
		str_masks m;
		masks(s + pos, &m);
		int b = judge_block(s + pos, &m, utf8, flags, &plain);
		if (b >= 64) {
			pos += (size_t)(b - 64);
			if (plain) { *ppos = pos; return BLOCKS_PLAIN; }   /* back to prose */
			continue;
		}
		if (b >= 0) { *at = pos + (size_t)b; return BLOCKS_FOUND; }
		/* this block byte by byte, to its end or past it, or just past a
		 * surrogate escape */
		if ((r = scan_bytes(d, pos, pos + 64, 1, at, flags))) return r < 0 ? BLOCKS_FAILED : BLOCKS_FOUND;
		pos = *at;
	}
	*ppos = pos;
	return BLOCKS_TAIL;
}

static int blocks_sse2(json_doc *d, size_t *ppos, size_t *at, uint8_t *flags)
{
	return scan_blocks(d, ppos, at, flags, str_masks_sse2, utf8_masks_sse2);
}

#ifdef HAVE_AVX2_PATH
static AVX2 int blocks_avx2(json_doc *d, size_t *ppos, size_t *at, uint8_t *flags)
{
	return scan_blocks(d, ppos, at, flags, str_masks_avx2, utf8_masks_avx2);
}
#endif
#endif /* __SSE2__ */

/* 0 the best the CPU has, 1 byte by byte, 2 SSE2 blocks (json_scan_mode) */
static int scan_mode;

void json_scan_mode(int mode) { scan_mode = mode; }

/*
 * Scan a string body starting after the opening quote at *ppos. On success
 * *ppos is just past the closing quote and *endq is the quote's offset.
 *
 * Two gears. Plain text goes 16 bytes at a time and stops at each escape,
 * which is cheapest while escapes are far apart (prose). At a non-ASCII
 * byte or a second escape the scan shifts to 64-byte blocks judged on bit
 * masks (scan_blocks), which cost no branch per escaped newline or per
 * character (code, other scripts), and back after a block with neither.
 * The byte-by-byte scan at the end (string_event at each byte to stop at)
 * is the definition: it takes what the blocks hand back, and the tail.
 */
static int scan_string(json_doc *d, size_t *ppos, size_t *endq, uint8_t *flags)
{
	const unsigned char *s = (const unsigned char *)d->src;
	size_t len = d->srclen, pos = *ppos, at, next = 0;
	int r;
#ifdef __SSE2__
	if (scan_mode == JSON_SCAN_BYTEWISE) goto bytewise;
	const __m128i vq = SET8('"'), vb = SET8('\\'), vl = SET8(0x20);
	int escapes;
plain_text:
	escapes = 0;
	for (;;) {
		while (pos + 16 <= len) {
			__m128i x = _mm_loadu_si128((const __m128i *)(s + pos));
			/* signed compare: control bytes (< 0x20) and non-ASCII (>= 0x80, negative) */
			__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, vq), _mm_cmpeq_epi8(x, vb)),
			                         _mm_cmplt_epi8(x, vl));
			unsigned mask = (unsigned)_mm_movemask_epi8(m);
			if (mask) { pos += (unsigned)__builtin_ctz(mask); goto special; }
			pos += 16;
		}
		break;
special:
		if (s[pos] == '"') { at = pos; goto found; }
		if (s[pos] >= 0x80) break;
		/* the common escapes here, without a call; string_event does the rest */
		if (s[pos] == '\\' && pos + 1 < len && simple_escape[s[pos + 1]]) {
			*flags |= JSON_F_ESCAPED;
			pos += 2;
			if (++escapes == 2) break;   /* code: an escaped newline or quote every line */
			continue;
		}
		if ((r = string_event(d, pos, &next, flags))) {
			if (r < 0) return -1;
			at = pos;
			goto found;
		}
		pos = next;
	}
	int g;
#ifdef HAVE_AVX2_PATH
	if (scan_mode == JSON_SCAN_BEST && __builtin_cpu_supports("avx2")) g = blocks_avx2(d, &pos, &at, flags);
	else
#endif
		g = blocks_sse2(d, &pos, &at, flags);
	if (g == BLOCKS_FOUND) goto found;
	if (g == BLOCKS_FAILED) return -1;
	if (g == BLOCKS_PLAIN) goto plain_text;
	if (pos < len) {
		/* the last bytes of the line, padded with spaces (which are no
		 * event) to a block: a closing quote among them, or the
		 * byte-by-byte scan, which finds what is wrong */
		unsigned char tail[64];
		size_t n = len - pos;
		memcpy(tail, s + pos, n);
		memset(tail + n, ' ', sizeof tail - n);
		uint8_t fl = 0;
		int plain;
		str_masks m;
		str_masks_sse2(tail, &m);
		int b = judge_block(tail, &m, utf8_masks_sse2, &fl, &plain);
		if (b >= 0 && (size_t)b < n) {
			*flags |= fl;
			at = pos + (size_t)b;
			goto found;
		}
	}
bytewise:
#endif
	r = scan_bytes(d, pos, len, 0, &at, flags);
	if (r < 0) return -1;
	if (r == 0) return fail_msg(d, len, "unterminated string");
found:
	*endq = at;
	*ppos = at + 1;
	return 0;
}

static int scan_number(json_doc *d, size_t *ppos, uint8_t *flags)
{
	const unsigned char *s = (const unsigned char *)d->src;
	size_t len = d->srclen, pos = *ppos;
	uint8_t f = JSON_F_INTEGER;
	if (s[pos] == '-') pos++;
	if (pos >= len) return fail(d, pos, "expected a digit");
	if (s[pos] == '0') {
		pos++;
	} else if (s[pos] >= '1' && s[pos] <= '9') {
		while (pos < len && (unsigned)(s[pos] - '0') < 10u) pos++;
	} else {
		return fail(d, pos, "expected a digit");
	}
	if (pos < len && s[pos] == '.') {
		f = 0;
		pos++;
		if (pos >= len || (unsigned)(s[pos] - '0') >= 10u) return fail(d, pos, "expected a digit after '.'");
		while (pos < len && (unsigned)(s[pos] - '0') < 10u) pos++;
	}
	if (pos < len && (s[pos] | 0x20) == 'e') {
		f = 0;
		pos++;
		if (pos < len && (s[pos] == '+' || s[pos] == '-')) pos++;
		if (pos >= len || (unsigned)(s[pos] - '0') >= 10u) return fail(d, pos, "expected a digit in exponent");
		while (pos < len && (unsigned)(s[pos] - '0') < 10u) pos++;
	}
	*flags = f;
	*ppos = pos;
	return 0;
}

#define IS_WS(c) ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')

int json_parse(json_doc *d, const char *src, size_t len)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t pos = 0, depth = 0;
	unsigned maxd = d->max_depth ? d->max_depth : JSON_MAX_DEPTH;
	d->src = src;
	d->srclen = len;
	d->n = 0;
	d->err[0] = 0;
	d->err_off = 0;

	while (pos < len && IS_WS(s[pos])) pos++;

value:
	if (pos >= len) return fail(d, pos, "expected a value");
	switch (s[pos]) {
	case '{':
	case '[': {
		if (depth >= maxd) return fail_msg(d, pos, "nesting too deep");
		uint32_t idx = push_node(d, s[pos] == '{' ? JSON_OBJECT : JSON_ARRAY, pos);
		if (depth == d->stack_cap) xgrow((void **)&d->stack, &d->stack_cap, depth + 1, sizeof *d->stack);
		d->stack[depth++] = idx;
		int isobj = s[pos] == '{';
		pos++;
		while (pos < len && IS_WS(s[pos])) pos++;
		if (pos < len && s[pos] == (isobj ? '}' : ']')) goto close;
		if (isobj) goto key;
		d->nodes[idx].count++;
		goto value;
	}
	case '"': {
		uint32_t idx = push_node(d, JSON_STRING, pos + 1);
		size_t endq;
		uint8_t fl = 0;
		pos++;
		if (scan_string(d, &pos, &endq, &fl)) return -1;
		d->nodes[idx].flags = fl;
		d->nodes[idx].len = endq - d->nodes[idx].off;
		break;
	}
	case 't':
		if (len - pos >= 4 && !memcmp(s + pos, "true", 4)) { push_node(d, JSON_TRUE, pos); d->nodes[d->n - 1].len = 4; pos += 4; break; }
		return fail(d, pos, "expected a value");
	case 'f':
		if (len - pos >= 5 && !memcmp(s + pos, "false", 5)) { push_node(d, JSON_FALSE, pos); d->nodes[d->n - 1].len = 5; pos += 5; break; }
		return fail(d, pos, "expected a value");
	case 'n':
		if (len - pos >= 4 && !memcmp(s + pos, "null", 4)) { push_node(d, JSON_NULL, pos); d->nodes[d->n - 1].len = 4; pos += 4; break; }
		return fail(d, pos, "expected a value");
	default:
		if (s[pos] == '-' || (unsigned)(s[pos] - '0') < 10u) {
			uint32_t idx = push_node(d, JSON_NUMBER, pos);
			uint8_t fl = 0;
			if (scan_number(d, &pos, &fl)) return -1;
			d->nodes[idx].flags = fl;
			d->nodes[idx].len = pos - d->nodes[idx].off;
			break;
		}
		return fail(d, pos, "expected a value");
	}

after_value:
	if (depth == 0) goto done;
	while (pos < len && IS_WS(s[pos])) pos++;
	{
		json_node *top = &d->nodes[d->stack[depth - 1]];
		if (top->type == JSON_OBJECT) {
			if (pos < len && s[pos] == ',') {
				pos++;
				while (pos < len && IS_WS(s[pos])) pos++;
				goto key;
			}
			if (pos < len && s[pos] == '}') goto close;
			return fail(d, pos, "expected ',' or '}' in object");
		}
		if (pos < len && s[pos] == ',') {
			pos++;
			while (pos < len && IS_WS(s[pos])) pos++;
			top->count++;
			goto value;
		}
		if (pos < len && s[pos] == ']') goto close;
		return fail(d, pos, "expected ',' or ']' in array");
	}

key:
	if (pos >= len || s[pos] != '"') return fail(d, pos, "expected a string key");
	{
		d->nodes[d->stack[depth - 1]].count++;
		uint32_t idx = push_node(d, JSON_STRING, pos + 1);
		size_t endq;
		uint8_t fl = 0;
		pos++;
		if (scan_string(d, &pos, &endq, &fl)) return -1;
		d->nodes[idx].flags = fl;
		d->nodes[idx].len = endq - d->nodes[idx].off;
		while (pos < len && IS_WS(s[pos])) pos++;
		if (pos >= len || s[pos] != ':') return fail(d, pos, "expected ':' after object key");
		pos++;
		while (pos < len && IS_WS(s[pos])) pos++;
		goto value;
	}

close:
	{
		uint32_t idx = d->stack[--depth];
		pos++;
		d->nodes[idx].next = (uint32_t)d->n;
		d->nodes[idx].len = pos - d->nodes[idx].off;
		goto after_value;
	}

done:
	while (pos < len && IS_WS(s[pos])) pos++;
	if (pos != len) return fail(d, pos, "unexpected data after the JSON value");
	if (d->n > UINT32_MAX - 2) return fail_msg(d, 0, "too many values");
	return 0;
}

int json_parse_object(json_doc *d, const char *line, size_t len, char *why, size_t wn)
{
	if (json_parse(d, line, len)) {
		snprintf(why, wn, "invalid JSON: %s", d->err);
		return -1;
	}
	if (d->nodes[0].type != JSON_OBJECT) {
		snprintf(why, wn, "record is not a JSON object");
		return -1;
	}
	return 0;
}

uint32_t json_getn(const json_doc *d, uint32_t obj, const char *key, size_t keylen)
{
	if (obj == JSON_NONE || d->nodes[obj].type != JSON_OBJECT) return JSON_NONE;
	uint32_t found = JSON_NONE;
	JSON_FOR_MEMBERS(d, obj, k, v, i) {
		const json_node *kn = &d->nodes[k];
		if (!(kn->flags & JSON_F_ESCAPED)) {
			if (kn->len == keylen && !memcmp(d->src + kn->off, key, keylen)) found = v;
		} else if (json_str_eq(d, k, key, keylen)) {
			found = v;
		}
	}
	return found;
}

void json_get_keys(const json_doc *d, uint32_t obj, const json_key *keys, int nkeys, uint32_t *vals)
{
	for (int j = 0; j < nkeys; j++) vals[j] = JSON_NONE;
	if (obj == JSON_NONE || d->nodes[obj].type != JSON_OBJECT) return;
	JSON_FOR_MEMBERS(d, obj, k, v, i) {
		const json_node *kn = &d->nodes[k];
		const char *raw = d->src + kn->off;
		for (int j = 0; j < nkeys; j++) {
			if (!(kn->flags & JSON_F_ESCAPED) ? kn->len == keys[j].len && !memcmp(raw, keys[j].name, keys[j].len)
			                                  : json_str_eq(d, k, keys[j].name, keys[j].len))
				vals[j] = v;
		}
	}
}

uint32_t json_get(const json_doc *d, uint32_t obj, const char *key)
{
	return json_getn(d, obj, key, strlen(key));
}

uint32_t json_index(const json_doc *d, uint32_t arr, uint32_t k)
{
	if (arr == JSON_NONE || d->nodes[arr].type != JSON_ARRAY || k >= d->nodes[arr].count) return JSON_NONE;
	uint32_t e = arr + 1;
	while (k--) e = d->nodes[e].next;
	return e;
}

size_t json_unescape(const char *raw, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len;) {
#ifdef __SSE2__
		/* copy 16 bytes at a time up to the next backslash. Storing a whole
		 * block before looking at it stays in bounds: o <= i (escapes only
		 * shrink), so out[o..o+16) lies within out[0..len). Code has an
		 * escape every few dozen bytes: a memchr call per run cost more. */
		const __m128i bs = _mm_set1_epi8('\\');
		while (i + 16 <= len) {
			__m128i x = _mm_loadu_si128((const __m128i *)(raw + i));
			_mm_storeu_si128((__m128i *)(out + o), x);
			unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, bs));
			if (m) {
				size_t k = (size_t)__builtin_ctz(m);
				i += k;
				o += k;
				goto escape;
			}
			i += 16;
			o += 16;
		}
#endif
		{
			const char *bsl = memchr(raw + i, '\\', len - i);
			size_t run = bsl ? (size_t)(bsl - (raw + i)) : len - i;
			memmove(out + o, raw + i, run);
			o += run;
			i += run;
			if (!bsl) break;
		}
#ifdef __SSE2__
escape:;
#endif
		char e = raw[i + 1];
		switch (e) {
		case 'b': out[o++] = '\b'; i += 2; break;
		case 'f': out[o++] = '\f'; i += 2; break;
		case 'n': out[o++] = '\n'; i += 2; break;
		case 'r': out[o++] = '\r'; i += 2; break;
		case 't': out[o++] = '\t'; i += 2; break;
		case 'u': {
			unsigned u = 0, u2 = 0;
			read_hex4(raw, i + 2, len, &u);
			i += 6;
			if (u >= 0xD800 && u <= 0xDBFF && i + 6 <= len) {
				read_hex4(raw, i + 2, len, &u2);
				u = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
				i += 6;
			}
			o += (size_t)utf8_encode(u, out + o);
			break;
		}
		default: out[o++] = e; i += 2; break;
		}
	}
	return o;
}

size_t json_str_decode(const json_doc *d, uint32_t i, char *out)
{
	const json_node *n = &d->nodes[i];
	if (!(n->flags & JSON_F_ESCAPED)) {
		memcpy(out, d->src + n->off, n->len);
		return n->len;
	}
	return json_unescape(d->src + n->off, n->len, out);
}

void json_str_append(const json_doc *d, uint32_t i, strbuf *out)
{
	const json_node *n = &d->nodes[i];
	strbuf_reserve(out, n->len);
	out->len += json_str_decode(d, i, out->p + out->len);
	out->p[out->len] = 0;
}

int json_str_eq(const json_doc *d, uint32_t i, const char *s, size_t n)
{
	const json_node *nd = &d->nodes[i];
	if (nd->type != JSON_STRING) return 0;
	if (!(nd->flags & JSON_F_ESCAPED)) return nd->len == n && !memcmp(d->src + nd->off, s, n);
	if (n > nd->len) return 0;
	char stackbuf[256];
	char *buf = nd->len <= sizeof stackbuf ? stackbuf : xmalloc(nd->len);
	size_t m = json_str_decode(d, i, buf);
	int eq = m == n && !memcmp(buf, s, n);
	if (buf != stackbuf) free(buf);
	return eq;
}

int json_str_blank(const json_doc *d, uint32_t i)
{
	const json_node *nd = &d->nodes[i];
	if (nd->type != JSON_STRING) return 0;
	const char *p = d->src + nd->off;
	for (size_t k = 0; k < nd->len; k++) {
		char c = p[k];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
		if (c != '\\' || k + 1 >= nd->len) return 0;
		c = p[++k];
		if (c == 'n' || c == 't' || c == 'r') continue;
		/* \u0009 \u000a \u000d \u0020, either case; the parser checked the hex */
		if (c != 'u' || k + 4 >= nd->len || memcmp(p + k + 1, "00", 2)) return 0;
		char h = p[k + 3], l = p[k + 4];
		if (!((h == '2' && l == '0') || (h == '0' && (l == '9' || l == 'a' || l == 'A' || l == 'd' || l == 'D')))) return 0;
		k += 4;
	}
	return 1;
}

int json_num_i64(const json_doc *d, uint32_t i, int64_t *v)
{
	if (i == JSON_NONE) return -1;
	const json_node *n = &d->nodes[i];
	if (n->type != JSON_NUMBER || !(n->flags & JSON_F_INTEGER)) return -1;
	const char *p = d->src + n->off, *e = p + n->len;
	int neg = 0;
	if (*p == '-') { neg = 1; p++; }
	uint64_t acc = 0;
	for (; p < e; p++) {
		unsigned dg = (unsigned)(*p - '0');
		if (acc > (UINT64_MAX - dg) / 10) return -1;
		acc = acc * 10 + dg;
	}
	if (neg) {
		if (acc > (uint64_t)INT64_MAX + 1) return -1;
		*v = acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc;
	} else {
		if (acc > (uint64_t)INT64_MAX) return -1;
		*v = (int64_t)acc;
	}
	return 0;
}

double json_num_double(const json_doc *d, uint32_t i)
{
	const json_node *n = &d->nodes[i];
	char buf[64];
	if (n->len < sizeof buf) {
		memcpy(buf, d->src + n->off, n->len);
		buf[n->len] = 0;
		return strtod(buf, NULL);
	}
	char *tmp = xstrndup(d->src + n->off, n->len);
	double v = strtod(tmp, NULL);
	free(tmp);
	return v;
}

const char *json_raw(const json_doc *d, uint32_t i, size_t *len)
{
	const json_node *n = &d->nodes[i];
	if (n->type == JSON_STRING) { *len = n->len + 2; return d->src + n->off - 1; }
	*len = n->len;
	return d->src + n->off;
}

void json_write_raw(strbuf *b, const json_doc *d, uint32_t i)
{
	size_t n;
	const char *p = json_raw(d, i, &n);
	strbuf_put(b, p, n);
}

static inline int needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

void json_write_str(strbuf *b, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	strbuf_reserve(b, n + 2);
	b->p[b->len++] = '"';
	size_t i = 0;
	while (i < n) {
		size_t start = i;
#ifdef __SSE2__
		const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), sp = _mm_set1_epi8(0x20);
		while (i + 16 <= n) {
			__m128i x = _mm_loadu_si128((const __m128i *)(s + i));
			/* unsigned x < 0x20: max(x, 0x20) != x ... use subs trick */
			__m128i ctl = _mm_cmpeq_epi8(_mm_subs_epu8(sp, x), _mm_setzero_si128());
			__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)),
			                         _mm_xor_si128(ctl, _mm_set1_epi8(-1)));
			int mask = _mm_movemask_epi8(m);
			if (mask) { i += (size_t)__builtin_ctz((unsigned)mask); goto found; }
			i += 16;
		}
#endif
		while (i < n && !needs_escape(s[i])) i++;
#ifdef __SSE2__
found:
#endif
		if (i > start) strbuf_put(b, s + start, i - start);
		if (i >= n) break;
		unsigned char c = s[i++];
		char esc[7] = {'\\', 0};
		size_t el = 2;
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			esc[1] = 'u'; esc[2] = '0'; esc[3] = '0';
			esc[4] = hex[c >> 4]; esc[5] = hex[c & 15];
			el = 6;
		}
		strbuf_put(b, esc, el);
	}
	strbuf_putc(b, '"');
}

void json_write_compact(strbuf *b, const json_doc *d, uint32_t i)
{
	const json_node *n = &d->nodes[i];
	switch (n->type) {
	case JSON_STRING:
		if (!(n->flags & JSON_F_ESCAPED)) {
			/* unescaped raw text needs no escaping either: copy with quotes */
			json_write_raw(b, d, i);
		} else {
			char stackbuf[512];
			char *tmp = n->len <= sizeof stackbuf ? stackbuf : xmalloc(n->len);
			size_t m = json_str_decode(d, i, tmp);
			json_write_str(b, tmp, m);
			if (tmp != stackbuf) free(tmp);
		}
		break;
	case JSON_ARRAY:
		strbuf_putc(b, '[');
		JSON_FOR_ELEMS(d, i, e, k) {
			if (k) strbuf_putc(b, ',');
			json_write_compact(b, d, e);
		}
		strbuf_putc(b, ']');
		break;
	case JSON_OBJECT:
		strbuf_putc(b, '{');
		JSON_FOR_MEMBERS(d, i, key, val, k) {
			if (k) strbuf_putc(b, ',');
			json_write_compact(b, d, key);
			strbuf_putc(b, ':');
			json_write_compact(b, d, val);
		}
		strbuf_putc(b, '}');
		break;
	default:
		json_write_raw(b, d, i);
	}
}

void json_append_members(strbuf *out, const char *line, size_t len, const char *fields, size_t flen)
{
	size_t e = len;
	while (e > 0 && line[e - 1] != '}') e--;
	size_t close = e - 1;             /* index of the final '}' */
	size_t p = close;
	while (p > 0 && (line[p - 1] == ' ' || line[p - 1] == '\t' || line[p - 1] == '\r' || line[p - 1] == '\n')) p--;
	int empty = p > 0 && line[p - 1] == '{';
	strbuf_put(out, line, close);
	if (!empty && flen) strbuf_putc(out, ',');
	strbuf_put(out, fields, flen);
	strbuf_putc(out, '}');
}

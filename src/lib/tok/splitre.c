/* splitre.c — the cl100k family of split patterns by hand. See splitre.h. */
#include "tok/splitre.h"
#include "tok/tok_int.h"

/* The classes the pattern tells apart: \p{L}, \p{N}, \s, and the rest
 * (what [^\s\p{L}\p{N}] takes: punctuation, symbols, marks, controls,
 * unassigned code points). */
enum { K_O, K_L, K_N, K_W };

static const unsigned char ascii_cls[128] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 0, 0,   /* \t-\r are \s */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,   /* space */
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0,   /* 0-9 */
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* A-Z */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
	0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* a-z */
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
};

/* A non-ASCII code point's class: \s is Oniguruma's White_Space (U+0085
 * and the Z categories here), \p{L} is Lu Ll Lt Lm Lo, \p{N} Nd Nl No. */
static int cls_cp(uint32_t c)
{
	switch (utf8proc_category((utf8proc_int32_t)c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
		return K_L;
	case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
		return K_N;
	case UTF8PROC_CATEGORY_ZS: case UTF8PROC_CATEGORY_ZL: case UTF8PROC_CATEGORY_ZP:
		return K_W;
	default:
		return c == 0x85 ? K_W : K_O;
	}
}

/* The class of the character at s[i] (i < n) and its length. */
static inline int cls_at(const unsigned char *s, size_t n, size_t i, size_t *len)
{
	if (s[i] < 0x80) { *len = 1; return ascii_cls[s[i]]; }
	uint32_t c;
	*len = (size_t)utf8_decode((const char *)s + i, n - i, &c);
	return cls_cp(c);
}

/* Of the eight bytes v (in memory order), how many from the first are ASCII
 * letters: per byte, y = b | 0x20 folds case and a letter is 0x61 <= y <=
 * 0x7A, so y + 0x1F has its top bit set and y + 0x05 has it clear. A
 * non-ASCII byte's sums may carry into the bytes after it, never into
 * those before, and its own bit is cleared: the count ends at it. */
static inline unsigned ascii_letters8(uint64_t v)
{
	const uint64_t hi = 0x8080808080808080ull;
	uint64_t y = v | 0x2020202020202020ull;
	uint64_t l = (y + 0x1F1F1F1F1F1F1F1Full) & ~(y + 0x0505050505050505ull) & ~v & hi;
	uint64_t stop = ~l & hi;
	return stop ? (unsigned)__builtin_ctzll(stop) / 8 : 8;
}

/* The end of the run of class k characters from s[i]. Letters are taken
 * eight ASCII bytes at a time where eight can be read (on little-endian
 * machines, where the first byte in memory is the low one). */
static inline size_t run_of(const unsigned char *s, size_t n, size_t i, int k)
{
	size_t l;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (k == K_L)
		while (i + 8 <= n) {
			uint64_t v;
			memcpy(&v, s + i, 8);
			unsigned a = ascii_letters8(v);
			i += a;
			if (a < 8) break;
		}
#endif
	while (i < n) {
		if (s[i] < 0x80) {
			if (ascii_cls[s[i]] != k) break;
			i++;
		} else {
			if (cls_at(s, n, i, &l) != k) break;
			i += l;
		}
	}
	return i;
}

/* [\r\n]* from s[i] */
static size_t crlf(const unsigned char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == '\r' || s[i] == '\n')) i++;
	return i;
}

/* (?i:'s|'t|'re|'ve|'m|'ll|'d) at s[i] == '\'' (i + 1 < n): its end, 0 if
 * none. Caseless as PCRE2 and Oniguruma fold: ASCII case, and U+017F LATIN
 * SMALL LETTER LONG S, whose simple case folding is s (U+212A KELVIN SIGN
 * folds to k, which no contraction has). (x | 0x20) == 's' holds for S and
 * s alone, and so for each letter here. */
static size_t contraction(const unsigned char *s, size_t n, size_t i)
{
	unsigned a = s[i + 1] | 0x20u;
	if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
	if (i + 2 >= n) return 0;
	unsigned b = s[i + 2] | 0x20u;
	if (((a == 'r' || a == 'v') && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
	if (s[i + 1] == 0xC5 && s[i + 2] == 0xBF) return i + 3;
	return 0;
}

/* A run of white space from s[i]: \s*[\r\n]+ ends after the run's last CR
 * or LF; else \s+(?!\S) gives back the run's last character when a non-space
 * follows (unless that leaves nothing), and \s+ takes the whole run. */
static size_t space_run(const unsigned char *s, size_t n, size_t i)
{
	size_t j = i, last = i, nl = 0, l;
	while (j < n) {
		if (s[j] < 0x80) {
			if (ascii_cls[s[j]] != K_W) break;
			if (s[j] == '\r' || s[j] == '\n') nl = j + 1;
			l = 1;
		} else if (cls_at(s, n, j, &l) != K_W) break;
		last = j;
		j += l;
	}
	if (nl) return nl;
	if (j == n || last == i) return j;
	return last;
}

int splitre_kind(const char *pat, size_t n)
{
	/* as Qwen2.5, Qwen3 and Llama 3 ship them (tokenizer.json's Split) */
	static const char qwen[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
				   "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
	static const char llama[] = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|"
				    "\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
	if (n == sizeof qwen - 1 && !memcmp(pat, qwen, n)) return SPLITRE_CL100K;
	if (n == sizeof llama - 1 && !memcmp(pat, llama, n)) return SPLITRE_CL100K_N3;
	return SPLITRE_NONE;
}

/* The end of the match that starts at s[i] (i < n). */
static inline size_t next_match(int kind, const unsigned char *s, size_t n, size_t i)
{
	size_t l, l2, e;
	/* the alternatives in order; where one cannot match, the next is tried */
	if (s[i] == '\'' && i + 1 < n && (e = contraction(s, n, i))) return e;
	int k = cls_at(s, n, i, &l);
	size_t j = i + l;
	switch (k) {
	case K_L:    /* \p{L}+ (the optional prefix takes nothing) */
		return run_of(s, n, j, K_L);
	case K_N:    /* \p{N} or \p{N}{1,3} */
		if (kind == SPLITRE_CL100K_N3)
			for (int d = 1; d < 3 && j < n && cls_at(s, n, j, &l2) == K_N; d++) j += l2;
		return j;
	case K_O:    /* [^\r\n\p{L}\p{N}]\p{L}+, else [^\s\p{L}\p{N}]+[\r\n]* */
		if (j < n && cls_at(s, n, j, &l2) == K_L) return run_of(s, n, j + l2, K_L);
		return crlf(s, n, run_of(s, n, j, K_O));
	default:     /* white space: a prefix of letters or of ' ?' others, else the runs */
		if (s[i] != '\r' && s[i] != '\n' && j < n) {
			int k2 = cls_at(s, n, j, &l2);
			if (k2 == K_L) return run_of(s, n, j + l2, K_L);
			if (k2 == K_O && s[i] == ' ') return crlf(s, n, run_of(s, n, j + l2, K_O));
		}
		return space_run(s, n, i);
	}
}

size_t splitre_ends(int kind, const char *str, size_t n, size_t i, size_t *ends, size_t cap)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t k = 0;
	for (; k < cap && i < n; k++) ends[k] = i = next_match(kind, s, n, i);
	return k;
}

/* str.c — Python's string operations the filters and methods share: Unicode
 * whitespace, strip, case mapping (SpecialCasing included), replace, split,
 * splitlines, padding, int() and float() of a string. See jinja_int.h. */
#include "jinja/jinja_int.h"

#include <utf8proc.h>

#include <ctype.h>
#include <stdlib.h>
#include <strings.h>

size_t jj_ws_len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return 1;
	if (c < 0x80 || n < 2) return 0;
	uint32_t cp;
	int k = utf8_decode(s, n, &cp);
	if (cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0x202f || cp == 0x205f || cp == 0x3000) return (size_t)k;
	return 0;
}
static int in_chars(const char *s, size_t n, value chars)
{
	/* is the character at s one of chars (a set of characters)? */
	uint32_t cp;
	int k = utf8_decode(s, n, &cp);
	for (size_t i = 0; i < chars.u.s.n;) {
		uint32_t c2;
		int k2 = utf8_decode(chars.u.s.p + i, chars.u.s.n - i, &c2);
		if (c2 == cp) return k;
		i += (size_t)k2;
	}
	return 0;
}
value jj_strip(rt *R, value s, int left, int right, value *chars)
{
	const char *p = s.u.s.p;
	size_t a = 0, b = s.u.s.n;
	for (;;) {
		if (!left || a >= b) break;
		size_t k = chars ? (size_t)in_chars(p + a, b - a, *chars) : jj_ws_len(p + a, b - a);
		if (!k) break;
		a += k;
	}
	while (right && b > a) {
		size_t st = b - 1;
		while (st > a && ((unsigned char)p[st] & 0xC0) == 0x80) st--;
		size_t k = chars ? (size_t)in_chars(p + st, b - st, *chars) : jj_ws_len(p + st, b - st);
		if (!k) break;
		b = st;
	}
	(void)R;
	return vstr(p + a, b - a);
}


/* Case mapping as Python's str methods do it: utf8proc's one-to-one mappings
 * (equal to Python's for every code point with a one-character result) and
 * the full mappings of SpecialCasing.txt, which Python applies and utf8proc
 * does not. The table was generated from Python 3.11 (Unicode 14):
 *   [(c, chr(c).upper(), chr(c).title(), chr(c).lower()) for c in range(0x110000)
 *    if any(len(m) > 1 for m in (chr(c).upper(), chr(c).title(), chr(c).lower()))]
 * (NULL where the mapping is one character). */
static const struct casemap { uint32_t cp; const char *up, *title, *low; } casetab[] = {
	{ 0x00df, "\x53\x53", "\x53\x73", NULL },
	{ 0x0130, NULL, NULL, "\x69\xcc\x87" },
	{ 0x0149, "\xca\xbc\x4e", "\xca\xbc\x4e", NULL },
	{ 0x01f0, "\x4a\xcc\x8c", "\x4a\xcc\x8c", NULL },
	{ 0x0390, "\xce\x99\xcc\x88\xcc\x81", "\xce\x99\xcc\x88\xcc\x81", NULL },
	{ 0x03b0, "\xce\xa5\xcc\x88\xcc\x81", "\xce\xa5\xcc\x88\xcc\x81", NULL },
	{ 0x0587, "\xd4\xb5\xd5\x92", "\xd4\xb5\xd6\x82", NULL },
	{ 0x1e96, "\x48\xcc\xb1", "\x48\xcc\xb1", NULL },
	{ 0x1e97, "\x54\xcc\x88", "\x54\xcc\x88", NULL },
	{ 0x1e98, "\x57\xcc\x8a", "\x57\xcc\x8a", NULL },
	{ 0x1e99, "\x59\xcc\x8a", "\x59\xcc\x8a", NULL },
	{ 0x1e9a, "\x41\xca\xbe", "\x41\xca\xbe", NULL },
	{ 0x1f50, "\xce\xa5\xcc\x93", "\xce\xa5\xcc\x93", NULL },
	{ 0x1f52, "\xce\xa5\xcc\x93\xcc\x80", "\xce\xa5\xcc\x93\xcc\x80", NULL },
	{ 0x1f54, "\xce\xa5\xcc\x93\xcc\x81", "\xce\xa5\xcc\x93\xcc\x81", NULL },
	{ 0x1f56, "\xce\xa5\xcc\x93\xcd\x82", "\xce\xa5\xcc\x93\xcd\x82", NULL },
	{ 0x1f80, "\xe1\xbc\x88\xce\x99", NULL, NULL },
	{ 0x1f81, "\xe1\xbc\x89\xce\x99", NULL, NULL },
	{ 0x1f82, "\xe1\xbc\x8a\xce\x99", NULL, NULL },
	{ 0x1f83, "\xe1\xbc\x8b\xce\x99", NULL, NULL },
	{ 0x1f84, "\xe1\xbc\x8c\xce\x99", NULL, NULL },
	{ 0x1f85, "\xe1\xbc\x8d\xce\x99", NULL, NULL },
	{ 0x1f86, "\xe1\xbc\x8e\xce\x99", NULL, NULL },
	{ 0x1f87, "\xe1\xbc\x8f\xce\x99", NULL, NULL },
	{ 0x1f88, "\xe1\xbc\x88\xce\x99", NULL, NULL },
	{ 0x1f89, "\xe1\xbc\x89\xce\x99", NULL, NULL },
	{ 0x1f8a, "\xe1\xbc\x8a\xce\x99", NULL, NULL },
	{ 0x1f8b, "\xe1\xbc\x8b\xce\x99", NULL, NULL },
	{ 0x1f8c, "\xe1\xbc\x8c\xce\x99", NULL, NULL },
	{ 0x1f8d, "\xe1\xbc\x8d\xce\x99", NULL, NULL },
	{ 0x1f8e, "\xe1\xbc\x8e\xce\x99", NULL, NULL },
	{ 0x1f8f, "\xe1\xbc\x8f\xce\x99", NULL, NULL },
	{ 0x1f90, "\xe1\xbc\xa8\xce\x99", NULL, NULL },
	{ 0x1f91, "\xe1\xbc\xa9\xce\x99", NULL, NULL },
	{ 0x1f92, "\xe1\xbc\xaa\xce\x99", NULL, NULL },
	{ 0x1f93, "\xe1\xbc\xab\xce\x99", NULL, NULL },
	{ 0x1f94, "\xe1\xbc\xac\xce\x99", NULL, NULL },
	{ 0x1f95, "\xe1\xbc\xad\xce\x99", NULL, NULL },
	{ 0x1f96, "\xe1\xbc\xae\xce\x99", NULL, NULL },
	{ 0x1f97, "\xe1\xbc\xaf\xce\x99", NULL, NULL },
	{ 0x1f98, "\xe1\xbc\xa8\xce\x99", NULL, NULL },
	{ 0x1f99, "\xe1\xbc\xa9\xce\x99", NULL, NULL },
	{ 0x1f9a, "\xe1\xbc\xaa\xce\x99", NULL, NULL },
	{ 0x1f9b, "\xe1\xbc\xab\xce\x99", NULL, NULL },
	{ 0x1f9c, "\xe1\xbc\xac\xce\x99", NULL, NULL },
	{ 0x1f9d, "\xe1\xbc\xad\xce\x99", NULL, NULL },
	{ 0x1f9e, "\xe1\xbc\xae\xce\x99", NULL, NULL },
	{ 0x1f9f, "\xe1\xbc\xaf\xce\x99", NULL, NULL },
	{ 0x1fa0, "\xe1\xbd\xa8\xce\x99", NULL, NULL },
	{ 0x1fa1, "\xe1\xbd\xa9\xce\x99", NULL, NULL },
	{ 0x1fa2, "\xe1\xbd\xaa\xce\x99", NULL, NULL },
	{ 0x1fa3, "\xe1\xbd\xab\xce\x99", NULL, NULL },
	{ 0x1fa4, "\xe1\xbd\xac\xce\x99", NULL, NULL },
	{ 0x1fa5, "\xe1\xbd\xad\xce\x99", NULL, NULL },
	{ 0x1fa6, "\xe1\xbd\xae\xce\x99", NULL, NULL },
	{ 0x1fa7, "\xe1\xbd\xaf\xce\x99", NULL, NULL },
	{ 0x1fa8, "\xe1\xbd\xa8\xce\x99", NULL, NULL },
	{ 0x1fa9, "\xe1\xbd\xa9\xce\x99", NULL, NULL },
	{ 0x1faa, "\xe1\xbd\xaa\xce\x99", NULL, NULL },
	{ 0x1fab, "\xe1\xbd\xab\xce\x99", NULL, NULL },
	{ 0x1fac, "\xe1\xbd\xac\xce\x99", NULL, NULL },
	{ 0x1fad, "\xe1\xbd\xad\xce\x99", NULL, NULL },
	{ 0x1fae, "\xe1\xbd\xae\xce\x99", NULL, NULL },
	{ 0x1faf, "\xe1\xbd\xaf\xce\x99", NULL, NULL },
	{ 0x1fb2, "\xe1\xbe\xba\xce\x99", "\xe1\xbe\xba\xcd\x85", NULL },
	{ 0x1fb3, "\xce\x91\xce\x99", NULL, NULL },
	{ 0x1fb4, "\xce\x86\xce\x99", "\xce\x86\xcd\x85", NULL },
	{ 0x1fb6, "\xce\x91\xcd\x82", "\xce\x91\xcd\x82", NULL },
	{ 0x1fb7, "\xce\x91\xcd\x82\xce\x99", "\xce\x91\xcd\x82\xcd\x85", NULL },
	{ 0x1fbc, "\xce\x91\xce\x99", NULL, NULL },
	{ 0x1fc2, "\xe1\xbf\x8a\xce\x99", "\xe1\xbf\x8a\xcd\x85", NULL },
	{ 0x1fc3, "\xce\x97\xce\x99", NULL, NULL },
	{ 0x1fc4, "\xce\x89\xce\x99", "\xce\x89\xcd\x85", NULL },
	{ 0x1fc6, "\xce\x97\xcd\x82", "\xce\x97\xcd\x82", NULL },
	{ 0x1fc7, "\xce\x97\xcd\x82\xce\x99", "\xce\x97\xcd\x82\xcd\x85", NULL },
	{ 0x1fcc, "\xce\x97\xce\x99", NULL, NULL },
	{ 0x1fd2, "\xce\x99\xcc\x88\xcc\x80", "\xce\x99\xcc\x88\xcc\x80", NULL },
	{ 0x1fd3, "\xce\x99\xcc\x88\xcc\x81", "\xce\x99\xcc\x88\xcc\x81", NULL },
	{ 0x1fd6, "\xce\x99\xcd\x82", "\xce\x99\xcd\x82", NULL },
	{ 0x1fd7, "\xce\x99\xcc\x88\xcd\x82", "\xce\x99\xcc\x88\xcd\x82", NULL },
	{ 0x1fe2, "\xce\xa5\xcc\x88\xcc\x80", "\xce\xa5\xcc\x88\xcc\x80", NULL },
	{ 0x1fe3, "\xce\xa5\xcc\x88\xcc\x81", "\xce\xa5\xcc\x88\xcc\x81", NULL },
	{ 0x1fe4, "\xce\xa1\xcc\x93", "\xce\xa1\xcc\x93", NULL },
	{ 0x1fe6, "\xce\xa5\xcd\x82", "\xce\xa5\xcd\x82", NULL },
	{ 0x1fe7, "\xce\xa5\xcc\x88\xcd\x82", "\xce\xa5\xcc\x88\xcd\x82", NULL },
	{ 0x1ff2, "\xe1\xbf\xba\xce\x99", "\xe1\xbf\xba\xcd\x85", NULL },
	{ 0x1ff3, "\xce\xa9\xce\x99", NULL, NULL },
	{ 0x1ff4, "\xce\x8f\xce\x99", "\xce\x8f\xcd\x85", NULL },
	{ 0x1ff6, "\xce\xa9\xcd\x82", "\xce\xa9\xcd\x82", NULL },
	{ 0x1ff7, "\xce\xa9\xcd\x82\xce\x99", "\xce\xa9\xcd\x82\xcd\x85", NULL },
	{ 0x1ffc, "\xce\xa9\xce\x99", NULL, NULL },
	{ 0xfb00, "\x46\x46", "\x46\x66", NULL },
	{ 0xfb01, "\x46\x49", "\x46\x69", NULL },
	{ 0xfb02, "\x46\x4c", "\x46\x6c", NULL },
	{ 0xfb03, "\x46\x46\x49", "\x46\x66\x69", NULL },
	{ 0xfb04, "\x46\x46\x4c", "\x46\x66\x6c", NULL },
	{ 0xfb05, "\x53\x54", "\x53\x74", NULL },
	{ 0xfb06, "\x53\x54", "\x53\x74", NULL },
	{ 0xfb13, "\xd5\x84\xd5\x86", "\xd5\x84\xd5\xb6", NULL },
	{ 0xfb14, "\xd5\x84\xd4\xb5", "\xd5\x84\xd5\xa5", NULL },
	{ 0xfb15, "\xd5\x84\xd4\xbb", "\xd5\x84\xd5\xab", NULL },
	{ 0xfb16, "\xd5\x8e\xd5\x86", "\xd5\x8e\xd5\xb6", NULL },
	{ 0xfb17, "\xd5\x84\xd4\xbd", "\xd5\x84\xd5\xad", NULL },
};

static const struct casemap *case_special(uint32_t cp)
{
	size_t lo = 0, hi = sizeof casetab / sizeof *casetab;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (casetab[mid].cp == cp) return &casetab[mid];
		if (casetab[mid].cp < cp) lo = mid + 1; else hi = mid;
	}
	return NULL;
}

enum { CM_UPPER, CM_LOWER, CM_TITLE };
static void put_case(strbuf *b, uint32_t cp, int how)
{
	const struct casemap *m = cp >= 0xdf ? case_special(cp) : NULL;
	const char *full = !m ? NULL : how == CM_UPPER ? m->up : how == CM_TITLE ? m->title : m->low;
	if (full) { strbuf_puts(b, full); return; }
	uint32_t r = how == CM_UPPER ? (uint32_t)utf8proc_toupper((utf8proc_int32_t)cp)
		   : how == CM_TITLE ? (uint32_t)utf8proc_totitle((utf8proc_int32_t)cp) : (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);
	char u[4];
	strbuf_put(b, u, (size_t)utf8_encode(r, u));
}

/* Python's "cased" and "case-ignorable" (for title() and the final sigma) */
static int is_cased(uint32_t cp)
{
	utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
	return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT ||
	       utf8proc_toupper((utf8proc_int32_t)cp) != (utf8proc_int32_t)cp || utf8proc_tolower((utf8proc_int32_t)cp) != (utf8proc_int32_t)cp;
}
static int is_case_ignorable(uint32_t cp)
{
	utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
	return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_ME || c == UTF8PROC_CATEGORY_CF || c == UTF8PROC_CATEGORY_LM ||
	       c == UTF8PROC_CATEGORY_SK || cp == '\'' || cp == '.' || cp == ':' || cp == 0xb7 || cp == 0x2019;
}

/* Capital sigma lowers to the final form at the end of a word (Python's Final_Sigma rule) */
int jj_final_sigma(const char *p, size_t n, size_t at)
{
	int before = 0;
	for (size_t i = at; i > 0;) {
		size_t st = i - 1;
		while (st > 0 && ((unsigned char)p[st] & 0xC0) == 0x80) st--;
		uint32_t cp;
		utf8_decode(p + st, n - st, &cp);
		i = st;
		if (is_case_ignorable(cp)) continue;
		before = is_cased(cp);
		break;
	}
	if (!before) return 0;
	uint32_t cp;
	for (size_t i = at + (size_t)utf8_decode(p + at, n - at, &cp); i < n;) {
		i += (size_t)utf8_decode(p + i, n - i, &cp);
		if (is_case_ignorable(cp)) continue;
		return !is_cased(cp);
	}
	return 1;
}

/* mode: 'u' upper, 'l' lower, 'c' str.capitalize, 't' str.title, 'T' jinja2's title filter */
value jj_case_conv(rt *R, value s, int mode)
{
	const char *p = s.u.s.p;
	size_t n = s.u.s.n;
	size_t i = 0;
	strbuf b = {0};
	jj_live_push(R, &b);
	strbuf_reserve(&b, n);
	int prev_cased = 0, word_start = -1;
	while (i < n) {
		uint32_t cp;
		size_t k = (size_t)utf8_decode(p + i, n - i, &cp);
		int how;
		switch (mode) {
		case 'u': how = CM_UPPER; break;
		case 'l': how = CM_LOWER; break;
		case 'c': how = i == 0 ? CM_TITLE : CM_LOWER; break;
		case 't': how = prev_cased ? CM_LOWER : CM_TITLE; prev_cased = is_cased(cp); break;
		default: {
			/* jinja2: re.split(r"([-\s({\[<]+)") into runs of delimiters and of the rest,
			 * then item[0].upper() + item[1:].lower() for every run */
			int delim = cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || jj_ws_len(p + i, n - i) != 0;
			how = i == 0 || delim != word_start ? CM_UPPER : CM_LOWER;
			word_start = delim;
		}
		}
		if (how == CM_LOWER && cp == 0x3a3 && jj_final_sigma(p, n, i)) strbuf_puts(&b, "\xcf\x82");
		else put_case(&b, cp, how);
		i += k;
	}
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	return r;
}


/* str.replace(old, new, count): an empty old inserts new around every character */
value jj_str_replace(rt *R, value s, value old, value nw, int64_t count)
{
	strbuf b = {0};
	jj_live_push(R, &b);
	int64_t left = count;
	if (!old.u.s.n) {
		for (size_t i = 0; i <= s.u.s.n;) {
			if (left != 0) { strbuf_put(&b, nw.u.s.p, nw.u.s.n); if (left > 0) left--; }
			if (i == s.u.s.n) break;
			uint32_t cp;
			size_t k = (size_t)utf8_decode(s.u.s.p + i, s.u.s.n - i, &cp);
			strbuf_put(&b, s.u.s.p + i, k);
			i += k;
		}
	} else {
		size_t st = 0;
		for (size_t i = 0; i + old.u.s.n <= s.u.s.n && left != 0;) {
			const char *f = memmem(s.u.s.p + i, s.u.s.n - i, old.u.s.p, old.u.s.n);
			if (!f) break;
			size_t at = (size_t)(f - s.u.s.p);
			strbuf_put(&b, s.u.s.p + st, at - st);
			strbuf_put(&b, nw.u.s.p, nw.u.s.n);
			i = st = at + old.u.s.n;
			if (left > 0) left--;
		}
		strbuf_put(&b, s.u.s.p + st, s.u.s.n - st);
	}
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	return r;
}

/* Python's int(str, base) for the bases templates use: whitespace around,
 * a sign, digits with single underscores between them, of any size. 0: not
 * an int (also past Python's 4300 decimal digits, its ValueError). */
/* Python reads int() and float() through _PyUnicode_TransformDecimalAndSpaceToASCII:
 * a decimal digit of any script (Nd) is its ASCII digit, a space any
 * whitespace; anything else past ASCII stays invalid (0x01 here). Nd
 * digits come in runs of ten from 0, so a digit's value is its offset in
 * its run modulo ten. Returns the length written to out (n bytes at most). */
static size_t to_ascii_number(const char *p, size_t n, char *out)
{
	size_t w = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x80) { out[w++] = (char)c; i++; continue; }
		uint32_t cp;
		size_t k = (size_t)utf8_decode(p + i, n - i, &cp);
		if (utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_ND) {
			uint32_t v = 0;
			while (v < cp && utf8proc_category((utf8proc_int32_t)(cp - v - 1)) == UTF8PROC_CATEGORY_ND) v++;
			out[w++] = (char)('0' + v % 10);
		} else out[w++] = jj_ws_len(p + i, n - i) == k ? ' ' : '\x01';
		i += k;
	}
	return w;
}

static int py_int_ascii(rt *R, const char *p, size_t n, int base, value *out);
int jj_py_int(rt *R, const char *p, size_t n, int base, value *out)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80) {
			char *a = arena_alloc(R->ar, n + 1);
			return py_int_ascii(R, a, to_ascii_number(p, n, a), base, out);
		}
	return py_int_ascii(R, p, n, base, out);
}

static int py_int_ascii(rt *R, const char *p, size_t n, int base, value *out)
{
	size_t i = 0;
	while (i < n && jj_ws_len(p + i, n - i)) i += jj_ws_len(p + i, n - i);
	while (n > i && ((unsigned char)p[n - 1] < 0x80 && jj_ws_len(p + n - 1, 1))) n--;
	int neg = 0;
	if (i < n && (p[i] == '+' || p[i] == '-')) neg = p[i++] == '-';
	/* a prefix 0x / 0o / 0b fits its base; base 0 takes it from the prefix (else decimal) */
	if (n - i >= 2 && p[i] == '0' && strchr("xXoObB", p[i + 1])) {
		int pb = p[i + 1] == 'x' || p[i + 1] == 'X' ? 16 : p[i + 1] == 'o' || p[i + 1] == 'O' ? 8 : 2;
		if (base == 0 || base == pb) { base = pb; i += 2; if (i < n && p[i] == '_') i++; }
	}
	if (base == 0) base = 10;
	if (base < 2 || base > 36 || i >= n) return 0;
	int last_us = 1;
	for (size_t k = i; k < n; k++) {
		if (p[k] == '_') { if (last_us) return 0; last_us = 1; continue; }
		int d = isdigit((unsigned char)p[k]) ? p[k] - '0' : isalpha((unsigned char)p[k]) ? tolower((unsigned char)p[k]) - 'a' + 10 : 99;
		if (d >= base) return 0;
		last_us = 0;
	}
	if (last_us) return 0;
	if (!jj_int_parse(R->ar, R->e, 0, p + i, n - i, base, out)) return 0;
	if (neg) *out = jj_int_neg(R, 0, *out);
	return 1;
}

/* Python's float(str): whitespace around, decimal or exponent forms, inf/nan */
static int py_float_ascii(const char *p, size_t n, double *out);
int jj_py_float(const char *p, size_t n, double *out)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80) {
			char a[1700];
			if (n > sizeof a) return 0;
			return py_float_ascii(a, to_ascii_number(p, n, a), out);
		}
	return py_float_ascii(p, n, out);
}

static int py_float_ascii(const char *p, size_t n, double *out)
{
	size_t i = 0;
	while (i < n && jj_ws_len(p + i, n - i)) i += jj_ws_len(p + i, n - i);
	while (n > i && ((unsigned char)p[n - 1] < 0x80 && jj_ws_len(p + n - 1, 1))) n--;
	if (i >= n || n - i > 400) return 0;
	char buf[401];
	size_t k = 0;
	for (size_t j = i; j < n; j++) {
		char c = p[j];
		if (c == '_') {   /* only between digits */
			if (j == i || j + 1 >= n || !isdigit((unsigned char)p[j - 1]) || !isdigit((unsigned char)p[j + 1])) return 0;
			continue;
		}
		if (!(isdigit((unsigned char)c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' || isalpha((unsigned char)c))) return 0;
		buf[k++] = c;
	}
	buf[k] = 0;
	const char *b = buf + (buf[0] == '+' || buf[0] == '-');
	if (isalpha((unsigned char)b[0])) {
		if (strcasecmp(b, "inf") && strcasecmp(b, "infinity") && strcasecmp(b, "nan")) return 0;
	} else {
		for (const char *q = b; *q; q++) if (isalpha((unsigned char)*q) && *q != 'e' && *q != 'E') return 0;
		if (strchr(buf, 'x') || strchr(buf, 'X')) return 0;
	}
	char *e;
	*out = strtod(buf, &e);
	return *e == 0;
}

/* pad s to width code points: align '<' left, '>' right, '^' centre (Python's
 * str.center puts the extra space on the right when the padding is odd... and
 * on the left when the width is odd too, as its formula left = pad/2 + (pad & width & 1)) */
value jj_str_pad(rt *R, value s, int64_t width, char fill, char align)
{
	int64_t len = (int64_t)utf8_count(s.u.s.p, s.u.s.n);
	if (width <= len) return s;
	if (width > (1 << 20)) jj_fail(R->e, 0, "padding to more than a million characters");
	int64_t pad = width - len, left = align == '<' ? 0 : align == '>' ? pad : pad / 2 + (pad & width & 1);
	char *o = arena_alloc(R->ar, s.u.s.n + (size_t)pad + 1);
	memset(o, fill, (size_t)left);
	memcpy(o + left, s.u.s.p, s.u.s.n);
	memset(o + left + s.u.s.n, fill, (size_t)(pad - left));
	return vstr(o, s.u.s.n + (size_t)pad);
}

/* str.splitlines(keepends): the line boundaries Python knows */
vlist *jj_splitlines(rt *R, value s, int keepends)
{
	vlist *l = jj_list_new(R, 8);
	const char *p = s.u.s.p;
	size_t n = s.u.s.n, st = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)p[i];
		size_t k = 0;
		if (c == '\n' || c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e) k = 1;
		else if (c == '\r') k = i + 1 < n && p[i + 1] == '\n' ? 2 : 1;
		else if (c == 0xc2 && i + 1 < n && (unsigned char)p[i + 1] == 0x85) k = 2;
		else if (c == 0xe2 && i + 2 < n && (unsigned char)p[i + 1] == 0x80 && ((unsigned char)p[i + 2] == 0xa8 || (unsigned char)p[i + 2] == 0xa9)) k = 3;
		if (k) {
			jj_list_push(R, l, vstr(p + st, i - st + (keepends ? k : 0)));
			i += k;
			st = i;
		} else i++;
	}
	if (st < n) jj_list_push(R, l, vstr(p + st, n - st));
	return l;
}

/* The length of the whitespace character that ends at p[e] (0: none) */
static size_t ws_before(const char *p, size_t e)
{
	size_t b = e - 1;
	while (b > 0 && e - b < 4 && ((unsigned char)p[b] & 0xC0) == 0x80) b--;
	return jj_ws_len(p + b, e - b) == e - b ? e - b : 0;
}

/* str.split and rsplit as CPython's: without a separator, runs of Unicode
 * whitespace, no empty strings, and past maxsplit the rest of the string
 * from its next non-space on (up to its last non-space, for rsplit) */
value jj_split(rt *R, value s, value sep, int64_t maxsplit, int right)
{
	vlist *l = jj_list_new(R, 8);
	const char *p = s.u.s.p;
	size_t n = s.u.s.n;
	if (sep.t != V_STR) {
		/* whitespace runs; no empty strings */
		size_t i = 0;
		int64_t splits = 0;
		if (right) {
			/* rsplit without a separator: split from the right */
			vlist *tmp = jj_list_new(R, 8);
			size_t e = n;
			while (e > 0) {
				size_t w;
				while (e > 0 && (w = ws_before(p, e))) e -= w;
				if (!e) break;
				size_t b = e;
				if (maxsplit >= 0 && splits >= maxsplit) { b = 0; jj_list_push(R, tmp, vstr(p, e)); break; }
				while (b > 0 && !ws_before(p, b)) b--;
				jj_list_push(R, tmp, vstr(p + b, e - b));
				splits++;
				e = b;
			}
			for (size_t k = tmp->n; k > 0; k--) jj_list_push(R, l, tmp->v[k - 1]);
			return vlistv(l);
		}
		while (i < n) {
			size_t w;
			while (i < n && (w = jj_ws_len(p + i, n - i))) i += w;
			if (i >= n) break;
			if (maxsplit >= 0 && splits >= maxsplit) { jj_list_push(R, l, vstr(p + i, n - i)); break; }
			size_t st = i;
			while (i < n && !jj_ws_len(p + i, n - i)) { uint32_t cp; i += (size_t)utf8_decode(p + i, n - i, &cp); }
			jj_list_push(R, l, vstr(p + st, i - st));
			splits++;
		}
		return vlistv(l);
	}
	const char *q = sep.u.s.p;
	size_t m = sep.u.s.n;
	if (!m) jj_fail(R->e, 0, "empty separator");
	if (right && maxsplit >= 0) {
		vlist *tmp = jj_list_new(R, 8);
		size_t e = n;
		int64_t splits = 0;
		while (splits < maxsplit) {
			size_t k = e >= m ? e - m + 1 : 0, found = (size_t)-1;
			while (k > 0) { k--; if (!memcmp(p + k, q, m)) { found = k; break; } }
			if (found == (size_t)-1) break;
			jj_list_push(R, tmp, vstr(p + found + m, e - found - m));
			e = found;
			splits++;
		}
		jj_list_push(R, tmp, vstr(p, e));
		for (size_t k = tmp->n; k > 0; k--) jj_list_push(R, l, tmp->v[k - 1]);
		return vlistv(l);
	}
	size_t st = 0;
	int64_t splits = 0;
	for (size_t i = 0; i + m <= n;) {
		if ((maxsplit < 0 || splits < maxsplit) && !memcmp(p + i, q, m)) { jj_list_push(R, l, vstr(p + st, i - st)); i += m; st = i; splits++; }
		else i++;
	}
	jj_list_push(R, l, vstr(p + st, n - st));
	return vlistv(l);
}

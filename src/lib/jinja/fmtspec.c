/* fmtspec.c — Python's string formatting: format(value, spec) with the
 * format-spec mini-language ([[fill]align][sign][z][#][0][width][grouping]
 * [.precision][type], "Format Specification Mini-Language" in Python's
 * string docs) for str, int (of any size), float and the other types;
 * str.format as jinja2's sandbox runs it (string.Formatter.vformat with
 * env.getattr / env.getitem for {0.attr} and {0[key]}, nested {:{w}}
 * specs); and printf-style str % args ("printf-style String Formatting").
 * Python's errors come back as the render's error. See jinja_int.h. */
#include "jinja/jinja_int.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define FMT_MAXWIDTH 1000000   /* widths and precisions: a limit of the render */

typedef struct fspec {
	const char *fill; size_t filln;   /* one code point; NULL: a space */
	char align, sign, group, type;    /* 0 when not given */
	int z, alt, zero;
	long width, prec;                 /* -1 when not given */
} fspec;

static long spec_num(rt *R, int line, const char **pp, const char *end)
{
	long v = 0;
	const char *p = *pp;
	while (p < end && isdigit((unsigned char)*p)) {
		v = v * 10 + (*p++ - '0');
		if (v > FMT_MAXWIDTH) jj_fail(R->e, line, "unsupported: a format width or precision over %d", FMT_MAXWIDTH);
	}
	*pp = p;
	return v;
}

static void parse_spec(rt *R, int line, const char *p, size_t n, fspec *s)
{
	const char *end = p + n;
	memset(s, 0, sizeof *s);
	s->width = s->prec = -1;
	size_t k = p < end ? (size_t)utf8_decode(p, (size_t)(end - p), &(uint32_t){0}) : 0;
	if (k && p + k < end && strchr("<>=^", p[k])) { s->fill = p; s->filln = k; s->align = p[k]; p += k + 1; }
	else if (p < end && strchr("<>=^", *p)) s->align = *p++;
	if (p < end && strchr("+- ", *p)) s->sign = *p++;
	if (p < end && *p == 'z') { s->z = 1; p++; }
	if (p < end && *p == '#') { s->alt = 1; p++; }
	if (p < end && *p == '0') { s->zero = 1; p++; }
	if (p < end && isdigit((unsigned char)*p)) s->width = spec_num(R, line, &p, end);
	if (p < end && (*p == ',' || *p == '_')) s->group = *p++;
	if (p < end && (*p == ',' || *p == '_')) jj_fail(R->e, line, "ValueError: Cannot specify both ',' and '_'.");
	if (p < end && *p == '.') {
		p++;
		if (p >= end || !isdigit((unsigned char)*p)) jj_fail(R->e, line, "ValueError: Format specifier missing precision");
		s->prec = spec_num(R, line, &p, end);
	}
	if (p < end) s->type = *p++;
	if (p < end) jj_fail(R->e, line, "ValueError: Invalid format specifier '%.*s'", (int)n, end - n);
	if (s->zero && !s->fill && !s->align) { s->fill = "0"; s->filln = 1; }
}

/* pad body (n code points) to the spec's width; '=' pads after the first pre bytes (sign and prefix) */
static void put_padded(strbuf *b, const fspec *s, const char *body, size_t len, size_t pre, char dflt_align)
{
	size_t cps = utf8_count(body, len);
	char al = s->align ? s->align : dflt_align;
	size_t pad = s->width > 0 && (size_t)s->width > cps ? (size_t)s->width - cps : 0;
	const char *f = s->fill ? s->fill : " ";
	size_t fn = s->fill ? s->filln : 1, left = al == '<' ? 0 : al == '^' ? pad / 2 : pad;
	if (al == '=') strbuf_put(b, body, pre);
	for (size_t i = 0; i < left; i++) strbuf_put(b, f, fn);
	if (al == '=') strbuf_put(b, body + pre, len - pre);
	else strbuf_put(b, body, len);
	for (size_t i = left; i < pad; i++) strbuf_put(b, f, fn);
}

/* digits grouped by sep every g, zero-extended to at least minw characters */
static void put_grouped(strbuf *b, const char *d, size_t n, char sep, int g, size_t minw)
{
	size_t nd = n;
	if (sep) while (nd + (nd - 1) / (size_t)g < minw) nd++;
	else if (nd < minw) nd = minw;
	for (size_t i = 0; i < nd; i++) {
		size_t from_end = nd - i;
		strbuf_putc(b, i < nd - n ? '0' : d[i - (nd - n)]);
		if (sep && from_end > 1 && (from_end - 1) % (size_t)g == 0) strbuf_putc(b, sep);
	}
}

/* a number's sign, prefix and digits (int part, then the rest) padded as the spec says */
static void put_number(strbuf *b, const fspec *s, int neg, const char *prefix, const char *ip, size_t in, const char *rest, size_t rn, int g)
{
	strbuf t = {0};
	if (neg) strbuf_putc(&t, '-');
	else if (s->sign == '+' || s->sign == ' ') strbuf_putc(&t, s->sign);
	strbuf_puts(&t, prefix);
	size_t pre = t.len, minw = 0;
	/* zero padding goes inside the grouping, as CPython's: format(1234, '08,') is 0,001,234 */
	int zpad = s->fill && s->filln == 1 && s->fill[0] == '0' && (s->align == '=' || !s->align) && s->width > 0;
	if (zpad && s->group) {
		size_t used = pre + rn;
		minw = (size_t)s->width > used ? (size_t)s->width - used : 0;
	}
	put_grouped(&t, ip, in, s->group, g, minw);
	strbuf_put(&t, rest, rn);
	fspec s2 = *s;
	if (zpad && !s->align) s2.align = '=';
	put_padded(b, &s2, t.p, t.len, pre, '>');
	strbuf_free(&t);
}

static void format_int(rt *R, int line, strbuf *b, value v, const fspec *s)
{
	char ty = s->type ? s->type : 'd';
	if (s->prec >= 0) jj_fail(R->e, line, "ValueError: Precision not allowed in integer format specifier");
	if (s->z) jj_fail(R->e, line, "ValueError: Negative zero coercion (z) not allowed in integer format specifier");
	if (s->group == ',' && ty != 'd') jj_fail(R->e, line, "ValueError: Cannot specify ',' with '%c'.", ty);
	if (s->group == '_' && ty == 'n') jj_fail(R->e, line, "ValueError: Cannot specify '_' with 'n'.");
	if (ty == 'c') {
		if (s->sign) jj_fail(R->e, line, "ValueError: Sign not allowed with integer format specifier 'c'");
		if (s->alt) jj_fail(R->e, line, "ValueError: Alternate form (#) not allowed with integer format specifier 'c'");
		if (v.t == V_BIG || jj_int_sign(v) < 0 || (v.t == V_INT && v.u.i > 0x10FFFF)) jj_fail(R->e, line, "OverflowError: %%c arg not in range(0x110000)");
		char u[4];
		int64_t cp = v.t == V_BOOL ? v.u.b : v.u.i;
		/* a lone surrogate cannot be written as UTF-8 */
		if (cp >= 0xD800 && cp < 0xE000) jj_fail(R->e, line, "unsupported: a lone surrogate (U+%04llX)", (long long)cp);
		size_t k = (size_t)utf8_encode((uint32_t)cp, u);
		fspec s2 = *s;
		put_padded(b, &s2, u, k, 0, '<');
		return;
	}
	int base = ty == 'b' ? 2 : ty == 'o' ? 8 : ty == 'x' || ty == 'X' ? 16 : 10;
	strbuf d = {0};
	jj_live_push(R, &d);
	jj_int_digits(R, line, &d, v, base, ty == 'X');
	const char *prefix = !s->alt || base == 10 ? "" : ty == 'b' ? "0b" : ty == 'o' ? "0o" : ty == 'x' ? "0x" : "0X";
	put_number(b, s, jj_int_sign(v) < 0, prefix, d.p, d.len, "", 0, base == 10 ? 3 : 4);
	jj_live_pop(R, &d);
}

/* Python's float formatting for a type and precision into t (no sign):
 * C's printf for e f g (it rounds exactly as Python's dtoa), Python's own
 * rules for the type left out (repr, or 'g' keeping a digit after the point) */
static void float_body(rt *R, strbuf *t, double x, const fspec *s, char ty)
{
	char buf[512];
	x = fabs(x);
	if (isinf(x) || isnan(x)) {
		int up = ty == 'E' || ty == 'F' || ty == 'G';
		strbuf_puts(t, isnan(x) ? (up ? "NAN" : "nan") : (up ? "INF" : "inf"));
		if (ty == '%') strbuf_putc(t, '%');
		return;
	}
	if (!ty && s->prec < 0) {
		value f = V(V_FLOAT); f.u.f = x;
		jj_put_str(R, t, f);
		return;
	}
	long p = s->prec < 0 ? 6 : s->prec;
	char *big = NULL;
	const char *out = buf;
	if (ty == 'f' || ty == 'F' || ty == '%') {
		double y = ty == '%' ? x * 100 : x;
		int need = snprintf(buf, sizeof buf, s->alt ? "%#.*f" : "%.*f", (int)p, y);
		if ((size_t)need >= sizeof buf) { big = malloc((size_t)need + 1); snprintf(big, (size_t)need + 1, s->alt ? "%#.*f" : "%.*f", (int)p, y); out = big; }
		strbuf_puts(t, out);
		if (ty == '%') strbuf_putc(t, '%');
		free(big);
		return;
	}
	if (ty == 'e' || ty == 'E') {
		int need = snprintf(buf, sizeof buf, s->alt ? "%#.*e" : "%.*e", (int)p, x);
		if ((size_t)need >= sizeof buf) { big = malloc((size_t)need + 1); snprintf(big, (size_t)need + 1, s->alt ? "%#.*e" : "%.*e", (int)p, x); out = big; }
		size_t st = t->len;
		strbuf_puts(t, out);
		if (ty == 'E') for (size_t i = st; i < t->len; i++) t->p[i] = (char)toupper((unsigned char)t->p[i]);
		free(big);
		return;
	}
	/* g, G, n and no type with a precision: p significant digits */
	if (p == 0) p = 1;
	int need = snprintf(buf, sizeof buf, "%.*e", (int)(p - 1), x);
	if ((size_t)need >= sizeof buf) { big = malloc((size_t)need + 1); snprintf(big, (size_t)need + 1, "%.*e", (int)(p - 1), x); out = big; }
	int exp = atoi(strchr(out, 'e') + 1);
	free(big);
	big = NULL;
	int sci = ty ? (exp < -4 || exp >= p) : (exp < -4 || exp >= p - 1);
	strbuf r = {0};
	if (sci) strbuf_printf(&r, s->alt ? "%#.*e" : "%.*e", (int)(p - 1), x);
	else strbuf_printf(&r, s->alt ? "%#.*f" : "%.*f", (int)(p - 1 - exp), x);
	char *e = memchr(r.p, 'e', r.len);
	size_t mant = e ? (size_t)(e - r.p) : r.len;
	if (!s->alt && memchr(r.p, '.', mant)) {   /* trailing zeros go, and a bare point */
		size_t m = mant;
		while (m > 0 && r.p[m - 1] == '0') m--;
		if (m > 0 && r.p[m - 1] == '.') m--;
		strbuf_put(t, r.p, m);
		if (!ty && !sci && !memchr(r.p, '.', m)) strbuf_puts(t, ".0");
	} else {
		strbuf_put(t, r.p, mant);
		if (!ty && !sci && !memchr(r.p, '.', mant)) strbuf_puts(t, ".0");
	}
	if (e) strbuf_put(t, e, r.len - mant);
	if (ty == 'G') for (size_t i = 0; i < t->len; i++) t->p[i] = (char)toupper((unsigned char)t->p[i]);
	strbuf_free(&r);
}

static void format_float(rt *R, int line, strbuf *b, double x, const fspec *s)
{
	char ty = s->type == 'n' ? 'g' : s->type;
	if (ty && !strchr("eEfFgG%", ty)) jj_fail(R->e, line, "ValueError: Unknown format code '%c' for object of type 'float'", ty);
	if (s->group && s->type == 'n') jj_fail(R->e, line, "ValueError: Cannot specify '%c' with 'n'.", s->group);
	strbuf t = {0};
	jj_live_push(R, &t);
	float_body(R, &t, x, s, ty);
	int neg = signbit(x) && !isnan(x);
	if (neg && s->z) {   /* z: a negative zero after rounding prints as zero */
		int allz = 1;
		for (size_t i = 0; i < t.len && allz; i++) { if (t.p[i] == 'e' || t.p[i] == 'E') break; allz = !isdigit((unsigned char)t.p[i]) || t.p[i] == '0'; }
		if (allz) neg = 0;
	}
	size_t in = 0;
	while (in < t.len && isdigit((unsigned char)t.p[in])) in++;
	put_number(b, s, neg, "", t.p, in, t.p + in, t.len - in, 3);
	jj_live_pop(R, &t);
}

static const char *type_name(value v)
{
	switch (v.t) {
	case V_UNDEF: return "Undefined";
	case V_NONE: return "NoneType";
	case V_LIST: return v.u.l->tuple ? "tuple" : "list";
	case V_NS: return "Namespace";
	default: return jj_tname(v.t);
	}
}

/* format(v, spec) appended to b */
void jj_format_value(rt *R, int line, strbuf *b, value v, const char *spec, size_t n)
{
	if (!n) { jj_put_str(R, b, v); return; }
	fspec s;
	if (v.t != V_STR && v.t != V_INT && v.t != V_BIG && v.t != V_BOOL && v.t != V_FLOAT)
		jj_fail(R->e, line, "TypeError: unsupported format string passed to %s.__format__", type_name(v));
	parse_spec(R, line, spec, n, &s);
	if (v.t == V_STR) {
		if (s.type && s.type != 's') jj_fail(R->e, line, "ValueError: Unknown format code '%c' for object of type 'str'", s.type);
		if (s.sign) jj_fail(R->e, line, "ValueError: Sign not allowed in string format specifier");
		if (s.alt) jj_fail(R->e, line, "ValueError: Alternate form (#) not allowed in string format specifier");
		if (s.z) jj_fail(R->e, line, "ValueError: Negative zero coercion (z) not allowed in format specifier");
		if (s.group) jj_fail(R->e, line, "ValueError: Cannot specify '%c' with 's'.", s.group);
		if (s.align == '=') jj_fail(R->e, line, "ValueError: '=' alignment not allowed in string format specifier");
		size_t k = s.prec >= 0 ? jj_cp_offset(v.u.s.p, v.u.s.n, (size_t)s.prec) : v.u.s.n;
		put_padded(b, &s, v.u.s.p, k, 0, '<');
		return;
	}
	if (v.t == V_FLOAT) { format_float(R, line, b, v.u.f, &s); return; }
	if (s.type && strchr("eEfFgG%", s.type)) { format_float(R, line, b, jj_int_to_double(R, line, v), &s); return; }
	if (s.type && !strchr("bcdoxXn", s.type)) jj_fail(R->e, line, "ValueError: Unknown format code '%c' for object of type 'int'", s.type);
	format_int(R, line, b, v, &s);
}

/* ---------------- str.format ---------------- */

/* repr(), or ascii() (non-ASCII escaped as \xNN \uNNNN \UNNNNNNNN) */
static void put_conv(rt *R, int line, strbuf *b, value v, char conv)
{
	if (conv == 's') { jj_put_str(R, b, v); return; }
	if (conv != 'r' && conv != 'a') jj_fail(R->e, line, "ValueError: Unknown conversion specifier %c", conv);
	strbuf t = {0};
	jj_live_push(R, &t);
	jj_put_repr(R, &t, v);
	if (conv == 'r') strbuf_put(b, t.p, t.len);
	else for (size_t i = 0; i < t.len;) {
		uint32_t cp;
		size_t k = (size_t)utf8_decode(t.p + i, t.len - i, &cp);
		if (cp < 0x80) strbuf_putc(b, (char)cp);
		else strbuf_printf(b, cp < 0x100 ? "\\x%02x" : cp < 0x10000 ? "\\u%04x" : "\\U%08x", cp);
		i += k;
	}
	jj_live_pop(R, &t);
}

/* o[k] as the sandbox's getitem: what Python cannot index is undefined */
static value getitem_soft(rt *R, int line, value o, value k)
{
	if (o.t == V_LIST && k.t != V_INT) return V(V_UNDEF);
	return jj_getitem(R, line, o, k);
}

typedef struct bfmt { const args *a; int autoi, manual, markup; } bfmt;   /* markup: Markup.format's EscapeFormatter */

/* the value of a field name: an index or a keyword, then .attr and [key] as the sandbox's getattr / getitem */
static value field_value(rt *R, int line, bfmt *st, const char *p, const char *end)
{
	const char *q = p;
	while (q < end && *q != '.' && *q != '[') q++;
	value v;
	int digits = q > p;
	for (const char *x = p; x < q; x++) digits &= isdigit((unsigned char)*x) != 0;
	if (q == p) {
		if (st->manual) jj_fail(R->e, line, "ValueError: cannot switch from manual field specification to automatic field numbering");
		st->autoi++;
		if (st->autoi > st->a->n) jj_fail(R->e, line, "IndexError: Replacement index %d out of range for positional args tuple", st->autoi - 1);
		v = st->a->v[st->autoi - 1];
	} else if (digits) {
		if (st->autoi) jj_fail(R->e, line, "ValueError: cannot switch from automatic field numbering to manual field specification");
		st->manual = 1;
		long k = q - p > 6 ? 1000000 : strtol(p, NULL, 10);
		if (k >= st->a->n) jj_fail(R->e, line, "IndexError: Replacement index %ld out of range for positional args tuple", k);
		v = st->a->v[k];
	} else {
		int found = 0;
		for (int i = 0; i < st->a->nk && !found; i++)
			if (st->a->kl[i] == (size_t)(q - p) && !memcmp(st->a->kn[i], p, (size_t)(q - p))) { v = st->a->kw[i]; found = 1; }
		if (!found) jj_fail(R->e, line, "KeyError: '%.*s'", (int)(q - p), p);
	}
	while (q < end) {
		const char *s = q + 1, *e = s;
		if (*q == '.') {
			while (e < end && *e != '.' && *e != '[') e++;
			if (e == s) jj_fail(R->e, line, "ValueError: Empty attribute in format string");
			v = jj_getattr(R, line, v, s, (size_t)(e - s));
			q = e;
		} else if (*q == '[') {
			while (e < end && *e != ']') e++;
			if (e >= end) jj_fail(R->e, line, "ValueError: Missing ']' in format string");
			if (e == s) jj_fail(R->e, line, "ValueError: Empty attribute in format string");
			int dg = 1;
			for (const char *x = s; x < e; x++) dg &= isdigit((unsigned char)*x) != 0;
			value key = vstr(s, (size_t)(e - s));
			if (dg) { value k; if (jj_int_parse(R->ar, R->e, line, s, (size_t)(e - s), 10, &k)) key = k; }
			v = getitem_soft(R, line, v, key);
			q = e + 1;
			if (q < end && *q != '.' && *q != '[') jj_fail(R->e, line, "ValueError: Only '.' or '[' may follow ']' in format field specifier");
		} else jj_fail(R->e, line, "ValueError: Only '.' or '[' may follow ']' in format field specifier");
	}
	return v;
}

/* string.Formatter._vformat: literal text, {{ and }}, fields {name!conv:spec} (spec itself formatted, depth 2) */
static void vformat(rt *R, int line, strbuf *b, bfmt *st, const char *p, const char *end, int depth)
{
	if (depth < 0) jj_fail(R->e, line, "ValueError: Max string recursion exceeded");
	while (p < end) {
		char c = *p;
		if (c == '}') {
			if (p + 1 < end && p[1] == '}') { strbuf_putc(b, '}'); p += 2; continue; }
			jj_fail(R->e, line, "ValueError: Single '}' encountered in format string");
		}
		if (c != '{') { strbuf_putc(b, c); p++; continue; }
		if (p + 1 < end && p[1] == '{') { strbuf_putc(b, '{'); p += 2; continue; }
		/* the field runs to its matching '}'; brackets hide ':' and '!' in a key */
		const char *fs = p + 1, *q = fs;
		while (q < end && *q != '}' && *q != '!' && *q != ':' && *q != '{') {
			if (*q == '[') { while (q < end && *q != ']') q++; if (q < end) q++; }
			else q++;
		}
		if (q < end && *q == '{') jj_fail(R->e, line, "ValueError: unexpected '{' in field name");
		const char *fe = q;
		char conv = 0;
		if (q < end && *q == '!') {
			if (q + 1 >= end) jj_fail(R->e, line, "ValueError: end of string while looking for conversion specifier");
			conv = q[1]; q += 2;
			if (q < end && *q != ':' && *q != '}') jj_fail(R->e, line, "ValueError: expected ':' after conversion specifier");
		}
		const char *ss = q, *se = q;
		if (q < end && *q == ':') {
			int nest = 1;
			ss = ++q;
			while (q < end) {
				if (*q == '{') nest++;
				else if (*q == '}' && --nest == 0) break;
				q++;
			}
			se = q;
		}
		if (q >= end || *q != '}') jj_fail(R->e, line, "ValueError: expected '}' before end of string");
		value v = field_value(R, line, st, fs, fe);
		if (conv) {
			strbuf t = {0};
			jj_live_push(R, &t);
			put_conv(R, line, &t, v, conv);
			v = vstr(rdup(R, t.p ? t.p : "", t.len), t.len);
			jj_live_pop(R, &t);
		}
		strbuf spec = {0};
		jj_live_push(R, &spec);
		vformat(R, line, &spec, st, ss, se, depth - 1);
		if (!st->markup) jj_format_value(R, line, b, v, spec.p ? spec.p : "", spec.len);
		else if (v.t == V_STR && v.markup) {
			/* Markup.__html_format__: no format spec */
			if (spec.len) jj_fail(R->e, line, "ValueError: Unsupported format specification for Markup.");
			strbuf_put(b, v.u.s.p, v.u.s.n);
		} else {
			/* EscapeFormatter.format_field: the field formatted, then escaped */
			strbuf t = {0};
			jj_live_push(R, &t);
			jj_format_value(R, line, &t, v, spec.p ? spec.p : "", spec.len);
			value e = jj_escape(R, vstr(t.p ? t.p : "", t.len));
			strbuf_put(b, e.u.s.p, e.u.s.n);
			jj_live_pop(R, &t);
		}
		jj_live_pop(R, &spec);
		p = q + 1;
	}
}

value jj_brace_format(rt *R, int line, value fmt, const args *a)
{
	strbuf b = {0};
	jj_live_push(R, &b);
	bfmt st = { a, 0, 0, fmt.markup };
	vformat(R, line, &b, &st, fmt.u.s.p, fmt.u.s.p + fmt.u.s.n, 2);
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	r.markup = fmt.markup;
	jj_live_pop(R, &b);
	return r;
}

/* ---------------- str % args ---------------- */

typedef struct pspec { int left, zero, plus, space, alt; long width, prec; } pspec;

/* %d %i %u %x %X %o: sign, prefix (with #), digits to the precision, padded */
static void pct_int(rt *R, int line, strbuf *b, value v, char conv, const pspec *s)
{
	if (v.t == V_FLOAT) {
		if (conv != 'd' && conv != 'i' && conv != 'u') jj_fail(R->e, line, "TypeError: %%%c format: an integer is required, not float", conv);
		v = jj_int_from_double(R, line, v.u.f);
	}
	if (!jj_isint(v))
		jj_fail(R->e, line, "TypeError: %%%c format: %s is required, not %s", conv, strchr("diu", conv) ? "a real number" : "an integer", type_name(v));
	int base = conv == 'o' ? 8 : conv == 'x' || conv == 'X' ? 16 : 10;
	strbuf d = {0}, t = {0};
	jj_live_push(R, &d);
	jj_live_push(R, &t);
	jj_int_digits(R, line, &d, v, base, conv == 'X');
	if (jj_int_sign(v) < 0) strbuf_putc(&t, '-');
	else if (s->plus || s->space) strbuf_putc(&t, s->plus ? '+' : ' ');
	if (s->alt && base != 10) strbuf_puts(&t, conv == 'o' ? "0o" : conv == 'x' ? "0x" : "0X");
	size_t pre = t.len;
	for (long k = (long)d.len; k < s->prec; k++) strbuf_putc(&t, '0');
	strbuf_put(&t, d.p, d.len);
	fspec f = { .width = s->width, .align = s->left ? '<' : s->zero ? '=' : '>', .fill = s->zero && !s->left ? "0" : NULL, .filln = 1 };
	put_padded(b, &f, t.p, t.len, pre, '>');
	jj_live_pop(R, &t);
	jj_live_pop(R, &d);
}

static void pct_float(rt *R, int line, strbuf *b, value v, char conv, const pspec *s)
{
	if (!isnum(v) && v.t != V_BIG) jj_fail(R->e, line, "TypeError: must be real number, not %s", type_name(v));
	double x = v.t == V_FLOAT ? v.u.f : jj_int_to_double(R, line, v);
	char fl[8], *w = fl;
	*w++ = '%';
	if (s->left) *w++ = '-';
	if (s->plus) *w++ = '+'; else if (s->space) *w++ = ' ';
	if (s->alt) *w++ = '#';
	if (s->zero) *w++ = '0';
	*w = 0;
	char cf[16];
	snprintf(cf, sizeof cf, "%s*.*%c", fl, conv);
	strbuf_printf(b, cf, (int)(s->width < 0 ? 0 : s->width), (int)(s->prec < 0 ? 6 : s->prec), x);
}

/* one conversion's width or precision: digits or * (the next argument, an int) */
static long pct_num(rt *R, int line, const char **pp, const char *end, const vlist *t, size_t *ai, int is_map)
{
	const char *p = *pp;
	long v = -1;
	if (p < end && *p == '*') {
		if (is_map || *ai >= t->n) jj_fail(R->e, line, "TypeError: not enough arguments for format string");
		value x = t->v[(*ai)++];
		if (x.t != V_INT && x.t != V_BOOL) jj_fail(R->e, line, "TypeError: * wants int");
		v = x.t == V_BOOL ? x.u.b : x.u.i;
		if (v > FMT_MAXWIDTH || v < -FMT_MAXWIDTH) jj_fail(R->e, line, "unsupported: a format width or precision over %d", FMT_MAXWIDTH);
		p++;
	} else if (p < end && isdigit((unsigned char)*p)) v = spec_num(R, line, &p, end);
	*pp = p;
	return v;
}

/* printf-style formatting, Python's str % args: %s %r %a %d %i %u %x %X %o
 * %e %E %f %F %g %G %c %%, flags - + space # 0, width and precision (* too),
 * %(name)s with a dict */
value jj_percent_format(rt *R, int line, value fmt, value args)
{
	strbuf b = {0};
	jj_live_push(R, &b);
	const char *p = fmt.u.s.p, *end = p + fmt.u.s.n;
	int is_map = args.t == V_DICT;
	vlist one = { .v = &args, .n = 1, .cap = 1, .tuple = 1 };
	vlist *t = args.t == V_LIST && args.u.l->tuple ? args.u.l : &one;
	size_t ai = 0;
	while (p < end) {
		const char *pc = memchr(p, '%', (size_t)(end - p));
		if (!pc) { strbuf_put(&b, p, (size_t)(end - p)); break; }
		strbuf_put(&b, p, (size_t)(pc - p));
		p = pc + 1;
		value arg = V(V_UNDEF);
		int have = 0;
		if (p < end && *p == '(') {
			if (!is_map) jj_fail(R->e, line, "TypeError: format requires a mapping");
			int nest = 1;
			const char *k = ++p;
			while (p < end && nest) { if (*p == '(') nest++; else if (*p == ')') nest--; p++; }
			if (nest) jj_fail(R->e, line, "ValueError: incomplete format key");
			value *x = jj_dict_find(args.u.d, k, (size_t)(p - 1 - k));
			if (!x) jj_fail(R->e, line, "KeyError: '%.*s'", (int)(p - 1 - k), k);
			arg = *x; have = 1;
		}
		pspec s = { 0, 0, 0, 0, 0, -1, -1 };
		for (; p < end && strchr("-+ #0", *p); p++)
			switch (*p) { case '-': s.left = 1; break; case '+': s.plus = 1; break; case ' ': s.space = 1; break; case '#': s.alt = 1; break; default: s.zero = 1; }
		s.width = pct_num(R, line, &p, end, t, &ai, is_map && !have);
		if (s.width < -1) { s.left = 1; s.width = -s.width; }
		if (p < end && *p == '.') { p++; s.prec = pct_num(R, line, &p, end, t, &ai, is_map && !have); if (s.prec < 0) s.prec = 0; }
		while (p < end && (*p == 'h' || *p == 'l' || *p == 'L')) p++;
		if (p >= end) jj_fail(R->e, line, "ValueError: incomplete format");
		char conv = *p++;
		if (conv == '%') { strbuf_putc(&b, '%'); continue; }
		if (!have) {
			/* a mapping that is not a tuple is the one argument */
			if (ai >= t->n) jj_fail(R->e, line, "TypeError: not enough arguments for format string");
			arg = t->v[ai++];
		}
		switch (conv) {
		case 's': case 'r': case 'a': {
			strbuf piece = {0};
			jj_live_push(R, &piece);
			put_conv(R, line, &piece, arg, conv);
			if (fmt.markup && !(conv == 's' && arg.t == V_STR && arg.markup)) {
				/* Markup % x: each argument through escape (str(escape(x)), escape(repr(x))) */
				value e = jj_escape(R, vstr(piece.p ? piece.p : "", piece.len));
				strbuf_reset(&piece);
				strbuf_put(&piece, e.u.s.p, e.u.s.n);
			}
			size_t n = s.prec >= 0 ? jj_cp_offset(piece.p ? piece.p : "", piece.len, (size_t)s.prec) : piece.len;
			fspec f = { .width = s.width, .align = s.left ? '<' : '>' };
			put_padded(&b, &f, piece.p ? piece.p : "", n, 0, '>');
			jj_live_pop(R, &piece);
			break;
		}
		case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': pct_int(R, line, &b, arg, conv, &s); break;
		case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': pct_float(R, line, &b, arg, conv, &s); break;
		case 'c': {
			char u[4];
			if (fmt.markup) jj_fail(R->e, line, "TypeError: %%c requires an int or a unicode character, not _MarkupEscapeHelper");
			size_t k;
			/* one code point (a template string may hold bytes that are not UTF-8) */
			if (arg.t == V_STR && arg.u.s.n <= 4 && utf8_count(arg.u.s.p, arg.u.s.n) == 1) { memcpy(u, arg.u.s.p, arg.u.s.n); k = arg.u.s.n; }
			else if (arg.t == V_BOOL) k = (size_t)utf8_encode((uint32_t)arg.u.b, u);
			else if (arg.t == V_INT && arg.u.i >= 0 && arg.u.i <= 0x10FFFF && !(arg.u.i >= 0xD800 && arg.u.i < 0xE000)) k = (size_t)utf8_encode((uint32_t)arg.u.i, u);
			else if (jj_isint(arg)) jj_fail(R->e, line, "OverflowError: %%c arg not in range(0x110000)");
			else jj_fail(R->e, line, "TypeError: %%c requires an int or a unicode character, not %s", type_name(arg));
			fspec f = { .width = s.width, .align = s.left ? '<' : '>' };
			put_padded(&b, &f, u, k, 0, '>');
			break;
		}
		default: jj_fail(R->e, line, "ValueError: unsupported format character '%c' (0x%x) at index %ld", conv, (unsigned char)conv, (long)(p - 1 - fmt.u.s.p));
		}
	}
	/* CPython skips this check for any argument with __getitem__ but a tuple or str: dicts, lists,
	 * ranges (not generators or dict views), and jinja2's Undefined (whose __getitem__ raises) */
	const int getitem = (args.t == V_LIST && !args.u.l->tuple && !args.u.l->gen && (!args.u.l->view || args.u.l->view == 4)) || args.t == V_UNDEF;
	if (!is_map && !getitem && ai < t->n) jj_fail(R->e, line, "TypeError: not all arguments converted during string formatting");
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	r.markup = fmt.markup;   /* Markup.__mod__ gives a Markup */
	jj_live_pop(R, &b);
	return r;
}

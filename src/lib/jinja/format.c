/* format.c — values printed as Python prints them: str(), repr(), the float
 * repr, json.dumps (transformers' tojson), str % args and str.format. See
 * jinja_int.h. */
#include "jinja/jinja_int.h"

#include <utf8proc.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Python's repr of a float, the shortest that reads back */
static void put_float(strbuf *b, double f)
{
	if (isnan(f)) { strbuf_puts(b, "nan"); return; }
	if (isinf(f)) { strbuf_puts(b, f < 0 ? "-inf" : "inf"); return; }
	char buf[40];
	int p;
	for (p = 1; p <= 17; p++) { snprintf(buf, sizeof buf, "%.*e", p - 1, f); if (strtod(buf, NULL) == f) break; }
	/* buf: d.ddde±XX with p digits */
	char digits[24]; int nd = 0, neg = buf[0] == '-';
	const char *q = buf + neg;
	for (; *q && *q != 'e'; q++) if (isdigit((unsigned char)*q)) digits[nd++] = *q;
	int exp = atoi(q + 1);
	while (nd > 1 && digits[nd - 1] == '0') nd--;
	if (neg) strbuf_putc(b, '-');
	if (exp >= -4 && exp < 16) {   /* repr switches to an exponent below 1e-4 and from 1e16 */
		if (exp < 0) {
			strbuf_puts(b, "0.");
			for (int k = 0; k < -exp - 1; k++) strbuf_putc(b, '0');
			strbuf_put(b, digits, (size_t)nd);
		} else {
			for (int k = 0; k <= exp; k++) strbuf_putc(b, k < nd ? digits[k] : '0');
			strbuf_putc(b, '.');
			if (nd > exp + 1) strbuf_put(b, digits + exp + 1, (size_t)(nd - exp - 1));
			else strbuf_putc(b, '0');
		}
	} else {
		strbuf_putc(b, digits[0]);
		if (nd > 1) { strbuf_putc(b, '.'); strbuf_put(b, digits + 1, (size_t)(nd - 1)); }
		strbuf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
	}
}

static void put_repr(rt *R, strbuf *b, value v);
/* str(v) as Python prints it */
void jj_put_str(rt *R, strbuf *b, value v)
{
	switch (v.t) {
	case V_UNDEF: return;
	case V_NONE: strbuf_puts(b, "None"); return;
	case V_BOOL: strbuf_puts(b, v.u.b ? "True" : "False"); return;
	case V_INT: case V_BIG: jj_put_int(R, 0, b, v); return;
	case V_FLOAT: put_float(b, v.u.f); return;
	case V_STR: strbuf_put(b, v.u.s.p, v.u.s.n); return;
	default: put_repr(R, b, v);
	}
}
static void put_repr(rt *R, strbuf *b, value v)
{
	switch (v.t) {
	case V_STR: {
		int dq = memchr(v.u.s.p, '\'', v.u.s.n) && !memchr(v.u.s.p, '"', v.u.s.n);
		char qc = dq ? '"' : '\'';
		strbuf_putc(b, qc);
		for (size_t i = 0; i < v.u.s.n; i++) {
			unsigned char c = (unsigned char)v.u.s.p[i];
			if (c == '\\') strbuf_puts(b, "\\\\");
			else if (c == (unsigned char)qc) { strbuf_putc(b, '\\'); strbuf_putc(b, (char)c); }
			else if (c == '\n') strbuf_puts(b, "\\n");
			else if (c == '\t') strbuf_puts(b, "\\t");
			else if (c == '\r') strbuf_puts(b, "\\r");
			else if (c < 0x20 || c == 0x7f) strbuf_printf(b, "\\x%02x", c);
			else if (c >= 0x80) {
				/* repr escapes what Python finds unprintable: controls, format
				 * characters, separators other than the space, unassigned */
				uint32_t cp;
				size_t k = (size_t)utf8_decode(v.u.s.p + i, v.u.s.n - i, &cp);
				utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
				if (cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_CS ||
				    cat == UTF8PROC_CATEGORY_CO || cat == UTF8PROC_CATEGORY_CN || cat == UTF8PROC_CATEGORY_ZL ||
				    cat == UTF8PROC_CATEGORY_ZP || cat == UTF8PROC_CATEGORY_ZS)
					strbuf_printf(b, cp < 0x100 ? "\\x%02x" : cp < 0x10000 ? "\\u%04x" : "\\U%08x", cp);
				else strbuf_put(b, v.u.s.p + i, k);
				i += k - 1;
			} else strbuf_putc(b, (char)c);
		}
		strbuf_putc(b, qc);
		return;
	}
	case V_LIST:
		if (v.u.l->view == 4) {   /* Python's repr: range(0, 3), range(0, 9, 2) */
			strbuf_puts(b, "range(");
			jj_put_int(R, 0, b, v.u.l->range[0]);
			strbuf_puts(b, ", ");
			jj_put_int(R, 0, b, v.u.l->range[1]);
			if (v.u.l->range[2].t != V_INT || v.u.l->range[2].u.i != 1) { strbuf_puts(b, ", "); jj_put_int(R, 0, b, v.u.l->range[2]); }
			strbuf_putc(b, ')');
			return;
		}
		if (v.u.l->view) strbuf_puts(b, v.u.l->view == 1 ? "dict_items(" : v.u.l->view == 2 ? "dict_keys(" : "dict_values(");
		strbuf_putc(b, v.u.l->tuple ? '(' : '[');
		for (size_t i = 0; i < v.u.l->n; i++) { if (i) strbuf_puts(b, ", "); put_repr(R, b, v.u.l->v[i]); }
		if (v.u.l->tuple && v.u.l->n == 1) strbuf_putc(b, ',');
		strbuf_putc(b, v.u.l->tuple ? ')' : ']');
		if (v.u.l->view) strbuf_putc(b, ')');
		return;
	case V_UNDEF: strbuf_puts(b, "Undefined"); return;
	case V_DICT: case V_NS:
		if (v.t == V_DICT && v.u.d->loop) {   /* jinja2's LoopContext repr: index/length */
			strbuf_printf(b, "<LoopContext %lld/%lld>", (long long)v.u.d->v[0].u.i, (long long)v.u.d->v[6].u.i);
			return;
		}
		if (v.t == V_NS) strbuf_puts(b, "<Namespace ");
		strbuf_putc(b, '{');
		for (size_t i = 0; i < v.u.d->n; i++) {
			if (i) strbuf_puts(b, ", ");
			put_repr(R, b, jj_dict_key(v.u.d, i));
			strbuf_puts(b, ": ");
			put_repr(R, b, v.u.d->v[i]);
		}
		strbuf_putc(b, '}');
		if (v.t == V_NS) strbuf_putc(b, '>');
		return;
	case V_MACRO: case V_CALLER:   /* jinja2's Macro repr */
		if (v.t == V_CALLER || v.u.mac.m->type != N_MACRO) strbuf_puts(b, "<Macro 'caller'>");
		else strbuf_printf(b, "<Macro '%.*s'>", (int)v.u.mac.m->nlen, v.u.mac.m->name);
		return;
	case V_FUNC: jj_fail(R->e, 0, "unsupported: printing a function (Python prints its address)");
	default: jj_put_str(R, b, v);
	}
}


static void put_json_indent(strbuf *b, const jsonopt *o, int level)
{
	strbuf_putc(b, '\n');
	for (int k = 0; k < level; k++) strbuf_put(b, o->indent, o->indent_n);
}

/* json.dumps turns the keys it can into strings: 1 "1", 1.5 "1.5", True
 * "true", None "null" */
static void put_json_key(rt *R, strbuf *b, value k, const jsonopt *o)
{
	if (k.t == V_STR) { jj_put_json(R, b, k, o, 0); return; }
	if (k.t != V_INT && k.t != V_BIG && k.t != V_FLOAT && k.t != V_BOOL && k.t != V_NONE)
		jj_fail(R->e, 0, "tojson: keys must be str, int, float, bool or None, not %s", k.t == V_LIST ? "tuple" : jj_tname(k.t));
	strbuf_putc(b, '"');
	jj_put_json(R, b, k, o, 0);
	strbuf_putc(b, '"');
}

void jj_put_json(rt *R, strbuf *b, value v, const jsonopt *o, int level)
{
	if (level > 200) jj_fail(R->e, 0, "tojson: nested more than 200 deep");
	switch (v.t) {
	case V_NONE: strbuf_puts(b, "null"); return;
	case V_BOOL: strbuf_puts(b, v.u.b ? "true" : "false"); return;
	case V_INT: case V_BIG: jj_put_int(R, 0, b, v); return;
	case V_FLOAT:
		if (isnan(v.u.f)) strbuf_puts(b, "NaN");
		else if (isinf(v.u.f)) strbuf_puts(b, v.u.f < 0 ? "-Infinity" : "Infinity");
		else put_float(b, v.u.f);
		return;
	case V_STR:
		strbuf_putc(b, '"');
		for (size_t i = 0; i < v.u.s.n; i++) {
			unsigned char c = (unsigned char)v.u.s.p[i];
			switch (c) {
			case '"': strbuf_puts(b, "\\\""); break;
			case '\\': strbuf_puts(b, "\\\\"); break;
			case '\n': strbuf_puts(b, "\\n"); break;
			case '\r': strbuf_puts(b, "\\r"); break;
			case '\t': strbuf_puts(b, "\\t"); break;
			case '\b': strbuf_puts(b, "\\b"); break;
			case '\f': strbuf_puts(b, "\\f"); break;
			default:
				if (c < 0x20 || (o->ascii && c == 0x7f)) strbuf_printf(b, "\\u%04x", c);
				else if (c < 0x80 || !o->ascii) strbuf_putc(b, (char)c);
				else {
					/* ensure_ascii: \uXXXX, surrogate pairs above the BMP */
					uint32_t cp;
					i += (size_t)utf8_decode(v.u.s.p + i, v.u.s.n - i, &cp) - 1;
					if (cp >= 0x10000) {
						cp -= 0x10000;
						strbuf_printf(b, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
					} else strbuf_printf(b, "\\u%04x", cp);
				}
			}
		}
		strbuf_putc(b, '"');
		return;
	case V_LIST: case V_DICT: case V_NS: {
		if (v.t == V_LIST && v.u.l->view) jj_fail(R->e, 0, "tojson: Object of type %s is not JSON serializable", v.u.l->view == 1 ? "dict_items" : v.u.l->view == 2 ? "dict_keys" : v.u.l->view == 3 ? "dict_values" : "range");
		if (v.t == V_NS) jj_fail(R->e, 0, "tojson: Object of type Namespace is not JSON serializable");
		int isl = v.t == V_LIST;
		size_t n = isl ? v.u.l->n : v.u.d->n;
		strbuf_putc(b, isl ? '[' : '{');
		if (!n) { strbuf_putc(b, isl ? ']' : '}'); return; }
		size_t *ord = arena_alloc(R->ar, n * sizeof *ord);
		for (size_t i = 0; i < n; i++) ord[i] = i;
		if (!isl && o->sort)   /* insertion sort of the keys */
			for (size_t i = 1; i < n; i++)
				for (size_t j = i; j > 0; j--) {
					if (v.u.d->kv) {   /* Python's sorted(): numbers with numbers, else a TypeError */
						value kx = jj_dict_key(v.u.d, ord[j - 1]), ky = jj_dict_key(v.u.d, ord[j]);
						if (jj_vcompare(R, 0, kx, ky) > 0) { size_t t = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = t; continue; }
						break;
					}
					struct vkey *x = &v.u.d->k[ord[j - 1]], *y = &v.u.d->k[ord[j]];
					size_t m = x->n < y->n ? x->n : y->n;
					int c = memcmp(x->p, y->p, m);
					if (c > 0 || (c == 0 && x->n > y->n)) { size_t t = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = t; } else break;
				}
		for (size_t i = 0; i < n; i++) {
			if (i) strbuf_puts(b, o->isep);
			if (o->indent) put_json_indent(b, o, level + 1);
			if (isl) jj_put_json(R, b, v.u.l->v[i], o, level + 1);
			else {
				put_json_key(R, b, jj_dict_key(v.u.d, ord[i]), o);
				strbuf_puts(b, o->ksep);
				jj_put_json(R, b, v.u.d->v[ord[i]], o, level + 1);
			}
		}
		if (o->indent) put_json_indent(b, o, level);
		strbuf_putc(b, isl ? ']' : '}');
		return;
	}
	default: jj_fail(R->e, 0, "tojson: Object of type %s is not JSON serializable", v.t == V_UNDEF ? "Undefined" : jj_tname(v.t));
	}
}


static void put_repr(rt *R, strbuf *b, value v);

/* printf-style formatting, Python's str % args: %s %r %d %i %u %f %F %e %E %g
 * %G %x %X %o %c %%, flags - + space # 0, width and precision (* too), and
 * %(name)s with a dict. */
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
		if (p >= end) jj_fail(R->e, line, "incomplete format");
		value arg = V(V_UNDEF);
		int have = 0;
		if (*p == '(') {
			const char *q = memchr(p, ')', (size_t)(end - p));
			if (!q || !is_map) jj_fail(R->e, line, "format requires a mapping");
			value *x = jj_dict_find(args.u.d, p + 1, (size_t)(q - p - 1));
			if (!x) jj_fail(R->e, line, "format: no key '%.*s'", (int)(q - p - 1), p + 1);
			arg = *x; have = 1;
			p = q + 1;
		}
		char flags[8]; int nf = 0;
		while (p < end && strchr("-+ #0", *p) && nf < 7) flags[nf++] = *p++;
		flags[nf] = 0;
		int width = -1, prec = -1;
		if (p < end && *p == '*') {
			if (ai >= t->n || t->v[ai].t != V_INT) jj_fail(R->e, line, "* wants int");
			width = (int)t->v[ai++].u.i; p++;
		} else if (p < end && isdigit((unsigned char)*p)) { width = 0; while (p < end && isdigit((unsigned char)*p) && width < 100000) width = width * 10 + (*p++ - '0'); }
		if (p < end && *p == '.') {
			p++;
			prec = 0;
			if (p < end && *p == '*') {
				if (ai >= t->n || t->v[ai].t != V_INT) jj_fail(R->e, line, "* wants int");
				prec = (int)t->v[ai++].u.i; p++;
			} else while (p < end && isdigit((unsigned char)*p) && prec < 100000) prec = prec * 10 + (*p++ - '0');
		}
		while (p < end && (*p == 'h' || *p == 'l' || *p == 'L')) p++;
		if (p >= end) jj_fail(R->e, line, "incomplete format");
		char conv = *p++;
		if (conv == '%') { strbuf_putc(&b, '%'); continue; }
		if (width > 10000 || prec > 10000) jj_fail(R->e, line, "format: width or precision too large");
		if (!have) {
			if (is_map) arg = args;
			else { if (ai >= t->n) jj_fail(R->e, line, "not enough arguments for format string"); arg = t->v[ai++]; }
		}
		char spec[32];
		strbuf piece = {0};
		jj_live_push(R, &piece);
		switch (conv) {
		case 's': case 'r': case 'a': {
			if (conv == 's') jj_put_str(R, &piece, arg); else put_repr(R, &piece, arg);
			size_t n = piece.len;
			if (prec >= 0) n = jj_cp_offset(piece.p ? piece.p : "", piece.len, (size_t)prec);
			value sv = jj_str_pad(R, vstr(rdup(R, piece.p ? piece.p : "", n), n), width, ' ', strchr(flags, '-') ? '<' : '>');
			strbuf_put(&b, sv.u.s.p, sv.u.s.n);
			break;
		}
		case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': {
			int64_t x;
			if (arg.t == V_INT) x = arg.u.i;
			else if (arg.t == V_BOOL) x = arg.u.b;
			else if (arg.t == V_FLOAT && (conv == 'd' || conv == 'i' || conv == 'u') && isfinite(arg.u.f) && fabs(arg.u.f) < 9.2e18) x = (int64_t)arg.u.f;
			else jj_fail(R->e, line, "%%%c format: a real number is required, not %s", conv, jj_tname(arg.t));
			char c2 = conv == 'i' || conv == 'u' ? 'd' : conv;
			snprintf(spec, sizeof spec, "%%%s%s%s%sll%c", flags, width >= 0 ? "*" : "", prec >= 0 ? "." : "", prec >= 0 ? "*" : "", c2);
			if (strchr(flags, '#') && conv == 'o') jj_fail(R->e, line, "unsupported: %%#o (Python writes 0o)");
			if (width >= 0 && prec >= 0) strbuf_printf(&b, spec, width, prec, (long long)x);
			else if (width >= 0) strbuf_printf(&b, spec, width, (long long)x);
			else if (prec >= 0) strbuf_printf(&b, spec, prec, (long long)x);
			else strbuf_printf(&b, spec, (long long)x);
			break;
		}
		case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': {
			if (!isnum(arg)) jj_fail(R->e, line, "%%%c format: a real number is required, not %s", conv, jj_tname(arg.t));
			snprintf(spec, sizeof spec, "%%%s%s%s%s%c", flags, width >= 0 ? "*" : "", prec >= 0 ? "." : "", prec >= 0 ? "*" : "", conv);
			double x = numval(arg);
			if (width >= 0 && prec >= 0) strbuf_printf(&b, spec, width, prec, x);
			else if (width >= 0) strbuf_printf(&b, spec, width, x);
			else if (prec >= 0) strbuf_printf(&b, spec, prec, x);
			else strbuf_printf(&b, spec, x);
			break;
		}
		case 'c': {
			if (arg.t == V_STR && jj_cp_count(arg.u.s.p, arg.u.s.n) == 1) strbuf_put(&b, arg.u.s.p, arg.u.s.n);
			else if (arg.t == V_INT && arg.u.i >= 0 && arg.u.i <= 0x10FFFF && !(arg.u.i >= 0xD800 && arg.u.i < 0xE000)) { char u[4]; strbuf_put(&b, u, (size_t)utf8_encode((uint32_t)arg.u.i, u)); }
			else jj_fail(R->e, line, "%%c requires an int or a single character");
			break;
		}
		default: jj_fail(R->e, line, "unsupported format character '%c'", conv);
		}
		jj_live_pop(R, &piece);
	}
	if (!is_map && ai < t->n) jj_fail(R->e, line, "not all arguments converted during string formatting");
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	return r;
}

/* str.format: {} {0} {name} with !s / !r; a format spec is refused by name */
value jj_brace_format(rt *R, int line, value fmt, const args *a)
{
	strbuf b = {0};
	jj_live_push(R, &b);
	const char *p = fmt.u.s.p, *end = p + fmt.u.s.n;
	int autoi = 0, manual = 0;
	while (p < end) {
		char c = *p;
		if (c == '}') {
			if (p + 1 < end && p[1] == '}') { strbuf_putc(&b, '}'); p += 2; continue; }
			jj_fail(R->e, line, "Single '}' encountered in format string");
		}
		if (c != '{') { strbuf_putc(&b, c); p++; continue; }
		if (p + 1 < end && p[1] == '{') { strbuf_putc(&b, '{'); p += 2; continue; }
		const char *q = p + 1;
		while (q < end && *q != '}' && *q != '!' && *q != ':') q++;
		const char *fe = q;
		char conv = 's';
		if (q < end && *q == '!') { if (q + 1 >= end) jj_fail(R->e, line, "end of string while looking for conversion specifier"); conv = q[1]; q += 2; }
		if (q < end && *q == ':') {
			if (q + 1 < end && q[1] != '}') jj_fail(R->e, line, "unsupported: format specs in str.format ('%.*s')", (int)(end - p > 20 ? 20 : end - p), p);
			q++;
		}
		if (q >= end || *q != '}') jj_fail(R->e, line, "expected '}' before end of string");
		value arg;
		const char *fs = p + 1;
		if (fe == fs) {
			if (manual) jj_fail(R->e, line, "cannot switch from manual field specification to automatic field numbering");
			if (autoi >= a->n) jj_fail(R->e, line, "Replacement index %d out of range for positional args tuple", autoi);
			arg = a->v[autoi++];
		} else {
			int digits = 1;
			for (const char *x = fs; x < fe; x++) digits &= isdigit((unsigned char)*x) != 0;
			if (digits) {
				if (autoi) jj_fail(R->e, line, "cannot switch from automatic field numbering to manual field specification");
				manual = 1;
				long k = fe - fs > 6 ? 1000000 : strtol(fs, NULL, 10);
				if (k >= a->n) jj_fail(R->e, line, "Replacement index %ld out of range for positional args tuple", k);
				arg = a->v[k];
			} else {
				int found = 0;
				for (const char *x = fs; x < fe; x++) if (*x == '.' || *x == '[') jj_fail(R->e, line, "unsupported: attribute or index in a str.format field");
				if (a->nk)
					for (int i = 0; i < a->nk; i++)
						if (a->kl[i] == (size_t)(fe - fs) && !memcmp(a->kn[i], fs, (size_t)(fe - fs))) { arg = a->kw[i]; found = 1; }
				if (!found) jj_fail(R->e, line, "KeyError: '%.*s'", (int)(fe - fs), fs);
			}
		}
		if (conv == 's') jj_put_str(R, &b, arg);
		else if (conv == 'r' || conv == 'a') put_repr(R, &b, arg);
		else jj_fail(R->e, line, "Unknown conversion specifier %c", conv);
		p = q + 1;
	}
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	return r;
}

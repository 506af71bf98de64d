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
	if (v.t == V_LIST && v.u.l->gen) jj_fail(R->e, 0, "unsupported: printing a generator (Python prints its address)");
	if (v.t == V_STR && v.markup) {
		v.markup = 0;
		strbuf_puts(b, "Markup(");
		put_repr(R, b, v);
		strbuf_putc(b, ')');
		return;
	}
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
		if (v.t == V_CALLER || v.u.mac.m->type != N_MACRO) strbuf_puts(b, "<Macro anonymous>");   /* a call block's caller has no name */
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
		if (v.t == V_LIST && v.u.l->gen) jj_fail(R->e, 0, "tojson: Object of type generator is not JSON serializable");
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

void jj_put_repr(rt *R, strbuf *b, value v) { put_repr(R, b, v); }

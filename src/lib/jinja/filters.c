/* filters.c — jinja2's filters and tests. See jinja_int.h. */
#include "jinja/jinja_int.h"

#include <utf8proc.h>

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* jinja2's make_attrgetter: "a.b.0" looks up a, then b, then item 0, each
 * through the sandbox's getitem; dflt (NULL: none) stands in for each
 * undefined step. A step on an undefined value (the item itself, or what
 * a step before found) is its UndefinedError: Undefined's __getitem__
 * raises, and getitem lets that through. */
static value attr_path_d(rt *R, int line, value x, value attr, const value *dflt)
{
	if (x.t == V_UNDEF) jj_fail(R->e, line, "UndefinedError: an item is undefined");
	if (attr.t == V_INT) return x.t == V_LIST || x.t == V_STR || x.t == V_DICT ? jj_getitem(R, line, x, attr) : V(V_UNDEF);
	if (attr.t != V_STR) jj_fail(R->e, line, "an attribute name must be a string, not a %s", jj_tname(attr.t));
	const char *p = attr.u.s.p, *end = p + attr.u.s.n;
	while (1) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		const char *e = dot ? dot : end;
		int digits = e > p;
		for (const char *q = p; q < e; q++) digits &= isdigit((unsigned char)*q) != 0;
		if (digits && e - p < 18) {
			int64_t k = 0;
			for (const char *q = p; q < e; q++) k = k * 10 + (*q - '0');
			x = x.t == V_LIST || x.t == V_STR || x.t == V_DICT ? jj_getitem(R, line, x, vint(k)) : V(V_UNDEF);
		} else if (x.t == V_DICT || x.t == V_NS) {
			value *y = jj_dict_find(x.u.d, p, (size_t)(e - p));
			x = y ? *y : V(V_UNDEF);
		} else if (x.t == V_LIST && x.u.l->tuple == 2 && (e - p == 7 || e - p == 4) && !memcmp(p, e - p == 7 ? "grouper" : "list", (size_t)(e - p))) {
			x = x.u.l->v[e - p == 7 ? 0 : 1];   /* groupby's (grouper, list) */
		} else if (x.t == V_INT || x.t == V_BIG || x.t == V_BOOL || x.t == V_FLOAT) {
			x = jj_getattr(R, line, x, p, (size_t)(e - p));   /* getitem fails, getattr finds real, imag */
		} else x = V(V_UNDEF);
		if (x.t == V_UNDEF && dflt) x = *dflt;
		if (!dot) return x;
		/* getitem on an undefined value is jinja2's UndefinedError */
		if (x.t == V_UNDEF) jj_fail(R->e, line, "UndefinedError: '%.*s' is undefined", (int)(e - attr.u.s.p), attr.u.s.p);
		p = dot + 1;
	}
}
static value attr_path(rt *R, int line, value x, value attr) { return attr_path_d(R, line, x, attr, NULL); }

/* jinja2's ignore_case: strings compare lower-cased unless case_sensitive */
static value sort_key(rt *R, value v, int case_sensitive)
{
	if (case_sensitive || v.t != V_STR) return v;
	return jj_case_conv(R, v, 'l');
}


static int is_nan(value v) { return v.t == V_FLOAT && isnan(v.u.f); }

/* Python's a < b on two sort keys (a sort key list compares as list.__lt__:
 * the first items that differ decide) */
static int key_lt(rt *R, int line, value a, value b) { return jj_vorder(R, line, C_LT, a, b); }

/* A stable merge sort of vals by keys (Python's sorted is stable; it asks
 * only <, and reverse keeps equal items in order). */
static void sort_values(rt *R, int line, value *vals, value *keys, size_t n, int rev)
{
	if (n < 2) return;
	/* NaN makes Python's order turn on timsort's own comparisons */
	for (size_t i = 0; i < n; i++) {
		int nan = is_nan(keys[i]);
		if (keys[i].t == V_LIST) for (size_t k = 0; k < keys[i].u.l->n; k++) nan |= is_nan(keys[i].u.l->v[k]);
		if (nan) jj_fail(R->e, line, "unsupported: comparing NaN");
	}
	value *tv = arena_alloc(R->ar, n * sizeof *tv), *tk = arena_alloc(R->ar, n * sizeof *tk);
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, o = lo;
			while (i < mid && j < hi) {
				/* take from the right only when strictly before (after, reversed): stability */
				if (rev ? key_lt(R, line, keys[i], keys[j]) : key_lt(R, line, keys[j], keys[i])) { tv[o] = vals[j]; tk[o++] = keys[j++]; }
				else { tv[o] = vals[i]; tk[o++] = keys[i++]; }
			}
			while (i < mid) { tv[o] = vals[i]; tk[o++] = keys[i++]; }
			while (j < hi) { tv[o] = vals[j]; tk[o++] = keys[j++]; }
		}
		memcpy(vals, tv, n * sizeof *vals);
		memcpy(keys, tk, n * sizeof *keys);
	}
}

static value f_length(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)a;
	(void)mode;
	int line = n->line;
	if (v.t == V_STR) {
		return vint((int64_t)utf8_count(v.u.s.p, v.u.s.n));
	}
	if (v.t == V_LIST && v.u.l->gen) jj_fail(R->e, line, "TypeError: object of type 'generator' has no len()");
	if (v.t == V_LIST) return vint((int64_t)v.u.l->n);
	if (v.t == V_DICT) return vint((int64_t)v.u.d->n);
	if (v.t == V_UNDEF) return vint(0);
	if (v.t == V_NS) jj_fail(R->e, line, "TypeError: object of type 'Namespace' has no len()");
	jj_fail(R->e, line, "length of a %s", jj_tname(v.t));
}

static value f_trim(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	(void)n;
	value s = jj_tostr(R, v);
	value ch = jj_kwarg(a, "chars", 0, V(V_NONE));
	return jj_strip(R, s, 1, 1, ch.t == V_STR ? &ch : NULL);
}

/* upper, lower, capitalize, title: mode is jj_case_conv's letter */
static value f_case(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)a;
	(void)n;
	return jj_case_conv(R, jj_tostr(R, v), (char)mode);
}

static value f_tojson(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	/* transformers' filter: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False) */
	value asc = jj_kwarg(a, "ensure_ascii", 0, vbool(0));
	value ind = jj_kwarg(a, "indent", 1, V(V_NONE));
	value sep = jj_kwarg(a, "separators", 2, V(V_NONE));
	value sk = jj_kwarg(a, "sort_keys", 3, vbool(0));
	jsonopt o = { NULL, 0, ", ", ": ", jj_truthy(asc), jj_truthy(sk) };
	if (ind.t == V_INT || ind.t == V_BOOL) {
		/* json.dumps: an int indent is that many spaces (none when < 1, but still newlines) */
		int64_t k = ind.t == V_INT ? ind.u.i : ind.u.b;
		if (k > 64) jj_fail(R->e, line, "tojson: indent of more than 64");
		char *sp = arena_alloc(R->ar, (size_t)(k > 0 ? k : 0) + 1);
		memset(sp, ' ', (size_t)(k > 0 ? k : 0));
		o.indent = sp; o.indent_n = (size_t)(k > 0 ? k : 0);
	} else if (ind.t == V_STR) { o.indent = ind.u.s.p; o.indent_n = ind.u.s.n; }
	else if (ind.t != V_NONE) jj_fail(R->e, line, "tojson: indent must be an int or a string, not a %s", jj_tname(ind.t));
	if (o.indent) o.isep = ",";
	if (sep.t == V_LIST && sep.u.l->n == 2 && sep.u.l->v[0].t == V_STR && sep.u.l->v[1].t == V_STR) {
		o.isep = rdup(R, sep.u.l->v[0].u.s.p, sep.u.l->v[0].u.s.n);
		o.ksep = rdup(R, sep.u.l->v[1].u.s.p, sep.u.l->v[1].u.s.n);
	} else if (sep.t != V_NONE) jj_fail(R->e, line, "tojson: separators must be a pair of strings");
	strbuf b = {0};
	jj_live_push(R, &b);
	jj_put_json(R, &b, v, &o, 0);
	value s = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	return s;
}

static value f_items(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)a;
	(void)mode;
	int line = n->line;
	if (v.t == V_UNDEF) return vlistv(jj_list_new(R, 1));
	if (v.t != V_DICT) jj_fail(R->e, line, "TypeError: Can only get item pairs from a mapping.");
	vlist *l = jj_list_new(R, v.u.d->n);
	for (size_t i = 0; i < v.u.d->n; i++) {
		vlist *p = jj_list_new(R, 2);
		p->tuple = 1;
		jj_list_push(R, p, jj_dict_key(v.u.d, i));
		jj_list_push(R, p, v.u.d->v[i]);
		jj_list_push(R, l, vlistv(p));
	}
	return vlistv(l);
}

static value f_dictsort(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	/* dictsort(value, case_sensitive=False, by='key', reverse=False) */
	if (v.t != V_DICT) jj_fail(R->e, line, "dictsort of a %s", jj_tname(v.t));
	int cs = jj_truthy(jj_kwarg(a, "case_sensitive", 0, vbool(0)));
	value by = jj_kwarg(a, "by", 1, vstr("key", 3));
	int rev = jj_truthy(jj_kwarg(a, "reverse", 2, vbool(0)));
	int pos = by.t == V_STR && by.u.s.n == 5 && !memcmp(by.u.s.p, "value", 5);
	vlist *l = jj_list_new(R, v.u.d->n);
	for (size_t i = 0; i < v.u.d->n; i++) {
		vlist *p = jj_list_new(R, 2);
		p->tuple = 1;
		jj_list_push(R, p, jj_dict_key(v.u.d, i));
		jj_list_push(R, p, v.u.d->v[i]);
		jj_list_push(R, l, vlistv(p));
	}
	value *keys = arena_alloc(R->ar, (l->n + 1) * sizeof *keys);
	for (size_t i = 0; i < l->n; i++) keys[i] = sort_key(R, l->v[i].u.l->v[pos], cs);
	sort_values(R, line, l->v, keys, l->n, rev);
	return vlistv(l);
}

static value f_default(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	(void)n;
	(void)R;
	value dv = jj_kwarg(a, "default_value", 0, vstr("", 0));
	value bo = jj_kwarg(a, "boolean", 1, vbool(0));
	if (v.t == V_UNDEF || (jj_truthy(bo) && !jj_truthy(v))) return dv;
	return v;
}

static value f_join(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	vlist *l = jj_to_items(R, line, v, "join");
	value sep = jj_kwarg(a, "d", 0, vstr("", 0));
	value attr = jj_kwarg(a, "attribute", 1, V(V_NONE));
	strbuf b = {0};
	jj_live_push(R, &b);
	for (size_t i = 0; i < l->n; i++) {
		if (i) jj_put_str(R, &b, sep);
		value x = l->v[i];
		if (attr.t != V_NONE) x = attr_path(R, line, x, attr);
		jj_put_str(R, &b, x);
	}
	value s = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	return s;
}

static value f_first(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)a;
	int line = n->line;
	if (v.t == V_UNDEF && (mode == 0)) return V(V_UNDEF);
	if (v.t == V_LIST && v.u.l->gen) {
		/* first: next(iter(g)), one item used; last: reversed(g) is a TypeError */
		if (mode) jj_fail(R->e, line, "TypeError: 'generator' object is not reversible");
		vlist *g = v.u.l;
		if (g->pos < g->n) return g->v[g->pos++];
		if (g->err) jj_fail_again(R->e, g->err, g->err_unsupported);
		return V(V_UNDEF);
	}
	vlist *l = jj_to_items(R, line, v, (mode == 0) ? "first" : "last");
	if (!l->n) return V(V_UNDEF);
	return l->v[(mode == 0) ? 0 : l->n - 1];
}

static value f_replace(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	value s = jj_tostr(R, v), old = jj_kwarg(a, "old", 0, V(V_UNDEF)), nw = jj_kwarg(a, "new", 1, V(V_UNDEF));
	value cnt = jj_kwarg(a, "count", 2, V(V_NONE));
	(void)line;
	/* str(s).replace(str(old), str(new), count): jinja2 with autoescape off */
	old = jj_tostr(R, old);
	nw = jj_tostr(R, nw);
	return jj_str_replace(R, s, old, nw, cnt.t == V_INT ? cnt.u.i : -1);
}

static value f_string(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)n;
	(void)a;
	switch (mode) {
	case 1: return vmarkup(jj_tostr(R, v));                 /* safe: Markup(v) */
	case 2: case 3: return jj_escape(R, v);                 /* e, escape: a Markup stays as it is */
	case 4: { value s = jj_tostr(R, v); s.markup = 0; return jj_escape(R, s); }   /* forceescape: escape(str(v)) */
	}
	return jj_tostr(R, v);                                  /* string: soft_str keeps a Markup */
}

static value f_int(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	/* int(value), else int(float(value)), else the default */
	value dflt = jj_kwarg(a, "default", 0, vint(0));
	value base = jj_kwarg(a, "base", 1, vint(10));
	if (v.t == V_UNDEF) jj_fail(R->e, line, "UndefinedError: int() of an undefined value");   /* Undefined.__int__ */
	if (v.t == V_INT || v.t == V_BIG) return v;
	if (v.t == V_BOOL) return vint(v.u.b);
	/* int(nan) is a ValueError (the default), int(inf) an OverflowError jinja2
	 * lets through, but for int(float(s)) of a string, which it catches */
	if (v.t == V_FLOAT) return isnan(v.u.f) ? dflt : jj_int_from_double(R, line, v.u.f);
	if (v.t == V_STR) {
		value x;
		if (jj_py_int(R, v.u.s.p, v.u.s.n, base.t == V_INT ? (int)base.u.i : 10, &x)) return x;
		double d;
		if (jj_py_float(v.u.s.p, v.u.s.n, &d)) return isfinite(d) ? jj_int_from_double(R, line, d) : dflt;
	}
	return dflt;
}

static value f_float(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)n;
	(void)mode;
	value r = V(V_FLOAT);
	if (v.t == V_UNDEF) jj_fail(R->e, n->line, "UndefinedError: float() of an undefined value");   /* Undefined.__float__ */
	if (v.t == V_FLOAT) return v;
	if (v.t == V_INT || v.t == V_BOOL) { r.u.f = numval(v); return r; }
	if (v.t == V_BIG) { r.u.f = jj_int_to_double(R, n->line, v); return r; }   /* an OverflowError past DBL_MAX */
	if (v.t == V_STR && jj_py_float(v.u.s.p, v.u.s.n, &r.u.f)) return r;
	return jj_kwarg(a, "default", 0, r);   /* r is 0.0 here */
}

static value f_abs(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	(void)a;
	int line = n->line;
	if (v.t == V_INT || v.t == V_BIG) return jj_int_abs(R, line, v);
	if (v.t == V_BOOL) return vint(v.u.b);
	if (v.t == V_FLOAT) { value r = v; r.u.f = fabs(v.u.f); return r; }
	jj_fail(R->e, line, "bad operand type for abs(): '%s'", jj_tname(v.t));
}

/* round of an int: common rounds to a multiple of 10^-prec, half to even,
 * exactly (an int); floor and ceil are jinja2's math.floor(v * 10**prec) /
 * 10**prec, a float */
static value round_int(rt *R, int line, value v, int64_t prec, int method)
{
	if (v.t == V_BOOL) v = vint(v.u.b);
	if (method) {
		if (prec < 0) {   /* 10 ** -k is a float */
			double m = pow(10, (double)prec), x = jj_int_to_double(R, line, v) * m;
			if (m == 0) jj_fail(R->e, line, "ZeroDivisionError: float division by zero");
			value r = V(V_FLOAT);
			r.u.f = (method == 'f' ? floor(x) : ceil(x)) / m;
			return r;
		}
		value m = jj_int_arith(R, line, 'P', vint(10), vint(prec));
		return jj_int_arith(R, line, '/', jj_int_arith(R, line, '*', v, m), m);
	}
	if (prec >= 0) return v;
	/* |v| < 2^bits <= 10^(k-1) is under half of 10^k: 0, without making 10^k */
	if ((-(double)prec - 1) * 3.3219280948873623 >= (double)jj_int_bits(v)) return vint(0);
	value m = jj_int_arith(R, line, 'P', vint(10), vint(-prec));
	value q = jj_int_arith(R, line, 'F', v, m), rem = jj_int_arith(R, line, '%', v, m);
	int c = jj_int_cmp(jj_int_arith(R, line, '*', rem, vint(2)), m);
	if (c > 0 || (c == 0 && jj_int_arith(R, line, '%', q, vint(2)).u.i)) q = jj_int_arith(R, line, '+', q, vint(1));
	return jj_int_arith(R, line, '*', q, m);
}

/* round(x, -k) of a finite float, as CPython rounds it: half to even on x's
 * exact decimal value, the digits read back as a float. trunc(x) is printed
 * exactly; the fraction only breaks a tie. */
static double round_float_tens(rt *R, int line, double x, int64_t k)
{
	double ip = trunc(x), frac = x - ip;
	char digits[400];
	int n = snprintf(digits, sizeof digits, "%.0f", fabs(ip));
	if (k > n) return 0.0 * x;   /* under 10^(k-1): not even half */
	int head = n - (int)k;
	int cmp = digits[head] - '5';
	for (int i = head + 1; !cmp && i < n; i++) cmp = digits[i] != '0';
	if (!cmp && frac != 0) cmp = 1;
	int up = cmp > 0 || (cmp == 0 && head > 0 && (digits[head - 1] - '0') % 2);
	char out[420];
	int w = 0;
	out[w++] = signbit(x) ? '-' : '+';
	if (up) {   /* add one to the head's digits: 0 when the head is empty */
		int i = head - 1;
		while (i >= 0 && digits[i] == '9') digits[i--] = '0';
		if (i >= 0) digits[i]++;
		else out[w++] = '1';
	}
	memcpy(out + w, digits, (size_t)head);
	w += head;
	if (w == 1) out[w++] = '0';
	snprintf(out + w, sizeof out - (size_t)w, "e%lld", (long long)k);
	double r = strtod(out, NULL);
	if (isinf(r)) jj_fail(R->e, line, "OverflowError: rounded value too large to represent");
	return r;
}

static value f_round(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	/* round(value, precision=0, method='common'): Python's round (half to even, on the exact binary value) */
	value prec = jj_kwarg(a, "precision", 0, vint(0));
	value meth = jj_kwarg(a, "method", 1, vstr("common", 6));
	int common = meth.t == V_STR && meth.u.s.n == 6 && !memcmp(meth.u.s.p, "common", 6);
	int floor_ = meth.t == V_STR && meth.u.s.n == 5 && !memcmp(meth.u.s.p, "floor", 5);
	int ceil_ = meth.t == V_STR && meth.u.s.n == 4 && !memcmp(meth.u.s.p, "ceil", 4);
	if (!common && !floor_ && !ceil_) jj_fail(R->e, line, "round: method must be 'common', 'ceil' or 'floor'");
	if (!isnum(v) && v.t != V_BIG) jj_fail(R->e, line, "round of a %s", jj_tname(v.t));
	if (prec.t == V_NONE && common) {
		/* round(x, None) is round(x): an int, half to even */
		if (v.t != V_FLOAT) return v.t == V_BOOL ? vint(v.u.b) : v;
		return jj_int_from_double(R, line, nearbyint(v.u.f));   /* the default rounding mode: half to even */
	}
	if (!jj_isint(prec)) jj_fail(R->e, line, "TypeError: '%s' object cannot be interpreted as an integer", jj_tname(prec.t));
	/* CPython clamps the digits to a Py_ssize_t; a float keeps itself past
	 * 323 and is a signed zero under -308 */
	int64_t p = prec.t == V_BIG ? (prec.u.big->neg ? INT64_MIN : INT64_MAX) : prec.t == V_BOOL ? prec.u.b : prec.u.i;
	if (v.t != V_FLOAT) {
		if (!common && (p > 100000 || p < -100000)) jj_fail(R->e, line, "unsupported: round to %lld digits", (long long)p);
		return round_int(R, line, v, p, common ? 0 : floor_ ? 'f' : 'c');
	}
	value r = V(V_FLOAT);
	double x = v.u.f;
	if (common) {
		if (!isfinite(x) || p > 323) r.u.f = x;
		else if (p < -308) r.u.f = 0.0 * x;
		else if (p < 0) r.u.f = round_float_tens(R, line, x, -p);
		else {
			char buf[700];   /* 1e308 to 323 places */
			snprintf(buf, sizeof buf, "%.*f", (int)p, x);
			r.u.f = strtod(buf, NULL);
		}
		return r;
	}
	/* math.floor(x * 10 ** p) / 10 ** p: 10 ** p is an int for p >= 0 (a
	 * float here, too large past 308), a float that may be 0 below; the
	 * floor is a Python int (no -0, and none of inf or nan) */
	if (p > 308) jj_fail(R->e, line, "OverflowError: int too large to convert to float");
	double m = pow(10, (double)p);
	double f = floor_ ? floor(x * m) : ceil(x * m);
	if (isnan(f)) jj_fail(R->e, line, "ValueError: cannot convert float NaN to integer");
	if (isinf(f)) jj_fail(R->e, line, "OverflowError: cannot convert float infinity to integer");
	if (m == 0) jj_fail(R->e, line, "ZeroDivisionError: float division by zero");
	if (f == 0) f = 0.0;
	r.u.f = f / m;
	return r;
}

static value f_list(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	(void)a;
	int line = n->line;
	vlist *l = jj_to_items(R, line, v, "list");
	vlist *c = jj_list_new(R, l->n);
	for (size_t i = 0; i < l->n; i++) jj_list_push(R, c, l->v[i]);
	return vlistv(c);
}

static value f_reverse(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	(void)a;
	int line = n->line;
	if (v.t == V_STR) {
		char *o = arena_alloc(R->ar, v.u.s.n + 1);
		size_t w = v.u.s.n;
		for (size_t i = 0; i < v.u.s.n;) { uint32_t cp; size_t k = (size_t)utf8_decode(v.u.s.p + i, v.u.s.n - i, &cp); w -= k; memcpy(o + w, v.u.s.p + i, k); i += k; }
		return vstr(o, v.u.s.n);
	}
	vlist *l = jj_to_items(R, line, v, "reverse");
	vlist *c = jj_list_new(R, l->n);
	for (size_t i = l->n; i > 0; i--) jj_list_push(R, c, l->v[i - 1]);
	return vlistv(c);
}

static value f_sort(rt *R, const node *n, value v, const args *a, int mode)
{
	int line = n->line;
	/* sort(reverse=False, case_sensitive=False, attribute=None); unique/min/max(case_sensitive=False, attribute=None) */
	vlist *src = jj_to_items(R, line, v, (mode == 0) ? "sort" : (mode == 1) ? "unique" : (mode == 2) ? "min" : "max");
	int s = (mode == 0);
	int rev = s ? jj_truthy(jj_kwarg(a, "reverse", 0, vbool(0))) : 0;
	int cs = jj_truthy(jj_kwarg(a, "case_sensitive", s ? 1 : 0, vbool(0)));
	value attr = jj_kwarg(a, "attribute", s ? 2 : 1, V(V_NONE));
	vlist *l = jj_list_new(R, src->n);
	value *keys = arena_alloc(R->ar, (src->n + 1) * sizeof *keys);
	/* sort's key is a list, one item per attribute of "a,b" (make_multi_attrgetter);
	 * unique's, min's and max's the one value (make_attrgetter) */
	vlist *parts = NULL;
	if (s) {
		parts = jj_list_new(R, 2);
		if (attr.t == V_STR)
			for (const char *p = attr.u.s.p, *e = p + attr.u.s.n;;) {
				const char *c = memchr(p, ',', (size_t)(e - p));
				jj_list_push(R, parts, vstr(p, c ? (size_t)(c - p) : (size_t)(e - p)));
				if (!c) break;
				p = c + 1;
			}
		else jj_list_push(R, parts, attr);
	}
	for (size_t i = 0; i < src->n; i++) {
		value x = src->v[i], k;
		if (s) {
			vlist *kl = jj_list_new(R, parts->n);
			for (size_t p = 0; p < parts->n; p++)
				jj_list_push(R, kl, sort_key(R, parts->v[p].t != V_NONE ? attr_path(R, line, x, parts->v[p]) : x, cs));
			k = vlistv(kl);
		} else k = sort_key(R, attr.t != V_NONE ? attr_path(R, line, x, attr) : x, cs);
		if (mode == 1) {
			/* a set of the keys: each must hash */
			if (jj_unhashable(k)) jj_fail(R->e, line, "TypeError: unhashable type: '%s'", jj_unhashable(k));
			int dup = 0;
			for (size_t j = 0; j < l->n && !dup; j++) dup = jj_vequal(keys[j], k);
			if (dup) continue;
		}
		keys[l->n] = k;
		jj_list_push(R, l, x);
	}
	if (mode == 1) return vlistv(l);
	if (s) { sort_values(R, line, l->v, keys, l->n, rev); return vlistv(l); }
	if (!l->n) return V(V_UNDEF);
	/* Python's min and max: the first item no later one is < (>) */
	size_t best = 0;
	for (size_t i = 1; i < l->n; i++)
		if (jj_vorder(R, line, mode == 2 ? C_LT : C_GT, keys[i], keys[best])) best = i;
	return l->v[best];
}

static value f_sum(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	/* sum(iterable, attribute=None, start=0) */
	vlist *l = jj_to_items(R, line, v, "sum");
	value attr = jj_kwarg(a, "attribute", 0, V(V_NONE));
	value acc = jj_kwarg(a, "start", 1, vint(0));
	/* Python's sum refuses a string start before it reads anything */
	if (acc.t == V_STR) jj_fail(R->e, line, "TypeError: sum() can't sum strings [use ''.join(seq) instead]");
	node plus = *n;
	plus.op = '+';
	for (size_t i = 0; i < l->n; i++) acc = jj_arith(R, &plus, acc, attr.t != V_NONE ? attr_path(R, line, l->v[i], attr) : l->v[i]);
	return acc;
}

static value f_batch(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	/* batch(value, linecount, fill_with=None) */
	vlist *l = jj_to_items(R, line, v, "batch");
	value cnt = jj_kwarg(a, "linecount", 0, V(V_UNDEF));
	value fill = jj_kwarg(a, "fill_with", 1, V(V_NONE));
	if (cnt.t == V_UNDEF) jj_fail(R->e, line, "TypeError: do_batch() missing 1 required positional argument: 'linecount'");
	/* jinja2's loop, as written: a batch is full when len(tmp) == linecount
	 * (Python's ==: 2.0 is 2, a string never), so 0 gives an empty first
	 * batch and a negative count one batch; then the last is filled while
	 * len(tmp) < linecount */
	vlist *out = jj_list_new(R, 4), *cur = jj_list_new(R, 8);
	for (size_t i = 0; i < l->n; i++) {
		if (jj_vequal(vint((int64_t)cur->n), cnt)) { jj_list_push(R, out, vlistv(cur)); cur = jj_list_new(R, 8); }
		jj_list_push(R, cur, l->v[i]);
	}
	if (cur->n) {
		if (fill.t != V_NONE && jj_vorder(R, line, C_LT, vint((int64_t)cur->n), cnt)) {
			if (cnt.t != V_INT && cnt.t != V_BOOL) jj_fail(R->e, line, "TypeError: can't multiply sequence by non-int of type '%s'", jj_tname(cnt.t));
			int64_t want = cnt.t == V_BOOL ? cnt.u.b : cnt.u.i;
			if (want > (1 << 22)) jj_fail(R->e, line, "a batch filled past 4M items");
			while ((int64_t)cur->n < want) jj_list_push(R, cur, fill);
		}
		jj_list_push(R, out, vlistv(cur));
	}
	return vlistv(out);
}

static value f_map(rt *R, const node *n, value v, const args *a, int mode)
{
	int line = n->line;
	const char *f = n->name;
	size_t fl = n->nlen;
	/* jinja2's map and select_or_reject start with `if value:`: a falsy
	 * value (None, 0, '', an empty list, undefined) gives nothing and is
	 * never iterated, so None|selectattr(...) is empty, not an error */
	if (!jj_truthy(v)) return vlistv(jj_list_new(R, 0));
	vlist *src = jj_to_items(R, line, v, "map");
	vlist *l = jj_list_new(R, src->n);
	value attr = jj_kwarg(a, "attribute", -1, V(V_NONE));
	for (size_t i = 0; i < src->n; i++) {
		value x = src->v[i];
		if (mode == 0) {
			if (attr.t != V_NONE) {
				/* map(attribute=, default=): the default for each undefined step (none: no default) */
				value d = jj_kwarg(a, "default", -1, V(V_NONE));
				jj_list_push(R, l, attr_path_d(R, line, x, attr, d.t == V_NONE ? NULL : &d));
			} else if (a->n >= 1 && a->v[0].t == V_STR) {
				node fn = *n;
				fn.name = a->v[0].u.s.p; fn.nlen = a->v[0].u.s.n; fn.filt = NULL;
				args sub = { a->v + 1, a->n - 1, a->nk, a->kn, a->kl, a->kw };
				jj_list_push(R, l, jj_apply_filter(R, &fn, x, &sub));
			} else jj_fail(R->e, line, "map needs a filter name or attribute=");
			continue;
		}
		value subject = x;
		int argi = 0;
		if ((mode == 3) || (mode == 4)) {
			if (a->n < 1 || a->v[0].t != V_STR) jj_fail(R->e, line, "%.*s needs an attribute name", (int)fl, f);
			subject = attr_path(R, line, x, a->v[0]);
			argi = 1;
		}
		int keep;
		if (a->n > argi) {
			if (a->v[argi].t != V_STR) jj_fail(R->e, line, "%.*s: a test name expected", (int)fl, f);
			keep = jj_run_test(R, line, NULL, a->v[argi].u.s.p, a->v[argi].u.s.n, subject, a->v + argi + 1, a->n - argi - 1, a);
		} else keep = jj_truthy(subject);
		if ((mode == 2) || (mode == 4)) keep = !keep;
		if (keep) jj_list_push(R, l, x);
	}
	return vlistv(l);
}

static value f_format(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	value s = jj_tostr(R, v);
	if (a->nk) {
		if (a->n) jj_fail(R->e, line, "format: positional and keyword arguments cannot be mixed");
		value d = V(V_DICT);
		d.u.d = jj_dict_new(R);
		for (int i = 0; i < a->nk; i++) jj_dict_set(R, d.u.d, a->kn[i], a->kl[i], a->kw[i]);
		return jj_percent_format(R, line, s, d);
	}
	vlist *t = jj_list_new(R, (size_t)a->n + 1);
	t->tuple = 1;
	for (int i = 0; i < a->n; i++) jj_list_push(R, t, a->v[i]);
	return jj_percent_format(R, line, s, vlistv(t));
}

static value f_center(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	value w = jj_kwarg(a, "width", 0, vint(80));
	if (w.t != V_INT) jj_fail(R->e, line, "center: the width must be an integer");
	return jj_str_pad(R, jj_tostr(R, v), w.u.i, ' ', '^');
}

static value f_truncate(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	/* truncate(s, length=255, killwords=False, end='...', leeway=5): the
	 * arguments are asserted first, whatever s is; then len(s), so
	 * undefined (length 0) comes back as it is, a list or dict that fits
	 * too, anything without a length is a TypeError */
	value len = jj_kwarg(a, "length", 0, vint(255)), kill = jj_kwarg(a, "killwords", 1, vbool(0));
	value end = jj_kwarg(a, "end", 2, vstr("...", 3)), lee = jj_kwarg(a, "leeway", 3, vint(5));
	if (len.t == V_BIG) len = vint(len.u.big->neg ? INT64_MIN : INT64_MAX);   /* compares the same */
	if (len.t != V_INT || lee.t != V_INT || end.t != V_STR) jj_fail(R->e, line, "truncate: bad arguments");
	int64_t cps = (int64_t)utf8_count(end.u.s.p, end.u.s.n);
	if (len.u.i < cps) jj_fail(R->e, line, "expected length >= %lld, got %lld", (long long)cps, (long long)len.u.i);
	if (lee.u.i < 0) jj_fail(R->e, line, "expected leeway >= 0, got %lld", (long long)lee.u.i);
	if (v.t == V_UNDEF) return v;
	if (v.t != V_STR) {
		size_t n = v.t == V_LIST && !v.u.l->gen ? v.u.l->n : v.t == V_DICT ? v.u.d->n : SIZE_MAX;   /* views and ranges have a len() */
		if (n == SIZE_MAX) jj_fail(R->e, line, "TypeError: object of type '%s' has no len()", jj_tname(v.t));
		if ((int64_t)n - lee.u.i <= len.u.i) return v;
		jj_fail(R->e, line, "truncate: a %s longer than the length cannot be cut (TypeError)", jj_tname(v.t));
	}
	value s = v;
	if ((int64_t)utf8_count(s.u.s.p, s.u.s.n) - lee.u.i <= len.u.i) return s;
	size_t cut = jj_cp_offset(s.u.s.p, s.u.s.n, (size_t)(len.u.i - cps));
	if (s.markup) end = jj_escape(R, end);   /* Markup + end escapes it (its length counted before) */
	if (!jj_truthy(kill)) {
		/* rsplit(" ", 1)[0] */
		size_t k = cut;
		while (k > 0 && s.u.s.p[k - 1] != ' ') k--;
		if (k > 0) cut = k - 1;
	}
	char *o = arena_alloc(R->ar, cut + end.u.s.n + 1);
	memcpy(o, s.u.s.p, cut);
	memcpy(o + cut, end.u.s.p, end.u.s.n);
	return vstr(o, cut + end.u.s.n);
}

static value f_attr(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	/* an attribute, never an item: only a namespace has them here */
	value name = jj_kwarg(a, "name", 0, V(V_UNDEF));
	if (v.t == V_UNDEF) jj_fail(R->e, line, "attr of an undefined value");
	if (v.t == V_NS && name.t == V_STR) { value *x = jj_dict_find(v.u.d, name.u.s.p, name.u.s.n); if (x) return *x; }
	return V(V_UNDEF);
}

static value f_indent(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	/* indent(s, width=4, first=False, blank=False): lines as str.splitlines() cuts them, joined with \n;
	 * s += "\n" first, which only a string takes */
	if (v.t != V_STR) jj_fail(R->e, line, "indent: a %s, not a string (s += '\\n' fails)", jj_tname(v.t));
	value s = v;
	value w = jj_kwarg(a, "width", 0, vint(4)), first = jj_kwarg(a, "first", 1, vbool(0)), blank = jj_kwarg(a, "blank", 2, vbool(0));
	strbuf pad = {0}, b = {0};
	jj_live_push(R, &pad);
	jj_live_push(R, &b);
	if (w.t == V_STR) strbuf_put(&pad, w.u.s.p, w.u.s.n);
	else if (w.t == V_INT) { if (w.u.i > 1024) jj_fail(R->e, line, "indent: width of more than 1024"); for (int64_t i = 0; i < w.u.i; i++) strbuf_putc(&pad, ' '); }
	else jj_fail(R->e, line, "indent: the width must be an integer or a string");
	/* s += "\n" then splitlines: the same lines as splitlines(s), plus an empty last one when s ends a line */
	char *t = arena_alloc(R->ar, s.u.s.n + 2);
	memcpy(t, s.u.s.p, s.u.s.n);
	t[s.u.s.n] = '\n';
	vlist *lines = jj_splitlines(R, vstr(t, s.u.s.n + 1), 0);
	if (jj_truthy(first)) strbuf_put(&b, pad.p, pad.len);
	for (size_t i = 0; i < lines->n; i++) {
		value x = lines->v[i];
		if (i) {
			strbuf_putc(&b, '\n');
			if (jj_truthy(blank) || x.u.s.n) strbuf_put(&b, pad.p, pad.len);
		}
		strbuf_put(&b, x.u.s.p, x.u.s.n);
	}
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	jj_live_pop(R, &pad);
	return r;
}

static value f_wordcount(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)n;
	(void)mode;
	(void)a;
	value s = jj_tostr(R, v);
	/* len(re.findall(r"\w+", s)): Python's \w is str.isalnum() or '_', by
	 * Unicode category (letters L*, numbers Nd, Nl, No) */
	int64_t c = 0;
	int in = 0;
	for (size_t i = 0; i < s.u.s.n;) {
		uint32_t cp;
		size_t k = (size_t)utf8_decode(s.u.s.p + i, s.u.s.n - i, &cp);
		utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
		int w = cp == '_' || (cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO) || cat == UTF8PROC_CATEGORY_ND ||
			cat == UTF8PROC_CATEGORY_NL || cat == UTF8PROC_CATEGORY_NO;
		if (w && !in) c++;
		in = w;
		i += k;
	}
	return vint(c);
}

/* groupby(value, attribute, default=None, case_sensitive=False): sorted by
 * the attribute (lower-cased unless case_sensitive), runs of equal keys; each
 * group a (grouper, list) tuple with those attributes, the grouper of a
 * case-insensitive group the first item's own */
static value f_groupby(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	vlist *src = jj_to_items(R, line, v, "groupby");
	value attr = jj_kwarg(a, "attribute", 0, V(V_UNDEF)), dflt = jj_kwarg(a, "default", 1, V(V_NONE));
	int cs = jj_truthy(jj_kwarg(a, "case_sensitive", 2, vbool(0)));
	if (attr.t == V_UNDEF) jj_fail(R->e, line, "groupby() missing 1 required positional argument: 'attribute'");
	size_t k = src->n;
	value *vals = arena_alloc(R->ar, (k + 1) * sizeof *vals), *keys = arena_alloc(R->ar, (k + 1) * sizeof *keys);
	value *raw = arena_alloc(R->ar, (k + 1) * sizeof *raw);
	for (size_t i = 0; i < k; i++) {
		value x = attr_path(R, line, src->v[i], attr);
		/* an undefined key fails the sort's first comparison, so only with two items or more */
		if (x.t == V_UNDEF && (dflt.t != V_NONE || k > 1)) {
			if (dflt.t == V_NONE) jj_fail(R->e, line, "'%s object' has no attribute '%.*s'", jj_tname(src->v[i].t), attr.t == V_STR ? (int)attr.u.s.n : 1, attr.t == V_STR ? attr.u.s.p : "?");
			x = dflt;
		}
		vals[i] = src->v[i];
		keys[i] = sort_key(R, x, cs);
	}
	sort_values(R, line, vals, keys, k, 0);
	for (size_t i = 0; i < k; i++) {
		value x = attr_path(R, line, vals[i], attr);
		raw[i] = x.t == V_UNDEF && dflt.t != V_NONE ? dflt : x;   /* no default: the grouper is undefined */
	}
	vlist *out = jj_list_new(R, 4);
	for (size_t i = 0; i < k;) {
		size_t j = i + 1;
		while (j < k && jj_vequal(keys[j], keys[i])) j++;
		vlist *items = jj_list_new(R, j - i);
		for (size_t q = i; q < j; q++) jj_list_push(R, items, vals[q]);
		vlist *g = jj_list_new(R, 2);
		g->tuple = 2;
		jj_list_push(R, g, raw[i]);
		jj_list_push(R, g, vlistv(items));
		jj_list_push(R, out, vlistv(g));
		i = j;
	}
	return vlistv(out);
}

/* slice(value, slices, fill_with=None): slices columns, the first ones one longer */
static value f_slice(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	vlist *seq = jj_to_items(R, line, v, "slice");
	value sl = jj_kwarg(a, "slices", 0, V(V_UNDEF)), fill = jj_kwarg(a, "fill_with", 1, V(V_NONE));
	if (sl.t != V_INT) jj_fail(R->e, line, "slice: the number of slices must be an integer");
	if (sl.u.i == 0) jj_fail(R->e, line, "integer division or modulo by zero");
	if (sl.u.i < 0 || sl.u.i > 1000000) jj_fail(R->e, line, "unsupported: slice into %lld slices", (long long)sl.u.i);
	int64_t len = (int64_t)seq->n, per = len / sl.u.i, extra = len % sl.u.i, off = 0;
	vlist *out = jj_list_new(R, (size_t)sl.u.i);
	for (int64_t s = 0; s < sl.u.i; s++) {
		int64_t st = off + s * per;
		if (s < extra) off++;
		int64_t en = off + (s + 1) * per;
		vlist *t = jj_list_new(R, (size_t)(en - st) + 1);
		for (int64_t i = st; i < en; i++) jj_list_push(R, t, seq->v[i]);
		if (fill.t != V_NONE && s >= extra) jj_list_push(R, t, fill);
		jj_list_push(R, out, vlistv(t));
	}
	return vlistv(out);
}

/* The HTML5 entity named by exactly p[0..n), or NULL */
static const char *html5_entity(const char *p, size_t n)
{
	size_t lo = 0, hi = jj_html5_n_entities;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const char *k = jj_html5_entities[mid].name;
		size_t kl = strlen(k);
		int c = memcmp(k, p, kl < n ? kl : n);
		if (!c) c = kl < n ? -1 : kl > n;
		if (!c) return jj_html5_entities[mid].text;
		if (c < 0) lo = mid + 1; else hi = mid;
	}
	return NULL;
}

/* &#N; as html.unescape's _replace_charref gives it */
static void put_charref(rt *R, int line, strbuf *b, const char *d, size_t nd, int hex)
{
	/* int(s, 10) refuses more than 4300 digits (Python 3.11's limit), base 16 has none */
	if (!hex && nd > 4300) jj_fail(R->e, line, "ValueError: Exceeds the limit (4300 digits) for integer string conversion: value has %zu digits", nd);
	uint64_t cp = 0;
	for (size_t i = 0; i < nd; i++) {
		unsigned c = (unsigned char)d[i];
		cp = cp * (hex ? 16 : 10) + (isdigit(c) ? c - '0' : (unsigned)tolower(c) - 'a' + 10);
		if (cp > 0x10FFFF) cp = 0x110000;   /* past the range, and no later digit brings it back */
	}
	for (size_t i = 0; i < jj_html5_n_invalid_charrefs; i++)
		if (jj_html5_invalid_charrefs[i].cp == cp) { strbuf_puts(b, jj_html5_invalid_charrefs[i].text); return; }
	if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) { strbuf_puts(b, "\xef\xbf\xbd"); return; }
	size_t lo = 0, hi = jj_html5_n_invalid_codepoints;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (jj_html5_invalid_codepoints[mid] == cp) return;
		if (jj_html5_invalid_codepoints[mid] < cp) lo = mid + 1; else hi = mid;
	}
	char u[4];
	strbuf_put(b, u, (size_t)utf8_encode((uint32_t)cp, u));
}

/* html.unescape (Python 3.11), which markupsafe's striptags ends with: each
 * match of &(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?) is
 * replaced: a numeric reference by its character (or html's replacement for
 * it), a name by its HTML5 entity, else by the entity of its longest prefix
 * of two or more characters followed by the rest, else left as it is. */
static void put_unescaped(rt *R, int line, strbuf *b, const char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		if (p[i] != '&') { strbuf_putc(b, p[i++]); continue; }
		size_t j = i + 1;
		if (j < n && p[j] == '#') {
			int hex = j + 1 < n && (p[j + 1] == 'x' || p[j + 1] == 'X');
			size_t d = j + 1 + (size_t)hex, e = d;
			while (e < n && (hex ? isxdigit((unsigned char)p[e]) : isdigit((unsigned char)p[e]))) e++;
			if (e == d) { strbuf_putc(b, p[i++]); continue; }   /* '&#' then no digit: no match */
			put_charref(R, line, b, p + d, e - d, hex);
			i = e < n && p[e] == ';' ? e + 1 : e;
			continue;
		}
		/* up to 32 characters (code points) outside \t \n \f space < & # ;, then an optional ; */
		size_t e = j, chars = 0;
		while (e < n && chars < 32 && !strchr("\t\n\f <&#;", p[e])) {
			size_t k = 1;
			while (e + k < n && ((unsigned char)p[e + k] & 0xC0) == 0x80) k++;
			e += k;
			chars++;
		}
		if (!chars) { strbuf_putc(b, p[i++]); continue; }
		if (e < n && p[e] == ';') e++;
		const char *t = html5_entity(p + j, e - j);
		if (t) { strbuf_puts(b, t); i = e; continue; }
		/* the longest prefix: names are ASCII, so a prefix of bytes is one of characters */
		size_t x = e - j;
		while (--x >= 2) {
			if (((unsigned char)p[j + x] & 0xC0) == 0x80) continue;
			if ((t = html5_entity(p + j, x))) break;
		}
		if (t) { strbuf_puts(b, t); i = j + x; continue; }
		strbuf_put(b, p + i, e - i);
		i = e;
	}
}

/* striptags: markupsafe's Markup.striptags: comments, then tags, removed;
 * whitespace runs made one space; entities unescaped */
static value f_striptags(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)a; (void)mode;
	value s = jj_tostr(R, v);
	char *t = arena_alloc(R->ar, s.u.s.n + 1);
	memcpy(t, s.u.s.p, s.u.s.n);
	size_t len = s.u.s.n;
	for (int pass = 0; pass < 2; pass++) {
		const char *open = pass ? "<" : "<!--", *close = pass ? ">" : "-->";
		size_t ol = strlen(open), cl = strlen(close), from = 0;
		for (;;) {
			char *st = memmem(t + from, len - from, open, ol);
			if (!st) break;
			char *en = memmem(st, len - (size_t)(st - t), close, cl);
			if (!en) break;
			size_t cut = (size_t)(en + cl - st);
			memmove(st, en + cl, len - (size_t)(en + cl - t));
			len -= cut;
			from = (size_t)(st - t);
		}
	}
	value sp = jj_split(R, vstr(t, len), V(V_NONE), -1, 0);
	strbuf j = {0}, b = {0};
	jj_live_push(R, &j);
	jj_live_push(R, &b);
	for (size_t i = 0; i < sp.u.l->n; i++) { if (i) strbuf_putc(&j, ' '); strbuf_put(&j, sp.u.l->v[i].u.s.p, sp.u.l->v[i].u.s.n); }
	put_unescaped(R, n->line, &b, j.p ? j.p : "", j.len);
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	jj_live_pop(R, &j);
	return r;
}

/* filesizeformat(value, binary=False): float(value), then the first
 * unit base ** (i + 2) it is below, compared exactly as Python compares
 * a float with an int (10 ** 24 is no double), or the last one: so NaN
 * and inf come out in YB */
static value f_filesizeformat(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	static const char *const dec[] = { "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB" };
	static const char *const bin[] = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB" };
	int binary = jj_truthy(jj_kwarg(a, "binary", 0, vbool(0)));
	double bytes;
	if (jj_isint(v)) bytes = jj_int_to_double(R, line, v);
	else if (v.t == V_FLOAT) bytes = v.u.f;
	else if (v.t == V_STR) { if (!jj_py_float(v.u.s.p, v.u.s.n, &bytes)) jj_fail(R->e, line, "could not convert string to float: '%.*s'", (int)(v.u.s.n > 60 ? 60 : v.u.s.n), v.u.s.p); }
	else jj_fail(R->e, line, "float() argument must be a string or a real number, not '%s'", jj_tname(v.t));
	int base = binary ? 1024 : 1000;
	strbuf sb = {0}, *b = &sb;
	jj_live_push(R, b);
	if (bytes == 1) strbuf_puts(b, "1 Byte");
	else if (bytes < base) {
		jj_put_int(R, line, b, jj_int_from_double(R, line, bytes));
		strbuf_puts(b, " Bytes");
	} else {
		int i = 0;
		value unit;
		for (;; i++) {
			unit = jj_int_arith(R, line, 'P', vint(base), vint(i + 2));
			if (i == 7 || jj_int_float_cmp(unit, bytes) == 1) break;
		}
		double x = base * bytes / jj_int_to_double(R, line, unit);
		if (isnan(x)) strbuf_puts(b, "nan");   /* Python never prints -nan */
		else strbuf_printf(b, "%.1f", x);
		strbuf_printf(b, " %s", binary ? bin[i] : dec[i]);
	}
	value r = vstr(rdup(R, b->p, b->len), b->len);
	jj_live_pop(R, b);
	return r;
}

/* urllib's quote_from_bytes: letters, digits, _.-~ and safe kept; + for spaces in a query */
static void url_quote(rt *R, strbuf *b, value v, int for_qs)
{
	value s = jj_tostr(R, v);
	for (size_t i = 0; i < s.u.s.n; i++) {
		unsigned char c = (unsigned char)s.u.s.p[i];
		if (isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' || (c == '/' && !for_qs)) strbuf_putc(b, (char)c);
		else if (c == ' ' && for_qs) strbuf_putc(b, '+');
		else strbuf_printf(b, "%%%02X", c);
	}
}

/* urlencode: a string quoted for a path; a dict or pairs as a query string */
static value f_urlencode(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)a; (void)mode;
	strbuf b = {0};
	jj_live_push(R, &b);
	/* a string or what does not iterate is quoted; a dict's items, or the
	 * items of anything iterable, each unpacked into k, v */
	if (v.t != V_LIST && v.t != V_DICT && v.t != V_UNDEF) url_quote(R, &b, v, 0);
	else {
		vlist *items = v.t == V_DICT ? f_items(R, n, v, a, 0).u.l : jj_to_items(R, n->line, v, "urlencode");
		for (size_t i = 0; i < items->n; i++) {
			vlist *kv = jj_unpack(R, n->line, items->v[i], 2);
			if (i) strbuf_putc(&b, '&');
			url_quote(R, &b, kv->v[0], 1);
			strbuf_putc(&b, '=');
			url_quote(R, &b, kv->v[1], 1);
		}
	}
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	return r;
}

/* xmlattr(d, autospace=True): key="value" pairs, escaped, None and undefined left out */
static value f_xmlattr(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	if (v.t != V_DICT) jj_fail(R->e, line, "xmlattr of a %s", v.t == V_NS ? "Namespace" : jj_tname(v.t));
	int autospace = jj_truthy(jj_kwarg(a, "autospace", 0, vbool(1)));
	strbuf b = {0};
	jj_live_push(R, &b);
	node esc = *n;
	esc.filt = jj_filter_find("escape", 6);
	args none = { NULL, 0, 0, NULL, NULL, NULL };
	for (size_t i = 0; i < v.u.d->n; i++) {
		value k = jj_dict_key(v.u.d, i), x = v.u.d->v[i];
		if (x.t == V_NONE || x.t == V_UNDEF) continue;
		if (k.t != V_STR) jj_fail(R->e, line, "expected string or bytes-like object, got '%s'", jj_tname(k.t));
		for (size_t q = 0; q < k.u.s.n; q++)
			if (strchr(" \t\n\r\f\v/>=", k.u.s.p[q]) && k.u.s.p[q])
				jj_fail(R->e, line, "Invalid character in attribute name: '%.*s'", (int)(k.u.s.n > 60 ? 60 : k.u.s.n), k.u.s.p);
		if (b.len || autospace) strbuf_putc(&b, ' ');
		value ek = esc.filt->fn(R, &esc, k, &none, esc.filt->mode), ev = esc.filt->fn(R, &esc, x, &none, esc.filt->mode);
		strbuf_put(&b, ek.u.s.p, ek.u.s.n);
		strbuf_puts(&b, "=\"");
		strbuf_put(&b, ev.u.s.p, ev.u.s.n);
		strbuf_putc(&b, '"');
	}
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	return r;
}

/* the character classes of textwrap's chunking, as Python's re sees them */
#define WW_WS 1       /* textwrap's whitespace: \t \n \v \f \r space */
#define WW_W 2        /* \w: a letter, a number, _ */
#define WW_LETTER 4   /* \w but not a decimal digit */
#define WW_PUNCT 8    /* \w or ! " ' & . , ? */
static unsigned ww_class(uint32_t c)
{
	if (c < 0x80 && strchr("\t\n\v\f\r ", (int)c) && c) return WW_WS;
	utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
	int alpha = k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO;
	int num = k == UTF8PROC_CATEGORY_ND || k == UTF8PROC_CATEGORY_NL || k == UTF8PROC_CATEGORY_NO;
	if (alpha || num || c == '_') return WW_W | WW_PUNCT | (k == UTF8PROC_CATEGORY_ND ? 0 : WW_LETTER);
	return c < 0x80 && strchr("!\"'&.,?", (int)c) && c ? WW_PUNCT : 0;
}

/* textwrap's chunks of one line: with break_on_hyphens, runs of whitespace;
 * a run of two or more '-' after a word character or punctuation and before
 * a word character (an em-dash); else the shortest run of other characters
 * that ends before whitespace or the end, or just after a '-' that follows
 * two letters (or letter '-' letter) and comes before letter, letter (or
 * letter '-' letter), or before an em-dash that follows punctuation. Without
 * break_on_hyphens, runs of whitespace and of the rest. Each chunk is
 * (offset, bytes, code points). */
static size_t ww_chunks(rt *R, value ln, int hyph, size_t (*ch)[3])
{
	size_t n = ln.u.s.n, m = 0, nc = 0;
	uint32_t *cp = arena_alloc(R->ar, (n + 1) * sizeof *cp);
	size_t *off = arena_alloc(R->ar, (n + 1) * sizeof *off);
	unsigned char *cl = arena_alloc(R->ar, n + 1);
	for (size_t i = 0; i < n; m++) {
		off[m] = i;
		i += (size_t)utf8_decode(ln.u.s.p + i, n - i, &cp[m]);
		cl[m] = (unsigned char)ww_class(cp[m]);
	}
	off[m] = n;
#define CL(k) ((k) < m ? cl[k] : 0u)
#define IS(k, ch) ((k) < m && cp[k] == (uint32_t)(ch))
	for (size_t i = 0; i < m;) {
		size_t j = i + 1;
		if (cl[i] & WW_WS) {
			while (j < m && (cl[j] & WW_WS)) j++;
		} else if (!hyph) {
			while (j < m && !(cl[j] & WW_WS)) j++;
		} else {
			size_t d = i;
			while (IS(d, '-')) d++;
			if (i > 0 && (cl[i - 1] & WW_PUNCT) && d - i >= 2 && (CL(d) & WW_W)) j = d;   /* an em-dash */
			else
				for (j = i + 1;; j++) {
					/* j: the end of the shortest non-whitespace run so far */
					if (IS(j, '-') && ((j >= 2 && (cl[j - 2] & cl[j - 1] & WW_LETTER)) ||
							   (j >= 3 && (cl[j - 3] & WW_LETTER) && cp[j - 2] == '-' && (cl[j - 1] & WW_LETTER))) &&
					    (CL(j + 1) & WW_LETTER) && ((CL(j + 2) & WW_LETTER) || (IS(j + 2, '-') && (CL(j + 3) & WW_LETTER)))) {
						j++;
						break;
					}
					if (j >= m || (cl[j] & WW_WS)) break;
					if (cl[j - 1] & WW_PUNCT) {
						size_t e = j;
						while (IS(e, '-')) e++;
						if (e - j >= 2 && (CL(e) & WW_W)) break;
					}
				}
		}
		ch[nc][0] = off[i]; ch[nc][1] = off[j] - off[i]; ch[nc][2] = j - i;
		nc++;
		i = j;
	}
#undef CL
#undef IS
	return nc;
}

/* textwrap's wrapping of one line (expand_tabs and replace_whitespace off,
 * drop_whitespace on), on ww_chunks' chunks; a word longer than the width
 * broken when asked, after its last '-' that fits when break_on_hyphens
 * (and something other than '-' comes before it) */
static void wrap_line(rt *R, strbuf *b, value ln, int64_t width, int brk, int hyph, value wrapstr, int *first)
{
	size_t (*ch)[3] = arena_alloc(R->ar, (ln.u.s.n + 1) * sizeof *ch);
	size_t nc = ww_chunks(R, ln, hyph, ch);
	size_t c = 0;
	int lines = 0;
	while (c < nc) {
		size_t line_from = c, cur = 0;
		size_t part_off = 0, part_len = 0;   /* a broken word's head ends the line */
		int broke = 0;
		if (lines && jj_strip(R, vstr(ln.u.s.p + ch[c][0], ch[c][1]), 1, 1, NULL).u.s.n == 0) { c++; line_from = c; if (c >= nc) break; }
		while (c < nc && (int64_t)(cur + ch[c][2]) <= width) { cur += ch[c][2]; c++; }
		size_t line_to = c;
		if (c < nc && (int64_t)ch[c][2] > width) {
			int64_t space = width < 1 ? 1 : width - (int64_t)cur;
			if (brk) {
				const char *cs = ln.u.s.p + ch[c][0];
				size_t cut = jj_cp_offset(cs, ch[c][1], (size_t)space);
				if (hyph) {
					/* chunk.rfind('-', 0, space): bytes and code points agree on an ASCII '-' */
					const char *h = NULL;
					for (const char *q = cs; q < cs + cut; q++) if (*q == '-') h = q;
					int other = 0;
					for (const char *q = cs; h && q < h; q++) if (*q != '-') other = 1;
					if (h && h > cs && other) {
						size_t k = (size_t)(h + 1 - cs);
						space = (int64_t)utf8_count(cs, k);
						cut = k;
					}
				}
				part_off = ch[c][0]; part_len = cut; broke = 1;
				ch[c][0] += cut; ch[c][1] -= cut; ch[c][2] -= (size_t)space;
			} else if (line_to == line_from) { c++; line_to = c; }
		}
		/* textwrap drops the line's last piece when it is whitespace: after
		 * a broken word that piece is the word's head, even an empty one
		 * (no room left), and the whitespace before it stays */
		int drop_last = 0;
		if (broke) {
			if (jj_strip(R, vstr(ln.u.s.p + part_off, part_len), 1, 1, NULL).u.s.n == 0) part_len = 0;
		} else if (line_to > line_from && jj_strip(R, vstr(ln.u.s.p + ch[line_to - 1][0], ch[line_to - 1][1]), 1, 1, NULL).u.s.n == 0) drop_last = 1;
		if (line_to - (size_t)drop_last > line_from || part_len) {
			if (!*first) strbuf_put(b, wrapstr.u.s.p, wrapstr.u.s.n);
			*first = 0;
			for (size_t q = line_from; q < line_to - (size_t)drop_last; q++) strbuf_put(b, ln.u.s.p + ch[q][0], ch[q][1]);
			if (part_len) strbuf_put(b, ln.u.s.p + part_off, part_len);
			lines++;
		}
	}
}

/* wordwrap(s, width=79, break_long_words=True, wrapstring=None,
 * break_on_hyphens=True): each line of s wrapped by textwrap, joined with
 * wrapstring ('\n'), hyphenated words split after a hyphen (ww_chunks). */
static value f_wordwrap(rt *R, const node *n, value v, const args *a, int mode)
{
	(void)mode;
	int line = n->line;
	/* s.splitlines(): a string's method (undefined: its UndefinedError) */
	if (v.t != V_STR) jj_fail(R->e, line, "wordwrap: '%s' object has no attribute 'splitlines'", jj_tname(v.t));
	value s = v;
	value w = jj_kwarg(a, "width", 0, vint(79)), blw = jj_kwarg(a, "break_long_words", 1, vbool(1));
	value ws = jj_kwarg(a, "wrapstring", 2, V(V_NONE)), boh = jj_kwarg(a, "break_on_hyphens", 3, vbool(1));
	if (w.t != V_INT) jj_fail(R->e, line, "wordwrap: the width must be an integer");
	if (ws.t == V_NONE) ws = vstr("\n", 1);
	ws = jj_tostr(R, ws);
	vlist *lines = jj_splitlines(R, s, 0);
	strbuf b = {0};
	jj_live_push(R, &b);
	int first = 1;
	for (size_t i = 0; i < lines->n; i++) {
		if (i) { strbuf_put(&b, ws.u.s.p, ws.u.s.n); first = 1; }
		if (lines->v[i].u.s.n && w.u.i <= 0) jj_fail(R->e, line, "invalid width %lld (must be > 0)", (long long)w.u.i);
		wrap_line(R, &b, lines->v[i], w.u.i, jj_truthy(blw), jj_truthy(boh), ws, &first);
		if (b.len > R->out_limit) jj_fail(R->e, line, "wordwrap grew past the output limit");
	}
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	return r;
}

/* jinja2's filters rendered here, sorted by name for jj_filter_find; mode
 * tells the names that share a function apart */
static const jj_filter filters[] = {
	{ "abs", f_abs, 0, JF_FOLDS, JM_AS_MADE },
	{ "attr", f_attr, 0, JF_FOLDS, JM_AS_MADE },
	{ "batch", f_batch, 0, JF_ITER, JM_AS_MADE },
	{ "capitalize", f_case, 'c', JF_FOLDS, JM_KEEP },
	{ "center", f_center, 0, JF_FOLDS, JM_KEEP },
	{ "count", f_length, 1, JF_FOLDS, JM_AS_MADE },
	{ "d", f_default, 1, JF_FOLDS, JM_AS_MADE },
	{ "default", f_default, 0, JF_FOLDS, JM_AS_MADE },
	{ "dictsort", f_dictsort, 0, JF_FOLDS, JM_AS_MADE },
	{ "e", f_string, 2, JF_FOLDS, JM_AS_MADE },
	{ "escape", f_string, 3, JF_FOLDS, JM_AS_MADE },
	{ "filesizeformat", f_filesizeformat, 0, JF_FOLDS, JM_PLAIN },
	{ "first", f_first, 0, JF_FOLDS, JM_AS_MADE },
	{ "float", f_float, 0, JF_FOLDS, JM_AS_MADE },
	{ "forceescape", f_string, 4, JF_FOLDS, JM_AS_MADE },
	{ "format", f_format, 0, JF_FOLDS, JM_KEEP },
	{ "groupby", f_groupby, 0, JF_FOLDS, JM_AS_MADE },
	{ "indent", f_indent, 0, JF_FOLDS, JM_KEEP },
	{ "int", f_int, 0, JF_FOLDS, JM_AS_MADE },
	{ "items", f_items, 0, JF_ITER, JM_AS_MADE },
	{ "join", f_join, 0, JF_FOLDS, JM_PLAIN },
	{ "last", f_first, 1, JF_FOLDS, JM_AS_MADE },
	{ "length", f_length, 0, JF_FOLDS, JM_AS_MADE },
	{ "list", f_list, 0, JF_FOLDS, JM_AS_MADE },
	{ "lower", f_case, 'l', JF_FOLDS, JM_KEEP },
	{ "map", f_map, 0, JF_CONTEXT, JM_AS_MADE },
	{ "max", f_sort, 3, JF_FOLDS, JM_AS_MADE },
	{ "min", f_sort, 2, JF_FOLDS, JM_AS_MADE },
	{ "reject", f_map, 2, JF_CONTEXT, JM_AS_MADE },
	{ "rejectattr", f_map, 4, JF_CONTEXT, JM_AS_MADE },
	{ "replace", f_replace, 0, JF_FOLDS, JM_PLAIN },
	{ "reverse", f_reverse, 0, JF_ITER_NOW, JM_KEEP },
	{ "round", f_round, 0, JF_FOLDS, JM_AS_MADE },
	{ "safe", f_string, 1, JF_FOLDS, JM_AS_MADE },
	{ "select", f_map, 1, JF_CONTEXT, JM_AS_MADE },
	{ "selectattr", f_map, 3, JF_CONTEXT, JM_AS_MADE },
	{ "slice", f_slice, 0, JF_ITER, JM_AS_MADE },
	{ "sort", f_sort, 0, JF_FOLDS, JM_AS_MADE },
	{ "string", f_string, 0, JF_FOLDS, JM_KEEP },
	{ "striptags", f_striptags, 0, JF_FOLDS, JM_PLAIN },
	{ "sum", f_sum, 0, JF_FOLDS, JM_AS_MADE },
	{ "title", f_case, 'T', JF_FOLDS, JM_PLAIN },
	{ "tojson", f_tojson, 0, JF_FOLDS, JM_PLAIN },
	{ "trim", f_trim, 0, JF_FOLDS, JM_KEEP },
	{ "truncate", f_truncate, 0, JF_FOLDS, JM_KEEP },
	{ "unique", f_sort, 1, JF_ITER, JM_AS_MADE },
	{ "upper", f_case, 'u', JF_FOLDS, JM_KEEP },
	{ "urlencode", f_urlencode, 0, JF_FOLDS, JM_PLAIN },
	{ "wordcount", f_wordcount, 0, JF_FOLDS, JM_AS_MADE },
	{ "wordwrap", f_wordwrap, 0, JF_FOLDS, JM_PLAIN },
	{ "xmlattr", f_xmlattr, 0, JF_FOLDS, JM_PLAIN },
};

const jj_filter *jj_filter_find(const char *name, size_t n)
{
	size_t lo = 0, hi = sizeof filters / sizeof *filters;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = jj_name_cmp(filters[mid].name, name, n);
		if (!c) return &filters[mid];
		if (c < 0) lo = mid + 1; else hi = mid;
	}
	return NULL;
}

/* A filter resolved when parsed (n->filt), else found by name: map('name')
 * and the methods that share a filter's code call it so. */
/* A list a filter gave, as the generator jinja2's gives (a copy of the
 * list's header: its items are shared, its reading position its own) */
static value as_generator(rt *R, value r)
{
	if (r.t != V_LIST) return r;
	vlist *g = arena_alloc(R->ar, sizeof *g);
	*g = *r.u.l;
	g->gen = 1;
	g->pos = 0;
	g->err = NULL;
	r.u.l = g;
	return r;
}

/* A filter jinja2 writes as a generator function (map, select, reject,
 * selectattr, rejectattr, items, unique, batch, slice): nothing runs until
 * the generator is read, so an error in making its items is raised by
 * the first read, not here (if (xs|map('x')) takes the branch whatever
 * map would raise). The items are made now; a failure becomes a generator
 * that raises it when read. */
/* f over v: 1 with the result in *out, or 0 when it raised (the error in
 * R->e, the state as it was before) */
static int try_filter(rt *R, const jj_filter *f, const node *n, value v, const args *a, value *out)
{
	jmp_buf outer;
	memcpy(outer, R->e->jb, sizeof outer);
	const int nlive = R->nlive, depth = R->depth;
	frame *const cur = R->cur;
	strbuf *const o = R->out;
	if (setjmp(R->e->jb)) {
		memcpy(R->e->jb, outer, sizeof outer);
		jj_live_unwind(R, nlive);
		R->depth = depth;
		R->cur = cur;
		R->out = o;
		return 0;
	}
	*out = f->fn(R, n, v, a, f->mode);
	memcpy(R->e->jb, outer, sizeof outer);
	return 1;
}

/* A generator of items[0..n), used by none yet */
static vlist *gen_of(rt *R, value *items, size_t n)
{
	vlist *g = jj_list_new(R, n + 1);
	for (size_t i = 0; i < n; i++) jj_list_push(R, g, items[i]);
	g->gen = 1;
	return g;
}

/* Whether f yields item by item as it reads (map, select, reject,
 * selectattr, rejectattr, unique): what it gives before an item fails is
 * what it gives over the items before that one */
static int streams(const jj_filter *f) { return f->fn == f_map || (f->fn == f_sort && f->mode == 1); }

/* jinja2's generator filters run when first read, and yield until they
 * fail: a generator here holds the items they yield before the failure,
 * and the failure, raised by the read that goes past them (jj_list_take,
 * first, in, a for loop that does not break). An input generator that
 * fails later is read to its failure, which the output then meets at its
 * end. */
static value lazy_filter(rt *R, const jj_filter *f, const node *n, value v, const args *a)
{
	const char *err = NULL;
	int err_unsupported = 0;
	value in = v;
	if (v.t == V_LIST && v.u.l->gen && v.u.l->err) {
		vlist *g = v.u.l;
		err = g->err;
		err_unsupported = g->err_unsupported;
		in = vlistv(gen_of(R, g->v + g->pos, g->n - g->pos));
		g->pos = g->n;
	}
	/* the items, for the prefixes tried if f fails on one */
	value *items = NULL;
	size_t nitems = 0;
	if (in.t == V_LIST && in.u.l->gen) { items = in.u.l->v + in.u.l->pos; nitems = in.u.l->n - in.u.l->pos; }
	value r;
	if (try_filter(R, f, n, in, a, &r)) {
		r = as_generator(R, r);
		if (err) {
			/* batch yields a batch when the item after it is read, and
			 * slice reads all first: neither yields the batch or slice
			 * the failure cut short */
			if (f->fn == f_batch && r.u.l->n) r.u.l->n--;
			if (f->fn == f_slice) r.u.l->n = 0;
			r.u.l->err = err;
			r.u.l->err_unsupported = err_unsupported;
		}
		return r;
	}
	err = rdup(R, R->e->msg, strlen(R->e->msg));
	err_unsupported = R->e->unsupported;
	vlist *g = NULL;
	if (streams(f) && !items && in.t != V_UNDEF) {
		/* a list, a dict's keys, a string's characters */
		value whole;
		if (try_filter(R, jj_filter_find("list", 4), n, in, NULL, &whole)) { items = whole.u.l->v; nitems = whole.u.l->n; }
	}
	if (streams(f) && items) {
		/* the longest prefix f gets through: an item fails or not by itself */
		size_t lo = 0, hi = nitems;   /* the prefix of hi items fails */
		value best;
		int have = try_filter(R, f, n, vlistv(gen_of(R, items, 0)), a, &best);
		while (have && hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;
			value t;
			if (try_filter(R, f, n, vlistv(gen_of(R, items, mid)), a, &t)) { lo = mid; best = t; }
			else hi = mid;
		}
		if (have) g = as_generator(R, best).u.l;
	}
	if (!g) { g = jj_list_new(R, 1); g->gen = 1; }
	g->err = err;
	g->err_unsupported = err_unsupported;
	return vlistv(g);
}

value jj_apply_filter(rt *R, const node *n, value v, const args *a)
{
	const jj_filter *f = n->filt ? n->filt : jj_filter_find(n->name, n->nlen);
	if (f && (f->fold == JF_CONTEXT || f->fold == JF_ITER)) return lazy_filter(R, f, n, v, a);
	if (f) {
		value r = f->fn(R, n, v, a, f->mode);
		/* reversed(x) is an iterator; a generator has no reversed(), so
		 * jinja2 makes it a list */
		if (f->fold == JF_ITER_NOW && !(v.t == V_LIST && v.u.l->gen)) r = as_generator(R, r);
		if (r.t == V_STR && f->markup != JM_AS_MADE) r.markup = f->markup == JM_KEEP && v.t == V_STR && v.markup;
		return r;
	}
	/* one jinja2 has, or one it fails on too */
	if (jj_in_words(jj_missing_filters, n->name, n->nlen)) jj_fail(R->e, n->line, "unsupported: the filter '%.*s'", (int)n->nlen, n->name);
	jj_fail(R->e, n->line, "No filter named '%.*s' found.", (int)n->nlen, n->name);
}

/* jinja2's tests, with Python's types: bool is a number, not an integer */
static int t_type(rt *R, int line, value v, const value *targs, int mode)
{
	(void)R; (void)line; (void)targs;
	/* a generator is iterable, but no sequence */
	if (mode == ((1 << V_LIST) | (1 << V_STR) | (1 << V_DICT))) {
		/* sequence: len() and __getitem__: an undefined value has both, a
		 * generator and a dict view lack __getitem__ */
		if (v.t == V_UNDEF) return 1;
		if (v.t == V_LIST && (v.u.l->gen || (v.u.l->view && v.u.l->view != 4))) return 0;
	}
	return (mode >> v.t) & 1;
}
static int t_bool(rt *R, int line, value v, const value *targs, int mode)
{
	(void)R; (void)line; (void)targs;
	return v.t == V_BOOL && v.u.b == mode;
}
static int t_case(rt *R, int line, value v, const value *targs, int mode)
{
	(void)targs;
	value s = jj_tostr(R, v);
	args none = { NULL, 0, 0, NULL, NULL, NULL };
	return jj_truthy(jj_call_method(R, line, s, jj_method_named(mode ? "isupper" : "islower", 7), mode ? "isupper" : "islower", 7, &none));
}
static int t_even(rt *R, int line, value v, const value *targs, int mode)
{
	(void)targs;
	if (v.t == V_INT || v.t == V_BOOL) { int64_t x = v.t == V_INT ? v.u.i : v.u.b; return (x % 2 == 0) == !mode; }
	if (v.t == V_BIG) return (v.u.big->d[0] % 2 == 0) == !mode;
	if (v.t == V_FLOAT) { double m = fmod(v.u.f, 2); if (m < 0) m += 2; return !mode ? m == 0 : m == 1; }
	/* value % 2 == 0 (== 1): a string is formatted with 2, and no string is a number */
	if (v.t == V_STR) { jj_percent_format(R, line, v, vint(2)); return 0; }
	jj_fail(R->e, line, "TypeError: unsupported operand type(s) for %%: '%s' and 'int'", jj_tname(v.t));
}
static int t_divisibleby(rt *R, int line, value v, const value *targs, int mode)
{
	(void)mode;
	int vnum = jj_isint(v) || v.t == V_FLOAT, dnum = jj_isint(targs[0]) || targs[0].t == V_FLOAT;
	/* value % num == 0: a string is formatted with num, and is no number */
	if (v.t == V_STR) { jj_percent_format(R, line, v, targs[0]); return 0; }
	if (!vnum || !dnum) jj_fail(R->e, line, "TypeError: unsupported operand type(s) for %%: '%s' and '%s'", jj_tname(v.t), jj_tname(targs[0].t));
	if (v.t == V_FLOAT || targs[0].t == V_FLOAT) {
		/* jinja2: value % num == 0; Python's float % only moves a non-zero
		 * fmod by num, never onto 0, so fmod decides (NaN and inf: False) */
		double x = v.t == V_FLOAT ? v.u.f : jj_int_to_double(R, line, v);
		double y = targs[0].t == V_FLOAT ? targs[0].u.f : jj_int_to_double(R, line, targs[0]);
		if (y == 0) jj_fail(R->e, line, "ZeroDivisionError: float modulo");
		return fmod(x, y) == 0;
	}
	if (v.t == V_BIG || targs[0].t == V_BIG) {
		if (!jj_int_sign(targs[0])) jj_fail(R->e, line, "integer division or modulo by zero");
		value m = jj_int_arith(R, line, '%', v, targs[0]);
		return m.t == V_INT && m.u.i == 0;
	}
	int64_t x = v.t == V_INT ? v.u.i : v.u.b, y = targs[0].t == V_INT ? targs[0].u.i : targs[0].u.b;
	if (!y) jj_fail(R->e, line, "integer division or modulo by zero");
	return y == -1 || x % y == 0;
}
static int t_sameas(rt *R, int line, value v, const value *targs, int mode)
{
	(void)mode;
	/* identity: the same container, or equal singletons and small scalars */
	if (v.t != targs[0].t) return 0;
	if (v.t == V_LIST) return v.u.l == targs[0].u.l;
	if (v.t == V_DICT || v.t == V_NS) return v.u.d == targs[0].u.d;
	if (v.t == V_NONE || v.t == V_BOOL) return jj_vequal(v, targs[0]);
	/* each lookup that fails makes a new Undefined, but one held in a
	 * variable is the same object: which, this engine does not keep */
	jj_fail(R->e, line, "unsupported: sameas on a%s %s (object identity)", v.t == V_UNDEF ? "n" : "", v.t == V_UNDEF ? "undefined value" : jj_tname(v.t));
}
/* mode: the comparison, as C_EQ ... C_IN */
static int t_cmp(rt *R, int line, value v, const value *targs, int mode)
{
	switch (mode) {
	case C_EQ: return jj_vequal_py(R, line, v, targs[0], 0);
	case C_NE: return !jj_vequal_py(R, line, v, targs[0], 0);
	case C_LT: case C_LE: case C_GT: case C_GE: return jj_vorder(R, line, mode, v, targs[0]);
	default: return jj_contains(R, line, targs[0], v);
	}
}

/* callable: functions, macros, joiner(); not a cycler (no __call__) */
static int t_callable(rt *R, int line, value v, const value *targs, int mode)
{
	(void)R; (void)line; (void)targs; (void)mode;
	/* Undefined has __call__ (it raises when called) */
	return (v.t == V_FUNC && v.u.fn != F_CYCLER) || v.t == V_MACRO || v.t == V_CALLER || v.t == V_UNDEF;
}
/* filter, test (mode 1): is v the name of one of jinja2's filters / tests?
 * Those this engine lacks are jinja2's too (random). */
static int t_named(rt *R, int line, value v, const value *targs, int mode)
{
	(void)R; (void)line; (void)targs;
	if (v.t != V_STR) return 0;
	if (mode) return jj_test_find(v.u.s.p, v.u.s.n) != NULL || jj_in_words(jj_missing_tests, v.u.s.p, v.u.s.n);
	return jj_filter_find(v.u.s.p, v.u.s.n) != NULL || jj_in_words(jj_missing_filters, v.u.s.p, v.u.s.n);
}
/* escaped: a Markup string; the filters that make one (e, escape,
 * forceescape, safe) are not modelled as Markup here, so only values that
 * cannot be Markup answer */
static int t_escaped(rt *R, int line, value v, const value *targs, int mode)
{
	(void)R; (void)line; (void)targs; (void)mode;
	return v.t == V_STR && v.markup;   /* hasattr(value, '__html__'): a Markup */
}

#define TY(t) (1 << (t))
/* jinja2's tests rendered here, sorted by name; nargs: the arguments it needs */
static const jj_test tests[] = {
	{ "!=", t_cmp, C_NE, 1, NULL },
	{ "<", t_cmp, C_LT, 1, NULL },
	{ "<=", t_cmp, C_LE, 1, NULL },
	{ "==", t_cmp, C_EQ, 1, NULL },
	{ ">", t_cmp, C_GT, 1, NULL },
	{ ">=", t_cmp, C_GE, 1, NULL },
	{ "boolean", t_type, TY(V_BOOL), 0, NULL },
	{ "callable", t_callable, 0, 0, NULL },
	{ "defined", t_type, ~TY(V_UNDEF), 0, NULL },
	{ "divisibleby", t_divisibleby, 0, 1, "num" },
	{ "eq", t_cmp, C_EQ, 1, NULL },
	{ "equalto", t_cmp, C_EQ, 1, NULL },
	{ "escaped", t_escaped, 0, 0, NULL },
	{ "even", t_even, 0, 0, NULL },
	{ "false", t_bool, 0, 0, NULL },
	{ "filter", t_named, 0, 0, NULL },
	{ "float", t_type, TY(V_FLOAT), 0, NULL },
	{ "ge", t_cmp, C_GE, 1, NULL },
	{ "greaterthan", t_cmp, C_GT, 1, NULL },
	{ "gt", t_cmp, C_GT, 1, NULL },
	{ "in", t_cmp, C_IN, 1, "seq" },
	{ "integer", t_type, TY(V_INT) | TY(V_BIG), 0, NULL },
	{ "iterable", t_type, TY(V_LIST) | TY(V_STR) | TY(V_DICT) | TY(V_UNDEF), 0, NULL },
	{ "le", t_cmp, C_LE, 1, NULL },
	{ "lessthan", t_cmp, C_LT, 1, NULL },
	{ "lower", t_case, 0, 0, NULL },
	{ "lt", t_cmp, C_LT, 1, NULL },
	{ "mapping", t_type, TY(V_DICT), 0, NULL },
	{ "ne", t_cmp, C_NE, 1, NULL },
	{ "none", t_type, TY(V_NONE), 0, NULL },
	{ "number", t_type, TY(V_INT) | TY(V_FLOAT) | TY(V_BOOL) | TY(V_BIG), 0, NULL },
	{ "odd", t_even, 1, 0, NULL },
	{ "sameas", t_sameas, 0, 1, "other" },
	{ "sequence", t_type, TY(V_LIST) | TY(V_STR) | TY(V_DICT), 0, NULL },
	{ "string", t_type, TY(V_STR), 0, NULL },
	{ "test", t_named, 1, 0, NULL },
	{ "true", t_bool, 1, 0, NULL },
	{ "undefined", t_type, TY(V_UNDEF), 0, NULL },
	{ "upper", t_case, 1, 0, NULL },
};
#undef TY

const jj_test *jj_test_find(const char *name, size_t n)
{
	size_t lo = 0, hi = sizeof tests / sizeof *tests;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = jj_name_cmp(tests[mid].name, name, n);
		if (!c) return &tests[mid];
		if (c < 0) lo = mid + 1; else hi = mid;
	}
	return NULL;
}

/* Test t (resolved when parsed, or NULL: found by name, as select('name') does) */
int jj_run_test(rt *R, int line, const jj_test *t, const char *name, size_t nl, value v, const value *targs, int nt, const args *kw)
{
	if (!t) t = jj_test_find(name, nl);
	if (!t) {
		if (jj_in_words(jj_missing_tests, name, nl)) jj_fail(R->e, line, "unsupported: the test '%.*s'", (int)nl, name);
		jj_fail(R->e, line, "No test named '%.*s' found.", (int)nl, name);
	}
	value one;
	if (kw && kw->nk) {
		/* test(value, *args, **kwargs): a keyword can name the one Python
		 * parameter a test has (divisibleby's num); any other is a TypeError */
		/* (a name given twice: the last, as the keywords' dict keeps it) */
		for (int i = 0; i < kw->nk; i++)
			if (nt || !t->kwname || jj_name_cmp(t->kwname, kw->kn[i], kw->kl[i]))
				jj_fail(R->e, line, "test %.*s got an unexpected keyword argument '%.*s'", (int)nl, name, (int)kw->kl[i], kw->kn[i]);
		one = kw->kw[kw->nk - 1];
		targs = &one;
		nt = 1;
	}
	if (nt < t->nargs) jj_fail(R->e, line, "test %.*s needs an argument", (int)nl, name);
	/* every jinja2 test is a function of fixed arity: more is a TypeError */
	if (nt > t->nargs) jj_fail(R->e, line, "test %.*s takes %d argument%s, got %d", (int)nl, name, t->nargs, t->nargs == 1 ? "" : "s", nt);
	return t->fn(R, line, v, targs, t->mode);
}

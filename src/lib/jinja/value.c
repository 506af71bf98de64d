/* value.c — the values of a render: lists, dicts, scopes, values from JSON,
 * Python's truth, equality and order, and jj_fail. See jinja_int.h. */
#include "jinja/jinja_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void jj_fail(jerr *e, int line, const char *fmt, ...)
{
	int k = 0;
	if (line > 0) k = snprintf(e->msg, e->len, "template line %d: ", line);
	if (k < 0 || (size_t)k >= e->len) k = 0;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg + k, e->len - k, fmt, ap);
	va_end(ap);
	/* outside the dialect (our limit), not an error jinja2 would raise too */
	e->unsupported = !strncmp(fmt, "unsupported:", 12);
	longjmp(e->jb, 1);
}


void jj_fail_again(jerr *e, const char *msg, int unsupported)
{
	snprintf(e->msg, e->len, "%s", msg);
	e->unsupported = unsupported;
	longjmp(e->jb, 1);
}

void jj_live_push(rt *R, strbuf *b)
{
	if (R->nlive == 512) jj_fail(R->e, 0, "templates nested too deep");
	R->live[R->nlive++] = b;
}
void jj_live_unwind(rt *R, int mark)
{
	for (int i = mark; i < R->nlive; i++) strbuf_free(R->live[i]);
	R->nlive = mark;
}

void jj_live_pop(rt *R, strbuf *b)
{
	for (int i = R->nlive - 1; i >= 0; i--)
		if (R->live[i] == b) { memmove(R->live + i, R->live + i + 1, (size_t)(R->nlive - i - 1) * sizeof *R->live); R->nlive--; break; }
	strbuf_free(b);
}


vlist *jj_list_new(rt *R, size_t cap)
{
	vlist *l = arena_alloc(R->ar, sizeof *l);
	l->n = 0; l->cap = cap ? cap : 4; l->tuple = 0; l->view = 0; l->gen = 0; l->pos = 0; l->err = NULL; l->err_unsupported = 0;
	l->v = arena_alloc(R->ar, l->cap * sizeof *l->v);
	return l;
}
void jj_list_push(rt *R, vlist *l, value v)
{
	if (l->n == l->cap) {
		value *nv = arena_alloc(R->ar, l->cap * 2 * sizeof *nv);
		memcpy(nv, l->v, l->n * sizeof *nv);
		l->v = nv; l->cap *= 2;
	}
	l->v[l->n++] = v;
}

vdict *jj_dict_new(rt *R)
{
	vdict *d = arena_alloc(R->ar, sizeof *d);
	d->n = 0; d->cap = 4; d->loop = 0; d->kv = NULL;
	d->k = arena_alloc(R->ar, d->cap * sizeof *d->k);
	d->v = arena_alloc(R->ar, d->cap * sizeof *d->v);
	return d;
}
value *jj_dict_find(const vdict *d, const char *k, size_t n)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->k[i].n == n && !memcmp(d->k[i].p, k, n)) return &d->v[i];
	return NULL;
}
static void dict_grow(rt *R, vdict *d)
{
	if (d->n < d->cap) return;
	struct vkey *nk = arena_alloc(R->ar, d->cap * 2 * sizeof *nk);
	value *nv = arena_alloc(R->ar, d->cap * 2 * sizeof *nv);
	memcpy(nk, d->k, d->n * sizeof *nk);
	memcpy(nv, d->v, d->n * sizeof *nv);
	if (d->kv) {
		value *nkv = arena_alloc(R->ar, d->cap * 2 * sizeof *nkv);
		memcpy(nkv, d->kv, d->n * sizeof *nkv);
		d->kv = nkv;
	}
	d->k = nk; d->v = nv; d->cap *= 2;
}
void jj_dict_set(rt *R, vdict *d, const char *k, size_t n, value v)
{
	value *x = jj_dict_find(d, k, n);
	if (x) { *x = v; return; }
	dict_grow(R, d);
	d->k[d->n].p = k; d->k[d->n].n = n;
	if (d->kv) d->kv[d->n] = V(V_UNDEF);
	d->v[d->n++] = v;
}

value jj_dict_key(const vdict *d, size_t i)
{
	return d->k[i].p ? vstr(d->k[i].p, d->k[i].n) : d->kv[i];
}

/* The type name Python's hash() refuses in v, or NULL: lists, dicts and
 * the set-like dict views, also inside a tuple; a range, dict_values, a
 * generator, the loop object and a namespace hash by identity or value */
const char *jj_unhashable(value v)
{
	if (v.t == V_DICT) return v.u.d->loop ? NULL : "dict";
	if (v.t != V_LIST || v.u.l->gen) return NULL;
	vlist *l = v.u.l;
	if (l->view) return l->view == 1 ? "dict_items" : l->view == 2 ? "dict_keys" : NULL;
	if (!l->tuple) return "list";
	for (size_t i = 0; i < l->n; i++) {
		const char *u = jj_unhashable(l->v[i]);
		if (u) return u;
	}
	return NULL;
}

value *jj_dict_findv(const vdict *d, value key)
{
	if (key.t == V_STR) return jj_dict_find(d, key.u.s.p, key.u.s.n);
	if (!d->kv) return NULL;
	/* Python's hashing: equal numbers are one key (1, 1.0 and True) */
	for (size_t i = 0; i < d->n; i++)
		if (!d->k[i].p && jj_vequal(d->kv[i], key)) return &d->v[i];
	return NULL;
}

void jj_dict_setv(rt *R, int line, vdict *d, value key, value v)
{
	if (key.t == V_STR) { jj_dict_set(R, d, key.u.s.p, key.u.s.n, v); return; }
	const char *u = jj_unhashable(key);
	if (u) jj_fail(R->e, line, "TypeError: unhashable type: '%s'", u);
	/* Python keys these by identity (and a generator or view too): not kept here */
	if (key.t == V_NS || key.t == V_UNDEF || (key.t == V_LIST && !key.u.l->tuple))
		jj_fail(R->e, line, "unsupported: %s as a dict key", key.t == V_NS ? "a namespace" : key.t == V_UNDEF ? "an undefined value" : "a generator, range or view");
	value *x = jj_dict_findv(d, key);
	if (x) { *x = v; return; }   /* the first key stays: {1: 'a', true: 'b'} is {1: 'b'} */
	dict_grow(R, d);
	if (!d->kv) {
		d->kv = arena_alloc(R->ar, d->cap * sizeof *d->kv);
		for (size_t i = 0; i < d->n; i++) d->kv[i] = V(V_UNDEF);
	}
	d->k[d->n].p = NULL; d->k[d->n].n = SIZE_MAX;   /* no string key matches */
	d->kv[d->n] = key;
	d->v[d->n++] = v;
}

void jj_frame_set(rt *R, frame *f, const char *k, size_t n, value v)
{
	for (int i = 0; i < f->n; i++)
		if (f->k[i].n == n && !memcmp(f->k[i].p, k, n)) { f->v[i] = v; return; }
	if (f->n == f->cap) {
		int cap = f->cap ? f->cap * 2 : 8;
		struct vkey *nk = arena_alloc(R->ar, (size_t)cap * sizeof *nk);
		value *nv = arena_alloc(R->ar, (size_t)cap * sizeof *nv);
		if (f->n) { memcpy(nk, f->k, (size_t)f->n * sizeof *nk); memcpy(nv, f->v, (size_t)f->n * sizeof *nv); }
		f->k = nk; f->v = nv; f->cap = cap;
	}
	f->k[f->n].p = k; f->k[f->n].n = n;
	f->v[f->n++] = v;
}
value jj_lookup(frame *f, const char *k, size_t n)
{
	for (; f; f = f->up)
		for (int i = f->n - 1; i >= 0; i--)
			if (f->k[i].n == n && !memcmp(f->k[i].p, k, n)) return f->v[i];
	return V(V_UNDEF);
}

/* from JSON */
value jj_from_json(rt *R, const json_doc *d, uint32_t i)
{
	switch (json_type_of(d, i)) {
	case JSON_NULL: return V(V_NONE);
	case JSON_TRUE: return vbool(1);
	case JSON_FALSE: return vbool(0);
	case JSON_NUMBER: {
		int64_t x;
		if (json_num_i64(d, i, &x) == 0) return vint(x);
		if (d->nodes[i].flags & JSON_F_INTEGER) {
			/* beyond int64: Python keeps every digit, so do we */
			value v;
			if (jj_int_parse(R->ar, R->e, 0, d->src + d->nodes[i].off, d->nodes[i].len, 10, &v)) return v;
			jj_fail(R->e, 0, "ValueError: Exceeds the limit (4300 digits) for integer string conversion");
		}
		value v = V(V_FLOAT); v.u.f = json_num_double(d, i); return v;
	}
	case JSON_STRING: {
		/* unescaped strings are used in place: the document outlives the render */
		if (!(d->nodes[i].flags & JSON_F_ESCAPED)) return vstr(d->src + d->nodes[i].off, d->nodes[i].len);
		char *s = arena_alloc(R->ar, d->nodes[i].len + 1);
		size_t n = json_str_decode(d, i, s);
		return vstr(s, n);
	}
	case JSON_ARRAY: {
		vlist *l = jj_list_new(R, d->nodes[i].count);
		JSON_FOR_ELEMS(d, i, e, k) { (void)k; jj_list_push(R, l, jj_from_json(R, d, e)); }
		return vlistv(l);
	}
	case JSON_OBJECT: {
		vdict *m = jj_dict_new(R);
		JSON_FOR_MEMBERS(d, i, k, v, j) {
			(void)j;
			value key = jj_from_json(R, d, k);
			jj_dict_set(R, m, key.u.s.p, key.u.s.n, jj_from_json(R, d, v));
		}
		value v = V(V_DICT); v.u.d = m; return v;
	}
	}
	return V(V_UNDEF);
}

const char *jj_tname(int t)
{
	static const char *const n[] = { "undefined", "none", "bool", "int", "float", "str", "list", "dict", "namespace", "function", "macro", "int", "caller" };
	return n[t];
}

int jj_truthy(value v)
{
	switch (v.t) {
	case V_UNDEF: case V_NONE: return 0;
	case V_BOOL: return v.u.b;
	case V_INT: return v.u.i != 0;
	case V_FLOAT: return v.u.f != 0;
	case V_STR: return v.u.s.n != 0;
	case V_BIG: return 1;   /* never zero: zero fits int64 */
	case V_LIST: return v.u.l->n != 0 || v.u.l->gen;   /* a generator is always true */
	case V_DICT: case V_NS: return v.u.d->n != 0 || v.t == V_NS;
	default: return 1;
	}
}

value jj_tostr(rt *R, value v)
{
	if (v.t == V_STR) return v;
	strbuf b = {0};
	jj_live_push(R, &b);   /* put_str fails on a loop object, a range or a macro */
	jj_put_str(R, &b, v);
	value s = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	jj_live_pop(R, &b);
	return s;
}

value jj_escape(rt *R, value v)
{
	if (v.t == V_STR && v.markup) return v;
	value s = jj_tostr(R, v);
	strbuf b = {0};
	for (size_t i = 0; i < s.u.s.n; i++) {
		char c = s.u.s.p[i];
		if (c == '<') strbuf_puts(&b, "&lt;"); else if (c == '>') strbuf_puts(&b, "&gt;"); else if (c == '&') strbuf_puts(&b, "&amp;");
		else if (c == '"') strbuf_puts(&b, "&#34;"); else if (c == '\'') strbuf_puts(&b, "&#39;"); else strbuf_putc(&b, c);
	}
	value r = vmarkup(vstr(rdup(R, b.p ? b.p : "", b.len), b.len));
	strbuf_free(&b);
	return r;
}

/* Equality as Python's ==; with nan, *nan is set where two NaNs meet at
 * depth >= 1 (elements, as containers compare them). */
static int vequal(value a, value b, int depth, int *nan)
{
	if (nan && depth && a.t == V_FLOAT && b.t == V_FLOAT && isnan(a.u.f) && isnan(b.u.f)) *nan = 1;
	/* numbers: ints (bools and big ones too) exactly, an int and a float exactly */
	if (jj_isint(a) && jj_isint(b)) return jj_int_cmp(a, b) == 0;
	if (a.t == V_FLOAT && b.t == V_FLOAT) return a.u.f == b.u.f;
	if (a.t == V_FLOAT && jj_isint(b)) return jj_int_float_eq(b, a.u.f);
	if (b.t == V_FLOAT && jj_isint(a)) return jj_int_float_eq(a, b.u.f);
	if (a.t != b.t) return 0;
	switch (a.t) {
	case V_UNDEF: case V_NONE: return 1;
	case V_STR: return a.u.s.n == b.u.s.n && !memcmp(a.u.s.p, b.u.s.p, a.u.s.n);
	case V_LIST:
		if (a.u.l->gen || b.u.l->gen) return a.u.l == b.u.l;   /* a generator equals itself only */
		if ((a.u.l->view && a.u.l->view != 4) || (b.u.l->view && b.u.l->view != 4)) {
			/* dict views: keys and items compare as sets, values by identity,
			 * a view and a list never equal */
			if (a.u.l->view != b.u.l->view || a.u.l->n != b.u.l->n) return 0;
			if (a.u.l->view == 3) return a.u.l == b.u.l;
			for (size_t i = 0; i < a.u.l->n; i++) {
				int found = 0;
				for (size_t j = 0; j < b.u.l->n && !found; j++) found = vequal(a.u.l->v[i], b.u.l->v[j], depth + 1, nan);
				if (!found) return 0;
			}
			return 1;
		}
		if ((a.u.l->view == 4) != (b.u.l->view == 4)) return 0;   /* a range equals only a range */
		if (a.u.l->n != b.u.l->n || a.u.l->tuple != b.u.l->tuple) return 0;
		for (size_t i = 0; i < a.u.l->n; i++) if (!vequal(a.u.l->v[i], b.u.l->v[i], depth + 1, nan)) return 0;
		return 1;
	case V_DICT:
		if (a.u.d->n != b.u.d->n) return 0;
		for (size_t i = 0; i < a.u.d->n; i++) {
			value *y = jj_dict_findv(b.u.d, jj_dict_key(a.u.d, i));
			if (!y || !vequal(a.u.d->v[i], *y, depth + 1, nan)) return 0;
		}
		return 1;
	default: return a.u.d == b.u.d;
	}
}

int jj_vequal(value a, value b) { return vequal(a, b, 0, NULL); }

int jj_vequal_py(rt *R, int line, value a, value b, int elem)
{
	int nan = 0, eq = vequal(a, b, elem, &nan);
	/* Python compares elements identity first (PyObject_RichCompareBool):
	 * two NaNs there are equal when they are one object, which a value here
	 * cannot tell; refused rather than answered wrongly */
	if (nan) jj_fail(R->e, line, "unsupported: NaN compared as an element of a container (Python's answer turns on object identity)");
	return eq;
}


int jj_vcompare(rt *R, int line, value a, value b)
{
	if (jj_isint(a) && jj_isint(b)) return jj_int_cmp(a, b);
	/* NaN is unordered: every comparison with it is False in Python, which
	 * one three-way answer cannot say (a <= b and a >= b would both be
	 * True); refused rather than answered wrongly (sort, min, max; the
	 * operators and tests ask jj_vorder, which answers) */
	if (((a.t == V_FLOAT && isnan(a.u.f)) || (b.t == V_FLOAT && isnan(b.u.f))) && (isnum(a) || jj_isint(a)) &&
	    (isnum(b) || jj_isint(b)))
		jj_fail(R->e, line, "unsupported: comparing NaN");
	if (a.t == V_FLOAT && b.t == V_FLOAT) return a.u.f < b.u.f ? -1 : a.u.f > b.u.f;
	if (a.t == V_FLOAT && jj_isint(b)) return -jj_int_float_cmp(b, a.u.f);
	if (b.t == V_FLOAT && jj_isint(a)) return jj_int_float_cmp(a, b.u.f);
	if (a.t == V_STR && b.t == V_STR) {
		size_t m = a.u.s.n < b.u.s.n ? a.u.s.n : b.u.s.n;
		int c = memcmp(a.u.s.p, b.u.s.p, m);
		return c ? (c < 0 ? -1 : 1) : (a.u.s.n < b.u.s.n ? -1 : a.u.s.n > b.u.s.n);
	}
	jj_fail(R->e, line, "'<' is not supported between a %s and a %s", jj_tname(a.t), jj_tname(b.t));
}

static int op_holds(int op, int c)
{
	return op == C_LT ? c < 0 : op == C_LE ? c <= 0 : op == C_GT ? c > 0 : c >= 0;
}

static int vorder(rt *R, int line, int op, value a, value b, int depth)
{
	/* NaN is unordered: Python answers all four False */
	if ((a.t == V_FLOAT && isnan(a.u.f) && (isnum(b) || jj_isint(b))) ||
	    (b.t == V_FLOAT && isnan(b.u.f) && (isnum(a) || jj_isint(a))))
		return 0;
	if (a.t == V_LIST && b.t == V_LIST) {
		const vlist *x = a.u.l, *y = b.u.l;
		if (x->view || y->view) {
			if (x->view == 4 || y->view == 4) jj_fail(R->e, line, "'<' is not supported between a range and a %s", jj_tname(b.t));
			if (x->view == 3 || y->view == 3 || !x->view || !y->view)
				jj_fail(R->e, line, "TypeError: '<' not supported between these (dict views order only other dict_keys or dict_items)");
			/* dict_keys and dict_items order as sets: a subset, by length then
			 * by each item found in the other */
			const value *small = op == C_LT || op == C_LE ? &a : &b, *big = small == &a ? &b : &a;
			size_t ns = small->u.l->n, nb = big->u.l->n;
			if (op == C_LT || op == C_GT ? ns >= nb : ns > nb) return 0;
			for (size_t i = 0; i < ns; i++)
				if (!jj_contains(R, line, *big, small->u.l->v[i])) return 0;
			return 1;
		}
		if (!x->tuple != !y->tuple) jj_fail(R->e, line, "'<' is not supported between a list and a tuple");
		if (depth > 256) jj_fail(R->e, line, "lists nested more than 256 deep compared");
		/* Python's sequence comparison: the first elements that differ
		 * decide, else the lengths */
		size_t n = x->n < y->n ? x->n : y->n;
		for (size_t i = 0; i < n; i++)
			if (!jj_vequal_py(R, line, x->v[i], y->v[i], 1)) return vorder(R, line, op, x->v[i], y->v[i], depth + 1);
		return op_holds(op, (x->n > y->n) - (x->n < y->n));
	}
	return op_holds(op, jj_vcompare(R, line, a, b));
}

int jj_vorder(rt *R, int line, int op, value a, value b) { return vorder(R, line, op, a, b, 0); }

int jj_contains(rt *R, int line, value hay, value needle)
{
	if (hay.t == V_STR) {
		if (needle.t != V_STR) jj_fail(R->e, line, "'in <string>' needs a string on the left, not a %s", jj_tname(needle.t));
		if (!needle.u.s.n) return 1;
		return memmem(hay.u.s.p, hay.u.s.n, needle.u.s.p, needle.u.s.n) != NULL;
	}
	if (hay.t == V_LIST) {
		vlist *l = hay.u.l;
		/* dict_keys hashes the needle; dict_items takes a (key, value) tuple and hashes the key */
		if (l->view == 2 && jj_unhashable(needle)) jj_fail(R->e, line, "TypeError: unhashable type: '%s'", jj_unhashable(needle));
		if (l->view == 1 && needle.t == V_LIST && needle.u.l->tuple && needle.u.l->n == 2 && jj_unhashable(needle.u.l->v[0]))
			jj_fail(R->e, line, "TypeError: unhashable type: '%s'", jj_unhashable(needle.u.l->v[0]));
		/* in a generator: it is used up to the item found, or to its failure */
		for (size_t i = l->gen ? l->pos : 0; i < l->n; i++)
			if (jj_vequal_py(R, line, l->v[i], needle, 1)) { if (l->gen) l->pos = i + 1; return 1; }
		if (l->gen) l->pos = l->n;
		if (l->gen && l->err) jj_fail_again(R->e, l->err, l->err_unsupported);
		return 0;
	}
	/* a namespace has attributes, no __contains__ nor __iter__ */
	if (hay.t == V_NS) jj_fail(R->e, line, "TypeError: argument of type 'Namespace' is not iterable");
	if (hay.t == V_DICT) {
		/* a key must be hashable: a list or dict is Python's TypeError */
		const char *u = jj_unhashable(needle);
		if (u) jj_fail(R->e, line, "TypeError: unhashable type: '%s'", u);
		return jj_dict_findv(hay.u.d, needle) != NULL;
	}
	/* jinja2's Undefined iterates as empty: x in undefined is false */
	if (hay.t == V_UNDEF) return 0;
	jj_fail(R->e, line, "argument of type %s is not iterable", jj_tname(hay.t));
}

/* ---------------- helpers of filters and methods ---------------- */

/* byte offset of code point k (n when past the end) */
size_t jj_cp_offset(const char *p, size_t n, size_t k)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)p[i] & 0xC0) != 0x80 && c++ == k) return i;
	return n;
}

/* v's items for k targets, as Python unpacks: any iterable (a string's
 * characters, a dict's keys, what is left of a generator), exactly k */
vlist *jj_unpack(rt *R, int line, value v, int k)
{
	if (v.t != V_STR && v.t != V_DICT && v.t != V_UNDEF && v.t != V_LIST)
		jj_fail(R->e, line, "TypeError: cannot unpack non-iterable %s object", v.t == V_NS ? "Namespace" : jj_tname(v.t));
	vlist *l = jj_to_items(R, line, v, "unpack");
	if (l->n < (size_t)k) jj_fail(R->e, line, "ValueError: not enough values to unpack (expected %d, got %zu)", k, l->n);
	if (l->n > (size_t)k) jj_fail(R->e, line, "ValueError: too many values to unpack (expected %d)", k);
	return l;
}

/* The items of an iterable as Python iterates them: a list's elements, a
 * string's characters, a dict's keys; an undefined value is empty. */
vlist *jj_list_take(rt *R, vlist *l)
{
	if (!l->gen) return l;
	if (l->err) jj_fail_again(R->e, l->err, l->err_unsupported);
	vlist *c = jj_list_new(R, l->n - l->pos + 1);
	for (size_t i = l->pos; i < l->n; i++) jj_list_push(R, c, l->v[i]);
	l->pos = l->n;
	return c;
}

vlist *jj_to_items(rt *R, int line, value v, const char *what)
{
	if (v.t == V_LIST) return jj_list_take(R, v.u.l);
	vlist *l = jj_list_new(R, 8);
	if (v.t == V_UNDEF) return l;
	if (v.t == V_STR) {
		for (size_t i = 0; i < v.u.s.n;) {
			uint32_t cp;
			size_t k = (size_t)utf8_decode(v.u.s.p + i, v.u.s.n - i, &cp);
			jj_list_push(R, l, vstr(v.u.s.p + i, k));
			i += k;
		}
		return l;
	}
	if (v.t == V_DICT) {
		for (size_t i = 0; i < v.u.d->n; i++) jj_list_push(R, l, jj_dict_key(v.u.d, i));
		return l;
	}
	jj_fail(R->e, line, "%s: '%s' object is not iterable", what, v.t == V_NS ? "Namespace" : jj_tname(v.t));
}




value jj_kwarg(const args *a, const char *name, int pos, value dflt)
{
	/* the last one of a name, as a dict of the keywords keeps it */
	for (int i = a->nk - 1; i >= 0; i--)
		if (a->kl[i] == strlen(name) && !memcmp(a->kn[i], name, a->kl[i])) return a->kw[i];
	if (pos >= 0 && pos < a->n) return a->v[pos];
	return dflt;
}

void jj_need_str(rt *R, int line, value v, const char *what)
{
	if (v.t != V_STR) jj_fail(R->e, line, "%s needs a string, not a %s", what, jj_tname(v.t));
}

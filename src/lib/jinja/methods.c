/* methods.c — the Python methods of str, dict and list that templates call,
 * one function per method (or per family sharing code, told apart by mode) in
 * a table sorted by (name, type). See jinja_int.h. */
#include "jinja/jinja_int.h"

#include <utf8proc.h>

#include <stdlib.h>

/* mode of the methods that share a function */
enum { M_FIRST, M_SECOND, M_THIRD, M_FOURTH };

/* a call-site node for the methods that reuse a filter's code */
static node filter_node(const char *name, int line)
{
	node fn;
	memset(&fn, 0, sizeof fn);
	fn.name = name; fn.nlen = strlen(name); fn.line = line;
	return fn;
}

/* the last occurrence of x in o, NULL: none */
static const char *str_rfind(value o, value x)
{
	for (size_t k = o.u.s.n >= x.u.s.n ? o.u.s.n - x.u.s.n + 1 : 0; k > 0; k--)
		if (!memcmp(o.u.s.p + k - 1, x.u.s.p, x.u.s.n)) return o.u.s.p + k - 1;
	return NULL;
}

/* str.strip, lstrip (mode 1), rstrip (mode 2) */
static value m_strip(rt *R, int line, value o, const args *a, int mode)
{
	(void)line;
	value ch = jj_kwarg(a, "chars", 0, V(V_NONE));
	return jj_strip(R, o, mode != 2, mode != 1, ch.t == V_STR ? &ch : NULL);
}

/* str.split, rsplit (mode 1) */
static value m_split(rt *R, int line, value o, const args *a, int mode)
{
	(void)line;
	value sep = jj_kwarg(a, "sep", 0, V(V_NONE));
	value mx = jj_kwarg(a, "maxsplit", 1, vint(-1));
	return jj_split(R, o, sep, mx.t == V_INT ? mx.u.i : -1, mode);
}

/* str.startswith, endswith (mode 1): a prefix or a tuple of them */
static value m_startswith(rt *R, int line, value o, const args *a, int mode)
{
	value x = jj_kwarg(a, "prefix", 0, V(V_UNDEF));
	vlist one = { .v = &x, .n = 1, .cap = 1 };
	vlist *cands = x.t == V_LIST ? x.u.l : &one;
	for (size_t i = 0; i < cands->n; i++) {
		value c = cands->v[i];
		jj_need_str(R, line, c, "startswith/endswith");
		if (c.u.s.n <= o.u.s.n && !memcmp(mode ? o.u.s.p + o.u.s.n - c.u.s.n : o.u.s.p, c.u.s.p, c.u.s.n)) return vbool(1);
	}
	return vbool(0);
}

/* str.upper, lower, capitalize, title: mode is jj_case_conv's */
static value m_case(rt *R, int line, value o, const args *a, int mode)
{
	(void)line; (void)a;
	return jj_case_conv(R, o, mode);
}

static value m_replace(rt *R, int line, value o, const args *a, int mode)
{
	(void)mode;
	node fn = filter_node("replace", line);
	return jj_apply_filter(R, &fn, o, a);
}

static value m_format(rt *R, int line, value o, const args *a, int mode)
{
	(void)mode;
	return jj_brace_format(R, line, o, a);
}

static value m_splitlines(rt *R, int line, value o, const args *a, int mode)
{
	(void)line; (void)mode;
	return vlistv(jj_splitlines(R, o, jj_truthy(jj_kwarg(a, "keepends", 0, vbool(0)))));
}

/* str.removeprefix, removesuffix (mode 1) */
static value m_removeprefix(rt *R, int line, value o, const args *a, int mode)
{
	value x = jj_kwarg(a, mode ? "suffix" : "prefix", 0, V(V_UNDEF));
	jj_need_str(R, line, x, mode ? "removesuffix" : "removeprefix");
	if (x.u.s.n > o.u.s.n) return o;
	if (!mode) return memcmp(o.u.s.p, x.u.s.p, x.u.s.n) ? o : vstr(o.u.s.p + x.u.s.n, o.u.s.n - x.u.s.n);
	return memcmp(o.u.s.p + o.u.s.n - x.u.s.n, x.u.s.p, x.u.s.n) ? o : vstr(o.u.s.p, o.u.s.n - x.u.s.n);
}

/* str.partition, rpartition (mode 1): a 3-tuple */
static value m_partition(rt *R, int line, value o, const args *a, int mode)
{
	value x = jj_kwarg(a, "sep", 0, V(V_UNDEF));
	jj_need_str(R, line, x, mode ? "rpartition" : "partition");
	if (!x.u.s.n) jj_fail(R->e, line, "empty separator");
	const char *f = mode ? str_rfind(o, x) : memmem(o.u.s.p, o.u.s.n, x.u.s.p, x.u.s.n);
	vlist *l = jj_list_new(R, 3);
	l->tuple = 1;
	if (!f) {
		value e = vstr("", 0);
		jj_list_push(R, l, mode ? e : o);
		jj_list_push(R, l, e);
		jj_list_push(R, l, mode ? o : e);
	} else {
		size_t at = (size_t)(f - o.u.s.p);
		jj_list_push(R, l, vstr(o.u.s.p, at));
		jj_list_push(R, l, x);
		jj_list_push(R, l, vstr(o.u.s.p + at + x.u.s.n, o.u.s.n - at - x.u.s.n));
	}
	return vlistv(l);
}

/* str.zfill: zeros after any sign */
static value zfill(rt *R, value o, int64_t width)
{
	int64_t len = (int64_t)jj_cp_count(o.u.s.p, o.u.s.n);
	if (width <= len) return o;
	int sign = o.u.s.n && (o.u.s.p[0] == '+' || o.u.s.p[0] == '-');
	value padded = jj_str_pad(R, vstr(o.u.s.p + sign, o.u.s.n - (size_t)sign), width - sign, '0', '>');
	if (!sign) return padded;
	char *r = arena_alloc(R->ar, padded.u.s.n + 2);
	r[0] = o.u.s.p[0];
	memcpy(r + 1, padded.u.s.p, padded.u.s.n);
	return vstr(r, padded.u.s.n + 1);
}

/* str.center, ljust, rjust, zfill: mode is jj_str_pad's alignment, 'z' zfill */
static value m_pad(rt *R, int line, value o, const args *a, int mode)
{
	value w = jj_kwarg(a, "width", 0, V(V_UNDEF)), fc = jj_kwarg(a, "fillchar", 1, vstr(" ", 1));
	if (w.t != V_INT)
		jj_fail(R->e, line, "%s: the width must be an integer",
			mode == 'z' ? "zfill" : mode == '^' ? "center" : mode == '<' ? "ljust" : "rjust");
	if (fc.t != V_STR || fc.u.s.n != 1) jj_fail(R->e, line, "unsupported: a fill character other than one ASCII character");
	if (mode == 'z') return zfill(R, o, w.u.i);
	return jj_str_pad(R, o, w.u.i, fc.u.s.p[0], (char)mode);
}

/* str.islower, isupper (mode 1): at least one cased character, and every
 * cased one in that case */
static value m_iscase(rt *R, int line, value o, const args *a, int mode)
{
	(void)R; (void)line; (void)a;
	int cased = 0;
	for (size_t i = 0; i < o.u.s.n;) {
		uint32_t cp;
		i += (size_t)utf8_decode(o.u.s.p + i, o.u.s.n - i, &cp);
		utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
		if (c == UTF8PROC_CATEGORY_LT) return vbool(0);
		if (mode ? c == UTF8PROC_CATEGORY_LL : c == UTF8PROC_CATEGORY_LU) return vbool(0);
		if (c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL) cased = 1;
	}
	return vbool(cased);
}

/* str.rfind, rindex (mode 1): in code points */
static value m_rfind(rt *R, int line, value o, const args *a, int mode)
{
	value x = jj_kwarg(a, "sub", 0, V(V_UNDEF));
	jj_need_str(R, line, x, mode ? "rindex" : "rfind");
	const char *f = str_rfind(o, x);
	if (!f && mode) jj_fail(R->e, line, "substring not found");
	if (!f) return vint(-1);
	return vint((int64_t)jj_cp_count(o.u.s.p, (size_t)(f - o.u.s.p)));
}

/* str.find, index (mode 1): in code points */
static value m_find(rt *R, int line, value o, const args *a, int mode)
{
	value x = jj_kwarg(a, "sub", 0, V(V_UNDEF));
	jj_need_str(R, line, x, mode ? "index" : "find");
	const char *f = x.u.s.n ? memmem(o.u.s.p, o.u.s.n, x.u.s.p, x.u.s.n) : o.u.s.p;
	if (!f && mode) jj_fail(R->e, line, "substring not found");
	if (!f) return vint(-1);
	int64_t cps = 0;
	for (const char *q = o.u.s.p; q < f; q++) cps += ((unsigned char)*q & 0xC0) != 0x80;
	return vint(cps);
}

/* str.count: non-overlapping occurrences */
static value m_count(rt *R, int line, value o, const args *a, int mode)
{
	(void)mode;
	value x = jj_kwarg(a, "sub", 0, V(V_UNDEF));
	jj_need_str(R, line, x, "count");
	int64_t c = 0;
	if (!x.u.s.n) return vint((int64_t)o.u.s.n + 1);
	for (size_t i = 0; i + x.u.s.n <= o.u.s.n;) {
		if (!memcmp(o.u.s.p + i, x.u.s.p, x.u.s.n)) { c++; i += x.u.s.n; }
		else i++;
	}
	return vint(c);
}

/* str.join: the join filter with the receiver as separator */
static value m_join(rt *R, int line, value o, const args *a, int mode)
{
	(void)mode;
	value l = jj_kwarg(a, "iterable", 0, V(V_UNDEF));
	node fn = filter_node("join", line);
	args sub = { &o, 1, 0, NULL, NULL, NULL };
	return jj_apply_filter(R, &fn, l, &sub);
}

/* str.isdigit, isalpha (1), isspace (2), isalnum (3) */
static value m_isclass(rt *R, int line, value o, const args *a, int mode)
{
	(void)R; (void)line; (void)a;
	if (!o.u.s.n) return vbool(0);
	/* by Unicode category, as Python does: letters L*, digits Nd (and No
	 * for isdigit's superscripts, approximately), spaces as str.isspace */
	for (size_t i = 0; i < o.u.s.n;) {
		uint32_t cp;
		size_t k = (size_t)utf8_decode(o.u.s.p + i, o.u.s.n - i, &cp);
		utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
		int alpha = c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO;
		int digit = c == UTF8PROC_CATEGORY_ND;
		int num = digit || c == UTF8PROC_CATEGORY_NL || c == UTF8PROC_CATEGORY_NO;
		int ok = mode == M_FIRST ? digit : mode == M_SECOND ? alpha : mode == M_FOURTH ? alpha || num :
			jj_ws_len(o.u.s.p + i, o.u.s.n - i) == k;
		if (!ok) return vbool(0);
		i += k;
	}
	return vbool(1);
}

/* dict.items: the items filter's list, as a view */
static value m_items(rt *R, int line, value o, const args *a, int mode)
{
	(void)mode;
	node fn = filter_node("items", line);
	value r = jj_apply_filter(R, &fn, o, a);
	r.u.l->view = 1;
	return r;
}

/* dict.keys, values (mode 1): views */
static value m_keys(rt *R, int line, value o, const args *a, int mode)
{
	(void)line; (void)a;
	vlist *l = jj_list_new(R, o.u.d->n);
	for (size_t i = 0; i < o.u.d->n; i++) jj_list_push(R, l, mode ? o.u.d->v[i] : jj_dict_key(o.u.d, i));
	l->view = mode ? 3 : 2;
	return vlistv(l);
}

static value m_get(rt *R, int line, value o, const args *a, int mode)
{
	(void)R; (void)line; (void)mode;
	value k = jj_kwarg(a, "key", 0, V(V_UNDEF));
	value *x = jj_dict_findv(o.u.d, k);
	return x ? *x : jj_kwarg(a, "default", 1, V(V_NONE));
}

/* list.index, count (mode 1) */
static value m_list_index(rt *R, int line, value o, const args *a, int mode)
{
	value x = jj_kwarg(a, "x", 0, V(V_UNDEF));
	int64_t c = 0;
	for (size_t i = 0; i < o.u.l->n; i++)
		if (jj_vequal(o.u.l->v[i], x)) {
			if (!mode) return vint((int64_t)i);
			c++;
		}
	if (!mode) jj_fail(R->e, line, "value is not in list");
	return vint(c);
}

#define S V_STR
#define L V_LIST
#define D V_DICT
#define NS V_NS
/* Sorted by name, then type, so that the methods of one name sit together:
 * a call site resolves the name when parsed (jj_method_named) and picks the
 * receiver's type among those few when called. fn NULL: a method that would
 * change a list or dict, which ImmutableSandboxedEnvironment refuses.
 * arity: the positional arguments taken here at most, -1 any. */
static const jj_method methods[] = {
	{ "append", L, NULL, 0, -1 },
	{ "capitalize", S, m_case, 'c', 0 },
	{ "center", S, m_pad, '^', 2 },
	{ "clear", L, NULL, 0, -1 },
	{ "clear", D, NULL, 0, -1 },
	{ "count", S, m_count, 0, 1 },
	{ "count", L, m_list_index, 1, 1 },
	{ "endswith", S, m_startswith, 1, 1 },
	{ "extend", L, NULL, 0, -1 },
	{ "find", S, m_find, 0, 1 },
	{ "format", S, m_format, 0, -1 },
	{ "get", D, m_get, 0, 2 },
	{ "get", NS, m_get, 0, 2 },
	{ "index", S, m_find, 1, 1 },
	{ "index", L, m_list_index, 0, 1 },
	{ "insert", L, NULL, 0, -1 },
	{ "isalnum", S, m_isclass, M_FOURTH, 0 },
	{ "isalpha", S, m_isclass, M_SECOND, 0 },
	{ "isdigit", S, m_isclass, M_FIRST, 0 },
	{ "islower", S, m_iscase, 0, 0 },
	{ "isspace", S, m_isclass, M_THIRD, 0 },
	{ "isupper", S, m_iscase, 1, 0 },
	{ "items", D, m_items, 0, 0 },
	{ "items", NS, m_items, 0, 0 },
	{ "join", S, m_join, 0, 1 },
	{ "keys", D, m_keys, 0, 0 },
	{ "keys", NS, m_keys, 0, 0 },
	{ "ljust", S, m_pad, '<', 2 },
	{ "lower", S, m_case, 'l', 0 },
	{ "lstrip", S, m_strip, 1, 1 },
	{ "partition", S, m_partition, 0, 1 },
	{ "pop", L, NULL, 0, -1 },
	{ "pop", D, NULL, 0, -1 },
	{ "popitem", D, NULL, 0, -1 },
	{ "remove", L, NULL, 0, -1 },
	{ "removeprefix", S, m_removeprefix, 0, 1 },
	{ "removesuffix", S, m_removeprefix, 1, 1 },
	{ "replace", S, m_replace, 0, 3 },
	{ "reverse", L, NULL, 0, -1 },
	{ "rfind", S, m_rfind, 0, 1 },
	{ "rindex", S, m_rfind, 1, 1 },
	{ "rjust", S, m_pad, '>', 2 },
	{ "rpartition", S, m_partition, 1, 1 },
	{ "rsplit", S, m_split, 1, 2 },
	{ "rstrip", S, m_strip, 2, 1 },
	{ "setdefault", D, NULL, 0, -1 },
	{ "sort", L, NULL, 0, -1 },
	{ "split", S, m_split, 0, 2 },
	{ "splitlines", S, m_splitlines, 0, 1 },
	{ "startswith", S, m_startswith, 0, 1 },
	{ "strip", S, m_strip, 0, 1 },
	{ "title", S, m_case, 't', 0 },
	{ "update", D, NULL, 0, -1 },
	{ "upper", S, m_case, 'u', 0 },
	{ "values", D, m_keys, 1, 0 },
	{ "values", NS, m_keys, 1, 0 },
	{ "zfill", S, m_pad, 'z', 1 },
};
#undef S
#undef L
#undef D
#undef NS
#define NMETHODS (sizeof methods / sizeof *methods)

const jj_method *jj_method_named(const char *name, size_t n)
{
	size_t lo = 0, hi = NMETHODS;
	while (lo < hi) {   /* the first entry not below name */
		size_t mid = (lo + hi) / 2;
		if (jj_name_cmp(methods[mid].name, name, n) < 0) lo = mid + 1; else hi = mid;
	}
	return lo < NMETHODS && !jj_name_cmp(methods[lo].name, name, n) ? &methods[lo] : NULL;
}

const jj_method *jj_method_pick(const jj_method *named, int t)
{
	if (!named) return NULL;
	for (const jj_method *p = named; p < methods + NMETHODS && !strcmp(p->name, named->name); p++)
		if (p->type == t) return p;
	return NULL;
}

value jj_call_method(rt *R, int line, value o, const jj_method *named, const char *m, size_t ml, const args *a)
{
	const jj_method *f = jj_method_pick(named, o.t);
	if (f && !f->fn)
		jj_fail(R->e, line, "SecurityError: access to attribute '%.*s' of '%s' object is unsafe.", (int)ml, m, o.t == V_LIST ? "list" : "dict");
	if (f && f->arity >= 0 && a->n > f->arity)
		jj_fail(R->e, line, "unsupported: %s.%.*s() with %d positional arguments (at most %d here)", jj_tname(o.t), (int)ml, m, a->n,
			f->arity);
	if (f) return f->fn(R, line, o, a, f->mode);
	if (o.t == V_UNDEF) jj_fail(R->e, line, "'%.*s' of an undefined value", (int)ml, m);
	if (jj_is_py_method(o.t, m, ml)) jj_fail(R->e, line, "unsupported: the method %s.%.*s", jj_tname(o.t), (int)ml, m);
	/* jinja2 finds no such attribute (an Undefined it cannot call), or a key that is no function */
	jj_fail(R->e, line, "'%s object' has no attribute '%.*s'", jj_tname(o.t), (int)ml, m);
}

/* methods.c — the Python methods of str, dict and list that templates call.
 * See jinja_int.h. */
#include "jinja/jinja_int.h"

#include <utf8proc.h>

#include <stdlib.h>

value jj_call_method(rt *R, int line, value o, const char *m, size_t ml, const args *a)
{
#define IS(s) (ml == sizeof(s) - 1 && !memcmp(m, s, ml))
	if (o.t == V_STR) {
		if (IS("strip") || IS("lstrip") || IS("rstrip")) {
			value ch = jj_kwarg(a, "chars", 0, V(V_NONE));
			return jj_strip(R, o, !IS("rstrip"), !IS("lstrip"), ch.t == V_STR ? &ch : NULL);
		}
		if (IS("split") || IS("rsplit")) {
			value sep = jj_kwarg(a, "sep", 0, V(V_NONE));
			value mx = jj_kwarg(a, "maxsplit", 1, vint(-1));
			return jj_split(R, o, sep, mx.t == V_INT ? mx.u.i : -1, IS("rsplit"));
		}
		if (IS("startswith") || IS("endswith")) {
			value x = jj_kwarg(a, "prefix", 0, V(V_UNDEF));
			vlist one = { &x, 1, 1, 0, 0, {0} };
			vlist *cands = x.t == V_LIST ? x.u.l : &one;
			for (size_t i = 0; i < cands->n; i++) {
				value c = cands->v[i];
				jj_need_str(R, line, c, "startswith/endswith");
				if (c.u.s.n <= o.u.s.n && !memcmp(IS("startswith") ? o.u.s.p : o.u.s.p + o.u.s.n - c.u.s.n, c.u.s.p, c.u.s.n)) return vbool(1);
			}
			return vbool(0);
		}
		if (IS("upper")) return jj_case_conv(R, o, 'u');
		if (IS("lower")) return jj_case_conv(R, o, 'l');
		if (IS("capitalize")) return jj_case_conv(R, o, 'c');
		if (IS("title")) return jj_case_conv(R, o, 't');
		if (IS("replace")) {
			node fn; memset(&fn, 0, sizeof fn); fn.name = "replace"; fn.nlen = 7; fn.line = line;
			return jj_apply_filter(R, &fn, o, a);
		}
		if (IS("format")) return jj_brace_format(R, line, o, a);
		if (IS("splitlines")) return vlistv(jj_splitlines(R, o, jj_truthy(jj_kwarg(a, "keepends", 0, vbool(0)))));
		if (IS("removeprefix") || IS("removesuffix")) {
			value x = jj_kwarg(a, IS("removeprefix") ? "prefix" : "suffix", 0, V(V_UNDEF));
			jj_need_str(R, line, x, m);
			if (x.u.s.n > o.u.s.n) return o;
			if (IS("removeprefix")) return memcmp(o.u.s.p, x.u.s.p, x.u.s.n) ? o : vstr(o.u.s.p + x.u.s.n, o.u.s.n - x.u.s.n);
			return memcmp(o.u.s.p + o.u.s.n - x.u.s.n, x.u.s.p, x.u.s.n) ? o : vstr(o.u.s.p, o.u.s.n - x.u.s.n);
		}
		if (IS("partition") || IS("rpartition")) {
			value x = jj_kwarg(a, "sep", 0, V(V_UNDEF));
			jj_need_str(R, line, x, m);
			if (!x.u.s.n) jj_fail(R->e, line, "empty separator");
			const char *f = NULL;
			if (IS("partition")) f = memmem(o.u.s.p, o.u.s.n, x.u.s.p, x.u.s.n);
			else for (size_t k = o.u.s.n >= x.u.s.n ? o.u.s.n - x.u.s.n + 1 : 0; k > 0 && !f; k--) if (!memcmp(o.u.s.p + k - 1, x.u.s.p, x.u.s.n)) f = o.u.s.p + k - 1;
			vlist *l = jj_list_new(R, 3);
			l->tuple = 1;
			if (!f) {
				value e = vstr("", 0);
				if (IS("partition")) { jj_list_push(R, l, o); jj_list_push(R, l, e); jj_list_push(R, l, e); }
				else { jj_list_push(R, l, e); jj_list_push(R, l, e); jj_list_push(R, l, o); }
			} else {
				size_t at = (size_t)(f - o.u.s.p);
				jj_list_push(R, l, vstr(o.u.s.p, at));
				jj_list_push(R, l, x);
				jj_list_push(R, l, vstr(o.u.s.p + at + x.u.s.n, o.u.s.n - at - x.u.s.n));
			}
			return vlistv(l);
		}
		if (IS("center") || IS("ljust") || IS("rjust") || IS("zfill")) {
			value w = jj_kwarg(a, "width", 0, V(V_UNDEF)), fc = jj_kwarg(a, "fillchar", 1, vstr(" ", 1));
			if (w.t != V_INT) jj_fail(R->e, line, "%.*s: the width must be an integer", (int)ml, m);
			if (fc.t != V_STR || fc.u.s.n != 1) jj_fail(R->e, line, "unsupported: a fill character other than one ASCII character");
			if (IS("zfill")) {
				int64_t len = (int64_t)jj_cp_count(o.u.s.p, o.u.s.n);
				if (w.u.i <= len) return o;
				int sign = o.u.s.n && (o.u.s.p[0] == '+' || o.u.s.p[0] == '-');
				value padded = jj_str_pad(R, vstr(o.u.s.p + sign, o.u.s.n - (size_t)sign), w.u.i - sign, '0', '>');
				if (!sign) return padded;
				char *r = arena_alloc(R->ar, padded.u.s.n + 2);
				r[0] = o.u.s.p[0];
				memcpy(r + 1, padded.u.s.p, padded.u.s.n);
				return vstr(r, padded.u.s.n + 1);
			}
			return jj_str_pad(R, o, w.u.i, fc.u.s.p[0], IS("center") ? '^' : IS("ljust") ? '<' : '>');
		}
		if (IS("islower") || IS("isupper")) {
			/* at least one cased character, and every cased one in that case */
			int cased = 0;
			for (size_t i = 0; i < o.u.s.n;) {
				uint32_t cp;
				i += (size_t)utf8_decode(o.u.s.p + i, o.u.s.n - i, &cp);
				utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
				if (c == UTF8PROC_CATEGORY_LT) return vbool(0);
				if (IS("islower") ? c == UTF8PROC_CATEGORY_LU : c == UTF8PROC_CATEGORY_LL) return vbool(0);
				if (c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL) cased = 1;
			}
			return vbool(cased);
		}
		if (IS("rfind") || IS("rindex")) {
			value x = jj_kwarg(a, "sub", 0, V(V_UNDEF));
			jj_need_str(R, line, x, m);
			const char *f = NULL;
			for (size_t k = o.u.s.n >= x.u.s.n ? o.u.s.n - x.u.s.n + 1 : 0; k > 0 && !f; k--) if (!memcmp(o.u.s.p + k - 1, x.u.s.p, x.u.s.n)) f = o.u.s.p + k - 1;
			if (!f && IS("rindex")) jj_fail(R->e, line, "substring not found");
			if (!f) return vint(-1);
			return vint((int64_t)jj_cp_count(o.u.s.p, (size_t)(f - o.u.s.p)));
		}
		if (IS("find") || IS("count") || IS("index")) {
			value x = jj_kwarg(a, "sub", 0, V(V_UNDEF));
			jj_need_str(R, line, x, m);
			if (IS("count")) {
				int64_t c = 0;
				if (!x.u.s.n) return vint((int64_t)o.u.s.n + 1);
				for (size_t i = 0; i + x.u.s.n <= o.u.s.n;) { if (!memcmp(o.u.s.p + i, x.u.s.p, x.u.s.n)) { c++; i += x.u.s.n; } else i++; }
				return vint(c);
			}
			const char *f = x.u.s.n ? memmem(o.u.s.p, o.u.s.n, x.u.s.p, x.u.s.n) : o.u.s.p;
			if (!f && IS("index")) jj_fail(R->e, line, "substring not found");
			if (!f) return vint(-1);
			int64_t cps = 0;
			for (const char *q = o.u.s.p; q < f; q++) cps += ((unsigned char)*q & 0xC0) != 0x80;
			return vint(cps);
		}
		if (IS("join")) {
			value l = jj_kwarg(a, "iterable", 0, V(V_UNDEF));
			node fn; memset(&fn, 0, sizeof fn); fn.name = "join"; fn.nlen = 4; fn.line = line;
			args sub = { &o, 1, 0, NULL, NULL, NULL };
			return jj_apply_filter(R, &fn, l, &sub);
		}
		if (IS("isdigit") || IS("isalpha") || IS("isspace") || IS("isalnum")) {
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
				int ok = IS("isdigit") ? digit : IS("isalpha") ? alpha : IS("isalnum") ? alpha || num : jj_ws_len(o.u.s.p + i, o.u.s.n - i) == k;
				if (!ok) return vbool(0);
				i += k;
			}
			return vbool(1);
		}
	}
	if (o.t == V_DICT || o.t == V_NS) {
		if (IS("items")) {
			node fn; memset(&fn, 0, sizeof fn); fn.name = "items"; fn.nlen = 5; fn.line = line;
			value r = jj_apply_filter(R, &fn, o, a);
			r.u.l->view = 1;
			return r;
		}
		if (IS("keys") || IS("values")) {
			vlist *l = jj_list_new(R, o.u.d->n);
			for (size_t i = 0; i < o.u.d->n; i++) jj_list_push(R, l, IS("keys") ? jj_dict_key(o.u.d, i) : o.u.d->v[i]);
			l->view = IS("keys") ? 2 : 3;
			return vlistv(l);
		}
		if (IS("get")) {
			value k = jj_kwarg(a, "key", 0, V(V_UNDEF));
			value *x = jj_dict_findv(o.u.d, k);
			return x ? *x : jj_kwarg(a, "default", 1, V(V_NONE));
		}
	}
	if (o.t == V_LIST) {
		if (IS("index") || IS("count")) {
			value x = jj_kwarg(a, "x", 0, V(V_UNDEF));
			int64_t c = 0;
			for (size_t i = 0; i < o.u.l->n; i++) if (jj_vequal(o.u.l->v[i], x)) { if (IS("index")) return vint((int64_t)i); c++; }
			if (IS("index")) jj_fail(R->e, line, "value is not in list");
			return vint(c);
		}
	}
	/* ImmutableSandboxedEnvironment: lists and dicts may not change */
	if ((o.t == V_LIST && (IS("append") || IS("extend") || IS("pop") || IS("insert") || IS("remove") || IS("clear") ||
			       IS("reverse") || IS("sort"))) ||
	    (o.t == V_DICT && (IS("pop") || IS("popitem") || IS("setdefault") || IS("update") || IS("clear"))))
		jj_fail(R->e, line, "SecurityError: access to attribute '%.*s' of '%s' object is unsafe.", (int)ml, m, o.t == V_LIST ? "list" : "dict");
#undef IS
	if (o.t == V_UNDEF) jj_fail(R->e, line, "'%.*s' of an undefined value", (int)ml, m);
	if (jj_is_py_method(o.t, m, ml)) jj_fail(R->e, line, "unsupported: the method %s.%.*s", jj_tname(o.t), (int)ml, m);
	/* jinja2 finds no such attribute (an Undefined it cannot call), or a key that is no function */
	jj_fail(R->e, line, "'%s object' has no attribute '%.*s'", jj_tname(o.t), (int)ml, m);
}

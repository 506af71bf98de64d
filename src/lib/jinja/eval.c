/* eval.c — rendering: expressions evaluated, statements executed, globals,
 * the variables of a record, and the render entry points of jinja.h. See
 * jinja_int.h. */
#include "jinja/jinja_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static value eval(rt *R, const node *n);

/* Entering a scope: the names it starts undefined (scope.c) */
static void enter_scope(rt *R, frame *f, const jj_names *u)
{
	for (int i = 0; i < u->n; i++) jj_frame_set(R, f, u->p[i], u->l[i], V(V_UNDEF));
}

/* A scope's frame below up, in the arena (a macro defined there keeps it),
 * entered with the names it starts undefined */
static frame *scope_frame(rt *R, frame *up, const jj_names *u)
{
	frame *f = arena_alloc(R->ar, sizeof *f);
	memset(f, 0, sizeof *f);
	f->up = up;
	enter_scope(R, f, u);
	return f;
}
/* A loop's state beyond one round: the for node, its scope and the depth
 * of this level (for loop(items) in a recursive loop), and the arguments
 * loop.changed() saw last (NULL: none yet). It sits in a hidden slot of
 * the loop object. */
typedef struct loopctx { const node *n; frame *f; int depth; vlist *changed; } loopctx;
static void exec_body(rt *R, const nlist *body, frame *f);
static value call_loop(rt *R, int line, value loop, const args *a);

static void eval_args(rt *R, const node *n, args *a)
{
	/* f(x, *xs, k=v, **kw): jinja2's dyn_args and dyn_kwargs spread after the others */
	value star = n->dyn_args ? eval(R, n->dyn_args) : V(V_UNDEF), stars = n->dyn_kwargs ? eval(R, n->dyn_kwargs) : V(V_UNDEF);
	if (n->dyn_args && star.t != V_LIST) jj_fail(R->e, n->line, "argument after * must be an iterable, not %s", jj_tname(star.t));
	if (n->dyn_kwargs && stars.t != V_DICT) jj_fail(R->e, n->line, "argument after ** must be a mapping, not %s", jj_tname(stars.t));
	size_t ns = n->dyn_args ? star.u.l->n : 0, nks = n->dyn_kwargs ? stars.u.d->n : 0;
	a->n = n->args.n + (int)ns;
	a->v = arena_alloc(R->ar, (size_t)(a->n + 1) * sizeof *a->v);
	for (int i = 0; i < n->args.n; i++) a->v[i] = eval(R, n->args.v[i]);
	for (size_t i = 0; i < ns; i++) a->v[n->args.n + i] = star.u.l->v[i];
	a->nk = n->kwv.n + (int)nks;
	a->kw = arena_alloc(R->ar, (size_t)(a->nk + 1) * sizeof *a->kw);
	a->kn = arena_alloc(R->ar, (size_t)(a->nk + 1) * sizeof *a->kn);
	a->kl = arena_alloc(R->ar, (size_t)(a->nk + 1) * sizeof *a->kl);
	for (int i = 0; i < n->kwv.n; i++) { a->kw[i] = eval(R, n->kwv.v[i]); a->kn[i] = n->kwn[i]; a->kl[i] = n->kwl[i]; }
	for (size_t i = 0; i < nks; i++) {
		int k = n->kwv.n + (int)i;
		if (!stars.u.d->k[i].p) jj_fail(R->e, n->line, "keywords must be strings");
		for (int j = 0; j < k; j++)
			if (a->kl[j] == stars.u.d->k[i].n && !memcmp(a->kn[j], stars.u.d->k[i].p, a->kl[j]))
				jj_fail(R->e, n->line, "got multiple values for keyword argument '%.*s'", (int)a->kl[j], a->kn[j]);
		a->kw[k] = stars.u.d->v[i]; a->kn[k] = stars.u.d->k[i].p; a->kl[k] = stars.u.d->k[i].n;
	}
}

/* jinja2's cycler(items...) and joiner(sep=', ') objects: the state of a
 * V_FUNC F_CYCLER / F_JOINER, in the render's arena */
typedef struct cycler { vlist *items; size_t pos; } cycler;
typedef struct joiner { value sep; int used; } joiner;

static value new_object(rt *R, int line, int fn, const args *a)
{
	value v = V(V_FUNC);
	v.u.fo.fn = fn == F_CYCLER_NEW ? F_CYCLER : F_JOINER;
	if (fn == F_CYCLER_NEW) {
		if (a->nk) jj_fail(R->e, line, "cycler() got an unexpected keyword argument '%.*s'", (int)a->kl[0], a->kn[0]);
		if (!a->n) jj_fail(R->e, line, "at least one item has to be provided");
		cycler *c = arena_alloc(R->ar, sizeof *c);
		c->items = jj_list_new(R, (size_t)a->n);
		for (int i = 0; i < a->n; i++) jj_list_push(R, c->items, a->v[i]);
		c->pos = 0;
		v.u.fo.o = c;
		return v;
	}
	if (a->n > 1) jj_fail(R->e, line, "joiner() takes from 0 to 1 positional arguments but %d were given", a->n);
	joiner *j = arena_alloc(R->ar, sizeof *j);
	j->sep = jj_kwarg(a, "sep", 0, vstr(", ", 2));
	j->used = 0;
	v.u.fo.o = j;
	return v;
}

/* c.next(), c.reset(): the cycler's methods */
static value cycler_method(rt *R, int line, cycler *c, const char *m, size_t ml, const args *a)
{
	int next = ml == 4 && !memcmp(m, "next", 4), reset = ml == 5 && !memcmp(m, "reset", 5);
	if (!next && !reset) jj_fail(R->e, line, "'jinja2.utils.Cycler object' has no attribute '%.*s'", (int)ml, m);
	if (a->n || a->nk) jj_fail(R->e, line, "Cycler.%.*s() takes no arguments", (int)ml, m);
	if (reset) { c->pos = 0; return V(V_NONE); }
	value r = c->items->v[c->pos];
	c->pos = (c->pos + 1) % c->items->n;
	return r;
}

/* obj.name as jinja2 resolves it: the attribute (a method, a namespace's
 * member), else the item, else undefined; only an undefined object raises. */
static value getattr_v(rt *R, int line, value o, const char *k, size_t n, int methods)
{
	if (o.t == V_UNDEF) jj_fail(R->e, line, "'%.*s' of an undefined value", (int)n, k);
	if ((o.t == V_STR && (methods & 1)) || (o.t == V_DICT && (methods & 2)) || (o.t == V_LIST && !o.u.l->tuple && (methods & 4))) {
		value f = V(V_FUNC);
		f.u.fn = F_BOUND;
		return f;
	}
	if (o.t == V_DICT || o.t == V_NS) { value *x = jj_dict_find(o.u.d, k, n); return x ? *x : V(V_UNDEF); }
	if (o.t == V_INT || o.t == V_BIG || o.t == V_BOOL || o.t == V_FLOAT) {
		/* the numbers' data attributes: real, imag (ints: numerator, denominator) */
		const int isint = o.t != V_FLOAT;
		if (n == 4 && !memcmp(k, "real", 4)) return o.t == V_BOOL ? vint(o.u.b) : o;
		if (n == 4 && !memcmp(k, "imag", 4)) { if (isint) return vint(0); value z = V(V_FLOAT); z.u.f = 0.0; return z; }
		if (isint && n == 9 && !memcmp(k, "numerator", 9)) return o.t == V_BOOL ? vint(o.u.b) : o;
		if (isint && n == 11 && !memcmp(k, "denominator", 11)) return vint(1);
		return V(V_UNDEF);
	}
	if (o.t == V_LIST && o.u.l->tuple == 2) {   /* groupby's (grouper, list) */
		if (n == 7 && !memcmp(k, "grouper", 7)) return o.u.l->v[0];
		if (n == 4 && !memcmp(k, "list", 4)) return o.u.l->v[1];
	}
	if (o.t == V_FUNC && o.u.fo.fn == F_CYCLER) {
		const cycler *c = o.u.fo.o;
		if (n == 7 && !memcmp(k, "current", 7)) return c->items->v[c->pos];
		if ((n == 4 && !memcmp(k, "next", 4)) || (n == 5 && !memcmp(k, "reset", 5))) { value f = V(V_FUNC); f.u.fn = F_BOUND; return f; }
	}
	return V(V_UNDEF);
}

/* o.k as the sandbox's getattr: a Python method of o's type first, then the item */
value jj_getattr(rt *R, int line, value o, const char *k, size_t n)
{
	int m = (jj_is_py_method(V_STR, k, n) ? 1 : 0) | (jj_is_py_method(V_DICT, k, n) ? 2 : 0) | (jj_is_py_method(V_LIST, k, n) ? 4 : 0);
	return getattr_v(R, line, o, k, n, m);
}

value jj_getitem(rt *R, int line, value o, value k)
{
	if (o.t == V_LIST || o.t == V_STR) {
		if (k.t == V_BOOL) k = vint(k.u.b);   /* a bool is an int index */
		if (k.t != V_INT) {
			/* obj[key] fails (TypeError): the sandbox's getitem then tries
			 * getattr(obj, key) for a string key, else it is undefined */
			if (k.t == V_STR && !(o.t == V_LIST && (o.u.l->view || o.u.l->tuple)) && jj_is_py_method(o.t, k.u.s.p, k.u.s.n)) {
				value f = V(V_FUNC);
				f.u.fn = F_BOUND;
				return f;
			}
			return V(V_UNDEF);
		}
		if (o.t == V_LIST) {
			if ((o.u.l->view && o.u.l->view != 4) || o.u.l->gen) return V(V_UNDEF);   /* dict views, generators: not subscriptable */
			int64_t i = k.u.i < 0 ? k.u.i + (int64_t)o.u.l->n : k.u.i;
			if (i < 0 || i >= (int64_t)o.u.l->n) return V(V_UNDEF);
			return o.u.l->v[i];
		}
		/* a string: characters */
		int64_t cnt = 0;
		for (size_t i = 0; i < o.u.s.n; i++) cnt += ((unsigned char)o.u.s.p[i] & 0xC0) != 0x80;
		int64_t want = k.u.i < 0 ? k.u.i + cnt : k.u.i, c = -1;
		if (want < 0 || want >= cnt) return V(V_UNDEF);
		for (size_t i = 0; i < o.u.s.n; i++) {
			if (((unsigned char)o.u.s.p[i] & 0xC0) != 0x80) c++;
			if (c == want) {
				uint32_t cp;
				int l = utf8_decode(o.u.s.p + i, o.u.s.n - i, &cp);
				value ch = vstr(o.u.s.p + i, (size_t)l);
				ch.markup = o.markup;   /* Markup's __getitem__ gives a Markup */
				return ch;
			}
		}
		return V(V_UNDEF);
	}
	if (o.t == V_DICT || o.t == V_NS) {
		value *x = jj_dict_findv(o.u.d, k);
		return x ? *x : V(V_UNDEF);
	}
	if (o.t == V_UNDEF) jj_fail(R->e, line, "an item of an undefined value");
	return V(V_UNDEF);   /* jinja2: a failed lookup is undefined, not an error */
}

/* A slice index as PySlice_Unpack takes it: 0 for none, 1 for an int or a
 * bool (one past 64 bits clamped) in *out, -1 for anything else (Python's
 * TypeError) */
static int slice_index(value v, int64_t *out)
{
	if (v.t == V_NONE) return 0;
	if (v.t == V_INT) *out = v.u.i;
	else if (v.t == V_BOOL) *out = v.u.b;
	else if (v.t == V_BIG) *out = v.u.big->neg ? -INT64_MAX : INT64_MAX;
	else return -1;
	return 1;
}

value jj_slice(rt *R, int line, value o, value lo, value hi, value st)
{
	if (o.t == V_UNDEF) jj_fail(R->e, line, "a slice of an undefined value");
	int64_t step = 1, ilo = 0, ihi = 0;
	int has_lo = 0, has_hi = 0;
	if ((o.t == V_LIST && !o.u.l->gen) || o.t == V_STR) {
		has_lo = slice_index(lo, &ilo);
		has_hi = slice_index(hi, &ihi);
		int has_st = slice_index(st, &step);
		if (has_lo < 0 || has_hi < 0 || has_st < 0) {
			/* as_const's getitem turns the TypeError into undefined */
			if (R->folding) { R->fold_slices++; return V(V_UNDEF); }
			jj_fail(R->e, line, "TypeError: slice indices must be integers or None or have an __index__ method");
		}
		if (has_st && step == 0) jj_fail(R->e, line, "ValueError: slice step cannot be zero");
	}
	if ((o.t != V_LIST && o.t != V_STR) || (o.t == V_LIST && o.u.l->gen)) {
		/* jinja2's code slices directly (a TypeError); its as_const goes
		 * through the sandbox's getitem, which makes that undefined, but
		 * for an undefined value, whose __getitem__ raises */
		if (R->folding) { R->fold_slices++; return V(V_UNDEF); }
		jj_fail(R->e, line, "TypeError: '%s' object is not subscriptable", o.t == V_LIST ? "generator" : jj_tname(o.t));
	}
	/* items: list elements or string characters */
	size_t n = 0;
	size_t *starts = NULL;
	if (o.t == V_LIST) n = o.u.l->n;
	else if (o.t == V_STR) {
		starts = arena_alloc(R->ar, (o.u.s.n + 1) * sizeof *starts);
		for (size_t i = 0; i < o.u.s.n; i++) if (((unsigned char)o.u.s.p[i] & 0xC0) != 0x80) starts[n++] = i;
		starts[n] = o.u.s.n;
	}
	int64_t len = (int64_t)n, a, b;
	if (step > 0) {
		a = has_lo ? ilo : 0;
		b = has_hi ? ihi : len;
		if (a < 0) a += len;
		if (b < 0) b += len;
		if (a < 0) a = 0;
		if (a > len) a = len;
		if (b < 0) b = 0;
		if (b > len) b = len;
	} else {
		/* Python: a defaults to the end, b to before the start */
		a = has_lo ? ilo : len - 1;
		if (a < 0) a += len;
		if (a < -1) a = -1;
		if (a >= len) a = len - 1;
		if (has_hi) {
			b = ihi;
			if (b < 0) b += len;
			if (b < -1) b = -1;
			if (b >= len) b = len - 1;
		} else b = -1;
	}
	/* how many items: counted, so a step past 2^62 cannot overflow */
	uint64_t cnt = step > 0 ? (a < b ? (uint64_t)(b - a - 1) / (uint64_t)step + 1 : 0)
				: (a > b ? (uint64_t)(a - b - 1) / (uint64_t)-step + 1 : 0);
	if (o.t == V_LIST) {
		if (o.u.l->view && o.u.l->view != 4) jj_fail(R->e, line, "a dict view is not subscriptable");
		vlist *l = jj_list_new(R, 8);
		l->tuple = o.u.l->tuple;
		for (uint64_t k = 0; k < cnt; k++) jj_list_push(R, l, o.u.l->v[a + (int64_t)k * step]);
		if (o.u.l->view == 4) {
			/* a range's slice is a range: start + a * step to start + b * step */
			const value *r = o.u.l->range;
			l->view = 4;
			l->range[0] = jj_int_arith(R, line, '+', r[0], jj_int_arith(R, line, '*', vint(a), r[2]));
			l->range[1] = jj_int_arith(R, line, '+', r[0], jj_int_arith(R, line, '*', vint(b), r[2]));
			l->range[2] = jj_int_arith(R, line, '*', r[2], vint(step));
		}
		return vlistv(l);
	}
	strbuf bb = {0};
	for (uint64_t k = 0; k < cnt; k++) {
		int64_t i = a + (int64_t)k * step;
		strbuf_put(&bb, o.u.s.p + starts[i], starts[i + 1] - starts[i]);
	}
	value r = vstr(rdup(R, bb.p ? bb.p : "", bb.len), bb.len);
	r.markup = o.markup;
	strbuf_free(&bb);
	return r;
}
static value call_builtin(rt *R, int line, int fn, const args *a)
{
	switch (fn) {
	case F_NAMESPACE: case F_DICT: {
		value v = V(fn == F_NAMESPACE ? V_NS : V_DICT);
		v.u.d = jj_dict_new(R);
		if (a->n > 1) jj_fail(R->e, line, "TypeError: dict expected at most 1 argument, got %d", a->n);
		if (a->n == 1 && a->v[0].t == V_NS) jj_fail(R->e, line, "TypeError: 'Namespace' object is not iterable");
		if (a->n == 1 && a->v[0].t == V_DICT)
			for (size_t i = 0; i < a->v[0].u.d->n; i++) jj_dict_setv(R, line, v.u.d, jj_dict_key(a->v[0].u.d, i), a->v[0].u.d->v[i]);
		else if (a->n == 1) {
			/* dict(iterable): each item a pair (any iterable of two) */
			vlist *items = jj_to_items(R, line, a->v[0], "dict");
			for (size_t i = 0; i < items->n; i++) {
				value p = items->v[i];
				vlist *kv = p.t == V_LIST || p.t == V_STR ? jj_to_items(R, line, p, "dict") : NULL;
				if (!kv) jj_fail(R->e, line, "TypeError: cannot convert dictionary update sequence element #%zu to a sequence", i);
				if (kv->n != 2) jj_fail(R->e, line, "ValueError: dictionary update sequence element #%zu has length %zu; 2 is required", i, kv->n);
				jj_dict_setv(R, line, v.u.d, kv->v[0], kv->v[1]);
			}
		}
		if (a->nk)
			for (int i = 0; i < a->nk; i++) jj_dict_set(R, v.u.d, a->kn[i], a->kl[i], a->kw[i]);
		return v;
	}
	case F_RANGE: {
		/* the sandbox's safe_range: Python's range of ints of any size, refused
		 * past MAX_RANGE (100000) items */
		value lo = vint(0), hi, st = vint(1);
		for (int i = 0; i < a->n; i++) if (!jj_isint(a->v[i])) jj_fail(R->e, line, "TypeError: '%s' object cannot be interpreted as an integer", jj_tname(a->v[i].t));
		if (a->n == 1) hi = a->v[0];
		else if (a->n >= 2 && a->n <= 3) { lo = a->v[0]; hi = a->v[1]; if (a->n == 3) st = a->v[2]; }
		else jj_fail(R->e, line, "TypeError: range expected at most 3 arguments, got %d", a->n);
		if (!jj_int_sign(st)) jj_fail(R->e, line, "ValueError: range() arg 3 must not be zero");
		/* len: max(0, (hi - lo + step - sign(step)) // step) */
		value len = jj_int_arith(R, line, 'F', jj_int_arith(R, line, '-', jj_int_arith(R, line, '+', jj_int_arith(R, line, '-', hi, lo), st), vint(jj_int_sign(st))), st);
		if (len.t == V_BIG && jj_int_sign(len) > 0) jj_fail(R->e, line, "OverflowError: Python int too large to convert to C ssize_t");
		if (len.t == V_INT && len.u.i > 100000) jj_fail(R->e, line, "OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
		int64_t k = len.t == V_INT && len.u.i > 0 ? len.u.i : 0;
		vlist *l = jj_list_new(R, (size_t)k);
		value x = lo;
		for (int64_t i = 0; i < k; i++) { jj_list_push(R, l, x); x = jj_int_arith(R, line, '+', x, st); }
		l->view = 4;
		l->range[0] = lo.t == V_BOOL ? vint(lo.u.b) : lo; l->range[1] = hi.t == V_BOOL ? vint(hi.u.b) : hi; l->range[2] = st.t == V_BOOL ? vint(st.u.b) : st;
		return vlistv(l);
	}
	case F_RAISE: {
		strbuf b = {0};
		jj_live_push(R, &b);
		if (a->n) jj_put_str(R, &b, a->v[0]);
		char msg[512];
		snprintf(msg, sizeof msg, "raise_exception: %.*s", (int)b.len, b.p ? b.p : "");
		jj_live_pop(R, &b);
		jj_fail(R->e, 0, "%s", msg);
	}
	case F_STRFTIME: {
		if (a->n < 1 || a->v[0].t != V_STR) jj_fail(R->e, line, "strftime_now needs a format string");
		char fmt[256], out[256];
		snprintf(fmt, sizeof fmt, "%.*s", (int)a->v[0].u.s.n, a->v[0].u.s.p);
		/* transformers' strftime_now is datetime.now().strftime(fmt); with
		 * SOURCE_DATE_EPOCH (reproducible-builds.org) the instant is that
		 * one, in UTC, so a template that prints the date renders the
		 * same bytes on every run */
		struct tm tmv;
		const char *sde = getenv("SOURCE_DATE_EPOCH");
		char *end = NULL;
		long long epoch = sde && *sde ? strtoll(sde, &end, 10) : 0;
		if (end && !*end && epoch >= 0) {
			time_t at = (time_t)epoch;
			gmtime_r(&at, &tmv);
		} else {
			time_t now = time(NULL);
			localtime_r(&now, &tmv);
		}
		size_t n = strftime(out, sizeof out, fmt, &tmv);
		return vstr(rdup(R, out, n), n);
	}
	case F_BOUND: jj_fail(R->e, line, "unsupported: calling a method taken as a value");
	}
	jj_fail(R->e, line, "not callable");
}

/* Call macro (or call block body) m whose scope is up, as jinja2 does: positional
 * then keyword arguments, defaults evaluated in the macro's own scope (so a
 * default may use an earlier parameter), extra arguments only into varargs /
 * kwargs when the body reads them, caller when called from a call block. */
value jj_call_macro(rt *R, const node *m, frame *up, const args *a, int line, const value *caller)
{
	const char *name = m->type == N_MACRO ? m->name : "caller";
	int nl = m->type == N_MACRO ? (int)m->nlen : 6;
	if (++R->depth > 64) jj_fail(R->e, line, "macro calls nested more than 64 deep");
	if (a->n > m->ntn && !(m->uses & 1))
		jj_fail(R->e, line, "macro '%.*s' takes not more than %d argument(s)", nl, name, m->ntn);
	frame *f = scope_frame(R, up, &m->undef);
	frame *sf = R->cur;
	R->cur = f;
	value kw = V(V_DICT);
	kw.u.d = jj_dict_new(R);
	if (a->nk)
		for (int k = 0; k < a->nk; k++) {
			int p = -1;
			for (int i = 0; i < m->ntn; i++)
				if (a->kl[k] == m->tl[i] && !memcmp(a->kn[k], m->tn[i], m->tl[i])) p = i;
			if (p >= 0 && p < a->n) jj_fail(R->e, line, "macro '%.*s' got multiple values for argument '%.*s'", nl, name, (int)m->tl[p], m->tn[p]);
			if (p < 0) {
				if (!(m->uses & 2)) jj_fail(R->e, line, "macro '%.*s' takes no keyword argument '%.*s'", nl, name, (int)a->kl[k], a->kn[k]);
				jj_dict_set(R, kw.u.d, a->kn[k], a->kl[k], a->kw[k]);
			}
		}
	for (int i = 0; i < m->ntn; i++) {
		value v = V(V_UNDEF);
		int found = 0;
		if (i < a->n) { v = a->v[i]; found = 1; }
		else if (a->nk)
			for (int k = 0; k < a->nk; k++)
				if (a->kl[k] == m->tl[i] && !memcmp(a->kn[k], m->tn[i], m->tl[i])) { v = a->kw[k]; found = 1; }
		if (!found && i < m->defaults.n && m->defaults.v[i]) v = eval(R, m->defaults.v[i]);
		jj_frame_set(R, f, m->tn[i], m->tl[i], v);
	}
	if (m->uses & 1) {
		vlist *va = jj_list_new(R, 4);
		va->tuple = 1;
		for (int i = m->ntn; i < a->n; i++) jj_list_push(R, va, a->v[i]);
		jj_frame_set(R, f, "varargs", 7, vlistv(va));
	}
	if (caller && !(m->uses & 4)) {
		/* a call block passes caller=: a macro that never names caller
		 * takes it in kwargs, or fails as jinja2's Macro.__call__ does */
		if (!(m->uses & 2))
			jj_fail(R->e, line, "TypeError: macro '%.*s' was invoked with two values for the special caller argument. This is most likely a bug.", nl, name);
		jj_dict_set(R, kw.u.d, "caller", 6, *caller);
	}
	if (m->uses & 2) jj_frame_set(R, f, "kwargs", 6, kw);
	if (caller && (m->uses & 4)) jj_frame_set(R, f, "caller", 6, *caller);
	strbuf *saved = R->out;
	strbuf out = {0};
	jj_live_push(R, &out);
	R->out = &out;
	exec_body(R, &m->body, f);
	R->cur = sf;
	R->out = saved;
	R->depth--;
	value r = vstr(rdup(R, out.p ? out.p : "", out.len), out.len);
	jj_live_pop(R, &out);
	return r;
}

value jj_arith(rt *R, const node *n, value a, value b)
{
	int op = n->op;
	if (op == '~') {
		strbuf s = {0};
		jj_live_push(R, &s);   /* put_str of b can fail after a is written */
		jj_put_str(R, &s, a);
		jj_put_str(R, &s, b);
		value r = vstr(rdup(R, s.p ? s.p : "", s.len), s.len);
		jj_live_pop(R, &s);
		return r;
	}
	if (op == '+') {
		if (a.t == V_STR && b.t == V_STR) {
			/* Markup's __add__ and __radd__ escape the other side */
			const int mk = a.markup || b.markup;
			if (mk) { a = jj_escape(R, a); b = jj_escape(R, b); }
			char *o = arena_alloc(R->ar, a.u.s.n + b.u.s.n + 1);
			memcpy(o, a.u.s.p, a.u.s.n);
			memcpy(o + a.u.s.n, b.u.s.p, b.u.s.n);
			value r = vstr(o, a.u.s.n + b.u.s.n);
			r.markup = mk;
			return r;
		}
		if (a.t == V_LIST && b.t == V_LIST && a.u.l->tuple == b.u.l->tuple && !a.u.l->view && !b.u.l->view && !a.u.l->gen && !b.u.l->gen) {
			vlist *l = jj_list_new(R, a.u.l->n + b.u.l->n);
			l->tuple = a.u.l->tuple;
			for (size_t i = 0; i < a.u.l->n; i++) jj_list_push(R, l, a.u.l->v[i]);
			for (size_t i = 0; i < b.u.l->n; i++) jj_list_push(R, l, b.u.l->v[i]);
			return vlistv(l);
		}
	}
	if (op == '%' && a.t == V_STR) return jj_percent_format(R, n->line, a, b);
	if (op == '*' && ((a.t == V_LIST && (b.t == V_INT || b.t == V_BOOL)) || ((a.t == V_INT || a.t == V_BOOL) && b.t == V_LIST))) {
		value s = a.t == V_LIST ? a : b;
		if ((s.u.l->view && s.u.l->view != 4) || s.u.l->gen || s.u.l->view == 4)
			jj_fail(R->e, n->line, "TypeError: unsupported operand type(s) for *: a %s and an int", s.u.l->gen ? "generator" : "dict view or range");
		value c = a.t == V_LIST ? b : a;
		int64_t k = c.t == V_INT ? c.u.i : c.u.b;
		if (k < 0 || !s.u.l->n) k = 0;   /* an empty list repeated is empty, at once */
		if (k && (uint64_t)k > (1u << 22) / s.u.l->n) jj_fail(R->e, n->line, "a list repeated into more than 4M items");
		vlist *l = jj_list_new(R, (size_t)k * s.u.l->n);
		l->tuple = s.u.l->tuple;
		for (int64_t i = 0; i < k; i++) for (size_t j = 0; j < s.u.l->n; j++) jj_list_push(R, l, s.u.l->v[j]);
		return vlistv(l);
	}
	if (op == '*' && ((a.t == V_STR && (b.t == V_INT || b.t == V_BOOL)) || ((a.t == V_INT || a.t == V_BOOL) && b.t == V_STR))) {
		/* a bool is an int: 'x' * true is 'x', 'x' * false '' */
		value s = a.t == V_STR ? a : b, c = a.t == V_STR ? b : a;
		int64_t k = c.t == V_INT ? c.u.i : c.u.b;
		if (k < 0 || !s.u.s.n) k = 0;   /* an empty string repeated is empty, at once */
		if (k && (uint64_t)k > R->out_limit / s.u.s.n) jj_fail(R->e, n->line, "a string repeated past the output limit (%zu MB)", R->out_limit >> 20);
		char *o = arena_alloc(R->ar, s.u.s.n * (size_t)k + 1);
		for (int64_t i = 0; i < k; i++) memcpy(o + (size_t)i * s.u.s.n, s.u.s.p, s.u.s.n);
		value r = vstr(o, s.u.s.n * (size_t)k);
		r.markup = s.markup;
		return r;
	}
	/* dict_keys and dict_items are sets to -: the difference is a set,
	 * printed and iterated in hash order, which Python seeds per process */
	if (op == '-' && ((a.t == V_LIST && (a.u.l->view == 1 || a.u.l->view == 2)) || (b.t == V_LIST && (b.u.l->view == 1 || b.u.l->view == 2))))
		jj_fail(R->e, n->line, "unsupported: the set difference of a dict view (a set, in hash order)");
	if ((!isnum(a) && a.t != V_BIG) || (!isnum(b) && b.t != V_BIG))
		jj_fail(R->e, n->line, "TypeError: unsupported operand type(s) for %s: '%s' and '%s'", op == 'F' ? "//" : op == 'P' ? "**" : (char[]){ (char)op, 0 }, jj_tname(a.t), jj_tname(b.t));
	int ints = jj_isint(a) && jj_isint(b);
	if (ints && (a.t == V_BIG || b.t == V_BIG)) return jj_int_arith(R, n->line, op, a, b);
	int64_t x = a.t == V_INT ? a.u.i : a.t == V_BOOL ? a.u.b : 0, y = b.t == V_INT ? b.u.i : b.t == V_BOOL ? b.u.b : 0;
	/* an int in float arithmetic: float(x), OverflowError past DBL_MAX */
	double fx = a.t == V_FLOAT ? a.u.f : jj_int_to_double(R, n->line, a), fy = b.t == V_FLOAT ? b.u.f : jj_int_to_double(R, n->line, b);
	value r = V(V_FLOAT);
	switch (op) {
	case '+': if (ints) { int64_t z; if (__builtin_add_overflow(x, y, &z)) goto big; return vint(z); } r.u.f = fx + fy; return r;
	case '-': if (ints) { int64_t z; if (__builtin_sub_overflow(x, y, &z)) goto big; return vint(z); } r.u.f = fx - fy; return r;
	case '*': if (ints) { int64_t z; if (__builtin_mul_overflow(x, y, &z)) goto big; return vint(z); } r.u.f = fx * fy; return r;
	case '/':
		if (fy == 0) jj_fail(R->e, n->line, "division by zero");
		/* ints past 2^53 are divided exactly, then rounded once, as Python does */
		if (ints && (x > (1LL << 53) || x < -(1LL << 53) || y > (1LL << 53) || y < -(1LL << 53))) goto big;
		r.u.f = fx / fy; return r;
	case 'F':
		if (fy == 0) jj_fail(R->e, n->line, "division by zero");
		if (ints) { if (x == INT64_MIN && y == -1) goto big; int64_t q = x / y; if ((x % y != 0) && ((x < 0) != (y < 0))) q--; return vint(q); }
		{
			/* CPython's float_divmod: the quotient from fmod's remainder, not floor(x / y) */
			double mod = fmod(fx, fy), div = (fx - mod) / fy;
			if (mod != 0 && ((fy < 0) != (mod < 0))) div -= 1.0;
			if (div != 0) { double fl = floor(div); r.u.f = div - fl > 0.5 ? fl + 1.0 : fl; }
			else r.u.f = copysign(0.0, fx / fy);
			return r;
		}
	case '%':
		if (fy == 0) jj_fail(R->e, n->line, "modulo by zero");
		if (ints) { if (y == -1) return vint(0); int64_t m = x % y; if (m != 0 && ((m < 0) != (y < 0))) m += y; return vint(m); }
		r.u.f = fmod(fx, fy);
		if (r.u.f != 0) { if ((r.u.f < 0) != (fy < 0)) r.u.f += fy; }
		else r.u.f = copysign(0.0, fy);   /* a zero takes the divisor's sign, as CPython's float_rem */
		return r;
	case 'P':
		if (ints && y >= 0) {
			if (x == 0) return vint(y == 0);
			if (x == 1) return vint(1);
			if (x == -1) return vint(y % 2 ? -1 : 1);
			int64_t p = 1;
			for (int64_t i = 0; i < y; i++) if (__builtin_mul_overflow(p, x, &p)) goto big;   /* |x| >= 2: at most 63 rounds */
			return vint(p);
		}
		if (fx == 0 && fy < 0) jj_fail(R->e, n->line, "0.0 cannot be raised to a negative power");
		if (fx < 0 && fy != floor(fy)) jj_fail(R->e, n->line, "unsupported: a complex power");
		r.u.f = pow(fx, fy);
		if (isinf(r.u.f) && isfinite(fx) && isfinite(fy)) jj_fail(R->e, n->line, "OverflowError: (34, 'Numerical result out of range')");
		return r;
	}
	jj_fail(R->e, n->line, "bad operator");
big:
	return jj_int_arith(R, n->line, op, a, b);
}

/* A chain a + b + c ... (or a ~ b ~ c ...): its operands evaluated left to
 * right, as the nested evaluation would. When every operand of a + chain is a
 * string, the result is their concatenation, built once (or, with out, written
 * straight to the output) instead of one intermediate string per +. */
#define CHAIN_MAX 64
static int chain_eval(rt *R, const node *e, value *vals, const node **bins)
{
	const node *st[CHAIN_MAX];
	int k = 0;
	const node *x = e;
	while (x->type == E_BIN && x->op == e->op && k < CHAIN_MAX - 1) { st[k++] = x; x = x->a; }
	vals[0] = eval(R, x);
	for (int i = 0; i < k; i++) { bins[i + 1] = st[k - 1 - i]; vals[i + 1] = eval(R, st[k - 1 - i]->b); }
	return k + 1;
}
static value eval_chain(rt *R, const node *e, strbuf *out)
{
	value vals[CHAIN_MAX];
	const node *bins[CHAIN_MAX];
	int n = chain_eval(R, e, vals, bins);
	int strs = 1;
	for (int i = 0; i < n && strs; i++) strs = vals[i].t == V_STR && !vals[i].markup;   /* a Markup escapes: one by one */
	if (e->op == '~' || strs) {
		if (out) {
			for (int i = 0; i < n; i++) jj_put_str(R, out, vals[i]);
			return V(V_UNDEF);
		}
		if (strs) {
			size_t len = 0;
			for (int i = 0; i < n; i++) len += vals[i].u.s.n;
			char *o = arena_alloc(R->ar, len + 1), *w = o;
			for (int i = 0; i < n; i++) { memcpy(w, vals[i].u.s.p, vals[i].u.s.n); w += vals[i].u.s.n; }
			return vstr(o, len);
		}
	}
	value acc = vals[0];
	for (int i = 1; i < n; i++) acc = jj_arith(R, bins[i], acc, vals[i]);
	if (out) { jj_put_str(R, out, acc); return V(V_UNDEF); }
	return acc;
}

static value eval(rt *R, const node *n)
{
	switch (n->type) {
	case E_LIT: return n->lit;
	case E_NAME: {
		value v = jj_lookup(R->cur, n->name, n->nlen);
		return v;
	}
	case E_ATTR: return getattr_v(R, n->line, eval(R, n->a), n->name, n->nlen, n->op);
	case E_ITEM: return jj_getitem(R, n->line, eval(R, n->a), eval(R, n->b));
	case E_SLICE: {
		value o = eval(R, n->a);
		value lo = n->args.v[0] ? eval(R, n->args.v[0]) : V(V_NONE);
		value hi = n->args.v[1] ? eval(R, n->args.v[1]) : V(V_NONE);
		value st = n->args.v[2] ? eval(R, n->args.v[2]) : V(V_NONE);
		return jj_slice(R, n->line, o, lo, hi, st);
	}
	case E_CALL: {
		args a;
		if (n->a->type == E_ATTR) {
			value o = eval(R, n->a->a);
			if (o.t == V_DICT || o.t == V_NS) {
				value *x = jj_dict_find(o.u.d, n->a->name, n->a->nlen);
				if (x && (x->t == V_MACRO || x->t == V_CALLER || x->t == V_FUNC)) {
					eval_args(R, n, &a);
					return x->t == V_FUNC ? call_builtin(R, n->line, x->u.fn, &a) : jj_call_macro(R, x->u.mac.m, x->u.mac.f, &a, n->line, NULL);
				}
				if (o.t == V_DICT && o.u.d->loop && n->a->nlen == 7 && !memcmp(n->a->name, "changed", 7)) {
					/* loop.changed(*values): True when the values differ from the last call's */
					eval_args(R, n, &a);
					if (a.nk) jj_fail(R->e, n->line, "TypeError: changed() got an unexpected keyword argument");
					loopctx *lc = o.u.d->v[o.u.d->n].u.fo.o;
					vlist *now = jj_list_new(R, (size_t)a.n + 1);
					now->tuple = 1;
					for (int i = 0; i < a.n; i++) jj_list_push(R, now, a.v[i]);
					if (lc->changed && jj_vequal_py(R, n->line, vlistv(lc->changed), vlistv(now), 0)) return vbool(0);
					lc->changed = now;
					return vbool(1);
				}
				if (o.t == V_DICT && o.u.d->loop && n->a->nlen == 5 && !memcmp(n->a->name, "cycle", 5)) {
					/* loop.cycle(a, b, ...): the argument at loop.index0 modulo their number */
					eval_args(R, n, &a);
					if (!a.n) jj_fail(R->e, n->line, "no items for cycling given");
					value *ix = jj_dict_find(o.u.d, "index0", 6);
					return a.v[ix->u.i % a.n];
				}
			}
			eval_args(R, n, &a);
			if (o.t == V_FUNC && o.u.fo.fn == F_CYCLER) return cycler_method(R, n->line, o.u.fo.o, n->a->name, n->a->nlen, &a);
			return jj_call_method(R, n->line, o, n->meth, n->a->name, n->a->nlen, &a);
		}
		value f = eval(R, n->a);
		eval_args(R, n, &a);
		if (f.t == V_FUNC && f.u.fn == F_JOINER) {
			joiner *j = f.u.fo.o;
			if (a.n || a.nk) jj_fail(R->e, n->line, "Joiner.__call__() takes no arguments");
			if (!j->used) { j->used = 1; return vstr("", 0); }
			return j->sep;
		}
		if (f.t == V_FUNC && f.u.fn == F_CYCLER) jj_fail(R->e, n->line, "'Cycler' object is not callable");
		if (f.t == V_FUNC && (f.u.fn == F_CYCLER_NEW || f.u.fn == F_JOINER_NEW)) return new_object(R, n->line, f.u.fn, &a);
		if (f.t == V_FUNC) return call_builtin(R, n->line, f.u.fn, &a);
		if (f.t == V_DICT && f.u.d->loop) return call_loop(R, n->line, f, &a);
		if (f.t == V_MACRO || f.t == V_CALLER) return jj_call_macro(R, f.u.mac.m, f.u.mac.f, &a, n->line, NULL);
		if (n->a->type == E_NAME && f.t == V_UNDEF) jj_fail(R->e, n->line, "'%.*s' is undefined", (int)n->a->nlen, n->a->name);
		jj_fail(R->e, n->line, "a %s is not callable", jj_tname(f.t));
	}
	case E_FILTER: {
		value v = eval(R, n->a);
		args a;
		eval_args(R, n, &a);
		return jj_apply_filter(R, n, v, &a);
	}
	case E_TEST: {
		value v = eval(R, n->a);
		args a;
		eval_args(R, n, &a);
		int r = jj_run_test(R, n->line, n->test, n->name, n->nlen, v, a.v, a.n, &a);
		return vbool(n->negate ? !r : r);
	}
	case E_BIN:
		if (n->op == '+' || n->op == '~') return eval_chain(R, n, NULL);
		return jj_arith(R, n, eval(R, n->a), eval(R, n->b));
	case E_CMP: {
		value left = eval(R, n->args.v[0]);
		for (int i = 1; i < n->args.n; i++) {
			value right = eval(R, n->args.v[i]);
			int ok;
			switch (n->ops[i - 1]) {
			case C_EQ: ok = jj_vequal_py(R, n->line, left, right, 0); break;
			case C_NE: ok = !jj_vequal_py(R, n->line, left, right, 0); break;
			case C_LT: case C_LE: case C_GT: case C_GE: ok = jj_vorder(R, n->line, n->ops[i - 1], left, right); break;
			case C_IN: ok = jj_contains(R, n->line, right, left); break;
			default: ok = !jj_contains(R, n->line, right, left);
			}
			if (!ok) return vbool(0);
			left = right;
		}
		return vbool(1);
	}
	case E_NOT: return vbool(!jj_truthy(eval(R, n->a)));
	case E_NEG: case E_POS: {
		value v = eval(R, n->a);
		const int neg = n->type == E_NEG;
		if (v.t == V_INT || v.t == V_BIG) return neg ? jj_int_neg(R, n->line, v) : v;
		if (v.t == V_BOOL) return vint(neg ? -v.u.b : v.u.b);
		if (v.t == V_FLOAT) { if (neg) v.u.f = -v.u.f; return v; }
		jj_fail(R->e, n->line, "bad operand type for unary %c: %s", neg ? '-' : '+', jj_tname(v.t));
	}
	case E_AND: { value a = eval(R, n->a); return jj_truthy(a) ? eval(R, n->b) : a; }
	case E_OR: { value a = eval(R, n->a); return jj_truthy(a) ? a : eval(R, n->b); }
	case E_COND: return jj_truthy(eval(R, n->b)) ? eval(R, n->a) : (n->c ? eval(R, n->c) : V(V_UNDEF));
	case E_LIST: case E_TUPLE: {
		vlist *l = jj_list_new(R, (size_t)n->args.n);
		l->tuple = n->type == E_TUPLE;
		for (int i = 0; i < n->args.n; i++) jj_list_push(R, l, eval(R, n->args.v[i]));
		return vlistv(l);
	}
	case E_UNBOUND: jj_fail(R->e, n->line, "name '%.*s' is not defined", (int)n->nlen, n->name);
	case E_DICT: {
		value v = V(V_DICT);
		v.u.d = jj_dict_new(R);
		for (int i = 0; i + 1 < n->args.n; i += 2) {
			value k = eval(R, n->args.v[i]);
			jj_dict_setv(R, n->line, v.u.d, k, eval(R, n->args.v[i + 1]));
		}
		return v;
	}
	}
	jj_fail(R->e, n->line, "cannot evaluate this node");
}

value jj_eval(rt *R, const node *n) { return eval(R, n); }

static vlist *for_items(rt *R, const node *n, value it);

/* ns.attr = v: only a namespace takes an attribute */
static void set_ns_attr(rt *R, frame *f, const node *n, const char *ns, size_t nl, const char *attr, size_t al, value v)
{
	value o = jj_lookup(f, ns, nl);
	if (o.t != V_NS) jj_fail(R->e, n->line, "cannot set an attribute of a %s (only of a namespace)", jj_tname(o.t));
	jj_dict_set(R, o.u.d, attr, al, v);
}

/* v into a target tree (n: the statement, for errors) */
static void assign_tree(rt *R, frame *f, const node *n, const node *t, value v)
{
	if (t->type == E_NAME) { jj_frame_set(R, f, t->name, t->nlen, v); return; }
	if (t->type == E_ATTR) { set_ns_attr(R, f, n, t->a->name, t->a->nlen, t->name, t->nlen, v); return; }
	vlist *items = jj_unpack(R, n->line, v, t->args.n);
	for (int i = 0; i < t->args.n; i++) assign_tree(R, f, n, t->args.v[i], items->v[i]);
}

/* v into the targets of a for or set statement */
static void assign_targets(rt *R, frame *f, const node *n, value v)
{
	if (n->tgt) { assign_tree(R, f, n, n->tgt, v); return; }
	if (n->name2) { set_ns_attr(R, f, n, n->name, n->nlen, n->name2, n->n2len, v); return; }
	if (n->ntn <= 1) { jj_frame_set(R, f, n->name ? n->name : n->tn[0], n->name ? n->nlen : n->tl[0], v); return; }
	vlist *items = jj_unpack(R, n->line, v, n->ntn);
	for (int i = 0; i < n->ntn; i++) jj_frame_set(R, f, n->tn[i], n->tl[i], items->v[i]);
}


/* What a for loop walks: a list, a dict's keys, a string's characters */
static vlist *for_items(rt *R, const node *n, value it)
{
	vlist *items;
	if (it.t == V_LIST) return jj_list_take(R, it.u.l);
	if (it.t == V_NS) jj_fail(R->e, n->line, "TypeError: 'Namespace' object is not iterable");
	if (it.t == V_DICT) {
		items = jj_list_new(R, it.u.d->n);
		for (size_t i = 0; i < it.u.d->n; i++) jj_list_push(R, items, jj_dict_key(it.u.d, i));
		return items;
	}
	if (it.t == V_STR) {
		items = jj_list_new(R, it.u.s.n);
		for (size_t i = 0; i < it.u.s.n;) { uint32_t cp; int k = utf8_decode(it.u.s.p + i, it.u.s.n - i, &cp); jj_list_push(R, items, vstr(it.u.s.p + i, (size_t)k)); i += (size_t)k; }
		return items;
	}
	if (it.t == V_UNDEF || it.t == V_NONE) {
		if (it.t == V_NONE) jj_fail(R->e, n->line, "'NoneType' object is not iterable");
		return jj_list_new(R, 1);
	}
	jj_fail(R->e, n->line, "a %s is not iterable", jj_tname(it.t));
}

/* The value a tuple target yields back: jinja2's filtered loop yields
 * (k, v) as its targets hold them, a new tuple, not the item unpacked */
static value target_value(rt *R, frame *f, const node *t)
{
	if (t->type == E_NAME) return jj_lookup(f, t->name, t->nlen);
	vlist *l = jj_list_new(R, (size_t)t->args.n + 1);
	l->tuple = 1;
	for (int i = 0; i < t->args.n; i++) jj_list_push(R, l, target_value(R, f, t->args.v[i]));
	return vlistv(l);
}

/* for ... if cond: the items the inline filter keeps, which loop.length counts */
static vlist *for_select(rt *R, const node *n, vlist *items, frame *bodyf)
{
	vlist *sel = jj_list_new(R, items->n);
	for (size_t i = 0; i < items->n; i++) {
		bodyf->n = 0;
		enter_scope(R, bodyf, &n->undef);
		assign_targets(R, bodyf, n, items->v[i]);
		frame *sf = R->cur;
		R->cur = bodyf;
		int ok = jj_truthy(eval(R, n->b));
		R->cur = sf;
		if (!ok) continue;
		if (n->tgt && n->tgt->type == E_TUPLE) jj_list_push(R, sel, target_value(R, bodyf, n->tgt));
		else if (n->ntn > 1) {
			vlist *t = jj_list_new(R, (size_t)n->ntn);
			t->tuple = 1;
			for (int k = 0; k < n->ntn; k++) jj_list_push(R, t, jj_lookup(bodyf, n->tn[k], n->tl[k]));
			jj_list_push(R, sel, vlistv(t));
		} else jj_list_push(R, sel, items->v[i]);
	}
	return sel;
}


/* The loop object of round i over sel: a fixed set of keys (previtem /
 * nextitem undefined at the ends), and after them, hidden, the loopctx */
static value loop_object(rt *R, const vlist *sel, size_t i, loopctx *lc)
{
	static const struct vkey loop_keys[] = {
		{ "index", 5 }, { "index0", 6 }, { "revindex", 8 }, { "revindex0", 9 }, { "first", 5 }, { "last", 4 },
		{ "length", 6 }, { "depth", 5 }, { "depth0", 6 }, { "previtem", 8 }, { "nextitem", 8 },
	};
	enum { NLOOP = sizeof loop_keys / sizeof *loop_keys };
	value loop = V(V_DICT);
	vdict *ld = arena_alloc(R->ar, sizeof *ld);
	ld->k = (struct vkey *)loop_keys;   /* never written: n == cap, so a new key would copy first */
	ld->v = arena_alloc(R->ar, (NLOOP + 1) * sizeof *ld->v);
	ld->n = ld->cap = NLOOP;
	ld->loop = 1;
	ld->kv = NULL;
	loop.u.d = ld;
	int64_t len = (int64_t)sel->n, k = (int64_t)i;
	ld->v[0] = vint(k + 1);
	ld->v[1] = vint(k);
	ld->v[2] = vint(len - k);
	ld->v[3] = vint(len - k - 1);
	ld->v[4] = vbool(k == 0);
	ld->v[5] = vbool(k == len - 1);
	ld->v[6] = vint(len);
	ld->v[7] = vint(lc->depth);
	ld->v[8] = vint(lc->depth - 1);
	ld->v[9] = k > 0 ? sel->v[i - 1] : V(V_UNDEF);
	ld->v[10] = k < len - 1 ? sel->v[i + 1] : V(V_UNDEF);
	ld->v[NLOOP] = V(V_FUNC);
	ld->v[NLOOP].u.fo.fn = F_LOOPCTX;
	ld->v[NLOOP].u.fo.o = lc;
	return loop;
}

/* What a for loop walks, without raising a later failure: a generator
 * that fails past its items gives them, and the failure in *err, which the
 * loop meets when it runs out of them (not if it breaks first) */
static vlist *loop_items(rt *R, const node *n, value it, const vlist **failing)
{
	*failing = NULL;
	if (it.t == V_LIST && it.u.l->gen && it.u.l->err) {
		vlist *g = it.u.l, *items = jj_list_new(R, g->n - g->pos + 1);
		for (size_t i = g->pos; i < g->n; i++) jj_list_push(R, items, g->v[i]);
		g->pos = g->n;
		*failing = g;
		return items;
	}
	return for_items(R, n, it);
}

/* One level of a for loop over items, at depth (1 outside any loop(...)
 * call); failing: the generator whose failure follows the items, or NULL */
static void run_for(rt *R, const node *n, frame *f, vlist *items, int depth, const vlist *failing)
{
	frame *bodyf = arena_alloc(R->ar, sizeof *bodyf);   /* in the arena: a macro defined in the loop keeps its scope */
	memset(bodyf, 0, sizeof *bodyf);
	bodyf->up = f;
	loopctx *lc = arena_alloc(R->ar, sizeof *lc);
	lc->n = n; lc->f = f; lc->depth = depth; lc->changed = NULL;
	vlist *sel = n->b ? for_select(R, n, items, bodyf) : items;
	/* jinja2 marks the loop iterated at the end of its body, so the else
	 * also runs when every round ended in break or continue */
	int iterated = 0, broke = 0;
	for (size_t i = 0; i < sel->n; i++) {
		if (++R->steps > R->step_limit) jj_fail(R->e, n->line, "the template ran more than %llu steps", (unsigned long long)R->step_limit);
		bodyf->n = 0;
		enter_scope(R, bodyf, &n->undef);
		jj_frame_set(R, bodyf, "loop", 4, loop_object(R, sel, i, lc));
		assign_targets(R, bodyf, n, sel->v[i]);
		exec_body(R, &n->body, bodyf);
		if (R->brk) { R->brk = 0; broke = 1; break; }
		if (!R->cont) iterated = 1;
		R->cont = 0;
	}
	if (failing && !broke) jj_fail_again(R->e, failing->err, failing->err_unsupported);
	if (!iterated && n->orelse.n) {
		/* the else in a scope of its own (jinja2's else frame): its sets stay there */
		exec_body(R, &n->orelse, scope_frame(R, f, &n->undef_else));
	}
}

static void exec_for(rt *R, const node *n, frame *f)
{
	const vlist *failing;
	vlist *items = loop_items(R, n, eval(R, n->a), &failing);
	run_for(R, n, f, items, 1, failing);
}

/* loop(items) in a recursive loop: the loop's body over items, one level
 * deeper, rendered into a string; jinja2's error for a loop without the marker */
static value call_loop(rt *R, int line, value loop, const args *a)
{
	const loopctx *lc = loop.u.d->v[loop.u.d->n].u.fo.o;
	if (!(lc->n->op & 1)) jj_fail(R->e, line, "The loop must have the 'recursive' marker to be called recursively.");
	if (a->n != 1 || a->nk) jj_fail(R->e, line, "loop() takes exactly one argument, the items");
	if (++R->depth > 64) jj_fail(R->e, line, "recursive loop calls nested more than 64 deep");
	node at = *lc->n;
	at.line = line;
	const vlist *failing;
	vlist *items = loop_items(R, &at, a->v[0], &failing);
	strbuf *saved = R->out;
	strbuf out = {0};
	jj_live_push(R, &out);
	R->out = &out;
	frame *sf = R->cur;
	run_for(R, lc->n, lc->f, items, lc->depth + 1, failing);
	R->cur = sf;
	R->out = saved;
	R->depth--;
	value r = vstr(rdup(R, out.p ? out.p : "", out.len), out.len);
	jj_live_pop(R, &out);
	return r;
}

/* set name = v, set a, b = v, set ns.attr = v */
static void exec_set(rt *R, const node *n, frame *f) { assign_targets(R, f, n, eval(R, n->a)); }

/* A body rendered into a string of the arena (set and filter blocks) */
static value capture_body(rt *R, const nlist *body, frame *f)
{
	strbuf *saved = R->out;
	strbuf out = {0};
	jj_live_push(R, &out);
	R->out = &out;
	exec_body(R, body, f);
	R->out = saved;
	value s = vstr(rdup(R, out.p ? out.p : "", out.len), out.len);
	jj_live_pop(R, &out);
	return s;
}

/* {% call m(args) %}body{% endcall %}: m called with the body as caller() */
static void exec_callblock(rt *R, const node *n, frame *f)
{
	const node *c = n->a;
	value fn;
	args a;
	if (c->a->type == E_ATTR) {
		value o = eval(R, c->a->a);
		value *x = o.t == V_DICT || o.t == V_NS ? jj_dict_find(o.u.d, c->a->name, c->a->nlen) : NULL;
		fn = x ? *x : V(V_UNDEF);
	} else fn = eval(R, c->a);
	if (fn.t != V_MACRO) jj_fail(R->e, n->line, "unsupported: a call block calling a %s (only macros)", jj_tname(fn.t));
	eval_args(R, c, &a);
	value caller = V(V_CALLER);
	caller.u.mac.m = n;
	caller.u.mac.f = f;
	jj_put_str(R, R->out, jj_call_macro(R, fn.u.mac.m, fn.u.mac.f, &a, n->line, &caller));
}

/* A filter chain over a rendered body: the parser built it over the
 * placeholder name, bound here in a scope over f (filter blocks, block sets) */
static value filter_body(rt *R, const node *chain, frame *f, value body)
{
	frame *t = arena_alloc(R->ar, sizeof *t);
	memset(t, 0, sizeof *t);
	t->up = f;
	jj_frame_set(R, t, "\001filter-block", 14, body);
	frame *sf = R->cur;
	R->cur = t;
	value r = eval(R, chain);
	R->cur = sf;
	return r;
}

/* {% filter f %}body{% endfilter %}: the parser made n->a the filter chain
 * over a name bound here to the rendered body */
static void exec_filterblock(rt *R, const node *n, frame *f)
{
	/* the body in a scope of its own (jinja2's inner frame) */
	value body = capture_body(R, &n->body, scope_frame(R, f, &n->undef));
	if (R->brk || R->cont) return;   /* the loop moves on before the filter runs: its output is dropped */
	value r = filter_body(R, n->a, f, body);
	/* jinja2 yields the filter's value as it is: the output's join takes strings only */
	if (r.t != V_STR) jj_fail(R->e, n->line, "TypeError: sequence item: expected str instance, %s found", jj_tname(r.t));
	jj_put_str(R, R->out, r);
}

/* {% block %} in a template with no parent renders where it stands, in a
 * scope of its own over the template's (a loop's variables only when
 * scoped); a required block, never filled in, fails there */
static void exec_tblock(rt *R, const node *n, frame *f)
{
	if (n->op & 2) jj_fail(R->e, n->line, "Required block '%.*s' not found.", (int)n->nlen, n->name);
	exec_body(R, &n->body, scope_frame(R, n->op & 1 ? f : R->top, &n->undef));
}

/* include, import, from ... import, extends: transformers' environment has
 * no loader, so jinja2's get_template raises there (after evaluating the name) */
static void exec_noloader(rt *R, const node *n)
{
	eval(R, n->a);
	jj_fail(R->e, n->line, "no loader for this environment specified (%.*s)", (int)n->nlen, n->name);
}

static void exec_node(rt *R, const node *n, frame *f)
{
	if (++R->steps > R->step_limit) jj_fail(R->e, n->line, "the template ran more than %llu steps", (unsigned long long)R->step_limit);
	if (R->out->len > R->out_limit) jj_fail(R->e, n->line, "the rendering grew past %zu MB", R->out_limit >> 20);
	switch (n->type) {
	case N_TEXT: strbuf_put(R->out, n->name, n->nlen); return;
	case N_OUT:
		if (n->a->type == E_BIN && (n->a->op == '+' || n->a->op == '~')) eval_chain(R, n->a, R->out);
		else jj_put_str(R, R->out, eval(R, n->a));
		return;
	case N_IF:
		for (int i = 0; i < n->conds.n; i++)
			if (jj_truthy(eval(R, n->conds.v[i]))) { exec_body(R, &n->bodies[i], f); return; }
		exec_body(R, &n->orelse, f);
		return;
	case N_FOR: exec_for(R, n, f); return;
	case N_SET: exec_set(R, n, f); return;
	case N_SETBLOCK: {
		/* the body in a scope of its own (jinja2's inner frame) */
		value v = capture_body(R, &n->body, scope_frame(R, f, &n->undef));
		if (n->a && !R->brk && !R->cont) v = filter_body(R, n->a, f, v);   /* {% set x | filters %} */
		if (!R->brk && !R->cont) assign_targets(R, f, n, v);   /* a break in the body skips the assignment */
		return;
	}
	case N_MACRO: {
		value m = V(V_MACRO);
		m.u.mac.m = n;
		m.u.mac.f = f;
		jj_frame_set(R, f, n->name, n->nlen, m);
		return;
	}
	case N_CALLBLOCK: exec_callblock(R, n, f); return;
	case N_FILTERBLOCK: exec_filterblock(R, n, f); return;
	case N_BREAK: R->brk = 1; return;
	case N_CONTINUE: R->cont = 1; return;
	case N_BLOCK: {
		/* transformers' generation block is a call block, its body the
		 * caller that _generation_support calls with no arguments: a scope
		 * of its own, where varargs and kwargs are the caller's, empty */
		frame *bf = scope_frame(R, f, &n->undef);
		vlist *va = jj_list_new(R, 1);
		va->tuple = 1;
		jj_frame_set(R, bf, "varargs", 7, vlistv(va));
		value kw = V(V_DICT);
		kw.u.d = jj_dict_new(R);
		jj_frame_set(R, bf, "kwargs", 6, kw);
		jj_frame_set(R, bf, "caller", 6, V(V_UNDEF));   /* the caller's own: no caller defined */
		exec_body(R, &n->body, bf);
		return;
	}
	case N_TBLOCK: exec_tblock(R, n, f); return;
	case N_NOLOADER: exec_noloader(R, n); return;
	}
}

static void exec_body(rt *R, const nlist *body, frame *f)
{
	frame *saved = R->cur;
	R->cur = f;
	for (int i = 0; i < body->n && !R->brk && !R->cont; i++) {
		exec_node(R, body->v[i], f);
		R->cur = f;
	}
	R->cur = saved;
}

static void add_globals(rt *R, frame *g)
{
	static const struct { const char *n; int fn; } fns[] = {
		{ "namespace", F_NAMESPACE }, { "range", F_RANGE }, { "raise_exception", F_RAISE },
		{ "strftime_now", F_STRFTIME }, { "dict", F_DICT }, { "cycler", F_CYCLER_NEW }, { "joiner", F_JOINER_NEW },
	};
	for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
		value v = V(V_FUNC);
		v.u.fn = fns[i].fn;
		jj_frame_set(R, g, fns[i].n, strlen(fns[i].n), v);
	}
}

/* A variable from the record: "messages" cut to its first n_messages
 * elements when asked (messages[:i+1], as NeMo RL renders each prefix) */
static value record_var(rt *R, const json_doc *d, uint32_t k, uint32_t v, const jinja_doc_vars *cv)
{
	if (!cv || cv->n_messages == SIZE_MAX || json_type_of(d, v) != JSON_ARRAY || !json_str_eq(d, k, "messages", 8))
		return jj_from_json(R, d, v);
	vlist *l = jj_list_new(R, cv->n_messages);
	JSON_FOR_ELEMS(d, v, e, i) {
		if (i >= cv->n_messages) break;
		jj_list_push(R, l, jj_from_json(R, d, e));
	}
	return vlistv(l);
}

static int render(const jinja_tmpl *t, const json_doc *vars, uint32_t root, const json_doc *extra,
		  uint32_t extra_root, const jinja_doc_vars *cv, strbuf *out, char *err, size_t errlen)
{
	arena ar;
	arena_init(&ar, 1 << 16);
	jerr e = { .msg = err, .len = errlen };
	rt R = { .e = &e, .ar = &ar, .out = out };
	size_t start = out->len;
	frame g = { 0 };
	R.globals = &g;
	/* A chat template does a bounded amount of work per message: allow 4M
	 * steps and 16 MB of output plus 16 steps and 8 bytes per input byte */
	size_t insize = vars->srclen + (extra ? extra->srclen : 0);
	R.step_limit = 4000000u + 16 * (uint64_t)insize;
	R.out_limit = ((size_t)16 << 20) + 8 * insize;
	if (setjmp(e.jb)) {
		jj_live_unwind(&R, 0);
		out->len = start;
		if (out->p) out->p[start] = 0;
		arena_free(&ar);
		/* every error of a render is that render's: a construct outside the
		 * dialect is refused by jinja_parse, what is left depends on the values */
		return -1;
	}
	add_globals(&R, &g);
	if (cv) {
		/* transformers' render_jinja_template always passes these two */
		jj_frame_set(&R, &g, "tools", 5, V(V_NONE));
		jj_frame_set(&R, &g, "documents", 9, V(V_NONE));
	}
	if (extra && json_type_of(extra, extra_root) == JSON_OBJECT)
		JSON_FOR_MEMBERS(extra, extra_root, k, v, i) {
			(void)i;
			char *s = arena_alloc(&ar, extra->nodes[k].len + 1);
			size_t n = json_str_decode(extra, k, s);
			jj_frame_set(&R, &g, s, n, jj_from_json(&R, extra, v));
		}
	if (json_type_of(vars, root) != JSON_OBJECT) jj_fail(&e, 0, "the variables are not a JSON object");
	JSON_FOR_MEMBERS(vars, root, k, v, i) {
		(void)i;
		if (cv && cv->chat_only && !json_str_eq(vars, k, "messages", 8) && !json_str_eq(vars, k, "tools", 5)) continue;
		if (cv && json_type_of(vars, v) == JSON_NULL && json_str_eq(vars, k, "tools", 5)) continue;
		char *s = arena_alloc(&ar, vars->nodes[k].len + 1);
		size_t n = json_str_decode(vars, k, s);
		jj_frame_set(&R, &g, s, n, record_var(&R, vars, k, v, cv));
	}
	if (cv && cv->add_generation_prompt >= 0) jj_frame_set(&R, &g, "add_generation_prompt", 21, vbool(cv->add_generation_prompt));
	frame top = { .up = &g };
	R.top = &top;
	enter_scope(&R, &top, &t->undef);
	exec_body(&R, &t->body, &top);
	arena_free(&ar);
	return 0;
}

int jinja_render_doc(const jinja_tmpl *t, const json_doc *vars, uint32_t root, const json_doc *extra,
		     uint32_t extra_root, strbuf *out, char *err, size_t errlen)
{
	return render(t, vars, root, extra, extra_root, NULL, out, err, errlen);
}

int jinja_render_vars(const jinja_tmpl *t, const jinja_doc_vars *v, strbuf *out, char *err, size_t errlen)
{
	return render(t, v->doc, v->root, v->extra, v->extra_root, v, out, err, errlen);
}

int jinja_render_json(const jinja_tmpl *t, const char *vars_json, size_t len, strbuf *out, char *err, size_t errlen)
{
	json_doc d;
	json_doc_init(&d);
	int rc;
	if (json_parse(&d, vars_json, len)) { snprintf(err, errlen, "variables: %s", d.err); rc = -1; }
	else rc = jinja_render_doc(t, &d, 0, NULL, 0, out, err, errlen);
	json_doc_free(&d);
	return rc;
}

int jinja_render_chat(const jinja_tmpl *t, const char *messages_json, size_t len, const jinja_chat_opts *opts,
		      strbuf *out, char *err, size_t errlen)
{
	static const jinja_chat_opts none = { 0 };
	if (!opts) opts = &none;
	/* the variables transformers' apply_chat_template passes: messages, tools
	 * (None when absent), documents (None), add_generation_prompt, the special
	 * tokens; then the caller's extra keys, which these take precedence over */
	strbuf v = {0};
	strbuf_puts(&v, "{\"messages\":");
	strbuf_put(&v, messages_json, len);
	strbuf_puts(&v, ",\"tools\":");
	if (opts->tools_json) strbuf_put(&v, opts->tools_json, opts->tools_len);
	else strbuf_puts(&v, "null");
	strbuf_puts(&v, ",\"documents\":null,\"add_generation_prompt\":");
	strbuf_puts(&v, opts->add_generation_prompt ? "true" : "false");
	if (opts->bos_token) { strbuf_puts(&v, ",\"bos_token\":"); json_write_str(&v, opts->bos_token, strlen(opts->bos_token)); }
	if (opts->eos_token) { strbuf_puts(&v, ",\"eos_token\":"); json_write_str(&v, opts->eos_token, strlen(opts->eos_token)); }
	strbuf_putc(&v, '}');
	json_doc d, x;
	json_doc_init(&d);
	json_doc_init(&x);
	int rc = -1;
	if (json_parse(&d, v.p, v.len)) snprintf(err, errlen, "messages or tools: %s", d.err);
	else if (json_type_of(&d, json_get(&d, 0, "messages")) != JSON_ARRAY) snprintf(err, errlen, "messages: not a JSON array");
	else if (opts->extra_json && json_parse(&x, opts->extra_json, opts->extra_len)) snprintf(err, errlen, "extra variables: %s", x.err);
	else if (opts->extra_json && json_type_of(&x, 0) != JSON_OBJECT) snprintf(err, errlen, "extra variables: not a JSON object");
	else rc = jinja_render_doc(t, &d, 0, opts->extra_json ? &x : NULL, 0, out, err, errlen);
	json_doc_free(&d);
	json_doc_free(&x);
	strbuf_free(&v);
	return rc;
}

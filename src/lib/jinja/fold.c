/* fold.c — jinja2's constant folding, for the one thing it changes: a
 * constant it cannot write back. See jinja_int.h.
 *
 * jinja2 compiles a template to Python. Before that its optimizer replaces
 * every expression whose operands are all constant by its value (nodes'
 * as_const, the filters and tests called at compile time), and the code
 * generator writes a folded float as str(value) and anything else as
 * repr(value). An inf or a nan so becomes the Python name inf or nan, which
 * the compiled template does not define: wherever such a constant is
 * evaluated, the render raises NameError ("{% set x = 1e999 %}", "'nan'|float",
 * "[1e999][0]"). Printed whole it is different: {{ 1e999 }} folds to the
 * text "inf" at compile time and prints. Everything else folding does gives
 * the value evaluation would, but for one thing: as_const slices through
 * the sandbox's getitem, so a slice of what is not subscriptable (none[1:])
 * is undefined there and a TypeError at run time, and none[1:]|length
 * folds to 0. So this pass rewrites only the largest constant
 * subexpressions (no constant parent takes them in), outside a print:
 * those whose value holds an inf or a nan become E_UNBOUND nodes that
 * raise the NameError when evaluated, where jinja2's code would; those
 * whose value took such a slice become their value. */
#include "jinja/jinja_int.h"

#include <math.h>
#include <stdlib.h>

typedef struct folder {
	arena *tar;   /* the template's: rewritten nodes live there */
	const node *dup; /* the first call in the code that repeats a keyword */
	rt R;
	jerr e;
	arena ar;
	strbuf out;
	frame g, top;
	char msg[256];
} folder;

/* n evaluated: 1, or 0 on an error (jinja2's as_const raises Impossible
 * and leaves the node to run time), or -1 on a construct this engine
 * refuses (whether jinja2 folds it is not known here: run time meets the
 * same refusal) */
static int try_eval(folder *F, const node *n, value *v)
{
	if (setjmp(F->e.jb)) {
		jj_live_unwind(&F->R, 0);
		F->R.cur = &F->top;
		return F->e.unsupported ? -1 : 0;
	}
	*v = jj_eval(&F->R, n);
	return 1;
}

/* jinja2's has_safe_repr: what Const.from_untrusted takes. A dict view, a
 * groupby tuple (a tuple subclass), the loop object, a namespace, a
 * function or an undefined value stay unfolded. */
static int safe_repr(value v)
{
	switch (v.t) {
	case V_NONE: case V_BOOL: case V_INT: case V_BIG: case V_FLOAT: case V_STR: return 1;
	case V_LIST:
		if (v.u.l->view == 4) return 1;                     /* a range */
		if (v.u.l->view || v.u.l->tuple == 2 || v.u.l->gen) return 0;   /* a generator too */
		for (size_t i = 0; i < v.u.l->n; i++) if (!safe_repr(v.u.l->v[i])) return 0;
		return 1;
	case V_DICT:
		if (v.u.d->loop) return 0;
		for (size_t i = 0; i < v.u.d->n; i++) {
			if (!v.u.d->k[i].p && !safe_repr(v.u.d->kv[i])) return 0;
			if (!safe_repr(v.u.d->v[i])) return 0;
		}
		return 1;
	}
	return 0;
}

/* The name repr(v) starts its first inf or nan with, or NULL */
static const char *nonfinite(value v)
{
	const char *r = NULL;
	switch (v.t) {
	case V_FLOAT: return isnan(v.u.f) ? "nan" : isinf(v.u.f) ? "inf" : NULL;
	case V_LIST:
		if (v.u.l->view == 4) return NULL;
		for (size_t i = 0; i < v.u.l->n && !r; i++) r = nonfinite(v.u.l->v[i]);
		return r;
	case V_DICT:
		for (size_t i = 0; i < v.u.d->n && !r; i++) {
			if (!v.u.d->k[i].p) r = nonfinite(v.u.d->kv[i]);
			if (!r) r = nonfinite(v.u.d->v[i]);
		}
		return r;
	}
	return NULL;
}

/* v copied into the template's arena (a value safe_repr takes) */
static value copy_value(folder *F, value v)
{
	arena *ar = F->tar;
	if (v.t == V_STR) {
		char *p = arena_alloc(ar, v.u.s.n + 1);
		memcpy(p, v.u.s.p, v.u.s.n);
		p[v.u.s.n] = 0;
		v.u.s.p = p;
	} else if (v.t == V_BIG) {
		v = jj_big_make(ar, &F->e, 0, v.u.big->neg, v.u.big->d, v.u.big->n);
	} else if (v.t == V_LIST) {
		arena *own = F->R.ar;
		F->R.ar = ar;
		vlist *l = jj_list_new(&F->R, v.u.l->n + 1);
		F->R.ar = own;
		l->tuple = v.u.l->tuple;
		l->view = v.u.l->view;
		if (l->view == 4) for (int i = 0; i < 3; i++) l->range[i] = copy_value(F, v.u.l->range[i]);
		for (size_t i = 0; i < v.u.l->n; i++) l->v[l->n++] = copy_value(F, v.u.l->v[i]);
		v.u.l = l;
	} else if (v.t == V_DICT) {
		arena *own = F->R.ar;
		F->R.ar = ar;
		vdict *d = jj_dict_new(&F->R);
		for (size_t i = 0; i < v.u.d->n; i++) {
			value k = copy_value(F, jj_dict_key(v.u.d, i)), x = copy_value(F, v.u.d->v[i]);
			jj_dict_setv(&F->R, 0, d, k, x);
		}
		F->R.ar = own;
		v.u.d = d;
	}
	return v;
}

/* A constant no constant parent takes in: written into the code as it is;
 * sliced: it took a slice as_const makes undefined */
static void emit(folder *F, node *n, value v, int sliced)
{
	const char *name = nonfinite(v);
	if (name) {
		n->type = E_UNBOUND;
		n->name = name;
		n->nlen = 3;
		return;
	}
	if (!sliced) return;
	if (setjmp(F->e.jb)) { jj_live_unwind(&F->R, 0); return; }
	value c = copy_value(F, v);
	int line = n->line;
	memset(n, 0, sizeof *n);
	n->type = E_LIT;
	n->line = line;
	n->lit = c;
}

/* A number whose repr starts with '-' (-0.0 too) */
static int negative(value v)
{
	return (v.t == V_INT && v.u.i < 0) || (v.t == V_BIG && v.u.big->neg) || (v.t == V_FLOAT && !isnan(v.u.f) && signbit(v.u.f));
}

/* |v| for a literal of the template: a big int in the template's arena */
static value abs_in_template(folder *F, value v)
{
	if (v.t == V_FLOAT) { v.u.f = fabs(v.u.f); return v; }
	arena *own = F->R.ar;
	F->R.ar = F->tar;
	value r = jj_int_abs(&F->R, 0, v);
	F->R.ar = own;
	return r;
}

static int is_expr(const node *n) { return n && n->type >= E_LIT && n->type <= E_OR; }

/* Constants the code would hold: the replaced nodes below one not
 * replaced, with no replaced node between (a replaced ancestor drops them) */
typedef struct pend { node *n; value v; int sliced; struct pend *next; } pend;
typedef struct plist { pend *head, **tail; } plist;
static void plist_add(plist *to, plist *from)
{
	if (!from->head) return;
	*to->tail = from->head;
	to->tail = from->tail;
}

/* An operand: whether its as_const succeeds (k, the value v), whether the
 * optimizer replaces it by a constant (rep: k and a safe repr), and what
 * it writes if it is not replaced */
typedef struct kid { node *n; int k, rep, sliced; value v; plist p; const node *dup; } kid;

static int fold(folder *F, node *n, value *v, int *rep, plist *p, const node **dup, int *sliced);

/* n's operands, each folded: the direct children in evaluation order */
static int kids(folder *F, node *n, kid **out)
{
	int m = 3 + n->args.n + n->kwv.n + 2, c = 0;
	kid *k = arena_alloc(&F->ar, (size_t)m * sizeof *k);
	node *one[] = { n->a, n->b, n->c };
	for (int i = 0; i < 3; i++) if (one[i]) k[c++].n = one[i];
	for (int i = 0; i < n->args.n; i++) if (n->args.v[i]) k[c++].n = n->args.v[i];
	for (int i = 0; i < n->kwv.n; i++) if (n->kwv.v[i]) k[c++].n = n->kwv.v[i];
	if (n->dyn_args) k[c++].n = n->dyn_args;
	if (n->dyn_kwargs) k[c++].n = n->dyn_kwargs;
	for (int i = 0; i < c; i++) k[i].k = fold(F, k[i].n, &k[i].v, &k[i].rep, &k[i].p, &k[i].dup, &k[i].sliced);
	*out = k;
	return c;
}

/* The kid that is node x */
static const kid *kid_of(const kid *k, int nk, const node *x)
{
	for (int i = 0; i < nk; i++) if (k[i].n == x) return &k[i];
	return NULL;
}

/* Whether n's as_const succeeds, its value in *v, in *rep whether the
 * optimizer replaces n by that constant, and in *p the constants n's code
 * holds when it is not replaced. jinja2's as_const evaluates the operands'
 * as_const again, so an operand folds into its parent even when it was not
 * replaced itself (an iterator, an undefined value). */
/* A call (a filter and a test are calls too in jinja2's code) whose
 * keywords repeat a name: Python refuses to compile it */
static int repeats_keyword(const node *n)
{
	if (n->type != E_CALL && n->type != E_FILTER && n->type != E_TEST) return 0;
	for (int i = 0; i < n->kwv.n; i++)
		for (int j = 0; j < i; j++)
			if (n->kwl[i] == n->kwl[j] && !memcmp(n->kwn[i], n->kwn[j], n->kwl[i])) return 1;
	return 0;
}

static int fold_node(folder *F, node *n, value *v, int *rep, plist *p, const node **dup);
static int fold(folder *F, node *n, value *v, int *rep, plist *p, const node **dup, int *sliced)
{
	const unsigned slices = F->R.fold_slices;
	int ok = fold_node(F, n, v, rep, p, dup);
	*sliced = F->R.fold_slices != slices;
	return ok;
}

static int fold_node(folder *F, node *n, value *v, int *rep, plist *p, const node **dup)
{
	*rep = 0;
	p->head = NULL;
	p->tail = &p->head;
	*dup = NULL;
	if (n->type == E_LIT) { *v = n->lit; *rep = safe_repr(*v); return 1; }
	kid *k;
	int nk = kids(F, n, &k), all = 1, cand = 0, ok = 0;
	/* a call written into the code with a repeated keyword (none under a
	 * replaced operand: that code is gone) */
	if (repeats_keyword(n)) *dup = n;
	for (int i = 0; i < nk && !*dup; i++) if (!k[i].rep) *dup = k[i].dup;
	for (int i = 0; i < nk; i++) all &= k[i].k;
	const kid *a = n->a ? kid_of(k, nk, n->a) : NULL;
	const kid *b = n->b ? kid_of(k, nk, n->b) : NULL;
	const kid *c = n->c ? kid_of(k, nk, n->c) : NULL;
	switch (n->type) {
	case E_ATTR: case E_ITEM: case E_SLICE: case E_BIN: case E_NOT: case E_NEG: case E_POS:
	case E_LIST: case E_TUPLE: case E_DICT:
		cand = all;
		break;
	case E_FILTER: cand = all && n->filt && n->filt->fold != JF_CONTEXT; break;
	case E_TEST: cand = all && n->test; break;
	/* left.as_const() and right.as_const(): Python's own short cut */
	case E_AND: cand = a->k && (!jj_truthy(a->v) || b->k); break;
	case E_OR: cand = a->k && (jj_truthy(a->v) || b->k); break;
	/* the test, then the branch it picks; none without an else */
	case E_COND: cand = b->k && (jj_truthy(b->v) ? a->k : c && c->k); break;
	case E_CMP: {
		/* each operand folded in turn until a comparison is false */
		int i = 1;
		while (i < n->args.n && kid_of(k, nk, n->args.v[i])->k) i++;
		if (!kid_of(k, nk, n->args.v[0])->k) break;
		if (i == n->args.n) { cand = 1; break; }
		if (i >= 2) {
			node pre = *n;
			pre.args.n = i;
			int r = try_eval(F, &pre, v);
			if (r < 0) return 0;
			ok = r && v->t == V_BOOL && !v->u.b;
		}
		break;
	}
	default: break;   /* a name, a call: never constant */
	}
	if (cand) {
		ok = try_eval(F, n, v);
		if (ok < 0) return 0;
	}
	*rep = ok && safe_repr(*v) && !(n->type == E_FILTER && (n->filt->fold == JF_ITER || n->filt->fold == JF_ITER_NOW) && v->t != V_STR);
	if (!*rep && n->type == E_BIN && n->op == 'P' && a->rep && negative(a->v)) {
		/* a constant negative base is written as -2 in jinja2's Python, and
		 * -2 ** n is -(2 ** n) there: the power of the absolute value, negated */
		node *pw = arena_alloc(F->tar, sizeof *pw), *base = arena_alloc(F->tar, sizeof *base);
		*pw = *n;
		memset(base, 0, sizeof *base);
		base->type = E_LIT;
		base->line = n->a->line;
		base->lit = abs_in_template(F, a->v);
		pw->a = base;
		n->type = E_NEG;
		n->a = pw;
		n->b = NULL;
		return ok;
	}
	for (int i = 0; i < nk; i++) {
		if (k[i].rep) {
			pend *e = arena_alloc(&F->ar, sizeof *e);
			*e = (pend){ k[i].n, k[i].v, k[i].sliced, NULL };
			plist one = { e, &e->next };
			plist_add(p, &one);
		} else plist_add(p, &k[i].p);
	}
	return ok;
}

/* An expression a statement evaluates. Replaced whole, it is one constant
 * in the code; printed ({{ }}), a value its as_const gives is text made at
 * compile time; else the constants below it are in the code. */
static void fold_root(folder *F, node *n, int printed)
{
	value v;
	int rep;
	plist p;
	const node *dup;
	if (!is_expr(n)) return;
	int sliced;
	int k = fold(F, n, &v, &rep, &p, &dup, &sliced);
	if (dup && !(printed ? k : rep) && !F->dup) F->dup = dup;
	if (printed && k) {
		/* jinja2 prints it at compile time: the node becomes that text */
		if (setjmp(F->e.jb)) {
			jj_live_unwind(&F->R, 0);
			return;   /* a value this engine cannot print: run time meets the same */
		}
		strbuf_reset(&F->out);
		jj_put_str(&F->R, &F->out, v);
		char *s = arena_alloc(F->tar, F->out.len + 1);
		memcpy(s, F->out.p ? F->out.p : "", F->out.len);
		s[F->out.len] = 0;
		memset(&n->lit, 0, sizeof n->lit);
		n->type = E_LIT;
		n->lit = vstr(s, F->out.len);
		return;
	}
	if (rep) {
		emit(F, n, v, sliced);
		return;
	}
	for (pend *e = p.head; e; e = e->next) emit(F, e->n, e->v, e->sliced);
}

static void fold_body(folder *F, const nlist *l);
static void fold_stmt(folder *F, node *n)
{
	if (!n) return;
	fold_root(F, n->a, n->type == N_OUT);
	fold_root(F, n->b, 0);
	fold_root(F, n->c, 0);
	for (int i = 0; i < n->conds.n; i++) fold_root(F, n->conds.v[i], 0);
	for (int i = 0; i < n->defaults.n; i++) fold_root(F, n->defaults.v[i], 0);
	fold_body(F, &n->body);
	fold_body(F, &n->orelse);
	if (n->bodies) for (int i = 0; i < n->conds.n; i++) fold_body(F, &n->bodies[i]);
}
static void fold_body(folder *F, const nlist *l) { for (int i = 0; i < l->n; i++) fold_stmt(F, l->v[i]); }

void jj_fold(jinja_tmpl *t, jerr *parse_e)
{
	folder *F = xcalloc(1, sizeof *F);
	arena_init(&F->ar, 1 << 12);
	F->e = (jerr){ .msg = F->msg, .len = sizeof F->msg };
	F->tar = &t->ar;
	F->top.up = &F->g;
	/* render's limits for an empty input */
	F->R = (rt){ .e = &F->e, .ar = &F->ar, .out = &F->out, .globals = &F->g, .cur = &F->top, .top = &F->top,
		     .step_limit = 4000000u, .out_limit = (size_t)16 << 20, .folding = 1 };
	fold_body(F, &t->body);
	strbuf_free(&F->out);
	arena_free(&F->ar);
	const node *dup = F->dup;
	free(F);
	/* Python's compiler refuses it: the template's SyntaxError */
	if (dup) jj_fail(parse_e, dup->line, "keyword argument repeated");
}

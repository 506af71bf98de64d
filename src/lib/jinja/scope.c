/* scope.c — the names a scope starts undefined, as jinja2's idtracking
 * decides them. See jinja_int.h.
 *
 * jinja2 compiles each scope (the template, a loop's body, its else, a
 * macro, a call block's caller, a filter block, a block set's body, a
 * template block) into Python locals, looked up once when the scope is
 * entered. A name the scope stores before it loads it, which no enclosing
 * scope knows, starts as 'missing' there: an inner scope that reads it
 * before the store finds it undefined, not the context's value, so
 * {% for m in ms %}{{ x }}{% endfor %}{% set x = 1 %} prints no x. A name
 * loaded first, stored only inside an if, or known to an enclosing scope
 * is resolved from outside, which is what this engine's frames do by
 * themselves. The walk is jinja2's symbol visitor's: a scope's own
 * statements in order, not into inner scopes, each of which is walked
 * after, seeing the enclosing scopes whole. */
#include "jinja/jinja_int.h"

#include <string.h>

typedef struct scope {
	const struct scope *up;
	arena *ar;
	jj_names seen;     /* every name the scope itself loads, stores or takes as a parameter */
	jj_names *undef;   /* out: the names it starts undefined */
} scope;

static int names_has(const jj_names *s, const char *p, size_t n)
{
	for (int i = 0; i < s->n; i++) if (s->l[i] == n && !memcmp(s->p[i], p, n)) return 1;
	return 0;
}

static void names_add(arena *ar, jj_names *s, const char *p, size_t n)
{
	if (s->n == s->cap) {
		int cap = s->cap ? s->cap * 2 : 8;
		const char **np = arena_alloc(ar, (size_t)cap * sizeof *np);
		size_t *nl = arena_alloc(ar, (size_t)cap * sizeof *nl);
		if (s->n) { memcpy(np, s->p, (size_t)s->n * sizeof *np); memcpy(nl, s->l, (size_t)s->n * sizeof *nl); }
		s->p = np; s->l = nl; s->cap = cap;
	}
	s->p[s->n] = p; s->l[s->n++] = n;
}

static void load(scope *s, const char *p, size_t n)
{
	if (n && p[0] == '\001') return;   /* the engine's own placeholders */
	if (!names_has(&s->seen, p, n)) names_add(s->ar, &s->seen, p, n);
}

/* a store: first in this scope, not inside an if, unknown above: undefined at entry */
static void store(scope *s, const char *p, size_t n, int in_if)
{
	if (names_has(&s->seen, p, n)) return;
	names_add(s->ar, &s->seen, p, n);
	if (in_if) return;
	for (const scope *u = s->up; u; u = u->up) if (names_has(&u->seen, p, n)) return;
	names_add(s->ar, s->undef, p, n);
}

static void loads(scope *s, const node *e)
{
	if (!e) return;
	if (e->type == E_NAME) { load(s, e->name, e->nlen); return; }
	if (e->type == E_LIT || e->type == E_UNBOUND) return;
	loads(s, e->a); loads(s, e->b); loads(s, e->c);
	for (int i = 0; i < e->args.n; i++) loads(s, e->args.v[i]);
	for (int i = 0; i < e->kwv.n; i++) loads(s, e->kwv.v[i]);
	loads(s, e->dyn_args);
	loads(s, e->dyn_kwargs);
}

static void store_tree(scope *s, const node *t, int in_if)
{
	if (t->type == E_NAME) store(s, t->name, t->nlen, in_if);
	else if (t->type == E_ATTR) load(s, t->a->name, t->a->nlen);   /* ns.attr loads ns */
	else for (int i = 0; i < t->args.n; i++) store_tree(s, t->args.v[i], in_if);
}

/* a loop's target tree, as parameters */
static void params(scope *s, const node *t)
{
	if (t->type == E_NAME) load(s, t->name, t->nlen);
	else for (int i = 0; i < t->args.n; i++) params(s, t->args.v[i]);
}

/* the targets of a set or block set */
static void store_targets(scope *s, const node *n, int in_if)
{
	if (n->tgt) store_tree(s, n->tgt, in_if);
	else if (n->name2) load(s, n->name, n->nlen);
	else if (n->ntn > 1) for (int i = 0; i < n->ntn; i++) store(s, n->tn[i], n->tl[i], in_if);
	else store(s, n->name, n->nlen, in_if);
}

static void inner(const scope *up, const node *n, const nlist *body, jj_names *undef);

/* One scope's own statements, into its ifs but not its inner scopes */
static void walk_own(scope *s, const nlist *body, int in_if)
{
	for (int i = 0; i < body->n; i++) {
		const node *n = body->v[i];
		switch (n->type) {
		case N_OUT: loads(s, n->a); break;
		case N_IF:
			for (int k = 0; k < n->conds.n; k++) loads(s, n->conds.v[k]);
			for (int k = 0; k < n->conds.n; k++) walk_own(s, &n->bodies[k], 1);
			walk_own(s, &n->orelse, 1);
			break;
		case N_FOR: loads(s, n->a); break;   /* the iterable; the rest is the loop's */
		case N_SET: loads(s, n->a); store_targets(s, n, in_if); break;
		case N_SETBLOCK: loads(s, n->a); store_targets(s, n, in_if); break;
		case N_MACRO: store(s, n->name, n->nlen, in_if); break;
		case N_CALLBLOCK: case N_FILTERBLOCK: loads(s, n->a); break;
		default: break;
		}
	}
}

/* The scopes inside one scope's statements (and its ifs), each walked
 * with the enclosing scope whole */
static void walk_inner(const scope *s, const nlist *body)
{
	for (int i = 0; i < body->n; i++) {
		node *n = body->v[i];
		switch (n->type) {
		case N_IF:
			for (int k = 0; k < n->conds.n; k++) walk_inner(s, &n->bodies[k]);
			walk_inner(s, &n->orelse);
			break;
		case N_FOR:
			inner(s, n, &n->body, &n->undef);
			inner(s, NULL, &n->orelse, &n->undef_else);
			break;
		case N_SETBLOCK: case N_MACRO: case N_CALLBLOCK: case N_FILTERBLOCK: case N_BLOCK: case N_TBLOCK:
			inner(s, n, &n->body, &n->undef);
			break;
		default: break;
		}
	}
}

/* An inner scope: n's parameters (a loop's targets and loop, a macro's or
 * caller's parameters), then its statements */
static void inner(const scope *up, const node *n, const nlist *body, jj_names *undef)
{
	scope c = { .up = up, .ar = up->ar, .undef = undef };
	if (n && n->type == N_FOR) {
		/* targets are parameters: seen, never undefined */
		if (n->tgt) params(&c, n->tgt);
		else for (int i = 0; i < n->ntn; i++) load(&c, n->tn[i], n->tl[i]);
		load(&c, "loop", 4);
		loads(&c, n->b);
	}
	if (n && (n->type == N_MACRO || n->type == N_CALLBLOCK)) {
		for (int i = 0; i < n->ntn; i++) load(&c, n->tn[i], n->tl[i]);
		load(&c, "varargs", 7); load(&c, "kwargs", 6); load(&c, "caller", 6);
		for (int i = 0; i < n->defaults.n; i++) loads(&c, n->defaults.v[i]);
	}
	walk_own(&c, body, 0);
	walk_inner(&c, body);
}

void jj_scopes(jinja_tmpl *t)
{
	scope root = { .up = NULL, .ar = &t->ar, .undef = &t->undef };
	walk_own(&root, &t->body, 0);
	walk_inner(&root, &t->body);
}

/* parse.c — the tags parsed into a tree of nodes in the template's arena;
 * then, as jinja2's compiler does, the filters, tests, methods and globals the
 * template calls are checked. jinja_parse and jinja_free. See jinja_int.h. */
#include "jinja/jinja_int.h"

#include <ctype.h>
#include <stdlib.h>

/* Is name a method of Python's str, dict or list? obj.name finds the method
 * before any key of that name, as jinja2's getattr does. */
int jj_is_py_method(int t, const char *k, size_t n)
{
	static const char *const str_m[] = { "capitalize", "casefold", "center", "count", "encode", "endswith", "expandtabs", "find",
		"format", "format_map", "index", "isalnum", "isalpha", "isascii", "isdecimal", "isdigit", "isidentifier", "islower",
		"isnumeric", "isprintable", "isspace", "istitle", "isupper", "join", "ljust", "lower", "lstrip", "maketrans", "partition",
		"removeprefix", "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
		"splitlines", "startswith", "strip", "swapcase", "title", "translate", "upper", "zfill", NULL };
	static const char *const dict_m[] = { "clear", "copy", "fromkeys", "get", "items", "keys", "pop", "popitem", "setdefault",
		"update", "values", NULL };
	static const char *const list_m[] = { "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove",
		"reverse", "sort", NULL };
	const char *const *m = t == V_STR ? str_m : t == V_DICT ? dict_m : t == V_LIST ? list_m : NULL;
	for (; m && *m; m++) if (strlen(*m) == n && !memcmp(*m, k, n)) return 1;
	return 0;
}


static void *pnew(parser *P, size_t n) { void *x = arena_alloc(P->ar, n); memset(x, 0, n); return x; }

static void nl_push(parser *P, nlist *l, node *n)
{
	if (l->n == l->cap) {
		int cap = l->cap ? l->cap * 2 : 4;
		node **v = arena_alloc(P->ar, (size_t)cap * sizeof *v);
		if (l->n) memcpy(v, l->v, (size_t)l->n * sizeof *v);
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = n;
}
static int is_op(parser *P, const char *op) { return P->cur.t == T_OP && P->cur.n == strlen(op) && !memcmp(P->cur.p, op, P->cur.n); }
static int is_kw(parser *P, const char *kw) { return P->cur.t == T_NAME && P->cur.n == strlen(kw) && !memcmp(P->cur.p, kw, P->cur.n); }
static void expect_op(parser *P, const char *op)
{
	if (!is_op(P, op)) jj_fail(P->e, P->line, "expected '%s', found '%.*s'", op, P->cur.t == T_END ? 3 : (int)P->cur.n, P->cur.t == T_END ? "end" : P->cur.p);
	jj_next_tok(P);
}

static node *mk(parser *P, int type) { node *n = pnew(P, sizeof *n); n->type = type; n->line = P->line; return n; }

static node *parse_expr(parser *P);
static node *parse_or(parser *P);

/* A filter or test name, at the current name token: jinja2 reads a dotted
 * name (a.b, spaces around the dots too), which no builtin has, so it
 * fails where it is reached with its whole name */
static void filter_name(parser *P, node *f)
{
	f->name = P->cur.p; f->nlen = P->cur.n;
	jj_next_tok(P);
	while (is_op(P, ".")) {
		jj_next_tok(P);
		if (P->cur.t != T_NAME) jj_fail(P->e, P->line, "a name expected after '.' in a filter or test name");
		char *d = arena_alloc(P->ar, f->nlen + 1 + P->cur.n + 1);
		memcpy(d, f->name, f->nlen);
		d[f->nlen] = '.';
		memcpy(d + f->nlen + 1, P->cur.p, P->cur.n);
		f->nlen += 1 + P->cur.n;
		d[f->nlen] = 0;
		f->name = d;
		jj_next_tok(P);
	}
}

static void parse_args(parser *P, node *n, const char *closer)
{
	while (!is_op(P, closer)) {
		if (is_op(P, "*") || is_op(P, "**")) {
			int two = is_op(P, "**");
			node **slot = two ? &n->dyn_kwargs : &n->dyn_args;
			if (*slot) jj_fail(P->e, P->line, "only one %s argument in a call", two ? "**" : "*");
			jj_next_tok(P);
			*slot = parse_expr(P);
		} else if (P->cur.t == T_NAME) {
			/* keyword argument? look ahead for '=' (not '==') */
			const char *save = P->p;
			tok_t cur = P->cur;
			jj_next_tok(P);
			if (is_op(P, "=")) {
				jj_next_tok(P);
				int k = n->kwv.n;
				const char **kn = arena_alloc(P->ar, (size_t)(k + 1) * sizeof *kn);
				size_t *kl = arena_alloc(P->ar, (size_t)(k + 1) * sizeof *kl);
				if (k) { memcpy(kn, n->kwn, (size_t)k * sizeof *kn); memcpy(kl, n->kwl, (size_t)k * sizeof *kl); }
				kn[k] = cur.p; kl[k] = cur.n;
				n->kwn = kn; n->kwl = kl;
				nl_push(P, &n->kwv, parse_expr(P));
			} else {
				P->p = save;
				P->cur = cur;
				nl_push(P, &n->args, parse_expr(P));
			}
		} else nl_push(P, &n->args, parse_expr(P));
		if (!is_op(P, ",")) break;
		jj_next_tok(P);
	}
	expect_op(P, closer);
}

static node *parse_primary(parser *P)
{
	tok_t t = P->cur;
	node *n;
	if (t.t == T_STR) {
		/* adjacent literals concatenate (in the arena: an error may unwind at any token) */
		const char *acc = P->cur.s;
		size_t an = P->cur.sn;
		jj_next_tok(P);
		while (P->cur.t == T_STR) {
			char *c = arena_alloc(P->ar, an + P->cur.sn + 1);
			memcpy(c, acc, an);
			memcpy(c + an, P->cur.s, P->cur.sn);
			c[an + P->cur.sn] = 0;
			acc = c;
			an += P->cur.sn;
			jj_next_tok(P);
		}
		n = mk(P, E_LIT);
		n->lit.t = V_STR;
		n->lit.u.s.p = acc;
		n->lit.u.s.n = an;
		return n;
	}
	if (t.t == T_INT) {
		jj_next_tok(P); n = mk(P, E_LIT); n->lit.t = V_INT; n->lit.u.i = t.i;
		if (t.s && !jj_int_parse(P->ar, P->e, P->line, t.s, t.sn, t.base ? t.base : 10, &n->lit))
			jj_fail(P->e, P->line, "ValueError: Exceeds the limit (4300 digits) for integer string conversion");
		return n;
	}
	if (t.t == T_FLOAT) { jj_next_tok(P); n = mk(P, E_LIT); n->lit.t = V_FLOAT; n->lit.u.f = t.f; return n; }
	if (t.t == T_NAME) {
		jj_next_tok(P);
		n = mk(P, E_LIT);
		if ((t.n == 4 && (!memcmp(t.p, "true", 4) || !memcmp(t.p, "True", 4)))) { n->lit.t = V_BOOL; n->lit.u.b = 1; return n; }
		if ((t.n == 5 && (!memcmp(t.p, "false", 5) || !memcmp(t.p, "False", 5)))) { n->lit.t = V_BOOL; n->lit.u.b = 0; return n; }
		if ((t.n == 4 && (!memcmp(t.p, "none", 4) || !memcmp(t.p, "None", 4)))) { n->lit.t = V_NONE; return n; }
		n->type = E_NAME; n->name = t.p; n->nlen = t.n;
		return n;
	}
	if (is_op(P, "(")) {
		jj_next_tok(P);
		if (is_op(P, ")")) { jj_next_tok(P); n = mk(P, E_TUPLE); return n; }
		node *e = parse_expr(P);
		if (is_op(P, ",")) {
			n = mk(P, E_TUPLE);
			nl_push(P, &n->args, e);
			while (is_op(P, ",")) { jj_next_tok(P); if (is_op(P, ")")) break; nl_push(P, &n->args, parse_expr(P)); }
			expect_op(P, ")");
			return n;
		}
		expect_op(P, ")");
		return e;
	}
	if (is_op(P, "[")) {
		jj_next_tok(P);
		n = mk(P, E_LIST);
		while (!is_op(P, "]")) { nl_push(P, &n->args, parse_expr(P)); if (!is_op(P, ",")) break; jj_next_tok(P); }
		expect_op(P, "]");
		return n;
	}
	if (is_op(P, "{")) {
		jj_next_tok(P);
		n = mk(P, E_DICT);
		while (!is_op(P, "}")) {
			nl_push(P, &n->args, parse_expr(P));
			expect_op(P, ":");
			nl_push(P, &n->args, parse_expr(P));
			if (!is_op(P, ",")) break;
			jj_next_tok(P);
		}
		expect_op(P, "}");
		return n;
	}
	if (t.t == T_END) jj_fail(P->e, P->line, "expression expected, found the end of the tag");
	jj_fail(P->e, P->line, "unexpected '%.*s' in an expression", (int)t.n, t.p);
}

static node *parse_postfix(parser *P, node *n)
{
	for (;;) {
		if (is_op(P, ".")) {
			jj_next_tok(P);
			if (P->cur.t != T_NAME && P->cur.t != T_INT) jj_fail(P->e, P->line, "attribute name expected after '.'");
			node *a = mk(P, E_ATTR);
			a->a = n;
			if (P->cur.t == T_INT) { a->type = E_ITEM; node *ix = mk(P, E_LIT); ix->lit.t = V_INT; ix->lit.u.i = P->cur.i; a->b = ix; }
			else {
				a->name = P->cur.p; a->nlen = P->cur.n;
				/* which types have a method of that name, found before any key (decided once, here) */
				a->op = jj_is_py_method(V_STR, a->name, a->nlen) | jj_is_py_method(V_DICT, a->name, a->nlen) << 1 |
					jj_is_py_method(V_LIST, a->name, a->nlen) << 2;
			}
			jj_next_tok(P);
			n = a;
		} else if (is_op(P, "[")) {
			jj_next_tok(P);
			node *lo = NULL, *hi = NULL, *st = NULL;
			int slice = 0;
			if (!is_op(P, ":")) lo = parse_expr(P);
			if (is_op(P, ":")) {
				slice = 1;
				jj_next_tok(P);
				if (!is_op(P, "]") && !is_op(P, ":")) hi = parse_expr(P);
				if (is_op(P, ":")) { jj_next_tok(P); if (!is_op(P, "]")) st = parse_expr(P); }
			}
			expect_op(P, "]");
			node *a = mk(P, slice ? E_SLICE : E_ITEM);
			a->a = n; a->b = lo;
			if (slice) { a->args.n = 0; nl_push(P, &a->args, lo); nl_push(P, &a->args, hi); nl_push(P, &a->args, st); }
			n = a;
		} else if (is_op(P, "(")) {
			jj_next_tok(P);
			node *c = mk(P, E_CALL);
			c->a = n;
			if (n->type == E_ATTR) c->meth = jj_method_named(n->name, n->nlen);
			parse_args(P, c, ")");
			n = c;
		} else return n;
	}
}

static node *parse_filters(parser *P, node *n)
{
	for (;;) {
		if (is_op(P, "|")) {
			jj_next_tok(P);
			if (P->cur.t != T_NAME) jj_fail(P->e, P->line, "filter name expected after '|'");
			node *f = mk(P, E_FILTER);
			f->a = n;
			filter_name(P, f);
			f->filt = jj_filter_find(f->name, f->nlen);
			if (is_op(P, "(")) { jj_next_tok(P); parse_args(P, f, ")"); }
			n = f;
		} else if (is_kw(P, "is")) {
			jj_next_tok(P);
			node *t = mk(P, E_TEST);
			t->a = n;
			if (is_kw(P, "not")) { t->negate = 1; jj_next_tok(P); }
			if (P->cur.t != T_NAME) jj_fail(P->e, P->line, "test name expected after 'is'");
			filter_name(P, t);
			t->test = jj_test_find(t->name, t->nlen);
			if (is_op(P, "(")) { jj_next_tok(P); parse_args(P, t, ")"); }
			else if (P->cur.t == T_STR || P->cur.t == T_INT || P->cur.t == T_FLOAT || is_op(P, "[") || is_op(P, "{") ||
				 (P->cur.t == T_NAME && !is_kw(P, "and") && !is_kw(P, "or") && !is_kw(P, "else"))) {
				/* jinja2's parse_test: one primary argument without parentheses */
				if (is_kw(P, "is")) jj_fail(P->e, P->line, "You cannot chain multiple tests with is");
				nl_push(P, &t->args, parse_postfix(P, parse_primary(P)));
			}
			n = t;
		} else return n;
	}
}

/* jinja2's parse_unary: the operand of - and + takes no filters, the result
 * does, so -1|abs is abs(-1) */
static node *parse_unary_f(parser *P, int with_filter)
{
	if (++P->depth > 200) jj_fail(P->e, P->line, "expression nested more than 200 deep");
	node *r = NULL;
	if (is_op(P, "-")) { jj_next_tok(P); r = mk(P, E_NEG); r->a = parse_unary_f(P, 0); }
	else if (is_op(P, "+")) { jj_next_tok(P); r = mk(P, E_POS); r->a = parse_unary_f(P, 0); }   /* +'a' raises */
	else r = parse_primary(P);
	r = parse_postfix(P, r);
	if (with_filter) r = parse_filters(P, r);
	P->depth--;
	return r;
}
static node *parse_unary(parser *P) { return parse_unary_f(P, 1); }

/* The binary operators by precedence, lowest first, as jinja2's parser
 * ladders them (parse_or ... parse_pow; the idea of Lua's priority[]). All
 * are left-associative, ** too (jinja2's, unlike Python's); comparisons chain
 * into one E_CMP; `not` is a prefix between and and the comparisons. */
enum { PREC_OR = 1, PREC_AND, PREC_NOT, PREC_CMP, PREC_ADD, PREC_CONCAT, PREC_MUL, PREC_POW };
static const struct binop { const char *tok; int kw, prec, type, op; } binops[] = {
	{ "or", 1, PREC_OR, E_OR, 0 },
	{ "and", 1, PREC_AND, E_AND, 0 },
	{ "==", 0, PREC_CMP, E_CMP, C_EQ }, { "!=", 0, PREC_CMP, E_CMP, C_NE },
	{ "<=", 0, PREC_CMP, E_CMP, C_LE }, { ">=", 0, PREC_CMP, E_CMP, C_GE },
	{ "<", 0, PREC_CMP, E_CMP, C_LT }, { ">", 0, PREC_CMP, E_CMP, C_GT },
	{ "in", 1, PREC_CMP, E_CMP, C_IN },
	{ "not", 1, PREC_CMP, E_CMP, C_NOTIN },   /* only as "not in" */
	{ "+", 0, PREC_ADD, E_BIN, '+' }, { "-", 0, PREC_ADD, E_BIN, '-' },
	{ "~", 0, PREC_CONCAT, E_BIN, '~' },
	{ "*", 0, PREC_MUL, E_BIN, '*' }, { "//", 0, PREC_MUL, E_BIN, 'F' },
	{ "/", 0, PREC_MUL, E_BIN, '/' }, { "%", 0, PREC_MUL, E_BIN, '%' },
	{ "**", 0, PREC_POW, E_BIN, 'P' },
};

/* The operator at the current token, or NULL; nothing is consumed (for
 * "not", the token after it is looked at and put back). */
static const struct binop *peek_binop(parser *P)
{
	if (P->cur.t != T_OP && P->cur.t != T_NAME) return NULL;
	for (size_t i = 0; i < sizeof binops / sizeof *binops; i++) {
		const struct binop *o = &binops[i];
		if (!(o->kw ? is_kw(P, o->tok) : is_op(P, o->tok))) continue;
		if (o->op != C_NOTIN) return o;
		const char *save = P->p;
		tok_t cur = P->cur;
		jj_next_tok(P);
		int in = is_kw(P, "in");
		P->p = save;
		P->cur = cur;
		return in ? o : NULL;
	}
	return NULL;
}

/* Precedence climbing: an operand, then every operator binding at least as
 * tightly as min, each right operand parsed one level tighter. */
static node *parse_bin(parser *P, int min)
{
	node *n, *chain = NULL;
	if (min <= PREC_NOT && is_kw(P, "not")) {
		if (++P->depth > 200) jj_fail(P->e, P->line, "expression nested more than 200 deep");
		jj_next_tok(P);
		n = mk(P, E_NOT);
		n->a = parse_bin(P, PREC_NOT);
		P->depth--;
	} else n = parse_unary(P);
	for (;;) {
		const struct binop *o = peek_binop(P);
		if (!o || o->prec < min) return n;
		jj_next_tok(P);
		if (o->op == C_NOTIN) jj_next_tok(P);   /* the "in" */
		if (o->type == E_CMP) {
			/* a < b < c: one node, its operands and operators in order */
			if (n != chain) {
				chain = mk(P, E_CMP);
				nl_push(P, &chain->args, n);
				n = chain;
			}
			int k = n->args.n - 1;
			int *ops = arena_alloc(P->ar, (size_t)(k + 1) * sizeof *ops);
			if (k) memcpy(ops, n->ops, (size_t)k * sizeof *ops);
			ops[k] = o->op;
			n->ops = ops;
			nl_push(P, &n->args, parse_bin(P, PREC_CMP + 1));
			continue;
		}
		node *x = mk(P, o->type);
		x->op = o->op;
		x->a = n;
		x->b = parse_bin(P, o->prec + 1);
		n = x;
	}
}

static node *parse_or(parser *P) { return parse_bin(P, PREC_OR); }
static node *parse_expr(parser *P)
{
	node *n = parse_or(P);
	if (is_kw(P, "if")) {
		jj_next_tok(P);
		node *c = mk(P, E_COND);
		c->a = n;
		c->b = parse_or(P);
		if (is_kw(P, "else")) { jj_next_tok(P); c->c = parse_expr(P); }
		return c;
	}
	return n;
}

/* ---------------- statements ---------------- */

static void tag_begin(parser *P, const seg *s)
{
	P->p = s->p;
	P->end = s->p + s->n;
	P->line = s->line;
	jj_next_tok(P);
}
static void tag_end(parser *P)
{
	if (P->cur.t != T_END) jj_fail(P->e, P->line, "unexpected '%.*s' at the end of the tag", (int)P->cur.n, P->cur.p);
}

/* Parse until one of the keywords in stop (NULL-terminated) opens a tag; the
 * keyword's index goes to *which, the parser stands after the keyword. */
static nlist parse_body(parser *P, const char *const *stop, int *which);

/* Assignment targets, as jinja2's parse_assign_target reads them: names,
 * ns.attr (in set, outside parentheses), and tuples of targets, nested
 * in parentheses. A trailing comma ends a tuple only before the tag's end
 * or ')': jinja2's extra_end_rules never match (test_any is given a
 * tuple), so in "for a, in xs" the 'in' is a second name. */
static int is_const_name(const tok_t *t)
{
	static const char *const k[] = { "true", "false", "none", "True", "False", "None" };
	for (size_t i = 0; i < sizeof k / sizeof *k; i++)
		if (t->n == strlen(k[i]) && !memcmp(t->p, k[i], t->n)) return 1;
	return 0;
}

static node *target_tuple(parser *P, int ns, int paren);

static node *target_primary(parser *P, int ns)
{
	if (P->cur.t == T_NAME) {
		if (is_const_name(&P->cur)) jj_fail(P->e, P->line, "can't assign to '%.*s'", (int)P->cur.n, P->cur.p);
		node *t = mk(P, E_NAME);
		t->name = P->cur.p; t->nlen = P->cur.n;
		jj_next_tok(P);
		if (ns && is_op(P, ".")) {
			jj_next_tok(P);
			if (P->cur.t != T_NAME) jj_fail(P->e, P->line, "an attribute expected after '.' in set");
			node *at = mk(P, E_ATTR);
			at->a = t;
			at->name = P->cur.p; at->nlen = P->cur.n;
			jj_next_tok(P);
			return at;
		}
		return t;
	}
	if (is_op(P, "(")) {
		jj_next_tok(P);
		node *t;
		if (is_op(P, ")")) t = mk(P, E_TUPLE);   /* () = [] is Python's too */
		else t = target_tuple(P, 0, 1);
		expect_op(P, ")");
		return t;
	}
	if (P->cur.t == T_END) jj_fail(P->e, P->line, "a name expected");
	jj_fail(P->e, P->line, "can't assign to '%.*s'", (int)P->cur.n, P->cur.p);
}

/* a, b, ... : one target alone is itself; inside parentheses jinja2 reads
 * whole expressions, of which only targets can be assigned */
static node *target_tuple(parser *P, int ns, int paren)
{
	node *t = mk(P, E_TUPLE);
	int is_tuple = 0;
	while (1) {
		if (t->args.n && (P->cur.t == T_END || is_op(P, ")"))) break;
		nl_push(P, &t->args, target_primary(P, ns));
		if (paren && !is_op(P, ",") && !is_op(P, ")")) jj_fail(P->e, P->line, "can't assign to an expression");
		if (!is_op(P, ",")) break;
		is_tuple = 1;
		jj_next_tok(P);
	}
	return is_tuple ? t : t->args.v[0];
}

/* n's targets from the tree t: a name (name), ns.attr (name, name2), two
 * or more plain names (tn, tl, ntn), else the tree itself (tgt) */
static void set_targets(parser *P, node *n, node *t)
{
	if (t->type == E_NAME) {
		n->name = t->name; n->nlen = t->nlen;
		n->tn = &n->name; n->tl = &n->nlen; n->ntn = 1;
		return;
	}
	if (t->type == E_ATTR) { n->name = t->a->name; n->nlen = t->a->nlen; n->name2 = t->name; n->n2len = t->nlen; return; }
	int flat = t->args.n >= 2;
	for (int i = 0; i < t->args.n && flat; i++) flat = t->args.v[i]->type == E_NAME;
	if (!flat) { n->tgt = t; return; }
	n->tn = arena_alloc(P->ar, (size_t)t->args.n * sizeof *n->tn);
	n->tl = arena_alloc(P->ar, (size_t)t->args.n * sizeof *n->tl);
	for (int i = 0; i < t->args.n; i++) { n->tn[i] = t->args.v[i]->name; n->tl[i] = t->args.v[i]->nlen; }
	n->ntn = t->args.n;
}

/* (a, b=default, ...) after the '(' of a macro or call block, up to and past ')' */
static void param_list(parser *P, node *n)
{
	while (!is_op(P, ")")) {
		if (P->cur.t != T_NAME) jj_fail(P->e, P->line, "a parameter name expected");
		int k = n->ntn;
		const char **tn = arena_alloc(P->ar, (size_t)(k + 1) * sizeof *tn);
		size_t *tl = arena_alloc(P->ar, (size_t)(k + 1) * sizeof *tl);
		if (k) { memcpy(tn, n->tn, (size_t)k * sizeof *tn); memcpy(tl, n->tl, (size_t)k * sizeof *tl); }
		tn[k] = P->cur.p; tl[k] = P->cur.n;
		n->tn = tn; n->tl = tl; n->ntn = k + 1;
		jj_next_tok(P);
		if (is_op(P, "=")) { jj_next_tok(P); nl_push(P, &n->defaults, parse_expr(P)); }
		else nl_push(P, &n->defaults, NULL);
		if (!is_op(P, ",")) break;
		jj_next_tok(P);
	}
	expect_op(P, ")");
}

/* Which of varargs, kwargs and caller a macro body reads (jinja2 accepts extra
 * arguments only then). As jinja2's find_undeclared, the bodies of macros
 * and call blocks nested in it count too (only a block's does not). */
static int node_uses(const node *n);
static int list_uses(const nlist *l)
{
	int u = 0;
	for (int i = 0; i < l->n; i++) if (l->v[i]) u |= node_uses(l->v[i]);
	return u;
}
static int body_uses(const nlist *l) { return list_uses(l); }
static int node_uses(const node *n)
{
	if (!n) return 0;
	if (n->type == E_NAME) {
		if (n->nlen == 7 && !memcmp(n->name, "varargs", 7)) return 1;
		if (n->nlen == 6 && !memcmp(n->name, "kwargs", 6)) return 2;
		if (n->nlen == 6 && !memcmp(n->name, "caller", 6)) return 4;
		return 0;
	}
	if (n->type == N_TBLOCK) return 0;
	int u = node_uses(n->a) | node_uses(n->b) | node_uses(n->c);
	u |= list_uses(&n->args) | list_uses(&n->kwv) | list_uses(&n->defaults) | list_uses(&n->conds);
	u |= list_uses(&n->body);
	u |= list_uses(&n->orelse);
	if (n->bodies) for (int i = 0; i < n->conds.n; i++) u |= list_uses(&n->bodies[i]);
	return u;
}

/* The body up to {% end %} (a keyword such as "endset"), and past that tag */
static nlist body_until(parser *P, const char *end)
{
	const char *const st[] = { end, NULL };
	int w;
	nlist body = parse_body(P, st, &w);
	tag_end(P);
	return body;
}

/* {% if c %}...{% elif c %}...{% else %}...{% endif %}, after "if" */
static node *parse_if(parser *P)
{
	node *n = mk(P, N_IF);
	nl_push(P, &n->conds, parse_expr(P));
	tag_end(P);
	static const char *const st[] = { "elif", "else", "endif", NULL };
	nlist bodies[256];
	int nb = 0, w = -1;
	for (;;) {
		if (nb == 256) jj_fail(P->e, n->line, "more than 255 elif branches");
		bodies[nb++] = parse_body(P, st, &w);
		if (w == 0) { nl_push(P, &n->conds, parse_expr(P)); tag_end(P); continue; }
		tag_end(P);
		if (w == 1) n->orelse = body_until(P, "endif");
		break;
	}
	n->bodies = arena_alloc(P->ar, (size_t)nb * sizeof *n->bodies);
	memcpy(n->bodies, bodies, (size_t)nb * sizeof *bodies);
	return n;
}

/* {% for names in expr [if cond] %}...[{% else %}...]{% endfor %}, after "for" */
static node *parse_for(parser *P)
{
	node *n = mk(P, N_FOR);
	set_targets(P, n, target_tuple(P, 0, 0));
	if (!is_kw(P, "in")) jj_fail(P->e, P->line, "'in' expected in a for statement");
	jj_next_tok(P);
	n->a = parse_or(P);     /* an inline if belongs to the loop, not the expression */
	if (is_kw(P, "if")) { jj_next_tok(P); n->b = parse_or(P); }
	if (is_kw(P, "recursive")) { jj_next_tok(P); n->op = 1; }
	tag_end(P);
	static const char *const st[] = { "else", "endfor", NULL };
	int w = -1;
	P->loops++;
	n->body = parse_body(P, st, &w);
	P->loops--;
	tag_end(P);
	if (w == 0) n->orelse = body_until(P, "endfor");
	return n;
}

/* {% set targets = expr %} or the block {% set name %}...{% endset %} */
static node *parse_set(parser *P)
{
	node *n = mk(P, N_SET);
	set_targets(P, n, target_tuple(P, 1, 0));
	if (is_op(P, "=")) {
		jj_next_tok(P);
		n->a = parse_expr(P);
		if (is_op(P, ",")) {   /* a tuple without parentheses */
			node *t = mk(P, E_TUPLE);
			nl_push(P, &t->args, n->a);
			while (is_op(P, ",")) { jj_next_tok(P); nl_push(P, &t->args, parse_expr(P)); }
			n->a = t;
		}
		tag_end(P);
		return n;
	}
	if (is_op(P, "|")) {
		/* {% set x | f %}: the filters over the rendered body, bound as a filter block binds it */
		node *ph = mk(P, E_NAME);
		ph->name = "\001filter-block"; ph->nlen = 14;
		n->a = parse_filters(P, ph);
	}
	tag_end(P);
	n->type = N_SETBLOCK;
	n->body = body_until(P, "endset");
	return n;
}

/* {% macro name(params) %}...{% endmacro [name] %} */
static node *parse_macro(parser *P)
{
	if (P->cur.t != T_NAME) jj_fail(P->e, P->line, "a macro name expected");
	node *n = mk(P, N_MACRO);
	n->name = P->cur.p; n->nlen = P->cur.n;
	jj_next_tok(P);
	expect_op(P, "(");
	param_list(P, n);
	tag_end(P);
	static const char *const st[] = { "endmacro", NULL };
	int w, loops = P->loops;
	P->loops = 0;
	n->body = parse_body(P, st, &w);
	P->loops = loops;
	if (P->cur.t == T_NAME) jj_next_tok(P);   /* {% endmacro name %} */
	tag_end(P);
	n->uses = body_uses(&n->body);
	return n;
}

/* {% call [(params)] macro(args) %}body{% endcall %}: the body is the macro's caller() */
static node *parse_callblock(parser *P)
{
	node *n = mk(P, N_CALLBLOCK);
	if (is_op(P, "(")) { jj_next_tok(P); param_list(P, n); }
	n->a = parse_expr(P);
	if (n->a->type != E_CALL) jj_fail(P->e, P->line, "a call block needs a macro call");
	tag_end(P);
	int loops = P->loops;
	P->loops = 0;
	n->body = body_until(P, "endcall");
	P->loops = loops;
	n->uses = body_uses(&n->body);
	return n;
}

/* {% filter name(args)|more %}body{% endfilter %}: the filters applied to the
 * rendered body, which exec_filterblock binds to the placeholder name */
static node *parse_filterblock(parser *P)
{
	node *n = mk(P, N_FILTERBLOCK);
	if (P->cur.t != T_NAME) jj_fail(P->e, P->line, "a filter name expected");
	node *ph = mk(P, E_NAME);
	ph->name = "\001filter-block"; ph->nlen = 14;
	node *f = mk(P, E_FILTER);
	f->a = ph;
	filter_name(P, f);
	f->filt = jj_filter_find(f->name, f->nlen);
	if (is_op(P, "(")) { jj_next_tok(P); parse_args(P, f, ")"); }
	n->a = parse_filters(P, f);
	tag_end(P);
	n->body = body_until(P, "endfilter");
	return n;
}

/* {% block name [scoped] [required] %}...{% endblock [name] %} */
static node *parse_tblock(parser *P)
{
	node *n = mk(P, N_TBLOCK);
	if (P->cur.t != T_NAME) jj_fail(P->e, P->line, "a block name expected");
	n->name = P->cur.p; n->nlen = P->cur.n;
	jj_next_tok(P);
	if (is_kw(P, "scoped")) { jj_next_tok(P); n->op |= 1; }
	if (is_kw(P, "required")) { jj_next_tok(P); n->op |= 2; }
	tag_end(P);
	static const char *const st[] = { "endblock", NULL };
	int w;
	n->body = parse_body(P, st, &w);
	/* {% endblock name %}: jinja2 takes the block's own name there, and only it */
	if (P->cur.t == T_NAME && P->cur.n == n->nlen && !memcmp(P->cur.p, n->name, n->nlen)) jj_next_tok(P);
	if (P->cur.t != T_END) jj_fail(P->e, P->line, "expected token 'end of statement block', got '%.*s'", (int)P->cur.n, P->cur.p);
	if (n->op & 2)
		for (int i = 0; i < n->body.n; i++) {
			const node *b = n->body.v[i];
			int blank = b->type == N_TEXT && jj_ws_len(b->name, b->nlen) > 0;
			for (size_t k = 0; blank && k < b->nlen; k++) blank = b->name[k] == ' ' || b->name[k] == '\t' || b->name[k] == '\n' || b->name[k] == '\r';
			if (!blank) jj_fail(P->e, b->line, "Required blocks can only contain comments or whitespace");
		}
	return n;
}

static void skip_context(parser *P)
{
	if ((is_kw(P, "with") || is_kw(P, "without"))) {
		jj_next_tok(P);
		if (!is_kw(P, "context")) jj_fail(P->e, P->line, "expected token 'context', got '%.*s'", (int)P->cur.n, P->cur.p);
		jj_next_tok(P);
	}
}

/* include, import, from ... import, extends, parsed as jinja2 parses them;
 * kw is the statement's name. Rendering one fails as jinja2 does without a loader. */
static node *parse_noloader(parser *P, const char *kw, size_t kl)
{
	node *n = mk(P, N_NOLOADER);
	n->name = kw; n->nlen = kl;
	n->a = parse_expr(P);
	if (kl == 7 && !memcmp(kw, "include", 7)) {
		if (is_kw(P, "ignore")) {
			jj_next_tok(P);
			if (!is_kw(P, "missing")) jj_fail(P->e, P->line, "expected token 'missing', got '%.*s'", (int)P->cur.n, P->cur.p);
			jj_next_tok(P);
		}
		skip_context(P);
	} else if (kl == 6 && !memcmp(kw, "import", 6)) {
		if (!is_kw(P, "as")) jj_fail(P->e, P->line, "expected token 'as', got '%.*s'", (int)P->cur.n, P->cur.p);
		jj_next_tok(P);
		if (P->cur.t != T_NAME) jj_fail(P->e, P->line, "a name expected after 'as'");
		jj_next_tok(P);
		skip_context(P);
	} else if (kl == 4 && !memcmp(kw, "from", 4)) {
		if (!is_kw(P, "import")) jj_fail(P->e, P->line, "expected token 'import', got '%.*s'", (int)P->cur.n, P->cur.p);
		jj_next_tok(P);
		for (;;) {
			if (is_kw(P, "with") || is_kw(P, "without")) break;
			if (P->cur.t != T_NAME) jj_fail(P->e, P->line, "a name expected in from ... import");
			if (P->cur.p[0] == '_') jj_fail(P->e, P->line, "names starting with an underline can not be imported");
			jj_next_tok(P);
			if (is_kw(P, "as")) {
				jj_next_tok(P);
				if (P->cur.t != T_NAME) jj_fail(P->e, P->line, "a name expected after 'as'");
				jj_next_tok(P);
			}
			if (!is_op(P, ",")) break;
			jj_next_tok(P);
		}
		skip_context(P);
	}
	tag_end(P);
	return n;
}

/* {% generation %}: transformers' assistant-mask marker, renders its content */
static node *parse_generation(parser *P)
{
	tag_end(P);
	node *n = mk(P, N_BLOCK);
	n->body = body_until(P, "endgeneration");
	return n;
}

static node *parse_stmt(parser *P, const seg *s, const char *const *stop, int *which, int *stopped)
{
	tag_begin(P, s);
	if (P->cur.t != T_NAME) jj_fail(P->e, P->line, "a statement name expected after {%%");
	for (int k = 0; stop && stop[k]; k++)
		if (is_kw(P, stop[k])) { jj_next_tok(P); *which = k; *stopped = 1; return NULL; }
	tok_t kw = P->cur;
	jj_next_tok(P);
#define KW(s) (kw.n == sizeof(s) - 1 && !memcmp(kw.p, s, kw.n))
	if (KW("if")) return parse_if(P);
	if (KW("for")) return parse_for(P);
	if (KW("set")) return parse_set(P);
	if (KW("macro")) return parse_macro(P);
	if (KW("call")) return parse_callblock(P);
	if (KW("filter")) return parse_filterblock(P);
	/* a loop's body only (a macro's or call block's is a function of its
	 * own): jinja2's Python fails to compile a break elsewhere */
	if (KW("break")) { if (!P->loops) jj_fail(P->e, P->line, "'break' outside loop"); tag_end(P); return mk(P, N_BREAK); }
	if (KW("continue")) { if (!P->loops) jj_fail(P->e, P->line, "'continue' not properly in loop"); tag_end(P); return mk(P, N_CONTINUE); }
	if (KW("generation")) return parse_generation(P);
	if (KW("block")) return parse_tblock(P);
	if (KW("include") || KW("import") || KW("from") || KW("extends")) return parse_noloader(P, kw.p, kw.n);
	jj_fail(P->e, s->line, "unsupported: the '%.*s' statement", (int)kw.n, kw.p);
#undef KW
}

static nlist parse_body(parser *P, const char *const *stop, int *which)
{
	nlist body = {0};
	if (++P->depth > 200) jj_fail(P->e, P->pos < P->nseg ? P->segs[P->pos].line : 0, "blocks nested more than 200 deep");
	int start_line = P->pos < P->nseg ? P->segs[P->pos].line : 0;
	while (P->pos < P->nseg) {
		seg *s = &P->segs[P->pos++];
		if (s->kind == S_TEXT) {
			node *n = mk(P, N_TEXT);
			n->line = s->line;
			n->name = s->p; n->nlen = s->n;
			nl_push(P, &body, n);
		} else if (s->kind == S_EXPR) {
			tag_begin(P, s);
			node *n = mk(P, N_OUT);
			n->a = parse_expr(P);
			tag_end(P);
			nl_push(P, &body, n);
		} else {
			int stopped = 0;
			node *n = parse_stmt(P, s, stop, which, &stopped);
			if (stopped) { P->depth--; return body; }
			nl_push(P, &body, n);
		}
	}
	if (stop) jj_fail(P->e, start_line, "missing {%% %s %%}", stop[0][0] == 'e' && stop[1] ? stop[1] : stop[0]);
	P->depth--;
	return body;
}

/* ---------------- what the template calls, checked once parsed ---------------- */

/* Names are sorted-free lists of NUL-separated words, "\0"-ended. */
int jj_in_words(const char *w, const char *p, size_t n)
{
	for (; *w; w += strlen(w) + 1) if (strlen(w) == n && !memcmp(w, p, n)) return 1;
	return 0;
}

/* jinja2 3.1's filters and tests that this engine lacks (the others are the
 * tables of filters.c) */
const char jj_missing_filters[] = "pprint\0random\0urlize\0";
const char jj_missing_tests[] = "";
/* Python methods of str, dict, list, int and float that no value here has;
 * the mutating ones of list and dict are the sandbox's error, not ours */
static const char missing_methods[] = "encode\0as_integer_ratio\0bit_length\0"
	"bit_count\0conjugate\0from_bytes\0to_bytes\0hex\0fromhex\0is_integer\0";
static const char missing_globals[] = "lipsum\0";

/* jinja2's compiler: a filter or test it does not know fails the template at
 * compile time, unless it sits in an if (or a x if c else y) of the same
 * frame, where it fails the render that reaches it. What jinja2 has and this
 * engine lacks is refused here, before any record. */
static void check_node(jerr *e, const node *n, int soft);
static void check_list(jerr *e, const nlist *l, int soft) { for (int i = 0; i < l->n; i++) check_node(e, l->v[i], soft); }
static void check_node(jerr *e, const node *n, int soft)
{
	if (!n) return;
	if (n->type == E_FILTER || n->type == E_TEST) {
		int f = n->type == E_FILTER;
		if (jj_in_words(f ? jj_missing_filters : jj_missing_tests, n->name, n->nlen))
			jj_fail(e, n->line, "unsupported: the %s '%.*s'", f ? "filter" : "test", (int)n->nlen, n->name);
		if (!soft && !(f ? (const void *)n->filt : (const void *)n->test))
			jj_fail(e, n->line, "No %s named '%.*s'.", f ? "filter" : "test", (int)n->nlen, n->name);
	}
	if (n->type == E_CALL && n->a && n->a->type == E_ATTR && jj_in_words(missing_methods, n->a->name, n->a->nlen))
		jj_fail(e, n->line, "unsupported: the method %.*s", (int)n->a->nlen, n->a->name);
	if (n->type == E_CALL && n->a && n->a->type == E_NAME && jj_in_words(missing_globals, n->a->name, n->a->nlen))
		jj_fail(e, n->line, "unsupported: the function '%.*s'", (int)n->a->nlen, n->a->name);
	int inner = n->type == N_IF || n->type == E_COND ? 1
		  : n->type == N_FOR || n->type == N_MACRO || n->type == N_SETBLOCK || n->type == N_CALLBLOCK || n->type == N_FILTERBLOCK ||
		    n->type == N_BLOCK ? 0 : soft;
	/* a loop's iterable and a call block's call are in the enclosing frame;
	 * a filter block's filters in its own (jinja2's frame.inner(), never soft) */
	check_node(e, n->a, n->type == N_FOR || n->type == N_CALLBLOCK ? soft : inner);
	check_node(e, n->b, inner);
	check_node(e, n->c, inner);
	check_node(e, n->dyn_args, inner);
	check_node(e, n->dyn_kwargs, inner);
	check_list(e, &n->args, inner);
	check_list(e, &n->kwv, inner);
	check_list(e, &n->conds, inner);
	check_list(e, &n->defaults, inner);
	check_list(e, &n->body, inner);
	check_list(e, &n->orelse, inner);
	if (n->bodies) for (int i = 0; i < n->conds.n; i++) check_list(e, &n->bodies[i], inner);
}

/* jinja2's compiler: a block name used twice fails the template */
typedef struct blocks { const node *v[256]; int n; } blocks;
static void find_blocks(jerr *e, const nlist *l, blocks *b);
static void find_blocks_node(jerr *e, const node *n, blocks *b)
{
	if (!n) return;
	if (n->type == N_TBLOCK) {
		for (int i = 0; i < b->n; i++)
			if (b->v[i]->nlen == n->nlen && !memcmp(b->v[i]->name, n->name, n->nlen))
				jj_fail(e, n->line, "block '%.*s' defined twice", (int)n->nlen, n->name);
		if (b->n == 256) jj_fail(e, n->line, "more than 256 blocks");
		b->v[b->n++] = n;
	}
	find_blocks(e, &n->body, b);
	find_blocks(e, &n->orelse, b);
	if (n->bodies) for (int i = 0; i < n->conds.n; i++) find_blocks(e, &n->bodies[i], b);
}
static void find_blocks(jerr *e, const nlist *l, blocks *b) { for (int i = 0; i < l->n; i++) find_blocks_node(e, l->v[i], b); }

jinja_tmpl *jinja_parse(const char *src, size_t len, char *err, size_t errlen)
{
	jinja_tmpl *t = xcalloc(1, sizeof *t);
	arena_init(&t->ar, 1 << 16);
	jerr e = { .msg = err, .len = errlen };
	lexer L = { .e = &e, .ar = &t->ar };
	if (setjmp(e.jb)) {
		free(L.s);
		jinja_free(t);
		return NULL;
	}
	/* the template text must outlive the tree: keep a copy in the arena, with
	 * jinja2's newline_sequence applied (\r\n and \r become \n, in text and
	 * string literals alike) */
	char *copy = arena_alloc(&t->ar, len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (src[i] == '\r') { copy[n++] = '\n'; if (i + 1 < len && src[i + 1] == '\n') i++; }
		else copy[n++] = src[i];
	}
	/* jinja2 drops one newline at the very end (keep_trailing_newline=False) */
	if (n && copy[n - 1] == '\n') n--;
	copy[n] = 0;
	jj_lex(&L, copy, n);
	parser P = { .e = &e, .ar = &t->ar, .segs = L.s, .nseg = L.n };
	t->body = parse_body(&P, NULL, NULL);
	check_list(&e, &t->body, 0);
	blocks bl = { .n = 0 };
	find_blocks(&e, &t->body, &bl);
	jj_fold(t, &e);   /* may fail the parse: L.s is freed there */
	jj_scopes(t);
	free(L.s);
	return t;
}

void jinja_free(jinja_tmpl *t)
{
	if (!t) return;
	arena_free(&t->ar);
	free(t);
}

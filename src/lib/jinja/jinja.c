/* jinja.c — a Jinja2-compatible renderer for chat templates. See jinja.h.
 *
 * The template is cut into text and tags (with jinja2's whitespace rules
 * applied there), parsed into a tree of nodes in the template's arena, and
 * rendered by walking the tree with values allocated in a per-render arena.
 * Errors unwind with longjmp to the entry point; the arenas free everything. */
#include "jinja/jinja.h"

#include <utf8proc.h>

#include <ctype.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------- values ---------------- */

/* V_BIG: an integer from the input too large for int64, kept as its digits
 * (Python's ints have no limit; it prints and serializes exactly, arithmetic on
 * it is refused). A vlist with tuple set is a Python tuple (it prints as (a, b)). */
enum { V_UNDEF, V_NONE, V_BOOL, V_INT, V_FLOAT, V_STR, V_LIST, V_DICT, V_NS, V_FUNC, V_MACRO, V_BIG, V_CALLER };
typedef struct value value;
typedef struct vlist { value *v; size_t n, cap; int tuple, view; } vlist;   /* view: 1 dict_items, 2 dict_keys, 3 dict_values, 4 range */
typedef struct vdict { struct vkey { const char *p; size_t n; } *k; value *v; size_t n, cap; int loop; } vdict;
struct frame;
struct value {
	int t;
	union {
		int b;
		int64_t i;
		double f;
		struct { const char *p; size_t n; } s;
		vlist *l;
		vdict *d;
		int fn;
		struct { const struct node *m; struct frame *f; } mac;   /* V_MACRO, V_CALLER: definition and its scope */
	} u;
};

enum { F_NAMESPACE = 1, F_RANGE, F_RAISE, F_STRFTIME, F_DICT, F_BOUND };

/* Is name a method of Python's str, dict or list? obj.name finds the method
 * before any key of that name, as jinja2's getattr does. */
static int is_py_method(int t, const char *k, size_t n)
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

/* ---------------- nodes ---------------- */

enum {
	N_TEXT = 1, N_OUT, N_IF, N_FOR, N_SET, N_SETBLOCK, N_MACRO, N_BREAK, N_CONTINUE, N_BLOCK, N_CALLBLOCK, N_FILTERBLOCK,
	E_LIT, E_NAME, E_ATTR, E_ITEM, E_SLICE, E_CALL, E_FILTER, E_TEST, E_BIN, E_CMP, E_NOT, E_NEG,
	E_COND, E_LIST, E_TUPLE, E_DICT, E_AND, E_OR
};

typedef struct node node;
typedef struct nlist { node **v; int n, cap; } nlist;
struct node {
	int type, line, op, negate;
	int uses;                   /* N_MACRO, N_CALLBLOCK: the body reads varargs (1), kwargs (2), caller (4) */
	value lit;
	const char *name; size_t nlen;
	const char *name2; size_t n2len;
	node *a, *b, *c;
	nlist args;                 /* call/filter/test args, list/tuple items, dict k,v,k,v, cmp operands */
	nlist kwv;                  /* keyword argument values */
	const char **kwn; size_t *kwl;
	int *ops;                   /* E_CMP operators */
	nlist body, orelse;
	nlist conds;                /* N_IF conditions; bodies in bodies[] */
	nlist *bodies;
	const char **tn; size_t *tl; int ntn;   /* for targets, macro parameters */
	nlist defaults;             /* macro parameter defaults (NULL: none) */
	node *dyn_args, *dyn_kwargs; /* calls: *args and **kwargs */
};

struct jinja_tmpl {
	arena ar;
	nlist body;
};

/* ---------------- errors ---------------- */

typedef struct jerr { jmp_buf jb; char *msg; size_t len; int unsupported; } jerr;

static void jfail(jerr *e, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4), noreturn));
static void jfail(jerr *e, int line, const char *fmt, ...)
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

/* ---------------- lexing: text and tags ---------------- */

enum { S_TEXT, S_EXPR, S_STMT };
typedef struct seg { int kind, line; const char *p; size_t n; } seg;

typedef struct lexer {
	jerr *e;
	arena *ar;
	seg *s; int n, cap;
} lexer;

static void seg_push(lexer *L, int kind, int line, const char *p, size_t n)
{
	if (L->n == L->cap) { L->cap = L->cap ? L->cap * 2 : 64; L->s = xrealloc(L->s, (size_t)L->cap * sizeof *L->s); }
	L->s[L->n].kind = kind; L->s[L->n].line = line; L->s[L->n].p = p; L->s[L->n].n = n;
	L->n++;
}

static int count_lines(const char *a, const char *b) { int k = 0; for (; a < b; a++) k += *a == '\n'; return k; }

/* Cut src into segments, applying {%- -%}, trim_blocks and lstrip_blocks. */
static void lex(lexer *L, const char *src, size_t len)
{
	const char *p = src, *end = src + len;
	int line = 1;
	int strip_next = 0;      /* '-' on the previous tag's right */
	int trim_next = 0;       /* trim_blocks after the previous block tag */
	while (p < end) {
		const char *t = p;
		while (t + 1 < end && !(t[0] == '{' && (t[1] == '{' || t[1] == '%' || t[1] == '#'))) t++;
		if (t + 1 >= end) t = end;
		/* text p..t */
		const char *ts = p, *te = t;
		if (strip_next) while (ts < te && isspace((unsigned char)*ts)) ts++;
		else if (trim_next && ts < te && *ts == '\n') ts++;
		else if (trim_next && te - ts >= 2 && ts[0] == '\r' && ts[1] == '\n') ts += 2;
		strip_next = trim_next = 0;
		int tline = line + count_lines(p, t);
		if (t == end) { if (te > ts) seg_push(L, S_TEXT, line, ts, te - ts); break; }
		char kind = t[1];
		int lminus = t + 2 < end && t[2] == '-';
		int lplus = t + 2 < end && t[2] == '+';
		if (lminus) while (te > ts && isspace((unsigned char)te[-1])) te--;
		else if (kind != '{' && !lplus) {
			/* lstrip_blocks: spaces and tabs from the line's start to the tag */
			const char *q = te;
			while (q > ts && (q[-1] == ' ' || q[-1] == '\t')) q--;
			if ((q > ts && q[-1] == '\n') || (q == ts && (ts == src || ts[-1] == '\n'))) te = q;
		}
		if (te > ts) seg_push(L, S_TEXT, line, ts, te - ts);
		/* the tag */
		const char *close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
		const char *b = t + 2 + (lminus || lplus);
		const char *q = b;
		/* find the close, skipping string literals in expressions and statements */
		char quote = 0;
		for (; q + 1 < end; q++) {
			if (kind != '#') {
				if (quote) { if (*q == '\\') { q++; continue; } if (*q == quote) quote = 0; continue; }
				if (*q == '\'' || *q == '"') { quote = *q; continue; }
			}
			if (q[0] == close[0] && q[1] == close[1]) break;
		}
		if (q + 1 >= end) jfail(L->e, tline, "unclosed %s tag", kind == '{' ? "{{" : kind == '%' ? "{%" : "{#");
		int rminus = q > b && q[-1] == '-';
		int rplus = kind == '%' && q > b && q[-1] == '+';   /* {% ... +%}: no trim_blocks after it */
		const char *be = rminus || rplus ? q - 1 : q;
		if (kind == '{') seg_push(L, S_EXPR, tline, b, be - b);
		else if (kind == '%') {
			/* raw blocks: everything up to {% endraw %} is text */
			const char *w = b;
			while (w < be && isspace((unsigned char)*w)) w++;
			if (be - w >= 3 && !memcmp(w, "raw", 3) && (w + 3 == be || isspace((unsigned char)w[3]))) {
				const char *r = q + 2, *found = NULL;
				for (const char *x = r; x + 1 < end; x++) {
					if (x[0] == '{' && x[1] == '%') {
						const char *y = x + 2;
						if (*y == '-') y++;
						while (y < end && isspace((unsigned char)*y)) y++;
						if (end - y >= 6 && !memcmp(y, "endraw", 6)) { found = x; break; }
					}
				}
				if (!found) jfail(L->e, tline, "raw block without endraw");
				const char *re = found;
				if (found + 2 < end && found[2] == '-') while (re > r && isspace((unsigned char)re[-1])) re--;
				if (rminus) while (r < re && isspace((unsigned char)*r)) r++;
				if (re > r) seg_push(L, S_TEXT, tline, r, re - r);
				const char *ce = strstr(found, "%}");
				if (!ce || ce >= end) jfail(L->e, tline, "unclosed endraw tag");
				line = tline + count_lines(t, ce + 2);
				strip_next = ce > found && ce[-1] == '-';
				trim_next = !strip_next;
				p = ce + 2;
				continue;
			}
			seg_push(L, S_STMT, tline, b, be - b);
		}
		line = tline + count_lines(t, q + 2);
		strip_next = rminus;
		trim_next = !rminus && !rplus && kind != '{';
		p = q + 2;
	}
}

/* ---------------- expression tokens ---------------- */

enum { T_END, T_NAME, T_STR, T_INT, T_FLOAT, T_OP };
typedef struct tok_t { int t; const char *p; size_t n; int64_t i; double f; char *s; size_t sn; } tok_t;

typedef struct parser {
	jerr *e;
	arena *ar;
	seg *segs; int nseg, pos;    /* statement level */
	const char *p, *end;         /* inside a tag */
	int line;
	int depth;                   /* nesting of expressions and blocks */
	tok_t cur;
} parser;

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

static void next_tok(parser *P)
{
	const char *p = P->p;
	while (p < P->end && isspace((unsigned char)*p)) p++;
	tok_t *t = &P->cur;
	memset(t, 0, sizeof *t);
	t->p = p;
	if (p >= P->end) { t->t = T_END; P->p = p; return; }
	unsigned char c = (unsigned char)*p;
	if (isalpha(c) || c == '_') {
		const char *q = p;
		while (q < P->end && (isalnum((unsigned char)*q) || *q == '_')) q++;
		t->t = T_NAME; t->n = q - p; P->p = q; return;
	}
	if (isdigit(c)) {
		const char *q = p;
		int isf = 0;
		while (q < P->end && (isdigit((unsigned char)*q) || *q == '_')) q++;
		if (q + 1 < P->end && *q == '.' && isdigit((unsigned char)q[1])) { isf = 1; q++; while (q < P->end && isdigit((unsigned char)*q)) q++; }
		if (q < P->end && (*q == 'e' || *q == 'E')) {
			const char *r = q + 1;
			if (r < P->end && (*r == '+' || *r == '-')) r++;
			if (r < P->end && isdigit((unsigned char)*r)) { isf = 1; q = r; while (q < P->end && isdigit((unsigned char)*q)) q++; }
		}
		char buf[64];
		size_t n = 0;
		for (const char *x = p; x < q && n < sizeof buf - 1; x++) if (*x != '_') buf[n++] = *x;
		buf[n] = 0;
		if (isf) { t->t = T_FLOAT; t->f = strtod(buf, NULL); }
		else { t->t = T_INT; t->i = strtoll(buf, NULL, 10); }
		t->n = q - p; P->p = q; return;
	}
	if (c == '\'' || c == '"') {
		/* a Python string literal: escapes decoded */
		jbuf b = {0};
		const char *q = p + 1;
		while (q < P->end && *q != (char)c) {
			if (*q == '\\' && q + 1 < P->end) {
				q++;
				switch (*q) {
				case 'n': jbuf_putc(&b, '\n'); break;
				case 't': jbuf_putc(&b, '\t'); break;
				case 'r': jbuf_putc(&b, '\r'); break;
				case '\\': jbuf_putc(&b, '\\'); break;
				case '\'': jbuf_putc(&b, '\''); break;
				case '"': jbuf_putc(&b, '"'); break;
				case 'a': jbuf_putc(&b, '\a'); break;
				case 'b': jbuf_putc(&b, '\b'); break;
				case 'f': jbuf_putc(&b, '\f'); break;
				case 'v': jbuf_putc(&b, '\v'); break;
				case '\n': break;   /* a backslash-newline continues the line */
				case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
					/* octal, up to three digits */
					uint32_t cp = 0;
					int k = 0;
					while (k < 3 && q < P->end && *q >= '0' && *q <= '7') { cp = cp * 8 + (uint32_t)(*q - '0'); q++; k++; }
					char u[4];
					jbuf_put(&b, u, (size_t)utf8_encode(cp, u));
					continue;
				}
				case 'N': jbuf_free(&b); jfail(P->e, P->line, "unsupported: \\N{...} escapes in a string");
				case 'u': case 'x': case 'U': {
					int k = *q == 'u' ? 4 : *q == 'U' ? 8 : 2;
					uint32_t cp = 0;
					int ok = q + k < P->end;
					for (int j = 1; j <= k && ok; j++) {
						char h = q[j];
						ok = isxdigit((unsigned char)h);
						cp = cp * 16 + (uint32_t)(isdigit((unsigned char)h) ? h - '0' : (tolower((unsigned char)h) - 'a' + 10));
					}
					if (!ok || (cp >= 0xD800 && cp < 0xE000) || cp > 0x10FFFF) { jbuf_free(&b); jfail(P->e, P->line, "bad \\%c escape in a string", *q); }
					char u[4];
					jbuf_put(&b, u, (size_t)utf8_encode(cp, u));
					q += k;
					break;
				}
				default: jbuf_putc(&b, '\\'); jbuf_putc(&b, *q);
				}
				q++;
				continue;
			}
			jbuf_putc(&b, *q++);
		}
		if (q >= P->end) { jbuf_free(&b); jfail(P->e, P->line, "unterminated string literal"); }
		t->t = T_STR;
		t->sn = b.len;
		t->s = arena_strndup(P->ar, b.p ? b.p : "", b.len);
		jbuf_free(&b);
		P->p = q + 1;
		t->n = P->p - p;
		return;
	}
	static const char *const two[] = { "==", "!=", "<=", ">=", "//", "**", NULL };
	for (int k = 0; two[k]; k++)
		if (p + 1 < P->end && p[0] == two[k][0] && p[1] == two[k][1]) { t->t = T_OP; t->n = 2; P->p = p + 2; return; }
	if (strchr("()[]{}.,:|~+-*/%<>=", c)) { t->t = T_OP; t->n = 1; P->p = p + 1; return; }
	jfail(P->e, P->line, "unexpected character '%c' in an expression", c);
}

static int is_op(parser *P, const char *op) { return P->cur.t == T_OP && P->cur.n == strlen(op) && !memcmp(P->cur.p, op, P->cur.n); }
static int is_kw(parser *P, const char *kw) { return P->cur.t == T_NAME && P->cur.n == strlen(kw) && !memcmp(P->cur.p, kw, P->cur.n); }
static void expect_op(parser *P, const char *op)
{
	if (!is_op(P, op)) jfail(P->e, P->line, "expected '%s', found '%.*s'", op, P->cur.t == T_END ? 3 : (int)P->cur.n, P->cur.t == T_END ? "end" : P->cur.p);
	next_tok(P);
}

static node *mk(parser *P, int type) { node *n = pnew(P, sizeof *n); n->type = type; n->line = P->line; return n; }

static node *parse_expr(parser *P);
static node *parse_or(parser *P);

static void parse_args(parser *P, node *n, const char *closer)
{
	while (!is_op(P, closer)) {
		if (is_op(P, "*") || is_op(P, "**")) {
			int two = is_op(P, "**");
			node **slot = two ? &n->dyn_kwargs : &n->dyn_args;
			if (*slot) jfail(P->e, P->line, "only one %s argument in a call", two ? "**" : "*");
			next_tok(P);
			*slot = parse_expr(P);
		} else if (P->cur.t == T_NAME) {
			/* keyword argument? look ahead for '=' (not '==') */
			const char *save = P->p;
			tok_t cur = P->cur;
			next_tok(P);
			if (is_op(P, "=")) {
				next_tok(P);
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
		next_tok(P);
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
		next_tok(P);
		while (P->cur.t == T_STR) {
			char *c = arena_alloc(P->ar, an + P->cur.sn + 1);
			memcpy(c, acc, an);
			memcpy(c + an, P->cur.s, P->cur.sn);
			c[an + P->cur.sn] = 0;
			acc = c;
			an += P->cur.sn;
			next_tok(P);
		}
		n = mk(P, E_LIT);
		n->lit.t = V_STR;
		n->lit.u.s.p = acc;
		n->lit.u.s.n = an;
		return n;
	}
	if (t.t == T_INT) { next_tok(P); n = mk(P, E_LIT); n->lit.t = V_INT; n->lit.u.i = t.i; return n; }
	if (t.t == T_FLOAT) { next_tok(P); n = mk(P, E_LIT); n->lit.t = V_FLOAT; n->lit.u.f = t.f; return n; }
	if (t.t == T_NAME) {
		next_tok(P);
		n = mk(P, E_LIT);
		if ((t.n == 4 && (!memcmp(t.p, "true", 4) || !memcmp(t.p, "True", 4)))) { n->lit.t = V_BOOL; n->lit.u.b = 1; return n; }
		if ((t.n == 5 && (!memcmp(t.p, "false", 5) || !memcmp(t.p, "False", 5)))) { n->lit.t = V_BOOL; n->lit.u.b = 0; return n; }
		if ((t.n == 4 && (!memcmp(t.p, "none", 4) || !memcmp(t.p, "None", 4)))) { n->lit.t = V_NONE; return n; }
		n->type = E_NAME; n->name = t.p; n->nlen = t.n;
		return n;
	}
	if (is_op(P, "(")) {
		next_tok(P);
		if (is_op(P, ")")) { next_tok(P); n = mk(P, E_TUPLE); return n; }
		node *e = parse_expr(P);
		if (is_op(P, ",")) {
			n = mk(P, E_TUPLE);
			nl_push(P, &n->args, e);
			while (is_op(P, ",")) { next_tok(P); if (is_op(P, ")")) break; nl_push(P, &n->args, parse_expr(P)); }
			expect_op(P, ")");
			return n;
		}
		expect_op(P, ")");
		return e;
	}
	if (is_op(P, "[")) {
		next_tok(P);
		n = mk(P, E_LIST);
		while (!is_op(P, "]")) { nl_push(P, &n->args, parse_expr(P)); if (!is_op(P, ",")) break; next_tok(P); }
		expect_op(P, "]");
		return n;
	}
	if (is_op(P, "{")) {
		next_tok(P);
		n = mk(P, E_DICT);
		while (!is_op(P, "}")) {
			nl_push(P, &n->args, parse_expr(P));
			expect_op(P, ":");
			nl_push(P, &n->args, parse_expr(P));
			if (!is_op(P, ",")) break;
			next_tok(P);
		}
		expect_op(P, "}");
		return n;
	}
	if (t.t == T_END) jfail(P->e, P->line, "expression expected, found the end of the tag");
	jfail(P->e, P->line, "unexpected '%.*s' in an expression", (int)t.n, t.p);
}

static node *parse_postfix(parser *P, node *n)
{
	for (;;) {
		if (is_op(P, ".")) {
			next_tok(P);
			if (P->cur.t != T_NAME && P->cur.t != T_INT) jfail(P->e, P->line, "attribute name expected after '.'");
			node *a = mk(P, E_ATTR);
			a->a = n;
			if (P->cur.t == T_INT) { a->type = E_ITEM; node *ix = mk(P, E_LIT); ix->lit.t = V_INT; ix->lit.u.i = P->cur.i; a->b = ix; }
			else {
				a->name = P->cur.p; a->nlen = P->cur.n;
				/* which types have a method of that name, found before any key (decided once, here) */
				a->op = is_py_method(V_STR, a->name, a->nlen) | is_py_method(V_DICT, a->name, a->nlen) << 1 |
					is_py_method(V_LIST, a->name, a->nlen) << 2;
			}
			next_tok(P);
			n = a;
		} else if (is_op(P, "[")) {
			next_tok(P);
			node *lo = NULL, *hi = NULL, *st = NULL;
			int slice = 0;
			if (!is_op(P, ":")) lo = parse_expr(P);
			if (is_op(P, ":")) {
				slice = 1;
				next_tok(P);
				if (!is_op(P, "]") && !is_op(P, ":")) hi = parse_expr(P);
				if (is_op(P, ":")) { next_tok(P); if (!is_op(P, "]")) st = parse_expr(P); }
			}
			expect_op(P, "]");
			node *a = mk(P, slice ? E_SLICE : E_ITEM);
			a->a = n; a->b = lo;
			if (slice) { a->args.n = 0; nl_push(P, &a->args, lo); nl_push(P, &a->args, hi); nl_push(P, &a->args, st); }
			n = a;
		} else if (is_op(P, "(")) {
			next_tok(P);
			node *c = mk(P, E_CALL);
			c->a = n;
			parse_args(P, c, ")");
			n = c;
		} else return n;
	}
}

static node *parse_filters(parser *P, node *n)
{
	for (;;) {
		if (is_op(P, "|")) {
			next_tok(P);
			if (P->cur.t != T_NAME) jfail(P->e, P->line, "filter name expected after '|'");
			node *f = mk(P, E_FILTER);
			f->a = n; f->name = P->cur.p; f->nlen = P->cur.n;
			next_tok(P);
			if (is_op(P, "(")) { next_tok(P); parse_args(P, f, ")"); }
			n = f;
		} else if (is_kw(P, "is")) {
			next_tok(P);
			node *t = mk(P, E_TEST);
			t->a = n;
			if (is_kw(P, "not")) { t->negate = 1; next_tok(P); }
			if (P->cur.t != T_NAME) jfail(P->e, P->line, "test name expected after 'is'");
			t->name = P->cur.p; t->nlen = P->cur.n;
			next_tok(P);
			if (is_op(P, "(")) { next_tok(P); parse_args(P, t, ")"); }
			else if (P->cur.t == T_STR || P->cur.t == T_INT || P->cur.t == T_FLOAT || is_op(P, "[") || is_op(P, "{") ||
				 (P->cur.t == T_NAME && !is_kw(P, "and") && !is_kw(P, "or") && !is_kw(P, "else"))) {
				/* jinja2's parse_test: one primary argument without parentheses */
				if (is_kw(P, "is")) jfail(P->e, P->line, "You cannot chain multiple tests with is");
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
	if (++P->depth > 200) jfail(P->e, P->line, "expression nested more than 200 deep");
	node *r = NULL;
	if (is_op(P, "-")) { next_tok(P); r = mk(P, E_NEG); r->a = parse_unary_f(P, 0); }
	else if (is_op(P, "+")) { next_tok(P); r = parse_unary_f(P, 0); }
	else r = parse_primary(P);
	r = parse_postfix(P, r);
	if (with_filter) r = parse_filters(P, r);
	P->depth--;
	return r;
}
static node *parse_unary(parser *P) { return parse_unary_f(P, 1); }

static node *binop(parser *P, int op, node *a, node *b) { node *n = mk(P, E_BIN); n->op = op; n->a = a; n->b = b; return n; }

static node *parse_pow(parser *P)
{
	node *n = parse_unary(P);
	while (is_op(P, "**")) { next_tok(P); n = binop(P, 'P', n, parse_unary(P)); }
	return n;
}
static node *parse_math2(parser *P)
{
	node *n = parse_pow(P);
	for (;;) {
		if (is_op(P, "*")) { next_tok(P); n = binop(P, '*', n, parse_pow(P)); }
		else if (is_op(P, "//")) { next_tok(P); n = binop(P, 'F', n, parse_pow(P)); }
		else if (is_op(P, "/")) { next_tok(P); n = binop(P, '/', n, parse_pow(P)); }
		else if (is_op(P, "%")) { next_tok(P); n = binop(P, '%', n, parse_pow(P)); }
		else return n;
	}
}
static node *parse_concat(parser *P)
{
	node *n = parse_math2(P);
	while (is_op(P, "~")) { next_tok(P); n = binop(P, '~', n, parse_math2(P)); }
	return n;
}
static node *parse_math1(parser *P)
{
	node *n = parse_concat(P);
	for (;;) {
		if (is_op(P, "+")) { next_tok(P); n = binop(P, '+', n, parse_concat(P)); }
		else if (is_op(P, "-")) { next_tok(P); n = binop(P, '-', n, parse_concat(P)); }
		else return n;
	}
}

enum { C_EQ = 1, C_NE, C_LT, C_LE, C_GT, C_GE, C_IN, C_NOTIN };
static node *parse_compare(parser *P)
{
	node *first = parse_math1(P), *n = NULL;
	for (;;) {
		int op = 0;
		if (is_op(P, "==")) op = C_EQ; else if (is_op(P, "!=")) op = C_NE;
		else if (is_op(P, "<=")) op = C_LE; else if (is_op(P, ">=")) op = C_GE;
		else if (is_op(P, "<")) op = C_LT; else if (is_op(P, ">")) op = C_GT;
		else if (is_kw(P, "in")) op = C_IN;
		else if (is_kw(P, "not")) {
			const char *save = P->p; tok_t cur = P->cur;
			next_tok(P);
			if (is_kw(P, "in")) op = C_NOTIN; else { P->p = save; P->cur = cur; }
		}
		if (!op) return n ? n : first;
		next_tok(P);
		if (!n) { n = mk(P, E_CMP); nl_push(P, &n->args, first); }
		int k = n->args.n - 1;
		int *ops = arena_alloc(P->ar, (size_t)(k + 1) * sizeof *ops);
		if (k) memcpy(ops, n->ops, (size_t)k * sizeof *ops);
		ops[k] = op;
		n->ops = ops;
		nl_push(P, &n->args, parse_math1(P));
	}
}
static node *parse_not(parser *P)
{
	if (is_kw(P, "not")) { next_tok(P); node *n = mk(P, E_NOT); n->a = parse_not(P); return n; }
	return parse_compare(P);
}
static node *parse_and(parser *P)
{
	node *n = parse_not(P);
	while (is_kw(P, "and")) { next_tok(P); node *x = mk(P, E_AND); x->a = n; x->b = parse_not(P); n = x; }
	return n;
}
static node *parse_or(parser *P)
{
	node *n = parse_and(P);
	while (is_kw(P, "or")) { next_tok(P); node *x = mk(P, E_OR); x->a = n; x->b = parse_and(P); n = x; }
	return n;
}
static node *parse_expr(parser *P)
{
	node *n = parse_or(P);
	if (is_kw(P, "if")) {
		next_tok(P);
		node *c = mk(P, E_COND);
		c->a = n;
		c->b = parse_or(P);
		if (is_kw(P, "else")) { next_tok(P); c->c = parse_expr(P); }
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
	next_tok(P);
}
static void tag_end(parser *P)
{
	if (P->cur.t != T_END) jfail(P->e, P->line, "unexpected '%.*s' at the end of the tag", (int)P->cur.n, P->cur.p);
}

/* Parse until one of the keywords in stop (NULL-terminated) opens a tag; the
 * keyword's index goes to *which, the parser stands after the keyword. */
static nlist parse_body(parser *P, const char *const *stop, int *which);

static void name_list(parser *P, node *n)
{
	do {
		if (P->cur.t != T_NAME) jfail(P->e, P->line, "a name expected");
		int k = n->ntn;
		const char **tn = arena_alloc(P->ar, (size_t)(k + 1) * sizeof *tn);
		size_t *tl = arena_alloc(P->ar, (size_t)(k + 1) * sizeof *tl);
		if (k) { memcpy(tn, n->tn, (size_t)k * sizeof *tn); memcpy(tl, n->tl, (size_t)k * sizeof *tl); }
		tn[k] = P->cur.p; tl[k] = P->cur.n;
		n->tn = tn; n->tl = tl; n->ntn = k + 1;
		next_tok(P);
		if (!is_op(P, ",")) break;
		next_tok(P);
	} while (1);
}

/* (a, b=default, ...) after the '(' of a macro or call block, up to and past ')' */
static void param_list(parser *P, node *n)
{
	while (!is_op(P, ")")) {
		if (P->cur.t != T_NAME) jfail(P->e, P->line, "a parameter name expected");
		int k = n->ntn;
		const char **tn = arena_alloc(P->ar, (size_t)(k + 1) * sizeof *tn);
		size_t *tl = arena_alloc(P->ar, (size_t)(k + 1) * sizeof *tl);
		if (k) { memcpy(tn, n->tn, (size_t)k * sizeof *tn); memcpy(tl, n->tl, (size_t)k * sizeof *tl); }
		tn[k] = P->cur.p; tl[k] = P->cur.n;
		n->tn = tn; n->tl = tl; n->ntn = k + 1;
		next_tok(P);
		if (is_op(P, "=")) { next_tok(P); nl_push(P, &n->defaults, parse_expr(P)); }
		else nl_push(P, &n->defaults, NULL);
		if (!is_op(P, ",")) break;
		next_tok(P);
	}
	expect_op(P, ")");
}

/* Which of varargs, kwargs and caller a macro body reads (jinja2 accepts extra
 * arguments only then). Nested macros and call blocks have their own. */
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
	if (n->type == N_MACRO) return list_uses(&n->defaults);
	int u = node_uses(n->a) | node_uses(n->b) | node_uses(n->c);
	u |= list_uses(&n->args) | list_uses(&n->kwv) | list_uses(&n->defaults) | list_uses(&n->conds);
	if (n->type != N_CALLBLOCK) u |= list_uses(&n->body);
	u |= list_uses(&n->orelse);
	if (n->bodies) for (int i = 0; i < n->conds.n; i++) u |= list_uses(&n->bodies[i]);
	return u;
}

static node *parse_stmt(parser *P, const seg *s, const char *const *stop, int *which, int *stopped)
{
	tag_begin(P, s);
	if (P->cur.t != T_NAME) jfail(P->e, P->line, "a statement name expected after {%%");
	for (int k = 0; stop && stop[k]; k++)
		if (is_kw(P, stop[k])) { next_tok(P); *which = k; *stopped = 1; return NULL; }
	tok_t kw = P->cur;
	next_tok(P);
	node *n;
#define KW(s) (kw.n == sizeof(s) - 1 && !memcmp(kw.p, s, kw.n))
	if (KW("if")) {
		n = mk(P, N_IF);
		nl_push(P, &n->conds, parse_expr(P));
		tag_end(P);
		static const char *const st[] = { "elif", "else", "endif", NULL };
		nlist bodies[256];
		int nb = 0, w = -1;
		for (;;) {
			if (nb == 256) jfail(P->e, n->line, "more than 255 elif branches");
			bodies[nb++] = parse_body(P, st, &w);
			if (w == 0) { nl_push(P, &n->conds, parse_expr(P)); tag_end(P); continue; }
			if (w == 1) {
				tag_end(P);
				static const char *const st2[] = { "endif", NULL };
				n->orelse = parse_body(P, st2, &w);
				tag_end(P);
			} else tag_end(P);
			break;
		}
		n->bodies = arena_alloc(P->ar, (size_t)nb * sizeof *n->bodies);
		memcpy(n->bodies, bodies, (size_t)nb * sizeof *bodies);
		return n;
	}
	if (KW("for")) {
		n = mk(P, N_FOR);
		name_list(P, n);
		if (!is_kw(P, "in")) jfail(P->e, P->line, "'in' expected in a for statement");
		next_tok(P);
		n->a = parse_or(P);     /* an inline if belongs to the loop, not the expression */
		if (is_kw(P, "if")) { next_tok(P); n->b = parse_or(P); }
		if (is_kw(P, "recursive")) jfail(P->e, P->line, "unsupported: recursive for loops");
		tag_end(P);
		static const char *const st[] = { "else", "endfor", NULL };
		int w = -1;
		n->body = parse_body(P, st, &w);
		tag_end(P);
		if (w == 0) {
			static const char *const st2[] = { "endfor", NULL };
			n->orelse = parse_body(P, st2, &w);
			tag_end(P);
		}
		return n;
	}
	if (KW("set")) {
		if (P->cur.t != T_NAME) jfail(P->e, P->line, "a name expected after set");
		n = mk(P, N_SET);
		n->name = P->cur.p; n->nlen = P->cur.n;
		next_tok(P);
		if (is_op(P, ".")) {
			next_tok(P);
			if (P->cur.t != T_NAME) jfail(P->e, P->line, "an attribute expected after '.' in set");
			n->name2 = P->cur.p; n->n2len = P->cur.n;
			next_tok(P);
		} else if (is_op(P, ",")) {
			/* set a, b = ... */
			P->p = P->cur.p; /* re-read from ',' via name_list: rebuild */
			n->tn = NULL; n->ntn = 0;
			const char **tn = arena_alloc(P->ar, sizeof *tn);
			size_t *tl = arena_alloc(P->ar, sizeof *tl);
			tn[0] = n->name; tl[0] = n->nlen;
			n->tn = tn; n->tl = tl; n->ntn = 1;
			next_tok(P);   /* ',' */
			next_tok(P);
			name_list(P, n);
		}
		if (is_op(P, "=")) {
			next_tok(P);
			n->a = parse_expr(P);
			if (is_op(P, ",")) {   /* a tuple without parentheses */
				node *t = mk(P, E_TUPLE);
				nl_push(P, &t->args, n->a);
				while (is_op(P, ",")) { next_tok(P); nl_push(P, &t->args, parse_expr(P)); }
				n->a = t;
			}
			tag_end(P);
			return n;
		}
		if (n->name2 || n->ntn) jfail(P->e, P->line, "a block set takes one plain name");
		tag_end(P);
		n->type = N_SETBLOCK;
		static const char *const st[] = { "endset", NULL };
		int w;
		n->body = parse_body(P, st, &w);
		tag_end(P);
		return n;
	}
	if (KW("macro")) {
		if (P->cur.t != T_NAME) jfail(P->e, P->line, "a macro name expected");
		n = mk(P, N_MACRO);
		n->name = P->cur.p; n->nlen = P->cur.n;
		next_tok(P);
		expect_op(P, "(");
		param_list(P, n);
		tag_end(P);
		static const char *const st[] = { "endmacro", NULL };
		int w;
		n->body = parse_body(P, st, &w);
		if (P->cur.t == T_NAME) next_tok(P);   /* {% endmacro name %} */
		tag_end(P);
		n->uses = body_uses(&n->body);
		return n;
	}
	if (KW("call")) {
		/* {% call [(params)] macro(args) %}body{% endcall %}: the body is the macro's caller() */
		n = mk(P, N_CALLBLOCK);
		if (is_op(P, "(")) { next_tok(P); param_list(P, n); }
		n->a = parse_expr(P);
		if (n->a->type != E_CALL) jfail(P->e, P->line, "a call block needs a macro call");
		tag_end(P);
		static const char *const st[] = { "endcall", NULL };
		int w;
		n->body = parse_body(P, st, &w);
		tag_end(P);
		n->uses = body_uses(&n->body);
		return n;
	}
	if (KW("filter")) {
		/* {% filter name(args)|more %}body{% endfilter %}: the filters applied to the rendered body */
		n = mk(P, N_FILTERBLOCK);
		if (P->cur.t != T_NAME) jfail(P->e, P->line, "a filter name expected");
		node *ph = mk(P, E_NAME);
		ph->name = "\001filter-block"; ph->nlen = 14;
		node *f = mk(P, E_FILTER);
		f->a = ph; f->name = P->cur.p; f->nlen = P->cur.n;
		next_tok(P);
		if (is_op(P, "(")) { next_tok(P); parse_args(P, f, ")"); }
		n->a = parse_filters(P, f);
		tag_end(P);
		static const char *const st[] = { "endfilter", NULL };
		int w;
		n->body = parse_body(P, st, &w);
		tag_end(P);
		return n;
	}
	if (KW("break")) { tag_end(P); return mk(P, N_BREAK); }
	if (KW("continue")) { tag_end(P); return mk(P, N_CONTINUE); }
	if (KW("generation")) {
		/* transformers' assistant-mask marker: renders its content */
		tag_end(P);
		n = mk(P, N_BLOCK);
		static const char *const st[] = { "endgeneration", NULL };
		int w;
		n->body = parse_body(P, st, &w);
		tag_end(P);
		return n;
	}
	jfail(P->e, s->line, "unsupported: the '%.*s' statement", (int)kw.n, kw.p);
#undef KW
}

static nlist parse_body(parser *P, const char *const *stop, int *which)
{
	nlist body = {0};
	if (++P->depth > 200) jfail(P->e, P->pos < P->nseg ? P->segs[P->pos].line : 0, "blocks nested more than 200 deep");
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
	if (stop) jfail(P->e, start_line, "missing {%% %s %%}", stop[0][0] == 'e' && stop[1] ? stop[1] : stop[0]);
	P->depth--;
	return body;
}

/* ---------------- what the template calls, checked once parsed ---------------- */

/* Names are sorted-free lists of NUL-separated words, "\0"-ended. */
static int in_words(const char *w, const char *p, size_t n)
{
	for (; *w; w += strlen(w) + 1) if (strlen(w) == n && !memcmp(w, p, n)) return 1;
	return 0;
}

/* jinja2 3.1's filters and tests, and the ones of them rendered here */
static const char jinja2_filters[] = "abs\0attr\0batch\0capitalize\0center\0count\0d\0default\0dictsort\0e\0escape\0"
	"filesizeformat\0first\0float\0forceescape\0format\0groupby\0indent\0int\0items\0join\0last\0length\0list\0lower\0"
	"map\0max\0min\0pprint\0random\0reject\0rejectattr\0replace\0reverse\0round\0safe\0select\0selectattr\0slice\0sort\0"
	"string\0striptags\0sum\0title\0tojson\0trim\0truncate\0unique\0upper\0urlencode\0urlize\0wordcount\0wordwrap\0xmlattr\0";
static const char missing_filters[] = "filesizeformat\0groupby\0pprint\0random\0slice\0striptags\0urlencode\0urlize\0wordwrap\0xmlattr\0";
static const char jinja2_tests[] = "boolean\0callable\0defined\0divisibleby\0eq\0equalto\0escaped\0even\0false\0filter\0float\0ge\0"
	"greaterthan\0gt\0in\0integer\0iterable\0le\0lessthan\0lower\0lt\0mapping\0ne\0none\0number\0odd\0sameas\0sequence\0"
	"string\0test\0true\0undefined\0upper\0==\0!=\0<\0<=\0>\0>=\0";
static const char missing_tests[] = "escaped\0filter\0test\0";
/* Python methods of str, dict, list, int and float that no value here has;
 * the mutating ones of list and dict are the sandbox's error, not ours */
static const char missing_methods[] = "casefold\0encode\0expandtabs\0format_map\0isascii\0isdecimal\0isidentifier\0"
	"isnumeric\0isprintable\0istitle\0maketrans\0swapcase\0translate\0copy\0fromkeys\0as_integer_ratio\0bit_length\0"
	"bit_count\0conjugate\0from_bytes\0to_bytes\0hex\0fromhex\0is_integer\0";
static const char missing_globals[] = "lipsum\0cycler\0joiner\0";

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
		if (in_words(f ? missing_filters : missing_tests, n->name, n->nlen))
			jfail(e, n->line, "unsupported: the %s '%.*s'", f ? "filter" : "test", (int)n->nlen, n->name);
		if (!soft && !in_words(f ? jinja2_filters : jinja2_tests, n->name, n->nlen))
			jfail(e, n->line, "No %s named '%.*s'.", f ? "filter" : "test", (int)n->nlen, n->name);
	}
	if (n->type == E_CALL && n->a && n->a->type == E_ATTR && in_words(missing_methods, n->a->name, n->a->nlen))
		jfail(e, n->line, "unsupported: the method %.*s", (int)n->a->nlen, n->a->name);
	if (n->type == E_CALL && n->a && n->a->type == E_NAME && in_words(missing_globals, n->a->name, n->a->nlen))
		jfail(e, n->line, "unsupported: the function '%.*s'", (int)n->a->nlen, n->a->name);
	int inner = n->type == N_IF || n->type == E_COND ? 1
		  : n->type == N_FOR || n->type == N_MACRO || n->type == N_SETBLOCK || n->type == N_CALLBLOCK || n->type == N_FILTERBLOCK ? 0 : soft;
	check_node(e, n->a, n->type == N_FILTERBLOCK ? soft : inner);
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
	lex(&L, copy, n);
	parser P = { .e = &e, .ar = &t->ar, .segs = L.s, .nseg = L.n };
	t->body = parse_body(&P, NULL, NULL);
	check_list(&e, &t->body, 0);
	free(L.s);
	return t;
}

void jinja_free(jinja_tmpl *t)
{
	if (!t) return;
	arena_free(&t->ar);
	free(t);
}

/* ---------------- rendering ---------------- */

typedef struct frame { struct vkey *k; value *v; int n, cap; struct frame *up; } frame;

typedef struct rt {
	jerr *e;
	arena *ar;
	jbuf *out;
	frame *globals;
	int brk, cont;     /* loop control */
	int depth;
	struct frame *cur; /* the innermost scope, for name lookups */
	uint64_t steps;    /* a budget, so that no template runs away: */
	uint64_t step_limit;   /* statements and loop rounds, */
	size_t out_limit;      /* bytes of output, both in proportion to the input */
	jbuf *live[512];   /* malloc'd buffers an error must free */
	int nlive;
} rt;

typedef struct args { value *v; int n; int nk; const char **kn; size_t *kl; value *kw; } args;   /* positional, then keyword */

static void live_push(rt *R, jbuf *b)
{
	if (R->nlive == 512) jfail(R->e, 0, "templates nested too deep");
	R->live[R->nlive++] = b;
}
static void live_pop(rt *R, jbuf *b)
{
	for (int i = R->nlive - 1; i >= 0; i--)
		if (R->live[i] == b) { memmove(R->live + i, R->live + i + 1, (size_t)(R->nlive - i - 1) * sizeof *R->live); R->nlive--; break; }
	jbuf_free(b);
}

static value V(int t) { value v; memset(&v, 0, sizeof v); v.t = t; return v; }
static value vstr(const char *p, size_t n) { value v = V(V_STR); v.u.s.p = p; v.u.s.n = n; return v; }
static value vint(int64_t i) { value v = V(V_INT); v.u.i = i; return v; }
static value vbool(int b) { value v = V(V_BOOL); v.u.b = !!b; return v; }

static char *rdup(rt *R, const char *p, size_t n) { return arena_strndup(R->ar, p, n); }

static vlist *list_new(rt *R, size_t cap)
{
	vlist *l = arena_alloc(R->ar, sizeof *l);
	l->n = 0; l->cap = cap ? cap : 4; l->tuple = 0; l->view = 0;
	l->v = arena_alloc(R->ar, l->cap * sizeof *l->v);
	return l;
}
static void list_push(rt *R, vlist *l, value v)
{
	if (l->n == l->cap) {
		value *nv = arena_alloc(R->ar, l->cap * 2 * sizeof *nv);
		memcpy(nv, l->v, l->n * sizeof *nv);
		l->v = nv; l->cap *= 2;
	}
	l->v[l->n++] = v;
}
static value vlistv(vlist *l) { value v = V(V_LIST); v.u.l = l; return v; }

static vdict *dict_new(rt *R)
{
	vdict *d = arena_alloc(R->ar, sizeof *d);
	d->n = 0; d->cap = 4; d->loop = 0;
	d->k = arena_alloc(R->ar, d->cap * sizeof *d->k);
	d->v = arena_alloc(R->ar, d->cap * sizeof *d->v);
	return d;
}
static value *dict_find(const vdict *d, const char *k, size_t n)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->k[i].n == n && !memcmp(d->k[i].p, k, n)) return &d->v[i];
	return NULL;
}
static void dict_set(rt *R, vdict *d, const char *k, size_t n, value v)
{
	value *x = dict_find(d, k, n);
	if (x) { *x = v; return; }
	if (d->n == d->cap) {
		struct vkey *nk = arena_alloc(R->ar, d->cap * 2 * sizeof *nk);
		value *nv = arena_alloc(R->ar, d->cap * 2 * sizeof *nv);
		memcpy(nk, d->k, d->n * sizeof *nk);
		memcpy(nv, d->v, d->n * sizeof *nv);
		d->k = nk; d->v = nv; d->cap *= 2;
	}
	d->k[d->n].p = k; d->k[d->n].n = n;
	d->v[d->n++] = v;
}

static void frame_set(rt *R, frame *f, const char *k, size_t n, value v)
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
static value lookup(frame *f, const char *k, size_t n)
{
	for (; f; f = f->up)
		for (int i = f->n - 1; i >= 0; i--)
			if (f->k[i].n == n && !memcmp(f->k[i].p, k, n)) return f->v[i];
	return V(V_UNDEF);
}

/* from JSON */
static value from_json(rt *R, const json_doc *d, uint32_t i)
{
	switch (json_type_of(d, i)) {
	case JSON_NULL: return V(V_NONE);
	case JSON_TRUE: return vbool(1);
	case JSON_FALSE: return vbool(0);
	case JSON_NUMBER: {
		int64_t x;
		if (json_num_i64(d, i, &x) == 0) return vint(x);
		if (d->nodes[i].flags & JSON_F_INTEGER) {
			/* beyond int64: Python keeps every digit, so do we (as text) */
			value v = V(V_BIG);
			v.u.s.p = d->src + d->nodes[i].off;
			v.u.s.n = d->nodes[i].len;
			return v;
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
		vlist *l = list_new(R, d->nodes[i].count);
		JSON_FOR_ELEMS(d, i, e, k) { (void)k; list_push(R, l, from_json(R, d, e)); }
		return vlistv(l);
	}
	case JSON_OBJECT: {
		vdict *m = dict_new(R);
		JSON_FOR_MEMBERS(d, i, k, v, j) {
			(void)j;
			value key = from_json(R, d, k);
			dict_set(R, m, key.u.s.p, key.u.s.n, from_json(R, d, v));
		}
		value v = V(V_DICT); v.u.d = m; return v;
	}
	}
	return V(V_UNDEF);
}

static const char *tname(int t)
{
	static const char *const n[] = { "undefined", "none", "bool", "int", "float", "str", "list", "dict", "namespace", "function", "macro", "int", "caller" };
	return n[t];
}

static int truthy(value v)
{
	switch (v.t) {
	case V_UNDEF: case V_NONE: return 0;
	case V_BOOL: return v.u.b;
	case V_INT: return v.u.i != 0;
	case V_FLOAT: return v.u.f != 0;
	case V_STR: return v.u.s.n != 0;
	case V_BIG: return 1;   /* never zero: zero fits int64 */
	case V_LIST: return v.u.l->n != 0;
	case V_DICT: case V_NS: return v.u.d->n != 0 || v.t == V_NS;
	default: return 1;
	}
}

/* Python's repr of a float, the shortest that reads back */
static void put_float(jbuf *b, double f)
{
	if (isnan(f)) { jbuf_puts(b, "nan"); return; }
	if (isinf(f)) { jbuf_puts(b, f < 0 ? "-inf" : "inf"); return; }
	char buf[40];
	int p;
	for (p = 1; p <= 17; p++) { snprintf(buf, sizeof buf, "%.*e", p - 1, f); if (strtod(buf, NULL) == f) break; }
	/* buf: d.ddde±XX with p digits */
	char digits[24]; int nd = 0, neg = buf[0] == '-';
	const char *q = buf + neg;
	for (; *q && *q != 'e'; q++) if (isdigit((unsigned char)*q)) digits[nd++] = *q;
	int exp = atoi(q + 1);
	while (nd > 1 && digits[nd - 1] == '0') nd--;
	if (neg) jbuf_putc(b, '-');
	if (exp >= -4 && exp < 16) {   /* repr switches to an exponent below 1e-4 and from 1e16 */
		if (exp < 0) {
			jbuf_puts(b, "0.");
			for (int k = 0; k < -exp - 1; k++) jbuf_putc(b, '0');
			jbuf_put(b, digits, (size_t)nd);
		} else {
			for (int k = 0; k <= exp; k++) jbuf_putc(b, k < nd ? digits[k] : '0');
			jbuf_putc(b, '.');
			if (nd > exp + 1) jbuf_put(b, digits + exp + 1, (size_t)(nd - exp - 1));
			else jbuf_putc(b, '0');
		}
	} else {
		jbuf_putc(b, digits[0]);
		if (nd > 1) { jbuf_putc(b, '.'); jbuf_put(b, digits + 1, (size_t)(nd - 1)); }
		jbuf_printf(b, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
	}
}

static void put_repr(rt *R, jbuf *b, value v);
/* str(v) as Python prints it */
static void put_str(rt *R, jbuf *b, value v)
{
	switch (v.t) {
	case V_UNDEF: return;
	case V_NONE: jbuf_puts(b, "None"); return;
	case V_BOOL: jbuf_puts(b, v.u.b ? "True" : "False"); return;
	case V_INT: jbuf_printf(b, "%lld", (long long)v.u.i); return;
	case V_FLOAT: put_float(b, v.u.f); return;
	case V_STR: case V_BIG: jbuf_put(b, v.u.s.p, v.u.s.n); return;
	default: put_repr(R, b, v);
	}
}
static void put_repr(rt *R, jbuf *b, value v)
{
	switch (v.t) {
	case V_STR: {
		int dq = memchr(v.u.s.p, '\'', v.u.s.n) && !memchr(v.u.s.p, '"', v.u.s.n);
		char qc = dq ? '"' : '\'';
		jbuf_putc(b, qc);
		for (size_t i = 0; i < v.u.s.n; i++) {
			unsigned char c = (unsigned char)v.u.s.p[i];
			if (c == '\\') jbuf_puts(b, "\\\\");
			else if (c == (unsigned char)qc) { jbuf_putc(b, '\\'); jbuf_putc(b, (char)c); }
			else if (c == '\n') jbuf_puts(b, "\\n");
			else if (c == '\t') jbuf_puts(b, "\\t");
			else if (c == '\r') jbuf_puts(b, "\\r");
			else if (c < 0x20 || c == 0x7f) jbuf_printf(b, "\\x%02x", c);
			else if (c >= 0x80) {
				/* repr escapes what Python finds unprintable: controls, format
				 * characters, separators other than the space, unassigned */
				uint32_t cp;
				size_t k = (size_t)utf8_decode(v.u.s.p + i, v.u.s.n - i, &cp);
				utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
				if (cat == UTF8PROC_CATEGORY_CC || cat == UTF8PROC_CATEGORY_CF || cat == UTF8PROC_CATEGORY_CS ||
				    cat == UTF8PROC_CATEGORY_CO || cat == UTF8PROC_CATEGORY_CN || cat == UTF8PROC_CATEGORY_ZL ||
				    cat == UTF8PROC_CATEGORY_ZP || cat == UTF8PROC_CATEGORY_ZS)
					jbuf_printf(b, cp < 0x100 ? "\\x%02x" : cp < 0x10000 ? "\\u%04x" : "\\U%08x", cp);
				else jbuf_put(b, v.u.s.p + i, k);
				i += k - 1;
			} else jbuf_putc(b, (char)c);
		}
		jbuf_putc(b, qc);
		return;
	}
	case V_LIST:
		if (v.u.l->view == 4) jfail(R->e, 0, "unsupported: printing a range (make it a list first)");
		if (v.u.l->view) jbuf_puts(b, v.u.l->view == 1 ? "dict_items(" : v.u.l->view == 2 ? "dict_keys(" : "dict_values(");
		jbuf_putc(b, v.u.l->tuple ? '(' : '[');
		for (size_t i = 0; i < v.u.l->n; i++) { if (i) jbuf_puts(b, ", "); put_repr(R, b, v.u.l->v[i]); }
		if (v.u.l->tuple && v.u.l->n == 1) jbuf_putc(b, ',');
		jbuf_putc(b, v.u.l->tuple ? ')' : ']');
		if (v.u.l->view) jbuf_putc(b, ')');
		return;
	case V_UNDEF: jbuf_puts(b, "Undefined"); return;
	case V_DICT: case V_NS:
		if (v.t == V_DICT && v.u.d->loop) jfail(R->e, 0, "unsupported: printing the loop object");
		if (v.t == V_NS) jbuf_puts(b, "<Namespace ");
		jbuf_putc(b, '{');
		for (size_t i = 0; i < v.u.d->n; i++) {
			if (i) jbuf_puts(b, ", ");
			put_repr(R, b, vstr(v.u.d->k[i].p, v.u.d->k[i].n));
			jbuf_puts(b, ": ");
			put_repr(R, b, v.u.d->v[i]);
		}
		jbuf_putc(b, '}');
		if (v.t == V_NS) jbuf_putc(b, '>');
		return;
	case V_FUNC: case V_MACRO: case V_CALLER: jfail(R->e, 0, "unsupported: printing a function or a macro");
	default: put_str(R, b, v);
	}
}

/* json.dumps(v, ensure_ascii, indent, separators, sort_keys) */
typedef struct jsonopt { const char *indent; size_t indent_n; const char *isep, *ksep; int ascii, sort; } jsonopt;

static void put_json_indent(jbuf *b, const jsonopt *o, int level)
{
	jbuf_putc(b, '\n');
	for (int k = 0; k < level; k++) jbuf_put(b, o->indent, o->indent_n);
}

static void put_json(rt *R, jbuf *b, value v, const jsonopt *o, int level)
{
	if (level > 200) jfail(R->e, 0, "tojson: nested more than 200 deep");
	switch (v.t) {
	case V_NONE: jbuf_puts(b, "null"); return;
	case V_BOOL: jbuf_puts(b, v.u.b ? "true" : "false"); return;
	case V_INT: jbuf_printf(b, "%lld", (long long)v.u.i); return;
	case V_BIG: jbuf_put(b, v.u.s.p, v.u.s.n); return;
	case V_FLOAT:
		if (isnan(v.u.f)) jbuf_puts(b, "NaN");
		else if (isinf(v.u.f)) jbuf_puts(b, v.u.f < 0 ? "-Infinity" : "Infinity");
		else put_float(b, v.u.f);
		return;
	case V_STR:
		jbuf_putc(b, '"');
		for (size_t i = 0; i < v.u.s.n; i++) {
			unsigned char c = (unsigned char)v.u.s.p[i];
			switch (c) {
			case '"': jbuf_puts(b, "\\\""); break;
			case '\\': jbuf_puts(b, "\\\\"); break;
			case '\n': jbuf_puts(b, "\\n"); break;
			case '\r': jbuf_puts(b, "\\r"); break;
			case '\t': jbuf_puts(b, "\\t"); break;
			case '\b': jbuf_puts(b, "\\b"); break;
			case '\f': jbuf_puts(b, "\\f"); break;
			default:
				if (c < 0x20 || (o->ascii && c == 0x7f)) jbuf_printf(b, "\\u%04x", c);
				else if (c < 0x80 || !o->ascii) jbuf_putc(b, (char)c);
				else {
					/* ensure_ascii: \uXXXX, surrogate pairs above the BMP */
					uint32_t cp;
					i += (size_t)utf8_decode(v.u.s.p + i, v.u.s.n - i, &cp) - 1;
					if (cp >= 0x10000) {
						cp -= 0x10000;
						jbuf_printf(b, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
					} else jbuf_printf(b, "\\u%04x", cp);
				}
			}
		}
		jbuf_putc(b, '"');
		return;
	case V_LIST: case V_DICT: case V_NS: {
		if (v.t == V_LIST && v.u.l->view) jfail(R->e, 0, "tojson: Object of type %s is not JSON serializable", v.u.l->view == 1 ? "dict_items" : v.u.l->view == 2 ? "dict_keys" : v.u.l->view == 3 ? "dict_values" : "range");
		if (v.t == V_NS) jfail(R->e, 0, "tojson: Object of type Namespace is not JSON serializable");
		int isl = v.t == V_LIST;
		size_t n = isl ? v.u.l->n : v.u.d->n;
		jbuf_putc(b, isl ? '[' : '{');
		if (!n) { jbuf_putc(b, isl ? ']' : '}'); return; }
		size_t *ord = arena_alloc(R->ar, n * sizeof *ord);
		for (size_t i = 0; i < n; i++) ord[i] = i;
		if (!isl && o->sort)   /* insertion sort of the keys */
			for (size_t i = 1; i < n; i++)
				for (size_t j = i; j > 0; j--) {
					struct vkey *x = &v.u.d->k[ord[j - 1]], *y = &v.u.d->k[ord[j]];
					size_t m = x->n < y->n ? x->n : y->n;
					int c = memcmp(x->p, y->p, m);
					if (c > 0 || (c == 0 && x->n > y->n)) { size_t t = ord[j]; ord[j] = ord[j - 1]; ord[j - 1] = t; } else break;
				}
		for (size_t i = 0; i < n; i++) {
			if (i) jbuf_puts(b, o->isep);
			if (o->indent) put_json_indent(b, o, level + 1);
			if (isl) put_json(R, b, v.u.l->v[i], o, level + 1);
			else {
				put_json(R, b, vstr(v.u.d->k[ord[i]].p, v.u.d->k[ord[i]].n), o, level + 1);
				jbuf_puts(b, o->ksep);
				put_json(R, b, v.u.d->v[ord[i]], o, level + 1);
			}
		}
		if (o->indent) put_json_indent(b, o, level);
		jbuf_putc(b, isl ? ']' : '}');
		return;
	}
	default: jfail(R->e, 0, "tojson: Object of type %s is not JSON serializable", v.t == V_UNDEF ? "Undefined" : tname(v.t));
	}
}

static value tostr(rt *R, value v)
{
	if (v.t == V_STR) return v;
	jbuf b = {0};
	live_push(R, &b);   /* put_str fails on a loop object, a range or a macro */
	put_str(R, &b, v);
	value s = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	live_pop(R, &b);
	return s;
}

static int vequal(value a, value b)
{
	if ((a.t == V_INT || a.t == V_FLOAT || a.t == V_BOOL) && (b.t == V_INT || b.t == V_FLOAT || b.t == V_BOOL)) {
		double x = a.t == V_INT ? (double)a.u.i : a.t == V_FLOAT ? a.u.f : a.u.b;
		double y = b.t == V_INT ? (double)b.u.i : b.t == V_FLOAT ? b.u.f : b.u.b;
		if (a.t == V_INT && b.t == V_INT) return a.u.i == b.u.i;
		return x == y;
	}
	if (a.t != b.t) return 0;
	switch (a.t) {
	case V_UNDEF: case V_NONE: return 1;
	case V_STR: return a.u.s.n == b.u.s.n && !memcmp(a.u.s.p, b.u.s.p, a.u.s.n);
	case V_BIG: return a.u.s.n == b.u.s.n && !memcmp(a.u.s.p, b.u.s.p, a.u.s.n);
	case V_LIST:
		if (a.u.l->n != b.u.l->n || a.u.l->tuple != b.u.l->tuple) return 0;
		for (size_t i = 0; i < a.u.l->n; i++) if (!vequal(a.u.l->v[i], b.u.l->v[i])) return 0;
		return 1;
	case V_DICT:
		if (a.u.d->n != b.u.d->n) return 0;
		for (size_t i = 0; i < a.u.d->n; i++) {
			value *y = dict_find(b.u.d, a.u.d->k[i].p, a.u.d->k[i].n);
			if (!y || !vequal(a.u.d->v[i], *y)) return 0;
		}
		return 1;
	default: return a.u.d == b.u.d;
	}
}

static int isnum(value v) { return v.t == V_INT || v.t == V_FLOAT || v.t == V_BOOL; }
static double numval(value v) { return v.t == V_INT ? (double)v.u.i : v.t == V_FLOAT ? v.u.f : v.u.b; }

static int vcompare(rt *R, int line, value a, value b)
{
	if (isnum(a) && isnum(b)) {
		if (a.t == V_INT && b.t == V_INT) return a.u.i < b.u.i ? -1 : a.u.i > b.u.i;
		double x = numval(a), y = numval(b);
		return x < y ? -1 : x > y;
	}
	if (a.t == V_STR && b.t == V_STR) {
		size_t m = a.u.s.n < b.u.s.n ? a.u.s.n : b.u.s.n;
		int c = memcmp(a.u.s.p, b.u.s.p, m);
		return c ? (c < 0 ? -1 : 1) : (a.u.s.n < b.u.s.n ? -1 : a.u.s.n > b.u.s.n);
	}
	jfail(R->e, line, "'<' is not supported between a %s and a %s", tname(a.t), tname(b.t));
}

static int contains(rt *R, int line, value hay, value needle)
{
	if (hay.t == V_STR) {
		if (needle.t != V_STR) jfail(R->e, line, "'in <string>' needs a string on the left, not a %s", tname(needle.t));
		if (!needle.u.s.n) return 1;
		return memmem(hay.u.s.p, hay.u.s.n, needle.u.s.p, needle.u.s.n) != NULL;
	}
	if (hay.t == V_LIST) { for (size_t i = 0; i < hay.u.l->n; i++) if (vequal(hay.u.l->v[i], needle)) return 1; return 0; }
	if (hay.t == V_DICT || hay.t == V_NS) return needle.t == V_STR && dict_find(hay.u.d, needle.u.s.p, needle.u.s.n) != NULL;
	/* jinja2's Undefined iterates as empty: x in undefined is false */
	if (hay.t == V_UNDEF) return 0;
	jfail(R->e, line, "argument of type %s is not iterable", tname(hay.t));
}

/* Unicode whitespace as Python's str.isspace() sees it */
static size_t ws_len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	if (c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f)) return 1;
	if (c < 0x80 || n < 2) return 0;
	uint32_t cp;
	int k = utf8_decode(s, n, &cp);
	if (cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
	    cp == 0x202f || cp == 0x205f || cp == 0x3000) return (size_t)k;
	return 0;
}
static int in_chars(const char *s, size_t n, value chars)
{
	/* is the character at s one of chars (a set of characters)? */
	uint32_t cp;
	int k = utf8_decode(s, n, &cp);
	for (size_t i = 0; i < chars.u.s.n;) {
		uint32_t c2;
		int k2 = utf8_decode(chars.u.s.p + i, chars.u.s.n - i, &c2);
		if (c2 == cp) return k;
		i += (size_t)k2;
	}
	return 0;
}
static value strip(rt *R, value s, int left, int right, value *chars)
{
	const char *p = s.u.s.p;
	size_t a = 0, b = s.u.s.n;
	for (;;) {
		if (!left || a >= b) break;
		size_t k = chars ? (size_t)in_chars(p + a, b - a, *chars) : ws_len(p + a, b - a);
		if (!k) break;
		a += k;
	}
	while (right && b > a) {
		size_t st = b - 1;
		while (st > a && ((unsigned char)p[st] & 0xC0) == 0x80) st--;
		size_t k = chars ? (size_t)in_chars(p + st, b - st, *chars) : ws_len(p + st, b - st);
		if (!k) break;
		b = st;
	}
	(void)R;
	return vstr(p + a, b - a);
}


/* Case mapping as Python's str methods do it: utf8proc's one-to-one mappings
 * (equal to Python's for every code point with a one-character result) and
 * the full mappings of SpecialCasing.txt, which Python applies and utf8proc
 * does not. The table was generated from Python 3.11 (Unicode 14):
 *   [(c, chr(c).upper(), chr(c).title(), chr(c).lower()) for c in range(0x110000)
 *    if any(len(m) > 1 for m in (chr(c).upper(), chr(c).title(), chr(c).lower()))]
 * (NULL where the mapping is one character). */
static const struct casemap { uint32_t cp; const char *up, *title, *low; } casetab[] = {
	{ 0x00df, "\x53\x53", "\x53\x73", NULL },
	{ 0x0130, NULL, NULL, "\x69\xcc\x87" },
	{ 0x0149, "\xca\xbc\x4e", "\xca\xbc\x4e", NULL },
	{ 0x01f0, "\x4a\xcc\x8c", "\x4a\xcc\x8c", NULL },
	{ 0x0390, "\xce\x99\xcc\x88\xcc\x81", "\xce\x99\xcc\x88\xcc\x81", NULL },
	{ 0x03b0, "\xce\xa5\xcc\x88\xcc\x81", "\xce\xa5\xcc\x88\xcc\x81", NULL },
	{ 0x0587, "\xd4\xb5\xd5\x92", "\xd4\xb5\xd6\x82", NULL },
	{ 0x1e96, "\x48\xcc\xb1", "\x48\xcc\xb1", NULL },
	{ 0x1e97, "\x54\xcc\x88", "\x54\xcc\x88", NULL },
	{ 0x1e98, "\x57\xcc\x8a", "\x57\xcc\x8a", NULL },
	{ 0x1e99, "\x59\xcc\x8a", "\x59\xcc\x8a", NULL },
	{ 0x1e9a, "\x41\xca\xbe", "\x41\xca\xbe", NULL },
	{ 0x1f50, "\xce\xa5\xcc\x93", "\xce\xa5\xcc\x93", NULL },
	{ 0x1f52, "\xce\xa5\xcc\x93\xcc\x80", "\xce\xa5\xcc\x93\xcc\x80", NULL },
	{ 0x1f54, "\xce\xa5\xcc\x93\xcc\x81", "\xce\xa5\xcc\x93\xcc\x81", NULL },
	{ 0x1f56, "\xce\xa5\xcc\x93\xcd\x82", "\xce\xa5\xcc\x93\xcd\x82", NULL },
	{ 0x1f80, "\xe1\xbc\x88\xce\x99", NULL, NULL },
	{ 0x1f81, "\xe1\xbc\x89\xce\x99", NULL, NULL },
	{ 0x1f82, "\xe1\xbc\x8a\xce\x99", NULL, NULL },
	{ 0x1f83, "\xe1\xbc\x8b\xce\x99", NULL, NULL },
	{ 0x1f84, "\xe1\xbc\x8c\xce\x99", NULL, NULL },
	{ 0x1f85, "\xe1\xbc\x8d\xce\x99", NULL, NULL },
	{ 0x1f86, "\xe1\xbc\x8e\xce\x99", NULL, NULL },
	{ 0x1f87, "\xe1\xbc\x8f\xce\x99", NULL, NULL },
	{ 0x1f88, "\xe1\xbc\x88\xce\x99", NULL, NULL },
	{ 0x1f89, "\xe1\xbc\x89\xce\x99", NULL, NULL },
	{ 0x1f8a, "\xe1\xbc\x8a\xce\x99", NULL, NULL },
	{ 0x1f8b, "\xe1\xbc\x8b\xce\x99", NULL, NULL },
	{ 0x1f8c, "\xe1\xbc\x8c\xce\x99", NULL, NULL },
	{ 0x1f8d, "\xe1\xbc\x8d\xce\x99", NULL, NULL },
	{ 0x1f8e, "\xe1\xbc\x8e\xce\x99", NULL, NULL },
	{ 0x1f8f, "\xe1\xbc\x8f\xce\x99", NULL, NULL },
	{ 0x1f90, "\xe1\xbc\xa8\xce\x99", NULL, NULL },
	{ 0x1f91, "\xe1\xbc\xa9\xce\x99", NULL, NULL },
	{ 0x1f92, "\xe1\xbc\xaa\xce\x99", NULL, NULL },
	{ 0x1f93, "\xe1\xbc\xab\xce\x99", NULL, NULL },
	{ 0x1f94, "\xe1\xbc\xac\xce\x99", NULL, NULL },
	{ 0x1f95, "\xe1\xbc\xad\xce\x99", NULL, NULL },
	{ 0x1f96, "\xe1\xbc\xae\xce\x99", NULL, NULL },
	{ 0x1f97, "\xe1\xbc\xaf\xce\x99", NULL, NULL },
	{ 0x1f98, "\xe1\xbc\xa8\xce\x99", NULL, NULL },
	{ 0x1f99, "\xe1\xbc\xa9\xce\x99", NULL, NULL },
	{ 0x1f9a, "\xe1\xbc\xaa\xce\x99", NULL, NULL },
	{ 0x1f9b, "\xe1\xbc\xab\xce\x99", NULL, NULL },
	{ 0x1f9c, "\xe1\xbc\xac\xce\x99", NULL, NULL },
	{ 0x1f9d, "\xe1\xbc\xad\xce\x99", NULL, NULL },
	{ 0x1f9e, "\xe1\xbc\xae\xce\x99", NULL, NULL },
	{ 0x1f9f, "\xe1\xbc\xaf\xce\x99", NULL, NULL },
	{ 0x1fa0, "\xe1\xbd\xa8\xce\x99", NULL, NULL },
	{ 0x1fa1, "\xe1\xbd\xa9\xce\x99", NULL, NULL },
	{ 0x1fa2, "\xe1\xbd\xaa\xce\x99", NULL, NULL },
	{ 0x1fa3, "\xe1\xbd\xab\xce\x99", NULL, NULL },
	{ 0x1fa4, "\xe1\xbd\xac\xce\x99", NULL, NULL },
	{ 0x1fa5, "\xe1\xbd\xad\xce\x99", NULL, NULL },
	{ 0x1fa6, "\xe1\xbd\xae\xce\x99", NULL, NULL },
	{ 0x1fa7, "\xe1\xbd\xaf\xce\x99", NULL, NULL },
	{ 0x1fa8, "\xe1\xbd\xa8\xce\x99", NULL, NULL },
	{ 0x1fa9, "\xe1\xbd\xa9\xce\x99", NULL, NULL },
	{ 0x1faa, "\xe1\xbd\xaa\xce\x99", NULL, NULL },
	{ 0x1fab, "\xe1\xbd\xab\xce\x99", NULL, NULL },
	{ 0x1fac, "\xe1\xbd\xac\xce\x99", NULL, NULL },
	{ 0x1fad, "\xe1\xbd\xad\xce\x99", NULL, NULL },
	{ 0x1fae, "\xe1\xbd\xae\xce\x99", NULL, NULL },
	{ 0x1faf, "\xe1\xbd\xaf\xce\x99", NULL, NULL },
	{ 0x1fb2, "\xe1\xbe\xba\xce\x99", "\xe1\xbe\xba\xcd\x85", NULL },
	{ 0x1fb3, "\xce\x91\xce\x99", NULL, NULL },
	{ 0x1fb4, "\xce\x86\xce\x99", "\xce\x86\xcd\x85", NULL },
	{ 0x1fb6, "\xce\x91\xcd\x82", "\xce\x91\xcd\x82", NULL },
	{ 0x1fb7, "\xce\x91\xcd\x82\xce\x99", "\xce\x91\xcd\x82\xcd\x85", NULL },
	{ 0x1fbc, "\xce\x91\xce\x99", NULL, NULL },
	{ 0x1fc2, "\xe1\xbf\x8a\xce\x99", "\xe1\xbf\x8a\xcd\x85", NULL },
	{ 0x1fc3, "\xce\x97\xce\x99", NULL, NULL },
	{ 0x1fc4, "\xce\x89\xce\x99", "\xce\x89\xcd\x85", NULL },
	{ 0x1fc6, "\xce\x97\xcd\x82", "\xce\x97\xcd\x82", NULL },
	{ 0x1fc7, "\xce\x97\xcd\x82\xce\x99", "\xce\x97\xcd\x82\xcd\x85", NULL },
	{ 0x1fcc, "\xce\x97\xce\x99", NULL, NULL },
	{ 0x1fd2, "\xce\x99\xcc\x88\xcc\x80", "\xce\x99\xcc\x88\xcc\x80", NULL },
	{ 0x1fd3, "\xce\x99\xcc\x88\xcc\x81", "\xce\x99\xcc\x88\xcc\x81", NULL },
	{ 0x1fd6, "\xce\x99\xcd\x82", "\xce\x99\xcd\x82", NULL },
	{ 0x1fd7, "\xce\x99\xcc\x88\xcd\x82", "\xce\x99\xcc\x88\xcd\x82", NULL },
	{ 0x1fe2, "\xce\xa5\xcc\x88\xcc\x80", "\xce\xa5\xcc\x88\xcc\x80", NULL },
	{ 0x1fe3, "\xce\xa5\xcc\x88\xcc\x81", "\xce\xa5\xcc\x88\xcc\x81", NULL },
	{ 0x1fe4, "\xce\xa1\xcc\x93", "\xce\xa1\xcc\x93", NULL },
	{ 0x1fe6, "\xce\xa5\xcd\x82", "\xce\xa5\xcd\x82", NULL },
	{ 0x1fe7, "\xce\xa5\xcc\x88\xcd\x82", "\xce\xa5\xcc\x88\xcd\x82", NULL },
	{ 0x1ff2, "\xe1\xbf\xba\xce\x99", "\xe1\xbf\xba\xcd\x85", NULL },
	{ 0x1ff3, "\xce\xa9\xce\x99", NULL, NULL },
	{ 0x1ff4, "\xce\x8f\xce\x99", "\xce\x8f\xcd\x85", NULL },
	{ 0x1ff6, "\xce\xa9\xcd\x82", "\xce\xa9\xcd\x82", NULL },
	{ 0x1ff7, "\xce\xa9\xcd\x82\xce\x99", "\xce\xa9\xcd\x82\xcd\x85", NULL },
	{ 0x1ffc, "\xce\xa9\xce\x99", NULL, NULL },
	{ 0xfb00, "\x46\x46", "\x46\x66", NULL },
	{ 0xfb01, "\x46\x49", "\x46\x69", NULL },
	{ 0xfb02, "\x46\x4c", "\x46\x6c", NULL },
	{ 0xfb03, "\x46\x46\x49", "\x46\x66\x69", NULL },
	{ 0xfb04, "\x46\x46\x4c", "\x46\x66\x6c", NULL },
	{ 0xfb05, "\x53\x54", "\x53\x74", NULL },
	{ 0xfb06, "\x53\x54", "\x53\x74", NULL },
	{ 0xfb13, "\xd5\x84\xd5\x86", "\xd5\x84\xd5\xb6", NULL },
	{ 0xfb14, "\xd5\x84\xd4\xb5", "\xd5\x84\xd5\xa5", NULL },
	{ 0xfb15, "\xd5\x84\xd4\xbb", "\xd5\x84\xd5\xab", NULL },
	{ 0xfb16, "\xd5\x8e\xd5\x86", "\xd5\x8e\xd5\xb6", NULL },
	{ 0xfb17, "\xd5\x84\xd4\xbd", "\xd5\x84\xd5\xad", NULL },
};

static const struct casemap *case_special(uint32_t cp)
{
	size_t lo = 0, hi = sizeof casetab / sizeof *casetab;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (casetab[mid].cp == cp) return &casetab[mid];
		if (casetab[mid].cp < cp) lo = mid + 1; else hi = mid;
	}
	return NULL;
}

enum { CM_UPPER, CM_LOWER, CM_TITLE };
static void put_case(jbuf *b, uint32_t cp, int how)
{
	const struct casemap *m = cp >= 0xdf ? case_special(cp) : NULL;
	const char *full = !m ? NULL : how == CM_UPPER ? m->up : how == CM_TITLE ? m->title : m->low;
	if (full) { jbuf_puts(b, full); return; }
	uint32_t r = how == CM_UPPER ? (uint32_t)utf8proc_toupper((utf8proc_int32_t)cp)
		   : how == CM_TITLE ? (uint32_t)utf8proc_totitle((utf8proc_int32_t)cp) : (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp);
	char u[4];
	jbuf_put(b, u, (size_t)utf8_encode(r, u));
}

/* Python's "cased" and "case-ignorable" (for title() and the final sigma) */
static int is_cased(uint32_t cp)
{
	utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
	return c == UTF8PROC_CATEGORY_LU || c == UTF8PROC_CATEGORY_LL || c == UTF8PROC_CATEGORY_LT ||
	       utf8proc_toupper((utf8proc_int32_t)cp) != (utf8proc_int32_t)cp || utf8proc_tolower((utf8proc_int32_t)cp) != (utf8proc_int32_t)cp;
}
static int is_case_ignorable(uint32_t cp)
{
	utf8proc_category_t c = utf8proc_category((utf8proc_int32_t)cp);
	return c == UTF8PROC_CATEGORY_MN || c == UTF8PROC_CATEGORY_ME || c == UTF8PROC_CATEGORY_CF || c == UTF8PROC_CATEGORY_LM ||
	       c == UTF8PROC_CATEGORY_SK || cp == '\'' || cp == '.' || cp == ':' || cp == 0xb7 || cp == 0x2019;
}

/* Capital sigma lowers to the final form at the end of a word (Python's Final_Sigma rule) */
static int final_sigma(const char *p, size_t n, size_t at)
{
	int before = 0;
	for (size_t i = at; i > 0;) {
		size_t st = i - 1;
		while (st > 0 && ((unsigned char)p[st] & 0xC0) == 0x80) st--;
		uint32_t cp;
		utf8_decode(p + st, n - st, &cp);
		i = st;
		if (is_case_ignorable(cp)) continue;
		before = is_cased(cp);
		break;
	}
	if (!before) return 0;
	uint32_t cp;
	for (size_t i = at + (size_t)utf8_decode(p + at, n - at, &cp); i < n;) {
		i += (size_t)utf8_decode(p + i, n - i, &cp);
		if (is_case_ignorable(cp)) continue;
		return !is_cased(cp);
	}
	return 1;
}

/* mode: 'u' upper, 'l' lower, 'c' str.capitalize, 't' str.title, 'T' jinja2's title filter */
static value case_conv(rt *R, value s, int mode)
{
	const char *p = s.u.s.p;
	size_t n = s.u.s.n;
	size_t i = 0;
	jbuf b = {0};
	live_push(R, &b);
	jbuf_reserve(&b, n);
	int prev_cased = 0, word_start = -1;
	while (i < n) {
		uint32_t cp;
		size_t k = (size_t)utf8_decode(p + i, n - i, &cp);
		int how;
		switch (mode) {
		case 'u': how = CM_UPPER; break;
		case 'l': how = CM_LOWER; break;
		case 'c': how = i == 0 ? CM_TITLE : CM_LOWER; break;
		case 't': how = prev_cased ? CM_LOWER : CM_TITLE; prev_cased = is_cased(cp); break;
		default: {
			/* jinja2: re.split(r"([-\s({\[<]+)") into runs of delimiters and of the rest,
			 * then item[0].upper() + item[1:].lower() for every run */
			int delim = cp == '-' || cp == '(' || cp == '{' || cp == '[' || cp == '<' || ws_len(p + i, n - i) != 0;
			how = i == 0 || delim != word_start ? CM_UPPER : CM_LOWER;
			word_start = delim;
		}
		}
		if (how == CM_LOWER && cp == 0x3a3 && final_sigma(p, n, i)) jbuf_puts(&b, "\xcf\x82");
		else put_case(&b, cp, how);
		i += k;
	}
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	live_pop(R, &b);
	return r;
}

/* ---------------- helpers of filters and methods ---------------- */

static size_t cp_count(const char *p, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++) c += ((unsigned char)p[i] & 0xC0) != 0x80;
	return c;
}
/* byte offset of code point k (n when past the end) */
static size_t cp_offset(const char *p, size_t n, size_t k)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)p[i] & 0xC0) != 0x80 && c++ == k) return i;
	return n;
}

/* The items of an iterable as Python iterates them: a list's elements, a
 * string's characters, a dict's keys; an undefined value is empty. */
static vlist *to_items(rt *R, int line, value v, const char *what)
{
	if (v.t == V_LIST) return v.u.l;
	vlist *l = list_new(R, 8);
	if (v.t == V_UNDEF) return l;
	if (v.t == V_STR) {
		for (size_t i = 0; i < v.u.s.n;) {
			uint32_t cp;
			size_t k = (size_t)utf8_decode(v.u.s.p + i, v.u.s.n - i, &cp);
			list_push(R, l, vstr(v.u.s.p + i, k));
			i += k;
		}
		return l;
	}
	if (v.t == V_DICT) {
		for (size_t i = 0; i < v.u.d->n; i++) list_push(R, l, vstr(v.u.d->k[i].p, v.u.d->k[i].n));
		return l;
	}
	jfail(R->e, line, "%s: '%s' object is not iterable", what, v.t == V_NS ? "Namespace" : tname(v.t));
}

static value getitem(rt *R, int line, value o, value k);

/* jinja2's make_attrgetter: "a.b.0" looks up a, then b, then item 0 */
static value attr_path(rt *R, int line, value x, value attr)
{
	if (attr.t == V_INT) return x.t == V_LIST || x.t == V_STR || x.t == V_DICT ? getitem(R, line, x, attr) : V(V_UNDEF);
	if (attr.t != V_STR) jfail(R->e, line, "an attribute name must be a string, not a %s", tname(attr.t));
	const char *p = attr.u.s.p, *end = p + attr.u.s.n;
	while (1) {
		const char *dot = memchr(p, '.', (size_t)(end - p));
		const char *e = dot ? dot : end;
		int digits = e > p;
		for (const char *q = p; q < e; q++) digits &= isdigit((unsigned char)*q) != 0;
		if (digits && e - p < 18) {
			int64_t k = 0;
			for (const char *q = p; q < e; q++) k = k * 10 + (*q - '0');
			x = x.t == V_LIST || x.t == V_STR || x.t == V_DICT ? getitem(R, line, x, vint(k)) : V(V_UNDEF);
		} else if (x.t == V_DICT || x.t == V_NS) {
			value *y = dict_find(x.u.d, p, (size_t)(e - p));
			x = y ? *y : V(V_UNDEF);
		} else x = V(V_UNDEF);
		if (!dot) return x;
		p = dot + 1;
	}
}

/* jinja2's ignore_case: strings compare lower-cased unless case_sensitive */
static value sort_key(rt *R, value v, int case_sensitive)
{
	if (case_sensitive || v.t != V_STR) return v;
	return case_conv(R, v, 'l');
}

static int vcompare(rt *R, int line, value a, value b);

/* A stable merge sort of vals by keys (Python's sorted is stable). */
static void sort_values(rt *R, int line, value *vals, value *keys, size_t n, int rev)
{
	if (n < 2) return;
	value *tv = arena_alloc(R->ar, n * sizeof *tv), *tk = arena_alloc(R->ar, n * sizeof *tk);
	for (size_t w = 1; w < n; w *= 2) {
		for (size_t lo = 0; lo < n; lo += 2 * w) {
			size_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
			size_t i = lo, j = mid, o = lo;
			while (i < mid && j < hi) {
				int c = vcompare(R, line, keys[j], keys[i]);
				/* take from the right only when strictly before (after, reversed): stability */
				if (rev ? c > 0 : c < 0) { tv[o] = vals[j]; tk[o++] = keys[j++]; }
				else { tv[o] = vals[i]; tk[o++] = keys[i++]; }
			}
			while (i < mid) { tv[o] = vals[i]; tk[o++] = keys[i++]; }
			while (j < hi) { tv[o] = vals[j]; tk[o++] = keys[j++]; }
		}
		memcpy(vals, tv, n * sizeof *vals);
		memcpy(keys, tk, n * sizeof *keys);
	}
}

/* str.replace(old, new, count): an empty old inserts new around every character */
static value str_replace(rt *R, value s, value old, value nw, int64_t count)
{
	jbuf b = {0};
	live_push(R, &b);
	int64_t left = count;
	if (!old.u.s.n) {
		for (size_t i = 0; i <= s.u.s.n;) {
			if (left != 0) { jbuf_put(&b, nw.u.s.p, nw.u.s.n); if (left > 0) left--; }
			if (i == s.u.s.n) break;
			uint32_t cp;
			size_t k = (size_t)utf8_decode(s.u.s.p + i, s.u.s.n - i, &cp);
			jbuf_put(&b, s.u.s.p + i, k);
			i += k;
		}
	} else {
		size_t st = 0;
		for (size_t i = 0; i + old.u.s.n <= s.u.s.n && left != 0;) {
			const char *f = memmem(s.u.s.p + i, s.u.s.n - i, old.u.s.p, old.u.s.n);
			if (!f) break;
			size_t at = (size_t)(f - s.u.s.p);
			jbuf_put(&b, s.u.s.p + st, at - st);
			jbuf_put(&b, nw.u.s.p, nw.u.s.n);
			i = st = at + old.u.s.n;
			if (left > 0) left--;
		}
		jbuf_put(&b, s.u.s.p + st, s.u.s.n - st);
	}
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	live_pop(R, &b);
	return r;
}

/* Python's int(str, base) for the bases templates use: whitespace around,
 * a sign, digits with single underscores between them. 0: not an int. */
static int py_int(const char *p, size_t n, int base, int64_t *out)
{
	size_t i = 0;
	while (i < n && ws_len(p + i, n - i)) i += ws_len(p + i, n - i);
	while (n > i && ((unsigned char)p[n - 1] < 0x80 && ws_len(p + n - 1, 1))) n--;
	int neg = 0;
	if (i < n && (p[i] == '+' || p[i] == '-')) neg = p[i++] == '-';
	/* a prefix 0x / 0o / 0b fits its base; base 0 takes it from the prefix (else decimal) */
	if (n - i >= 2 && p[i] == '0' && strchr("xXoObB", p[i + 1])) {
		int pb = p[i + 1] == 'x' || p[i + 1] == 'X' ? 16 : p[i + 1] == 'o' || p[i + 1] == 'O' ? 8 : 2;
		if (base == 0 || base == pb) { base = pb; i += 2; if (i < n && p[i] == '_') i++; }
	}
	if (base == 0) base = 10;
	if (base < 2 || base > 36 || i >= n) return 0;
	uint64_t x = 0;
	int last_us = 1;
	for (; i < n; i++) {
		if (p[i] == '_') { if (last_us) return 0; last_us = 1; continue; }
		int d = isdigit((unsigned char)p[i]) ? p[i] - '0' : isalpha((unsigned char)p[i]) ? tolower((unsigned char)p[i]) - 'a' + 10 : 99;
		if (d >= base) return 0;
		if (x > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) return 0;
		x = x * (uint64_t)base + (uint64_t)d;
		last_us = 0;
	}
	if (last_us) return 0;
	if (x > (uint64_t)INT64_MAX + (uint64_t)neg) return 0;
	*out = neg ? (int64_t)(0 - x) : (int64_t)x;
	return 1;
}

/* Python's float(str): whitespace around, decimal or exponent forms, inf/nan */
static int py_float(const char *p, size_t n, double *out)
{
	size_t i = 0;
	while (i < n && ws_len(p + i, n - i)) i += ws_len(p + i, n - i);
	while (n > i && ((unsigned char)p[n - 1] < 0x80 && ws_len(p + n - 1, 1))) n--;
	if (i >= n || n - i > 400) return 0;
	char buf[401];
	size_t k = 0;
	for (size_t j = i; j < n; j++) {
		char c = p[j];
		if (c == '_') {   /* only between digits */
			if (j == i || j + 1 >= n || !isdigit((unsigned char)p[j - 1]) || !isdigit((unsigned char)p[j + 1])) return 0;
			continue;
		}
		if (!(isdigit((unsigned char)c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-' || isalpha((unsigned char)c))) return 0;
		buf[k++] = c;
	}
	buf[k] = 0;
	const char *b = buf + (buf[0] == '+' || buf[0] == '-');
	if (isalpha((unsigned char)b[0])) {
		if (strcasecmp(b, "inf") && strcasecmp(b, "infinity") && strcasecmp(b, "nan")) return 0;
	} else {
		for (const char *q = b; *q; q++) if (isalpha((unsigned char)*q) && *q != 'e' && *q != 'E') return 0;
		if (strchr(buf, 'x') || strchr(buf, 'X')) return 0;
	}
	char *e;
	*out = strtod(buf, &e);
	return *e == 0;
}

/* pad s to width code points: align '<' left, '>' right, '^' centre (Python's
 * str.center puts the extra space on the right when the padding is odd... and
 * on the left when the width is odd too, as its formula left = pad/2 + (pad & width & 1)) */
static value str_pad(rt *R, value s, int64_t width, char fill, char align)
{
	int64_t len = (int64_t)cp_count(s.u.s.p, s.u.s.n);
	if (width <= len) return s;
	if (width > (1 << 20)) jfail(R->e, 0, "padding to more than a million characters");
	int64_t pad = width - len, left = align == '<' ? 0 : align == '>' ? pad : pad / 2 + (pad & width & 1);
	char *o = arena_alloc(R->ar, s.u.s.n + (size_t)pad + 1);
	memset(o, fill, (size_t)left);
	memcpy(o + left, s.u.s.p, s.u.s.n);
	memset(o + left + s.u.s.n, fill, (size_t)(pad - left));
	return vstr(o, s.u.s.n + (size_t)pad);
}

/* str.splitlines(keepends): the line boundaries Python knows */
static vlist *splitlines(rt *R, value s, int keepends)
{
	vlist *l = list_new(R, 8);
	const char *p = s.u.s.p;
	size_t n = s.u.s.n, st = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)p[i];
		size_t k = 0;
		if (c == '\n' || c == '\v' || c == '\f' || c == 0x1c || c == 0x1d || c == 0x1e) k = 1;
		else if (c == '\r') k = i + 1 < n && p[i + 1] == '\n' ? 2 : 1;
		else if (c == 0xc2 && i + 1 < n && (unsigned char)p[i + 1] == 0x85) k = 2;
		else if (c == 0xe2 && i + 2 < n && (unsigned char)p[i + 1] == 0x80 && ((unsigned char)p[i + 2] == 0xa8 || (unsigned char)p[i + 2] == 0xa9)) k = 3;
		if (k) {
			list_push(R, l, vstr(p + st, i - st + (keepends ? k : 0)));
			i += k;
			st = i;
		} else i++;
	}
	if (st < n) list_push(R, l, vstr(p + st, n - st));
	return l;
}

static void put_repr(rt *R, jbuf *b, value v);

/* printf-style formatting, Python's str % args: %s %r %d %i %u %f %F %e %E %g
 * %G %x %X %o %c %%, flags - + space # 0, width and precision (* too), and
 * %(name)s with a dict. */
static value percent_format(rt *R, int line, value fmt, value args)
{
	jbuf b = {0};
	live_push(R, &b);
	const char *p = fmt.u.s.p, *end = p + fmt.u.s.n;
	int is_map = args.t == V_DICT;
	vlist one = { &args, 1, 1, 1, 0 };
	vlist *t = args.t == V_LIST && args.u.l->tuple ? args.u.l : &one;
	size_t ai = 0;
	while (p < end) {
		const char *pc = memchr(p, '%', (size_t)(end - p));
		if (!pc) { jbuf_put(&b, p, (size_t)(end - p)); break; }
		jbuf_put(&b, p, (size_t)(pc - p));
		p = pc + 1;
		if (p >= end) jfail(R->e, line, "incomplete format");
		value arg = V(V_UNDEF);
		int have = 0;
		if (*p == '(') {
			const char *q = memchr(p, ')', (size_t)(end - p));
			if (!q || !is_map) jfail(R->e, line, "format requires a mapping");
			value *x = dict_find(args.u.d, p + 1, (size_t)(q - p - 1));
			if (!x) jfail(R->e, line, "format: no key '%.*s'", (int)(q - p - 1), p + 1);
			arg = *x; have = 1;
			p = q + 1;
		}
		char flags[8]; int nf = 0;
		while (p < end && strchr("-+ #0", *p) && nf < 7) flags[nf++] = *p++;
		flags[nf] = 0;
		int width = -1, prec = -1;
		if (p < end && *p == '*') {
			if (ai >= t->n || t->v[ai].t != V_INT) jfail(R->e, line, "* wants int");
			width = (int)t->v[ai++].u.i; p++;
		} else if (p < end && isdigit((unsigned char)*p)) { width = 0; while (p < end && isdigit((unsigned char)*p) && width < 100000) width = width * 10 + (*p++ - '0'); }
		if (p < end && *p == '.') {
			p++;
			prec = 0;
			if (p < end && *p == '*') {
				if (ai >= t->n || t->v[ai].t != V_INT) jfail(R->e, line, "* wants int");
				prec = (int)t->v[ai++].u.i; p++;
			} else while (p < end && isdigit((unsigned char)*p) && prec < 100000) prec = prec * 10 + (*p++ - '0');
		}
		while (p < end && (*p == 'h' || *p == 'l' || *p == 'L')) p++;
		if (p >= end) jfail(R->e, line, "incomplete format");
		char conv = *p++;
		if (conv == '%') { jbuf_putc(&b, '%'); continue; }
		if (width > 10000 || prec > 10000) jfail(R->e, line, "format: width or precision too large");
		if (!have) {
			if (is_map) arg = args;
			else { if (ai >= t->n) jfail(R->e, line, "not enough arguments for format string"); arg = t->v[ai++]; }
		}
		char spec[32];
		jbuf piece = {0};
		live_push(R, &piece);
		switch (conv) {
		case 's': case 'r': case 'a': {
			if (conv == 's') put_str(R, &piece, arg); else put_repr(R, &piece, arg);
			size_t n = piece.len;
			if (prec >= 0) n = cp_offset(piece.p ? piece.p : "", piece.len, (size_t)prec);
			value sv = str_pad(R, vstr(rdup(R, piece.p ? piece.p : "", n), n), width, ' ', strchr(flags, '-') ? '<' : '>');
			jbuf_put(&b, sv.u.s.p, sv.u.s.n);
			break;
		}
		case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': {
			int64_t x;
			if (arg.t == V_INT) x = arg.u.i;
			else if (arg.t == V_BOOL) x = arg.u.b;
			else if (arg.t == V_FLOAT && (conv == 'd' || conv == 'i' || conv == 'u') && isfinite(arg.u.f) && fabs(arg.u.f) < 9.2e18) x = (int64_t)arg.u.f;
			else jfail(R->e, line, "%%%c format: a real number is required, not %s", conv, tname(arg.t));
			char c2 = conv == 'i' || conv == 'u' ? 'd' : conv;
			snprintf(spec, sizeof spec, "%%%s%s%s%sll%c", flags, width >= 0 ? "*" : "", prec >= 0 ? "." : "", prec >= 0 ? "*" : "", c2);
			if (strchr(flags, '#') && conv == 'o') jfail(R->e, line, "unsupported: %%#o (Python writes 0o)");
			if (width >= 0 && prec >= 0) jbuf_printf(&b, spec, width, prec, (long long)x);
			else if (width >= 0) jbuf_printf(&b, spec, width, (long long)x);
			else if (prec >= 0) jbuf_printf(&b, spec, prec, (long long)x);
			else jbuf_printf(&b, spec, (long long)x);
			break;
		}
		case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': {
			if (!isnum(arg)) jfail(R->e, line, "%%%c format: a real number is required, not %s", conv, tname(arg.t));
			snprintf(spec, sizeof spec, "%%%s%s%s%s%c", flags, width >= 0 ? "*" : "", prec >= 0 ? "." : "", prec >= 0 ? "*" : "", conv);
			double x = numval(arg);
			if (width >= 0 && prec >= 0) jbuf_printf(&b, spec, width, prec, x);
			else if (width >= 0) jbuf_printf(&b, spec, width, x);
			else if (prec >= 0) jbuf_printf(&b, spec, prec, x);
			else jbuf_printf(&b, spec, x);
			break;
		}
		case 'c': {
			if (arg.t == V_STR && cp_count(arg.u.s.p, arg.u.s.n) == 1) jbuf_put(&b, arg.u.s.p, arg.u.s.n);
			else if (arg.t == V_INT && arg.u.i >= 0 && arg.u.i <= 0x10FFFF && !(arg.u.i >= 0xD800 && arg.u.i < 0xE000)) { char u[4]; jbuf_put(&b, u, (size_t)utf8_encode((uint32_t)arg.u.i, u)); }
			else jfail(R->e, line, "%%c requires an int or a single character");
			break;
		}
		default: jfail(R->e, line, "unsupported format character '%c'", conv);
		}
		live_pop(R, &piece);
	}
	if (!is_map && ai < t->n) jfail(R->e, line, "not all arguments converted during string formatting");
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	live_pop(R, &b);
	return r;
}

/* str.format: {} {0} {name} with !s / !r; a format spec is refused by name */
static value brace_format(rt *R, int line, value fmt, const args *a)
{
	jbuf b = {0};
	live_push(R, &b);
	const char *p = fmt.u.s.p, *end = p + fmt.u.s.n;
	int autoi = 0, manual = 0;
	while (p < end) {
		char c = *p;
		if (c == '}') {
			if (p + 1 < end && p[1] == '}') { jbuf_putc(&b, '}'); p += 2; continue; }
			jfail(R->e, line, "Single '}' encountered in format string");
		}
		if (c != '{') { jbuf_putc(&b, c); p++; continue; }
		if (p + 1 < end && p[1] == '{') { jbuf_putc(&b, '{'); p += 2; continue; }
		const char *q = p + 1;
		while (q < end && *q != '}' && *q != '!' && *q != ':') q++;
		const char *fe = q;
		char conv = 's';
		if (q < end && *q == '!') { if (q + 1 >= end) jfail(R->e, line, "end of string while looking for conversion specifier"); conv = q[1]; q += 2; }
		if (q < end && *q == ':') {
			if (q + 1 < end && q[1] != '}') jfail(R->e, line, "unsupported: format specs in str.format ('%.*s')", (int)(end - p > 20 ? 20 : end - p), p);
			q++;
		}
		if (q >= end || *q != '}') jfail(R->e, line, "expected '}' before end of string");
		value arg;
		const char *fs = p + 1;
		if (fe == fs) {
			if (manual) jfail(R->e, line, "cannot switch from manual field specification to automatic field numbering");
			if (autoi >= a->n) jfail(R->e, line, "Replacement index %d out of range for positional args tuple", autoi);
			arg = a->v[autoi++];
		} else {
			int digits = 1;
			for (const char *x = fs; x < fe; x++) digits &= isdigit((unsigned char)*x) != 0;
			if (digits) {
				if (autoi) jfail(R->e, line, "cannot switch from automatic field numbering to manual field specification");
				manual = 1;
				long k = fe - fs > 6 ? 1000000 : strtol(fs, NULL, 10);
				if (k >= a->n) jfail(R->e, line, "Replacement index %ld out of range for positional args tuple", k);
				arg = a->v[k];
			} else {
				int found = 0;
				for (const char *x = fs; x < fe; x++) if (*x == '.' || *x == '[') jfail(R->e, line, "unsupported: attribute or index in a str.format field");
				if (a->nk)
					for (int i = 0; i < a->nk; i++)
						if (a->kl[i] == (size_t)(fe - fs) && !memcmp(a->kn[i], fs, (size_t)(fe - fs))) { arg = a->kw[i]; found = 1; }
				if (!found) jfail(R->e, line, "KeyError: '%.*s'", (int)(fe - fs), fs);
			}
		}
		if (conv == 's') put_str(R, &b, arg);
		else if (conv == 'r' || conv == 'a') put_repr(R, &b, arg);
		else jfail(R->e, line, "Unknown conversion specifier %c", conv);
		p = q + 1;
	}
	value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
	live_pop(R, &b);
	return r;
}

static value eval(rt *R, const node *n);
static void exec_body(rt *R, const nlist *body, frame *f);



static value kwarg(const args *a, const char *name, int pos, value dflt)
{
	if (a->nk)
		for (int i = 0; i < a->nk; i++)
			if (a->kl[i] == strlen(name) && !memcmp(a->kn[i], name, a->kl[i])) return a->kw[i];
	if (pos >= 0 && pos < a->n) return a->v[pos];
	return dflt;
}

static void need_str(rt *R, int line, value v, const char *what)
{
	if (v.t != V_STR) jfail(R->e, line, "%s needs a string, not a %s", what, tname(v.t));
}

static value call_macro(rt *R, const node *m, frame *up, const args *a, int line, const value *caller);
static int run_test(rt *R, int line, const char *t, size_t tl, value v, const value *targs, int nt);
static value call_method(rt *R, int line, value o, const char *m, size_t ml, const args *a);
static value arith(rt *R, const node *n, value a, value b);

static value apply_filter(rt *R, const node *n, value v, const args *a)
{
	const char *f = n->name;
	size_t fl = n->nlen;
	int line = n->line;
#define IS(s) (fl == sizeof(s) - 1 && !memcmp(f, s, fl))
	if (IS("length") || IS("count")) {
		if (v.t == V_STR) {
			int64_t c = 0;
			for (size_t i = 0; i < v.u.s.n; i++) c += ((unsigned char)v.u.s.p[i] & 0xC0) != 0x80;
			return vint(c);
		}
		if (v.t == V_LIST) return vint((int64_t)v.u.l->n);
		if (v.t == V_DICT || v.t == V_NS) return vint((int64_t)v.u.d->n);
		if (v.t == V_UNDEF) return vint(0);
		jfail(R->e, line, "length of a %s", tname(v.t));
	}
	if (IS("trim")) {
		value s = tostr(R, v);
		value ch = kwarg(a, "chars", 0, V(V_NONE));
		return strip(R, s, 1, 1, ch.t == V_STR ? &ch : NULL);
	}
	if (IS("upper")) return case_conv(R, tostr(R, v), 'u');
	if (IS("lower")) return case_conv(R, tostr(R, v), 'l');
	if (IS("capitalize")) return case_conv(R, tostr(R, v), 'c');
	if (IS("title")) return case_conv(R, tostr(R, v), 'T');
	if (IS("tojson")) {
		/* transformers' filter: tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False) */
		value asc = kwarg(a, "ensure_ascii", 0, vbool(0));
		value ind = kwarg(a, "indent", 1, V(V_NONE));
		value sep = kwarg(a, "separators", 2, V(V_NONE));
		value sk = kwarg(a, "sort_keys", 3, vbool(0));
		jsonopt o = { NULL, 0, ", ", ": ", truthy(asc), truthy(sk) };
		if (ind.t == V_INT || ind.t == V_BOOL) {
			/* json.dumps: an int indent is that many spaces (none when < 1, but still newlines) */
			int64_t k = ind.t == V_INT ? ind.u.i : ind.u.b;
			if (k > 64) jfail(R->e, line, "tojson: indent of more than 64");
			char *sp = arena_alloc(R->ar, (size_t)(k > 0 ? k : 0) + 1);
			memset(sp, ' ', (size_t)(k > 0 ? k : 0));
			o.indent = sp; o.indent_n = (size_t)(k > 0 ? k : 0);
		} else if (ind.t == V_STR) { o.indent = ind.u.s.p; o.indent_n = ind.u.s.n; }
		else if (ind.t != V_NONE) jfail(R->e, line, "tojson: indent must be an int or a string, not a %s", tname(ind.t));
		if (o.indent) o.isep = ",";
		if (sep.t == V_LIST && sep.u.l->n == 2 && sep.u.l->v[0].t == V_STR && sep.u.l->v[1].t == V_STR) {
			o.isep = rdup(R, sep.u.l->v[0].u.s.p, sep.u.l->v[0].u.s.n);
			o.ksep = rdup(R, sep.u.l->v[1].u.s.p, sep.u.l->v[1].u.s.n);
		} else if (sep.t != V_NONE) jfail(R->e, line, "tojson: separators must be a pair of strings");
		jbuf b = {0};
		live_push(R, &b);
		put_json(R, &b, v, &o, 0);
		value s = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
		live_pop(R, &b);
		return s;
	}
	if (IS("items")) {
		if (v.t == V_UNDEF) return vlistv(list_new(R, 1));
		if (v.t != V_DICT && v.t != V_NS) jfail(R->e, line, "items of a %s", tname(v.t));
		vlist *l = list_new(R, v.u.d->n);
		for (size_t i = 0; i < v.u.d->n; i++) {
			vlist *p = list_new(R, 2);
			p->tuple = 1;
			list_push(R, p, vstr(v.u.d->k[i].p, v.u.d->k[i].n));
			list_push(R, p, v.u.d->v[i]);
			list_push(R, l, vlistv(p));
		}
		return vlistv(l);
	}
	if (IS("dictsort")) {
		/* dictsort(value, case_sensitive=False, by='key', reverse=False) */
		if (v.t != V_DICT) jfail(R->e, line, "dictsort of a %s", tname(v.t));
		int cs = truthy(kwarg(a, "case_sensitive", 0, vbool(0)));
		value by = kwarg(a, "by", 1, vstr("key", 3));
		int rev = truthy(kwarg(a, "reverse", 2, vbool(0)));
		int pos = by.t == V_STR && by.u.s.n == 5 && !memcmp(by.u.s.p, "value", 5);
		vlist *l = list_new(R, v.u.d->n);
		for (size_t i = 0; i < v.u.d->n; i++) {
			vlist *p = list_new(R, 2);
			p->tuple = 1;
			list_push(R, p, vstr(v.u.d->k[i].p, v.u.d->k[i].n));
			list_push(R, p, v.u.d->v[i]);
			list_push(R, l, vlistv(p));
		}
		value *keys = arena_alloc(R->ar, (l->n + 1) * sizeof *keys);
		for (size_t i = 0; i < l->n; i++) keys[i] = sort_key(R, l->v[i].u.l->v[pos], cs);
		sort_values(R, line, l->v, keys, l->n, rev);
		return vlistv(l);
	}
	if (IS("default") || IS("d")) {
		value dv = kwarg(a, "default_value", 0, vstr("", 0));
		value bo = kwarg(a, "boolean", 1, vbool(0));
		if (v.t == V_UNDEF || (truthy(bo) && !truthy(v))) return dv;
		return v;
	}
	if (IS("join")) {
		vlist *l = to_items(R, line, v, "join");
		value sep = kwarg(a, "d", 0, vstr("", 0));
		value attr = kwarg(a, "attribute", 1, V(V_NONE));
		jbuf b = {0};
		live_push(R, &b);
		for (size_t i = 0; i < l->n; i++) {
			if (i) put_str(R, &b, sep);
			value x = l->v[i];
			if (attr.t != V_NONE) x = attr_path(R, line, x, attr);
			put_str(R, &b, x);
		}
		value s = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
		live_pop(R, &b);
		return s;
	}
	if (IS("first") || IS("last")) {
		if (v.t == V_UNDEF && IS("first")) return V(V_UNDEF);
		vlist *l = to_items(R, line, v, IS("first") ? "first" : "last");
		if (!l->n) return V(V_UNDEF);
		return l->v[IS("first") ? 0 : l->n - 1];
	}
	if (IS("replace")) {
		value s = tostr(R, v), old = kwarg(a, "old", 0, V(V_UNDEF)), nw = kwarg(a, "new", 1, V(V_UNDEF));
		value cnt = kwarg(a, "count", 2, V(V_NONE));
		need_str(R, line, old, "replace");
		need_str(R, line, nw, "replace");
		return str_replace(R, s, old, nw, cnt.t == V_INT ? cnt.u.i : -1);
	}
	if (IS("string") || IS("safe") || IS("e") || IS("escape") || IS("forceescape")) {
		if (!IS("string") && !IS("safe")) {
			value s = tostr(R, v);
			jbuf b = {0};
			for (size_t i = 0; i < s.u.s.n; i++) {
				char c = s.u.s.p[i];
				if (c == '<') jbuf_puts(&b, "&lt;"); else if (c == '>') jbuf_puts(&b, "&gt;"); else if (c == '&') jbuf_puts(&b, "&amp;");
				else if (c == '"') jbuf_puts(&b, "&#34;"); else if (c == '\'') jbuf_puts(&b, "&#39;"); else jbuf_putc(&b, c);
			}
			value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
			jbuf_free(&b);
			return r;
		}
		return tostr(R, v);
	}
	if (IS("int")) {
		/* int(value), else int(float(value)), else the default */
		value dflt = kwarg(a, "default", 0, vint(0));
		value base = kwarg(a, "base", 1, vint(10));
		if (v.t == V_INT || v.t == V_BIG) return v;
		if (v.t == V_BOOL) return vint(v.u.b);
		if (v.t == V_FLOAT) {
			if (!isfinite(v.u.f)) return dflt;
			if (fabs(v.u.f) >= 9.2e18) jfail(R->e, line, "unsupported: an integer beyond 64 bits");
			return vint((int64_t)v.u.f);
		}
		if (v.t == V_STR) {
			int64_t x;
			if (py_int(v.u.s.p, v.u.s.n, base.t == V_INT ? (int)base.u.i : 10, &x)) return vint(x);
			double d;
			if (py_float(v.u.s.p, v.u.s.n, &d)) {
				if (!isfinite(d)) return dflt;
				if (fabs(d) >= 9.2e18) jfail(R->e, line, "unsupported: an integer beyond 64 bits");
				return vint((int64_t)d);
			}
		}
		return dflt;
	}
	if (IS("float")) {
		value r = V(V_FLOAT);
		if (v.t == V_FLOAT) return v;
		if (v.t == V_INT || v.t == V_BOOL) { r.u.f = numval(v); return r; }
		if (v.t == V_BIG) { r.u.f = strtod(rdup(R, v.u.s.p, v.u.s.n), NULL); return r; }
		if (v.t == V_STR && py_float(v.u.s.p, v.u.s.n, &r.u.f)) return r;
		return kwarg(a, "default", 0, r);   /* r is 0.0 here */
	}
	if (IS("abs")) {
		if (v.t == V_INT) { if (v.u.i == INT64_MIN) jfail(R->e, line, "unsupported: an integer beyond 64 bits"); return vint(v.u.i < 0 ? -v.u.i : v.u.i); }
		if (v.t == V_BOOL) return vint(v.u.b);
		if (v.t == V_FLOAT) { value r = v; r.u.f = fabs(v.u.f); return r; }
		jfail(R->e, line, "bad operand type for abs(): '%s'", tname(v.t));
	}
	if (IS("round")) {
		/* round(value, precision=0, method='common'): Python's round (half to even, on the exact binary value) */
		value prec = kwarg(a, "precision", 0, vint(0));
		value meth = kwarg(a, "method", 1, vstr("common", 6));
		if (prec.t != V_INT || prec.u.i < -30 || prec.u.i > 30) jfail(R->e, line, "round: precision must be a small integer");
		if (!isnum(v)) jfail(R->e, line, "round of a %s", tname(v.t));
		int common = meth.t == V_STR && meth.u.s.n == 6 && !memcmp(meth.u.s.p, "common", 6);
		int floor_ = meth.t == V_STR && meth.u.s.n == 5 && !memcmp(meth.u.s.p, "floor", 5);
		int ceil_ = meth.t == V_STR && meth.u.s.n == 4 && !memcmp(meth.u.s.p, "ceil", 4);
		if (!common && !floor_ && !ceil_) jfail(R->e, line, "round: method must be 'common', 'ceil' or 'floor'");
		double x = numval(v);
		value r = V(V_FLOAT);
		if (common) {
			if (v.t != V_FLOAT && prec.u.i >= 0) return v.t == V_BOOL ? vint(v.u.b) : v;
			if (prec.u.i < 0 || !isfinite(x)) {
				double m = pow(10, (double)-prec.u.i);
				double q = x / m, fq = floor(q);
				double rq = q - fq > 0.5 ? fq + 1 : q - fq < 0.5 ? fq : (fmod(fq, 2) == 0 ? fq : fq + 1);
				r.u.f = isfinite(x) ? rq * m : x;
				if (v.t != V_FLOAT) return vint((int64_t)r.u.f);
				return r;
			}
			char buf[400];
			snprintf(buf, sizeof buf, "%.*f", (int)prec.u.i, x);
			r.u.f = strtod(buf, NULL);
			return r;
		}
		double m = pow(10, (double)prec.u.i);
		r.u.f = (floor_ ? floor(x * m) : ceil(x * m)) / m;
		return r;
	}
	if (IS("list")) {
		vlist *l = to_items(R, line, v, "list");
		vlist *c = list_new(R, l->n);
		for (size_t i = 0; i < l->n; i++) list_push(R, c, l->v[i]);
		return vlistv(c);
	}
	if (IS("reverse")) {
		if (v.t == V_STR) {
			char *o = arena_alloc(R->ar, v.u.s.n + 1);
			size_t w = v.u.s.n;
			for (size_t i = 0; i < v.u.s.n;) { uint32_t cp; size_t k = (size_t)utf8_decode(v.u.s.p + i, v.u.s.n - i, &cp); w -= k; memcpy(o + w, v.u.s.p + i, k); i += k; }
			return vstr(o, v.u.s.n);
		}
		vlist *l = to_items(R, line, v, "reverse");
		vlist *c = list_new(R, l->n);
		for (size_t i = l->n; i > 0; i--) list_push(R, c, l->v[i - 1]);
		return vlistv(c);
	}
	if (IS("sort") || IS("unique") || IS("min") || IS("max")) {
		/* sort(reverse=False, case_sensitive=False, attribute=None); unique/min/max(case_sensitive=False, attribute=None) */
		vlist *src = to_items(R, line, v, IS("sort") ? "sort" : IS("unique") ? "unique" : IS("min") ? "min" : "max");
		int s = IS("sort");
		int rev = s ? truthy(kwarg(a, "reverse", 0, vbool(0))) : 0;
		int cs = truthy(kwarg(a, "case_sensitive", s ? 1 : 0, vbool(0)));
		value attr = kwarg(a, "attribute", s ? 2 : 1, V(V_NONE));
		vlist *l = list_new(R, src->n);
		value *keys = arena_alloc(R->ar, (src->n + 1) * sizeof *keys);
		for (size_t i = 0; i < src->n; i++) {
			value x = src->v[i];
			value k = sort_key(R, attr.t != V_NONE ? attr_path(R, line, x, attr) : x, cs);
			if (IS("unique")) { int dup = 0; for (size_t j = 0; j < l->n && !dup; j++) dup = vequal(keys[j], k); if (dup) continue; }
			keys[l->n] = k;
			list_push(R, l, x);
		}
		if (IS("unique")) return vlistv(l);
		if (s) { sort_values(R, line, l->v, keys, l->n, rev); return vlistv(l); }
		if (!l->n) return V(V_UNDEF);
		size_t best = 0;
		for (size_t i = 1; i < l->n; i++) {
			int c = vcompare(R, line, keys[i], keys[best]);
			if (IS("min") ? c < 0 : c > 0) best = i;
		}
		return l->v[best];
	}
	if (IS("sum")) {
		/* sum(iterable, attribute=None, start=0) */
		vlist *l = to_items(R, line, v, "sum");
		value attr = kwarg(a, "attribute", 0, V(V_NONE));
		value acc = kwarg(a, "start", 1, vint(0));
		node plus = *n;
		plus.op = '+';
		for (size_t i = 0; i < l->n; i++) acc = arith(R, &plus, acc, attr.t != V_NONE ? attr_path(R, line, l->v[i], attr) : l->v[i]);
		return acc;
	}
	if (IS("batch")) {
		/* batch(value, linecount, fill_with=None) */
		vlist *l = to_items(R, line, v, "batch");
		value cnt = kwarg(a, "linecount", 0, V(V_UNDEF));
		value fill = kwarg(a, "fill_with", 1, V(V_NONE));
		if (cnt.t != V_INT || cnt.u.i < 1) jfail(R->e, line, "batch needs a positive line count");
		vlist *out = list_new(R, 4), *cur = NULL;
		for (size_t i = 0; i < l->n; i++) {
			if (!cur || cur->n == (size_t)cnt.u.i) { cur = list_new(R, (size_t)(cnt.u.i < 64 ? cnt.u.i : 64)); list_push(R, out, vlistv(cur)); }
			list_push(R, cur, l->v[i]);
		}
		if (cur && fill.t != V_NONE) while (cur->n < (size_t)cnt.u.i) list_push(R, cur, fill);
		return vlistv(out);
	}
	if (IS("map") || IS("select") || IS("reject") || IS("selectattr") || IS("rejectattr")) {
		vlist *src = to_items(R, line, v, "map");
		vlist *l = list_new(R, src->n);
		value attr = kwarg(a, "attribute", -1, V(V_NONE));
		for (size_t i = 0; i < src->n; i++) {
			value x = src->v[i];
			if (IS("map")) {
				if (attr.t != V_NONE) {
					value y = attr_path(R, line, x, attr);
					list_push(R, l, y.t == V_UNDEF ? kwarg(a, "default", -1, V(V_UNDEF)) : y);
				} else if (a->n >= 1 && a->v[0].t == V_STR) {
					node fn = *n;
					fn.name = a->v[0].u.s.p; fn.nlen = a->v[0].u.s.n;
					args sub = { a->v + 1, a->n - 1, a->nk, a->kn, a->kl, a->kw };
					list_push(R, l, apply_filter(R, &fn, x, &sub));
				} else jfail(R->e, line, "map needs a filter name or attribute=");
				continue;
			}
			value subject = x;
			int argi = 0;
			if (IS("selectattr") || IS("rejectattr")) {
				if (a->n < 1 || a->v[0].t != V_STR) jfail(R->e, line, "%.*s needs an attribute name", (int)fl, f);
				subject = attr_path(R, line, x, a->v[0]);
				argi = 1;
			}
			int keep;
			if (a->n > argi) {
				if (a->v[argi].t != V_STR) jfail(R->e, line, "%.*s: a test name expected", (int)fl, f);
				keep = run_test(R, line, a->v[argi].u.s.p, a->v[argi].u.s.n, subject, a->v + argi + 1, a->n - argi - 1);
			} else keep = truthy(subject);
			if (IS("reject") || IS("rejectattr")) keep = !keep;
			if (keep) list_push(R, l, x);
		}
		return vlistv(l);
	}
	if (IS("format")) {
		value s = tostr(R, v);
		if (a->nk) {
			if (a->n) jfail(R->e, line, "format: positional and keyword arguments cannot be mixed");
			value d = V(V_DICT);
			d.u.d = dict_new(R);
			for (int i = 0; i < a->nk; i++) dict_set(R, d.u.d, a->kn[i], a->kl[i], a->kw[i]);
			return percent_format(R, line, s, d);
		}
		vlist *t = list_new(R, (size_t)a->n + 1);
		t->tuple = 1;
		for (int i = 0; i < a->n; i++) list_push(R, t, a->v[i]);
		return percent_format(R, line, s, vlistv(t));
	}
	if (IS("center")) {
		value w = kwarg(a, "width", 0, vint(80));
		if (w.t != V_INT) jfail(R->e, line, "center: the width must be an integer");
		return str_pad(R, tostr(R, v), w.u.i, ' ', '^');
	}
	if (IS("truncate")) {
		/* truncate(s, length=255, killwords=False, end='...', leeway=5) */
		value s = tostr(R, v);
		value len = kwarg(a, "length", 0, vint(255)), kill = kwarg(a, "killwords", 1, vbool(0));
		value end = kwarg(a, "end", 2, vstr("...", 3)), lee = kwarg(a, "leeway", 3, vint(5));
		if (len.t != V_INT || lee.t != V_INT || end.t != V_STR) jfail(R->e, line, "truncate: bad arguments");
		int64_t cps = (int64_t)cp_count(end.u.s.p, end.u.s.n);
		if (len.u.i < cps) jfail(R->e, line, "expected length >= %lld, got %lld", (long long)cps, (long long)len.u.i);
		if (lee.u.i < 0) jfail(R->e, line, "expected leeway >= 0, got %lld", (long long)lee.u.i);
		if ((int64_t)cp_count(s.u.s.p, s.u.s.n) <= len.u.i + lee.u.i) return s;
		size_t cut = cp_offset(s.u.s.p, s.u.s.n, (size_t)(len.u.i - cps));
		if (!truthy(kill)) {
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
	if (IS("attr")) {
		/* an attribute, never an item: only a namespace has them here */
		value name = kwarg(a, "name", 0, V(V_UNDEF));
		if (v.t == V_UNDEF) jfail(R->e, line, "attr of an undefined value");
		if (v.t == V_NS && name.t == V_STR) { value *x = dict_find(v.u.d, name.u.s.p, name.u.s.n); if (x) return *x; }
		return V(V_UNDEF);
	}
	if (IS("indent")) {
		/* indent(s, width=4, first=False, blank=False): lines as str.splitlines() cuts them, joined with \n */
		value s = tostr(R, v);
		value w = kwarg(a, "width", 0, vint(4)), first = kwarg(a, "first", 1, vbool(0)), blank = kwarg(a, "blank", 2, vbool(0));
		jbuf pad = {0}, b = {0};
		live_push(R, &pad);
		live_push(R, &b);
		if (w.t == V_STR) jbuf_put(&pad, w.u.s.p, w.u.s.n);
		else if (w.t == V_INT) { if (w.u.i > 1024) jfail(R->e, line, "indent: width of more than 1024"); for (int64_t i = 0; i < w.u.i; i++) jbuf_putc(&pad, ' '); }
		else jfail(R->e, line, "indent: the width must be an integer or a string");
		/* s += "\n" then splitlines: the same lines as splitlines(s), plus an empty last one when s ends a line */
		char *t = arena_alloc(R->ar, s.u.s.n + 2);
		memcpy(t, s.u.s.p, s.u.s.n);
		t[s.u.s.n] = '\n';
		vlist *lines = splitlines(R, vstr(t, s.u.s.n + 1), 0);
		if (truthy(first)) jbuf_put(&b, pad.p, pad.len);
		for (size_t i = 0; i < lines->n; i++) {
			value x = lines->v[i];
			if (i) {
				jbuf_putc(&b, '\n');
				if (truthy(blank) || x.u.s.n) jbuf_put(&b, pad.p, pad.len);
			}
			jbuf_put(&b, x.u.s.p, x.u.s.n);
		}
		value r = vstr(rdup(R, b.p ? b.p : "", b.len), b.len);
		live_pop(R, &b);
		live_pop(R, &pad);
		return r;
	}
	if (IS("wordcount")) {
		value s = tostr(R, v);
		int64_t c = 0; int in = 0;
		for (size_t i = 0; i < s.u.s.n; i++) { int w = isalnum((unsigned char)s.u.s.p[i]) || (unsigned char)s.u.s.p[i] >= 0x80 || s.u.s.p[i] == '_'; if (w && !in) c++; in = w; }
		return vint(c);
	}
#undef IS
	/* one jinja2 has (found by name, as map('x') does) or one it fails on too */
	if (in_words(missing_filters, f, fl)) jfail(R->e, line, "unsupported: the filter '%.*s'", (int)fl, f);
	jfail(R->e, line, "No filter named '%.*s' found.", (int)fl, f);
}

static int run_test(rt *R, int line, const char *t, size_t tl, value v, const value *targs, int nt)
{
#define IS(s) (tl == sizeof(s) - 1 && !memcmp(t, s, tl))
	/* jinja2's tests, with Python's types: bool is a number, not an integer */
	if (IS("defined")) return v.t != V_UNDEF;
	if (IS("undefined")) return v.t == V_UNDEF;
	if (IS("none")) return v.t == V_NONE;
	if (IS("string")) return v.t == V_STR;
	if (IS("number")) return v.t == V_INT || v.t == V_FLOAT || v.t == V_BOOL || v.t == V_BIG;
	if (IS("integer")) return v.t == V_INT || v.t == V_BIG;
	if (IS("float")) return v.t == V_FLOAT;
	if (IS("boolean")) return v.t == V_BOOL;
	if (IS("true")) return v.t == V_BOOL && v.u.b;
	if (IS("false")) return v.t == V_BOOL && !v.u.b;
	if (IS("mapping")) return v.t == V_DICT;
	if (IS("iterable")) return v.t == V_LIST || v.t == V_STR || v.t == V_DICT || v.t == V_UNDEF;
	if (IS("sequence")) return v.t == V_LIST || v.t == V_STR || v.t == V_DICT;
	if (IS("callable")) return v.t == V_FUNC || v.t == V_MACRO || v.t == V_CALLER;
	if (IS("lower") || IS("upper")) {
		value s = tostr(R, v);
		args none = { NULL, 0, 0, NULL, NULL, NULL };
		return truthy(call_method(R, line, s, IS("lower") ? "islower" : "isupper", 7, &none));
	}
	if (IS("even") || IS("odd")) {
		if (v.t == V_INT || v.t == V_BOOL) { int64_t x = v.t == V_INT ? v.u.i : v.u.b; return (x % 2 == 0) == IS("even"); }
		if (v.t == V_FLOAT) { double m = fmod(v.u.f, 2); if (m < 0) m += 2; return IS("even") ? m == 0 : m == 1; }
		jfail(R->e, line, "test %.*s of a %s", (int)tl, t, tname(v.t));
	}
	int cmp = IS("eq") || IS("equalto") || IS("==") || IS("ne") || IS("!=") || IS("lt") || IS("lessthan") || IS("<") ||
		  IS("le") || IS("<=") || IS("gt") || IS("greaterthan") || IS(">") || IS("ge") || IS(">=");
	if (nt < 1 && (cmp || IS("divisibleby") || IS("in") || IS("sameas")))
		jfail(R->e, line, "test %.*s needs an argument", (int)tl, t);
	if (IS("divisibleby")) {
		if ((v.t != V_INT && v.t != V_BOOL) || (targs[0].t != V_INT && targs[0].t != V_BOOL)) jfail(R->e, line, "unsupported: divisibleby on a %s", tname(v.t));
		int64_t x = v.t == V_INT ? v.u.i : v.u.b, y = targs[0].t == V_INT ? targs[0].u.i : targs[0].u.b;
		if (!y) jfail(R->e, line, "integer division or modulo by zero");
		return y == -1 || x % y == 0;
	}
	if (IS("eq") || IS("equalto") || IS("==")) return vequal(v, targs[0]);
	if (IS("sameas")) {
		/* identity: the same container, or equal singletons and small scalars */
		if (v.t != targs[0].t) return 0;
		if (v.t == V_LIST) return v.u.l == targs[0].u.l;
		if (v.t == V_DICT || v.t == V_NS) return v.u.d == targs[0].u.d;
		if (v.t == V_NONE || v.t == V_BOOL || v.t == V_UNDEF) return vequal(v, targs[0]);
		jfail(R->e, line, "unsupported: sameas on a %s (object identity)", tname(v.t));
	}
	if (IS("ne") || IS("!=")) return !vequal(v, targs[0]);
	if (IS("lt") || IS("lessthan") || IS("<")) return vcompare(R, line, v, targs[0]) < 0;
	if (IS("le") || IS("<=")) return vcompare(R, line, v, targs[0]) <= 0;
	if (IS("gt") || IS("greaterthan") || IS(">")) return vcompare(R, line, v, targs[0]) > 0;
	if (IS("ge") || IS(">=")) return vcompare(R, line, v, targs[0]) >= 0;
	if (IS("in")) return contains(R, line, targs[0], v);
#undef IS
	if (in_words(missing_tests, t, tl)) jfail(R->e, line, "unsupported: the test '%.*s'", (int)tl, t);
	jfail(R->e, line, "No test named '%.*s' found.", (int)tl, t);
}

static void eval_args(rt *R, const node *n, args *a)
{
	/* f(x, *xs, k=v, **kw): jinja2's dyn_args and dyn_kwargs spread after the others */
	value star = n->dyn_args ? eval(R, n->dyn_args) : V(V_UNDEF), stars = n->dyn_kwargs ? eval(R, n->dyn_kwargs) : V(V_UNDEF);
	if (n->dyn_args && star.t != V_LIST) jfail(R->e, n->line, "argument after * must be an iterable, not %s", tname(star.t));
	if (n->dyn_kwargs && stars.t != V_DICT) jfail(R->e, n->line, "argument after ** must be a mapping, not %s", tname(stars.t));
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
		for (int j = 0; j < k; j++)
			if (a->kl[j] == stars.u.d->k[i].n && !memcmp(a->kn[j], stars.u.d->k[i].p, a->kl[j]))
				jfail(R->e, n->line, "got multiple values for keyword argument '%.*s'", (int)a->kl[j], a->kn[j]);
		a->kw[k] = stars.u.d->v[i]; a->kn[k] = stars.u.d->k[i].p; a->kl[k] = stars.u.d->k[i].n;
	}
}

/* obj.name as jinja2 resolves it: the attribute (a method, a namespace's
 * member), else the item, else undefined; only an undefined object raises. */
static value getattr_v(rt *R, int line, value o, const char *k, size_t n, int methods)
{
	if (o.t == V_UNDEF) jfail(R->e, line, "'%.*s' of an undefined value", (int)n, k);
	if ((o.t == V_STR && (methods & 1)) || (o.t == V_DICT && (methods & 2)) || (o.t == V_LIST && !o.u.l->tuple && (methods & 4))) {
		value f = V(V_FUNC);
		f.u.fn = F_BOUND;
		return f;
	}
	if (o.t == V_DICT || o.t == V_NS) { value *x = dict_find(o.u.d, k, n); return x ? *x : V(V_UNDEF); }
	return V(V_UNDEF);
}

static value getitem(rt *R, int line, value o, value k)
{
	if (o.t == V_LIST || o.t == V_STR) {
		if (k.t != V_INT) { if (o.t == V_LIST) jfail(R->e, line, "list indices must be integers, not %s", tname(k.t)); return V(V_UNDEF); }
		if (o.t == V_LIST) {
			if (o.u.l->view && o.u.l->view != 4) return V(V_UNDEF);   /* dict views are not subscriptable */
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
			if (c == want) { uint32_t cp; int l = utf8_decode(o.u.s.p + i, o.u.s.n - i, &cp); return vstr(o.u.s.p + i, (size_t)l); }
		}
		return V(V_UNDEF);
	}
	if (o.t == V_DICT || o.t == V_NS) {
		if (k.t != V_STR) return V(V_UNDEF);
		value *x = dict_find(o.u.d, k.u.s.p, k.u.s.n);
		return x ? *x : V(V_UNDEF);
	}
	if (o.t == V_UNDEF) jfail(R->e, line, "an item of an undefined value");
	return V(V_UNDEF);   /* jinja2: a failed lookup is undefined, not an error */
}

static value slice(rt *R, int line, value o, value lo, value hi, value st)
{
	int64_t step = st.t == V_INT ? st.u.i : 1;
	if (step == 0) jfail(R->e, line, "slice step cannot be zero");
	/* items: list elements or string characters */
	size_t n = 0;
	size_t *starts = NULL;
	if (o.t == V_LIST) n = o.u.l->n;
	else if (o.t == V_STR) {
		starts = arena_alloc(R->ar, (o.u.s.n + 1) * sizeof *starts);
		for (size_t i = 0; i < o.u.s.n; i++) if (((unsigned char)o.u.s.p[i] & 0xC0) != 0x80) starts[n++] = i;
		starts[n] = o.u.s.n;
	} else jfail(R->e, line, "a %s cannot be sliced", tname(o.t));
	int64_t len = (int64_t)n, a, b;
	if (step > 0) {
		a = lo.t == V_INT ? lo.u.i : 0;
		b = hi.t == V_INT ? hi.u.i : len;
		if (a < 0) a += len;
		if (b < 0) b += len;
		if (a < 0) a = 0;
		if (a > len) a = len;
		if (b < 0) b = 0;
		if (b > len) b = len;
	} else {
		/* Python: a defaults to the end, b to before the start */
		a = lo.t == V_INT ? lo.u.i : len - 1;
		if (a < 0) a += len;
		if (a < -1) a = -1;
		if (a >= len) a = len - 1;
		if (hi.t == V_INT) {
			b = hi.u.i;
			if (b < 0) b += len;
			if (b < -1) b = -1;
			if (b >= len) b = len - 1;
		} else b = -1;
	}
	if (o.t == V_LIST) {
		if (o.u.l->view && o.u.l->view != 4) jfail(R->e, line, "a dict view is not subscriptable");
		vlist *l = list_new(R, 8);
		l->tuple = o.u.l->tuple;
		for (int64_t i = a; step > 0 ? i < b : i > b; i += step) list_push(R, l, o.u.l->v[i]);
		return vlistv(l);
	}
	jbuf bb = {0};
	for (int64_t i = a; step > 0 ? i < b : i > b; i += step) jbuf_put(&bb, o.u.s.p + starts[i], starts[i + 1] - starts[i]);
	value r = vstr(rdup(R, bb.p ? bb.p : "", bb.len), bb.len);
	jbuf_free(&bb);
	return r;
}

static value split(rt *R, value s, value sep, int64_t maxsplit, int right)
{
	vlist *l = list_new(R, 8);
	const char *p = s.u.s.p;
	size_t n = s.u.s.n;
	if (sep.t != V_STR) {
		/* whitespace runs; no empty strings */
		size_t i = 0;
		int64_t splits = 0;
		if (right) {
			/* rsplit without a separator: split from the right */
			vlist *tmp = list_new(R, 8);
			size_t e = n;
			while (e > 0) {
				while (e > 0 && ws_len(p + e - 1, 1) && (unsigned char)p[e - 1] < 0x80) e--;
				if (!e) break;
				size_t b = e;
				if (maxsplit >= 0 && splits >= maxsplit) { b = 0; list_push(R, tmp, vstr(p, e)); break; }
				while (b > 0 && !((unsigned char)p[b - 1] < 0x80 && ws_len(p + b - 1, 1))) b--;
				list_push(R, tmp, vstr(p + b, e - b));
				splits++;
				e = b;
			}
			for (size_t k = tmp->n; k > 0; k--) list_push(R, l, tmp->v[k - 1]);
			return vlistv(l);
		}
		while (i < n) {
			size_t w;
			while (i < n && (w = ws_len(p + i, n - i))) i += w;
			if (i >= n) break;
			if (maxsplit >= 0 && splits >= maxsplit) { size_t e = n; while (e > i && ws_len(p + e - 1, 1) && (unsigned char)p[e - 1] < 0x80) e--; list_push(R, l, vstr(p + i, e - i)); break; }
			size_t st = i;
			while (i < n && !ws_len(p + i, n - i)) { uint32_t cp; i += (size_t)utf8_decode(p + i, n - i, &cp); }
			list_push(R, l, vstr(p + st, i - st));
			splits++;
		}
		return vlistv(l);
	}
	const char *q = sep.u.s.p;
	size_t m = sep.u.s.n;
	if (!m) jfail(R->e, 0, "empty separator");
	if (right && maxsplit >= 0) {
		vlist *tmp = list_new(R, 8);
		size_t e = n;
		int64_t splits = 0;
		while (splits < maxsplit) {
			size_t k = e >= m ? e - m + 1 : 0, found = (size_t)-1;
			while (k > 0) { k--; if (!memcmp(p + k, q, m)) { found = k; break; } }
			if (found == (size_t)-1) break;
			list_push(R, tmp, vstr(p + found + m, e - found - m));
			e = found;
			splits++;
		}
		list_push(R, tmp, vstr(p, e));
		for (size_t k = tmp->n; k > 0; k--) list_push(R, l, tmp->v[k - 1]);
		return vlistv(l);
	}
	size_t st = 0;
	int64_t splits = 0;
	for (size_t i = 0; i + m <= n;) {
		if ((maxsplit < 0 || splits < maxsplit) && !memcmp(p + i, q, m)) { list_push(R, l, vstr(p + st, i - st)); i += m; st = i; splits++; }
		else i++;
	}
	list_push(R, l, vstr(p + st, n - st));
	return vlistv(l);
}

static value call_method(rt *R, int line, value o, const char *m, size_t ml, const args *a)
{
#define IS(s) (ml == sizeof(s) - 1 && !memcmp(m, s, ml))
	if (o.t == V_STR) {
		if (IS("strip") || IS("lstrip") || IS("rstrip")) {
			value ch = kwarg(a, "chars", 0, V(V_NONE));
			return strip(R, o, !IS("rstrip"), !IS("lstrip"), ch.t == V_STR ? &ch : NULL);
		}
		if (IS("split") || IS("rsplit")) {
			value sep = kwarg(a, "sep", 0, V(V_NONE));
			value mx = kwarg(a, "maxsplit", 1, vint(-1));
			return split(R, o, sep, mx.t == V_INT ? mx.u.i : -1, IS("rsplit"));
		}
		if (IS("startswith") || IS("endswith")) {
			value x = kwarg(a, "prefix", 0, V(V_UNDEF));
			vlist one = { &x, 1, 1, 0, 0 };
			vlist *cands = x.t == V_LIST ? x.u.l : &one;
			for (size_t i = 0; i < cands->n; i++) {
				value c = cands->v[i];
				need_str(R, line, c, "startswith/endswith");
				if (c.u.s.n <= o.u.s.n && !memcmp(IS("startswith") ? o.u.s.p : o.u.s.p + o.u.s.n - c.u.s.n, c.u.s.p, c.u.s.n)) return vbool(1);
			}
			return vbool(0);
		}
		if (IS("upper")) return case_conv(R, o, 'u');
		if (IS("lower")) return case_conv(R, o, 'l');
		if (IS("capitalize")) return case_conv(R, o, 'c');
		if (IS("title")) return case_conv(R, o, 't');
		if (IS("replace")) {
			node fn; memset(&fn, 0, sizeof fn); fn.name = "replace"; fn.nlen = 7; fn.line = line;
			return apply_filter(R, &fn, o, a);
		}
		if (IS("format")) return brace_format(R, line, o, a);
		if (IS("splitlines")) return vlistv(splitlines(R, o, truthy(kwarg(a, "keepends", 0, vbool(0)))));
		if (IS("removeprefix") || IS("removesuffix")) {
			value x = kwarg(a, IS("removeprefix") ? "prefix" : "suffix", 0, V(V_UNDEF));
			need_str(R, line, x, m);
			if (x.u.s.n > o.u.s.n) return o;
			if (IS("removeprefix")) return memcmp(o.u.s.p, x.u.s.p, x.u.s.n) ? o : vstr(o.u.s.p + x.u.s.n, o.u.s.n - x.u.s.n);
			return memcmp(o.u.s.p + o.u.s.n - x.u.s.n, x.u.s.p, x.u.s.n) ? o : vstr(o.u.s.p, o.u.s.n - x.u.s.n);
		}
		if (IS("partition") || IS("rpartition")) {
			value x = kwarg(a, "sep", 0, V(V_UNDEF));
			need_str(R, line, x, m);
			if (!x.u.s.n) jfail(R->e, line, "empty separator");
			const char *f = NULL;
			if (IS("partition")) f = memmem(o.u.s.p, o.u.s.n, x.u.s.p, x.u.s.n);
			else for (size_t k = o.u.s.n >= x.u.s.n ? o.u.s.n - x.u.s.n + 1 : 0; k > 0 && !f; k--) if (!memcmp(o.u.s.p + k - 1, x.u.s.p, x.u.s.n)) f = o.u.s.p + k - 1;
			vlist *l = list_new(R, 3);
			l->tuple = 1;
			if (!f) {
				value e = vstr("", 0);
				if (IS("partition")) { list_push(R, l, o); list_push(R, l, e); list_push(R, l, e); }
				else { list_push(R, l, e); list_push(R, l, e); list_push(R, l, o); }
			} else {
				size_t at = (size_t)(f - o.u.s.p);
				list_push(R, l, vstr(o.u.s.p, at));
				list_push(R, l, x);
				list_push(R, l, vstr(o.u.s.p + at + x.u.s.n, o.u.s.n - at - x.u.s.n));
			}
			return vlistv(l);
		}
		if (IS("center") || IS("ljust") || IS("rjust") || IS("zfill")) {
			value w = kwarg(a, "width", 0, V(V_UNDEF)), fc = kwarg(a, "fillchar", 1, vstr(" ", 1));
			if (w.t != V_INT) jfail(R->e, line, "%.*s: the width must be an integer", (int)ml, m);
			if (fc.t != V_STR || fc.u.s.n != 1) jfail(R->e, line, "unsupported: a fill character other than one ASCII character");
			if (IS("zfill")) {
				int64_t len = (int64_t)cp_count(o.u.s.p, o.u.s.n);
				if (w.u.i <= len) return o;
				int sign = o.u.s.n && (o.u.s.p[0] == '+' || o.u.s.p[0] == '-');
				value padded = str_pad(R, vstr(o.u.s.p + sign, o.u.s.n - (size_t)sign), w.u.i - sign, '0', '>');
				if (!sign) return padded;
				char *r = arena_alloc(R->ar, padded.u.s.n + 2);
				r[0] = o.u.s.p[0];
				memcpy(r + 1, padded.u.s.p, padded.u.s.n);
				return vstr(r, padded.u.s.n + 1);
			}
			return str_pad(R, o, w.u.i, fc.u.s.p[0], IS("center") ? '^' : IS("ljust") ? '<' : '>');
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
			value x = kwarg(a, "sub", 0, V(V_UNDEF));
			need_str(R, line, x, m);
			const char *f = NULL;
			for (size_t k = o.u.s.n >= x.u.s.n ? o.u.s.n - x.u.s.n + 1 : 0; k > 0 && !f; k--) if (!memcmp(o.u.s.p + k - 1, x.u.s.p, x.u.s.n)) f = o.u.s.p + k - 1;
			if (!f && IS("rindex")) jfail(R->e, line, "substring not found");
			if (!f) return vint(-1);
			return vint((int64_t)cp_count(o.u.s.p, (size_t)(f - o.u.s.p)));
		}
		if (IS("find") || IS("count") || IS("index")) {
			value x = kwarg(a, "sub", 0, V(V_UNDEF));
			need_str(R, line, x, m);
			if (IS("count")) {
				int64_t c = 0;
				if (!x.u.s.n) return vint((int64_t)o.u.s.n + 1);
				for (size_t i = 0; i + x.u.s.n <= o.u.s.n;) { if (!memcmp(o.u.s.p + i, x.u.s.p, x.u.s.n)) { c++; i += x.u.s.n; } else i++; }
				return vint(c);
			}
			const char *f = x.u.s.n ? memmem(o.u.s.p, o.u.s.n, x.u.s.p, x.u.s.n) : o.u.s.p;
			if (!f && IS("index")) jfail(R->e, line, "substring not found");
			if (!f) return vint(-1);
			int64_t cps = 0;
			for (const char *q = o.u.s.p; q < f; q++) cps += ((unsigned char)*q & 0xC0) != 0x80;
			return vint(cps);
		}
		if (IS("join")) {
			value l = kwarg(a, "iterable", 0, V(V_UNDEF));
			node fn; memset(&fn, 0, sizeof fn); fn.name = "join"; fn.nlen = 4; fn.line = line;
			args sub = { &o, 1, 0, NULL, NULL, NULL };
			return apply_filter(R, &fn, l, &sub);
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
				int ok = IS("isdigit") ? digit : IS("isalpha") ? alpha : IS("isalnum") ? alpha || num : ws_len(o.u.s.p + i, o.u.s.n - i) == k;
				if (!ok) return vbool(0);
				i += k;
			}
			return vbool(1);
		}
	}
	if (o.t == V_DICT || o.t == V_NS) {
		if (IS("items")) {
			node fn; memset(&fn, 0, sizeof fn); fn.name = "items"; fn.nlen = 5; fn.line = line;
			value r = apply_filter(R, &fn, o, a);
			r.u.l->view = 1;
			return r;
		}
		if (IS("keys") || IS("values")) {
			vlist *l = list_new(R, o.u.d->n);
			for (size_t i = 0; i < o.u.d->n; i++) list_push(R, l, IS("keys") ? vstr(o.u.d->k[i].p, o.u.d->k[i].n) : o.u.d->v[i]);
			l->view = IS("keys") ? 2 : 3;
			return vlistv(l);
		}
		if (IS("get")) {
			value k = kwarg(a, "key", 0, V(V_UNDEF));
			value *x = k.t == V_STR ? dict_find(o.u.d, k.u.s.p, k.u.s.n) : NULL;
			return x ? *x : kwarg(a, "default", 1, V(V_NONE));
		}
	}
	if (o.t == V_LIST) {
		if (IS("index") || IS("count")) {
			value x = kwarg(a, "x", 0, V(V_UNDEF));
			int64_t c = 0;
			for (size_t i = 0; i < o.u.l->n; i++) if (vequal(o.u.l->v[i], x)) { if (IS("index")) return vint((int64_t)i); c++; }
			if (IS("index")) jfail(R->e, line, "value is not in list");
			return vint(c);
		}
	}
	/* ImmutableSandboxedEnvironment: lists and dicts may not change */
	if ((o.t == V_LIST && (IS("append") || IS("extend") || IS("pop") || IS("insert") || IS("remove") || IS("clear") ||
			       IS("reverse") || IS("sort"))) ||
	    (o.t == V_DICT && (IS("pop") || IS("popitem") || IS("setdefault") || IS("update") || IS("clear"))))
		jfail(R->e, line, "SecurityError: access to attribute '%.*s' of '%s' object is unsafe.", (int)ml, m, o.t == V_LIST ? "list" : "dict");
#undef IS
	if (o.t == V_UNDEF) jfail(R->e, line, "'%.*s' of an undefined value", (int)ml, m);
	if (is_py_method(o.t, m, ml)) jfail(R->e, line, "unsupported: the method %s.%.*s", tname(o.t), (int)ml, m);
	/* jinja2 finds no such attribute (an Undefined it cannot call), or a key that is no function */
	jfail(R->e, line, "'%s object' has no attribute '%.*s'", tname(o.t), (int)ml, m);
}

static value call_builtin(rt *R, int line, int fn, const args *a)
{
	switch (fn) {
	case F_NAMESPACE: case F_DICT: {
		value v = V(fn == F_NAMESPACE ? V_NS : V_DICT);
		v.u.d = dict_new(R);
		if (a->n == 1 && (a->v[0].t == V_DICT || a->v[0].t == V_NS))
			for (size_t i = 0; i < a->v[0].u.d->n; i++) dict_set(R, v.u.d, a->v[0].u.d->k[i].p, a->v[0].u.d->k[i].n, a->v[0].u.d->v[i]);
		if (a->nk)
			for (int i = 0; i < a->nk; i++) dict_set(R, v.u.d, a->kn[i], a->kl[i], a->kw[i]);
		return v;
	}
	case F_RANGE: {
		int64_t lo = 0, hi, st = 1;
		for (int i = 0; i < a->n; i++) if (a->v[i].t != V_INT) jfail(R->e, line, "range needs integers");
		if (a->n == 1) hi = a->v[0].u.i;
		else if (a->n >= 2) { lo = a->v[0].u.i; hi = a->v[1].u.i; if (a->n >= 3) st = a->v[2].u.i; }
		else jfail(R->e, line, "range needs an argument");
		if (!st) jfail(R->e, line, "range step cannot be zero");
		int64_t span;
		if (__builtin_sub_overflow(hi, lo, &span) || span / st > 1000000) jfail(R->e, line, "range of more than a million items");
		vlist *l = list_new(R, 8);
		for (int64_t i = lo; st > 0 ? i < hi : i > hi;) {
			list_push(R, l, vint(i));
			if (__builtin_add_overflow(i, st, &i)) break;
		}
		l->view = 4;
		return vlistv(l);
	}
	case F_RAISE: {
		jbuf b = {0};
		live_push(R, &b);
		if (a->n) put_str(R, &b, a->v[0]);
		char msg[512];
		snprintf(msg, sizeof msg, "raise_exception: %.*s", (int)b.len, b.p ? b.p : "");
		live_pop(R, &b);
		jfail(R->e, 0, "%s", msg);
	}
	case F_STRFTIME: {
		if (a->n < 1 || a->v[0].t != V_STR) jfail(R->e, line, "strftime_now needs a format string");
		char fmt[256], out[256];
		snprintf(fmt, sizeof fmt, "%.*s", (int)a->v[0].u.s.n, a->v[0].u.s.p);
		time_t now = time(NULL);
		struct tm tmv;
		localtime_r(&now, &tmv);
		size_t n = strftime(out, sizeof out, fmt, &tmv);
		return vstr(rdup(R, out, n), n);
	}
	case F_BOUND: jfail(R->e, line, "unsupported: calling a method taken as a value");
	}
	jfail(R->e, line, "not callable");
}

/* Call macro (or call block body) m whose scope is up, as jinja2 does: positional
 * then keyword arguments, defaults evaluated in the macro's own scope (so a
 * default may use an earlier parameter), extra arguments only into varargs /
 * kwargs when the body reads them, caller when called from a call block. */
static value call_macro(rt *R, const node *m, frame *up, const args *a, int line, const value *caller)
{
	const char *name = m->type == N_MACRO ? m->name : "caller";
	int nl = m->type == N_MACRO ? (int)m->nlen : 6;
	if (++R->depth > 64) jfail(R->e, line, "macro calls nested more than 64 deep");
	if (a->n > m->ntn && !(m->uses & 1))
		jfail(R->e, line, "macro '%.*s' takes not more than %d argument(s)", nl, name, m->ntn);
	frame *f = arena_alloc(R->ar, sizeof *f);
	memset(f, 0, sizeof *f);
	f->up = up;
	frame *sf = R->cur;
	R->cur = f;
	value kw = V(V_DICT);
	kw.u.d = dict_new(R);
	if (a->nk)
		for (int k = 0; k < a->nk; k++) {
			int p = -1;
			for (int i = 0; i < m->ntn; i++)
				if (a->kl[k] == m->tl[i] && !memcmp(a->kn[k], m->tn[i], m->tl[i])) p = i;
			if (p >= 0 && p < a->n) jfail(R->e, line, "macro '%.*s' got multiple values for argument '%.*s'", nl, name, (int)m->tl[p], m->tn[p]);
			if (p < 0) {
				if (!(m->uses & 2)) jfail(R->e, line, "macro '%.*s' takes no keyword argument '%.*s'", nl, name, (int)a->kl[k], a->kn[k]);
				dict_set(R, kw.u.d, a->kn[k], a->kl[k], a->kw[k]);
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
		frame_set(R, f, m->tn[i], m->tl[i], v);
	}
	if (m->uses & 1) {
		vlist *va = list_new(R, 4);
		va->tuple = 1;
		for (int i = m->ntn; i < a->n; i++) list_push(R, va, a->v[i]);
		frame_set(R, f, "varargs", 7, vlistv(va));
	}
	if (m->uses & 2) frame_set(R, f, "kwargs", 6, kw);
	if (caller) frame_set(R, f, "caller", 6, *caller);
	jbuf *saved = R->out;
	jbuf out = {0};
	live_push(R, &out);
	R->out = &out;
	exec_body(R, &m->body, f);
	R->cur = sf;
	R->out = saved;
	R->depth--;
	value r = vstr(rdup(R, out.p ? out.p : "", out.len), out.len);
	live_pop(R, &out);
	return r;
}

static value arith(rt *R, const node *n, value a, value b)
{
	int op = n->op;
	if (op == '~') {
		jbuf s = {0};
		live_push(R, &s);   /* put_str of b can fail after a is written */
		put_str(R, &s, a);
		put_str(R, &s, b);
		value r = vstr(rdup(R, s.p ? s.p : "", s.len), s.len);
		live_pop(R, &s);
		return r;
	}
	if (op == '+') {
		if (a.t == V_STR && b.t == V_STR) {
			char *o = arena_alloc(R->ar, a.u.s.n + b.u.s.n + 1);
			memcpy(o, a.u.s.p, a.u.s.n);
			memcpy(o + a.u.s.n, b.u.s.p, b.u.s.n);
			return vstr(o, a.u.s.n + b.u.s.n);
		}
		if (a.t == V_LIST && b.t == V_LIST && a.u.l->tuple == b.u.l->tuple) {
			vlist *l = list_new(R, a.u.l->n + b.u.l->n);
			l->tuple = a.u.l->tuple;
			for (size_t i = 0; i < a.u.l->n; i++) list_push(R, l, a.u.l->v[i]);
			for (size_t i = 0; i < b.u.l->n; i++) list_push(R, l, b.u.l->v[i]);
			return vlistv(l);
		}
	}
	if (op == '%' && a.t == V_STR) return percent_format(R, n->line, a, b);
	if (op == '*' && ((a.t == V_LIST && (b.t == V_INT || b.t == V_BOOL)) || ((a.t == V_INT || a.t == V_BOOL) && b.t == V_LIST))) {
		value s = a.t == V_LIST ? a : b;
		value c = a.t == V_LIST ? b : a;
		int64_t k = c.t == V_INT ? c.u.i : c.u.b;
		if (k < 0) k = 0;
		if ((uint64_t)k * s.u.l->n > (1u << 22)) jfail(R->e, n->line, "a list repeated into more than 4M items");
		vlist *l = list_new(R, (size_t)k * s.u.l->n);
		l->tuple = s.u.l->tuple;
		for (int64_t i = 0; i < k; i++) for (size_t j = 0; j < s.u.l->n; j++) list_push(R, l, s.u.l->v[j]);
		return vlistv(l);
	}
	if (op == '*' && ((a.t == V_STR && b.t == V_INT) || (a.t == V_INT && b.t == V_STR))) {
		value s = a.t == V_STR ? a : b;
		int64_t k = a.t == V_INT ? a.u.i : b.u.i;
		if (k < 0) k = 0;
		if ((uint64_t)k * s.u.s.n > R->out_limit) jfail(R->e, n->line, "a string repeated past the output limit (%zu MB)", R->out_limit >> 20);
		char *o = arena_alloc(R->ar, s.u.s.n * (size_t)k + 1);
		for (int64_t i = 0; i < k; i++) memcpy(o + (size_t)i * s.u.s.n, s.u.s.p, s.u.s.n);
		return vstr(o, s.u.s.n * (size_t)k);
	}
	if (a.t == V_BIG || b.t == V_BIG) jfail(R->e, n->line, "unsupported: arithmetic on an integer beyond 64 bits");
	if (!isnum(a) || !isnum(b))
		jfail(R->e, n->line, "unsupported operand types for %c: %s and %s", op == 'F' ? '/' : op == 'P' ? '*' : op, tname(a.t), tname(b.t));
	int ints = a.t != V_FLOAT && b.t != V_FLOAT;
	int64_t x = a.t == V_INT ? a.u.i : a.t == V_BOOL ? a.u.b : 0, y = b.t == V_INT ? b.u.i : b.t == V_BOOL ? b.u.b : 0;
	double fx = numval(a), fy = numval(b);
	value r = V(V_FLOAT);
	switch (op) {
	case '+': if (ints) { int64_t z; if (__builtin_add_overflow(x, y, &z)) goto big; return vint(z); } r.u.f = fx + fy; return r;
	case '-': if (ints) { int64_t z; if (__builtin_sub_overflow(x, y, &z)) goto big; return vint(z); } r.u.f = fx - fy; return r;
	case '*': if (ints) { int64_t z; if (__builtin_mul_overflow(x, y, &z)) goto big; return vint(z); } r.u.f = fx * fy; return r;
	case '/': if (fy == 0) jfail(R->e, n->line, "division by zero"); r.u.f = fx / fy; return r;
	case 'F':
		if (fy == 0) jfail(R->e, n->line, "division by zero");
		if (ints) { if (x == INT64_MIN && y == -1) goto big; int64_t q = x / y; if ((x % y != 0) && ((x < 0) != (y < 0))) q--; return vint(q); }
		r.u.f = floor(fx / fy); return r;
	case '%':
		if (fy == 0) jfail(R->e, n->line, "modulo by zero");
		if (ints) { if (y == -1) return vint(0); int64_t m = x % y; if (m != 0 && ((m < 0) != (y < 0))) m += y; return vint(m); }
		r.u.f = fmod(fx, fy); if (r.u.f != 0 && ((r.u.f < 0) != (fy < 0))) r.u.f += fy; return r;
	case 'P':
		if (ints && y >= 0) {
			if (x == 0) return vint(y == 0);
			if (x == 1) return vint(1);
			if (x == -1) return vint(y % 2 ? -1 : 1);
			int64_t p = 1;
			for (int64_t i = 0; i < y; i++) if (__builtin_mul_overflow(p, x, &p)) goto big;   /* |x| >= 2: at most 63 rounds */
			return vint(p);
		}
		if (fx == 0 && fy < 0) jfail(R->e, n->line, "0.0 cannot be raised to a negative power");
		if (fx < 0 && fy != floor(fy)) jfail(R->e, n->line, "unsupported: a complex power");
		r.u.f = pow(fx, fy); return r;
	}
	jfail(R->e, n->line, "bad operator");
big:
	jfail(R->e, n->line, "unsupported: an integer result beyond 64 bits");
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
static value eval_chain(rt *R, const node *e, jbuf *out)
{
	value vals[CHAIN_MAX];
	const node *bins[CHAIN_MAX];
	int n = chain_eval(R, e, vals, bins);
	int strs = 1;
	for (int i = 0; i < n && strs; i++) strs = vals[i].t == V_STR;
	if (e->op == '~' || strs) {
		if (out) {
			for (int i = 0; i < n; i++) put_str(R, out, vals[i]);
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
	for (int i = 1; i < n; i++) acc = arith(R, bins[i], acc, vals[i]);
	if (out) { put_str(R, out, acc); return V(V_UNDEF); }
	return acc;
}

static value eval(rt *R, const node *n)
{
	switch (n->type) {
	case E_LIT: return n->lit;
	case E_NAME: {
		value v = lookup(R->cur, n->name, n->nlen);
		return v;
	}
	case E_ATTR: return getattr_v(R, n->line, eval(R, n->a), n->name, n->nlen, n->op);
	case E_ITEM: return getitem(R, n->line, eval(R, n->a), eval(R, n->b));
	case E_SLICE: {
		value o = eval(R, n->a);
		value lo = n->args.v[0] ? eval(R, n->args.v[0]) : V(V_NONE);
		value hi = n->args.v[1] ? eval(R, n->args.v[1]) : V(V_NONE);
		value st = n->args.v[2] ? eval(R, n->args.v[2]) : V(V_NONE);
		return slice(R, n->line, o, lo, hi, st);
	}
	case E_CALL: {
		args a;
		if (n->a->type == E_ATTR) {
			value o = eval(R, n->a->a);
			if (o.t == V_DICT || o.t == V_NS) {
				value *x = dict_find(o.u.d, n->a->name, n->a->nlen);
				if (x && (x->t == V_MACRO || x->t == V_CALLER || x->t == V_FUNC)) {
					eval_args(R, n, &a);
					return x->t == V_FUNC ? call_builtin(R, n->line, x->u.fn, &a) : call_macro(R, x->u.mac.m, x->u.mac.f, &a, n->line, NULL);
				}
				if (o.t == V_DICT && o.u.d->loop && n->a->nlen == 5 && !memcmp(n->a->name, "cycle", 5)) {
					/* loop.cycle(a, b, ...): the argument at loop.index0 modulo their number */
					eval_args(R, n, &a);
					if (!a.n) jfail(R->e, n->line, "no items for cycling given");
					value *ix = dict_find(o.u.d, "index0", 6);
					return a.v[ix->u.i % a.n];
				}
			}
			eval_args(R, n, &a);
			return call_method(R, n->line, o, n->a->name, n->a->nlen, &a);
		}
		value f = eval(R, n->a);
		eval_args(R, n, &a);
		if (f.t == V_FUNC) return call_builtin(R, n->line, f.u.fn, &a);
		if (f.t == V_MACRO || f.t == V_CALLER) return call_macro(R, f.u.mac.m, f.u.mac.f, &a, n->line, NULL);
		if (n->a->type == E_NAME && f.t == V_UNDEF) jfail(R->e, n->line, "'%.*s' is undefined", (int)n->a->nlen, n->a->name);
		jfail(R->e, n->line, "a %s is not callable", tname(f.t));
	}
	case E_FILTER: {
		value v = eval(R, n->a);
		args a;
		eval_args(R, n, &a);
		return apply_filter(R, n, v, &a);
	}
	case E_TEST: {
		value v = eval(R, n->a);
		args a;
		eval_args(R, n, &a);
		int r = run_test(R, n->line, n->name, n->nlen, v, a.v, a.n);
		return vbool(n->negate ? !r : r);
	}
	case E_BIN:
		if (n->op == '+' || n->op == '~') return eval_chain(R, n, NULL);
		return arith(R, n, eval(R, n->a), eval(R, n->b));
	case E_CMP: {
		value left = eval(R, n->args.v[0]);
		for (int i = 1; i < n->args.n; i++) {
			value right = eval(R, n->args.v[i]);
			int ok;
			switch (n->ops[i - 1]) {
			case C_EQ: ok = vequal(left, right); break;
			case C_NE: ok = !vequal(left, right); break;
			case C_LT: ok = vcompare(R, n->line, left, right) < 0; break;
			case C_LE: ok = vcompare(R, n->line, left, right) <= 0; break;
			case C_GT: ok = vcompare(R, n->line, left, right) > 0; break;
			case C_GE: ok = vcompare(R, n->line, left, right) >= 0; break;
			case C_IN: ok = contains(R, n->line, right, left); break;
			default: ok = !contains(R, n->line, right, left);
			}
			if (!ok) return vbool(0);
			left = right;
		}
		return vbool(1);
	}
	case E_NOT: return vbool(!truthy(eval(R, n->a)));
	case E_NEG: {
		value v = eval(R, n->a);
		if (v.t == V_INT) { if (v.u.i == INT64_MIN) jfail(R->e, n->line, "unsupported: an integer result beyond 64 bits"); return vint(-v.u.i); }
		if (v.t == V_BOOL) return vint(-v.u.b);
		if (v.t == V_FLOAT) { v.u.f = -v.u.f; return v; }
		jfail(R->e, n->line, "bad operand type for unary -: %s", tname(v.t));
	}
	case E_AND: { value a = eval(R, n->a); return truthy(a) ? eval(R, n->b) : a; }
	case E_OR: { value a = eval(R, n->a); return truthy(a) ? a : eval(R, n->b); }
	case E_COND: return truthy(eval(R, n->b)) ? eval(R, n->a) : (n->c ? eval(R, n->c) : V(V_UNDEF));
	case E_LIST: case E_TUPLE: {
		vlist *l = list_new(R, (size_t)n->args.n);
		l->tuple = n->type == E_TUPLE;
		for (int i = 0; i < n->args.n; i++) list_push(R, l, eval(R, n->args.v[i]));
		return vlistv(l);
	}
	case E_DICT: {
		value v = V(V_DICT);
		v.u.d = dict_new(R);
		for (int i = 0; i + 1 < n->args.n; i += 2) {
			value k = eval(R, n->args.v[i]);
			if (k.t != V_STR) jfail(R->e, n->line, "unsupported: dict keys other than strings");
			dict_set(R, v.u.d, k.u.s.p, k.u.s.n, eval(R, n->args.v[i + 1]));
		}
		return v;
	}
	}
	jfail(R->e, n->line, "cannot evaluate this node");
}

static void assign_targets(rt *R, frame *f, const node *n, value v)
{
	if (n->ntn == 1) { frame_set(R, f, n->tn[0], n->tl[0], v); return; }
	if (v.t != V_LIST || v.u.l->n != (size_t)n->ntn) jfail(R->e, n->line, "cannot unpack into %d names", n->ntn);
	for (int i = 0; i < n->ntn; i++) frame_set(R, f, n->tn[i], n->tl[i], v.u.l->v[i]);
}


static void exec_node(rt *R, const node *n, frame *f)
{
	if (++R->steps > R->step_limit) jfail(R->e, n->line, "the template ran more than %llu steps", (unsigned long long)R->step_limit);
	if (R->out->len > R->out_limit) jfail(R->e, n->line, "the rendering grew past %zu MB", R->out_limit >> 20);
	switch (n->type) {
	case N_TEXT: jbuf_put(R->out, n->name, n->nlen); return;
	case N_OUT:
		if (n->a->type == E_BIN && (n->a->op == '+' || n->a->op == '~')) eval_chain(R, n->a, R->out);
		else put_str(R, R->out, eval(R, n->a));
		return;
	case N_IF:
		for (int i = 0; i < n->conds.n; i++)
			if (truthy(eval(R, n->conds.v[i]))) { exec_body(R, &n->bodies[i], f); return; }
		exec_body(R, &n->orelse, f);
		return;
	case N_FOR: {
		value it = eval(R, n->a);
		vlist *items;
		if (it.t == V_LIST) items = it.u.l;
		else if (it.t == V_DICT || it.t == V_NS) {
			items = list_new(R, it.u.d->n);
			for (size_t i = 0; i < it.u.d->n; i++) list_push(R, items, vstr(it.u.d->k[i].p, it.u.d->k[i].n));
		} else if (it.t == V_STR) {
			items = list_new(R, it.u.s.n);
			for (size_t i = 0; i < it.u.s.n;) { uint32_t cp; int k = utf8_decode(it.u.s.p + i, it.u.s.n - i, &cp); list_push(R, items, vstr(it.u.s.p + i, (size_t)k)); i += (size_t)k; }
		} else if (it.t == V_UNDEF || it.t == V_NONE) {
			if (it.t == V_NONE) jfail(R->e, n->line, "'NoneType' object is not iterable");
			items = list_new(R, 1);
		} else jfail(R->e, n->line, "a %s is not iterable", tname(it.t));
		/* the inline filter decides which items count for loop.length */
		vlist *sel = items;
		frame *bodyf = arena_alloc(R->ar, sizeof *bodyf);   /* in the arena: a macro defined in the loop keeps its scope */
		memset(bodyf, 0, sizeof *bodyf);
		bodyf->up = f;
		if (n->b) {
			sel = list_new(R, items->n);
			for (size_t i = 0; i < items->n; i++) {
				bodyf->n = 0;
				assign_targets(R, bodyf, n, items->v[i]);
				frame *sf = R->cur;
				R->cur = bodyf;
				int ok = truthy(eval(R, n->b));
				R->cur = sf;
				if (ok) list_push(R, sel, items->v[i]);
			}
		}
		if (!sel->n) { exec_body(R, &n->orelse, f); return; }
		for (size_t i = 0; i < sel->n; i++) {
			if (++R->steps > R->step_limit) jfail(R->e, n->line, "the template ran more than %llu steps", (unsigned long long)R->step_limit);
			bodyf->n = 0;
			/* the loop object: a fixed set of keys (previtem / nextitem undefined at the ends) */
			static const struct vkey loop_keys[] = {
				{ "index", 5 }, { "index0", 6 }, { "revindex", 8 }, { "revindex0", 9 }, { "first", 5 }, { "last", 4 },
				{ "length", 6 }, { "depth", 5 }, { "depth0", 6 }, { "previtem", 8 }, { "nextitem", 8 },
			};
			enum { NLOOP = sizeof loop_keys / sizeof *loop_keys };
			value loop = V(V_DICT);
			vdict *ld = arena_alloc(R->ar, sizeof *ld);
			ld->k = (struct vkey *)loop_keys;   /* never written: n == cap, so a new key would copy first */
			ld->v = arena_alloc(R->ar, NLOOP * sizeof *ld->v);
			ld->n = ld->cap = NLOOP;
			ld->loop = 1;
			loop.u.d = ld;
			int64_t len = (int64_t)sel->n, k = (int64_t)i;
			ld->v[0] = vint(k + 1);
			ld->v[1] = vint(k);
			ld->v[2] = vint(len - k);
			ld->v[3] = vint(len - k - 1);
			ld->v[4] = vbool(k == 0);
			ld->v[5] = vbool(k == len - 1);
			ld->v[6] = vint(len);
			ld->v[7] = vint(1);
			ld->v[8] = vint(0);
			ld->v[9] = k > 0 ? sel->v[i - 1] : V(V_UNDEF);
			ld->v[10] = k < len - 1 ? sel->v[i + 1] : V(V_UNDEF);
			frame_set(R, bodyf, "loop", 4, loop);
			assign_targets(R, bodyf, n, sel->v[i]);
			exec_body(R, &n->body, bodyf);
			if (R->brk) { R->brk = 0; break; }
			R->cont = 0;
		}
		return;
	}
	case N_SET: {
		value v = eval(R, n->a);
		if (n->name2) {
			value ns = lookup(f, n->name, n->nlen);
			if (ns.t != V_NS) jfail(R->e, n->line, "cannot set an attribute of a %s (only of a namespace)", tname(ns.t));
			dict_set(R, ns.u.d, n->name2, n->n2len, v);
			return;
		}
		if (n->ntn > 1) { assign_targets(R, f, n, v); return; }
		frame_set(R, f, n->name, n->nlen, v);
		return;
	}
	case N_SETBLOCK: {
		jbuf *saved = R->out;
		jbuf out = {0};
		live_push(R, &out);
		R->out = &out;
		exec_body(R, &n->body, f);
		R->out = saved;
		frame_set(R, f, n->name, n->nlen, vstr(rdup(R, out.p ? out.p : "", out.len), out.len));
		live_pop(R, &out);
		return;
	}
	case N_MACRO: {
		value m = V(V_MACRO);
		m.u.mac.m = n;
		m.u.mac.f = f;
		frame_set(R, f, n->name, n->nlen, m);
		return;
	}
	case N_CALLBLOCK: {
		const node *c = n->a;
		value fn;
		args a;
		if (c->a->type == E_ATTR) {
			value o = eval(R, c->a->a);
			value *x = o.t == V_DICT || o.t == V_NS ? dict_find(o.u.d, c->a->name, c->a->nlen) : NULL;
			fn = x ? *x : V(V_UNDEF);
		} else fn = eval(R, c->a);
		if (fn.t != V_MACRO) jfail(R->e, n->line, "unsupported: a call block calling a %s (only macros)", tname(fn.t));
		eval_args(R, c, &a);
		value caller = V(V_CALLER);
		caller.u.mac.m = n;
		caller.u.mac.f = f;
		put_str(R, R->out, call_macro(R, fn.u.mac.m, fn.u.mac.f, &a, n->line, &caller));
		return;
	}
	case N_FILTERBLOCK: {
		jbuf *saved = R->out;
		jbuf out = {0};
		live_push(R, &out);
		R->out = &out;
		exec_body(R, &n->body, f);
		R->out = saved;
		frame *t = arena_alloc(R->ar, sizeof *t);
		memset(t, 0, sizeof *t);
		t->up = f;
		frame_set(R, t, "\001filter-block", 14, vstr(rdup(R, out.p ? out.p : "", out.len), out.len));
		live_pop(R, &out);
		frame *sf = R->cur;
		R->cur = t;
		value r = eval(R, n->a);
		R->cur = sf;
		put_str(R, R->out, r);
		return;
	}
	case N_BREAK: R->brk = 1; return;
	case N_CONTINUE: R->cont = 1; return;
	case N_BLOCK: exec_body(R, &n->body, f); return;
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
		{ "strftime_now", F_STRFTIME }, { "dict", F_DICT },
	};
	for (size_t i = 0; i < sizeof fns / sizeof *fns; i++) {
		value v = V(V_FUNC);
		v.u.fn = fns[i].fn;
		frame_set(R, g, fns[i].n, strlen(fns[i].n), v);
	}
}

/* A variable from the record: "messages" cut to its first n_messages
 * elements when asked (messages[:i+1], as NeMo RL renders each prefix) */
static value record_var(rt *R, const json_doc *d, uint32_t k, uint32_t v, const jinja_doc_vars *cv)
{
	if (!cv || cv->n_messages == SIZE_MAX || json_type_of(d, v) != JSON_ARRAY || !json_str_eq(d, k, "messages", 8))
		return from_json(R, d, v);
	vlist *l = list_new(R, cv->n_messages);
	JSON_FOR_ELEMS(d, v, e, i) {
		if (i >= cv->n_messages) break;
		list_push(R, l, from_json(R, d, e));
	}
	return vlistv(l);
}

static int render(const jinja_tmpl *t, const json_doc *vars, uint32_t root, const json_doc *extra,
		  uint32_t extra_root, const jinja_doc_vars *cv, jbuf *out, char *err, size_t errlen)
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
		for (int i = 0; i < R.nlive; i++) jbuf_free(R.live[i]);
		out->len = start;
		if (out->p) out->p[start] = 0;
		arena_free(&ar);
		return e.unsupported ? -2 : -1;
	}
	add_globals(&R, &g);
	if (cv) {
		/* transformers' render_jinja_template always passes these two */
		frame_set(&R, &g, "tools", 5, V(V_NONE));
		frame_set(&R, &g, "documents", 9, V(V_NONE));
	}
	if (extra && json_type_of(extra, extra_root) == JSON_OBJECT)
		JSON_FOR_MEMBERS(extra, extra_root, k, v, i) {
			(void)i;
			char *s = arena_alloc(&ar, extra->nodes[k].len + 1);
			size_t n = json_str_decode(extra, k, s);
			frame_set(&R, &g, s, n, from_json(&R, extra, v));
		}
	if (json_type_of(vars, root) != JSON_OBJECT) jfail(&e, 0, "the variables are not a JSON object");
	JSON_FOR_MEMBERS(vars, root, k, v, i) {
		(void)i;
		if (cv && cv->chat_only && !json_str_eq(vars, k, "messages", 8) && !json_str_eq(vars, k, "tools", 5)) continue;
		if (cv && json_type_of(vars, v) == JSON_NULL && json_str_eq(vars, k, "tools", 5)) continue;
		char *s = arena_alloc(&ar, vars->nodes[k].len + 1);
		size_t n = json_str_decode(vars, k, s);
		frame_set(&R, &g, s, n, record_var(&R, vars, k, v, cv));
	}
	if (cv && cv->add_generation_prompt >= 0) frame_set(&R, &g, "add_generation_prompt", 21, vbool(cv->add_generation_prompt));
	frame top = { .up = &g };
	exec_body(&R, &t->body, &top);
	arena_free(&ar);
	return 0;
}

int jinja_render_doc(const jinja_tmpl *t, const json_doc *vars, uint32_t root, const json_doc *extra,
		     uint32_t extra_root, jbuf *out, char *err, size_t errlen)
{
	return render(t, vars, root, extra, extra_root, NULL, out, err, errlen);
}

int jinja_render_vars(const jinja_tmpl *t, const jinja_doc_vars *v, jbuf *out, char *err, size_t errlen)
{
	return render(t, v->doc, v->root, v->extra, v->extra_root, v, out, err, errlen);
}

int jinja_render_json(const jinja_tmpl *t, const char *vars_json, size_t len, jbuf *out, char *err, size_t errlen)
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
		      jbuf *out, char *err, size_t errlen)
{
	static const jinja_chat_opts none = { 0 };
	if (!opts) opts = &none;
	/* the variables transformers' apply_chat_template passes: messages, tools
	 * (None when absent), documents (None), add_generation_prompt, the special
	 * tokens; then the caller's extra keys, which these take precedence over */
	jbuf v = {0};
	jbuf_puts(&v, "{\"messages\":");
	jbuf_put(&v, messages_json, len);
	jbuf_puts(&v, ",\"tools\":");
	if (opts->tools_json) jbuf_put(&v, opts->tools_json, opts->tools_len);
	else jbuf_puts(&v, "null");
	jbuf_puts(&v, ",\"documents\":null,\"add_generation_prompt\":");
	jbuf_puts(&v, opts->add_generation_prompt ? "true" : "false");
	if (opts->bos_token) { jbuf_puts(&v, ",\"bos_token\":"); json_write_str(&v, opts->bos_token, strlen(opts->bos_token)); }
	if (opts->eos_token) { jbuf_puts(&v, ",\"eos_token\":"); json_write_str(&v, opts->eos_token, strlen(opts->eos_token)); }
	jbuf_putc(&v, '}');
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
	jbuf_free(&v);
	return rc;
}

/* jinja_int.h — what the parts of the template engine share; private to
 * src/lib/jinja (jinja.h is the public contract).
 *
 * The template is cut into text and tags (lex.c), parsed into a tree of nodes
 * in the template's arena (parse.c), and rendered by walking the tree
 * (eval.c) with values (value.c) allocated in a per-render arena, printed by
 * format.c, transformed by the filters and tests (filters.c) and the Python
 * methods (methods.c, str.c). Errors unwind with longjmp (jj_fail) to the
 * entry point, jinja_parse or a render; the arenas free everything, and
 * malloc'd buffers in flight are registered with jj_live_push so that an
 * error frees them too. Nothing here prints or exits. */
#ifndef SFTKIT_JINJA_INT_H
#define SFTKIT_JINJA_INT_H

#include "jinja/jinja.h"

#include <setjmp.h>
#include <stdint.h>
#include <string.h>
/* ---------------- values ---------------- */

/* V_BIG: an integer beyond int64 (Python's ints have no limit): a sign and
 * 32-bit limbs (bigint.c), never a value that fits int64, so that int64 is
 * the fast path and a result that fits again is a V_INT. A vlist with tuple
 * set is a Python tuple (it prints as (a, b)); tuple 2:
 * groupby's (grouper, list), whose attributes name its items. */
typedef struct jbig { int neg; size_t n; uint32_t d[]; } jbig;
#define JJ_BIG_MAXBITS 131072   /* a limit of the render, like its steps and output */
enum { V_UNDEF, V_NONE, V_BOOL, V_INT, V_FLOAT, V_STR, V_LIST, V_DICT, V_NS, V_FUNC, V_MACRO, V_BIG, V_CALLER };
typedef struct value value;
typedef struct vlist vlist;
/* A dict: keys are strings (k[i]) but for the keys of other types a dict
 * literal may have ({0: 'a'}, {true: 1}, {none: 2}), whose k[i].p is NULL
 * and whose value is kv[i] (kv NULL while every key is a string). */
typedef struct vdict { struct vkey { const char *p; size_t n; } *k; value *v; size_t n, cap; int loop; value *kv; } vdict;
struct frame;
struct value {
	int t;
	int markup;      /* V_STR: a markupsafe Markup (|safe, |e): + and % escape the other side (value.c's jj_escape) */
	union {
		int b;
		int64_t i;
		const jbig *big;
		double f;
		struct { const char *p; size_t n; } s;
		vlist *l;
		vdict *d;
		int fn;
		struct { int fn; void *o; } fo;   /* a V_FUNC with state: F_CYCLER, F_JOINER (its fn aliases fn) */
		struct { const struct node *m; struct frame *f; } mac;   /* V_MACRO, V_CALLER: definition and its scope */
	} u;
};

struct vlist {
	value *v; size_t n, cap; int tuple, view;   /* view: 1 dict_items, 2 dict_keys, 3 dict_values, 4 range */
	/* gen: a generator or iterator jinja2 hands out (map, select, reject,
	 * selectattr, rejectattr, items, unique, batch, slice, reverse): always
	 * true, no len(), not subscriptable, used up by the iteration that
	 * takes items from pos on (jj_list_take) */
	int gen;
	size_t pos;
	const char *err;   /* a generator whose making failed: the error its first read raises (jinja2's are lazy) */
	int err_unsupported;
	value range[3];                            /* a range's start, stop, step (ints; it prints as range(a, b)) */
};

enum { F_NAMESPACE = 1, F_RANGE, F_RAISE, F_STRFTIME, F_DICT, F_BOUND,
       F_CYCLER_NEW, F_JOINER_NEW, F_CYCLER, F_JOINER, F_LOOPCTX };

/* ---------------- nodes ---------------- */

enum {
	N_TEXT = 1, N_OUT, N_IF, N_FOR, N_SET, N_SETBLOCK, N_MACRO, N_BREAK, N_CONTINUE, N_BLOCK, N_CALLBLOCK, N_FILTERBLOCK,
	E_LIT, E_NAME, E_ATTR, E_ITEM, E_SLICE, E_CALL, E_FILTER, E_TEST, E_BIN, E_CMP, E_NOT, E_NEG, E_POS,
	E_COND, E_LIST, E_TUPLE, E_DICT, E_AND, E_OR,
	E_UNBOUND,      /* a constant jinja2 writes as a Python name (inf, nan: fold.c); name in name */
	N_NOLOADER,     /* include, import, from, extends: name in a; jinja2 with no loader fails the render there */
	N_TBLOCK        /* {% block name [scoped] [required] %}: op 1 scoped, 2 required */
};

typedef struct node node;
typedef struct nlist { node **v; int n, cap; } nlist;
typedef struct jj_names { const char **p; size_t *l; int n, cap; } jj_names;
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
	node *tgt;                  /* N_FOR, N_SET, N_SETBLOCK: targets the plain forms do not hold
	                             * (nested, (a,), (), ns.attr in a tuple): E_TUPLE of E_NAME,
	                             * E_ATTR (ns.attr: a the name) and E_TUPLE */
	jj_names undef, undef_else; /* the names the scope of body (and of a loop's else) starts undefined (scope.c) */
	nlist defaults;             /* macro parameter defaults (NULL: none) */
	node *dyn_args, *dyn_kwargs; /* calls: *args and **kwargs */
	const struct jj_filter *filt;   /* E_FILTER: resolved when parsed (NULL: unknown, fails if reached) */
	const struct jj_test *test;     /* E_TEST: the same */
	const struct jj_method *meth;   /* E_CALL of o.name(...): jj_method_named(name), resolved when parsed */
};

struct jinja_tmpl {
	arena ar;
	nlist body;
	jj_names undef;   /* the names the template starts undefined (scope.c) */
};

/* scope.c: for each scope (the template, loop bodies and elses, macros,
 * callers, filter blocks, block sets, blocks) the names jinja2 starts as
 * missing there: stored before any load, outside an if, unknown to the
 * enclosing scopes. A render binds them undefined when it enters the
 * scope, so inner scopes read them undefined until the store. */
void jj_scopes(jinja_tmpl *t);

/* ---------------- errors ---------------- */

typedef struct jerr { jmp_buf jb; char *msg; size_t len; int unsupported; } jerr;

/* ---------------- lexing: text and tags ---------------- */

enum { S_TEXT, S_EXPR, S_STMT };
typedef struct seg { int kind, line; const char *p; size_t n; } seg;

typedef struct lexer {
	jerr *e;
	arena *ar;
	seg *s; int n, cap;
} lexer;

/* ---------------- expression tokens ---------------- */

enum { T_END, T_NAME, T_STR, T_INT, T_FLOAT, T_OP };
typedef struct tok_t { int t; const char *p; size_t n; int64_t i; double f; char *s; size_t sn; int base; } tok_t;

typedef struct parser {
	jerr *e;
	arena *ar;
	seg *segs; int nseg, pos;    /* statement level */
	const char *p, *end;         /* inside a tag */
	int line;
	int depth;                   /* nesting of expressions and blocks */
	int loops;                   /* for loops around this point in the same function (break needs one) */
	tok_t cur;
} parser;

enum { C_EQ = 1, C_NE, C_LT, C_LE, C_GT, C_GE, C_IN, C_NOTIN };

/* ---------------- rendering ---------------- */

typedef struct frame { struct vkey *k; value *v; int n, cap; struct frame *up; } frame;

typedef struct rt {
	jerr *e;
	arena *ar;
	strbuf *out;
	frame *globals;
	int brk, cont;     /* loop control */
	int depth;
	struct frame *cur; /* the innermost scope, for name lookups */
	struct frame *top; /* the template's own scope (what a block sees) */
	uint64_t steps;    /* a budget, so that no template runs away: */
	uint64_t step_limit;   /* statements and loop rounds, */
	size_t out_limit;      /* bytes of output, both in proportion to the input */
	strbuf *live[512];   /* malloc'd buffers an error must free */
	int nlive;
	int folding;         /* fold.c's evaluation: jinja2's as_const (slices through the sandbox's getitem) */
	unsigned fold_slices; /* such slices that gave undefined where run time raises */
} rt;

typedef struct args { value *v; int n; int nk; const char **kn; size_t *kl; value *kw; } args;   /* positional, then keyword */

/* The builtin tables (jq's function_list[]): a filter or test by name, its
 * function, and a mode telling apart the names that share a function. */
/* fold: what jinja2's filter gives and when it runs. JF_FOLDS: a value,
 * folded over constants at compile time (fold.c). JF_CONTEXT: a generator
 * function taking the context (map, select, ...): never folded, run when
 * read. JF_ITER: a generator function (items, unique, ...): folded, its
 * iterator never replaces the node, run when read. JF_ITER_NOW: reverse,
 * an iterator made at once (a string for a string, a list for a
 * generator).
 * markup: what its string result is when the input is a Markup (JM_KEEP:
 * soft_str and Markup's methods keep it; JM_PLAIN: str() or a join drops
 * it; JM_AS_MADE: what the filter set, as safe and escape do). */
enum { JF_FOLDS, JF_CONTEXT, JF_ITER, JF_ITER_NOW };
enum { JM_AS_MADE, JM_KEEP, JM_PLAIN };
typedef struct jj_filter {
	const char *name;
	value (*fn)(rt *R, const node *n, value v, const args *a, int mode);
	int mode;
	int fold;
	int markup;
} jj_filter;
typedef struct jj_test {
	const char *name;
	int (*fn)(rt *R, int line, value v, const value *targs, int mode);
	int mode;
	int nargs;          /* the arguments it needs */
	const char *kwname; /* the Python name of its argument, which a keyword may give; NULL: none */
} jj_test;
/* A Python method of a receiver type (methods.c); fn NULL: one the sandbox
 * refuses. arity: the most positional arguments, -1 any. */
typedef struct jj_method {
	const char *name;
	int type;           /* V_STR, V_LIST, V_DICT or V_NS */
	value (*fn)(rt *R, int line, value o, const args *a, int mode);
	int mode;
	int arity;
} jj_method;

/* eval.c: an expression's value (errors unwind through R->e) */
value jj_eval(rt *R, const node *n);
/* fold.c: after parsing, mark the constants jinja2's compiled code cannot
 * hold (E_UNBOUND) */
void jj_fold(jinja_tmpl *t, jerr *parse_e);

/* strcmp of a NUL-terminated table name against name[0..n) */
static inline int jj_name_cmp(const char *tab, const char *name, size_t n)
{
	size_t k = strlen(tab);
	int c = memcmp(tab, name, k < n ? k : n);
	return c ? c : k < n ? -1 : k > n;
}

/* json.dumps(v, ensure_ascii, indent, separators, sort_keys) */
typedef struct jsonopt { const char *indent; size_t indent_n; const char *isep, *ksep; int ascii, sort; } jsonopt;
/* Fail: "template line N: what" into e's message, then unwind. A message
 * starting "unsupported:" is a construct outside the dialect. */
void jj_fail(jerr *e, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4), noreturn));
/* Fail with a message made before (its template line in it) */
void jj_fail_again(jerr *e, const char *msg, int unsupported) __attribute__((noreturn));

static inline value V(int t) { value v; memset(&v, 0, sizeof v); v.t = t; return v; }
static inline value vstr(const char *p, size_t n) { value v = V(V_STR); v.u.s.p = p; v.u.s.n = n; return v; }
static inline value vint(int64_t i) { value v = V(V_INT); v.u.i = i; return v; }
static inline value vbool(int b) { value v = V(V_BOOL); v.u.b = !!b; return v; }
static inline char *rdup(rt *R, const char *p, size_t n) { return arena_strndup(R->ar, p, n); }
static inline value vmarkup(value s) { s.markup = s.t == V_STR; return s; }
static inline value vlistv(vlist *l) { value v = V(V_LIST); v.u.l = l; return v; }
static inline int isnum(value v) { return v.t == V_INT || v.t == V_FLOAT || v.t == V_BOOL; }
static inline double numval(value v) { return v.t == V_INT ? (double)v.u.i : v.t == V_FLOAT ? v.u.f : v.u.b; }

/* bigint.c: integers of any size (ints: V_INT, V_BOOL, V_BIG). jj_big_make:
 * a sign and magnitude as a value, demoted to V_INT when it fits;
 * jj_int_arith: op + - * / F(//) % P(**) on two ints, Python's semantics;
 * jj_int_float_cmp: exact, 2 when unordered (NaN); jj_int_bits: bits of
 * the magnitude (0 for 0); jj_int_digits: the
 * magnitude in base 2, 8, 10 or 16; jj_int_parse: checked digits to a value
 * (0: more than Python's 4300 decimal digits). */
value jj_big_make(arena *ar, jerr *e, int line, int neg, const uint32_t *d, size_t n);
int jj_isint(value v);
size_t jj_int_bits(value v);
int jj_int_cmp(value a, value b);
int jj_int_float_cmp(value a, double f);
int jj_int_float_eq(value a, double f);
int jj_int_sign(value v);
double jj_int_to_double(rt *R, int line, value v);
value jj_int_from_double(rt *R, int line, double f);
value jj_int_arith(rt *R, int line, int op, value a, value b);
value jj_int_neg(rt *R, int line, value v);
value jj_int_abs(rt *R, int line, value v);
void jj_int_digits(rt *R, int line, strbuf *b, value v, int base, int upper);
void jj_put_int(rt *R, int line, strbuf *b, value v);
int jj_int_parse(arena *ar, jerr *e, int line, const char *p, size_t n, int base, value *out);

/* lex.c: the template cut into text and tags, and the tokens of an expression */
void jj_lex(lexer *L, const char *src, size_t len);
void jj_next_tok(parser *P);

/* parse.c: the tree, and the names the template calls checked once parsed */
int jj_in_words(const char *w, const char *p, size_t n);
int jj_is_py_method(int t, const char *k, size_t n);
extern const char jj_missing_filters[], jj_missing_tests[];

/* value.c: lists, dicts, scopes, JSON in, truth, equality, order, errors */
int jj_contains(rt *R, int line, value hay, value needle);
size_t jj_cp_offset(const char *p, size_t n, size_t k);
value *jj_dict_find(const vdict *d, const char *k, size_t n);
/* keys of any type: key i as a value, the entry of a key (NULL: none), set;
 * jj_unhashable: the type hash() refuses in a value (NULL: it hashes) */
value jj_dict_key(const vdict *d, size_t i);
const char *jj_unhashable(value v);
value *jj_dict_findv(const vdict *d, value key);
void jj_dict_setv(rt *R, int line, vdict *d, value key, value v);
vdict *jj_dict_new(rt *R);
void jj_dict_set(rt *R, vdict *d, const char *k, size_t n, value v);
void jj_frame_set(rt *R, frame *f, const char *k, size_t n, value v);
value jj_from_json(rt *R, const json_doc *d, uint32_t i);
value jj_kwarg(const args *a, const char *name, int pos, value dflt);
vlist *jj_list_new(rt *R, size_t cap);
void jj_list_push(rt *R, vlist *l, value v);
void jj_live_pop(rt *R, strbuf *b);
void jj_live_push(rt *R, strbuf *b);
/* After an error unwound: free the buffers registered since mark (R->nlive then) */
void jj_live_unwind(rt *R, int mark);
value jj_lookup(frame *f, const char *k, size_t n);
void jj_need_str(rt *R, int line, value v, const char *what);
const char *jj_tname(int t);
vlist *jj_to_items(rt *R, int line, value v, const char *what);
/* v unpacked into k targets as Python unpacks (ValueError unless k items) */
vlist *jj_unpack(rt *R, int line, value v, int k);
value jj_tostr(rt *R, value v);
/* markupsafe.escape(v): a Markup as it is, else str(v) with & < > ' " as
 * entities, a Markup */
value jj_escape(rt *R, value v);
/* str.c: whether the capital sigma at p[at] lowers to the final form
 * (Python's Final_Sigma: a cased letter before, none after) */
int jj_final_sigma(const char *p, size_t n, size_t at);
/* The items an iteration of l sees: l itself, or for a generator what is
 * left of it, which this iteration uses up */
vlist *jj_list_take(rt *R, vlist *l);
int jj_truthy(value v);
int jj_vcompare(rt *R, int line, value a, value b);
/* Python's a < b, a <= b, a > b or a >= b (op C_LT, C_LE, C_GT, C_GE):
 * numbers (NaN: False), strings, lists and tuples element by element */
int jj_vorder(rt *R, int line, int op, value a, value b);
int jj_vequal(value a, value b);
/* jj_vequal for a template's ==, in and list methods: a and b are
 * elements (elem: `in`, index, count) or compared whole; fails where two
 * NaNs meet as elements, whose equality Python decides by identity */
int jj_vequal_py(rt *R, int line, value a, value b, int elem);

/* format.c: str(), repr(), json.dumps */
void jj_put_json(rt *R, strbuf *b, value v, const jsonopt *o, int level);
void jj_put_repr(rt *R, strbuf *b, value v);
void jj_put_str(rt *R, strbuf *b, value v);

/* fmtspec.c: format(v, spec) with Python's format-spec mini-language,
 * str.format as the sandbox's Formatter runs it, str % args */
void jj_format_value(rt *R, int line, strbuf *b, value v, const char *spec, size_t n);
value jj_brace_format(rt *R, int line, value fmt, const args *a);
value jj_percent_format(rt *R, int line, value fmt, value args);

/* str.c: Python's string operations (case mapping, whitespace, split, pad, int(), float()) */
value jj_case_conv(rt *R, value s, int mode);
int jj_py_float(const char *p, size_t n, double *out);
int jj_py_int(rt *R, const char *p, size_t n, int base, value *out);
value jj_split(rt *R, value s, value sep, int64_t maxsplit, int right);
vlist *jj_splitlines(rt *R, value s, int keepends);
value jj_str_pad(rt *R, value s, int64_t width, char fill, char align);
value jj_str_replace(rt *R, value s, value old, value nw, int64_t count);
value jj_strip(rt *R, value s, int left, int right, value *chars);
size_t jj_ws_len(const char *s, size_t n);
/* jj_case_conv's modes: 'u' upper, 'l' lower, 'c' str.capitalize, 't' str.title, 'T' jinja2's title filter */

/* filters.c: jinja2's filters and tests */
value jj_apply_filter(rt *R, const node *n, value v, const args *a);
int jj_run_test(rt *R, int line, const jj_test *t, const char *name, size_t nl, value v, const value *targs, int nt, const args *kw);
/* The filter or test of that name, NULL when this engine has none (found
 * when the template is parsed; map('name') and select('name') at render) */
const jj_filter *jj_filter_find(const char *name, size_t n);
const jj_test *jj_test_find(const char *name, size_t n);

/* methods.c: the Python methods of str, dict and list. jj_method_named: the
 * first method of that name (those of one name sit together, one a receiver
 * type), NULL when no type has one; a call site resolves it when parsed.
 * jj_method_pick: among those, the one for receiver type t (NULL: none).
 * jj_call_method calls named's method for o's type, checking its arity, or
 * fails as jinja2 does: m[0..ml) is the name, for the messages. */
const jj_method *jj_method_named(const char *name, size_t n);
const jj_method *jj_method_pick(const jj_method *named, int t);
value jj_call_method(rt *R, int line, value o, const jj_method *named, const char *m, size_t ml, const args *a);

/* eval.c: expressions evaluated, statements executed, the render entry points */
value jj_arith(rt *R, const node *n, value a, value b);
value jj_call_macro(rt *R, const node *m, frame *up, const args *a, int line, const value *caller);
value jj_getattr(rt *R, int line, value o, const char *k, size_t n);
value jj_getitem(rt *R, int line, value o, value k);
value jj_slice(rt *R, int line, value o, value lo, value hi, value st);

/* html5ent.c (generated by gen_html5ent.py): Python's html.unescape tables */
typedef struct { const char *name, *text; } jj_html5_entity;
typedef struct { uint32_t cp; const char *text; } jj_html5_charref;
extern const jj_html5_entity jj_html5_entities[];     /* sorted by name, bytewise */
extern const size_t jj_html5_n_entities;
extern const jj_html5_charref jj_html5_invalid_charrefs[];
extern const size_t jj_html5_n_invalid_charrefs;
extern const uint32_t jj_html5_invalid_codepoints[];  /* sorted */
extern const size_t jj_html5_n_invalid_codepoints;

#endif

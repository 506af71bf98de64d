/* tok.c — tokenizer.json loading and BPE encoding. See tok.h. */
#include "tok/tok.h"
#include "json.h"
#include "util.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>
#include <xxhash.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- a string -> int32 hash map over a byte pool ---- */

typedef struct strmap {
	uint32_t *slots;     /* entry index + 1, 0 = empty */
	size_t cap;          /* power of two */
	struct { uint64_t h; uint32_t off, len; int32_t val; } *e;
	size_t n, ecap;
	jbuf pool;
} strmap;

static void sm_grow(strmap *m)
{
	size_t cap = m->cap ? m->cap * 2 : 1024;
	uint32_t *s = xcalloc(cap, sizeof *s);
	for (size_t i = 0; i < m->n; i++) {
		size_t j = m->e[i].h & (cap - 1);
		while (s[j]) j = (j + 1) & (cap - 1);
		s[j] = (uint32_t)i + 1;
	}
	free(m->slots);
	m->slots = s;
	m->cap = cap;
}

static void sm_reserve(strmap *m, size_t n)
{
	while (m->cap < n * 2) sm_grow(m);
	if (m->ecap < n) { m->ecap = n; m->e = xrealloc(m->e, m->ecap * sizeof *m->e); }
}

static int32_t sm_get(const strmap *m, const char *k, size_t n)
{
	if (!m->cap) return -1;
	uint64_t h = XXH3_64bits(k, n);
	for (size_t j = h & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
		uint32_t s = m->slots[j];
		if (!s) return -1;
		if (m->e[s - 1].h == h && m->e[s - 1].len == n && !memcmp(m->pool.p + m->e[s - 1].off, k, n))
			return m->e[s - 1].val;
	}
}

/* Insert (the first value wins, as a JSON object's duplicate keys are rare and HF keeps the last: we keep the last too) */
static void sm_put(strmap *m, const char *k, size_t n, int32_t v)
{
	if ((m->n + 1) * 2 > m->cap) sm_grow(m);
	uint64_t h = XXH3_64bits(k, n);
	size_t j = h & (m->cap - 1);
	for (;; j = (j + 1) & (m->cap - 1)) {
		uint32_t s = m->slots[j];
		if (!s) break;
		if (m->e[s - 1].h == h && m->e[s - 1].len == n && !memcmp(m->pool.p + m->e[s - 1].off, k, n)) {
			m->e[s - 1].val = v;
			return;
		}
	}
	if (m->n == m->ecap) {
		m->ecap = m->ecap ? m->ecap * 2 : 1024;
		m->e = xrealloc(m->e, m->ecap * sizeof *m->e);
	}
	m->e[m->n].h = h;
	m->e[m->n].off = (uint32_t)m->pool.len;
	m->e[m->n].len = (uint32_t)n;
	m->e[m->n].val = v;
	jbuf_put(&m->pool, k, n);
	m->slots[j] = (uint32_t)++m->n;
}

static void sm_free(strmap *m)
{
	free(m->slots);
	free(m->e);
	jbuf_free(&m->pool);
}

/* ---- merges: (a,b) -> rank, new id ---- */

typedef struct mergemap {
	struct { uint64_t key; int32_t rank, id; } *t;
	size_t cap, n;
} mergemap;

static inline uint64_t mkey(int32_t a, int32_t b) { return ((uint64_t)(uint32_t)a << 32) | (uint32_t)b; }
/* every bit of both ids reaches the low bits the table is indexed by (a
 * multiply alone, shifted right by 20, let only 5 bits of the left id in:
 * long probe runs) */
static inline size_t mhash(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xFF51AFD7ED558CCDull;
	k ^= k >> 33;
	return (size_t)k;
}

static void mm_put(mergemap *m, int32_t a, int32_t b, int32_t rank, int32_t id);
static void mm_reserve(mergemap *m, size_t n)
{
	size_t cap = 1 << 10;
	while (cap < n * 2) cap *= 2;
	if (cap <= m->cap) return;
	free(m->t);
	m->t = xmalloc(cap * sizeof *m->t);
	memset(m->t, 0xFF, cap * sizeof *m->t);   /* key UINT64_MAX: empty */
	m->cap = cap;
	m->n = 0;
}

static void mm_put(mergemap *m, int32_t a, int32_t b, int32_t rank, int32_t id)
{
	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 1 << 16;
		__typeof__(m->t) t = xmalloc(cap * sizeof *t);
		for (size_t i = 0; i < cap; i++) t[i].key = UINT64_MAX;
		for (size_t i = 0; i < m->cap; i++) {
			if (m->t[i].key == UINT64_MAX) continue;
			size_t j = mhash(m->t[i].key) & (cap - 1);
			while (t[j].key != UINT64_MAX) j = (j + 1) & (cap - 1);
			t[j] = m->t[i];
		}
		free(m->t);
		m->t = t;
		m->cap = cap;
	}
	uint64_t k = mkey(a, b);
	size_t j = mhash(k) & (m->cap - 1);
	while (m->t[j].key != UINT64_MAX) {
		if (m->t[j].key == k) return;    /* the first (lowest) rank wins */
		j = (j + 1) & (m->cap - 1);
	}
	m->t[j].key = k;
	m->t[j].rank = rank;
	m->t[j].id = id;
	m->n++;
}

static inline int mm_get(const mergemap *m, int32_t a, int32_t b, int32_t *rank, int32_t *id)
{
	if (!m->cap) return 0;
	uint64_t k = mkey(a, b);
	for (size_t j = mhash(k) & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
		if (m->t[j].key == k) { *rank = m->t[j].rank; *id = m->t[j].id; return 1; }
		if (m->t[j].key == UINT64_MAX) return 0;
	}
}

/* ---- the tokenizer ---- */

/* ---- Unicode classes, as Rust's char methods and Oniguruma define them ---- */

/* One code point of valid UTF-8 (a stray byte decodes as itself). */
static inline uint32_t u8dec(const char *p, size_t n, size_t *len)
{
	const unsigned char *s = (const unsigned char *)p;
	if (s[0] < 0xC0 || n < 2) { *len = 1; return s[0]; }
	if (s[0] < 0xE0) { *len = 2; return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F); }
	if (s[0] < 0xF0 || n < 4) {
		if (n < 3) { *len = 1; return s[0]; }
		*len = 3;
		return (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
	}
	*len = 4;
	return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 | (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

/* Length of the character that ends at p[n-1]. */
static inline size_t u8back(const char *p, size_t n)
{
	size_t k = 1;
	while (k < n && k < 4 && ((unsigned char)p[n - k] & 0xC0) == 0x80) k++;
	return k;
}

/* Rust's char::is_whitespace: the White_Space property (also Oniguruma's \s). */
static int cp_ws(uint32_t c)
{
	return (c >= 9 && c <= 13) || c == 32 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
	       c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

static int cp_cat(uint32_t c) { return utf8proc_category((utf8proc_int32_t)c); }

/* Rust's char::is_numeric: Nd, Nl, No. */
static int cp_numeric(uint32_t c)
{
	if (c < 128) return c >= '0' && c <= '9';
	int k = cp_cat(c);
	return k == UTF8PROC_CATEGORY_ND || k == UTF8PROC_CATEGORY_NL || k == UTF8PROC_CATEGORY_NO;
}

/* HF's is_punc: ASCII punctuation (symbols included) or a Unicode P* category. */
static int cp_punct(uint32_t c)
{
	if (c < 128) return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
	int k = cp_cat(c);
	return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

/* A word character for single_word added tokens (the regex crate's \w:
 * letters, marks, Nd, Nl, Pc, the joiners). */
static int cp_word(uint32_t c)
{
	if (c < 128) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
	if (c == 0x200C || c == 0x200D) return 1;
	int k = cp_cat(c);
	return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_ME) || k == UTF8PROC_CATEGORY_ND ||
	       k == UTF8PROC_CATEGORY_NL || k == UTF8PROC_CATEGORY_PC;
}

/* ---- the tokenizer ---- */

enum { N_NFC = 1, N_NFKC, N_NFD, N_NFKD, N_LOWER, N_PREPEND, N_REPLACE, N_REPLACE_RE, N_STRIP, N_STRIP_ACCENTS, N_BERT };
typedef struct norm_op {
	int type;
	char *a, *b;           /* Prepend: a; Replace: pattern a, content b */
	pcre2_code *re;        /* Replace with a Regex pattern */
	int left, right;       /* Strip */
	int clean, chinese, strip_accents, lower;   /* BertNormalizer */
} norm_op;

/* HF's SplitDelimiterBehavior */
enum { B_REMOVED, B_ISOLATED, B_MPREV, B_MNEXT, B_CONTIG };
enum { P_SPLIT = 1, P_CLASS, P_BYTELEVEL, P_METASPACE };
enum { C_WS = 1, C_PUNCT, C_NUMERIC, C_DELIM };
typedef struct pre_op {
	int type;
	pcre2_code *re;        /* Split (regex), Whitespace, ByteLevel with use_regex */
	char *str;             /* Split with a String pattern */
	int behavior, invert;
	int cls;               /* P_CLASS: which characters are the delimiters */
	uint32_t delim;        /* CharDelimiterSplit */
	int add_prefix_space;  /* ByteLevel */
	char *replacement;     /* Metaspace */
	int prepend;           /* Metaspace: 0 never, 1 always, 2 first */
	int split;
} pre_op;

typedef struct added_tok {
	char *s;               /* content; normalized ones as the normalizer leaves it */
	size_t n;
	int32_t id;
	int lstrip, rstrip, single_word, normalized;
} added_tok;

/* Added tokens as a byte trie: edges (node, byte) -> child in a mergemap. */
typedef struct atrie {
	mergemap edges;
	int32_t *term;         /* node -> index in tok.added, -1 */
	int32_t nn;
	unsigned char first[256];
	int nfirst;            /* how many bytes start a token; with one, it is only */
	unsigned char only;
} atrie;

struct tok {
	strmap vocab;
	mergemap merges;
	norm_op *norm;
	int nnorm;
	pre_op *pre;
	int npre;
	int byte_level;        /* a ByteLevel pre-tokenizer: words are bytes */
	int32_t byte_sym[256]; /* byte-level: id of each byte's symbol */
	int32_t byte_fb[256];  /* byte_fallback: <0xXX> ids */
	int byte_fallback, fuse_unk, ignore_merges;
	/* Barriers for models without a ByteLevel pre-tokenizer (see
	 * find_barriers): characters in classes, ASCII 0-127, U+2581 (128) and
	 * any other (129); kind of each class's characters (the other class's
	 * is looked up per character); pair[a][b]: some vocab entry holds a
	 * character of class a right before one of class b */
	int barriers;
	unsigned char kind[129];
	int32_t cls_id[129];   /* the class character's vocab id, -1 */
	unsigned char pair[130][130];
	unsigned char cut[129][129];   /* between two class characters: a barrier */
	int fb_inert;          /* no merge takes a <0xXX> token as either part */
	size_t max_len;        /* the longest vocab entry, in bytes: no token covers more */
	int32_t unk;
	added_tok *added;
	int nadded;
	atrie raw, normed;     /* added tokens matched before / after normalization */
	int n_special;
};

size_t tok_vocab_size(const tok *t) { return t->vocab.n; }

int tok_n_special(const tok *t) { return t->n_special; }

int32_t tok_token_id(const tok *t, const char *s, size_t n)
{
	for (int i = 0; i < t->nadded; i++)
		if (t->added[i].n == n && !memcmp(t->added[i].s, s, n)) return t->added[i].id;
	return sm_get(&t->vocab, s, n);
}

/* GPT-2's byte to printable code point table */
static uint32_t byte_cp(int b)
{
	if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)) return (uint32_t)b;
	int k = 0;
	for (int x = 0; x < b; x++)
		if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174 && x <= 255))) k++;
	return 256u + (uint32_t)k;
}

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) { o[0] = (char)cp; return 1; }
	if (cp < 0x800) { o[0] = (char)(0xC0 | cp >> 6); o[1] = (char)(0x80 | (cp & 63)); return 2; }
	if (cp < 0x10000) { o[0] = (char)(0xE0 | cp >> 12); o[1] = (char)(0x80 | ((cp >> 6) & 63)); o[2] = (char)(0x80 | (cp & 63)); return 3; }
	o[0] = (char)(0xF0 | cp >> 18); o[1] = (char)(0x80 | ((cp >> 12) & 63));
	o[2] = (char)(0x80 | ((cp >> 6) & 63)); o[3] = (char)(0x80 | (cp & 63));
	return 4;
}

static char *dup_str(const json_doc *d, uint32_t i)
{
	if (json_type_of(d, i) != JSON_STRING) return NULL;
	char *s = xmalloc(d->nodes[i].len + 1);
	s[json_str_decode(d, i, s)] = 0;
	return s;
}

static int str_is(const json_doc *d, uint32_t i, const char *s)
{
	return json_type_of(d, i) == JSON_STRING && json_str_eq(d, i, s, strlen(s));
}

static int truthy(const json_doc *d, uint32_t i) { return json_type_of(d, i) == JSON_TRUE; }

typedef struct loader { tok *t; const json_doc *d; char *err; size_t errlen; } loader;

static int fail(loader *L, const char *fmt, const char *what)
{
	snprintf(L->err, L->errlen, fmt, what ? what : "");
	return -1;
}

static int fail_type(loader *L, const char *what, uint32_t ty)
{
	char *s = dup_str(L->d, ty);
	snprintf(L->err, L->errlen, "unsupported: %s %s", what, s ? s : "(no type)");
	free(s);
	return -1;
}

/* HF compiles its regexes with Oniguruma (Ruby syntax). PCRE2 with UCP
 * agrees on \p{..} and \d but not on \s (PCRE2 adds U+180E), \w (Oniguruma
 * adds marks and all of Pc) or ^ and $ (line anchors in Ruby): spell the
 * classes out and match in multiline mode. \S inside a class stays as it is. */
static void onig_to_pcre2(const char *p, size_t n, jbuf *o)
{
	static const char ws[] = "\\t-\\r\\x{85}\\p{Z}", wd[] = "\\p{L}\\p{M}\\p{N}\\p{Pc}";
	int cls = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '\\' && i + 1 < n) {
			char e = p[++i];
			const char *set = e == 's' || e == 'S' ? ws : e == 'w' || e == 'W' ? wd : NULL;
			int neg = e == 'S' || e == 'W';
			if (set && cls && !neg) jbuf_puts(o, set);
			else if (set && !cls) { jbuf_puts(o, neg ? "[^" : "["); jbuf_puts(o, set); jbuf_putc(o, ']'); }
			else { jbuf_putc(o, '\\'); jbuf_putc(o, e); }
			continue;
		}
		jbuf_putc(o, c);
		if (!cls && c == '[') {
			cls = 1;
			/* a ] right after [ or [^ is a literal */
			if (i + 1 < n && p[i + 1] == '^') jbuf_putc(o, p[++i]);
			if (i + 1 < n && p[i + 1] == ']') jbuf_putc(o, p[++i]);
		} else if (cls && c == '[' && i + 1 < n && p[i + 1] == ':') {
			/* [:alpha:] inside a class */
			const char *end = memmem(p + i, n - i, ":]", 2);
			if (end) { jbuf_put(o, p + i + 1, (size_t)(end + 2 - (p + i + 1))); i = (size_t)(end + 1 - p); }
		} else if (cls && c == ']') cls = 0;
	}
}

static pcre2_code *compile_re(loader *L, const char *where, const char *pat, size_t n)
{
	int ec;
	PCRE2_SIZE eo;
	jbuf tr = {0};
	onig_to_pcre2(pat, n, &tr);
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)(tr.p ? tr.p : ""), tr.len, PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE, &ec, &eo, NULL);
	jbuf_free(&tr);
	if (!re) {
		char msg[160];
		pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
		snprintf(L->err, L->errlen, "%s: regex does not compile (at offset %zu of its PCRE2 form): %s", where, (size_t)eo, msg);
		return NULL;
	}
	/* JIT when available; without it pcre2_jit_match says so and the interpreter runs */
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static const char gpt2_re[] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";
/* HF's Whitespace pre-tokenizer: \w+|[^\w\s]+ under Oniguruma's Unicode
 * classes (\w = L, M, N, Pc; \s = White_Space) */
static const char whitespace_re[] = "[\\p{L}\\p{M}\\p{N}\\p{Pc}]+|[^\\p{L}\\p{M}\\p{N}\\p{Pc}\\t-\\r\\x{85}\\p{Z}]+";

static int load_norm(loader *L, uint32_t n)
{
	const json_doc *d = L->d;
	tok *t = L->t;
	if (json_type_of(d, n) == JSON_NULL || n == JSON_NONE) return 0;
	if (json_type_of(d, n) != JSON_OBJECT) return fail(L, "normalizer: not an object%s", NULL);
	uint32_t ty = json_get(d, n, "type");
	if (str_is(d, ty, "Sequence")) {
		uint32_t l = json_get(d, n, "normalizers");
		if (json_type_of(d, l) != JSON_ARRAY) return fail(L, "normalizer Sequence: no normalizers list%s", NULL);
		JSON_FOR_ELEMS(d, l, e, k) { (void)k; if (load_norm(L, e)) return -1; }
		return 0;
	}
	norm_op op = {0};
	if (str_is(d, ty, "NFC")) op.type = N_NFC;
	else if (str_is(d, ty, "NFKC")) op.type = N_NFKC;
	else if (str_is(d, ty, "NFD")) op.type = N_NFD;
	else if (str_is(d, ty, "NFKD")) op.type = N_NFKD;
	else if (str_is(d, ty, "Lowercase")) op.type = N_LOWER;
	else if (str_is(d, ty, "StripAccents")) op.type = N_STRIP_ACCENTS;
	else if (str_is(d, ty, "Prepend")) {
		op.type = N_PREPEND;
		op.a = dup_str(d, json_get(d, n, "prepend"));
		if (!op.a) return fail(L, "normalizer Prepend: no prepend string%s", NULL);
	} else if (str_is(d, ty, "Replace")) {
		op.type = N_REPLACE;
		uint32_t p = json_get(d, n, "pattern");
		uint32_t rx = json_type_of(d, p) == JSON_OBJECT ? json_get(d, p, "Regex") : JSON_NONE;
		op.b = dup_str(d, json_get(d, n, "content"));
		if (!op.b) return fail(L, "normalizer Replace: no content string%s", NULL);
		if (json_type_of(d, rx) == JSON_STRING) {
			op.type = N_REPLACE_RE;
			char *s = dup_str(d, rx);
			op.re = compile_re(L, "normalizer Replace", s, strlen(s));
			free(s);
			if (!op.re) { free(op.b); return -1; }
		} else {
			op.a = json_type_of(d, p) == JSON_OBJECT ? dup_str(d, json_get(d, p, "String")) : NULL;
			if (!op.a || !*op.a) {
				free(op.a); free(op.b);
				return fail(L, "normalizer Replace: the pattern is neither a non-empty String nor a Regex%s", NULL);
			}
		}
	} else if (str_is(d, ty, "Strip")) {
		op.type = N_STRIP;
		op.left = truthy(d, json_get(d, n, "strip_left"));
		op.right = truthy(d, json_get(d, n, "strip_right"));
	} else if (str_is(d, ty, "BertNormalizer")) {
		op.type = N_BERT;
		uint32_t x = json_get(d, n, "clean_text"), c = json_get(d, n, "handle_chinese_chars"), l = json_get(d, n, "lowercase");
		op.clean = x == JSON_NONE || truthy(d, x);
		op.chinese = c == JSON_NONE || truthy(d, c);
		op.lower = l == JSON_NONE || truthy(d, l);
		uint32_t sa = json_get(d, n, "strip_accents");
		/* strip_accents null: follow lowercase, as BERT does */
		op.strip_accents = (sa == JSON_NONE || json_type_of(d, sa) == JSON_NULL) ? op.lower : truthy(d, sa);
	} else return fail_type(L, "normalizer", ty);
	t->norm = xrealloc(t->norm, (size_t)(t->nnorm + 1) * sizeof *t->norm);
	t->norm[t->nnorm++] = op;
	return 0;
}

static int parse_behavior(loader *L, uint32_t b, int dflt, int *out)
{
	if (b == JSON_NONE) { *out = dflt; return 0; }
	static const char *const names[] = { "Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous" };
	for (int i = 0; i < 5; i++)
		if (str_is(L->d, b, names[i])) { *out = i; return 0; }
	return fail_type(L, "split behavior", b);
}

static int add_pre(loader *L, pre_op op)
{
	tok *t = L->t;
	if (t->npre && t->pre[t->npre - 1].type == P_BYTELEVEL) {
		/* ByteLevel maps bytes to symbols; nothing may split those symbols */
		if (op.re) pcre2_code_free(op.re);
		free(op.str);
		free(op.replacement);
		return fail(L, "unsupported: a pre_tokenizer after ByteLevel%s", NULL);
	}
	t->pre = xrealloc(t->pre, (size_t)(t->npre + 1) * sizeof *t->pre);
	t->pre[t->npre++] = op;
	return 0;
}

static int load_pre(loader *L, uint32_t n)
{
	const json_doc *d = L->d;
	tok *t = L->t;
	if (json_type_of(d, n) == JSON_NULL || n == JSON_NONE) return 0;
	if (json_type_of(d, n) != JSON_OBJECT) return fail(L, "pre_tokenizer: not an object%s", NULL);
	uint32_t ty = json_get(d, n, "type");
	if (str_is(d, ty, "Sequence")) {
		uint32_t l = json_get(d, n, "pretokenizers");
		if (json_type_of(d, l) != JSON_ARRAY) return fail(L, "pre_tokenizer Sequence: no pretokenizers list%s", NULL);
		JSON_FOR_ELEMS(d, l, e, k) { (void)k; if (load_pre(L, e)) return -1; }
		return 0;
	}
	pre_op op = {0};
	if (str_is(d, ty, "Split")) {
		op.type = P_SPLIT;
		op.invert = truthy(d, json_get(d, n, "invert"));
		if (parse_behavior(L, json_get(d, n, "behavior"), B_ISOLATED, &op.behavior)) return -1;
		uint32_t p = json_get(d, n, "pattern");
		if (json_type_of(d, p) != JSON_OBJECT) return fail(L, "pre_tokenizer Split: no pattern%s", NULL);
		uint32_t rx = json_get(d, p, "Regex");
		if (json_type_of(d, rx) == JSON_STRING) {
			char *s = dup_str(d, rx);
			op.re = compile_re(L, "pre_tokenizer Split", s, strlen(s));
			free(s);
			if (!op.re) return -1;
		} else {
			op.str = dup_str(d, json_get(d, p, "String"));
			if (!op.str || !*op.str) { free(op.str); return fail(L, "pre_tokenizer Split: pattern is neither Regex nor a non-empty String%s", NULL); }
		}
	} else if (str_is(d, ty, "Whitespace")) {
		op.type = P_SPLIT;
		op.behavior = B_REMOVED;
		op.invert = 1;
		op.re = compile_re(L, "pre_tokenizer Whitespace", whitespace_re, strlen(whitespace_re));
		if (!op.re) return -1;
	} else if (str_is(d, ty, "WhitespaceSplit")) {
		op.type = P_CLASS;
		op.cls = C_WS;
		op.behavior = B_REMOVED;
	} else if (str_is(d, ty, "Punctuation")) {
		op.type = P_CLASS;
		op.cls = C_PUNCT;
		if (parse_behavior(L, json_get(d, n, "behavior"), B_ISOLATED, &op.behavior)) return -1;
	} else if (str_is(d, ty, "BertPreTokenizer")) {
		/* whitespace removed, then each punctuation character isolated */
		op.type = P_CLASS;
		op.cls = C_WS;
		op.behavior = B_REMOVED;
		if (add_pre(L, op)) return -1;
		op.cls = C_PUNCT;
		op.behavior = B_ISOLATED;
	} else if (str_is(d, ty, "Digits")) {
		op.type = P_CLASS;
		op.cls = C_NUMERIC;
		op.behavior = truthy(d, json_get(d, n, "individual_digits")) ? B_ISOLATED : B_CONTIG;
	} else if (str_is(d, ty, "CharDelimiterSplit")) {
		uint32_t dl = json_get(d, n, "delimiter");
		char *s = dup_str(d, dl);
		size_t cl = 0;
		if (s && *s) op.delim = u8dec(s, strlen(s), &cl);
		int one = s && *s && cl == strlen(s);
		free(s);
		if (!one) return fail(L, "pre_tokenizer CharDelimiterSplit: the delimiter is not one character%s", NULL);
		op.type = P_CLASS;
		op.cls = C_DELIM;
		op.behavior = B_REMOVED;
	} else if (str_is(d, ty, "ByteLevel")) {
		op.type = P_BYTELEVEL;
		op.add_prefix_space = truthy(d, json_get(d, n, "add_prefix_space"));
		uint32_t ur = json_get(d, n, "use_regex");
		if (ur == JSON_NONE || truthy(d, ur)) {
			op.re = compile_re(L, "pre_tokenizer ByteLevel", gpt2_re, strlen(gpt2_re));
			if (!op.re) return -1;
		}
		t->byte_level = 1;
	} else if (str_is(d, ty, "Metaspace")) {
		op.type = P_METASPACE;
		op.replacement = dup_str(d, json_get(d, n, "replacement"));
		if (!op.replacement || !*op.replacement) { free(op.replacement); op.replacement = xstrdup("\xe2\x96\x81"); }
		uint32_t ps = json_get(d, n, "prepend_scheme");
		if (str_is(d, ps, "never")) op.prepend = 0;
		else if (str_is(d, ps, "first")) op.prepend = 2;
		else if (ps == JSON_NONE) op.prepend = json_get(d, n, "add_prefix_space") == JSON_NONE || truthy(d, json_get(d, n, "add_prefix_space"));
		else op.prepend = 1;
		uint32_t sp = json_get(d, n, "split");
		op.split = sp == JSON_NONE || truthy(d, sp);
	} else return fail_type(L, "pre_tokenizer", ty);
	return add_pre(L, op);
}

static int count_post(loader *L, uint32_t n, int *count)
{
	const json_doc *d = L->d;
	if (n == JSON_NONE || json_type_of(d, n) == JSON_NULL) return 0;
	if (json_type_of(d, n) != JSON_OBJECT) return fail(L, "post_processor: not an object%s", NULL);
	uint32_t ty = json_get(d, n, "type");
	if (str_is(d, ty, "Sequence")) {
		uint32_t l = json_get(d, n, "processors");
		if (json_type_of(d, l) != JSON_ARRAY) return fail(L, "post_processor Sequence: no processors%s", NULL);
		JSON_FOR_ELEMS(d, l, e, k) { (void)k; if (count_post(L, e, count)) return -1; }
		return 0;
	}
	if (str_is(d, ty, "ByteLevel")) return 0;
	if (str_is(d, ty, "RobertaProcessing") || str_is(d, ty, "BertProcessing")) { *count += 2; return 0; }
	if (str_is(d, ty, "TemplateProcessing")) {
		uint32_t s = json_get(d, n, "single");
		if (json_type_of(d, s) != JSON_ARRAY) return fail(L, "post_processor TemplateProcessing: no single template%s", NULL);
		uint32_t st = json_get(d, n, "special_tokens");
		JSON_FOR_ELEMS(d, s, e, k) {
			(void)k;
			uint32_t sp = json_get(d, e, "SpecialToken");
			if (sp == JSON_NONE) continue;
			uint32_t id = json_get(d, sp, "id");
			int add = 1;
			if (json_type_of(d, st) == JSON_OBJECT && json_type_of(d, id) == JSON_STRING) {
				size_t il;
				const char *is = json_str_raw(d, id, &il);
				uint32_t ent = json_getn(d, st, is, il);
				uint32_t ids = json_type_of(d, ent) == JSON_OBJECT ? json_get(d, ent, "ids") : JSON_NONE;
				if (json_type_of(d, ids) == JSON_ARRAY) add = (int)d->nodes[ids].count;
			}
			*count += add;
		}
		return 0;
	}
	return fail_type(L, "post_processor", ty);
}
static int load_model(loader *L, uint32_t m)
{
	const json_doc *d = L->d;
	tok *t = L->t;
	if (json_type_of(d, m) != JSON_OBJECT) return fail(L, "model: missing%s", NULL);
	uint32_t ty = json_get(d, m, "type");
	if (ty != JSON_NONE && !str_is(d, ty, "BPE")) {
		char *s = dup_str(d, ty);
		snprintf(L->err, L->errlen, "unsupported: model %s (only BPE)", s ? s : "?");
		free(s);
		return -1;
	}
	if (json_type_of(d, json_get(d, m, "dropout")) == JSON_NUMBER && json_num_double(d, json_get(d, m, "dropout")) > 0)
		return fail(L, "unsupported: BPE dropout%s", NULL);
	uint32_t cs = json_get(d, m, "continuing_subword_prefix"), es = json_get(d, m, "end_of_word_suffix");
	if ((json_type_of(d, cs) == JSON_STRING && d->nodes[cs].len) || (json_type_of(d, es) == JSON_STRING && d->nodes[es].len))
		return fail(L, "unsupported: BPE continuing_subword_prefix / end_of_word_suffix%s", NULL);
	uint32_t v = json_get(d, m, "vocab");
	if (json_type_of(d, v) != JSON_OBJECT) return fail(L, "model.vocab: not an object%s", NULL);
	char *buf = NULL;
	size_t bcap = 0;
	sm_reserve(&t->vocab, d->nodes[v].count + 300);
	jbuf_reserve(&t->vocab.pool, d->nodes[v].len);
	JSON_FOR_MEMBERS(d, v, k, val, i) {
		(void)i;
		int64_t id;
		if (json_type_of(d, val) != JSON_NUMBER || json_num_i64(d, val, &id) || id < 0 || id > INT32_MAX) {
			free(buf);
			return fail(L, "model.vocab: an id is not a non-negative integer%s", NULL);
		}
		if (d->nodes[k].len + 1 > bcap) { bcap = d->nodes[k].len + 64; buf = xrealloc(buf, bcap); }
		size_t n = json_str_decode(d, k, buf);
		sm_put(&t->vocab, buf, n, (int32_t)id);
	}
	uint32_t mg = json_get(d, m, "merges");
	if (mg != JSON_NONE && json_type_of(d, mg) != JSON_ARRAY) { free(buf); return fail(L, "model.merges: not a list%s", NULL); }
	jbuf cat = {0};
	if (mg != JSON_NONE) mm_reserve(&t->merges, d->nodes[mg].count + 1);
	if (mg != JSON_NONE) JSON_FOR_ELEMS(d, mg, e, r) {
		const char *a, *b;
		size_t an, bn;
		char *tmp = NULL;
		if (json_type_of(d, e) == JSON_STRING) {
			tmp = dup_str(d, e);
			char *sp = strchr(tmp, ' ');
			if (!sp || strchr(sp + 1, ' ')) {
				free(tmp); free(buf); jbuf_free(&cat);
				snprintf(L->err, L->errlen, "model.merges[%u]: not \"a b\"", r);
				return -1;
			}
			a = tmp, an = sp - tmp, b = sp + 1, bn = strlen(b);
		} else if (json_type_of(d, e) == JSON_ARRAY && d->nodes[e].count == 2 &&
			   json_type_of(d, e + 1) == JSON_STRING && json_type_of(d, d->nodes[e + 1].next) == JSON_STRING) {
			uint32_t x = e + 1, y = d->nodes[e + 1].next;
			jbuf_reset(&cat);
			json_str_append(d, x, &cat);
			an = cat.len;
			json_str_append(d, y, &cat);
			tmp = xmalloc(cat.len + 1);
			memcpy(tmp, cat.p, cat.len);
			a = tmp, b = tmp + an, bn = cat.len - an;
		} else {
			free(buf); jbuf_free(&cat);
			snprintf(L->err, L->errlen, "model.merges[%u]: neither \"a b\" nor [\"a\",\"b\"]", r);
			return -1;
		}
		int32_t ia = sm_get(&t->vocab, a, an), ib = sm_get(&t->vocab, b, bn);
		jbuf_reset(&cat);
		jbuf_put(&cat, a, an);
		jbuf_put(&cat, b, bn);
		int32_t im = sm_get(&t->vocab, cat.p, cat.len);
		free(tmp);
		if (ia < 0 || ib < 0 || im < 0) {
			free(buf); jbuf_free(&cat);
			snprintf(L->err, L->errlen, "model.merges[%u]: a part or the merge is not in the vocab", r);
			return -1;
		}
		mm_put(&t->merges, ia, ib, (int32_t)r, im);
	}
	jbuf_free(&cat);
	free(buf);
	t->byte_fallback = truthy(d, json_get(d, m, "byte_fallback"));
	t->fuse_unk = truthy(d, json_get(d, m, "fuse_unk"));
	t->ignore_merges = truthy(d, json_get(d, m, "ignore_merges"));
	t->unk = -1;
	uint32_t u = json_get(d, m, "unk_token");
	if (json_type_of(d, u) == JSON_STRING) {
		char *s = dup_str(d, u);
		t->unk = sm_get(&t->vocab, s, strlen(s));
		free(s);
	}
	for (int b = 0; b < 256; b++) {
		char fb[8];
		snprintf(fb, sizeof fb, "<0x%02X>", b);
		t->byte_fb[b] = sm_get(&t->vocab, fb, 6);
	}
	return 0;
}

/* ---- normalizers ---- */

/* The quick check: code points below U+0300 are stable under NFC, below
 * U+00C0 under NFD (U+00C0 on decompose), ASCII under NFKC/NFKD (which
 * also change U+00A0 ...). */
static int unorm_stable(int type, const char *in, size_t n)
{
	unsigned char lim = type == N_NFC ? 0xCC : type == N_NFD ? 0xC3 : 0xC2;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)in[i] >= lim) return 0;
	return 1;
}

/* Unicode normalization form of in[0..n) appended to out. */
static void unorm(int type, const char *in, size_t n, jbuf *out)
{
	if (unorm_stable(type, in, n)) { jbuf_put(out, in, n); return; }
	int fl = UTF8PROC_STABLE;
	if (type == N_NFC) fl |= UTF8PROC_COMPOSE;
	if (type == N_NFD) fl |= UTF8PROC_DECOMPOSE;
	if (type == N_NFKC) fl |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
	if (type == N_NFKD) fl |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
	/* Only the runs of non-ASCII characters (with the ASCII character before
	 * each, which a combining mark may compose with) can change: ASCII is
	 * stable under every normalization form and never composes as the
	 * second character of a pair. Normalizing runs keeps ASCII-heavy text
	 * on the fast path. */
	size_t i = 0;
	while (i < n) {
		size_t a = i;
		while (i < n && (unsigned char)in[i] < 0x80) i++;
		if (i == n) { jbuf_put(out, in + a, n - a); break; }
		size_t st = i > a ? i - 1 : i;   /* include the preceding ASCII character */
		jbuf_put(out, in + a, st - a);
		while (i < n && (unsigned char)in[i] >= 0x80) i++;
		utf8proc_uint8_t *r = NULL;
		utf8proc_ssize_t rn = utf8proc_map((const utf8proc_uint8_t *)in + st, (utf8proc_ssize_t)(i - st), &r, fl);
		if (rn < 0) jbuf_put(out, in + st, i - st);   /* valid UTF-8 in: not reached */
		else jbuf_put(out, r, (size_t)rn);
		free(r);
	}
}

/* Rust's char::to_lowercase, one character at a time as HF's Lowercase does
 * (no final-sigma context; U+0130 becomes "i" + U+0307). */
static void lower(const char *in, size_t n, jbuf *out)
{
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)in[i];
		if (c < 0x80) { jbuf_putc(out, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c)); i++; continue; }
		size_t k;
		uint32_t cp = u8dec(in + i, n - i, &k);
		i += k;
		if (cp == 0x130) { jbuf_put(out, "i\xcc\x87", 3); continue; }
		char u[4];
		jbuf_put(out, u, put_utf8(u, (uint32_t)utf8proc_tolower((utf8proc_int32_t)cp)));
	}
}

/* Keep the characters whose category is not one of the marks in [lo, hi]. */
static void drop_marks(const char *in, size_t n, int lo, int hi, jbuf *out)
{
	for (size_t i = 0; i < n;) {
		size_t k;
		uint32_t cp = u8dec(in + i, n - i, &k);
		int c = cp < 0x300 ? 0 : cp_cat(cp);
		if (!(c >= lo && c <= hi)) jbuf_put(out, in + i, k);
		i += k;
	}
}

static int cp_chinese(uint32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
	       (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* HF's BertNormalizer: clean_text, handle_chinese_chars, strip_accents, lowercase, in that order. */
static void bert_norm(const norm_op *op, const char *in, size_t n, jbuf *out, jbuf *tmp)
{
	jbuf_reset(tmp);
	for (size_t i = 0; i < n;) {
		size_t k;
		uint32_t cp = u8dec(in + i, n - i, &k);
		const char *p = in + i;
		i += k;
		if (op->clean) {
			if (cp == 0 || cp == 0xFFFD) continue;
			if (cp == '\t' || cp == '\n' || cp == '\r' || cp_ws(cp)) { jbuf_putc(tmp, ' '); continue; }
			int c = cp_cat(cp);
			/* is_other: Cc Cf Cs Co (unassigned code points are kept, as HF keeps them) */
			if (c >= UTF8PROC_CATEGORY_CC) continue;
		}
		if (op->chinese && cp_chinese(cp)) { jbuf_putc(tmp, ' '); jbuf_put(tmp, p, k); jbuf_putc(tmp, ' '); continue; }
		jbuf_put(tmp, p, k);
	}
	const char *cur = tmp->p ? tmp->p : "";
	size_t cn = tmp->len;
	jbuf x = {0};
	if (op->strip_accents) {
		jbuf y = {0};
		unorm(N_NFD, cur, cn, &y);
		drop_marks(y.p ? y.p : "", y.len, UTF8PROC_CATEGORY_MN, UTF8PROC_CATEGORY_MN, &x);
		jbuf_free(&y);
		cur = x.p ? x.p : "";
		cn = x.len;
	}
	if (op->lower) lower(cur, cn, out);
	else jbuf_put(out, cur, cn);
	jbuf_free(&x);
}

/* Oniguruma's find_iter over s[0..n): the matches, an empty one never right
 * after the previous match. Calls fn(ctx, start, end) for each; returns the
 * number found. */
typedef void (*match_fn)(void *ctx, size_t s, size_t e);
static size_t find_iter(pcre2_code *re, pcre2_match_data *md, const char *s, size_t n, match_fn fn, void *ctx, const int *stop)
{
	size_t last_end = 0, found = 0;
	size_t last_match_end = (size_t)-1;
	while (last_end <= n && !(stop && *stop)) {
		/* the JIT entry skips the interpreter's option checks; it fails
		 * with PCRE2_ERROR_JIT_BADOPTION when the pattern has no JIT code */
		int rc = pcre2_jit_match(re, (PCRE2_SPTR)s, n, last_end, PCRE2_NO_UTF_CHECK, md, NULL);
		if (rc == PCRE2_ERROR_JIT_BADOPTION) rc = pcre2_match(re, (PCRE2_SPTR)s, n, last_end, PCRE2_NO_UTF_CHECK, md, NULL);
		if (rc < 0) break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
		size_t ms = ov[0], me = ov[1];
		if (me < ms) break;   /* \K in a lookahead: not a usable match */
		if (me == ms && me == last_match_end) {
			if (last_end >= n) break;
			size_t k;
			u8dec(s + last_end, n - last_end, &k);
			last_end += k;
			continue;
		}
		last_end = last_match_end = me;
		fn(ctx, ms, me);
		found++;
	}
	return found;
}

typedef struct repl_ctx { const char *in; size_t pos; const char *content; jbuf *out; } repl_ctx;
static void repl_one(void *ctx, size_t s, size_t e)
{
	repl_ctx *c = ctx;
	jbuf_put(c->out, c->in + c->pos, s - c->pos);
	jbuf_puts(c->out, c->content);
	c->pos = e;
}

/* One normalizer step from in to out (out != in). */
static void norm_step(const norm_op *op, pcre2_match_data *md, const char *in, size_t n, jbuf *out, jbuf *tmp)
{
	jbuf_reset(out);
	switch (op->type) {
	case N_NFC: case N_NFKC: case N_NFD: case N_NFKD:
		unorm(op->type, in, n, out);
		return;
	case N_LOWER:
		lower(in, n, out);
		return;
	case N_STRIP_ACCENTS:
		/* unicode-normalization's is_combining_mark: Mn, Mc, Me */
		drop_marks(in, n, UTF8PROC_CATEGORY_MN, UTF8PROC_CATEGORY_ME, out);
		return;
	case N_BERT:
		bert_norm(op, in, n, out, tmp);
		return;
	case N_PREPEND:
		if (n) jbuf_puts(out, op->a);
		jbuf_put(out, in, n);
		return;
	case N_REPLACE: {
		/* leftmost non-overlapping occurrences, as str::replace; the output
		 * is at most n / pl * bl + n bytes, reserved once */
		size_t pl = strlen(op->a), bl = strlen(op->b), i = 0;
		jbuf_reserve(out, n + (bl > pl ? n / pl * (bl - pl) : 0) + 1);
		char *o = out->p + out->len;
		if (pl == 1) {
			/* one byte (Gemma's and Mistral's ' ' -> U+2581): no search calls */
			char a = op->a[0];
			for (; i < n; i++) {
				if (in[i] != a) { *o++ = in[i]; continue; }
				memcpy(o, op->b, bl);
				o += bl;
			}
		}
		while (i < n) {
			const char *h = pl <= n - i ? memchr(in + i, op->a[0], n - i - pl + 1) : NULL;
			if (!h) break;
			size_t j = (size_t)(h - in);
			if (memcmp(h, op->a, pl)) { memcpy(o, in + i, j + 1 - i); o += j + 1 - i; i = j + 1; continue; }
			memcpy(o, in + i, j - i);
			o += j - i;
			memcpy(o, op->b, bl);
			o += bl;
			i = j + pl;
		}
		memcpy(o, in + i, n - i);
		o += n - i;
		*o = 0;   /* jbuf keeps a NUL after its bytes */
		out->len = (size_t)(o - out->p);
		return;
	}
	case N_REPLACE_RE: {
		repl_ctx c = { in, 0, op->b, out };
		find_iter(op->re, md, in, n, repl_one, &c, NULL);
		jbuf_put(out, in + c.pos, n - c.pos);
		return;
	}
	case N_STRIP: {
		size_t a = 0, b = n, k;
		if (op->left) while (a < b && cp_ws(u8dec(in + a, b - a, &k))) a += k;
		if (op->right) while (b > a) {
			k = u8back(in + a, b - a);
			size_t k2;
			if (!cp_ws(u8dec(in + b - k, k, &k2))) break;
			b -= k;
		}
		jbuf_put(out, in + a, b - a);
		return;
	}
	}
}

/* The normalizer chain over in[0..n): the result is in *outp and *outn (in
 * itself when there is no normalizer, else one of the buffers a, b). */
static void normalize(const tok *t, pcre2_match_data *md, const char *in, size_t n, jbuf *a, jbuf *b, jbuf *tmp,
		      const char **outp, size_t *outn)
{
	const char *cur = in;
	size_t cn = n;
	jbuf *bufs[2] = { a, b };
	int which = 0;
	for (int i = 0; i < t->nnorm; i++) {
		/* a text that a normalization form leaves as it is (the quick check
		 * of unorm) is not copied: Qwen's NFC on ASCII-heavy text */
		if (t->norm[i].type >= N_NFC && t->norm[i].type <= N_NFKD && unorm_stable(t->norm[i].type, cur, cn)) continue;
		norm_step(&t->norm[i], md, cur, cn, bufs[which], tmp);
		cur = bufs[which]->p ? bufs[which]->p : "";
		cn = bufs[which]->len;
		which ^= 1;
	}
	*outp = cur;
	*outn = cn;
}

/* ---- added tokens ---- */

static void trie_add(atrie *tr, const char *s, size_t n, int32_t idx)
{
	int32_t node = 0, child, unused;
	if (!tr->term) { tr->term = xmalloc(sizeof *tr->term); tr->term[0] = -1; tr->nn = 1; }
	for (size_t i = 0; i < n; i++) {
		if (!mm_get(&tr->edges, node, (unsigned char)s[i], &child, &unused)) {
			child = tr->nn++;
			tr->term = xrealloc(tr->term, (size_t)tr->nn * sizeof *tr->term);
			tr->term[child] = -1;
			mm_put(&tr->edges, node, (unsigned char)s[i], child, 0);
		}
		node = child;
	}
	if (tr->term[node] < 0) tr->term[node] = idx;   /* the first of equal contents wins */
	if (!tr->first[(unsigned char)s[0]]) { tr->nfirst++; tr->only = (unsigned char)s[0]; }
	tr->first[(unsigned char)s[0]] = 1;
}

static void trie_free(atrie *tr)
{
	free(tr->edges.t);
	free(tr->term);
}

static int load_added(loader *L, uint32_t at)
{
	const json_doc *d = L->d;
	tok *t = L->t;
	if (at == JSON_NONE || json_type_of(d, at) == JSON_NULL) return 0;
	if (json_type_of(d, at) != JSON_ARRAY) return fail(L, "added_tokens: not a list%s", NULL);
	pcre2_match_data *md = pcre2_match_data_create(4, NULL);
	jbuf a = {0}, b = {0}, tmp = {0};
	int rc = 0;
	JSON_FOR_ELEMS(d, at, e, k) {
		int64_t id;
		char *s = json_type_of(d, e) == JSON_OBJECT ? dup_str(d, json_get(d, e, "content")) : NULL;
		if (!s || json_type_of(d, json_get(d, e, "id")) != JSON_NUMBER || json_num_i64(d, json_get(d, e, "id"), &id) ||
		    id < 0 || id > INT32_MAX) {
			free(s);
			snprintf(L->err, L->errlen, "added_tokens[%u]: lacks a string content or an integer id", k);
			rc = -1;
			break;
		}
		if (!*s) { free(s); continue; }
		added_tok x = { s, strlen(s), (int32_t)id, 0, 0, 0, 0 };
		x.lstrip = truthy(d, json_get(d, e, "lstrip"));
		x.rstrip = truthy(d, json_get(d, e, "rstrip"));
		x.single_word = truthy(d, json_get(d, e, "single_word"));
		uint32_t nz = json_get(d, e, "normalized");
		/* AddedToken's default: special tokens are matched in the raw text */
		x.normalized = nz == JSON_NONE ? !truthy(d, json_get(d, e, "special")) : truthy(d, nz);
		if (x.normalized && t->nnorm) {
			/* matched after normalization: the content is normalized too */
			const char *np;
			size_t nn;
			normalize(t, md, s, x.n, &a, &b, &tmp, &np, &nn);
			if (!nn) { free(s); continue; }
			x.s = xmalloc(nn + 1);
			memcpy(x.s, np, nn);
			x.s[nn] = 0;
			x.n = nn;
			free(s);
		}
		t->added = xrealloc(t->added, (size_t)(t->nadded + 1) * sizeof *t->added);
		t->added[t->nadded++] = x;
	}
	pcre2_match_data_free(md);
	jbuf_free(&a); jbuf_free(&b); jbuf_free(&tmp);
	if (rc) return rc;
	for (int i = 0; i < t->nadded; i++)
		trie_add(t->added[i].normalized ? &t->normed : &t->raw, t->added[i].s, t->added[i].n, i);
	return 0;
}

/* Character classes for barriers: ASCII bytes are their own class, U+2581
 * is 128, any other character 129. */
enum { CL_SP = 128, CL_OTHER = 129 };
enum { K_SOFT, K_VOCAB, K_INERT };
static inline int char_class(const char *p, size_t n, size_t *len)
{
	unsigned char c = (unsigned char)p[0];
	if (c < 0x80) { *len = 1; return c; }
	size_t k = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (k > n) k = n;
	*len = k;
	return k == 3 && c == 0xE2 && (unsigned char)p[1] == 0x96 && (unsigned char)p[2] == 0x81 ? CL_SP : CL_OTHER;
}

/* How a character becomes its first symbols: a vocab entry (K_VOCAB);
 * byte-fallback tokens that no merge takes (K_INERT); or the unk token or
 * nothing (K_SOFT: it may fuse with an unk beside it, or vanish and let its
 * neighbours meet). */
static int char_kind(const tok *t, const char *p, size_t n)
{
	if (sm_get(&t->vocab, p, n) >= 0) return K_VOCAB;
	if (!t->byte_fallback || !t->fb_inert) return K_SOFT;
	for (size_t j = 0; j < n; j++)
		if (t->byte_fb[(unsigned char)p[j]] < 0) return K_SOFT;
	return K_INERT;
}

/* HF's BPE merges a word's symbols by rank alone, so where no merge can
 * ever join the symbol ending at a character with the one starting at the
 * next, the two sides are merged independently and the word may be cut
 * there and its pieces encoded (and cached) alone, with the same ids. That
 * holds between two characters with vocab entries when no vocab entry
 * holds the pair (every merged symbol is a vocab entry), and beside a
 * character that becomes byte-fallback tokens no merge takes. Gemma and
 * Mistral have no pre-tokenizer (a whole text is one word): these cuts
 * keep their words short. */
static void find_barriers(tok *t)
{
	/* which ids are <0xXX> tokens, then whether a merge takes one */
	int32_t maxid = 0;
	for (size_t i = 0; i < t->vocab.n; i++) if (t->vocab.e[i].val > maxid) maxid = t->vocab.e[i].val;
	unsigned char *isfb = xcalloc((size_t)maxid + 1, 1);
	for (int x = 0; x < 256; x++) if (t->byte_fb[x] >= 0) isfb[t->byte_fb[x]] = 1;
	t->fb_inert = 1;
	for (size_t i = 0; i < t->merges.cap && t->fb_inert; i++) {
		if (t->merges.t[i].key == UINT64_MAX) continue;
		uint32_t a = (uint32_t)(t->merges.t[i].key >> 32), b = (uint32_t)t->merges.t[i].key;
		if ((a <= (uint32_t)maxid && isfb[a]) || (b <= (uint32_t)maxid && isfb[b])) t->fb_inert = 0;
	}
	free(isfb);
	for (int c = 0; c < 129; c++) {
		char u[3];
		size_t n = 1;
		if (c == CL_SP) memcpy(u, "\xe2\x96\x81", n = 3);
		else u[0] = (char)c;
		t->cls_id[c] = sm_get(&t->vocab, u, n);
		t->kind[c] = (unsigned char)char_kind(t, u, n);
	}
	for (size_t i = 0; i < t->vocab.n; i++) {
		const char *k = t->vocab.pool.p + t->vocab.e[i].off;
		size_t kl = t->vocab.e[i].len, l;
		int prev = -1;
		for (size_t j = 0; j < kl; j += l) {
			int c = char_class(k + j, kl - j, &l);
			if (prev >= 0) t->pair[prev][c] = 1;
			prev = c;
		}
	}
	for (int a = 0; a < 129; a++)
		for (int b = 0; b < 129; b++)
			t->cut[a][b] = t->kind[a] == K_INERT || t->kind[b] == K_INERT ||
				       (t->kind[a] == K_VOCAB && t->kind[b] == K_VOCAB && !t->pair[a][b]);
	t->barriers = 1;
}

static tok *load_doc(const json_doc *d, char *err, size_t errlen)
{
	tok *t = xcalloc(1, sizeof *t);
	loader L = { t, d, err, errlen };
	if (json_type_of(d, 0) != JSON_OBJECT) { fail(&L, "not a JSON object%s", NULL); goto bad; }
	if (load_model(&L, json_get(d, 0, "model"))) goto bad;
	if (load_norm(&L, json_get(d, 0, "normalizer"))) goto bad;
	if (load_pre(&L, json_get(d, 0, "pre_tokenizer"))) goto bad;
	if (count_post(&L, json_get(d, 0, "post_processor"), &t->n_special)) goto bad;
	if (t->byte_level) {
		for (int b = 0; b < 256; b++) {
			char u[4];
			size_t n = put_utf8(u, byte_cp(b));
			t->byte_sym[b] = sm_get(&t->vocab, u, n);
			if (t->byte_sym[b] < 0) {
				snprintf(err, errlen, "ByteLevel: byte 0x%02X has no vocab entry", b);
				goto bad;
			}
		}
	}
	if (load_added(&L, json_get(d, 0, "added_tokens"))) goto bad;
	/* a bound on the bytes one token covers (tok_count_bounded): the
	 * longest vocab entry (byte-level entries are at least as long as their
	 * bytes, <0xXX> longer than its one), an unk one character; none when
	 * fused unks may cover any run */
	for (size_t i = 0; i < t->vocab.n; i++)
		if (t->vocab.e[i].len > t->max_len) t->max_len = t->vocab.e[i].len;
	if (t->unk >= 0 && t->max_len < 4) t->max_len = 4;
	if (t->unk >= 0 && t->fuse_unk) t->max_len = 0;
	if (!t->byte_level) find_barriers(t);
	return t;
bad:
	tok_free(t);
	return NULL;
}

tok *tok_load_mem(const char *json, size_t len, char *err, size_t errlen)
{
	json_doc d;
	json_doc_init(&d);
	tok *t = NULL;
	if (json_parse(&d, json, len))
		snprintf(err, errlen, "tokenizer.json: %s", d.err);   /* d.err names the byte */
	else
		t = load_doc(&d, err, errlen);
	json_doc_free(&d);
	return t;
}

tok *tok_load(const char *path, char *err, size_t errlen)
{
	struct stat st;
	char *p = NULL;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		jbuf b = {0};
		jbuf_printf(&b, "%s/tokenizer.json", path);
		p = jbuf_detach(&b, NULL);
	} else p = xstrdup(path);
	size_t blen;
	char *b = read_file(p, &blen);
	tok *t = NULL;
	if (!b) snprintf(err, errlen, "%s: %s", p, strerror(errno));
	else {
		char e2[400];
		t = tok_load_mem(b, blen, e2, sizeof e2);
		if (!t) snprintf(err, errlen, "%s: %s", p, e2);
	}
	free(b);
	free(p);
	return t;
}

void tok_free(tok *t)
{
	if (!t) return;
	sm_free(&t->vocab);
	free(t->merges.t);
	for (int i = 0; i < t->nnorm; i++) {
		free(t->norm[i].a);
		free(t->norm[i].b);
		if (t->norm[i].re) pcre2_code_free(t->norm[i].re);
	}
	free(t->norm);
	for (int i = 0; i < t->npre; i++) {
		if (t->pre[i].re) pcre2_code_free(t->pre[i].re);
		free(t->pre[i].str);
		free(t->pre[i].replacement);
	}
	free(t->pre);
	for (int i = 0; i < t->nadded; i++) free(t->added[i].s);
	free(t->added);
	trie_free(&t->raw);
	trie_free(&t->normed);
	free(t);
}
/* ---- encoding ---- */

typedef struct amatch { size_t s, e; int32_t id; } amatch;
typedef struct amatches { amatch *v; size_t n, cap; } amatches;

#define CACHE_BITS 17
/* the longest word cached: 1024 bytes, so runs of U+2581 (3 bytes each) in
 * aligned code, which Gemma and Mistral keep whole, are cached too */
#define CACHE_MAX 1024
/* One cache line a word: keys of up to 24 bytes and results of up to 5 ids
 * are held in the entry itself, longer ones in ckeys / cids, so a hit on a
 * short word touches one line of memory. */
enum { CK_IN = 24, CI_IN = 5 };
typedef struct cache_ent {
	uint64_t h;
	uint32_t koff, ioff;
	uint16_t klen, in;
	char key[CK_IN];
	int32_t ids[CI_IN];
} cache_ent;

struct tok_state {
	const tok *t;
	jbuf a, b, tmp;         /* normalization buffers */
	amatches am, an;        /* added tokens found in the raw / normalized text */
	pcre2_match_data *md;   /* the normalizers' */
	/* the pre-tokenizers run depth first, one piece at a time: per stage
	 * its rewritten piece (ByteLevel's prefix space, Metaspace), its match
	 * data, and whether it has seen a piece of this section yet */
	jbuf *sb;
	pcre2_match_data **smd;
	int *seen;
	/* where ids go (NULL: counted only), how many, the bound and whether
	 * it was passed (tok_count_bounded) */
	tok_ids *out;
	size_t count, limit;
	int stop;
	tok_ids wids;           /* counting only: one word's ids */
	/* BPE scratch */
	int32_t *id, *prv, *nxt;
	size_t scap;
	struct hent { int32_t rank, pos, a, b, m; } *heap;
	size_t hcap;
	jbuf word;
	/* word cache */
	cache_ent *cache;
	jbuf ckeys;
	tok_ids cids;
};

tok_state *tok_state_new(const tok *t)
{
	tok_state *s = xcalloc(1, sizeof *s);
	s->t = t;
	s->md = pcre2_match_data_create(4, NULL);
	int np = t->npre ? t->npre : 1;
	s->sb = xcalloc((size_t)np, sizeof *s->sb);
	s->smd = xcalloc((size_t)np, sizeof *s->smd);
	s->seen = xcalloc((size_t)np, sizeof *s->seen);
	for (int i = 0; i < t->npre; i++) s->smd[i] = pcre2_match_data_create(4, NULL);
	s->cache = xcalloc((size_t)1 << CACHE_BITS, sizeof *s->cache);
	return s;
}

void tok_state_free(tok_state *s)
{
	if (!s) return;
	jbuf_free(&s->a);
	jbuf_free(&s->b);
	jbuf_free(&s->tmp);
	free(s->am.v);
	free(s->an.v);
	pcre2_match_data_free(s->md);
	for (int i = 0; i < s->t->npre; i++) { jbuf_free(&s->sb[i]); pcre2_match_data_free(s->smd[i]); }
	free(s->sb);
	free(s->smd);
	free(s->seen);
	tok_ids_free(&s->wids);
	free(s->id); free(s->prv); free(s->nxt);
	free(s->heap);
	jbuf_free(&s->word);
	free(s->cache);
	jbuf_free(&s->ckeys);
	tok_ids_free(&s->cids);
	free(s);
}

void tok_ids_free(tok_ids *ids)
{
	free(ids->v);
	ids->v = NULL;
	ids->n = ids->cap = 0;
}

static inline void ids_push(tok_ids *o, int32_t id)
{
	if (o->n == o->cap) { o->cap = o->cap ? o->cap * 2 : 256; o->v = xrealloc(o->v, o->cap * sizeof *o->v); }
	o->v[o->n++] = id;
}

/* Added tokens in txt[0..n), as HF's AddedVocabulary finds them: the
 * leftmost-longest match, then the next after it; a single_word token only
 * between non-word characters; lstrip/rstrip take the whitespace beside it
 * (never what an earlier match took). */
static void find_added(const tok *t, const atrie *tr, const char *txt, size_t n, amatches *out)
{
	out->n = 0;
	size_t start_offset = 0;
	for (size_t i = 0; i < n;) {
		if (!tr->first[(unsigned char)txt[i]]) {
			/* every added token of these models starts with '<': jump to the next */
			if (tr->nfirst != 1) { i++; continue; }
			const char *h = memchr(txt + i, tr->only, n - i);
			if (!h) break;
			i = (size_t)(h - txt);
		}
		int32_t node = 0, child, unused, best = -1;
		size_t blen = 0;
		for (size_t j = i; j < n && mm_get(&tr->edges, node, (unsigned char)txt[j], &child, &unused); j++) {
			node = child;
			if (tr->term[node] >= 0) { best = tr->term[node]; blen = j + 1 - i; }
		}
		if (best < 0) { i++; continue; }
		const added_tok *a = &t->added[best];
		size_t s = i, e = i + blen, k;
		i = e;
		if (a->single_word) {
			if (s > 0) {
				size_t bl = u8back(txt, s);
				if (cp_word(u8dec(txt + s - bl, bl, &k))) continue;
			}
			if (e < n && cp_word(u8dec(txt + e, n - e, &k))) continue;
		}
		if (a->lstrip) {
			while (s > start_offset) {
				size_t bl = u8back(txt, s);
				if (!cp_ws(u8dec(txt + s - bl, bl, &k))) break;
				s -= bl;
			}
		}
		if (a->rstrip) while (e < n && cp_ws(u8dec(txt + e, n - e, &k))) e += k;
		if (out->n == out->cap) { out->cap = out->cap ? out->cap * 2 : 16; out->v = xrealloc(out->v, out->cap * sizeof *out->v); }
		out->v[out->n].s = s;
		out->v[out->n].e = e;
		out->v[out->n].id = a->id;
		out->n++;
		start_offset = i = e;
	}
}

static void stage(tok_state *s, int i, const char *txt, size_t off, size_t len, int z, int at0);

/* One piece being split by pre-tokenizer i: its text and offset, whether
 * it starts the work text (z), and HF's SplitDelimiterBehavior folding its
 * segments (delimiter matches, m = 1, and the text between) as they come:
 * the piece folded so far (have: ps..pe, pm) and the last segment's m. */
typedef struct splitter {
	tok_state *s;
	int i, z, at0, behavior, inv;
	const char *txt;
	size_t base, prev;      /* prev: the end of the last match, in the piece */
	int have, pm, last;
	size_t ps, pe;
} splitter;

static void fold_emit(splitter *f, size_t a, size_t b)
{
	if (b > a) stage(f->s, f->i + 1, f->txt, f->base + a, b - a, f->z && a == 0, f->at0);
}

/* The segment a..b (offsets in the piece): what HF's folding does with it,
 * one segment at a time (MergedWithNext needs only the one before). */
static void fold_seg(splitter *f, size_t a, size_t b, int m)
{
	switch (f->behavior) {
	case B_REMOVED:
		if (!m) fold_emit(f, a, b);
		return;
	case B_ISOLATED:
		fold_emit(f, a, b);
		return;
	case B_MPREV:      /* a delimiter joins the piece before it */
	case B_CONTIG:     /* runs of delimiters (and of the rest) are one piece */
		if (f->have && (f->behavior == B_MPREV ? m && !f->last : m == f->last)) f->pe = b;
		else {
			if (f->have) fold_emit(f, f->ps, f->pe);
			f->ps = a, f->pe = b, f->have = 1;
		}
		f->last = m;
		return;
	default:           /* B_MNEXT: a delimiter joins the piece after it */
		if (f->have && f->pm && !m) { fold_emit(f, f->ps, b); f->have = 0; return; }
		if (f->have) fold_emit(f, f->ps, f->pe);
		f->ps = a, f->pe = b, f->pm = m, f->have = 1;
		return;
	}
}

static void split_match(void *ctx, size_t a, size_t b)
{
	splitter *f = ctx;
	if (f->prev != a) fold_seg(f, f->prev, a, f->inv);
	fold_seg(f, a, b, !f->inv);
	f->prev = b;
}

static int cls_match(const pre_op *op, uint32_t c)
{
	switch (op->cls) {
	case C_WS: return cp_ws(c);
	case C_PUNCT: return cp_punct(c);
	case C_NUMERIC: return cp_numeric(c);
	default: return c == op->delim;
	}
}

/* Split txt[off..off+len) by pre-tokenizer i and pass each piece to the
 * next stage. Each piece is matched on its own (as HF does: ^, $ and
 * lookarounds see the piece's ends). */
static void split_piece(tok_state *s, int i, const char *txt, size_t off, size_t len, int z, int at0)
{
	const pre_op *op = &s->t->pre[i];
	splitter f = { s, i, z, at0, op->type == P_BYTELEVEL ? B_ISOLATED : op->behavior, op->invert, txt, off, 0, 0, 0, 0, 0, 0 };
	if (op->type == P_CLASS) {
		size_t k;
		for (size_t j = 0; j < len && !s->stop; j += k) {
			uint32_t c = u8dec(txt + off + j, len - j, &k);
			if (!cls_match(op, c)) continue;
			if (f.prev != j) fold_seg(&f, f.prev, j, 0);
			fold_seg(&f, j, j + k, 1);
			f.prev = j + k;
		}
		if (f.prev != len) fold_seg(&f, f.prev, len, 0);
	} else {
		if (op->re) find_iter(op->re, s->smd[i], txt + off, len, split_match, &f, &s->stop);
		else {
			size_t pl = strlen(op->str);
			for (size_t j = 0; j + pl <= len && !s->stop;) {
				const char *h = memmem(txt + off + j, len - j, op->str, pl);
				if (!h) break;
				size_t ms = (size_t)(h - (txt + off));
				split_match(&f, ms, ms + pl);
				j = ms + pl;
			}
		}
		if (f.prev != len) fold_seg(&f, f.prev, len, op->invert);
	}
	if (f.have) fold_emit(&f, f.ps, f.pe);
}

static inline void heap_push(tok_state *s, size_t *hn, int32_t rank, int32_t pos, int32_t a, int32_t b, int32_t m)
{
	if (*hn == s->hcap) { s->hcap = s->hcap ? s->hcap * 2 : 256; s->heap = xrealloc(s->heap, s->hcap * sizeof *s->heap); }
	size_t i = (*hn)++;
	struct hent e = { rank, pos, a, b, m };
	while (i) {
		size_t p = (i - 1) / 2;
		struct hent *q = &s->heap[p];
		if (q->rank < rank || (q->rank == rank && q->pos < pos)) break;
		s->heap[i] = *q;
		i = p;
	}
	s->heap[i] = e;
}

static inline struct hent heap_pop(tok_state *s, size_t *hn)
{
	struct hent top = s->heap[0], last = s->heap[--*hn];
	size_t i = 0, n = *hn;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n) break;
		if (c + 1 < n && (s->heap[c + 1].rank < s->heap[c].rank ||
				  (s->heap[c + 1].rank == s->heap[c].rank && s->heap[c + 1].pos < s->heap[c].pos))) c++;
		if (last.rank < s->heap[c].rank || (last.rank == s->heap[c].rank && last.pos < s->heap[c].pos)) break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (n) s->heap[i] = last;
	return top;
}

static inline int pair_get(tok_state *s, int32_t a, int32_t b, int32_t *rank, int32_t *id)
{
	return mm_get(&s->t->merges, a, b, rank, id);
}

/* Merge the n symbols in s->id[] and append the result to out. */
static void bpe(tok_state *s, size_t n, tok_ids *out)
{
	int32_t *id = s->id, *prv = s->prv, *nxt = s->nxt;
	int32_t r, m;
	if (n <= 16) {
		/* short words: a linear scan for the best pair beats a heap. The
		 * symbols stay in place, linked; pr[i] and pm[i] are the rank and
		 * result of the pair starting at symbol i, looked up once and again
		 * only next to a merge. Ties go to the leftmost pair, as in HF. */
		int32_t pr[16], pm[16];
		signed char nx[16], pv[16];
		for (size_t i = 0; i < n; i++) {
			nx[i] = (signed char)(i + 1 < n ? (int)i + 1 : -1);
			pv[i] = (signed char)((int)i - 1);
			if (i + 1 >= n || !pair_get(s, id[i], id[i + 1], &pr[i], &pm[i])) pr[i] = INT32_MAX;
		}
		for (;;) {
			int32_t best = INT32_MAX;
			int bi = -1;
			for (int i = 0; i >= 0; i = nx[i])
				if (pr[i] < best) { best = pr[i]; bi = i; }
			if (bi < 0) break;
			int j = nx[bi];
			id[bi] = pm[bi];
			nx[bi] = nx[j];
			if (nx[j] >= 0) pv[nx[j]] = (signed char)bi;
			if (nx[bi] < 0 || !pair_get(s, id[bi], id[nx[bi]], &pr[bi], &pm[bi])) pr[bi] = INT32_MAX;
			int q = pv[bi];
			if (q >= 0 && !pair_get(s, id[q], id[bi], &pr[q], &pm[q])) pr[q] = INT32_MAX;
		}
		for (int i = 0; i >= 0; i = nx[i]) ids_push(out, id[i]);
		return;
	}
	size_t hn = 0;
	for (size_t i = 0; i < n; i++) { prv[i] = (int32_t)i - 1; nxt[i] = i + 1 < n ? (int32_t)i + 1 : -1; }
	for (size_t i = 0; i + 1 < n; i++)
		if (pair_get(s, id[i], id[i + 1], &r, &m)) heap_push(s, &hn, r, (int32_t)i, id[i], id[i + 1], m);
	while (hn) {
		struct hent e = heap_pop(s, &hn);
		int32_t p = e.pos, q = nxt[p];
		if (id[p] != e.a || q < 0 || id[q] != e.b || prv[p] == -2) continue;
		id[p] = e.m;
		nxt[p] = nxt[q];
		if (nxt[q] >= 0) prv[nxt[q]] = p;
		prv[q] = -2;   /* dead */
		id[q] = -1;
		if (prv[p] >= 0 && pair_get(s, id[prv[p]], id[p], &r, &m)) heap_push(s, &hn, r, prv[p], id[prv[p]], id[p], m);
		if (nxt[p] >= 0 && pair_get(s, id[p], id[nxt[p]], &r, &m)) heap_push(s, &hn, r, p, id[p], id[nxt[p]], m);
	}
	for (int32_t i = 0; i >= 0; i = nxt[i]) ids_push(out, id[i]);
}

static void ensure_scratch(tok_state *s, size_t n)
{
	if (n <= s->scap) return;
	s->scap = n + n / 2 + 16;
	s->id = xrealloc(s->id, s->scap * sizeof *s->id);
	s->prv = xrealloc(s->prv, s->scap * sizeof *s->prv);
	s->nxt = xrealloc(s->nxt, s->scap * sizeof *s->nxt);
}


/* A word's symbols under a model without ByteLevel, merged (HF's BPE: each
 * character is a symbol; one the vocab lacks becomes its bytes' <0xXX>
 * tokens (byte_fallback, when all exist), else the unk token (consecutive
 * ones fused with fuse_unk), else nothing). */
static void sp_bpe(tok_state *s, const char *w, size_t n, tok_ids *out)
{
	const tok *t = s->t;
	ensure_scratch(s, n);
	size_t k = 0;
	int last_unk = 0;
	for (size_t i = 0; i < n;) {
		size_t cl = 1;
		unsigned char c = (unsigned char)w[i];
		int32_t id;
		if (c < 0x80) id = t->cls_id[c];
		else {
			if (c >= 0xF0) cl = 4; else if (c >= 0xE0) cl = 3; else if (c >= 0xC0) cl = 2;
			if (i + cl > n) cl = n - i;
			id = cl == 3 && c == 0xE2 && (unsigned char)w[i + 1] == 0x96 && (unsigned char)w[i + 2] == 0x81 ? t->cls_id[CL_SP]
											   : sm_get(&t->vocab, w + i, cl);
		}
		int fb = id < 0 && t->byte_fallback;
		for (size_t j = 0; fb && j < cl; j++) fb = t->byte_fb[(unsigned char)w[i + j]] >= 0;
		if (id >= 0) { s->id[k++] = id; last_unk = 0; }
		else if (fb) {
			for (size_t j = 0; j < cl; j++) s->id[k++] = t->byte_fb[(unsigned char)w[i + j]];
			last_unk = 0;
		} else if (t->unk >= 0) {
			if (!(t->fuse_unk && last_unk)) s->id[k++] = t->unk;
			last_unk = 1;
		}
		i += cl;
	}
	bpe(s, k, out);
}

/* A byte-level word's ids (ignore_merges: a word in the vocab is one token). */
static void bl_bpe(tok_state *s, const char *w, size_t n, tok_ids *out)
{
	const tok *t = s->t;
	if (t->ignore_merges) {
		jbuf_reset(&s->word);
		for (size_t i = 0; i < n; i++) {
			char u[4];
			jbuf_put(&s->word, u, put_utf8(u, byte_cp((unsigned char)w[i])));
		}
		int32_t v = sm_get(&t->vocab, s->word.p, s->word.len);
		if (v >= 0) { ids_push(out, v); return; }
	}
	ensure_scratch(s, n);
	for (size_t i = 0; i < n; i++) s->id[i] = t->byte_sym[(unsigned char)w[i]];
	bpe(s, n, out);
}

/* w[0..n) to ids through the cache: bl_bpe for byte-level models, else
 * sp_bpe. Words of up to CACHE_MAX bytes are cached. */
/* Words of up to 16 bytes as two 64-bit words that, with the length, tell
 * them apart (XXH3's trick for short inputs: overlapping loads), so their
 * hash and comparison take no call. */
static inline uint64_t load64(const char *p) { uint64_t v; memcpy(&v, p, 8); return v; }
static inline uint32_t load32(const char *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline void short_key(const char *w, size_t n, uint64_t k[2])
{
	if (n >= 8) { k[0] = load64(w); k[1] = load64(w + n - 8); }
	else if (n >= 4) { k[0] = load32(w) | (uint64_t)load32(w + n - 4) << 32; k[1] = 0; }
	else { k[0] = n ? (unsigned char)w[0] | (unsigned)(unsigned char)w[n / 2] << 8 | (unsigned)(unsigned char)w[n - 1] << 16 : 0; k[1] = 0; }
}

static void encode_cached(tok_state *s, const char *w, size_t n, tok_ids *out)
{
	uint64_t h, k[2] = { 0, 0 };
	if (n <= 16) {
		short_key(w, n, k);
		h = mhash(k[0] ^ mhash(k[1] + n));
	} else h = XXH3_64bits(w, n);
	cache_ent *ce = n <= CACHE_MAX ? &s->cache[h & (((size_t)1 << CACHE_BITS) - 1)] : NULL;
	if (ce && ce->h == h && ce->klen == n &&
	    (n <= 16 ? load64(ce->key) == k[0] && load64(ce->key + 8) == k[1]
		     : !memcmp(n <= CK_IN ? ce->key : s->ckeys.p + ce->koff, w, n))) {
		const int32_t *v = ce->in <= CI_IN ? ce->ids : s->cids.v + ce->ioff;
		for (uint32_t i = 0; i < ce->in; i++) ids_push(out, v[i]);
		return;
	}
	size_t start = out->n;
	if (s->t->byte_level) bl_bpe(s, w, n, out);
	else sp_bpe(s, w, n, out);
	if (ce) {
		size_t m = out->n - start;
		if (s->ckeys.len + n > (1u << 24) || s->cids.n + m > (1u << 22)) {
			/* the cache's storage is full: start over */
			memset(s->cache, 0, ((size_t)1 << CACHE_BITS) * sizeof *s->cache);
			jbuf_reset(&s->ckeys);
			s->cids.n = 0;
		}
		ce->h = h;
		ce->klen = (uint16_t)n;
		if (n <= 16) memcpy(ce->key, k, 16);
		else if (n <= CK_IN) memcpy(ce->key, w, n);
		else {
			ce->koff = (uint32_t)s->ckeys.len;
			jbuf_put(&s->ckeys, w, n);
		}
		ce->in = (uint16_t)m;
		if (m <= CI_IN) memcpy(ce->ids, out->v + start, m * sizeof *out->v);
		else {
			ce->ioff = (uint32_t)s->cids.n;
			for (size_t i = 0; i < m; i++) ids_push(&s->cids, out->v[start + i]);
		}
	}
}

/* A word (a piece after pre-tokenization) to ids. Without ByteLevel the word
 * is cut at its barriers (see find_barriers) and each piece encoded alone. */
static void encode_word(tok_state *s, const char *w, size_t n, tok_ids *out)
{
	const tok *t = s->t;
	if (t->byte_level) { encode_cached(s, w, n, out); return; }
	if (t->ignore_merges) {
		/* a whole word in the vocab is one token; its pieces are not */
		int32_t v = sm_get(&t->vocab, w, n);
		if (v >= 0) { ids_push(out, v); return; }
	}
	/* kinds of the other class's characters are looked up only when needed
	 * (-1: not yet); an unknown kind is taken as not inert, which only
	 * loses cuts */
	size_t st = 0, l, pi = 0, pl, i;
	int pc = char_class(w, n, &pl), pk = pc < CL_OTHER ? t->kind[pc] : -1;
	for (i = pl; i < n; pi = i, pl = l, i += l) {
		if (pc < CL_OTHER && (unsigned char)w[i] < 0x80) {
			/* ASCII after a class character: one table lookup a byte */
			for (; i < n && (unsigned char)w[i] < 0x80; pc = (unsigned char)w[i++]) {
				if (!t->cut[pc][(unsigned char)w[i]]) continue;
				if (i - st == 1 && t->cls_id[pc] >= 0) ids_push(out, t->cls_id[pc]);
				else encode_cached(s, w + st, i - st, out);
				st = i;
				if (out == &s->wids && s->count + out->n > s->limit) return;
			}
			pk = t->kind[pc];
			pi = i - 1;
			pl = 1;
			if (i == n) break;
		}
		int c = char_class(w + i, n - i, &l), k = c < CL_OTHER ? t->kind[c] : -1;
		int cut = 0;
		if (c < CL_OTHER && pc < CL_OTHER) cut = t->cut[pc][c];
		else if (pk == K_INERT || k == K_INERT) cut = 1;
		else if (!t->pair[pc][c]) {
			if (pk < 0) pk = char_kind(t, w + pi, pl);
			if (pk == K_VOCAB && k < 0) k = char_kind(t, w + i, l);
			cut = pk == K_VOCAB && k == K_VOCAB;
		}
		if (cut) {
			/* one character with a vocab entry is its own token */
			if (i - st == pl && pc < CL_OTHER && t->cls_id[pc] >= 0) ids_push(out, t->cls_id[pc]);
			else encode_cached(s, w + st, i - st, out);
			st = i;
			/* counting to a bound: a long word stops once past it */
			if (out == &s->wids && s->count + out->n > s->limit) return;
		}
		pc = c;
		pk = k;
	}
	encode_cached(s, w + st, n - st, out);
}

/* A word out of the pre-tokenizers. Counting only, its ids go to a scratch
 * list and are counted; with a bound, a word whose every token would have
 * to be longer than the vocabulary's longest entry to stay within it ends
 * the count unmerged (each token covers at most max_len bytes), so a huge
 * word costs no merge scratch. */
static void word(tok_state *s, const char *w, size_t n)
{
	const tok *t = s->t;
	if (s->limit != SIZE_MAX && t->max_len && (n - 1) / t->max_len + 1 > s->limit - s->count) {
		s->count += (n - 1) / t->max_len + 1;
		s->stop = 1;
		return;
	}
	if (s->out) {
		size_t before = s->out->n;
		encode_word(s, w, n, s->out);
		s->count += s->out->n - before;
		return;
	}
	s->wids.n = 0;
	encode_word(s, w, n, &s->wids);
	s->count += s->wids.n;
	s->wids.n = 0;
	if (s->count > s->limit) s->stop = 1;
}

/* Pre-tokenizer i over one piece txt[off..off+len), depth first: its
 * pieces go to stage i + 1, the last stage's to word(). z: the piece starts
 * the work text as HF's pipeline would lay it out (Metaspace's "first");
 * at0: the section starts the input. */
static void stage(tok_state *s, int i, const char *txt, size_t off, size_t len, int z, int at0)
{
	const tok *t = s->t;
	if (s->stop) return;
	if (i == t->npre) { word(s, txt + off, len); return; }
	const pre_op *op = &t->pre[i];
	if (op->type == P_SPLIT || op->type == P_CLASS) { split_piece(s, i, txt, off, len, z, at0); return; }
	jbuf *b = &s->sb[i];
	if (op->type == P_BYTELEVEL) {
		if (op->add_prefix_space && txt[off] != ' ') {
			/* a space before each piece that lacks one */
			jbuf_reset(b);
			jbuf_putc(b, ' ');
			jbuf_put(b, txt + off, len);
			txt = b->p, off = 0, len = b->len;
		}
		if (op->re) split_piece(s, i, txt, off, len, z, at0);
		else stage(s, i + 1, txt, off, len, z, at0);
		return;
	}
	/* Metaspace: spaces become the replacement, which is prepended (always,
	 * or to the input's first piece) unless the piece starts with it; with
	 * split, each replacement starts a piece. Its pieces are laid out anew,
	 * so only its first piece of the section starts the work text. */
	int first = !s->seen[i];
	s->seen[i] = 1;
	size_t rl = strlen(op->replacement);
	const char *pp = txt + off;
	int pre = op->prepend == 1 || (op->prepend == 2 && at0 && z);
	jbuf_reset(b);
	if (pre && !(len >= rl && !memcmp(pp, op->replacement, rl)) && !(len && pp[0] == ' '))
		jbuf_put(b, op->replacement, rl);
	for (size_t j = 0; j < len; j++) {
		if (pp[j] == ' ') jbuf_put(b, op->replacement, rl);
		else jbuf_putc(b, pp[j]);
	}
	if (!op->split) { stage(s, i + 1, b->p, 0, b->len, first, at0); return; }
	size_t st = 0;
	for (size_t j = 1; j + rl <= b->len && !s->stop; j++)
		if (!memcmp(b->p + j, op->replacement, rl)) { stage(s, i + 1, b->p, st, j - st, first && st == 0, at0); st = j; }
	stage(s, i + 1, b->p, st, b->len - st, first && st == 0, at0);
}

/* Pre-tokenize txt[0..n) (normalized text between added tokens) and encode
 * its words. at0: the text starts at offset 0 of the input (Metaspace's
 * prepend_scheme "first"). */
static void pretok_encode(tok_state *s, const char *txt, size_t n, int at0)
{
	if (!n || s->stop) return;
	memset(s->seen, 0, (size_t)(s->t->npre ? s->t->npre : 1) * sizeof *s->seen);
	stage(s, 0, txt, 0, n, 1, at0);
}

static inline void emit_id(tok_state *s, int32_t id)
{
	if (s->out) ids_push(s->out, id);
	if (++s->count > s->limit) s->stop = 1;
}

/* Normalize a section of the input between raw added tokens, find the
 * normalized added tokens in it, and encode the text between them. */
static void encode_section(tok_state *s, const char *txt, size_t n, int at0)
{
	const tok *t = s->t;
	const char *cur;
	size_t cn;
	normalize(t, s->md, txt, n, &s->a, &s->b, &s->tmp, &cur, &cn);
	if (!cn) return;
	if (!t->normed.nn) { pretok_encode(s, cur, cn, at0); return; }
	find_added(t, &t->normed, cur, cn, &s->an);
	size_t seg = 0;
	for (size_t k = 0; k < s->an.n && !s->stop; k++) {
		const amatch *m = &s->an.v[k];
		if (m->s > seg) pretok_encode(s, cur + seg, m->s - seg, at0 && seg == 0);
		if (!s->stop) emit_id(s, m->id);
		seg = m->e;
	}
	if (seg < cn) pretok_encode(s, cur + seg, cn - seg, at0 && seg == 0);
}

static size_t encode_all(tok_state *s, const char *text, size_t n, tok_ids *out, size_t limit)
{
	const tok *t = s->t;
	s->out = out;
	s->count = 0;
	s->limit = limit;
	s->stop = 0;
	size_t seg = 0;
	if (t->raw.nn) {
		find_added(t, &t->raw, text, n, &s->am);
		for (size_t k = 0; k < s->am.n && !s->stop; k++) {
			const amatch *m = &s->am.v[k];
			if (m->s > seg) encode_section(s, text + seg, m->s - seg, seg == 0);
			if (!s->stop) emit_id(s, m->id);
			seg = m->e;
		}
	}
	if (seg < n && !s->stop) encode_section(s, text + seg, n - seg, seg == 0);
	s->out = NULL;
	return s->count;
}

size_t tok_encode(tok_state *s, const char *text, size_t n, tok_ids *out)
{
	return encode_all(s, text, n, out, SIZE_MAX);
}

size_t tok_count_bounded(tok_state *s, const char *text, size_t n, size_t limit)
{
	return encode_all(s, text, n, NULL, limit);
}

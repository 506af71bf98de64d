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
static inline size_t mhash(uint64_t k) { return (size_t)((k * 0x9E3779B97F4A7C15ull) >> 20); }

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

enum { N_NFC = 1, N_NFKC, N_NFD, N_NFKD, N_LOWER, N_PREPEND, N_REPLACE, N_STRIP };
typedef struct norm_op { int type; char *a, *b; int left, right; } norm_op;

enum { P_SPLIT = 1, P_BYTELEVEL, P_METASPACE, P_DIGITS };
typedef struct pre_op {
	int type;
	pcre2_code *re;        /* Split (regex) and ByteLevel with use_regex */
	char *str;             /* Split with a String pattern */
	int removed;           /* behavior Removed (else Isolated) */
	int add_prefix_space;
	char *replacement;     /* Metaspace */
	int prepend;           /* Metaspace: 0 never, 1 always, 2 first */
	int split;
	int individual;        /* Digits */
} pre_op;

typedef struct added_tok { char *s; size_t n; int32_t id; int lstrip, rstrip; } added_tok;

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
	int32_t unk;
	added_tok *added;      /* sorted longest first */
	int nadded;
	unsigned char added_first[256];
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

static pcre2_code *compile_re(loader *L, const char *pat, size_t n)
{
	int ec;
	PCRE2_SIZE eo;
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)pat, n, PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &ec, &eo, NULL);
	if (!re) {
		char msg[160];
		pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
		snprintf(L->err, L->errlen, "pre_tokenizer Split: regex does not compile at offset %zu: %s", (size_t)eo, msg);
		return NULL;
	}
	/* JIT when available; without it pcre2_jit_match says so and the interpreter runs */
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static const char gpt2_re[] = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

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
	else if (str_is(d, ty, "Prepend")) {
		op.type = N_PREPEND;
		op.a = dup_str(d, json_get(d, n, "prepend"));
		if (!op.a) return fail(L, "normalizer Prepend: no prepend string%s", NULL);
	} else if (str_is(d, ty, "Replace")) {
		op.type = N_REPLACE;
		uint32_t p = json_get(d, n, "pattern");
		op.a = json_type_of(d, p) == JSON_OBJECT ? dup_str(d, json_get(d, p, "String")) : NULL;
		op.b = dup_str(d, json_get(d, n, "content"));
		if (!op.a || !op.b || !*op.a) {
			free(op.a); free(op.b);
			return fail(L, "unsupported: normalizer Replace without a String pattern (Regex patterns are not supported)%s", NULL);
		}
	} else if (str_is(d, ty, "Strip")) {
		op.type = N_STRIP;
		op.left = truthy(d, json_get(d, n, "strip_left"));
		op.right = truthy(d, json_get(d, n, "strip_right"));
	} else {
		char *s = dup_str(d, ty);
		snprintf(L->err, L->errlen, "unsupported: normalizer %s", s ? s : "(no type)");
		free(s);
		return -1;
	}
	t->norm = xrealloc(t->norm, (size_t)(t->nnorm + 1) * sizeof *t->norm);
	t->norm[t->nnorm++] = op;
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
		if (truthy(d, json_get(d, n, "invert"))) return fail(L, "unsupported: pre_tokenizer Split with invert%s", NULL);
		uint32_t b = json_get(d, n, "behavior");
		if (str_is(d, b, "Removed")) op.removed = 1;
		else if (!str_is(d, b, "Isolated")) return fail(L, "unsupported: pre_tokenizer Split behavior (only Isolated and Removed)%s", NULL);
		uint32_t p = json_get(d, n, "pattern");
		if (json_type_of(d, p) != JSON_OBJECT) return fail(L, "pre_tokenizer Split: no pattern%s", NULL);
		uint32_t rx = json_get(d, p, "Regex");
		if (json_type_of(d, rx) == JSON_STRING) {
			char *s = dup_str(d, rx);
			op.re = compile_re(L, s, strlen(s));
			free(s);
			if (!op.re) return -1;
		} else {
			op.str = dup_str(d, json_get(d, p, "String"));
			if (!op.str || !*op.str) { free(op.str); return fail(L, "pre_tokenizer Split: pattern is neither Regex nor String%s", NULL); }
		}
	} else if (str_is(d, ty, "ByteLevel")) {
		op.type = P_BYTELEVEL;
		op.add_prefix_space = truthy(d, json_get(d, n, "add_prefix_space"));
		uint32_t ur = json_get(d, n, "use_regex");
		if (ur == JSON_NONE || truthy(d, ur)) {
			op.re = compile_re(L, gpt2_re, strlen(gpt2_re));
			if (!op.re) return -1;
		}
		t->byte_level = 1;
	} else if (str_is(d, ty, "Metaspace")) {
		op.type = P_METASPACE;
		op.replacement = dup_str(d, json_get(d, n, "replacement"));
		if (!op.replacement) op.replacement = xstrdup("\xe2\x96\x81");
		uint32_t ps = json_get(d, n, "prepend_scheme");
		if (str_is(d, ps, "never")) op.prepend = 0;
		else if (str_is(d, ps, "first")) op.prepend = 2;
		else if (ps == JSON_NONE) op.prepend = json_get(d, n, "add_prefix_space") == JSON_NONE || truthy(d, json_get(d, n, "add_prefix_space"));
		else op.prepend = 1;
		uint32_t sp = json_get(d, n, "split");
		op.split = sp == JSON_NONE || truthy(d, sp);
	} else if (str_is(d, ty, "Digits")) {
		op.type = P_DIGITS;
		op.individual = truthy(d, json_get(d, n, "individual_digits"));
	} else {
		char *s = dup_str(d, ty);
		snprintf(L->err, L->errlen, "unsupported: pre_tokenizer %s", s ? s : "(no type)");
		free(s);
		return -1;
	}
	t->pre = xrealloc(t->pre, (size_t)(t->npre + 1) * sizeof *t->pre);
	t->pre[t->npre++] = op;
	return 0;
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
	char *s = dup_str(d, ty);
	snprintf(L->err, L->errlen, "unsupported: post_processor %s", s ? s : "(no type)");
	free(s);
	return -1;
}

static int cmp_added(const void *a, const void *b)
{
	const added_tok *x = a, *y = b;
	return x->n != y->n ? (x->n < y->n ? 1 : -1) : (x->id - y->id);
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
	uint32_t at = json_get(d, 0, "added_tokens");
	if (at != JSON_NONE && json_type_of(d, at) != JSON_ARRAY) { fail(&L, "added_tokens: not a list%s", NULL); goto bad; }
	if (at != JSON_NONE) JSON_FOR_ELEMS(d, at, e, k) {
		(void)k;
		int64_t id;
		char *s = dup_str(d, json_get(d, e, "content"));
		if (!s || json_num_i64(d, json_get(d, e, "id"), &id) || id < 0 || id > INT32_MAX) {
			free(s);
			fail(&L, "added_tokens: an entry lacks content or id%s", NULL);
			goto bad;
		}
		if (!*s) { free(s); continue; }
		t->added = xrealloc(t->added, (size_t)(t->nadded + 1) * sizeof *t->added);
		added_tok *a = &t->added[t->nadded++];
		a->s = s;
		a->n = strlen(s);
		a->id = (int32_t)id;
		a->lstrip = truthy(d, json_get(d, e, "lstrip"));
		a->rstrip = truthy(d, json_get(d, e, "rstrip"));
		t->added_first[(unsigned char)s[0]] = 1;
	}
	if (t->nadded) qsort(t->added, t->nadded, sizeof *t->added, cmp_added);
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
		snprintf(err, errlen, "tokenizer.json: %s at byte %zu", d.err, d.err_off);
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
	FILE *f = fopen(p, "rb");
	if (!f) { snprintf(err, errlen, "%s: %s", p, strerror(errno)); free(p); return NULL; }
	jbuf b = {0};
	char tmp[1 << 16];
	size_t n;
	while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) jbuf_put(&b, tmp, n);
	int rerr = ferror(f);
	fclose(f);
	tok *t = NULL;
	if (rerr) snprintf(err, errlen, "%s: read error", p);
	else {
		char e2[400];
		t = tok_load_mem(b.p ? b.p : "", b.len, e2, sizeof e2);
		if (!t) snprintf(err, errlen, "%s: %s", p, e2);
	}
	jbuf_free(&b);
	free(p);
	return t;
}

void tok_free(tok *t)
{
	if (!t) return;
	sm_free(&t->vocab);
	free(t->merges.t);
	for (int i = 0; i < t->nnorm; i++) { free(t->norm[i].a); free(t->norm[i].b); }
	free(t->norm);
	for (int i = 0; i < t->npre; i++) {
		if (t->pre[i].re) pcre2_code_free(t->pre[i].re);
		free(t->pre[i].str);
		free(t->pre[i].replacement);
	}
	free(t->pre);
	for (int i = 0; i < t->nadded; i++) free(t->added[i].s);
	free(t->added);
	free(t);
}

/* ---- encoding ---- */

typedef struct span { size_t off, len; } span;
typedef struct spans { span *v; size_t n, cap; } spans;

static void sp_push(spans *s, size_t off, size_t len)
{
	if (!len) return;
	if (s->n == s->cap) { s->cap = s->cap ? s->cap * 2 : 64; s->v = xrealloc(s->v, s->cap * sizeof *s->v); }
	s->v[s->n].off = off;
	s->v[s->n].len = len;
	s->n++;
}

#define CACHE_BITS 17
typedef struct cache_ent { uint64_t h; uint32_t koff, klen, ioff, in; } cache_ent;

struct tok_state {
	const tok *t;
	jbuf a, b;              /* normalization buffers */
	spans p, q;             /* pieces */
	pcre2_match_data *md;
	/* BPE scratch */
	int32_t *id, *prv, *nxt;
	size_t scap;
	struct hent { int32_t rank, pos, a, b; } *heap;
	size_t hcap;
	jbuf word;
	/* word cache */
	cache_ent *cache;
	jbuf ckeys;
	tok_ids cids;
	size_t centries;
};

tok_state *tok_state_new(const tok *t)
{
	tok_state *s = xcalloc(1, sizeof *s);
	s->t = t;
	s->md = pcre2_match_data_create(4, NULL);
	s->cache = xcalloc((size_t)1 << CACHE_BITS, sizeof *s->cache);
	return s;
}

void tok_state_free(tok_state *s)
{
	if (!s) return;
	jbuf_free(&s->a);
	jbuf_free(&s->b);
	free(s->p.v);
	free(s->q.v);
	pcre2_match_data_free(s->md);
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

/* One normalizer step from in to out (both jbufs). */
static void norm_step(const norm_op *op, const char *in, size_t n, jbuf *out)
{
	jbuf_reset(out);
	switch (op->type) {
	case N_NFC: case N_NFKC: case N_NFD: case N_NFKD: {
		/* quick check: code points below U+0300 are stable under NFC/NFD;
		 * NFKC/NFKD also change some Latin-1 ones (U+00A0 ...) */
		int simple = 1;
		unsigned char lim = (op->type == N_NFC || op->type == N_NFD) ? 0xCC : 0xC2;
		for (size_t i = 0; i < n && simple; i++) simple = (unsigned char)in[i] < lim;
		if (simple) { jbuf_put(out, in, n); return; }
		int fl = UTF8PROC_STABLE;
		if (op->type == N_NFC) fl |= UTF8PROC_COMPOSE;
		if (op->type == N_NFD) fl |= UTF8PROC_DECOMPOSE;
		if (op->type == N_NFKC) fl |= UTF8PROC_COMPOSE | UTF8PROC_COMPAT;
		if (op->type == N_NFKD) fl |= UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT;
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
		return;
	}
	case N_LOWER:
		for (size_t i = 0; i < n;) {
			utf8proc_int32_t cp;
			utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)in + i, (utf8proc_ssize_t)(n - i), &cp);
			if (k <= 0) { jbuf_putc(out, in[i]); i++; continue; }
			char u[4];
			jbuf_put(out, u, put_utf8(u, (uint32_t)utf8proc_tolower(cp)));
			i += (size_t)k;
		}
		return;
	case N_PREPEND:
		if (n) jbuf_puts(out, op->a);
		jbuf_put(out, in, n);
		return;
	case N_REPLACE: {
		size_t pl = strlen(op->a);
		for (size_t i = 0; i < n;) {
			if (i + pl <= n && !memcmp(in + i, op->a, pl)) { jbuf_puts(out, op->b); i += pl; }
			else jbuf_putc(out, in[i++]);
		}
		return;
	}
	case N_STRIP: {
		size_t a = 0, b = n;
		if (op->left) while (a < b && strchr(" \t\n\r\f\v", in[a])) a++;
		if (op->right) while (b > a && strchr(" \t\n\r\f\v", in[b - 1])) b--;
		jbuf_put(out, in + a, b - a);
		return;
	}
	}
}

/* Split pieces of s->a.p by a regex (Isolated: matches and gaps are pieces). */
static void split_re(tok_state *s, pcre2_code *re, int removed, const char *txt, const spans *in, spans *out)
{
	out->n = 0;
	for (size_t i = 0; i < in->n; i++) {
		size_t off = in->v[i].off, end = off + in->v[i].len, pos = off;
		while (pos < end) {
			/* the JIT entry skips the interpreter's option checks; it fails
			 * with PCRE2_ERROR_JIT_BADOPTION when the pattern has no JIT code */
			int rc = pcre2_jit_match(re, (PCRE2_SPTR)txt, end, pos, PCRE2_NO_UTF_CHECK, s->md, NULL);
			if (rc == PCRE2_ERROR_JIT_BADOPTION) rc = pcre2_match(re, (PCRE2_SPTR)txt, end, pos, PCRE2_NO_UTF_CHECK, s->md, NULL);
			if (rc < 0) break;
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(s->md);
			size_t ms = ov[0], me = ov[1];
			if (me == ms) {   /* empty match: step one character */
				size_t nx = ms + 1;
				while (nx < end && ((unsigned char)txt[nx] & 0xC0) == 0x80) nx++;
				if (ms > pos) sp_push(out, pos, ms - pos);
				sp_push(out, ms, nx - ms);   /* keep the character in a piece */
				pos = nx;
				continue;
			}
			if (ms > pos) sp_push(out, pos, ms - pos);
			if (!removed) sp_push(out, ms, me - ms);
			pos = me;
		}
		if (pos < end) sp_push(out, pos, end - pos);
	}
}

static void split_str(const char *pat, int removed, const char *txt, const spans *in, spans *out)
{
	size_t pl = strlen(pat);
	out->n = 0;
	for (size_t i = 0; i < in->n; i++) {
		size_t off = in->v[i].off, end = off + in->v[i].len, pos = off;
		for (size_t k = off; k + pl <= end;) {
			if (!memcmp(txt + k, pat, pl)) {
				sp_push(out, pos, k - pos);
				if (!removed) sp_push(out, k, pl);
				k += pl;
				pos = k;
			} else k++;
		}
		sp_push(out, pos, end - pos);
	}
}

static void split_digits(int individual, const char *txt, const spans *in, spans *out)
{
	out->n = 0;
	for (size_t i = 0; i < in->n; i++) {
		size_t off = in->v[i].off, end = off + in->v[i].len, pos = off;
		for (size_t k = off; k < end;) {
			if (txt[k] >= '0' && txt[k] <= '9') {
				size_t e = k + 1;
				if (!individual) while (e < end && txt[e] >= '0' && txt[e] <= '9') e++;
				sp_push(out, pos, k - pos);
				sp_push(out, k, e - k);
				k = pos = e;
			} else k++;
		}
		sp_push(out, pos, end - pos);
	}
}

static inline void heap_push(tok_state *s, size_t *hn, int32_t rank, int32_t pos, int32_t a, int32_t b)
{
	if (*hn == s->hcap) { s->hcap = s->hcap ? s->hcap * 2 : 256; s->heap = xrealloc(s->heap, s->hcap * sizeof *s->heap); }
	size_t i = (*hn)++;
	struct hent e = { rank, pos, a, b };
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

/* Merge the n symbols in s->id[] and append the result to out. */
static void bpe(tok_state *s, size_t n, tok_ids *out)
{
	const mergemap *mm = &s->t->merges;
	int32_t *id = s->id, *prv = s->prv, *nxt = s->nxt;
	int32_t r, m;
	if (n <= 16) {
		/* short words: a linear scan for the best pair beats a heap; each
		 * pair's rank is looked up once and again only next to a merge */
		size_t len = n;
		int32_t pr[16], pm[16];
		for (size_t i = 0; i + 1 < len; i++)
			if (!mm_get(mm, id[i], id[i + 1], &pr[i], &pm[i])) pr[i] = INT32_MAX;
		for (;;) {
			int32_t best = INT32_MAX;
			size_t bi = 0;
			for (size_t i = 0; i + 1 < len; i++)
				if (pr[i] < best) { best = pr[i]; bi = i; }
			if (best == INT32_MAX) break;
			id[bi] = pm[bi];
			memmove(id + bi + 1, id + bi + 2, (len - bi - 2) * sizeof *id);
			memmove(pr + bi + 1, pr + bi + 2, (len - bi - 2) * sizeof *pr);
			memmove(pm + bi + 1, pm + bi + 2, (len - bi - 2) * sizeof *pm);
			len--;
			if (bi > 0 && !mm_get(mm, id[bi - 1], id[bi], &pr[bi - 1], &pm[bi - 1])) pr[bi - 1] = INT32_MAX;
			if (bi + 1 < len && !mm_get(mm, id[bi], id[bi + 1], &pr[bi], &pm[bi])) pr[bi] = INT32_MAX;
		}
		for (size_t i = 0; i < len; i++) ids_push(out, id[i]);
		return;
	}
	size_t hn = 0;
	for (size_t i = 0; i < n; i++) { prv[i] = (int32_t)i - 1; nxt[i] = i + 1 < n ? (int32_t)i + 1 : -1; }
	for (size_t i = 0; i + 1 < n; i++)
		if (mm_get(mm, id[i], id[i + 1], &r, &m)) heap_push(s, &hn, r, (int32_t)i, id[i], id[i + 1]);
	while (hn) {
		struct hent e = heap_pop(s, &hn);
		int32_t p = e.pos, q = nxt[p];
		if (id[p] != e.a || q < 0 || id[q] != e.b || prv[p] == -2) continue;
		mm_get(mm, e.a, e.b, &r, &m);
		id[p] = m;
		nxt[p] = nxt[q];
		if (nxt[q] >= 0) prv[nxt[q]] = p;
		prv[q] = -2;   /* dead */
		id[q] = -1;
		if (prv[p] >= 0 && mm_get(mm, id[prv[p]], id[p], &r, &m)) heap_push(s, &hn, r, prv[p], id[prv[p]], id[p]);
		if (nxt[p] >= 0 && mm_get(mm, id[p], id[nxt[p]], &r, &m)) heap_push(s, &hn, r, p, id[p], id[nxt[p]]);
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

/* A word (a piece after pre-tokenization) to ids, through the cache. */
static void encode_word(tok_state *s, const char *w, size_t n, tok_ids *out)
{
	const tok *t = s->t;
	uint64_t h = XXH3_64bits(w, n);
	cache_ent *ce = n <= 256 ? &s->cache[h & (((size_t)1 << CACHE_BITS) - 1)] : NULL;
	if (ce && ce->h == h && ce->klen == n && !memcmp(s->ckeys.p + ce->koff, w, n)) {
		for (uint32_t i = 0; i < ce->in; i++) ids_push(out, s->cids.v[ce->ioff + i]);
		return;
	}
	size_t start = out->n;
	if (t->byte_level) {
		int done = 0;
		if (t->ignore_merges) {
			jbuf_reset(&s->word);
			for (size_t i = 0; i < n; i++) {
				char u[4];
				jbuf_put(&s->word, u, put_utf8(u, byte_cp((unsigned char)w[i])));
			}
			int32_t v = sm_get(&t->vocab, s->word.p, s->word.len);
			if (v >= 0) { ids_push(out, v); done = 1; }
		}
		if (!done) {
			ensure_scratch(s, n);
			for (size_t i = 0; i < n; i++) s->id[i] = t->byte_sym[(unsigned char)w[i]];
			bpe(s, n, out);
		}
	} else {
		int32_t v = t->ignore_merges ? sm_get(&t->vocab, w, n) : -1;
		if (v >= 0) ids_push(out, v);
		else {
			ensure_scratch(s, n);
			size_t k = 0;
			for (size_t i = 0; i < n;) {
				size_t cl = 1;
				unsigned char c = (unsigned char)w[i];
				if (c >= 0xF0) cl = 4; else if (c >= 0xE0) cl = 3; else if (c >= 0xC0) cl = 2;
				if (i + cl > n) cl = n - i;
				int32_t id = sm_get(&t->vocab, w + i, cl);
				if (id >= 0) s->id[k++] = id;
				else if (t->byte_fallback && t->byte_fb[c] >= 0) {
					for (size_t j = 0; j < cl; j++) s->id[k++] = t->byte_fb[(unsigned char)w[i + j]];
				} else if (t->unk >= 0) {
					if (!(t->fuse_unk && k && s->id[k - 1] == t->unk)) s->id[k++] = t->unk;
				}
				i += cl;
			}
			bpe(s, k, out);
		}
	}
	if (ce) {
		size_t m = out->n - start;
		if (s->ckeys.len + n > (1u << 24) || s->cids.n + m > (1u << 22)) {
			/* the cache's storage is full: start over */
			memset(s->cache, 0, ((size_t)1 << CACHE_BITS) * sizeof *s->cache);
			jbuf_reset(&s->ckeys);
			s->cids.n = 0;
		}
		ce->h = h;
		ce->koff = (uint32_t)s->ckeys.len;
		ce->klen = (uint32_t)n;
		jbuf_put(&s->ckeys, w, n);
		ce->ioff = (uint32_t)s->cids.n;
		ce->in = (uint32_t)m;
		for (size_t i = 0; i < m; i++) ids_push(&s->cids, out->v[start + i]);
	}
}

/* Normalize, pre-tokenize and encode a section of text between added tokens. */
static void encode_section(tok_state *s, const char *txt, size_t n, int first, tok_ids *out)
{
	const tok *t = s->t;
	const char *cur = txt;
	size_t cn = n;
	jbuf *bufs[2] = { &s->a, &s->b };
	int which = 0;
	for (int i = 0; i < t->nnorm; i++) {
		norm_step(&t->norm[i], cur, cn, bufs[which]);
		cur = bufs[which]->p ? bufs[which]->p : "";
		cn = bufs[which]->len;
		which ^= 1;
	}
	if (!cn) return;
	/* pre-tokenizers work on a buffer they may rewrite (ByteLevel prefix, Metaspace) */
	jbuf *work = bufs[which];
	if (cur != work->p) { jbuf_reset(work); jbuf_put(work, cur, cn); }
	spans *in = &s->p, *outp = &s->q;
	in->n = 0;
	sp_push(in, 0, work->len);
	for (int i = 0; i < t->npre; i++) {
		const pre_op *op = &t->pre[i];
		switch (op->type) {
		case P_SPLIT:
			if (op->re) split_re(s, op->re, op->removed, work->p, in, outp);
			else split_str(op->str, op->removed, work->p, in, outp);
			break;
		case P_BYTELEVEL:
			if (op->add_prefix_space && in->n && work->p[0] != ' ' && i == 0) {
				/* only meaningful as the first pre-tokenizer: shift everything by one */
				jbuf tmp = {0};
				jbuf_putc(&tmp, ' ');
				jbuf_put(&tmp, work->p, work->len);
				jbuf_reset(work);
				jbuf_put(work, tmp.p, tmp.len);
				jbuf_free(&tmp);
				in->n = 0;
				sp_push(in, 0, work->len);
			}
			if (op->re) split_re(s, op->re, 0, work->p, in, outp);
			else { spans x = *in; *in = *outp; *outp = x; }
			break;
		case P_METASPACE: {
			/* replace spaces, prepend the replacement, split before each one */
			jbuf tmp = {0};
			size_t rl = strlen(op->replacement);
			spans res = {0};
			for (size_t k = 0; k < in->n; k++) {
				size_t base = tmp.len;
				int pre = op->prepend == 1 || (op->prepend == 2 && first && k == 0);
				const char *pp = work->p + in->v[k].off;
				size_t pn = in->v[k].len;
				if (pre && !(pn >= rl && !memcmp(pp, op->replacement, rl)) && !(pn && pp[0] == ' '))
					jbuf_puts(&tmp, op->replacement);
				for (size_t j = 0; j < pn; j++) {
					if (pp[j] == ' ') jbuf_puts(&tmp, op->replacement);
					else jbuf_putc(&tmp, pp[j]);
				}
				if (!op->split) { sp_push(&res, base, tmp.len - base); continue; }
				size_t st = base;
				for (size_t j = base + 1; j + rl <= tmp.len; j++)
					if (!memcmp(tmp.p + j, op->replacement, rl)) { sp_push(&res, st, j - st); st = j; }
				sp_push(&res, st, tmp.len - st);
			}
			jbuf_reset(work);
			if (tmp.len) jbuf_put(work, tmp.p, tmp.len);
			jbuf_free(&tmp);
			free(outp->v);
			*outp = res;
			break;
		}
		case P_DIGITS:
			split_digits(op->individual, work->p, in, outp);
			break;
		}
		spans x = *in; *in = *outp; *outp = x;
	}
	for (size_t k = 0; k < in->n; k++) encode_word(s, work->p + in->v[k].off, in->v[k].len, out);
}

static int is_ws(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

size_t tok_encode(tok_state *s, const char *text, size_t n, tok_ids *out)
{
	const tok *t = s->t;
	tok_ids local = {0};
	tok_ids *o = out ? out : &local;
	size_t before = o->n;
	size_t seg = 0;
	int first = 1;
	for (size_t i = 0; i < n; i++) {
		if (!t->added_first[(unsigned char)text[i]]) continue;
		const added_tok *hit = NULL;
		for (int k = 0; k < t->nadded; k++) {
			const added_tok *a = &t->added[k];
			if (a->n <= n - i && a->s[0] == text[i] && !memcmp(text + i, a->s, a->n)) { hit = a; break; }
		}
		if (!hit) continue;
		size_t send = i;
		if (hit->lstrip) while (send > seg && is_ws((unsigned char)text[send - 1])) send--;
		if (send > seg) { encode_section(s, text + seg, send - seg, first, o); }
		first = 0;
		ids_push(o, hit->id);
		size_t after = i + hit->n;
		if (hit->rstrip) while (after < n && is_ws((unsigned char)text[after])) after++;
		seg = after;
		i = after - 1;
	}
	if (seg < n) encode_section(s, text + seg, n - seg, first, o);
	size_t cnt = o->n - before;
	if (!out) tok_ids_free(&local);
	return cnt;
}

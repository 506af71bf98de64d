/* load.c — tokenizer.json to a tok: every component checked, unsupported
 * ones refused. See tok.h. */
#include "tok/tok_int.h"
#include "tok/splitre.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>

size_t tok_vocab_size(const tok *t) { return t->vocab.n; }

int tok_n_special(const tok *t) { return t->n_special; }

int32_t tok_token_id(const tok *t, const char *s, size_t n)
{
	for (int i = 0; i < t->nadded; i++)
		if (t->added[i].n == n && !memcmp(t->added[i].s, s, n)) return t->added[i].id;
	return sm_get(&t->vocab, s, n);
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
static void onig_to_pcre2(const char *p, size_t n, strbuf *o)
{
	static const char ws[] = "\\t-\\r\\x{85}\\p{Z}", wd[] = "\\p{L}\\p{M}\\p{N}\\p{Pc}";
	int cls = 0;
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '\\' && i + 1 < n) {
			char e = p[++i];
			const char *set = e == 's' || e == 'S' ? ws : e == 'w' || e == 'W' ? wd : NULL;
			int neg = e == 'S' || e == 'W';
			if (set && cls && !neg) strbuf_puts(o, set);
			else if (set && !cls) { strbuf_puts(o, neg ? "[^" : "["); strbuf_puts(o, set); strbuf_putc(o, ']'); }
			else { strbuf_putc(o, '\\'); strbuf_putc(o, e); }
			continue;
		}
		strbuf_putc(o, c);
		if (!cls && c == '[') {
			cls = 1;
			/* a ] right after [ or [^ is a literal */
			if (i + 1 < n && p[i + 1] == '^') strbuf_putc(o, p[++i]);
			if (i + 1 < n && p[i + 1] == ']') strbuf_putc(o, p[++i]);
		} else if (cls && c == '[' && i + 1 < n && p[i + 1] == ':') {
			/* [:alpha:] inside a class */
			const char *end = memmem(p + i, n - i, ":]", 2);
			if (end) { strbuf_put(o, p + i + 1, (size_t)(end + 2 - (p + i + 1))); i = (size_t)(end + 1 - p); }
		} else if (cls && c == ']') cls = 0;
	}
}

pcre2_code *tok_compile_re(const char *pat, size_t n, char *err, size_t errlen)
{
	int ec;
	PCRE2_SIZE eo;
	strbuf tr = {0};
	onig_to_pcre2(pat, n, &tr);
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)(tr.p ? tr.p : ""), tr.len, PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE, &ec, &eo, NULL);
	strbuf_free(&tr);
	if (!re) {
		char msg[160];
		pcre2_get_error_message(ec, (PCRE2_UCHAR *)msg, sizeof msg);
		snprintf(err, errlen, "regex does not compile (at offset %zu of its PCRE2 form): %s", (size_t)eo, msg);
		return NULL;
	}
	/* JIT when available; without it pcre2_jit_match says so and the interpreter runs */
	pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	return re;
}

static pcre2_code *compile_re(loader *L, const char *where, const char *pat, size_t n)
{
	char msg[300];
	pcre2_code *re = tok_compile_re(pat, n, msg, sizeof msg);
	if (!re) snprintf(L->err, L->errlen, "%s: %s", where, msg);
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
			/* the cl100k family is matched by hand (splitre.h); PCRE2
			 * compiles it all the same, so what loads is unchanged */
			op.fast = op.re ? splitre_kind(s, strlen(s)) : SPLITRE_NONE;
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
	tok_sm_reserve(&t->vocab, d->nodes[v].count + 300);
	strbuf_reserve(&t->vocab.pool, d->nodes[v].len);
	JSON_FOR_MEMBERS(d, v, k, val, i) {
		(void)i;
		int64_t id;
		if (json_type_of(d, val) != JSON_NUMBER || json_num_i64(d, val, &id) || id < 0 || id > INT32_MAX) {
			free(buf);
			return fail(L, "model.vocab: an id is not a non-negative integer%s", NULL);
		}
		if (d->nodes[k].len + 1 > bcap) { bcap = d->nodes[k].len + 64; buf = xrealloc(buf, bcap); }
		size_t n = json_str_decode(d, k, buf);
		tok_sm_put(&t->vocab, buf, n, (int32_t)id);
	}
	uint32_t mg = json_get(d, m, "merges");
	if (mg != JSON_NONE && json_type_of(d, mg) != JSON_ARRAY) { free(buf); return fail(L, "model.merges: not a list%s", NULL); }
	strbuf cat = {0};
	if (mg != JSON_NONE) {
		if (d->nodes[mg].count > PM_V_MAX + 1u) {
			free(buf);
			return fail(L, "unsupported: model.merges has over 4,194,303 merges%s", NULL);
		}
		tok_mm_reserve(&t->merges, d->nodes[mg].count + 1);
		t->merge_id = util_alloc_table(((size_t)d->nodes[mg].count + 1) * sizeof *t->merge_id);
	}
	if (mg != JSON_NONE) JSON_FOR_ELEMS(d, mg, e, r) {
		const char *a, *b;
		size_t an, bn;
		char *tmp = NULL;
		if (json_type_of(d, e) == JSON_STRING) {
			tmp = dup_str(d, e);
			char *sp = strchr(tmp, ' ');
			if (!sp || strchr(sp + 1, ' ')) {
				free(tmp); free(buf); strbuf_free(&cat);
				snprintf(L->err, L->errlen, "model.merges[%u]: not \"a b\"", r);
				return -1;
			}
			a = tmp, an = sp - tmp, b = sp + 1, bn = strlen(b);
		} else if (json_type_of(d, e) == JSON_ARRAY && d->nodes[e].count == 2 &&
			   json_type_of(d, e + 1) == JSON_STRING && json_type_of(d, d->nodes[e + 1].next) == JSON_STRING) {
			uint32_t x = e + 1, y = d->nodes[e + 1].next;
			strbuf_reset(&cat);
			json_str_append(d, x, &cat);
			an = cat.len;
			json_str_append(d, y, &cat);
			tmp = xmalloc(cat.len + 1);
			memcpy(tmp, cat.p, cat.len);
			a = tmp, b = tmp + an, bn = cat.len - an;
		} else {
			free(buf); strbuf_free(&cat);
			snprintf(L->err, L->errlen, "model.merges[%u]: neither \"a b\" nor [\"a\",\"b\"]", r);
			return -1;
		}
		int32_t ia = sm_get(&t->vocab, a, an), ib = sm_get(&t->vocab, b, bn);
		strbuf_reset(&cat);
		strbuf_put(&cat, a, an);
		strbuf_put(&cat, b, bn);
		int32_t im = sm_get(&t->vocab, cat.p, cat.len);
		free(tmp);
		if (ia < 0 || ib < 0 || im < 0) {
			free(buf); strbuf_free(&cat);
			snprintf(L->err, L->errlen, "model.merges[%u]: a part or the merge is not in the vocab", r);
			return -1;
		}
		if (ia > PM_ID_MAX || ib > PM_ID_MAX) {
			free(buf); strbuf_free(&cat);
			snprintf(L->err, L->errlen, "model.merges[%u]: unsupported: a part's id is over %d", r, PM_ID_MAX);
			return -1;
		}
		tok_mm_put(&t->merges, ia, ib, r);
		t->merge_id[r] = im;
	}
	strbuf_free(&cat);
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

static int load_added(loader *L, uint32_t at)
{
	const json_doc *d = L->d;
	tok *t = L->t;
	if (at == JSON_NONE || json_type_of(d, at) == JSON_NULL) return 0;
	if (json_type_of(d, at) != JSON_ARRAY) return fail(L, "added_tokens: not a list%s", NULL);
	pcre2_match_data *md = pcre2_match_data_create(4, NULL);
	strbuf a = {0}, b = {0}, tmp = {0};
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
			int merr = 0;
			tok_normalize(t, md, &merr, s, x.n, &a, &b, &tmp, &np, &nn);
			if (merr) { free(s); rc = fail(L, "added_tokens: the normalizer's regex failed on a token (a PCRE2 match error)%s", NULL); break; }
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
	strbuf_free(&a); strbuf_free(&b); strbuf_free(&tmp);
	if (rc) return rc;
	/* a trie's nodes are pair map ids: one a byte of its tokens, and the root */
	size_t bytes[2] = { 0, 0 };
	for (int i = 0; i < t->nadded; i++) bytes[t->added[i].normalized] += t->added[i].n;
	if (bytes[0] >= PM_ID_MAX || bytes[1] >= PM_ID_MAX)
		return fail(L, "unsupported: added_tokens hold over 2 MB of text%s", NULL);
	for (int i = 0; i < t->nadded; i++)
		tok_trie_add(t->added[i].normalized ? &t->normed : &t->raw, t->added[i].s, t->added[i].n, i);
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
			memcpy(t->byte_u8[b], u, n);
			t->byte_u8n[b] = (unsigned char)n;
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
	/* nor when a character may vanish (no vocab entry, no complete byte
	 * fallback, no unk): its bytes are then covered by no token */
	int fb_all = t->byte_fallback;
	for (int b = 0; b < 256 && fb_all; b++) fb_all = t->byte_fb[b] >= 0;
	if (!t->byte_level && t->unk < 0 && !fb_all) t->max_len = 0;
	if (!t->byte_level) tok_find_barriers(t);
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
		strbuf b = {0};
		strbuf_printf(&b, "%s/tokenizer.json", path);
		p = strbuf_detach(&b, NULL);
	} else p = xstrdup(path);
	size_t blen;
	char *b = util_read_file(p, &blen);
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
	tok_sm_free(&t->vocab);
	free(t->merges.t);
	free(t->merge_id);
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
	tok_trie_free(&t->raw);
	tok_trie_free(&t->normed);
	free(t);
}

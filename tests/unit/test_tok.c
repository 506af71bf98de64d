/* test_tok — exact ids against the official HF tokenizers for the five models
 * in ../shared/tokenizers (skipped, saying so, when it is absent), and the
 * engine's core on a tiny tokenizer of the repo's own. */
#include "t.h"
#include "json.h"
#include "tok/tok.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Encode every line of the corpus with the tokenizer at tpath and compare
 * with the expected ids (and n_special); report the first few mismatches.
 * Returns the number of lines compared. */
static int check_file(const char *model, const char *tpath, const char *corpus, const char *expected)
{
	char err[512];
	tok *t = tok_load(tpath, err, sizeof err);
	T_CHECKF(t != NULL, "%s: %s", model, err);
	if (!t) return 0;
	FILE *fc = fopen(corpus, "rb");
	FILE *fe = fopen(expected, "rb");
	T_CHECK(fc && fe);
	if (!fc || !fe) { if (fc) fclose(fc); if (fe) fclose(fe); tok_free(t); return 0; }
	tok_state *s = tok_state_new(t);
	char *lc = NULL, *le = NULL;
	size_t cc = 0, ce = 0;
	ssize_t nc, ne;
	int line = 0, bad = 0, total = 0, bounded = 0;
	json_doc dc, de;
	json_doc_init(&dc);
	json_doc_init(&de);
	strbuf text = {0};
	tok_ids ids = {0};
	while ((nc = getline(&lc, &cc, fc)) > 0 && (ne = getline(&le, &ce, fe)) > 0) {
		line++;
		if (json_parse(&dc, lc, nc) || json_parse(&de, le, ne)) { bad++; continue; }
		strbuf_reset(&text);
		json_str_append(&dc, json_get(&dc, 0, "text"), &text);
		ids.n = 0;
		size_t n = tok_encode(s, text.p ? text.p : "", text.len, &ids);
		uint32_t ex = json_get(&de, 0, "ids");
		int64_t nsp = -1;
		json_num_i64(&de, json_get(&de, 0, "n_special"), &nsp);
		int ok = ex != JSON_NONE && de.nodes[ex].count == n && (int64_t)n + tok_n_special(t) == nsp;
		if (ok) JSON_FOR_ELEMS(&de, ex, e, k) {
			int64_t v;
			if (json_num_i64(&de, e, &v) || v != ids.v[k]) { ok = 0; break; }
		}
		/* tok_count_bounded: exact up to its limit, above it past */
		size_t b0 = tok_count_bounded(s, text.p ? text.p : "", text.len, SIZE_MAX);
		size_t b1 = tok_count_bounded(s, text.p ? text.p : "", text.len, n);
		size_t b2 = n ? tok_count_bounded(s, text.p ? text.p : "", text.len, n - 1) : n;
		size_t b3 = n > 2 ? tok_count_bounded(s, text.p ? text.p : "", text.len, n / 2) : n;
		if (b0 != n || b1 != n || (n && b2 <= n - 1) || (n > 2 && b3 <= n / 2)) {
			if (bounded++ < 5)
				fprintf(stderr, "    %s: corpus line %d: %zu ids; bounded counts %zu %zu %zu %zu\n", model, line, n, b0, b1, b2, b3);
		}
		total++;
		if (!ok && bad++ < 5) {
			fprintf(stderr, "    %s: corpus line %d: %zu ids, expected %u:", model, line, n, ex != JSON_NONE ? de.nodes[ex].count : 0);
			for (size_t k = 0; k < n && k < 12; k++) fprintf(stderr, " %d", ids.v[k]);
			fprintf(stderr, "\n");
		}
	}
	T_CHECKF(bad == 0, "%s: %d of %d corpus lines differ from the official ids", model, bad, total);
	T_CHECKF(bounded == 0, "%s: %d of %d corpus lines counted wrong by tok_count_bounded", model, bounded, total);
	free(lc); free(le);
	fclose(fc); fclose(fe);
	json_doc_free(&dc); json_doc_free(&de);
	strbuf_free(&text);
	tok_ids_free(&ids);
	tok_state_free(s);
	tok_free(t);
	return total;
}

static void check_model(const char *model)
{
	const char *sh = t_shared();
	char tp[1024], cp[1024], ep[1024];
	snprintf(cp, sizeof cp, "%s/tokenizers/corpus.jsonl", sh);
	FILE *f = fopen(cp, "rb");
	if (!f) T_SKIP("%s/tokenizers absent", sh);
	fclose(f);
	snprintf(tp, sizeof tp, "%s/tokenizers/%s", sh, model);
	snprintf(ep, sizeof ep, "%s/tokenizers/%s/expected/%s.jsonl", sh, model, model);
	int total = check_file(model, tp, cp, ep);
	T_CHECKF(total == 3067, "%s: compared %d lines", model, total);
}

/* The repo's own small tokenizers (the *.json files of tests/fixtures/tok, made by gen.sh
 * with the official library's ids): components the five models do not use. */
static void test_fixtures(void)
{
	const char *root = getenv("SFTKIT_ROOT");
	char dir[1024], tp[1400], cp[1400], ep[1400];
	snprintf(dir, sizeof dir, "%s/tests/fixtures/tok", root ? root : ".");
	snprintf(cp, sizeof cp, "%s/texts.jsonl", dir);
	DIR *d = opendir(dir);
	T_CHECKF(d != NULL, "%s", dir);
	if (!d) return;
	int files = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".json")) continue;
		char name[256];
		snprintf(name, sizeof name, "%.*s", (int)(n - 5), e->d_name);
		snprintf(tp, sizeof tp, "%s/%s", dir, e->d_name);
		snprintf(ep, sizeof ep, "%s/expected/%s.jsonl", dir, name);
		int total = check_file(name, tp, cp, ep);
		T_CHECKF(total >= 69, "%s: compared %d lines", name, total);
		files++;
	}
	closedir(d);
	T_CHECKF(files >= 8, "%d fixture tokenizers", files);
}

static void test_qwen2_5(void) { check_model("qwen2_5"); }
static void test_qwen3(void) { check_model("qwen3"); }
static void test_llama3_1(void) { check_model("llama3_1"); }
static void test_gemma(void) { check_model("gemma"); }
static void test_mistral(void) { check_model("mistral"); }

/* A tiny byte-level tokenizer: merges apply by rank, added tokens first. */
static const char tiny[] =
	"{\"added_tokens\":[{\"id\":9,\"content\":\"<|x|>\",\"lstrip\":false,\"rstrip\":false,\"special\":true}],"
	"\"normalizer\":null,"
	"\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\" ?[a-z]+| \"},\"behavior\":\"Isolated\",\"invert\":false},"
	"\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<|x|>\",\"type_id\":0}},{\"Sequence\":{\"id\":\"A\",\"type_id\":0}}]},"
	"\"model\":{\"type\":\"BPE\",\"byte_fallback\":true,\"vocab\":{\"a\":0,\"b\":1,\"ab\":2,\"abb\":3,\"bb\":4,\" \":5,\"<0x7A>\":6,\" a\":7},"
	"\"merges\":[\"a b\",[\"b\",\"b\"],\"ab b\",[\" \",\"a\"]]}}";

static void test_tiny(void)
{
	char err[256];
	tok *t = tok_load_mem(tiny, strlen(tiny), err, sizeof err);
	T_CHECKF(t != NULL, "%s", err);
	if (!t) return;
	tok_state *s = tok_state_new(t);
	tok_ids ids = {0};
	/* "abb": a b -> ab (rank 0), then ab b -> abb (rank 2) */
	tok_encode(s, "abb", 3, &ids);
	T_EQ_INT(ids.n, 1);
	T_EQ_INT(ids.v[0], 3);
	ids.n = 0;
	/* added token in the middle; byte fallback for 'z' (no vocab entry) */
	tok_encode(s, "ab<|x|> az", 10, &ids);
	T_EQ_INT(ids.n, 4);
	if (ids.n == 4) { T_EQ_INT(ids.v[0], 2); T_EQ_INT(ids.v[1], 9); T_EQ_INT(ids.v[2], 7); T_EQ_INT(ids.v[3], 6); }
	T_EQ_INT(tok_n_special(t), 1);
	/* a long word goes through the heap path and gives the same ids as short ones */
	char big[4000];
	for (int i = 0; i < 4000; i += 4) memcpy(big + i, "abba", 4);
	ids.n = 0;
	size_t n = tok_encode(s, big, sizeof big, &ids);
	/* "abbaabba...": ab, b? pairs: a-b (0) first everywhere, then ab-b (2) -> abb, then a alone */
	T_EQ_INT(n, 2000);
	int ok = 1;
	for (size_t i = 0; i < ids.n; i++) ok &= ids.v[i] == (i % 2 ? 0 : 3);
	T_CHECK(ok);
	tok_ids_free(&ids);
	tok_state_free(s);
	tok_free(t);
}

/* Ids past the pair map's 21 bits: a symbol with one is never merged, even
 * where its bits, unmasked, would spell a merge's key (2^21 beside 0 is the
 * key of (0, 1): "ca" would become "ab"); a merge of such a part is
 * refused at load. */
static void test_high_ids(void)
{
	static const char high[] = "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0,\"b\":1,\"ab\":2,\"ca\":3,\"c\":2097152},"
				   "\"merges\":[\"a b\"]}}";
	char err[256];
	tok *t = tok_load_mem(high, strlen(high), err, sizeof err);
	T_CHECKF(t != NULL, "%s", err);
	if (!t) return;
	tok_state *s = tok_state_new(t);
	tok_ids ids = {0};
	tok_encode(s, "caab", 4, &ids);
	T_EQ_INT(ids.n, 3);
	if (ids.n == 3) { T_EQ_INT(ids.v[0], 2097152); T_EQ_INT(ids.v[1], 0); T_EQ_INT(ids.v[2], 2); }
	tok_ids_free(&ids);
	tok_state_free(s);
	tok_free(t);
	static const char part[] = "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":2097152,\"b\":1,\"ab\":2},\"merges\":[\"a b\"]}}";
	err[0] = 0;
	t = tok_load_mem(part, strlen(part), err, sizeof err);
	T_CHECK(t == NULL);
	T_CHECKF(strstr(err, "model.merges[0]: unsupported: a part's id is over 2097151") != NULL, "%s", err);
	tok_free(t);
	/* the added tokens' trie: a node a byte, ids of 21 bits */
	for (size_t len = 2097150; len <= 2097151; len++) {
		strbuf j = {0};
		strbuf_puts(&j, "{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},\"added_tokens\":[{\"id\":1,\"content\":\"");
		for (size_t i = 0; i < len; i++) strbuf_putc(&j, 'a');
		strbuf_puts(&j, "\",\"special\":true}]}");
		err[0] = 0;
		t = tok_load_mem(j.p, j.len, err, sizeof err);
		if (len == 2097150) T_CHECKF(t != NULL, "%s", err);
		else T_CHECKF(t == NULL && strstr(err, "unsupported: added_tokens hold over 2 MB of text") != NULL, "%s", err);
		tok_free(t);
		strbuf_free(&j);
	}
}

static void test_broken(void)
{
	char err[256];
	const char *cases[] = {
		"", "{", "[]", "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}}}",
		"{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":\"x\"},\"merges\":[]}}",
		"{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[\"a q\"]}}",
		"{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},\"normalizer\":{\"type\":\"Precompiled\"}}",
		"{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(\"},\"behavior\":\"Isolated\"}}",
		"{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"String\":\"x\"},\"behavior\":\"Merged\"}}",
		"{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},\"pre_tokenizer\":{\"type\":\"CharDelimiterSplit\",\"delimiter\":\"ab\"}}",
		"{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"ByteLevel\",\"use_regex\":false},{\"type\":\"Digits\"}]}}",
		"{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},\"added_tokens\":[{\"id\":\"1\",\"content\":\"<s>\"}]}",
		"{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},\"pre_tokenizer\":{\"type\":\"UnicodeScripts\"}}",
		"{\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]},\"normalizer\":{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"[\"},\"content\":\"\"}}",
	};
	const char *want[] = { "tokenizer.json", "tokenizer.json", "not a JSON object", "unsupported: model WordPiece",
			       "not a non-negative integer", "not in the vocab", "unsupported: normalizer Precompiled",
			       "regex does not compile", "unsupported: split behavior Merged",
			       "CharDelimiterSplit: the delimiter is not one character", "unsupported: a pre_tokenizer after ByteLevel",
			       "added_tokens[0]: lacks a string content or an integer id", "unsupported: pre_tokenizer UnicodeScripts",
			       "normalizer Replace: regex does not compile" };
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		err[0] = 0;
		tok *t = tok_load_mem(cases[i], strlen(cases[i]), err, sizeof err);
		T_CHECKF(t == NULL, "case %zu loaded", i);
		T_CHECKF(strstr(err, want[i]) != NULL, "case %zu: '%s' lacks '%s'", i, err, want[i]);
		tok_free(t);
	}
}

int main(void)
{
	T_RUN(test_tiny);
	T_RUN(test_broken);
	T_RUN(test_high_ids);
	T_RUN(test_fixtures);
	T_RUN(test_qwen2_5);
	T_RUN(test_qwen3);
	T_RUN(test_llama3_1);
	T_RUN(test_gemma);
	T_RUN(test_mistral);
	return t_done();
}

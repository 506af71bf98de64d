/* test_tok_bpe — the BPE model's edge cases on a tiny SentencePiece-style
 * tokenizer (no pre-tokenizer, ' ' -> U+2581, byte fallback, fused unk),
 * the shape of Gemma's and Mistral's: ties between equal ranks, two merges
 * that make the same token, words cut at barriers, words on either side of
 * the linear scan's limit (48 symbols) and past the word cache (1024
 * bytes), byte fallback, unknown characters, results of more than five ids
 * stored apart in the cache, and counting to a bound. Every expected list
 * is what HF tokenizers (npm tokenizers, tests/bench/tok_peer.js) gives for
 * the same tokenizer and text. */
#include "t.h"
#include "tok/tok.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SP "\xe2\x96\x81"
static const char sp_json[] =
	"{\"added_tokens\":[{\"id\":0,\"content\":\"<unk>\",\"single_word\":false,\"lstrip\":false,\"rstrip\":false,"
	"\"normalized\":false,\"special\":true}],"
	"\"normalizer\":{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"" SP "\"},"
	"\"pre_tokenizer\":null,\"post_processor\":null,\"decoder\":null,"
	"\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":\"<unk>\",\"continuing_subword_prefix\":null,"
	"\"end_of_word_suffix\":null,\"fuse_unk\":true,\"byte_fallback\":true,"
	"\"vocab\":{\"<unk>\":0,\"<0x7A>\":1,\"<0xC3>\":2,\"<0xA9>\":3,\"a\":4,\"b\":5,\"c\":6,\"" SP "\":7,\"aa\":8,"
	"\"ab\":9,\"bc\":10,\"abc\":11,\"" SP "a\":12,\"" SP SP "\":13,\"" SP SP SP SP "\":14,\"aaaa\":15},"
	"\"merges\":[[\"a\",\"a\"],[\"a\",\"b\"],[\"b\",\"c\"],[\"ab\",\"c\"],[\"a\",\"bc\"],[\"" SP "\",\"a\"],"
	"[\"" SP "\",\"" SP "\"],[\"" SP SP "\",\"" SP SP "\"],[\"aa\",\"aa\"]]}}";

/* ids as "1,2,3" */
static char *fmt(const tok_ids *ids)
{
	char *o = malloc(ids->n * 12 + 1);
	size_t k = 0;
	o[0] = 0;
	for (size_t i = 0; i < ids->n; i++) k += (size_t)sprintf(o + k, i ? ",%d" : "%d", ids->v[i]);
	return o;
}

/* "x" n times, then tail */
static char *rep(const char *x, int n, const char *tail)
{
	size_t xl = strlen(x), tl = strlen(tail);
	char *o = malloc(xl * (size_t)n + tl + 1);
	for (int i = 0; i < n; i++) memcpy(o + xl * (size_t)i, x, xl);
	memcpy(o + xl * (size_t)n, tail, tl + 1);
	return o;
}

/* Encode text twice with one state (the second time from the word cache)
 * and once with a fresh one; each must give want. */
static void check(tok *t, tok_state *s, const char *text, const char *want)
{
	tok_ids ids = {0};
	for (int pass = 0; pass < 3; pass++) {
		tok_state *f = pass == 2 ? tok_state_new(t) : s;
		ids.n = 0;
		size_t n = tok_encode(f, text, strlen(text), &ids);
		char *got = fmt(&ids);
		T_CHECKF(n == ids.n && !strcmp(got, want), "pass %d, text of %zu bytes: %s, want %s", pass, strlen(text), got,
			 want);
		free(got);
		if (pass == 2) tok_state_free(f);
	}
	tok_ids_free(&ids);
}

/* sp_json loaded, or NULL (a failed check) */
static tok *load_sp(void)
{
	char err[256];
	tok *t = tok_load_mem(sp_json, strlen(sp_json), err, sizeof err);
	T_CHECKF(t != NULL, "%s", err);
	return t;
}

static void test_sp_edges(void)
{
	tok *t = load_sp();
	if (!t) return;
	tok_state *s = tok_state_new(t);
	/* equal ranks: the leftmost pair first */
	check(t, s, "aaa", "8,4");
	check(t, s, "aaaaa", "15,4");
	/* a b (1) before a bc (4): ab c gives abc; "abbc": ab and bc do not merge */
	check(t, s, "abc", "11");
	check(t, s, "abbc", "9,10");
	check(t, s, "bc", "10");
	/* U+2581 a (5) before U+2581 U+2581 (6): the last space joins the word */
	check(t, s, " a a", "12,12");
	check(t, s, " abc abc", "7,11,7,11");
	check(t, s, "                 abc", "14,14,14,14,7,11");
	/* 61 symbols (past the linear scan): the heap, same rules */
	char *w = rep(SP, 60, "a");
	check(t, s, w, "14,14,14,14,14,14,14,14,14,14,14,14,14,14,13,7,12");
	free(w);
	/* either side of the linear scan's limit */
	w = rep("a", 30, "");
	check(t, s, w, "15,15,15,15,15,15,15,8");
	free(w);
	w = rep("a", 47, "");
	check(t, s, w, "15,15,15,15,15,15,15,15,15,15,15,8,4");
	free(w);
	w = rep("a", 48, "");
	check(t, s, w, "15,15,15,15,15,15,15,15,15,15,15,15");
	free(w);
	w = rep("a", 49, "");
	check(t, s, w, "15,15,15,15,15,15,15,15,15,15,15,15,4");
	free(w);
	/* 1100 bytes in one piece: past the word cache */
	w = rep("a", 1100, " abc");
	char *want = rep("15,", 275, "7,11");
	check(t, s, w, want);
	free(want);
	/* counting to a bound stops past it, and counts are the encoded ones */
	T_CHECK(tok_count_bounded(s, w, strlen(w), 10) > 10);
	T_EQ_INT(tok_count_bounded(s, w, strlen(w), 1000), 277);
	free(w);
	/* cut where no vocab entry holds the pair ("ca"): 400 pieces of one id */
	w = rep("abc", 400, "");
	want = rep("11,", 399, "11");
	check(t, s, w, want);
	free(want);
	free(w);
	/* byte fallback (no merge takes a <0xXX> token: a barrier) */
	check(t, s, "z\xc3\xa9" "a", "1,2,3,4");
	/* unknown characters: fused into one <unk>, which merges with nothing */
	check(t, s, "qq", "0");
	check(t, s, "aqqa", "4,0,4");
	/* a piece of ten ids: kept apart from its cache entry */
	check(t, s, "aqaqaqaqaq", "4,0,4,0,4,0,4,0,4,0");
	check(t, s, "aqaqaqaqaq abc aqaqaqaqaq", "4,0,4,0,4,0,4,0,4,0,7,11,12,0,4,0,4,0,4,0,4,0");
	tok_state_free(s);
	tok_free(t);
}

/* U+2581 is scanned as one class character (bpe.c: scan_class): at every
 * offset from the start of the scan (it reads four pairs a round), at the
 * word's end, and beside characters that share its first byte or two
 * (U+2014 is E2 80 94, U+2590 is E2 96 90), which are unknown here. */
static void test_sp_scan(void)
{
	tok *t = load_sp();
	if (!t) return;
	tok_state *s = tok_state_new(t);
	static const struct { const char *tail, *want; } tails[] = {
		{ " a", "12" },                     /* U+2581 a */
		{ " ", "7" },                       /* U+2581 ends the word */
		{ "  a", "7,12" },
		{ "\xe2\x96\x90" "a", "0,4" },          /* U+2590: two bytes of U+2581, then another */
		{ "\xe2\x80\x94" "a", "0,4" },          /* U+2014: U+2581's first byte alone */
		{ "\xe2\x96\x90", "0" },             /* a look-alike ends the word */
		{ " \xe2\x96\x90 a", "7,0,12" },
		{ "\xe2\x96\x90\xe2\x96\x81" "a", "0,12" },
		{ "\xe2\x96\x90\xe2\x80\x94" "a", "0,4" },  /* two unknown characters: one <unk> */
	};
	for (int k = 0; k < 10; k++)
		for (size_t j = 0; j < sizeof tails / sizeof *tails; j++) {
			/* "c" k times (no vocab entry holds "cc": a barrier each) */
			char *w = rep("c", k, tails[j].tail), *want = rep("6,", k, tails[j].want);
			check(t, s, w, want);
			free(w);
			free(want);
		}
	tok_state_free(s);
	tok_free(t);
}

int main(void)
{
	T_RUN(test_sp_edges);
	T_RUN(test_sp_scan);
	return t_done();
}

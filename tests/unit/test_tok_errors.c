/* test_tok_errors.c — a tokenizer regex that fails mid-text (PCRE2's JIT
 * stack or match limit) is reported by tok_state_error, not taken for "no
 * more matches", which would change the split and the count silently. */
#include "tok/tok.h"
#include "t.h"

#include <stdlib.h>

/* a Split whose pattern backtracks through a capture for every character */
static const char deep[] =
	"{\"added_tokens\":[],\"normalizer\":null,"
	"\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"(?:(a)|b)*z|a\"},\"behavior\":\"Isolated\",\"invert\":false},"
	"\"post_processor\":null,"
	"\"model\":{\"type\":\"BPE\",\"byte_fallback\":false,\"vocab\":{\"a\":0,\"b\":1,\"z\":2},\"merges\":[]}}";

static void test_match_error_reported(void)
{
	char err[300];
	tok *t = tok_load_mem(deep, strlen(deep), err, sizeof err);
	T_CHECKF(t != NULL, "%s", err);
	if (!t) return;
	tok_state *s = tok_state_new(t);
	/* short: matches normally, no error */
	T_EQ_INT(tok_encode(s, "aaz", 3, NULL), 3);
	T_EQ_INT(tok_state_error(s, err, sizeof err), 0);
	/* long: the backtracking runs out of stack */
	size_t n = 1 << 20;
	char *big = malloc(n);
	memset(big, 'a', n);
	tok_encode(s, big, n, NULL);
	T_EQ_INT(tok_state_error(s, err, sizeof err), -1);
	T_CHECKF(strstr(err, "a tokenizer regex failed on this text (PCRE2: ") != NULL, "%s", err);
	if (getenv("T_VERBOSE")) fprintf(stderr, "%s\n", err);
	/* reported once, then cleared */
	T_EQ_INT(tok_state_error(s, err, sizeof err), 0);
	free(big);
	tok_state_free(s);
	tok_free(t);
}

int main(void)
{
	T_RUN(test_match_error_reported);
	return t_done();
}

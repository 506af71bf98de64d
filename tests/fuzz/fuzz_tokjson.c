/* fuzz_tokjson.c — libFuzzer target for the tokenizer.json loader and, when a
 * tokenizer loads, for encoding: the input's first byte splits it into a
 * tokenizer and a text to encode, which tok_count_bounded must count as
 * tok_encode does. */
#include "tok/tok.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (size < 1) return 0;
	size_t cut = data[0] % 64;
	const char *js = (const char *)data + 1;
	size_t jn = size - 1;
	const char *text = "";
	size_t tn = 0;
	if (cut < jn && cut) { text = js + jn - cut; tn = cut; jn -= cut; }
	char err[256];
	tok *t = tok_load_mem(js, jn, err, sizeof err);
	if (!t) return 0;
	if (utf8_valid(text, tn)) {
		tok_state *s = tok_state_new(t);
		tok_ids ids = {0};
		size_t n = tok_encode(s, text, tn, &ids);
		if (n != ids.n) abort();
		/* the bounded count: exact up to its limit, past it above */
		if (tok_count_bounded(s, text, tn, (size_t)-1) != n || tok_count_bounded(s, text, tn, n) != n) abort();
		if (n && tok_count_bounded(s, text, tn, n - 1) <= n - 1) abort();
		tok_ids_free(&ids);
		tok_state_free(s);
	}
	tok_free(t);
	return 0;
}

/* test_tok_norm — the normalizers' fast paths against their definitions:
 * Replace of one byte (Gemma's and Mistral's ' ' -> U+2581), which moves
 * eight bytes at a time and stores the replacement as four, held to a plain
 * str::replace on random texts, with replacements of 0 to 5 bytes and the
 * byte at every position of an 8-byte block and at the text's end. Reaches
 * tok_normalize through the library's internal header, as test_splitre does. */
#include "t.h"
#include "tok/tok_int.h"

/* str::replace of the one byte a by rep */
static void naive(strbuf *o, const char *in, size_t n, char a, const char *rep)
{
	strbuf_reset(o);
	for (size_t i = 0; i < n; i++)
		if (in[i] == a) strbuf_puts(o, rep);
		else strbuf_putc(o, in[i]);
}

static void test_replace_one_byte(void)
{
	static const char *reps[] = { "", "_", "\xc3\xa9", "\xe2\x96\x81", "\xf0\x9f\x98\x80", "abcde" };
	static const char alpha[] = { ' ', 'a', 'b', '\n', (char)0xe2, (char)0x96, (char)0x81, (char)0xa0 };
	uint64_t seed = 12345;
	for (size_t r = 0; r < sizeof reps / sizeof *reps; r++) {
		char js[1024], err[256];
		snprintf(js, sizeof js,
			 "{\"normalizer\":{\"type\":\"Replace\",\"pattern\":{\"String\":\" \"},\"content\":\"%s\"},"
			 "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":0},\"merges\":[]}}", reps[r]);
		tok *t = tok_load_mem(js, strlen(js), err, sizeof err);
		T_CHECKF(t != NULL, "%s", err);
		if (!t) continue;
		pcre2_match_data *md = pcre2_match_data_create(4, NULL);
		strbuf a = STRBUF_INIT, b = STRBUF_INIT, tmp = STRBUF_INIT, want = STRBUF_INIT;
		int bad = 0;
		for (int k = 0; k < 20000 && !bad; k++) {
			char in[64];
			size_t n = (size_t)k % 41;
			/* a space at one place, or at random, or none */
			for (size_t i = 0; i < n; i++) {
				seed = seed * 6364136223846793005u + 1442695040888963407u;
				in[i] = alpha[(seed >> 33) % (k & 1 ? 8 : 4)];
			}
			if (k % 3 == 0) for (size_t i = 0; i < n; i++) if (in[i] == ' ') in[i] = 'b';
			if (k % 3 == 0 && n) in[(size_t)(k / 3) % n] = ' ';
			const char *out;
			size_t on;
			int merr = 0;
			tok_normalize(t, md, &merr, in, n, &a, &b, &tmp, &out, &on);
			naive(&want, in, n, ' ', reps[r]);
			if (on != want.len || (on && memcmp(out, want.p, on))) {
				bad = 1;
				T_CHECKF(0, "replacement %zu, text %d of %zu bytes: %zu bytes, want %zu", r, k, n, on, want.len);
			}
		}
		strbuf_free(&a);
		strbuf_free(&b);
		strbuf_free(&tmp);
		strbuf_free(&want);
		pcre2_match_data_free(md);
		tok_free(t);
	}
}

int main(void)
{
	T_RUN(test_replace_one_byte);
	return t_done();
}

/* fuzz_decontam.c — libFuzzer target for decontam's benchmark loader and
 * matcher. The input is a benchmark file, a NUL byte, and a record: the file
 * is loaded (by its layout, else as field "q"), the record matched as raw
 * text and, when it parses, as a JSON record. Aborts when a hit breaks the
 * contract: scores in (0, 1], one hit per item, best first, excerpts valid
 * UTF-8, found <= total; or when the fast tokenizer and its byte-by-byte
 * definition (decontam_tokenize_ref) see different words in the record. */
#include "decontam.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

static void check(const decontam_index *ix, const decontam_hit *h, int n)
{
	for (int k = 0; k < n; k++) {
		if (!(h[k].score > 0 && h[k].score <= 1) || h[k].found > h[k].total) abort();
		if (h[k].item >= decontam_nitems(ix) || !h[k].field) abort();
		if (!utf8_valid(h[k].excerpt, strlen(h[k].excerpt))) abort();
		if (k && h[k].score > h[k - 1].score) abort();
		for (int j = 0; j < k; j++)
			if (h[j].item == h[k].item) abort();
	}
}

static void same_words(const char *s, size_t n)
{
	decontam_toks x = {0}, y = {0};
	decontam_tokenize(s, n, &x);
	decontam_tokenize_ref(s, n, &y);
	if (x.n != y.n) abort();
	for (size_t i = 0; i < x.n; i++)
		if (x.hash[i] != y.hash[i] || x.start[i] != y.start[i] || x.unit[i] != y.unit[i]) abort();
	decontam_toks_free(&x);
	decontam_toks_free(&y);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *s = (const char *)data;
	const char *z = memchr(s, 0, size);
	size_t blen = z ? (size_t)(z - s) : size;
	const char *rec = z ? z + 1 : "";
	size_t rlen = z ? size - blen - 1 : 0;
	same_words(rec, rlen);
	same_words(s, blen);
	char err[256];
	decontam_opts o;
	decontam_opts_default(&o);
	o.ngram = 3 + (int)(size % 4);
	o.long_tokens = o.ngram + 4;
	o.min_tokens = 2;
	decontam_index *ix = decontam_index_new(&o);
	int rc = decontam_add_benchmark(ix, "b", "fuzz", s, blen, NULL, 0, err, sizeof err);
	if (rc == DECONTAM_ERR_LAYOUT) {
		decontam_index_free(ix);
		ix = decontam_index_new(&o);
		static const char *const f[] = {"q"};
		rc = decontam_add_benchmark(ix, "b", "fuzz", s, blen, f, 1, err, sizeof err);
	}
	if (rc < 0 && !err[0]) abort();   /* a failure always says why */
	decontam_index_build(ix);
	decontam_matcher *m = decontam_matcher_new(ix);
	const decontam_hit *h;
	decontam_match_begin(m);
	decontam_match_text(m, rec, rlen);
	decontam_match_text(m, s, blen);   /* the benchmark's own text, as a record's */
	int n = decontam_match_end(m, &h);
	check(ix, h, n);
	decontam_tally *t = decontam_tally_new(ix);
	for (int k = 0; k < n; k++) decontam_tally_add(t, &h[k], "s", 1, "i", 1);
	if (n) decontam_tally_drop(t, &h[0]);
	strbuf out = STRBUF_INIT;
	decontam_tally_write(t, &out);
	if (out.len && !utf8_valid(out.p, out.len)) abort();
	strbuf_free(&out);
	decontam_tally_free(t);
	json_doc d;
	json_doc_init(&d);
	if (json_parse(&d, rec, rlen) == 0) {
		n = decontam_match_record(m, &d, 0, &h);
		check(ix, h, n);
	}
	json_doc_free(&d);
	decontam_matcher_free(m);
	decontam_index_free(ix);
	return 0;
}

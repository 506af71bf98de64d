/* tok_encode.c — the tok bench's encode-only driver (built at bench time
 * against build/release/libsftkit.a), the counterpart of tok_peer.js: load
 * TOKENIZER, decode every line's "text" of TEXTS.jsonl, then time tok_encode
 * over all of them. Each of REPS passes (default 3) starts from a fresh
 * tok_state (an empty word cache, as the peer's first pass has); prints the
 * total token count and the fastest pass's seconds. */
#include "tok/tok.h"
#include "json.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) { fprintf(stderr, "usage: tok_encode TOKENIZER TEXTS.jsonl [REPS]\n"); return 2; }
	char err[600];
	tok *t = tok_load(argv[1], err, sizeof err);
	if (!t) { fprintf(stderr, "%s\n", err); return 1; }
	size_t n;
	char *b = util_read_file(argv[2], &n);
	if (!b) { perror(argv[2]); return 1; }
	int reps = argc > 3 ? atoi(argv[3]) : 3;
	/* the texts, decoded, one after another: offsets in all */
	strbuf all = {0};
	size_t *off = NULL, nt = 0, cap = 0;
	json_doc d;
	json_doc_init(&d);
	for (char *p = b; p < b + n;) {
		char *e = memchr(p, '\n', (size_t)(b + n - p));
		if (!e) e = b + n;
		if (e > p) {
			if (json_parse(&d, p, (size_t)(e - p))) { fprintf(stderr, "%s: %s\n", argv[2], d.err); return 1; }
			uint32_t f = json_get(&d, 0, "text");
			if (json_type_of(&d, f) != JSON_STRING) { fprintf(stderr, "%s: a line without \"text\"\n", argv[2]); return 1; }
			if (nt + 2 > cap) { cap = cap ? cap * 2 : 1024; off = xrealloc(off, cap * sizeof *off); }
			off[nt++] = all.len;
			json_str_append(&d, f, &all);
		}
		p = e + 1;
	}
	if (!off) off = xmalloc(sizeof *off);
	off[nt] = all.len;
	size_t total = 0;
	double best = 0;
	for (int r = 0; r < reps; r++) {
		tok_state *s = tok_state_new(t);
		tok_ids ids = {0};
		size_t sum = 0;
		double t0 = now();
		for (size_t i = 0; i < nt; i++) {
			ids.n = 0;
			sum += tok_encode(s, all.p + off[i], off[i + 1] - off[i], &ids);
		}
		double dt = now() - t0;
		if (!r || dt < best) best = dt;
		total = sum;
		tok_ids_free(&ids);
		tok_state_free(s);
	}
	printf("%zu %.4f\n", total, best);
	json_doc_free(&d);
	strbuf_free(&all);
	free(off);
	free(b);
	tok_free(t);
	return 0;
}

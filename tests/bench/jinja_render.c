/* jinja_render.c — the bench's render-only driver (built at bench time against
 * build/release/libsftkit.a): parse TEMPLATE once, render every JSONL record
 * of stdin with it (the record's fields are the variables, plus VARS_JSON), and
 * print the number of records and of bytes rendered. */
#include "jinja/jinja.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc != 3) { fprintf(stderr, "usage: jinja_render TEMPLATE VARS_JSON <records.jsonl\n"); return 2; }
	FILE *f = fopen(argv[1], "rb");
	if (!f) { perror(argv[1]); return 1; }
	strbuf t = {0};
	char buf[65536], err[512];
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) strbuf_put(&t, buf, n);
	fclose(f);
	jinja_tmpl *tp = jinja_parse(t.p ? t.p : "", t.len, err, sizeof err);
	if (!tp) { fprintf(stderr, "%s: %s\n", argv[1], err); return 1; }
	json_doc d, x;
	json_doc_init(&d);
	json_doc_init(&x);
	if (json_parse(&x, argv[2], strlen(argv[2]))) { fprintf(stderr, "vars: %s\n", x.err); return 1; }
	char *line = NULL;
	size_t cap = 0, records = 0, bytes = 0, errors = 0;
	ssize_t k;
	strbuf out = {0};
	while ((k = getline(&line, &cap, stdin)) > 0) {
		if (json_parse(&d, line, (size_t)k)) { fprintf(stderr, "line %zu: %s\n", records + 1, d.err); return 1; }
		strbuf_reset(&out);
		if (jinja_render_doc(tp, &d, 0, &x, 0, &out, err, sizeof err)) errors++;
		records++;
		bytes += out.len;
	}
	printf("%zu records, %zu rendered bytes, %zu errors\n", records, bytes, errors);
	free(line);
	strbuf_free(&out);
	strbuf_free(&t);
	json_doc_free(&d);
	json_doc_free(&x);
	jinja_free(tp);
	return 0;
}

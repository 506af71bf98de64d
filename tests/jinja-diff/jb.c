/* jb.c -- the differential tester's batch renderer. On stdin, frames of
 * "T V\n" followed by T bytes of template and V bytes of JSON variables;
 * for each, on stdout, "K N\n" and N bytes: K is O (the rendering), E (a
 * render error) or P (a parse error). Built by `make jinja-diff`. */
#include "jinja/jinja.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	size_t tl, vl;
	while (scanf("%zu %zu", &tl, &vl) == 2) {
		getchar();
		char *t = malloc(tl + 1), *v = malloc(vl + 1);
		if (!t || !v || fread(t, 1, tl, stdin) != tl || fread(v, 1, vl, stdin) != vl) {
			fprintf(stderr, "jb: a short frame on stdin\n");
			return 2;
		}
		t[tl] = 0;
		v[vl] = 0;
		char err[1024];
		jinja_tmpl *tp = jinja_parse(t, tl, err, sizeof err);
		if (!tp) {
			printf("P %zu\n%s", strlen(err), err);
		} else {
			strbuf b = { 0 };
			if (jinja_render_json(tp, v, vl, &b, err, sizeof err)) printf("E %zu\n%s", strlen(err), err);
			else { printf("O %zu\n", b.len); fwrite(b.p ? b.p : "", 1, b.len, stdout); }
			strbuf_free(&b);
			jinja_free(tp);
		}
		fflush(stdout);
		free(t);
		free(v);
	}
	return 0;
}

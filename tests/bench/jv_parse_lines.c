/* jv_parse_lines.c — the libjq peer for the JSON bench: parse every line with
 * jv_parse_sized and look up "messages", as sftkit's reader does. Built by
 * bench_json.sh; not part of sftkit. */
#include <jq.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long ok = 0, bad = 0;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		jv v = jv_parse_sized(line, (int)n);
		if (!jv_is_valid(v)) { bad++; jv_free(v); continue; }
		jv m = jv_object_get(v, jv_string("messages"));
		if (jv_get_kind(m) == JV_KIND_ARRAY) ok++;
		jv_free(m);
	}
	free(line);
	printf("%ld\n", ok);
	return bad != 0;
}

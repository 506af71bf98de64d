/* jsonl-check — pass through the lines of a JSONL stream that are valid JSON
 * objects, byte for byte; stop at the first bad line (or skip it with --skip-bad).
 * With --field F, also require that member F exists. */
#include "cli.h"

#include <string.h>

static const char usage[] =
	"Usage: jsonl-check [OPTIONS] [FILE...]\n"
	"Check that every line of the JSONL input is one strict JSON object (RFC 8259,\n"
	"valid UTF-8) and pass it through unchanged.\n"
	"\n"
	"  -f, --field NAME   also require a top-level member NAME (reason missing_field)\n"
	"  -c, --count        print only the number of valid records\n";

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{"field", required_argument, 0, 'f'},
		{"count", no_argument, 0, 'c'},
		{0, 0, 0, 0},
	};
	cli c;
	const char *field = NULL;
	int count_only = 0, o;
	cli_init(&c, "jsonl-check", usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT "f:c", opts, NULL)) != -1) {
		if (cli_common_opt(&c, o, optarg)) continue;
		switch (o) {
		case 'f': field = optarg; break;
		case 'c': count_only = 1; break;
		default: cli_usage_error(&c, NULL);
		}
	}
	cli_open_output(&c, optind);
	const char *line;
	size_t len;
	while (cli_next_record(&c, &line, &len) > 0) {
		if (field && json_get(&c.doc, 0, field) == JSON_NONE) {
			cli_drop(&c, line, len, "missing_field", field);
			continue;
		}
		if (count_only) cli_add_kept(&c, 1);
		else cli_keep(&c, line, len);
	}
	if (count_only) {
		char buf[32];
		int n = snprintf(buf, sizeof buf, "%llu\n", (unsigned long long)c.n_kept);
		cli_write(&c, buf, (size_t)n);
	}
	return cli_finish(&c);
}

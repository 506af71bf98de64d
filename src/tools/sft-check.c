/* sft-check — validate a stream against NeMo RL's openai_format rules;
 * valid records pass through, failures are reported with file:line. */
#include "cli.h"
#include "sftcheck.h"

#include <stdlib.h>

static const char usage[] =
	"Usage: sft-check [--strict] [--max-errors N] [OPTIONS] [FILE...]\n"
	"Check that every record is what NeMo RL's openai_format loader accepts:\n"
	"a \"messages\" list; roles system, user, assistant; system only first; the last\n"
	"message the assistant's; contents non-empty strings. Valid records are written\n"
	"to standard output; each failure is reported as file:line: reason. Exit 1 if any\n"
	"record fails.\n"
	"\n"
	"      --strict         also require user/assistant alternation\n"
	"      --max-errors N   report at most N failures one by one (default 20; 0 = all)\n";

struct ctx { cli *c; int strict; uint64_t max, shown; };

static const char *rule(void *vctx, const json_doc *d, char *detail, size_t n)
{
	struct ctx *x = vctx;
	const char *why = sftcheck_record(d, x->strict, detail, n);
	if (why && (x->max == 0 || x->shown < x->max)) {
		cli_data_error(x->c, "%s: %s", why, detail);
		x->shown++;
	}
	return why;
}

int main(int argc, char **argv)
{
	enum { O_STRICT = CLI_OPT_TOOL_BASE, O_MAXERR };
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{"strict", no_argument, 0, O_STRICT},
		{"max-errors", required_argument, 0, O_MAXERR},
		{0, 0, 0, 0},
	};
	cli c;
	struct ctx x = {&c, 0, 20, 0};
	int o;
	cli_init(&c, "sft-check", usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT, opts, NULL)) != -1) {
		if (cli_common_opt(&c, o, optarg)) continue;
		switch (o) {
		case O_STRICT: x.strict = 1; break;
		case O_MAXERR: x.max = cli_uint_arg(&c, "--max-errors", optarg, 0, UINT64_MAX); break;
		default: cli_usage_error(&c, NULL);
		}
	}
	cli_open_output(&c, optind);
	cli_run_filter(&c, rule, &x);
	int failed = c.n_dropped > 0;
	if (x.max && c.n_dropped > x.shown)
		fprintf(stderr, "sft-check: ... and %llu more failures (see the counts below)\n",
		        (unsigned long long)(c.n_dropped - x.shown));
	int rc = cli_finish(&c);
	return failed ? CLI_EXIT_DATA : rc;
}

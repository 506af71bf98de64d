/* drop-tool-use — a keep/drop filter over the rules of detect.h. */
#include "cli.h"
#include "detect.h"

static const char usage[] =
	"Usage: drop-tool-use [OPTIONS] [FILE...]\n"
	"Drop records with tool use in any convention the sources carry: OpenAI\n(tool_calls, role tool, function_call, tools), OLMo/Dolci (functions,\nfunction_calls, role environment), in-text protocols (<tool_call>,\n<|python_tag|>, <function=...>, ReAct Action:/Observation: traces). Text inside\ncode blocks and inline code is kept. The rules are listed in drop-tool-use(1).\n";

static const char *rule(void *ctx, const json_doc *d, char *detail, size_t n)
{
	return det_tool_use(ctx, d, detail, n);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
	cli c;
	det_ctx dc;
	int o;
	cli_init(&c, "drop-tool-use", usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT, opts, NULL)) != -1)
		if (!cli_common_opt(&c, o, optarg)) cli_usage_error(&c, NULL);
	cli_open_output(&c, optind);
	det_init(&dc);
	cli_run_filter(&c, rule, &dc);
	det_free(&dc);
	return cli_finish(&c);
}

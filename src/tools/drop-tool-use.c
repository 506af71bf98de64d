/* drop-tool-use — a keep/drop filter over the rules of detect.h. */
#include "cli.h"
#include "detect.h"

static const char usage[] =
	"Usage: drop-tool-use [OPTIONS] [FILE...]\n"
	"Drop records with tool use in any convention the sources carry: OpenAI\n(tool_calls, role tool, function_call, tools), OLMo/Dolci (functions,\nfunction_calls, role environment), in-text protocols (<tool_call>,\n<|python_tag|>, <function=...>, ReAct Action:/Observation: traces). Text inside\ncode blocks and inline code is kept. The rules are listed in drop-tool-use(1).\n";

static const char *rule(void *ctx, const json_doc *d, char *detail, size_t n)
{
	return detect_tool_use(ctx, d, detail, n);
}

static int init(void *ctx, char *err, size_t errlen)
{
	(void)err, (void)errlen;
	detect_init(ctx);
	return 0;
}
static void done(void *ctx) { detect_free(ctx); }

int main(int argc, char **argv)
{
	detect_ctx dc;
	const cli_filter f = {"drop-tool-use", usage, rule, &dc, init, done};
	return cli_filter_main(&f, argc, argv);
}

/* drop-multimodal — a keep/drop filter over the rules of detect.h. */
#include "cli.h"
#include "detect.h"

static const char usage[] =
	"Usage: drop-multimodal [OPTIONS] [FILE...]\n"
	"Drop records whose conversation carries images, audio or video: content parts,\nmedia members, media placeholders, markdown images, HTML <img> tags, data URIs.\nText inside code blocks and inline code is kept (it talks about media, it\ndoes not carry any). The rules are listed in drop-multimodal(1).\n";

static const char *rule(void *ctx, const json_doc *d, char *detail, size_t n)
{
	return det_multimodal(ctx, d, detail, n);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
	cli c;
	det_ctx dc;
	int o;
	cli_init(&c, "drop-multimodal", usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT, opts, NULL)) != -1)
		if (!cli_common_opt(&c, o, optarg)) cli_usage_error(&c, NULL);
	cli_open_output(&c, optind);
	det_init(&dc);
	cli_run_filter(&c, rule, &dc);
	det_free(&dc);
	return cli_finish(&c);
}

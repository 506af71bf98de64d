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

static void init(void *ctx) { det_init(ctx); }
static void done(void *ctx) { det_free(ctx); }

int main(int argc, char **argv)
{
	det_ctx dc;
	const cli_filter f = {"drop-multimodal", usage, rule, &dc, init, done};
	return cli_filter_main(&f, argc, argv);
}

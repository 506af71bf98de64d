/* drop-multimodal — a keep/drop filter over the rules of detect.h. */
#include "cli.h"
#include "detect.h"

static const char usage[] =
	"Usage: drop-multimodal [OPTIONS] [FILE...]\n"
	"Drop records whose conversation carries images, audio or video: content parts\n"
	"(also serialised into a string), media members, media placeholders, markdown\n"
	"images, HTML <img> tags, data URIs. Text inside code blocks and inline code is\n"
	"kept (it talks about media, it does not carry any). The rules are listed in\n"
	"drop-multimodal(1).\n";

static const char *rule(void *ctx, const json_doc *d, char *detail, size_t n)
{
	return detect_multimodal(ctx, d, detail, n);
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
	const cli_filter f = {"drop-multimodal", usage, rule, &dc, init, done};
	return cli_filter_main(&f, argc, argv);
}

/* drop-identity — a keep/drop filter over the rules of identity.h. */
#include "cli.h"
#include "identity.h"

static const char usage[] =
	"Usage: drop-identity [OPTIONS] [FILE...]\n"
	"Drop records whose assistant turns claim another model's identity (\"I am\n"
	"ChatGPT\", \"As an AI language model developed by OpenAI\", \"I'm OLMo, made by\n"
	"Ai2\": reason foreign_identity) or state a training cut-off (\"my knowledge\n"
	"cutoff is September 2021\", \"as of my last update\": knowledge_cutoff), in\n"
	"English, Spanish, French, German, Chinese, Japanese and Russian, <think>\n"
	"blocks included. Code, quotes and third-person talk about models are kept.\n"
	"The rules are listed in drop-identity(1).\n";

typedef struct {
	identity_rules *rules;
	identity_ctx ctx;
} state;

static const char *rule(void *p, const json_doc *d, char *detail, size_t n)
{
	return identity_check(&((state *)p)->ctx, d, detail, n);
}

static int init(void *p, char *err, size_t errlen)
{
	state *st = p;
	if (!(st->rules = identity_rules_new(err, errlen))) return -1;
	identity_init(&st->ctx, st->rules);
	return 0;
}

static void done(void *p)
{
	state *st = p;
	identity_free(&st->ctx);
	identity_rules_free(st->rules);
}

int main(int argc, char **argv)
{
	state st;
	const cli_filter f = {"drop-identity", usage, rule, &st, init, done};
	return cli_filter_main(&f, argc, argv);
}

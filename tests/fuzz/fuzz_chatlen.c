/* fuzz_chatlen.c — libFuzzer target for chatlen: one record counted under
 * a fixed template that reads tools, messages and the special tokens. The
 * first byte picks the trainer (bit 0), add_bos/add_eos/add_generation_prompt
 * (bits 1-3) and whether the input up to its first newline is a
 * --template-kwargs text (bit 4); the rest is the record. Runs from the
 * repository's root (run.sh and the replay both do), where the byte-level
 * test tokenizer is. */
#include "tok/chatlen.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tok *T;
static jinja_tmpl *TPL;

static const char tpl[] =
	"{{ bos_token }}{% if tools %}{{ tools | tojson }}{% endif %}"
	"{% for m in messages %}<{{ m.role }}>{{ m.content }}{% if m.tool_calls %}{{ m.tool_calls | tojson }}{% endif %}{{ eos_token }}{% endfor %}"
	"{% if add_generation_prompt %}<assistant>{% if enable_thinking is false %}<think></think>{% endif %}{% endif %}{{ pad_token }}";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[400];
	if (!T) {
		T = tok_load("tests/fixtures/tok/bytelevel.json", err, sizeof err);
		TPL = jinja_parse(tpl, strlen(tpl), err, sizeof err);
		if (!T || !TPL) { fprintf(stderr, "fuzz_chatlen: %s\n", err); abort(); }
	}
	if (size < 1) return 0;
	unsigned f = data[0];
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	char *kw = NULL;
	if (f & 16) {
		const char *nl = memchr(p, '\n', n);
		if (!nl) return 0;
		kw = xmalloc((size_t)(nl - p) + 1);
		memcpy(kw, p, (size_t)(nl - p));
		kw[nl - p] = 0;
		n -= (size_t)(nl - p) + 1;
		p = nl + 1;
	}
	chatlen_model m = { 0 };
	strbuf_puts(&m.vars, "{\"bos_token\":\"<s>\",\"eos_token\":\"</s>\"}");
	m.eos = (char *)"</s>";
	chatlen_job j = { .t = T, .trainer = (f & 1) ? CHATLEN_NEMO_RL : CHATLEN_NONE, .format = CHATLEN_TEMPLATE, .max = -1,
			  .want_render = 1, .want_ids = 1, .add_bos = !!(f & 2), .add_eos = !!(f & 4), .add_generation_prompt = !!(f & 8),
			  .bos = "<s>", .eos = "</s>", .tmpl = TPL, .template_kwargs = kw };
	if (chatlen_job_vars(&j, &m, err, sizeof err) == 0) {
		chatlen_ctx *c = chatlen_ctx_new(&j);
		chatlen_item it = { .line = xmalloc(n + 1), .len = n };
		memcpy(it.line, p, n);
		chatlen_record(c, &it);
		if (!it.reason && (it.n < 0 || !it.out.len)) abort();
		if (it.reason && it.reason != chatlen_bad_json && !it.detail[0]) abort();
		free(it.line);
		strbuf_free(&it.out);
		chatlen_ctx_free(c);
	}
	chatlen_job_free(&j);
	strbuf_free(&m.vars);
	free(kw);
	return 0;
}

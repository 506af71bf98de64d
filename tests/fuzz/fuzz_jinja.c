/* fuzz_jinja.c — libFuzzer target for the chat-template engine: parse the
 * input as a template and render it over a fixed conversation. */
#include "jinja/jinja.h"

#include <string.h>

static const char vars[] =
	"{\"messages\":[{\"role\":\"system\",\"content\":\"s\"},{\"role\":\"user\",\"content\":\"héllo <think>x</think>\"},"
	"{\"role\":\"assistant\",\"content\":\"a\",\"tool_calls\":[{\"function\":{\"name\":\"f\",\"arguments\":{\"x\":1.5}}}]}],"
	"\"add_generation_prompt\":true,\"bos_token\":\"<s>\",\"tools\":[{\"name\":\"t\"}]}";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[512];
	jinja_tmpl *t = jinja_parse((const char *)data, size, err, sizeof err);
	if (!t) return 0;
	strbuf out = {0};
	jinja_render_json(t, vars, strlen(vars), &out, err, sizeof err);
	strbuf_free(&out);
	jinja_free(t);
	return 0;
}

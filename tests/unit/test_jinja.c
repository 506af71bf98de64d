/* test_jinja — the chat-template engine: each construct on small templates
 * (expected outputs from Python jinja2 set up as transformers sets it up), and
 * byte-identical renderings of the reference conversations for every model in
 * ../shared/tokenizers with a template (skipped, saying so, when absent). */
#include "t.h"
#include "jinja/jinja.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char out_buf[8192];

static const char *render(const char *tpl, const char *vars)
{
	char err[512];
	jinja_tmpl *t = jinja_parse(tpl, strlen(tpl), err, sizeof err);
	if (!t) { snprintf(out_buf, sizeof out_buf, "PARSE ERROR: %s", err); return out_buf; }
	jbuf b = {0};
	if (jinja_render_json(t, vars, strlen(vars), &b, err, sizeof err)) snprintf(out_buf, sizeof out_buf, "ERROR: %s", err);
	else snprintf(out_buf, sizeof out_buf, "%s", b.p ? b.p : "");
	jbuf_free(&b);
	jinja_free(t);
	return out_buf;
}

#define R(tpl, vars, want) T_EQ_STR(render(tpl, vars), want)

static void test_basics(void)
{
	R("Hello {{ name }}!", "{\"name\":\"W\"}", "Hello W!");
	R("{{ 1 + 2 * 3 }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 2 ** 10 }} {{ 7 / 2 }}", "{}", "7 3 -4 1 1024 3.5");
	R("{{ 'a' ~ 1 ~ none }} {{ [1, 'x'] }} {{ {'k': true} }}", "{}", "a1None [1, 'x'] {'k': True}");
	R("{{ x }}|{{ x is defined }}|{{ y is none }}|{{ 'x' in 'xyz' }}|{{ 3 not in [1,2] }}", "{\"y\":null}", "|False|True|True|True");
	R("{{ 'abc'[::-1] }} {{ [1,2,3,4][1:3] }} {{ 'héllo'[1] }} {{ [1,2,3][-1] }}", "{}", "cba [2, 3] é 3");
	R("{{ 'yes' if x else 'no' }} {{ 'a' if false }}.", "{\"x\":0}", "no .");
	R("{{ 1 < 2 < 3 }} {{ 2 == 2.0 }} {{ 'b' > 'a' }} {{ not 1 and 2 or 3 }}", "{}", "True True True 3");
	R("{{ 0.1 + 0.2 }} {{ 1e20 }} {{ 1.5e-7 }} {{ 2.0 }}", "{}", "0.30000000000000004 1e+20 1.5e-07 2.0");
}

static void test_statements(void)
{
	R("{% for m in ms %}{{ loop.index }}/{{ loop.length }}{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %} {% endfor %}",
	  "{\"ms\":[1,2,3]}", "1/3F 2/3 3/3L ");
	R("{% for m in ms if m > 1 %}{{ m }}{% else %}none{% endfor %}|{% for m in [] %}x{% else %}empty{% endfor %}", "{\"ms\":[1,2,3]}", "23|empty");
	R("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}", "{\"d\":{\"a\":1,\"b\":[2]}}", "a=1;b=[2];");
	R("{% set x = 1 %}{% for i in [1,2] %}{% set x = x + i %}{% endfor %}{{ x }}", "{}", "1");   /* loop scope */
	R("{% set ns = namespace(x=1) %}{% for i in [1,2] %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }}", "{}", "4");
	R("{% set s %}a{{ 1 }}b{% endset %}[{{ s }}]", "{}", "[a1b]");
	R("{% macro f(a, b='B') %}<{{ a }}{{ b }}>{% endmacro %}{{ f(1) }}{{ f(2, b=3) }}", "{}", "<1B><23>");
	R("{% for i in range(5) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}", "{}", "02");
	R("{% if a %}A{% elif b %}B{% else %}C{% endif %}", "{\"b\":1}", "B");
	R("{# a comment #}x{% raw %}{{ y }}{% endraw %}", "{}", "x{{ y }}");
}

static void test_whitespace(void)
{
	/* trim_blocks and lstrip_blocks as transformers sets them */
	R("a\n  {% if 1 %}\n  b\n  {% endif %}\nc", "{}", "a\n  b\nc");
	R("a  {%- if 1 -%}  b  {%- endif -%}  c", "{}", "abc");
	R("{{- ' x ' -}}\n", "{}", " x ");
	R("  {{ 'v' }}  \n", "{}", "  v  ");   /* one trailing newline dropped, as jinja2 does */
	R("x\n\n", "{}", "x\n");
}

static void test_filters_tests_methods(void)
{
	R("{{ ' a b '|trim }}|{{ 'Ab'|upper }}|{{ [1,2]|length }}|{{ 'héllo'|length }}|{{ x|default('d') }}", "{}", "a b|AB|2|5|d");
	R("{{ [1,2,3]|join(',') }}|{{ [3,1,2]|sort|list }}|{{ [1,2]|first }}{{ [1,2]|last }}|{{ 'aXa'|replace('a','b') }}", "{}", "1,2,3|[1, 2, 3]|12|bXb");
	R("{{ {'b': 1, 'a': 'é'}|tojson }}|{{ [1, none, true]|tojson }}|{{ 'q\"\\n'|tojson }}", "{}", "{\"b\": 1, \"a\": \"é\"}|[1, null, true]|\"q\\\"\\n\"");
	R("{{ {'a': [1]}|tojson(indent=2) }}", "{}", "{\n  \"a\": [\n    1\n  ]\n}");
	R("{{ ms|selectattr('role', 'equalto', 'user')|map(attribute='c')|join }}", "{\"ms\":[{\"role\":\"user\",\"c\":\"x\"},{\"role\":\"a\",\"c\":\"y\"},{\"role\":\"user\",\"c\":\"z\"}]}", "xz");
	R("{{ ms|rejectattr('role', 'equalto', 'user')|list|length }}", "{\"ms\":[{\"role\":\"user\"},{\"role\":\"a\"}]}", "1");
	R("{{ 'a</think>b'.split('</think>')[-1] }}|{{ '\\n\\nx\\n'.lstrip('\\n') }}|{{ 'abc'.startswith('ab') }}|{{ 'a b  c'.split() }}", "{}", "b|x\n|True|['a', 'b', 'c']");
	R("{{ x is string }}{{ 1 is number }}{{ d is mapping }}{{ l is iterable }}{{ 2 is even }}{{ 3 is divisibleby 3 }}", "{\"x\":\"s\",\"d\":{},\"l\":[]}", "TrueTrueTrueTrueTrueTrue");
	R("{{ d.get('k', 5) }}{{ d.keys()|list }}{{ '\\u3000x\\u3000'|trim }}", "{\"d\":{\"a\":1}}", "5['a']x");
}

static void test_errors(void)
{
	/* raise_exception is the template's own rejection; unknown constructs name themselves and their line */
	T_EQ_STR(render("{{ raise_exception('bad role') }}", "{}"), "ERROR: raise_exception: bad role");
	T_CHECK(strstr(render("a\n{% include 'x' %}", "{}"), "template line 2: unsupported: the 'include' statement") != NULL);
	T_CHECK(strstr(render("{{ x|nosuchfilter }}", "{\"x\":1}"), "unsupported: the filter 'nosuchfilter'") != NULL);
	T_CHECK(strstr(render("{% if x %}", "{}"), "PARSE ERROR") != NULL);
	T_CHECK(strstr(render("{{ 'a' + 1 }}", "{}"), "unsupported operand") != NULL);
	T_CHECK(strstr(render("{{ x.y }}", "{}"), "undefined") != NULL);
	T_CHECK(strstr(render("{{ 'unterminated }}", "{}"), "PARSE ERROR") != NULL);
}

/* The reference renderings: every conversation of chat.jsonl, every model with a template. */
static void check_model(const char *model)
{
	const char *sh = t_shared();
	if (!sh) T_SKIP("../shared/tokenizers absent");
	char path[1024], err[1024];
	snprintf(path, sizeof path, "%s/tokenizers/%s/tokenizer_config.json", sh, model);
	size_t n;
	char *cfg = t_read_file(path, &n);
	T_CHECK(cfg != NULL);
	if (!cfg) return;
	json_doc c;
	json_doc_init(&c);
	T_CHECK(json_parse(&c, cfg, n) == 0);
	jbuf tpl = {0};
	json_str_append(&c, json_get(&c, 0, "chat_template"), &tpl);
	jinja_tmpl *t = jinja_parse(tpl.p, tpl.len, err, sizeof err);
	T_CHECKF(t != NULL, "%s: %s", model, err);
	/* the variables: bos/eos from the config (undefined when null), date_string */
	jbuf extra = {0};
	jbuf_puts(&extra, "{\"add_generation_prompt\":false,\"date_string\":\"26 Jul 2024\"");
	for (int k = 0; k < 2; k++) {
		const char *name = k ? "eos_token" : "bos_token";
		uint32_t v = json_get(&c, 0, name);
		if (json_type_of(&c, v) == JSON_OBJECT) v = json_get(&c, v, "content");
		if (json_type_of(&c, v) == JSON_STRING) { jbuf_printf(&extra, ",\"%s\":", name); json_write_raw(&extra, &c, v); }
	}
	jbuf_putc(&extra, '}');
	json_doc ed;
	json_doc_init(&ed);
	T_CHECK(json_parse(&ed, extra.p, extra.len) == 0);
	snprintf(path, sizeof path, "%s/tokenizers/chat.jsonl", sh);
	FILE *fc = fopen(path, "rb");
	snprintf(path, sizeof path, "%s/tokenizers/%s/expected/%s.chat.jsonl", sh, model, model);
	FILE *fe = fopen(path, "rb");
	T_CHECK(fc && fe && t);
	int total = 0, bad = 0;
	if (fc && fe && t) {
		char *lc = NULL, *le = NULL;
		size_t cc = 0, ce = 0;
		ssize_t nc, ne;
		json_doc dc, de;
		json_doc_init(&dc);
		json_doc_init(&de);
		jbuf out = {0}, want = {0};
		while ((nc = getline(&lc, &cc, fc)) > 0 && (ne = getline(&le, &ce, fe)) > 0) {
			total++;
			if (json_parse(&dc, lc, nc) || json_parse(&de, le, ne)) { bad++; continue; }
			jbuf_reset(&out);
			jbuf_reset(&want);
			uint32_t w = json_get(&de, 0, "jinja2_text");
			if (w == JSON_NONE) w = json_get(&de, 0, "text");
			json_str_append(&de, w, &want);
			int rc = jinja_render_doc(t, &dc, 0, &ed, 0, &out, err, sizeof err);
			if (rc || out.len != want.len || memcmp(out.p, want.p, out.len)) {
				if (bad++ < 3) {
					size_t k = 0;
					while (k < out.len && k < want.len && out.p[k] == want.p[k]) k++;
					fprintf(stderr, "    %s: conversation %d: %s; first difference at byte %zu: got '%.40s' want '%.40s'\n", model, total - 1,
						rc ? err : "differs", k, out.p ? out.p + k : "", want.p ? want.p + k : "");
				}
			}
		}
		free(lc); free(le);
		json_doc_free(&dc); json_doc_free(&de);
		jbuf_free(&out); jbuf_free(&want);
	}
	T_CHECKF(bad == 0, "%s: %d of %d renderings differ", model, bad, total);
	T_CHECKF(total == 300, "%s: %d conversations compared", model, total);
	if (fc) fclose(fc);
	if (fe) fclose(fe);
	jinja_free(t);
	json_doc_free(&c);
	json_doc_free(&ed);
	jbuf_free(&tpl);
	jbuf_free(&extra);
	free(cfg);
}

static void test_qwen2_5(void) { check_model("qwen2_5"); }
static void test_qwen3(void) { check_model("qwen3"); }
static void test_llama3_1(void) { check_model("llama3_1"); }

int main(void)
{
	T_RUN(test_basics);
	T_RUN(test_statements);
	T_RUN(test_whitespace);
	T_RUN(test_filters_tests_methods);
	T_RUN(test_errors);
	T_RUN(test_qwen2_5);
	T_RUN(test_qwen3);
	T_RUN(test_llama3_1);
	return t_done();
}

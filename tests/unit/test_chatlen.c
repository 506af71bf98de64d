/* test_chatlen — the trainer's length of a conversation: NeMo RL's pieces
 * (a render per prefix, the cut at the first differing code point, BOS and
 * EOS as get_formatted_message_log adds them, each piece tokenized alone),
 * the >= rule, template errors on a prefix, and the single render of
 * --trainer none, the tokenizer's files and the template's variables as
 * transformers reads and passes them, the record's tools as it checks
 * them, on a tiny byte-level tokenizer of the repo's (<s> and </s>
 * are its special tokens). The real models against NeMo RL's own code are
 * tests/cli/tok-len.sh's, on tests/fixtures/tok/nemo-rl. */
#include "t.h"
#include "json.h"
#include "tok/chatlen.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static tok *T;

typedef struct setup {
	const char *tpl;
	int trainer, add_bos, add_eos, agp;
	long long max;
	const char *bos, *eos;
} setup;

/* Count one record; rendered gets the pieces joined (or the render). */
static chatlen_item run(const setup *s, const char *rec, strbuf *rendered)
{
	char err[256];
	chatlen_model m = { 0 };
	strbuf_puts(&m.vars, "{\"bos_token\":\"<s>\",\"eos_token\":\"</s>\"}");
	chatlen_job j = { .t = T, .trainer = s->trainer, .format = CHATLEN_TEMPLATE, .max = s->max, .want_render = 1,
			  .add_bos = s->add_bos, .add_eos = s->add_eos, .add_generation_prompt = s->agp, .bos = s->bos, .eos = s->eos };
	jinja_tmpl *t = jinja_parse(s->tpl, strlen(s->tpl), err, sizeof err);
	T_CHECKF(t != NULL, "%s", err);
	j.tmpl = t;
	T_EQ_INT(chatlen_job_vars(&j, &m, err, sizeof err), 0);
	chatlen_ctx *c = chatlen_ctx_new(&j);
	chatlen_item it = { .line = (char *)rec, .len = strlen(rec) };
	chatlen_record(c, &it);
	strbuf_reset(rendered);
	if (!it.reason) {
		json_doc d;
		json_doc_init(&d);
		T_CHECK(json_parse(&d, it.out.p, it.out.len) == 0);
		json_str_append(&d, json_get(&d, 0, "rendered"), rendered);
		json_doc_free(&d);
	}
	strbuf_put(rendered, "", 0);
	strbuf_free(&it.out);
	chatlen_ctx_free(c);
	chatlen_job_free(&j);
	jinja_free(t);
	strbuf_free(&m.vars);
	return it;
}

/* the tokens of the pieces, each encoded alone */
static long long pieces_len(const char *const *p)
{
	tok_state *s = tok_state_new(T);
	long long n = 0;
	for (; *p; p++) n += (long long)tok_encode(s, *p, strlen(*p), NULL);
	tok_state_free(s);
	return n;
}

static const char conv2[] = "{\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"}]}";

static void test_pieces_cut_at_code_points(void)
{
	/* the last message ends with é, the others with è: prefixes part inside a
	 * UTF-8 sequence (C3 A9 / C3 A8), and Python cuts before the character */
	setup s = { .tpl = "{% for m in messages %}<{{ m.role }}>{{ m.content }}{{ '\\u00e9\\n\\n' if loop.last else '\\u00e8' }}{% endfor %}",
		    .trainer = CHATLEN_NEMO_RL, .add_bos = 1, .add_eos = 1, .max = -1, .bos = "<s>", .eos = "</s>" };
	strbuf r = {0};
	chatlen_item it = run(&s, conv2, &r);
	T_CHECK(it.reason == NULL);
	const char *want[] = { "<s><user>a\xc3\xa9\n\n", "\xc3\xa8<assistant>b\xc3\xa9\n\n</s>", NULL };
	T_EQ_STR(r.p, "<s><user>a\xc3\xa9\n\n\xc3\xa8<assistant>b\xc3\xa9\n\n</s>");
	T_EQ_INT(it.n, pieces_len(want));
	/* --trainer none: the whole conversation once, no BOS or EOS of its own */
	s.trainer = CHATLEN_NONE;
	it = run(&s, conv2, &r);
	T_EQ_STR(r.p, "<user>a\xc3\xa8<assistant>b\xc3\xa9\n\n");
	strbuf_free(&r);
}

static void test_bos_eos(void)
{
	/* BOS already first and EOS already last before the trailing newlines: nothing added */
	setup s = { .tpl = "{{ bos_token }}{% for m in messages %}[{{ m.content }}]{{ eos_token }}\n{% endfor %}",
		    .trainer = CHATLEN_NEMO_RL, .add_bos = 1, .add_eos = 1, .max = -1, .bos = "<s>", .eos = "</s>" };
	strbuf r = {0};
	chatlen_item it = run(&s, conv2, &r);
	T_EQ_STR(r.p, "<s>[a]</s>\n[b]</s>\n");
	const char *want[] = { "<s>[a]</s>\n", "[b]</s>\n", NULL };
	T_EQ_INT(it.n, pieces_len(want));
	/* an EOS followed by something other than newlines does not count as last */
	s.tpl = "{% for m in messages %}[{{ m.content }}]{% endfor %}</s> ";
	it = run(&s, conv2, &r);
	T_EQ_STR(r.p, "<s>[a]</s> [b]</s> </s>");
	/* the knobs off; no BOS or EOS in the tokenizer */
	s.add_bos = s.add_eos = 0;
	it = run(&s, conv2, &r);
	T_EQ_STR(r.p, "[a]</s> [b]</s> ");
	s.add_bos = s.add_eos = 1;
	s.bos = s.eos = NULL;
	it = run(&s, conv2, &r);
	T_EQ_STR(r.p, "[a]</s> [b]</s> ");
	strbuf_free(&r);
}

static void test_rerendered_turns(void)
{
	/* a template that rewrites earlier turns (as Qwen3 drops earlier reasoning):
	 * the piece restarts where the renders part, so that text counts twice */
	setup s = { .tpl = "{% for m in messages %}{{ m.content if loop.last else m.content|upper }};{% endfor %}",
		    .trainer = CHATLEN_NEMO_RL, .max = -1 };
	const char *rec = "{\"messages\":[{\"role\":\"user\",\"content\":\"ab\"},{\"role\":\"assistant\",\"content\":\"cd\"},{\"role\":\"user\",\"content\":\"ef\"}]}";
	strbuf r = {0};
	chatlen_item it = run(&s, rec, &r);
	T_EQ_STR(r.p, "ab;AB;cd;CD;ef;");
	const char *want[] = { "ab;", "AB;cd;", "CD;ef;", NULL };
	T_EQ_INT(it.n, pieces_len(want));
	/* a render shorter than the previous: an empty piece */
	s.tpl = "{% if messages|length == 1 %}long text{% else %}long{% endif %}";
	it = run(&s, conv2, &r);
	T_EQ_STR(r.p, "long text");
	strbuf_free(&r);
}

static void test_generation_prompt_and_errors(void)
{
	/* add_generation_prompt only on the prefixes that end with a user (or tool) turn */
	setup s = { .tpl = "{% for m in messages %}{{ m.role[0] }}{% endfor %}{% if add_generation_prompt %}+{% endif %}",
		    .trainer = CHATLEN_NEMO_RL, .agp = 1, .max = -1 };
	const char *rec = "{\"messages\":[{\"role\":\"system\",\"content\":\"\"},{\"role\":\"user\",\"content\":\"\"},{\"role\":\"tool\",\"content\":\"\"},{\"role\":\"assistant\",\"content\":\"\"}]}";
	strbuf r = {0};
	chatlen_item it = run(&s, rec, &r);
	T_EQ_STR(r.p, "su+t+a");
	/* a template that raises on a prefix: the record's template_error, named */
	s.tpl = "{% if messages[-1].role == 'user' %}{{ raise_exception('no open turns') }}{% endif %}x";
	it = run(&s, conv2, &r);
	T_EQ_STR(it.reason, "template_error");
	T_EQ_STR(it.detail, "messages[:1]: raise_exception: no open turns");
	T_EQ_INT(it.fatal, 0);
	/* --trainer none renders the whole conversation only, which passes */
	s.trainer = CHATLEN_NONE;
	it = run(&s, conv2, &r);
	T_CHECK(it.reason == NULL);
	/* a message without a role is NeMo RL's KeyError: bad_message */
	s.trainer = CHATLEN_NEMO_RL;
	s.tpl = "x";
	it = run(&s, "{\"messages\":[{\"content\":\"a\"}]}", &r);
	T_EQ_STR(it.reason, "bad_message");
	it = run(&s, "{\"messages\":[]}", &r);
	T_CHECK(it.reason == NULL);
	T_EQ_INT(it.n, 0);
	strbuf_free(&r);
}

static void test_max_rule(void)
{
	setup s = { .tpl = "{% for m in messages %}{{ m.content }}{% endfor %}", .trainer = CHATLEN_NEMO_RL, .max = -1 };
	strbuf r = {0};
	long long n = run(&s, conv2, &r).n;
	T_CHECK(n > 0);
	/* NeMo RL: length >= max_seq_length is cut and masked, so it goes */
	s.max = n;
	chatlen_item it = run(&s, conv2, &r);
	T_EQ_STR(it.reason, "too_long");
	s.max = n + 1;
	T_CHECK(run(&s, conv2, &r).reason == NULL);
	/* --trainer none keeps today's rule: more than max */
	s.trainer = CHATLEN_NONE;
	s.max = n;
	T_CHECK(run(&s, conv2, &r).reason == NULL);
	strbuf_free(&r);
}

static void put(const char *dir, const char *name, const char *text)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, name);
	FILE *f = fopen(p, "w");
	T_CHECK(f != NULL);
	if (!f) return;
	fputs(text, f);
	fclose(f);
}

static void test_model_files(void)
{
	/* the files beside a tokenizer, as transformers' AutoTokenizer reads them */
	char dir[] = "/tmp/test_chatlen.XXXXXX", err[256];
	T_CHECK(mkdtemp(dir) != NULL);
	put(dir, "tokenizer_config.json", "{\"chat_template\":\"inline\",\"eos_token\":\"</s>\",\"unk_token\":\"\","
	    "\"mask_token\":{\"__type\":\"AddedToken\",\"content\":\"<m>\"},\"additional_special_tokens\":[\"<a>\",{\"content\":\"<b>\"}]}");
	put(dir, "special_tokens_map.json", "{\"bos_token\":{\"content\":\"<s>\",\"lstrip\":false},\"eos_token\":\"<e>\"}");
	chatlen_model m;
	T_EQ_INT(chatlen_model_load(dir, &m, err, sizeof err), 0);
	T_EQ_STR(m.template_text, "inline");
	/* no added_tokens_decoder: special_tokens_map.json's keys replace the config's */
	T_EQ_STR(m.bos, "<s>");
	T_EQ_STR(m.eos, "<e>");
	T_CHECK(m.pad == NULL);
	T_EQ_STR(m.vars.p, "{\"bos_token\":\"<s>\",\"eos_token\":\"<e>\",\"mask_token\":\"<m>\",\"additional_special_tokens\":[\"<a>\",\"<b>\"]}");
	chatlen_model_free(&m);
	/* with added_tokens_decoder the map is not read; chat_template.jinja wins */
	put(dir, "tokenizer_config.json", "{\"chat_template\":\"inline\",\"eos_token\":\"</s>\",\"added_tokens_decoder\":{}}");
	put(dir, "chat_template.jinja", "from the file");
	char tj[600];
	snprintf(tj, sizeof tj, "%s/tokenizer.json", dir);
	T_EQ_INT(chatlen_model_load(tj, &m, err, sizeof err), 0);
	T_EQ_STR(m.template_text, "from the file");
	T_CHECK(m.bos == NULL);
	T_EQ_STR(m.eos, "</s>");
	chatlen_model_free(&m);
	/* a damaged special_tokens_map.json is an error naming it */
	put(dir, "tokenizer_config.json", "{}");
	put(dir, "special_tokens_map.json", "{\"bos_token\":");
	T_EQ_INT(chatlen_model_load(dir, &m, err, sizeof err), -1);
	T_CHECK(strstr(err, "special_tokens_map.json") != NULL);
	chatlen_model_free(&m);
	char p[600];
	snprintf(p, sizeof p, "rm -r '%s'", dir);
	T_EQ_INT(system(p), 0);
}

/* the variables chatlen_job_vars makes for m under trainer with kwargs, or NULL */
static char *vars_of(const char *mvars, const char *eos, int trainer, const char *kwargs, char *err, size_t errlen)
{
	chatlen_model m = { .eos = (char *)eos };
	strbuf_puts(&m.vars, mvars);
	chatlen_job j = { .trainer = trainer, .template_kwargs = kwargs };
	char *r = NULL;
	if (chatlen_job_vars(&j, &m, err, errlen) == 0) r = strdup(j.vars_text);
	chatlen_job_free(&j);
	strbuf_free(&m.vars);
	return r;
}

static void test_job_vars(void)
{
	char err[256];
	/* NeMo RL's get_tokenizer: no pad_token, so the EOS; transformers alone: none */
	char *v = vars_of("{\"eos_token\":\"</s>\"}", "</s>", CHATLEN_NEMO_RL, NULL, err, sizeof err);
	T_EQ_STR(v, "{\"add_generation_prompt\":false,\"add_special_tokens\":false,\"eos_token\":\"</s>\",\"pad_token\":\"</s>\"}");
	free(v);
	v = vars_of("{\"eos_token\":\"</s>\"}", "</s>", CHATLEN_NONE, NULL, err, sizeof err);
	T_EQ_STR(v, "{\"add_generation_prompt\":false,\"eos_token\":\"</s>\"}");
	free(v);
	/* the kwargs replace the special tokens of their names */
	v = vars_of("{\"eos_token\":\"</s>\"}", "</s>", CHATLEN_NEMO_RL, "{\"enable_thinking\":false,\"eos_token\":\"X\",\"pad_token\":null}", err, sizeof err);
	T_EQ_STR(v, "{\"add_generation_prompt\":false,\"add_special_tokens\":false,\"enable_thinking\":false,\"eos_token\":\"X\",\"pad_token\":null}");
	free(v);
	/* what would not reach the template is refused */
	T_CHECK(vars_of("{}", NULL, CHATLEN_NONE, "{\"tools\":[]}", err, sizeof err) == NULL);
	T_CHECK(strstr(err, "\"tools\" is a parameter of apply_chat_template") != NULL);
	T_CHECK(vars_of("{}", NULL, CHATLEN_NEMO_RL, "{\"add_special_tokens\":true}", err, sizeof err) == NULL);
	v = vars_of("{}", NULL, CHATLEN_NONE, "{\"add_special_tokens\":true}", err, sizeof err);
	T_EQ_STR(v, "{\"add_generation_prompt\":false,\"add_special_tokens\":true}");
	free(v);
	T_CHECK(vars_of("{}", NULL, CHATLEN_NONE, "[]", err, sizeof err) == NULL);
	T_CHECK(vars_of("{}", NULL, CHATLEN_NONE, "{\"a\":", err, sizeof err) == NULL);
}

static void test_tools(void)
{
	/* apply_chat_template's check: a list of dicts, or ValueError / TypeError */
	setup s = { .tpl = "{{ tools | tojson }}", .trainer = CHATLEN_NEMO_RL, .max = -1 };
	static const struct { const char *tools, *want; } cases[] = {
		{ "[{\"a\":1}]", "[{\"a\": 1}]" }, { "[]", "[]" }, { "\"\"", "[]" }, { "{}", "[]" }, { "null", "null" },
		{ "\"[{}]\"", NULL }, { "{\"a\":1}", NULL }, { "[{},1]", NULL }, { "[null]", NULL },
		{ "7", "'int'" }, { "7e1", "'float'" }, { "false", "'bool'" },
	};
	strbuf r = {0}, rec = {0};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		strbuf_reset(&rec);
		strbuf_printf(&rec, "{\"tools\":%s,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}", cases[i].tools);
		for (int tr = 0; tr < 2; tr++) {
			s.trainer = tr ? CHATLEN_NEMO_RL : CHATLEN_NONE;
			chatlen_item it = run(&s, rec.p, &r);
			const char *w = cases[i].want;
			if (w && w[0] != '\'') {
				T_CHECKF(it.reason == NULL, "%s: %s", cases[i].tools, it.detail);
				T_EQ_STR(r.p, w);
			} else {
				T_EQ_STR(it.reason, "template_error");
				T_CHECKF(strstr(it.detail, w ? w : "Tools should either be a JSON schema") != NULL, "%s: %s", cases[i].tools, it.detail);
			}
		}
	}
	strbuf_free(&r);
	strbuf_free(&rec);
}

int main(void)
{
	char err[256];
	T = tok_load("tests/fixtures/tok/bytelevel.json", err, sizeof err);
	if (!T) { fprintf(stderr, "%s\n", err); return 1; }
	T_RUN(test_pieces_cut_at_code_points);
	T_RUN(test_bos_eos);
	T_RUN(test_rerendered_turns);
	T_RUN(test_generation_prompt_and_errors);
	T_RUN(test_max_rule);
	T_RUN(test_model_files);
	T_RUN(test_job_vars);
	T_RUN(test_tools);
	tok_free(T);
	return t_done();
}

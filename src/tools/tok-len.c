/* tok-len — add "n_tokens" to each record, counted with the target model's
 * tokenizer.json; with --max drop the longer ones. */
#include "cli.h"
#include "json.h"
#include "tok/tok.h"
#include "jinja/jinja.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
	"Usage: tok-len --tokenizer DIR|FILE [--max N] [-j N] [--template FILE] [--render]\n"
	"               [--no-template] [--format F] [--text-field F] [--ids] [OPTIONS] [FILE...]\n"
	"Add \"n_tokens\" to each record: the tokens of its conversation as the model's\n"
	"chat template renders it, under the model's tokenizer (ids identical to the\n"
	"Hugging Face tokenizers library; the template rendered as transformers does).\n"
	"\n"
	"  -t, --tokenizer P    a tokenizer.json, or a directory with tokenizer.json and\n"
	"                       tokenizer_config.json (its chat_template and special tokens)\n"
	"  -m, --max N          drop records with more than N tokens (reason too_long)\n"
	"  -j, --jobs N         threads (default 1); output order is kept\n"
	"      --template FILE  this chat template instead of tokenizer_config.json's\n"
	"      --render         also add \"rendered\", the text the template produced\n"
	"      --no-template    count the message contents alone, summed\n"
	"      --format F       template (the default when there is one), or a fixed\n"
	"                       wrapping: chatml, llama3, plain (contents alone)\n"
	"      --default-system T  chatml/llama3 wrappings: a system turn when there is none\n"
	"      --text-field F   count the string field F instead of \"messages\"\n"
	"      --ids            also add \"token_ids\", the ids counted (for debugging)\n"
	"\n"
	"A conversation the template rejects (raise_exception) is dropped with reason\n"
	"template_error and the template's message. See tok-len(1) for the dialect.\n";

enum { F_PLAIN, F_CHATML, F_LLAMA3, F_TEMPLATE };

typedef struct job {
	const tok *t;
	int format, no_template, want_ids;
	const char *text_field;
	const char *default_system;   /* a system turn when the conversation has none */
	long long max;
	const jinja_tmpl *tmpl;       /* F_TEMPLATE: the model's chat template */
	json_doc vars;                /* its variables besides the record's (special tokens, ...) */
	int want_render;
} job;

typedef struct item {
	char *line;
	size_t len;
	const char *file;
	uint64_t lineno;
	long long n;         /* tokens, or -1 */
	const char *reason;  /* drop reason */
	int fatal;           /* the reason stops the run */
	char detail[400];
	jbuf out;            /* the annotated record */
} item;

static size_t count_str(tok_state *s, const json_doc *d, uint32_t i, jbuf *tmp, tok_ids *ids)
{
	jbuf_reset(tmp);
	json_str_append(d, i, tmp);
	return tok_encode(s, tmp->p ? tmp->p : "", tmp->len, ids);
}

static size_t count_text(tok_state *s, const char *p, size_t n, tok_ids *ids)
{
	return tok_encode(s, p, n, ids);
}

/* Python's str.strip() whitespace, as the llama3 template's | trim applies it (ASCII part) */
static void trim(const char **p, size_t *n)
{
	while (*n && strchr(" \t\n\r\f\v", **p)) (*p)++, (*n)--;
	while (*n && strchr(" \t\n\r\f\v", (*p)[*n - 1])) (*n)--;
}

static const char bad_json[] = "bad_json";

static void process(const job *j, tok_state *s, item *it, json_doc *d, jbuf *tmp, jbuf *render, tok_ids *ids)
{
	it->reason = NULL;
	it->fatal = 0;
	it->n = -1;
	ids->n = 0;
	/* parsed here, in the worker, and judged in input order by the output loop */
	if (cli_parse_record(d, it->line, it->len, it->detail, sizeof it->detail)) {
		it->reason = bad_json;
		return;
	}
	size_t total = 0;
	if (j->text_field) {
		uint32_t f = json_get(d, 0, j->text_field);
		if (json_type_of(d, f) != JSON_STRING) {
			it->reason = "missing_field";
			snprintf(it->detail, sizeof it->detail, "no string field \"%.60s\"", j->text_field);
			return;
		}
		total = count_str(s, d, f, tmp, ids);
	} else {
		uint32_t ms = json_get(d, 0, "messages");
		if (json_type_of(d, ms) != JSON_ARRAY) {
			it->reason = "no_messages";
			snprintf(it->detail, sizeof it->detail, "no \"messages\" list");
			return;
		}
		int fmt = j->no_template ? F_PLAIN : j->format;
		if (fmt == F_TEMPLATE) {
			/* the model's own template over the record (messages, tools) and the config's tokens */
			jbuf_reset(render);
			char err[400];
			int rc = jinja_render_doc(j->tmpl, d, 0, &j->vars, 0, render, err, sizeof err);
			if (rc) {
				/* outside the dialect: a count without it would be wrong, so the run stops */
				it->fatal = rc == -2;
				it->reason = "template_error";
				snprintf(it->detail, sizeof it->detail, "%s", err);
				return;
			}
			total = count_text(s, render->p ? render->p : "", render->len, ids);
			goto counted;
		}
		if (fmt == F_LLAMA3) total += count_text(s, "<|begin_of_text|>", 17, ids);
		if (fmt != F_PLAIN && j->default_system) {
			uint32_t m0 = d->nodes[ms].count ? ms + 1 : JSON_NONE;
			uint32_t r0 = json_type_of(d, m0) == JSON_OBJECT ? json_get(d, m0, "role") : JSON_NONE;
			if (!(json_type_of(d, r0) == JSON_STRING && json_str_eq(d, r0, "system", 6))) {
				jbuf_reset(render);
				if (fmt == F_CHATML) jbuf_printf(render, "<|im_start|>system\n%s<|im_end|>\n", j->default_system);
				else jbuf_printf(render, "<|start_header_id|>system<|end_header_id|>\n\n%s<|eot_id|>", j->default_system);
				total += count_text(s, render->p, render->len, ids);
			}
		}
		JSON_FOR_ELEMS(d, ms, m, k) {
			(void)k;
			uint32_t ct = json_type_of(d, m) == JSON_OBJECT ? json_get(d, m, "content") : JSON_NONE;
			uint32_t role = json_type_of(d, m) == JSON_OBJECT ? json_get(d, m, "role") : JSON_NONE;
			if (json_type_of(d, ct) != JSON_STRING || json_type_of(d, role) != JSON_STRING) {
				it->reason = "bad_message";
				snprintf(it->detail, sizeof it->detail, "message %u lacks a string role or content", k);
				return;
			}
			if (fmt == F_PLAIN) { total += count_str(s, d, ct, tmp, ids); continue; }
			jbuf_reset(render);
			jbuf_reset(tmp);
			json_str_append(d, ct, tmp);
			const char *cp = tmp->p ? tmp->p : "";
			size_t cn = tmp->len;
			if (fmt == F_CHATML) {
				jbuf_puts(render, "<|im_start|>");
				json_str_append(d, role, render);
				jbuf_putc(render, '\n');
				jbuf_put(render, cp, cn);
				jbuf_puts(render, "<|im_end|>\n");
			} else {
				trim(&cp, &cn);
				jbuf_puts(render, "<|start_header_id|>");
				json_str_append(d, role, render);
				jbuf_puts(render, "<|end_header_id|>\n\n");
				jbuf_put(render, cp, cn);
				jbuf_puts(render, "<|eot_id|>");
			}
			total += count_text(s, render->p, render->len, ids);
		}
	}
counted:
	if (tok_state_error(s, it->detail, sizeof it->detail)) {
		it->fatal = 1;   /* a wrong split is a wrong count: the run stops */
		it->reason = "tokenizer_error";
		return;
	}
	it->n = (long long)total;
	if (j->max >= 0 && it->n > j->max) {
		it->reason = "too_long";
		snprintf(it->detail, sizeof it->detail, "%lld tokens > %lld", it->n, j->max);
		return;
	}
	/* the record, without an earlier n_tokens, plus the new one */
	jbuf_reset(&it->out);
	jbuf fields = {0};
	jbuf_printf(&fields, "\"n_tokens\":%lld", it->n);
	if (j->want_render && j->format == F_TEMPLATE && !j->no_template && !j->text_field) {
		jbuf_puts(&fields, ",\"rendered\":");
		json_write_str(&fields, render->p ? render->p : "", render->len);
	}
	if (j->want_ids) {
		jbuf_puts(&fields, ",\"token_ids\":[");
		for (size_t i = 0; i < ids->n; i++) jbuf_printf(&fields, "%s%d", i ? "," : "", ids->v[i]);
		jbuf_putc(&fields, ']');
	}
	if (json_get(d, 0, "n_tokens") == JSON_NONE && json_get(d, 0, "token_ids") == JSON_NONE && json_get(d, 0, "rendered") == JSON_NONE) {
		cli_annotate(&it->out, it->line, it->len, fields.p, fields.len);
	} else {
		jbuf_putc(&it->out, '{');
		int first = 1;
		JSON_FOR_MEMBERS(d, 0, key, val, k) {
			(void)k;
			if (json_str_eq(d, key, "n_tokens", 8) || json_str_eq(d, key, "token_ids", 9) || json_str_eq(d, key, "rendered", 8)) continue;
			if (!first) jbuf_putc(&it->out, ',');
			first = 0;
			json_write_raw(&it->out, d, key);
			jbuf_putc(&it->out, ':');
			json_write_raw(&it->out, d, val);
		}
		if (!first) jbuf_putc(&it->out, ',');
		jbuf_put(&it->out, fields.p, fields.len);
		jbuf_putc(&it->out, '}');
	}
	jbuf_free(&fields);
}

typedef struct worker {
	const job *j;
	item *items;
	size_t from, to;
	size_t *next;             /* shared: the next chunk of the batch to take */
	pthread_mutex_t *mu;
	tok_state *s;
	json_doc d;
	jbuf tmp, render;
	tok_ids ids;
	pthread_t tid;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	if (!w->next) {
		for (size_t i = w->from; i < w->to; i++) process(w->j, w->s, &w->items[i], &w->d, &w->tmp, &w->render, &w->ids);
		return NULL;
	}
	/* chunks of 16 records taken in turn: records differ in length, so a
	 * fixed split would leave threads idle */
	for (;;) {
		pthread_mutex_lock(w->mu);
		size_t a = *w->next;
		*w->next = a + 16 < w->to ? a + 16 : w->to;
		pthread_mutex_unlock(w->mu);
		if (a >= w->to) break;
		size_t b = a + 16 < w->to ? a + 16 : w->to;
		for (size_t i = a; i < b; i++) process(w->j, w->s, &w->items[i], &w->d, &w->tmp, &w->render, &w->ids);
	}
	return NULL;
}

/* A default system prompt written literally in a ChatML template, as
 * Qwen2.5's is: '<|im_start|>system\\nYou are ...<|im_end|>\\n'. */
static char *template_default_system(const char *tpl)
{
	static const char pre[] = "'<|im_start|>system\\n";
	for (const char *p = strstr(tpl, pre); p; p = strstr(p, pre)) {
		p += strlen(pre);
		const char *e = strstr(p, "<|im_end|>");
		if (!e) return NULL;
		int plain = 1;
		for (const char *q = p; q < e && plain; q++)
			plain = *q != '\'' && *q != '{' && *q != '}' && *q != '\\';
		if (!plain) continue;
		char *r = xmalloc(e - p + 1);
		memcpy(r, p, e - p);
		r[e - p] = 0;
		return r;
	}
	return NULL;
}

static void add_token_var(jbuf *vars, const json_doc *d, const char *name)
{
	uint32_t v = json_get(d, 0, name);
	if (json_type_of(d, v) == JSON_OBJECT) v = json_get(d, v, "content");   /* AddedToken form */
	if (json_type_of(d, v) != JSON_STRING) return;   /* null: left undefined, as transformers does */
	jbuf_printf(vars, ",\"%s\":", name);
	json_write_raw(vars, d, v);
}

/* From tokenizer_config.json: the wrapping to approximate with, the chat
 * template's text (malloc'd, or NULL) and the template's variables. */
static int detect_format(cli *c, const char *tokpath, char **default_system, char **tpl_text, jbuf *vars)
{
	struct stat st;
	jbuf p = {0};
	if (stat(tokpath, &st) == 0 && S_ISDIR(st.st_mode)) jbuf_printf(&p, "%s/tokenizer_config.json", tokpath);
	else {
		const char *sl = strrchr(tokpath, '/');
		if (sl) jbuf_printf(&p, "%.*s/tokenizer_config.json", (int)(sl - tokpath), tokpath);
		else jbuf_puts(&p, "tokenizer_config.json");
	}
	size_t blen;
	char *b = read_file(p.p, &blen);
	if (!b) {
		if (errno != ENOENT) cli_fatal(c, "%s: %s", p.p, strerror(errno));
		jbuf_free(&p);
		return F_PLAIN;   /* no config beside the tokenizer: no template */
	}
	int fmt = F_PLAIN;
	json_doc d;
	json_doc_init(&d);
	if (json_parse(&d, b, blen)) cli_fatal(c, "%s: %s", p.p, d.err);
	{
		uint32_t ct = json_get(&d, 0, "chat_template");
		int nct = 0;
		JSON_FOR_MEMBERS(&d, 0, key, val, k) { (void)val; (void)k; nct += json_str_eq(&d, key, "chat_template", 13); }
		if (nct > 1) cli_fatal(c, "%s: chat_template is given %d times: which one the model uses is not clear", p.p, nct);
		if (ct != JSON_NONE && json_type_of(&d, ct) != JSON_STRING && json_type_of(&d, ct) != JSON_ARRAY &&
		    json_type_of(&d, ct) != JSON_NULL)
			cli_fatal(c, "%s: chat_template is not a string or a list of named templates", p.p);
		if (json_type_of(&d, ct) == JSON_ARRAY) {
			/* named templates: the one called "default" */
			uint32_t pick = JSON_NONE;
			JSON_FOR_ELEMS(&d, ct, e, k) {
				(void)k;
				if (json_type_of(&d, e) == JSON_OBJECT && json_str_eq(&d, json_get(&d, e, "name"), "default", 7)) pick = json_get(&d, e, "template");
			}
			ct = pick;
		}
		for (const char *const *nm = (const char *const[]){ "bos_token", "eos_token", "pad_token", "unk_token", NULL }; *nm; nm++)
			add_token_var(vars, &d, *nm);
		if (json_type_of(&d, ct) == JSON_STRING) {
			jbuf tt = {0};
			json_str_append(&d, ct, &tt);
			jbuf_put(&tt, "", 0);
			*tpl_text = jbuf_detach(&tt, NULL);
			jbuf s = {0};
			json_str_append(&d, ct, &s);
			if (s.p && strstr(s.p, "<|im_start|>")) {
				fmt = F_CHATML;
				*default_system = template_default_system(s.p);
			}
			else if (s.p && strstr(s.p, "<|start_header_id|>")) fmt = F_LLAMA3;
			jbuf_free(&s);
		}
	}
	json_doc_free(&d);
	jbuf_free(&p);
	free(b);
	return fmt;
}

int main(int argc, char **argv)
{
	enum { O_NO_TEMPLATE = CLI_OPT_TOOL_BASE, O_FORMAT, O_TEXT_FIELD, O_IDS, O_DEFAULT_SYSTEM, O_TEMPLATE, O_RENDER };
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{"tokenizer", required_argument, 0, 't'},
		{"max", required_argument, 0, 'm'},
		{"jobs", required_argument, 0, 'j'},
		{"no-template", no_argument, 0, O_NO_TEMPLATE},
		{"format", required_argument, 0, O_FORMAT},
		{"text-field", required_argument, 0, O_TEXT_FIELD},
		{"ids", no_argument, 0, O_IDS},
		{"default-system", required_argument, 0, O_DEFAULT_SYSTEM},
		{"template", required_argument, 0, O_TEMPLATE},
		{"render", no_argument, 0, O_RENDER},
		{0, 0, 0, 0},
	};
	cli c;
	job j = { .max = -1, .format = -1 };
	const char *tokpath = NULL, *template_file = NULL;
	int jobs = 1, o;
	cli_init(&c, "tok-len", usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT "t:m:j:", opts, NULL)) != -1) {
		if (cli_common_opt(&c, o, optarg)) continue;
		char *e;
		switch (o) {
		case 't': tokpath = optarg; break;
		case 'm':
			j.max = strtoll(optarg, &e, 10);
			if (*e || !*optarg || j.max < 0) cli_usage_error(&c, "--max: a count, not '%s'", optarg);
			break;
		case 'j':
		{
			long v = strtol(optarg, &e, 10);
			if (*e || !*optarg || v < 1 || v > 256) cli_usage_error(&c, "--jobs: 1 to 256, not '%s'", optarg);
			jobs = (int)v;
			break;
		}
		case O_NO_TEMPLATE: j.no_template = 1; break;
		case O_FORMAT:
			if (!strcmp(optarg, "plain")) j.format = F_PLAIN;
			else if (!strcmp(optarg, "chatml")) j.format = F_CHATML;
			else if (!strcmp(optarg, "llama3")) j.format = F_LLAMA3;
			else if (!strcmp(optarg, "template")) j.format = F_TEMPLATE;
			else cli_usage_error(&c, "--format: template, chatml, llama3 or plain, not '%s'", optarg);
			break;
		case O_TEXT_FIELD: j.text_field = optarg; break;
		case O_IDS: j.want_ids = 1; break;
		case O_DEFAULT_SYSTEM: j.default_system = optarg; break;
		case O_TEMPLATE: template_file = optarg; break;
		case O_RENDER: j.want_render = 1; break;
		default: cli_usage_error(&c, NULL);
		}
	}
	if (!tokpath) cli_usage_error(&c, "--tokenizer is required");
	char err[600];
	tok *t = tok_load(tokpath, err, sizeof err);
	if (!t) cli_fatal(&c, "%s", err);
	j.t = t;
	char *tpl_system = NULL, *tpl_text = NULL;
	jbuf vars = {0};
	jbuf_puts(&vars, "{\"add_generation_prompt\":false");
	int fmt = detect_format(&c, tokpath, &tpl_system, &tpl_text, &vars);
	jbuf_putc(&vars, '}');
	if (template_file) {
		char *text = read_file(template_file, NULL);
		if (!text) cli_fatal(&c, "%s: %s", template_file, strerror(errno));
		free(tpl_text);
		tpl_text = text;
		if (j.format < 0) j.format = F_TEMPLATE;
	}
	if (j.format < 0) j.format = tpl_text ? F_TEMPLATE : fmt;
	if (j.default_system && (j.no_template || j.format == F_TEMPLATE || j.format == F_PLAIN))
		cli_usage_error(&c, "--default-system: only with --format chatml or llama3 (the chat template decides its own default system turn)");
	if (!j.default_system && j.format == F_CHATML) j.default_system = tpl_system;
	jinja_tmpl *tmpl = NULL;
	json_doc_init(&j.vars);
	if (j.format == F_TEMPLATE) {
		if (!tpl_text) cli_usage_error(&c, "--format template: %s has no chat_template (give --template FILE)", tokpath);
		tmpl = jinja_parse(tpl_text, strlen(tpl_text), err, sizeof err);
		if (!tmpl) cli_fatal(&c, "chat template%s%s: %s", template_file ? " " : "", template_file ? template_file : "", err);
		if (json_parse(&j.vars, vars.p, vars.len)) cli_fatal(&c, "tokenizer_config.json: special tokens: %s", j.vars.err);
		j.tmpl = tmpl;
	}
	cli_open_output(&c, optind);

	size_t batch = jobs > 1 ? 1024 * (size_t)jobs : 1;
	item *items = xcalloc(batch, sizeof *items);
	worker *ws = xcalloc(jobs, sizeof *ws);
	for (int w = 0; w < jobs; w++) {
		ws[w].j = &j;
		ws[w].items = items;
		ws[w].s = tok_state_new(t);
		json_doc_init(&ws[w].d);
	}
	const char *line;
	size_t len;
	for (;;) {
		size_t n = 0;
		while (n < batch && cli_next_line(&c, &line, &len)) {
			item *it = &items[n++];
			it->line = xrealloc(it->line, len + 1);
			memcpy(it->line, line, len);
			it->len = len;
			it->file = c.cur_file;
			it->lineno = c.cur_line;
		}
		if (!n) break;
		if (jobs == 1) {
			ws[0].from = 0;
			ws[0].to = n;
			work(&ws[0]);
		} else {
			/* jobs - 1 threads and this one share the batch */
			size_t next = 0;
			pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
			for (int w = 0; w < jobs; w++) {
				ws[w].from = 0;
				ws[w].to = n;
				ws[w].next = &next;
				ws[w].mu = &mu;
				if (w) pthread_create(&ws[w].tid, NULL, work, &ws[w]);
			}
			work(&ws[0]);
			for (int w = 1; w < jobs; w++) pthread_join(ws[w].tid, NULL);
		}
		for (size_t i = 0; i < n; i++) {
			item *it = &items[i];
			/* what was read before a fatal line is written; the message names it */
			c.cur_file = it->file;
			c.cur_line = it->lineno;
			if (it->fatal) cli_data_fatal(&c, "%s", it->detail);
			if (it->reason == bad_json) cli_bad_record(&c, it->line, it->len, it->detail);
			else if (it->reason) cli_drop(&c, it->line, it->len, it->reason, it->detail);
			else cli_emit(&c, it->out.p, it->out.len);
		}
		if (n < batch) break;
	}
	for (size_t i = 0; i < batch; i++) { free(items[i].line); jbuf_free(&items[i].out); }
	free(items);
	for (int w = 0; w < jobs; w++) {
		tok_state_free(ws[w].s);
		json_doc_free(&ws[w].d);
		jbuf_free(&ws[w].tmp);
		jbuf_free(&ws[w].render);
		tok_ids_free(&ws[w].ids);
	}
	free(ws);
	tok_free(t);
	free(tpl_system);
	free(tpl_text);
	jinja_free(tmpl);
	json_doc_free(&j.vars);
	jbuf_free(&vars);
	return cli_finish(&c);
}

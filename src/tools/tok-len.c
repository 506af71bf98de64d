/* tok-len — add "n_tokens" to each record, counted with the target model's
 * tokenizer.json as the trainer will count it; with --max drop the longer
 * ones. The counting is src/lib/tok/chatlen's. */
#include "cli.h"
#include "json.h"
#include "tok/tok.h"
#include "tok/chatlen.h"
#include "jinja/jinja.h"

#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

static const char usage[] =
	"Usage: tok-len --tokenizer DIR|FILE [--trainer T] [--max N] [-j N] [--template FILE]\n"
	"               [--render] [--no-template] [--format F] [--text-field F] [--ids]\n"
	"               [--template-kwargs JSON] [OPTIONS] [FILE...]\n"
	"Add \"n_tokens\" to each record: the tokens of its conversation under the model's\n"
	"chat template and tokenizer (ids identical to the Hugging Face tokenizers library;\n"
	"the template rendered as transformers does), counted as the trainer counts them.\n"
	"\n"
	"  -t, --tokenizer P    a tokenizer.json, or a directory with tokenizer.json and\n"
	"                       tokenizer_config.json (chat_template.jinja first, then its\n"
	"                       chat_template; special_tokens_map.json as transformers reads it)\n"
	"      --trainer T      none (the default): the conversation rendered once;\n"
	"                       nemo-rl: NeMo RL's sft_processor length (each prefix\n"
	"                       rendered, the new piece of each tokenized, BOS and EOS added)\n"
	"      --no-add-bos     nemo-rl: as data.add_bos false\n"
	"      --no-add-eos     nemo-rl: as data.add_eos false\n"
	"      --add-generation-prompt  nemo-rl: as data.add_generation_prompt true\n"
	"  -m, --max N          drop records with more than N tokens (reason too_long);\n"
	"                       under nemo-rl with N or more, as NeMo RL cuts those\n"
	"  -j, --jobs N         threads (default 1); output order is kept\n"
	"      --template FILE  this chat template instead of the tokenizer's\n"
	"      --template-kwargs JSON  an object whose members become template variables,\n"
	"                       over the special tokens (NeMo RL's chat_template_kwargs)\n"
	"      --render         also add \"rendered\", the text counted\n"
	"      --no-template    count the message contents alone, summed\n"
	"      --format F       template (the default when there is one), or a fixed\n"
	"                       wrapping: chatml, llama3, plain (contents alone)\n"
	"      --default-system T  chatml/llama3 wrappings: a system turn when there is none\n"
	"      --text-field F   count the string field F instead of \"messages\"\n"
	"      --ids            also add \"token_ids\", the ids counted (for debugging)\n"
	"\n"
	"A conversation the template rejects (raise_exception, or any error jinja2 raises)\n"
	"is dropped with reason template_error and the message. See tok-len(1).\n";

/* The chat template parsed and its variables set in j; NULL (and no
 * variables) for the fixed wrappings. */
static jinja_tmpl *template_setup(cli *c, chatlen_job *j, const chatlen_model *m, const char *tokpath, const char *template_file)
{
	char err[600];
	json_doc_init(&j->vars);   /* the fixed wrappings have none */
	if (j->format != CHATLEN_TEMPLATE) return NULL;
	if (!m->template_text) cli_usage_error(c, "--format template: %s has no chat_template (give --template FILE)", tokpath);
	jinja_tmpl *tmpl = jinja_parse(m->template_text, strlen(m->template_text), err, sizeof err);
	const char *src = template_file ? template_file : m->template_source;
	if (!tmpl) cli_fatal(c, "chat template%s%s: %s", src ? " " : "", src ? src : "", err);
	json_doc_free(&j->vars);
	if (chatlen_job_vars(j, m, err, sizeof err)) {
		if (!strncmp(err, "--template-kwargs", 17)) cli_usage_error(c, "%s", err);
		cli_fatal(c, "%s", err);
	}
	j->tmpl = tmpl;
	return tmpl;
}

/* chatlen_run's callbacks: the records from cli's inputs, their outcomes
 * through cli, in input order, at their own positions */
typedef struct tl_io { cli *c; char why[400]; } tl_io;

static int tl_read(void *p, chatlen_item *it)
{
	cli *c = ((tl_io *)p)->c;
	const char *line;
	size_t len;
	if (!cli_next_line(c, &line, &len)) return 0;
	chatlen_item_set(it, line, len);
	it->file = c->cur_file;
	it->lineno = c->cur_line;
	return 1;
}

static int tl_write(void *p, chatlen_item *it)
{
	tl_io *io = p;
	cli *c = io->c;
	c->cur_file = it->file;
	c->cur_line = it->lineno;
	/* fatal: reported once chatlen_run has stopped its threads; what was
	 * read before this line is written, and the message names it */
	if (it->fatal || (it->reason == chatlen_bad_json && !c->skip_bad)) {
		snprintf(io->why, sizeof io->why, "%s", it->detail);
		return 1;
	}
	if (it->reason == chatlen_bad_json) cli_bad_record(c, it->line, it->len, it->detail);
	else if (it->reason) cli_drop(c, it->line, it->len, it->reason, it->detail);
	else cli_emit(c, it->out.p, it->out.len);
	return 0;
}

/* SFTKIT_WORKQ_STATS: where -j's time went */
static void print_stats(cli *c, const workq_stats *st)
{
	for (int w = 0; w < st->nthreads; w++)
		cli_warn(c, "worker %d: busy %.3f s, waiting %.3f s (%.1f%%)", w, st->busy[w], st->idle[w],
			 100 * st->idle[w] / (st->busy[w] + st->idle[w] > 0 ? st->busy[w] + st->idle[w] : 1));
	cli_warn(c, "reader/writer counted %.3f s (%llu chunks), waited %.3f s for counts; %llu records in %llu chunks",
		 st->producer_busy, (unsigned long long)st->producer_chunks, st->producer_wait,
		 (unsigned long long)st->slots, (unsigned long long)(st->chunks + st->producer_chunks));
}

int main(int argc, char **argv)
{
	enum { O_NO_TEMPLATE = CLI_OPT_TOOL_BASE, O_FORMAT, O_TEXT_FIELD, O_IDS, O_DEFAULT_SYSTEM, O_TEMPLATE, O_RENDER,
	       O_TRAINER, O_NO_BOS, O_NO_EOS, O_AGP, O_KWARGS };
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
		{"trainer", required_argument, 0, O_TRAINER},
		{"no-add-bos", no_argument, 0, O_NO_BOS},
		{"no-add-eos", no_argument, 0, O_NO_EOS},
		{"add-generation-prompt", no_argument, 0, O_AGP},
		{"template-kwargs", required_argument, 0, O_KWARGS},
		{0, 0, 0, 0},
	};
	cli c;
	chatlen_job j = { .max = -1, .format = -1, .add_bos = 1, .add_eos = 1 };
	const char *tokpath = NULL, *template_file = NULL;
	int jobs = 1, o, knobs = 0;
	cli_init(&c, "tok-len", usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT "t:m:j:", opts, NULL)) != -1) {
		if (cli_common_opt(&c, o, optarg)) continue;
		switch (o) {
		case 't': tokpath = optarg; break;
		case 'm': j.max = cli_int_arg(&c, "--max", optarg, 0, LLONG_MAX); break;
		case 'j': jobs = (int)cli_int_arg(&c, "--jobs", optarg, 1, WORKQ_MAX_THREADS); break;
		case O_NO_TEMPLATE: j.no_template = 1; break;
		case O_FORMAT:
			if (!strcmp(optarg, "plain")) j.format = CHATLEN_PLAIN;
			else if (!strcmp(optarg, "chatml")) j.format = CHATLEN_CHATML;
			else if (!strcmp(optarg, "llama3")) j.format = CHATLEN_LLAMA3;
			else if (!strcmp(optarg, "template")) j.format = CHATLEN_TEMPLATE;
			else cli_usage_error(&c, "--format: template, chatml, llama3 or plain, not '%s'", optarg);
			break;
		case O_TEXT_FIELD: j.text_field = optarg; break;
		case O_IDS: j.want_ids = 1; break;
		case O_DEFAULT_SYSTEM: j.default_system = optarg; break;
		case O_TEMPLATE: template_file = optarg; break;
		case O_RENDER: j.want_render = 1; break;
		case O_TRAINER:
			if (!strcmp(optarg, "none")) j.trainer = CHATLEN_NONE;
			else if (!strcmp(optarg, "nemo-rl")) j.trainer = CHATLEN_NEMO_RL;
			else cli_usage_error(&c, "--trainer: none or nemo-rl, not '%s'", optarg);
			break;
		case O_NO_BOS: j.add_bos = 0; knobs = 1; break;
		case O_NO_EOS: j.add_eos = 0; knobs = 1; break;
		case O_AGP: j.add_generation_prompt = 1; knobs = 1; break;
		case O_KWARGS: j.template_kwargs = optarg; break;
		default: cli_usage_error(&c, NULL);
		}
	}
	if (!tokpath) cli_usage_error(&c, "--tokenizer is required");
	char err[600];
	tok *t = tok_load(tokpath, err, sizeof err);
	if (!t) cli_fatal(&c, "%s", err);
	j.t = t;
	chatlen_model m;
	if (chatlen_model_load(tokpath, &m, err, sizeof err)) cli_fatal(&c, "%s", err);
	if (template_file) {
		char *text = util_read_file(template_file, NULL);
		if (!text) cli_fatal(&c, "%s: %s", template_file, strerror(errno));
		free(m.template_text);
		m.template_text = text;
		if (j.format < 0) j.format = CHATLEN_TEMPLATE;
	}
	if (m.named_only && !m.template_text && (j.format < 0 || j.format == CHATLEN_TEMPLATE))
		cli_fatal(&c, "%s: additional_chat_templates/ without chat_template.jinja: no default template (transformers raises); give --template FILE", tokpath);
	if (j.format < 0) j.format = m.template_text ? CHATLEN_TEMPLATE : m.format;
	if (j.template_kwargs && (j.format != CHATLEN_TEMPLATE || j.no_template || j.text_field)) cli_usage_error(&c, "--template-kwargs: only with the chat template (not --no-template or a fixed --format)");
	if (j.default_system && (j.no_template || j.format == CHATLEN_TEMPLATE || j.format == CHATLEN_PLAIN))
		cli_usage_error(&c, "--default-system: only with --format chatml or llama3 (the chat template decides its own default system turn)");
	if (j.trainer == CHATLEN_NEMO_RL && (j.no_template || j.text_field || j.format != CHATLEN_TEMPLATE))
		cli_usage_error(&c, "--trainer nemo-rl renders the chat template (%s): not with --no-template, --text-field or a fixed --format",
				m.template_text ? "the tokenizer's or --template FILE" : "give --template FILE: there is none beside the tokenizer");
	if (knobs && j.trainer != CHATLEN_NEMO_RL) cli_usage_error(&c, "--no-add-bos, --no-add-eos and --add-generation-prompt are --trainer nemo-rl's");
	if (!j.default_system && j.format == CHATLEN_CHATML) j.default_system = m.default_system;
	j.bos = m.bos;
	j.eos = m.eos;
	jinja_tmpl *tmpl = template_setup(&c, &j, &m, tokpath, template_file);
	cli_open_output(&c, optind);

	tl_io io = { &c, "" };
	workq_stats st;
	if (chatlen_run(&j, jobs, tl_read, tl_write, &io, &st)) cli_data_fatal(&c, "%s", io.why);
	if (getenv("SFTKIT_WORKQ_STATS")) print_stats(&c, &st);
	tok_free(t);
	jinja_free(tmpl);
	chatlen_job_free(&j);
	chatlen_model_free(&m);
	return cli_finish(&c);
}

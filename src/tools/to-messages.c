/* to-messages — turn rows of any source into contract records
 * {"id","source","messages":[...]}: presets for the mission's sources, field
 * mappings, or a jq program (libjq) for anything else. */
#include "cli.h"
#include "convert.h"
#include "jqprog.h"

#include <jq.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: to-messages (--preset NAME | --messages FIELD | --user F --assistant F) [OPTIONS] [FILE...]\n"
	"       to-messages --jq PROGRAM [OPTIONS] [FILE...]\n"
	"Turn each row into {\"id\",\"source\",\"messages\":[{\"role\",\"content\"},...]}.\n"
	"\n"
	"  -p, --preset NAME       openmath (problem, generated_solution), magicoder (instruction,\n"
	"                          response), dolci (messages; keeps domain, source_dataset),\n"
	"                          codeforces (messages, <think> kept)\n"
	"      --messages FIELD    the conversation is already in FIELD\n"
	"      --user FIELD        user turn from FIELD\n"
	"      --assistant FIELD   assistant turn from FIELD\n"
	"      --system FIELD      system turn from FIELD (absent when empty)\n"
	"      --system-text TEXT  a fixed system turn\n"
	"      --keep F1,F2,...    copy these top-level fields\n"
	"      --id FIELD          id from FIELD (default: the preset's, else <source>/<row>)\n"
	"  -s, --source NAME       the \"source\" value (default: the preset's repo)\n"
	"      --strip-think       remove <think>...</think> from assistant turns\n"
	"      --min-solution-chars N  drop rows whose final assistant turn has fewer than N\n"
	"                          characters (short_solution; NVIDIA used 200 for OpenMath)\n"
	"      --boxed-answer FIELD  drop rows whose final assistant turn's last \\boxed{...}\n"
	"                          (balanced braces, trimmed) is not FIELD's value, trimmed\n"
	"                          (answer_mismatch; openmath: expected_answer)\n"
	"      --jq PROGRAM        a jq program (libjq 1.6) whose outputs are records; a missing\n"
	"                          \"id\"/\"source\" is filled in. jq 1.6 turns integers beyond 2^53\n"
	"                          into doubles: use a preset or mapping where that matters\n"
	"\n"
	"<row> is the 0-based index of the line in the input stream (all inputs in turn).\n"
	"Rows that cannot become a valid conversation are dropped with a reason:\n"
	"missing_field, missing_content, null_content, non_string_content, empty_content,\n"
	"empty_messages, bad_messages, bad_message, bad_role, no_final_assistant,\n"
	"truncated (codeforces: finish_reason is not \"stop\"), unclosed_think (--strip-think),\n"
	"short_solution (--min-solution-chars), answer_mismatch (--boxed-answer);\n"
	"with --jq also jq_error, jq_empty (no output), not_a_record (an output that is not\n"
	"an object), bad_record (an \"id\" or \"source\" that is not a string); with\n"
	"--skip-bad, bad_json (a line that is not a JSON object).\n";

enum { O_PRESET = 'p', O_SOURCE = 's', O_MESSAGES = CLI_OPT_TOOL_BASE, O_USER, O_ASSISTANT, O_SYSTEM,
       O_SYSTEM_TEXT, O_KEEP, O_ID, O_STRIP, O_JQ, O_MINCH, O_BOXED };

static void add_keep(cli *c, convert_spec *s, char *list)
{
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		if (s->nkeep == CONVERT_MAX_KEEP) cli_usage_error(c, "--keep: at most %d fields", CONVERT_MAX_KEEP);
		s->keep[s->nkeep++] = tok;
	}
}

/* One outcome of a --jq program on a row: each past the first is one more
 * record read, so read = kept + dropped holds. */
typedef struct jq_line { cli *c; const char *line; size_t len; int n; } jq_line;
static void jq_outcome(void *ctx, const char *rec, size_t n, const char *reason, const char *detail)
{
	jq_line *j = ctx;
	if (j->n++) cli_add_read(j->c, 1);
	if (rec) cli_emit(j->c, rec, n);
	else cli_drop(j->c, j->line, j->len, reason, detail);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{"preset", required_argument, 0, O_PRESET},
		{"source", required_argument, 0, O_SOURCE},
		{"messages", required_argument, 0, O_MESSAGES},
		{"user", required_argument, 0, O_USER},
		{"assistant", required_argument, 0, O_ASSISTANT},
		{"system", required_argument, 0, O_SYSTEM},
		{"system-text", required_argument, 0, O_SYSTEM_TEXT},
		{"keep", required_argument, 0, O_KEEP},
		{"id", required_argument, 0, O_ID},
		{"strip-think", no_argument, 0, O_STRIP},
		{"jq", required_argument, 0, O_JQ},
		{"min-solution-chars", required_argument, 0, O_MINCH},
		{"boxed-answer", required_argument, 0, O_BOXED},
		{0, 0, 0, 0},
	};
	cli c;
	convert_spec spec;
	memset(&spec, 0, sizeof spec);
	const char *preset = NULL, *source = NULL, *jqprog = NULL, *idf = NULL;
	convert_spec m;
	memset(&m, 0, sizeof m);
	int strip = 0, o;
	size_t minch = 0;
	const char *boxed = NULL;
	cli_init(&c, "to-messages", usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT "p:s:", opts, NULL)) != -1) {
		if (cli_common_opt(&c, o, optarg)) continue;
		switch (o) {
		case O_PRESET: preset = optarg; break;
		case O_SOURCE: source = optarg; break;
		case O_MESSAGES: m.messages_field = optarg; break;
		case O_USER: m.user_field = optarg; break;
		case O_ASSISTANT: m.assistant_field = optarg; break;
		case O_SYSTEM: m.system_field = optarg; break;
		case O_SYSTEM_TEXT: m.system_text = optarg; break;
		case O_KEEP: add_keep(&c, &m, optarg); break;
		case O_ID: idf = optarg; break;
		case O_STRIP: strip = 1; break;
		case O_JQ: jqprog = optarg; break;
		case O_MINCH: minch = (size_t)cli_int_arg(&c, "--min-solution-chars", optarg, 0, INT64_MAX); break;
		case O_BOXED: boxed = optarg; break;
		default: cli_usage_error(&c, NULL);
		}
	}
	int mapped = m.messages_field || m.user_field || m.assistant_field;
	if (!!preset + !!mapped + !!jqprog != 1)
		cli_usage_error(&c, "give exactly one of --preset, a field mapping, or --jq");
	if (preset) {
		if (convert_preset(&spec, preset)) cli_usage_error(&c, "unknown preset '%s' (openmath, magicoder, dolci, codeforces)", preset);
		for (int k = 0; k < m.nkeep; k++) {
			if (spec.nkeep == CONVERT_MAX_KEEP) cli_usage_error(&c, "--keep: too many fields");
			spec.keep[spec.nkeep++] = m.keep[k];
		}
	} else if (mapped) {
		spec = m;
		if (!spec.messages_field && (!spec.user_field || !spec.assistant_field))
			cli_usage_error(&c, "a mapping needs --messages FIELD, or both --user and --assistant");
		if (spec.system_field && spec.system_text) cli_usage_error(&c, "--system and --system-text exclude each other");
	}
	if (source) spec.source = source;
	if (idf) spec.id_field = idf;
	if (!spec.source) spec.source = "unknown";
	spec.strip_think = strip;
	spec.min_answer_chars = minch;
	spec.answer_field = boxed;
	if (jqprog && (minch || boxed)) cli_usage_error(&c, "--min-solution-chars and --boxed-answer work on presets and mappings, not --jq");

	jq_state *jq = NULL;
	if (jqprog) {
		char err[512];
		if (!(jq = jqprog_compile(jqprog, err, sizeof err))) cli_usage_error(&c, "--jq: %s", err);
	}

	cli_open_output(&c, optind);
	const char *line, *reason;
	size_t len;
	char err[256];
	strbuf out = STRBUF_INIT;
	json_doc od;
	json_doc_init(&od);
	uint64_t row = 0;
	while (cli_next_line(&c, &line, &len)) {
		/* a bad line still takes its row number: ids stay what they
		 * are with and without --skip-bad */
		uint64_t rowno = row++;
		if (cli_parse_record(&c.doc, line, len, err, sizeof err)) {
			cli_bad_record(&c, line, len, err);
			continue;
		}
		if (!jq) {
			strbuf_reset(&out);
			if (convert_record(&spec, &c.doc, rowno, &out, &reason, err, sizeof err)) cli_drop(&c, line, len, reason, err);
			else cli_emit(&c, out.p, out.len);
			continue;
		}
		/* --jq: every output must be a record */
		jq_line jl = { &c, line, len, 0 };
		convert_jq_record(jq, &spec, line, len, rowno, &od, &out, jq_outcome, &jl);
	}
	if (jq) jq_teardown(&jq);
	json_doc_free(&od);
	strbuf_free(&out);
	return cli_finish(&c);
}

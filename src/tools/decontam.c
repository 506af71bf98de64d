/* decontam — drop records that hold evaluation benchmark items (decontam.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "decontam.h"

static const char usage[] =
	"Usage: decontam --against [NAME=]FILE... [OPTIONS] [FILE...]\n"
	"Drop records that hold an item of an evaluation benchmark: verbatim, reformatted\n"
	"(case, whitespace, punctuation, markdown fences, $...$), embedded in a longer\n"
	"turn of any role, or in large part. Kept records are written as read; each\n"
	"dropped one goes to --rejects with reason \"contaminated\" and a detail naming\n"
	"the benchmark, the item, the field, the overlap and an excerpt.\n"
	"\n"
	"  -a, --against [NAME=]FILE  a benchmark as its publisher ships it (JSONL, or a\n"
	"                       JSON array); layouts are recognised by their fields\n"
	"                       (HumanEval, MBPP, GSM8K, MATH/AIME/AMC, LiveCodeBench,\n"
	"                       IFEval); NAME defaults to the file's base name; repeatable\n"
	"  -f, --field F        index field F instead of the layout's fields (repeatable):\n"
	"                       of the --against it follows, or, given before the first\n"
	"                       --against, of every benchmark that names none of its own\n"
	"      --report FILE    one JSON line per benchmark item hit: benchmark, item,\n"
	"                       field, rows, sources, an example id, score, excerpt\n"
	"      --ngram N        words per n-gram (default 8)\n"
	"      --coverage X     share of a long item's n-grams that makes a hit (0.5;\n"
	"                       0.75 for items with fewer than 40 n-grams)\n"
	"  -q, --quiet          no index and run summaries on standard error\n"
	"      --progress       show progress even when standard error is not a terminal\n"
	"      --rejects FILE   write dropped records there, with \"reason\" and \"detail\"\n"
	"      --skip-bad       count and skip lines that are not JSON objects\n"
	"      --summary FILE   the run's counts as JSON, with \"benchmarks\": drops per benchmark\n"
	"  -h, --help           this text\n"
	"  -V, --version        the version\n"
	"The method, what it catches and what it does not: decontam(1).\n";

enum { OPT_REPORT = CLI_OPT_TOOL_BASE, OPT_NGRAM, OPT_COVERAGE };

/* NAME=FILE, or FILE named by its base name without extensions */
static char *bench_name(const char *arg, const char **path)
{
	const char *eq = strchr(arg, '=');
	const char *sl = strchr(arg, '/');
	if (eq && eq != arg && (!sl || eq < sl)) { *path = eq + 1; return xstrndup(arg, (size_t)(eq - arg)); }
	*path = arg;
	const char *b = strrchr(arg, '/');
	b = b ? b + 1 : arg;
	const char *dot = strchr(b, '.');
	return xstrndup(b, dot && dot != b ? (size_t)(dot - b) : strlen(b));
}

/* The benchmarks, each with the --field options that follow it. */
typedef struct bench_arg {
	const char *arg;
	int fstart, nf;              /* its fields in the fields array */
} bench_arg;

static decontam_index *load(cli *c, const bench_arg *against, int na, const char **fields, int nglobal, const decontam_opts *o)
{
	decontam_index *ix = decontam_index_new(o);
	char err[512];
	for (int i = 0; i < na; i++) {
		const char *path;
		char *name = bench_name(against[i].arg, &path);
		for (int b = 0; b < decontam_nbench(ix); b++)
			if (!strcmp(decontam_bench(ix, b)->name, name))
				cli_usage_error(c, "two benchmarks named '%s': give one a NAME=FILE", name);
		size_t len;
		char *text = util_read_file(path, &len);
		if (!text) cli_fatal(c, "%s: %s", path, strerror(errno));
		const char **f = against[i].nf ? fields + against[i].fstart : nglobal ? fields : NULL;
		int nf = against[i].nf ? against[i].nf : nglobal;
		int rc = decontam_add_benchmark(ix, name, path, text, len, f, nf, err, sizeof err);
		if (rc == DECONTAM_ERR_LAYOUT) cli_usage_error(c, "%s", err);
		if (rc < 0) cli_fatal(c, "%s", err);
		free(text);
		free(name);
	}
	decontam_index_build(ix);
	for (int b = 0; !c->quiet && b < decontam_nbench(ix); b++) {
		const decontam_bench_stats *s = decontam_bench(ix, b);
		cli_info(c, "%s: %u items (%s layout): %u fields matched by %d-gram coverage, %u matched whole only, "
		         "%u too short to match, %u generic (shared by items), %u empty", s->name, s->items, s->layout,
		         s->seg_long, o->ngram, s->seg_short, s->seg_too_short, s->seg_generic, s->seg_empty);
	}
	cli_info(c, "index: %.1f MB", (double)decontam_index_bytes(ix) / 1e6);
	return ix;
}

static void str_field(const json_doc *d, const char *key, strbuf *out)
{
	strbuf_reset(out);
	uint32_t v = json_get(d, 0, key);
	if (json_type_of(d, v) == JSON_STRING) json_str_append(d, v, out);
	else if (json_type_of(d, v) == JSON_NUMBER) { size_t l; const char *r = json_raw(d, v, &l); strbuf_put(out, r, l); }
}

static void run(cli *c, const decontam_index *ix, decontam_tally *tally, int ngram)
{
	decontam_matcher *m = decontam_matcher_new(ix);
	strbuf detail = STRBUF_INIT, src = STRBUF_INIT, id = STRBUF_INIT;
	const char *line;
	size_t len;
	while (cli_next_record(c, &line, &len) > 0) {
		const decontam_hit *h;
		int n = decontam_match_record(m, &c->doc, 0, &h);
		if (!n) { cli_keep(c, line, len); continue; }
		str_field(&c->doc, "source", &src);
		str_field(&c->doc, "id", &id);
		for (int k = 0; k < n; k++)
			decontam_tally_add(tally, &h[k], src.len ? src.p : NULL, src.len, id.len ? id.p : NULL, id.len);
		decontam_tally_drop(tally, &h[0]);
		strbuf_reset(&detail);
		strbuf_printf(&detail, "%s %s %s: ", decontam_bench(ix, decontam_item_bench(ix, h->item))->name, decontam_item_id(ix, h->item), h->field);
		if (h->whole) strbuf_printf(&detail, "whole (%u words)", h->total);
		else strbuf_printf(&detail, "coverage %.2f (%u/%u %d-grams)", h->score, h->found, h->total, ngram);
		strbuf_printf(&detail, ": \"%s\"", h->excerpt);
		if (n > 1) strbuf_printf(&detail, "; %d more item%s hit", n - 1, n > 2 ? "s" : "");
		cli_drop(c, line, len, "contaminated", detail.p);
	}
	decontam_matcher_free(m);
	strbuf_free(&detail); strbuf_free(&src); strbuf_free(&id);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {CLI_COMMON_OPTIONS, {"against", 1, 0, 'a'}, {"field", 1, 0, 'f'},
		{"report", 1, 0, OPT_REPORT}, {"ngram", 1, 0, OPT_NGRAM}, {"coverage", 1, 0, OPT_COVERAGE}, {0, 0, 0, 0}};
	cli c;
	bench_arg *against = xcalloc((size_t)argc + 1, sizeof *against);
	const char **fields = xcalloc((size_t)argc + 1, sizeof *fields);
	int na = 0, nf = 0, nglobal = 0, o;
	const char *report_path = NULL;
	decontam_opts dopt;
	decontam_opts_default(&dopt);
	cli_init(&c, "decontam", usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT "a:f:", opts, NULL)) != -1) {
		if (cli_common_opt(&c, o, optarg)) continue;
		switch (o) {
		case 'a': against[na++] = (bench_arg){optarg, nf, 0}; break;
		case 'f':
			/* getopt_long keeps the options' order: a --field belongs to
			 * the --against before it, or to all when none came yet */
			fields[nf++] = optarg;
			if (na) against[na - 1].nf++;
			else nglobal++;
			break;
		case OPT_REPORT: report_path = optarg; break;
		case OPT_NGRAM:
			dopt.ngram = (int)cli_int_arg(&c, "--ngram", optarg, 3, 64);
			if (dopt.long_tokens < dopt.ngram) dopt.long_tokens = dopt.ngram;
			break;
		case OPT_COVERAGE:
			/* cli's ranges are closed; a share of 0 would match everything */
			dopt.coverage = cli_real_arg(&c, "--coverage", optarg, 0, 1);
			if (dopt.coverage <= 0)
				cli_usage_error(&c, "--coverage: expected a number above 0, up to 1, found '%s'", optarg);
			if (dopt.short_coverage < dopt.coverage) dopt.short_coverage = dopt.coverage;
			break;
		default: cli_usage_error(&c, NULL);
		}
	}
	if (!na) cli_usage_error(&c, "--against FILE is required (a benchmark to decontaminate against)");
	decontam_index *ix = load(&c, against, na, fields, nglobal, &dopt);
	jsonl_writer rep;
	if (report_path && jsonl_writer_open(&rep, report_path)) cli_fatal(&c, "%s: %s", report_path, strerror(errno));
	cli_open_output(&c, optind);
	decontam_tally *tally = decontam_tally_new(ix);
	run(&c, ix, tally, dopt.ngram);
	/* drops per benchmark (by each record's best match): a line on stderr,
	 * "benchmarks" in the summary */
	strbuf per = STRBUF_INIT, line = STRBUF_INIT;
	strbuf_puts(&per, "\"benchmarks\":{");
	for (int b = 0, k = 0; b < decontam_nbench(ix); b++) {
		const char *name = decontam_bench(ix, b)->name;
		if (b) strbuf_putc(&per, ',');
		json_write_str(&per, name, strlen(name));
		strbuf_printf(&per, ":%llu", (unsigned long long)decontam_tally_rows(tally, b));
		if (decontam_tally_rows(tally, b))
			strbuf_printf(&line, "%s%s %llu", k++ ? ", " : "", name, (unsigned long long)decontam_tally_rows(tally, b));
	}
	strbuf_putc(&per, '}');
	c.summary_extra = per.p;
	if (line.len) cli_info(&c, "contaminated per benchmark: %s", line.p);
	if (report_path) {
		strbuf r = STRBUF_INIT;
		decontam_tally_write(tally, &r);
		if (jsonl_write(&rep, r.p ? r.p : "", r.len) || jsonl_writer_close(&rep))
			cli_fatal(&c, "%s: %s", report_path, strerror(errno));
		strbuf_free(&r);
	}
	decontam_tally_free(tally);
	decontam_index_free(ix);
	free(against);
	free(fields);
	int rc = cli_finish(&c);
	strbuf_free(&per);
	strbuf_free(&line);
	return rc;
}

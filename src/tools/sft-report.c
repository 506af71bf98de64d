/* sft-report — one self-contained HTML page (inline SVG, no network) showing
 * what a built SFT set is made of. The engine is src/lib/report.h. */
#include "cli.h"
#include "report.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
	"Usage: sft-report [--manifest FILE] [--summaries DIR] [--decontam FILE]... [-o FILE] TRAIN.jsonl [VALIDATION.jsonl]\n"
	"Write an HTML report of an SFT set: composition by source, lengths per source\n"
	"(n_tokens; character counts when absent, and it says so), messages per\n"
	"conversation, records dropped per reason per stage (from the --summary files\n"
	"in DIR), contamination per benchmark (decontam's --report files and the\n"
	"summaries' drops per benchmark), the recipe's counts (from blend's manifest),\n"
	"and examples per source.\n"
	"\n"
	"  -m, --manifest FILE   blend's manifest.json\n"
	"  -s, --summaries DIR   the stages' --summary files (*.json), in stage order (the\n"
	"                        number starting a name's last part: dolci.3-x.json is 3)\n"
	"  -d, --decontam FILE   a decontam --report file (repeatable): items hit, sources,\n"
	"                        examples with the matched text\n"
	"  -o, --output FILE     the report (default: standard output), written atomically\n";

/* The stage number a summary's name gives: the digits that start its last
 * dot-separated part ("dolci.3-drop-multimodal.json" and "3-x.json" are 3);
 * a name without one comes last. */
static unsigned long stage_of(const char *name)
{
	const char *e = strstr(name, ".json"), *p = e ? e : name + strlen(name);
	while (p > name && p[-1] != '.') p--;
	if (!isdigit((unsigned char)*p)) return ULONG_MAX;
	return strtoul(p, NULL, 10);
}

/* pipeline order: by stage number, then by name (the sources in turn) */
static int cmp_stage(const void *a, const void *b)
{
	const char *x = *(char *const *)a, *y = *(char *const *)b;
	unsigned long sx = stage_of(x), sy = stage_of(y);
	if (sx != sy) return sx < sy ? -1 : 1;
	return strcmp(x, y);
}

static void read_summaries(cli *c, report *r, const char *dir)
{
	DIR *dp = opendir(dir);
	if (!dp) cli_fatal(c, "%s: %s", dir, strerror(errno));
	char **names = NULL;
	int nn = 0;
	struct dirent *de;
	while ((de = readdir(dp))) {
		size_t l = strlen(de->d_name);
		if (l > 5 && de->d_name[0] != '.' && !strcmp(de->d_name + l - 5, ".json")) {
			names = xrealloc(names, (size_t)(nn + 1) * sizeof *names);
			names[nn++] = xstrdup(de->d_name);
		}
	}
	closedir(dp);
	qsort(names, (size_t)nn, sizeof *names, cmp_stage);
	char err[512];
	for (int i = 0; i < nn; i++) {
		char p[4200];
		size_t len;
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		char *t = util_read_file_max(p, 64 << 20, &len);
		if (!t) cli_fatal(c, "%s: %s", p, errno == EFBIG ? "more than 64 MiB: not a summary" : strerror(errno));
		names[i][strlen(names[i]) - 5] = 0;
		if (report_add_summary(r, names[i], t, len, err, sizeof err)) cli_fatal(c, "%s: %s", p, err);
		free(t);
		free(names[i]);
	}
	free(names);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{"manifest", required_argument, 0, 'm'},
		{"summaries", required_argument, 0, 's'},
		{"output", required_argument, 0, 'o'},
		{"decontam", required_argument, 0, 'd'},
		{0, 0, 0, 0},
	};
	cli c;
	const char *manifest = NULL, *sums = NULL, *outp = NULL;
	const char **dec = xcalloc((size_t)argc + 1, sizeof *dec);
	int o, ndec = 0;
	cli_init(&c, "sft-report", usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT "m:s:o:d:", opts, NULL)) != -1) {
		if (cli_common_opt(&c, o, optarg)) continue;
		switch (o) {
		case 'm': manifest = optarg; break;
		case 's': sums = optarg; break;
		case 'o': outp = optarg; break;
		case 'd': dec[ndec++] = optarg; break;
		default: cli_usage_error(&c, NULL);
		}
	}
	if (optind >= argc) cli_usage_error(&c, "no data file given (TRAIN.jsonl [VALIDATION.jsonl])");
	if (argc - optind > 2) cli_usage_error(&c, "at most two data files (TRAIN.jsonl VALIDATION.jsonl)");
	report r;
	report_init(&r, 42);
	char err[512];
	if (manifest) {
		size_t len;
		char *t = util_read_file_max(manifest, 64 << 20, &len);
		if (!t) cli_fatal(&c, "%s: %s", manifest, errno == EFBIG ? "more than 64 MiB: not a manifest" : strerror(errno));
		if (report_set_manifest(&r, t, len, err, sizeof err)) cli_fatal(&c, "%s: %s", manifest, err);
		free(t);
	}
	if (sums) read_summaries(&c, &r, sums);
	for (int i = 0; i < ndec; i++) {
		size_t len;
		char *t = util_read_file(dec[i], &len);
		if (!t) cli_fatal(&c, "%s: %s", dec[i], strerror(errno));
		if (report_add_decontam(&r, t, len, err, sizeof err)) cli_fatal(&c, "%s: %s", dec[i], err);
		free(t);
	}
	free(dec);

	cli_open_output(&c, optind);
	const char *line;
	size_t len;
	while (cli_next_record(&c, &line, &len)) {
		int set = c.nfiles == 2 && c.next_arg == 2;   /* the second file is validation */
		report_add(&r, set, &c.doc, line, len);
		cli_add_kept(&c, 1);
	}

	strbuf h = STRBUF_INIT;
	report_render(&r, (const char *const *)argv + optind, argc - optind, SFTKIT_VERSION, &h);
	if (outp) {
		char werr[4200];
		if (util_atomic_write_file(outp, h.p, h.len, werr, sizeof werr)) cli_fatal(&c, "%s", werr);
	} else cli_write(&c, h.p, h.len);
	strbuf_free(&h);
	report_free(&r);
	c.quiet = 1;
	return cli_finish(&c);
}

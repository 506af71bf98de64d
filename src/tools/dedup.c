/* dedup — drop exact and near duplicate conversations, within and across
 * sources, keeping one copy from the preferred source. Options and wiring;
 * the engine is src/lib/dedup_run.h. */
#include "cli.h"
#include "dedup.h"
#include "dedup_run.h"
#include "jqprog.h"

#include <jq.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"Usage: dedup [--mode exact|near|both] [--priority S1,S2,...] [--threshold T]\n"
	"             [--key all|user] [--ngram N] [--bands B --rows R] [--against FILE]\n"
	"             [--keep-per-key N] [--drop-clusters] [--clusters FILE] [OPTIONS] [FILE...]\n"
	"Keep one record of each group of duplicate conversations; write the kept\n"
	"records in input order. The survivor is the record of the most preferred\n"
	"source (--priority, else the order of the input files), then the first seen.\n"
	"\n"
	"      --mode M         exact, near or both (default both)\n"
	"      --priority LIST  sources (the records' \"source\" values) in order of preference\n"
	"      --key K          what is compared: all (roles and contents, default), user\n"
	"                       (the prompts alone), or a jq program (its outputs)\n"
	"      --normalize N    default (NFC, case folded, whitespace collapsed) or none\n"
	"      --threshold T    near duplicates: exact Jaccard of the word n-grams >= T,\n"
	"                       measured on MinHash/LSH candidates (default 0.8)\n"
	"      --ngram N        words per shingle (default 5)\n"
	"      --bands B        LSH bands (default 14)\n"
	"      --rows R         rows per band (default 8); B*R MinHash values\n"
	"      --against FILE   drop records that duplicate one in FILE (FILE is not written)\n"
	"      --keep-per-key N with --mode exact: keep the first N records of each group\n"
	"                       (by priority, then input order), drop the rest (default 1)\n"
	"      --drop-clusters  drop every member of a duplicate group, survivor included\n"
	"      --clusters FILE  write each group: {\"survivor\":id,\"members\":[ids]}\n"
	"      --shard I/N      decide only partition I of N (0-based); the N outputs together\n"
	"                       are the single-process output. Exact mode partitions by key;\n"
	"                       near mode by record, the shards exchanging signatures in\n"
	"      --shard-dir DIR  (a directory they all see; each waits for the others)\n"
	"\n"
	"Dropped records go to --rejects with reason duplicate or near_duplicate and\n"
	"\"dup_of\", the survivor's id.\n";

/* An engine error: with the input position when it is the record's. */
static void check(cli *c, const dedup_run *r, int rc)
{
	if (rc == DEDUP_EDATA) cli_data_fatal(c, "%s", dedup_errmsg(r));
	if (rc) cli_fatal(c, "%s", dedup_errmsg(r));
}

/* --shard I/N: N from 1, I below it */
static void shard_arg(cli *c, dedup_cfg *g, char *arg)
{
	char *slash = strchr(arg, '/');
	if (!slash) cli_usage_error(c, "--shard: I/N with 0 <= I < N, not '%s'", arg);
	*slash = 0;
	g->shard_n = (uint32_t)cli_int_arg(c, "--shard N", slash + 1, 1, UINT32_MAX);
	g->shard_i = (uint32_t)cli_int_arg(c, "--shard I", arg, 0, (long long)g->shard_n - 1);
}

static void key_arg(cli *c, dedup_cfg *g, const char *arg)
{
	char err[512];
	if (!strcmp(arg, "all")) g->key = DEDUP_KEY_ALL;
	else if (!strcmp(arg, "user")) g->key = DEDUP_KEY_USER;
	else if (!(g->jq = jqprog_compile(arg, err, sizeof err)))
		cli_usage_error(c, "--key: all, user, or a jq program; '%s' is none: %s", arg, err);
}

enum { O_MODE = CLI_OPT_TOOL_BASE, O_PRIO, O_KEY, O_THR, O_NGRAM, O_BANDS, O_ROWS, O_AGAINST, O_DROPC,
       O_CLUSTERS, O_SHARD, O_SHARD_DIR, O_NORM, O_KEEPN };

static void parse_opts(cli *c, dedup_cfg *g, const char **against, int argc, char **argv)
{
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{"mode", required_argument, 0, O_MODE},
		{"priority", required_argument, 0, O_PRIO},
		{"key", required_argument, 0, O_KEY},
		{"threshold", required_argument, 0, O_THR},
		{"ngram", required_argument, 0, O_NGRAM},
		{"bands", required_argument, 0, O_BANDS},
		{"rows", required_argument, 0, O_ROWS},
		{"against", required_argument, 0, O_AGAINST},
		{"drop-clusters", no_argument, 0, O_DROPC},
		{"clusters", required_argument, 0, O_CLUSTERS},
		{"shard", required_argument, 0, O_SHARD},
		{"shard-dir", required_argument, 0, O_SHARD_DIR},
		{"normalize", required_argument, 0, O_NORM},
		{"keep-per-key", required_argument, 0, O_KEEPN},
		{0, 0, 0, 0},
	};
	int o;
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT, opts, NULL)) != -1) {
		if (cli_common_opt(c, o, optarg)) continue;
		switch (o) {
		case O_MODE:
			if (!strcmp(optarg, "exact")) g->near = 0;
			else if (!strcmp(optarg, "near")) g->exact = 0;
			else if (strcmp(optarg, "both")) cli_usage_error(c, "--mode: exact, near or both, not '%s'", optarg);
			break;
		case O_PRIO:
			for (char *t = strtok(optarg, ","); t; t = strtok(NULL, ",")) {
				g->priority = xrealloc(g->priority, (size_t)(g->npriority + 1) * sizeof *g->priority);
				g->priority[g->npriority++] = t;
			}
			break;
		case O_KEY: key_arg(c, g, optarg); break;
		case O_NORM:
			if (!strcmp(optarg, "default")) g->fold = 1;
			else if (!strcmp(optarg, "none")) g->fold = 0;
			else cli_usage_error(c, "--normalize: default or none, not '%s'", optarg);
			break;
		case O_THR:
			g->threshold = cli_real_arg(c, "--threshold", optarg, 0, 1);
			if (g->threshold <= 0) cli_usage_error(c, "--threshold: expected a number above 0, up to 1, found '%s'", optarg);
			break;
		case O_NGRAM: g->ngram = (int)cli_int_arg(c, "--ngram", optarg, 1, 32); break;
		case O_BANDS: g->bands = (int)cli_int_arg(c, "--bands", optarg, 1, 1024); break;
		case O_ROWS: g->rows = (int)cli_int_arg(c, "--rows", optarg, 1, 64); break;
		case O_KEEPN: g->keep_per_key = (unsigned)cli_int_arg(c, "--keep-per-key", optarg, 1, 1000000); break;
		case O_AGAINST: *against = optarg; break;
		case O_DROPC: g->drop_clusters = 1; break;
		case O_CLUSTERS: g->clusters = optarg; break;
		case O_SHARD_DIR: g->shard_dir = optarg; break;
		case O_SHARD: shard_arg(c, g, optarg); break;
		default: cli_usage_error(c, NULL);
		}
	}
	if (g->keep_per_key > 1 && (g->near || g->drop_clusters))
		cli_usage_error(c, "--keep-per-key N > 1 needs --mode exact and no --drop-clusters");
	if (g->bands * g->rows > 512) cli_usage_error(c, "--bands x --rows: at most 512 MinHash values");
	if (g->shard_n && g->near && !g->shard_dir)
		cli_usage_error(c, "--shard with near duplicates needs --shard-dir DIR, a directory all shards share "
				   "(they exchange signatures there); --mode exact needs none");
}

/* A --priority entry no record matched is most likely a misspelt source;
 * records whose --key program gave no key are kept, compared with none. */
static void warnings(cli *c, const dedup_run *r, const dedup_cfg *g)
{
	for (int k = 0; k < g->npriority; k++)
		if (!dedup_priority_seen(r, k))
			cli_warn(c, "--priority: no record has the source '%s' (sources are matched exactly)", g->priority[k]);
	if (dedup_nokey(r))
		cli_warn(c, "--key: %llu records gave no key (null, \"\" or no output): kept, and compared with none",
			 (unsigned long long)dedup_nokey(r));
}

/* Pass 2: every input record with its verdict, in input order. */
static void write_verdicts(cli *c, dedup_run *r)
{
	dedup_verdict v;
	strbuf fld = {0}, rec = {0};
	int rc;
	while ((rc = dedup_next(r, &v)) > 0) {
		if (!v.reason) { cli_keep(c, v.line, v.len); continue; }
		if (!v.dup_of) { cli_add_dropped(c, v.reason, 1); continue; }   /* another shard's */
		strbuf_reset(&fld);
		strbuf_puts(&fld, "\"dup_of\":");
		json_write_str(&fld, v.dup_of, strlen(v.dup_of));
		strbuf_reset(&rec);
		cli_annotate(&rec, v.line, v.len, fld.p, fld.len);
		cli_drop(c, rec.p, rec.len, v.reason, NULL);
	}
	check(c, r, rc);
	strbuf_free(&fld);
	strbuf_free(&rec);
}

int main(int argc, char **argv)
{
	cli c;
	dedup_cfg g = { .exact = 1, .near = 1, .fold = 1, .ngram = 5, .bands = 14, .rows = 8,
			.threshold = 0.8, .keep_per_key = 1 };
	const char *against = NULL;
	cli_init(&c, "dedup", usage, argc, argv);
	g.t0 = time(NULL);
	parse_opts(&c, &g, &against, argc, argv);
	const char *to = getenv("SFTKIT_SHARD_TIMEOUT");
	g.shard_timeout = to && *to ? atof(to) : 3600;
	g.tmpdir = getenv("TMPDIR");
	g.generic = getenv("SFTKIT_DEDUP_GENERIC") != NULL;   /* tests: exact mode through the record table */

	dedup_run *r = dedup_new(&g);
	check(&c, r, dedup_start(r));
	if (against) check(&c, r, dedup_against(r, against));
	/* standard input is read in place only from its start (< FILE) */
	int stdin_at0 = lseek(0, 0, SEEK_CUR) == 0;
	cli_open_output(&c, optind);
	const char *line, *last_file = NULL;
	size_t len;
	int32_t file_rank = -1;
	while (cli_next_record(&c, &line, &len)) {
		if (c.cur_file != last_file) {
			last_file = c.cur_file;
			file_rank++;
			check(&c, r, dedup_input(r, c.in.own_fd || stdin_at0 ? c.in.fd : -1, c.cur_file));
		}
		check(&c, r, dedup_add(r, &c.doc, line, len, file_rank, c.in.offset));
	}
	warnings(&c, r, &g);
	check(&c, r, dedup_resolve(r));
	write_verdicts(&c, r);
	dedup_free(r);
	free(g.priority);
	if (g.jq) jq_teardown(&g.jq);
	return cli_finish(&c);
}

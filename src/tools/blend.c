/* blend — mix deduplicated streams by a recipe into train and validation
 * sets, seeded and exact, with a manifest. The engine is src/lib/blend.h. */
#include "blend.h"
#include "cli.h"
#include "hub/lock.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
	"Usage: blend --recipe FILE --out-dir DIR [--seed N] [--val FRACTION|COUNT]\n"
	"             [--keep-fields a,b] [--lock FILE] [OPTIONS] [FILE...]\n"
	"Draw the recipe's counts from the input records, seeded and without\n"
	"replacement, shuffle, hold out a validation split, and write DIR/train.jsonl,\n"
	"DIR/validation.jsonl and DIR/manifest.json (atomically).\n"
	"\n"
	"  -r, --recipe FILE      one line per part: NAME COUNT|P%|P%total [FIELD=VALUE|FIELD!=VALUE]...\n"
	"                         (P% of the part's records; P%total of the whole blend)\n"
	"                         and optionally 'seed N'; '#' starts a comment. A record goes\n"
	"                         to the first part whose conditions it meets.\n"
	"  -o, --out-dir DIR      where the outputs go (created)\n"
	"      --seed N           overrides the recipe's seed (default 0)\n"
	"      --val X            validation: a fraction (0.01) or a count, from each part in\n"
	"                         proportion (default 0: none)\n"
	"      --keep-fields A,B  top-level fields to keep besides messages\n"
	"      --lock FILE        hf-fetch's lock file, recorded in the manifest\n"
	"      --stage-summary FILE  an earlier stage's --summary, recorded in the\n"
	"                         manifest's \"stages\" (repeatable)\n"
	"      --plan             write nothing: print each part's requested, available and\n"
	"                         taken counts (and epochs, shortfall) as JSON lines\n";

static void write_progress(void *ctx, uint64_t done, uint64_t total)
{
	cli_progress(ctx, "writing %llu of %llu records", (unsigned long long)done, (unsigned long long)total);
}

/* Pass 2: the sets, then the manifest that names their checksums, each to
 * its temp file; renamed together once all are written (blend_commit). */
static void write_outputs(cli *c, blend *b, blend_info *info, const char *outdir)
{
	static const char *names[3] = {"train.jsonl", "validation.jsonl", "manifest.json"};
	char err[4600];
	blend_remove_stale(outdir);
	for (int s = 0; s < 2; s++)
		if (blend_write(b, s, outdir, names[s], info->keep, info->nkeep, write_progress, c, err, sizeof err)) {
			blend_discard(outdir, names, 3);
			cli_fatal(c, "%s", err);
		}
	info->names[0] = names[0];
	info->names[1] = names[1];
	if (blend_write_manifest(b, info, outdir, names[2], err, sizeof err)) {
		blend_discard(outdir, names, 3);
		cli_fatal(c, "%s", err);
	}
	if (blend_commit(outdir, names, 3, err, sizeof err)) cli_fatal(c, "%s", err);
}

/* --stage-summary FILE: an earlier stage's counts, kept in the manifest */
static void add_stage(cli *c, strbuf *stages, const char *path)
{
	size_t n;
	char *t = util_read_file_max(path, BLEND_MAX_SUMMARY, &n), err[600];
	if (!t) cli_fatal(c, "%s: %s", path, errno == EFBIG ? "more than 64 MiB: not a summary" : strerror(errno));
	if (blend_stage_json(t, n, path, stages->len == 0, stages, err, sizeof err)) cli_fatal(c, "%s", err);
	free(t);
}

int main(int argc, char **argv)
{
	enum { O_SEED = CLI_OPT_TOOL_BASE, O_VAL, O_KEEP, O_LOCK, O_PLAN, O_STAGE };
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{"recipe", required_argument, 0, 'r'},
		{"out-dir", required_argument, 0, 'o'},
		{"seed", required_argument, 0, O_SEED},
		{"val", required_argument, 0, O_VAL},
		{"keep-fields", required_argument, 0, O_KEEP},
		{"lock", required_argument, 0, O_LOCK},
		{"plan", no_argument, 0, O_PLAN},
		{"stage-summary", required_argument, 0, O_STAGE},
		{0, 0, 0, 0},
	};
	cli c;
	const char *recipe_path = NULL, *outdir = NULL, *lock_path = NULL, *val_arg = NULL;
	const char **keep = NULL;
	int nkeep = 0, o, seed_opt = 0, plan = 0;
	uint64_t seed_cli = 0;
	blend_val val = {0, 0, 0};
	strbuf stages = STRBUF_INIT;
	char err[4600];
	cli_init(&c, "blend", usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT "r:o:", opts, NULL)) != -1) {
		if (cli_common_opt(&c, o, optarg)) continue;
		switch (o) {
		case 'r': recipe_path = optarg; break;
		case 'o': outdir = optarg; break;
		case O_SEED:
			seed_cli = cli_uint_arg(&c, "--seed", optarg, 0, UINT64_MAX);
			seed_opt = 1;
			break;
		case O_VAL:
			if (blend_val_parse(&val, optarg)) cli_usage_error(&c, "--val: expected a fraction below 1 or a count, found '%s'", optarg);
			val_arg = optarg;
			break;
		case O_KEEP:
			for (char *s = NULL, *t = strtok_r(optarg, ",", &s); t; t = strtok_r(NULL, ",", &s)) {
				keep = xrealloc(keep, (size_t)(nkeep + 1) * sizeof *keep);
				keep[nkeep++] = t;
			}
			break;
		case O_LOCK: lock_path = optarg; break;
		case O_PLAN: plan = 1; break;
		case O_STAGE: add_stage(&c, &stages, optarg); break;
		default: cli_usage_error(&c, NULL);
		}
	}
	if (!recipe_path || (!outdir && !plan)) cli_usage_error(&c, "--recipe and --out-dir are required (or --plan)");

	size_t rlen, llen = 0;
	char *rtext = util_read_file_max(recipe_path, BLEND_MAX_RECIPE, &rlen), *ltext = NULL;
	if (!rtext && errno == EFBIG) cli_fatal(&c, "%s: more than %d MiB: not a recipe", recipe_path, BLEND_MAX_RECIPE >> 20);
	if (!rtext) cli_fatal(&c, "%s: %s", recipe_path, strerror(errno));
	blend_recipe r;
	if (blend_recipe_parse(&r, rtext, rlen, recipe_path, err, sizeof err)) cli_fatal(&c, "%s", err);
	free(rtext);
	strbuf lock = STRBUF_INIT;
	if (lock_path) {
		if (hub_lock_load(lock_path, &ltext, &llen, err, sizeof err)) cli_fatal(&c, "%s", err);
		if (hub_lock_json(ltext, llen, lock_path, &lock, err, sizeof err)) cli_fatal(&c, "%s", err);
		free(ltext);
	}
	if (!plan && mkdir(outdir, 0755) && errno != EEXIST) cli_fatal(&c, "%s: %s", outdir, strerror(errno));

	/* pass 1: index every record under its part (offsets, not records) */
	blend b;
	blend_init(&b, &r);
	cli_open_output(&c, optind);
	const char *line, *last = NULL, *tmpdir = getenv("TMPDIR");
	size_t len;
	int in = -1;
	while (cli_next_line(&c, &line, &len)) {
		if (c.cur_file != last) {
			if (in >= 0) blend_input_close(&b, in);
			last = c.cur_file;
			if ((in = blend_input_open(&b, last, !c.in.own_fd, tmpdir, err, sizeof err)) < 0) cli_fatal(&c, "%s", err);
		}
		uint64_t where;
		if (blend_input_line(&b, in, line, len, c.in.offset, &where, err, sizeof err)) cli_fatal(&c, "%s", err);
		/* a record is a JSON object with a "messages" array: what is not
		 * is a bad record, under --skip-bad as in every tool, counted as
		 * bad_json or (an object without one) no_messages */
		char why[200];
		if (cli_parse_record(&c.doc, line, len, why, sizeof why)) {
			cli_bad_record(&c, line, len, why);
			continue;
		}
		if (json_type_of(&c.doc, json_get(&c.doc, 0, "messages")) != JSON_ARRAY) {
			cli_bad_record_as(&c, line, len, "no_messages", "record has no \"messages\" array");
			continue;
		}
		int k = blend_match(&b, &c.doc);
		if (k < 0) {
			b.unmatched++;
			cli_drop(&c, line, len, "no_part", NULL);
			continue;
		}
		if (blend_add(&b, k, in, where, len, err, sizeof err)) cli_data_fatal(&c, "%s", err);
	}
	if (in >= 0) blend_input_close(&b, in);

	/* the draw */
	uint64_t seed = seed_opt ? seed_cli : r.seed;
	strbuf notes = STRBUF_INIT;
	if (blend_draw(&b, seed, &val, &notes, err, sizeof err)) cli_fatal(&c, "%s: %s", recipe_path, err);
	for (char *s = NULL, *t = notes.len ? strtok_r(notes.p, "\n", &s) : NULL; t; t = strtok_r(NULL, "\n", &s)) cli_warn(&c, "%s", t);
	strbuf_free(&notes);

	if (plan) {
		/* the draw's counts per part, one JSON line each; nothing written */
		strbuf pl = STRBUF_INIT;
		for (int k = 0; k < r.nparts; k++) {
			const blend_part *p = &r.parts[k];
			strbuf_puts(&pl, "{\"part\":");
			json_write_str(&pl, p->name, strlen(p->name));
			strbuf_printf(&pl, ",\"requested\":%llu,\"available\":%zu,\"taken\":%llu,\"train\":%llu,\"validation\":%llu,"
				    "\"epochs\":%llu,\"shortfall\":%llu}\n",
				    (unsigned long long)p->requested, p->n, (unsigned long long)p->taken, (unsigned long long)p->train,
				    (unsigned long long)p->val, (unsigned long long)p->epochs, (unsigned long long)p->shortfall);
		}
		cli_write(&c, pl.p, pl.len);
		strbuf_free(&pl);
	} else {
		blend_info info = {
			.version = SFTKIT_VERSION, .recipe_path = recipe_path, .val_arg = val_arg,
			.seed_from = seed_opt ? "--seed" : r.have_seed ? "recipe" : "default",
			.keep = keep, .nkeep = nkeep,
			.lock_path = lock_path, .lock_json = lock_path ? lock.p : NULL,
			.stages_json = stages.p,
		};
		write_outputs(&c, &b, &info, outdir);
	}
	/* the summary: kept = distinct records drawn; the others were not drawn */
	uint64_t distinct = blend_distinct(&b);
	cli_add_kept(&c, distinct);
	cli_add_dropped(&c, "not_drawn", b.n - distinct);
	strbuf_free(&lock);
	strbuf_free(&stages);
	free(keep);
	blend_free(&b);
	blend_recipe_free(&r);
	return cli_finish(&c);
}

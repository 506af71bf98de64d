/* hf-fetch — the rows of a Hugging Face dataset's config and split as JSONL,
 * through the huggingface_hub cache; or (--model) a model repo's files. */
#include "cli.h"
#include "hub/hub.h"
#include "hub/lock.h"
#include "hub/resolve.h"
#include "hub/rows.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
	"Usage: hf-fetch REPO [--config C] [--split S] [--revision R] [--files GLOB]\n"
	"                [--columns a,b] [--where COL=VALUE] [--limit N] [--lock FILE] [--jobs N]\n"
	"       hf-fetch REPO --list [--revision R]\n"
	"       hf-fetch --model REPO [--revision R] FILE...\n"
	"Print the rows of a Hugging Face dataset (ORG/NAME) as JSON objects, one per line.\n"
	"Files are downloaded into the huggingface_hub cache and read from there.\n"
	"\n"
	"  -c, --config C       the config (default: the card's default, or the only one)\n"
	"  -s, --split S        the split (default: train, or the only one)\n"
	"  -r, --revision R     branch, tag or commit (default: main, or the lock file's commit)\n"
	"  -f, --files GLOB     read the repo files matching GLOB instead of a config/split\n"
	"      --columns A,B    only these top-level columns\n"
	"  -w, --where COL=V    only rows whose top-level COL equals V (COL!=V: differs)\n"
	"  -n, --limit N        stop after N rows\n"
	"      --lock FILE      pin revisions: read the repo's commit from FILE if it is there,\n"
	"                       else record it (one JSON line per repo)\n"
	"  -j, --jobs N         parallel downloads (default 4)\n"
	"      --list           print configs, splits and their files as JSON lines\n"
	"      --model          REPO is a model: download FILE... and print their local paths\n"
	"\n"
	"Environment: HF_ENDPOINT, HF_TOKEN (else $HF_HOME/token), HF_HOME, HF_HUB_CACHE,\n"
	"HF_HUB_OFFLINE=1 (use the cache only), SFTKIT_HUB_RETRIES, SFTKIT_HUB_BACKOFF_MS.\n"
	"Formats: .parquet, .jsonl, .json (array or lines), .ndjson, each also .gz or .zst.\n";

typedef struct fetch {
	cli c;
	hub *h;
	hub_repo repo;
	const char *lock;
	int jobs;
} fetch;

/* The download bar is cli's: MB of the batch, rate and ETA, at most 4 times
 * a second, and the last state on its own line once a batch downloaded
 * anything (the hub calls this under its lock, one call at a time). */
static void draw_progress(void *ctx, uint64_t done, uint64_t total, int final)
{
	cli_progress_bytes(ctx, done, total, final);
}

static void open_repo(fetch *f, const char *kind, const char *id, const char *rev)
{
	char *pinned = NULL, err[1024];
	if (!rev && f->lock) {
		if (hub_lock_pin(f->lock, kind, id, &pinned, err, sizeof err) < 0) cli_fatal(&f->c, "%s", err);
		rev = pinned;
	}
	if (hub_repo_open(f->h, kind, id, rev, &f->repo))
		cli_fatal(&f->c, "%s", hub_error(f->h));
	if (f->repo.warning) cli_warn(&f->c, "%s", f->repo.warning);
	free(pinned);
	if (f->lock && hub_lock_record(f->lock, f->repo.kind, f->repo.id, f->repo.revision, f->repo.commit,
				       err, sizeof err) < 0)
		cli_fatal(&f->c, "%s", err);
}

static int on_row(void *ctx, const char *json, size_t len)
{
	cli_add_read(ctx, 1);   /* a row read from a downloaded file */
	cli_emit(ctx, json, len);
	return 0;
}

static char **download(fetch *f, const hub_file *const *files, size_t n)
{
	char **locals = xcalloc(n ? n : 1, sizeof *locals);
	if (hub_download_many(f->h, &f->repo, files, n, f->jobs, locals))
		cli_fatal(&f->c, "%s", hub_error(f->h));
	return locals;
}

static void emit_line(void *ctx, const char *json, size_t len)
{
	cli_add_read(ctx, 1);   /* each listed config/split is a record in and out */
	cli_emit(ctx, json, len);
}

/* --model: download the files named and print their paths in the cache. */
static void fetch_model(fetch *f, char **names, int n)
{
	const hub_file **want = xcalloc(n, sizeof *want);
	for (int i = 0; i < n; i++) {
		want[i] = hub_repo_find(&f->repo, names[i]);
		if (!want[i]) cli_fatal(&f->c, "model %s: no file '%s' at commit %s", f->repo.id, names[i], f->repo.commit);
	}
	char **loc = download(f, want, n);
	for (int i = 0; i < n; i++) {
		cli_write(&f->c, loc[i], strlen(loc[i]));
		cli_write(&f->c, "\n", 1);
		free(loc[i]);
	}
	free(loc);
	free(want);
}

/* The picked files' rows: downloaded in batches of --jobs files, each batch
 * read before the next, so that `| head` or --limit stops the downloads too. */
static void cat_rows(fetch *f, const hub_pick *p, const pq_options *po)
{
	const hub_file **want = xmalloc((p->n + 1) * sizeof *want);
	for (size_t i = 0; i < p->n; i++) want[i] = &f->repo.files[p->idx[i]];
	uint64_t total = 0;
	int done = 0;
	for (size_t b = 0; b < p->n && !done; b += (size_t)f->jobs) {
		size_t nb = p->n - b < (size_t)f->jobs ? p->n - b : (size_t)f->jobs;
		char **loc = download(f, want + b, nb);
		for (size_t i = 0; i < nb; i++) {
			if (!done) {
				char err[1024];
				pq_options fo = *po;
				if (po->limit) fo.limit = po->limit - total;
				uint64_t got = 0;
				f->c.cur_file = want[b + i]->path;
				int rc = rows_cat_file(loc[i], want[b + i]->path, &fo, on_row, &f->c, &got, err, sizeof err);
				total += got;
				if (rc < 0) cli_fatal(&f->c, "%s: %s", f->repo.id, err);
				if (po->limit && total >= po->limit) done = 1;
			}
			free(loc[i]);
		}
		free(loc);
	}
	free(want);
}

int main(int argc, char **argv)
{
	enum { O_COLUMNS = CLI_OPT_TOOL_BASE, O_LOCK, O_LIST, O_MODEL };
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{"config", required_argument, 0, 'c'},
		{"split", required_argument, 0, 's'},
		{"revision", required_argument, 0, 'r'},
		{"files", required_argument, 0, 'f'},
		{"columns", required_argument, 0, O_COLUMNS},
		{"where", required_argument, 0, 'w'},
		{"limit", required_argument, 0, 'n'},
		{"lock", required_argument, 0, O_LOCK},
		{"jobs", required_argument, 0, 'j'},
		{"list", no_argument, 0, O_LIST},
		{"model", no_argument, 0, O_MODEL},
		{0, 0, 0, 0},
	};
	fetch f;
	memset(&f, 0, sizeof f);
	f.jobs = 4;
	const char *config = NULL, *split = NULL, *rev = NULL, *files_glob = NULL;
	char *where = NULL;
	int list = 0, model = 0, o;
	pq_options po;
	memset(&po, 0, sizeof po);
	const char *cols[256];
	cli_init(&f.c, "hf-fetch", usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT "c:s:r:f:w:n:j:", opts, NULL)) != -1) {
		if (cli_common_opt(&f.c, o, optarg)) continue;
		switch (o) {
		case 'c': config = optarg; break;
		case 's': split = optarg; break;
		case 'r': rev = optarg; break;
		case 'f': files_glob = optarg; break;
		case O_COLUMNS:
			for (char *t = strtok(optarg, ","); t; t = strtok(NULL, ",")) {
				if (po.ncolumns == 256) cli_usage_error(&f.c, "--columns: at most 256");
				cols[po.ncolumns++] = t;
			}
			po.columns = cols;
			break;
		case 'w': where = optarg; break;
		case 'n': po.limit = cli_uint_arg(&f.c, "--limit", optarg, 1, UINT64_MAX); break;
		case O_LOCK: f.lock = optarg; break;
		case 'j': f.jobs = (int)cli_int_arg(&f.c, "--jobs", optarg, 1, HUB_MAX_JOBS); break;
		case O_LIST: list = 1; break;
		case O_MODEL: model = 1; break;
		default: cli_usage_error(&f.c, NULL);
		}
	}
	if (where) {
		char *eq = strchr(where, '=');
		if (!eq || eq == where) cli_usage_error(&f.c, "--where: COL=VALUE or COL!=VALUE, not '%s'", where);
		if (eq[-1] == '!') { po.where_negate = 1; eq[-1] = 0; }
		*eq = 0;
		po.where_col = where;
		po.where_val = eq + 1;
		if (!*po.where_col) cli_usage_error(&f.c, "--where: no column name");
	}
	if (optind >= argc) cli_usage_error(&f.c, "no repo given (ORG/NAME)");
	const char *id = argv[optind];
	if (!hub_repo_id_ok(id)) cli_usage_error(&f.c, "'%s': a repo id is ORG/NAME", id);
	if (!model && optind + 1 < argc) cli_usage_error(&f.c, "one dataset repo at a time ('%s' is extra)", argv[optind + 1]);
	if (model && optind + 1 >= argc) cli_usage_error(&f.c, "--model: name the files to fetch");

	/* The tool's inputs are not JSONL files: open only stdout. */
	cli_open_output(&f.c, argc);
	char err[1024];
	f.h = hub_new(err, sizeof err);
	if (!f.h) cli_usage_error(&f.c, "%s", err);
	if (cli_progress_on(&f.c) && !f.c.quiet) hub_set_progress(f.h, draw_progress, &f.c);
	open_repo(&f, model ? "models" : "datasets", id, rev);

	if (model) {
		fetch_model(&f, argv + optind + 1, argc - optind - 1);
		f.c.quiet = 1;   /* paths, not records: no record summary */
	} else if (list) {
		if (hub_list_splits(f.h, &f.repo, emit_line, &f.c, err, sizeof err)) cli_fatal(&f.c, "%s", err);
		f.c.quiet = 1;
	} else {
		hub_pick p;
		int rc = hub_pick_files(f.h, &f.repo, files_glob, config, split, &p, err, sizeof err);
		if (p.note && !f.c.quiet) cli_warn(&f.c, "%s", p.note);
		if (rc) cli_fatal(&f.c, "%s", err);
		cat_rows(&f, &p, &po);
		hub_pick_free(&p);
	}
	hub_repo_free(&f.repo);
	hub_free(f.h);
	return cli_finish(&f.c);
}

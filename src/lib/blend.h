/*
 * blend.h — mix record streams by a recipe: exact, seeded counts per part,
 * whole epochs when a part is asked for more than it has, a validation split
 * in proportion, shuffled train and validation sets, and a manifest.
 *
 * The engine holds an index of where each record lives (input number, byte
 * offset, length: 16 bytes a record), never the records. A caller:
 *
 *     blend_recipe_parse(&r, text, len, "my.recipe", err, sizeof err);
 *     blend_init(&b, &r);
 *     for each input:  i = blend_input_open(&b, path, is_stdin, tmpdir, err, n);
 *         for each line: off = blend_input_line(&b, i, line, len, lineoff, err, n);
 *                        parse it; k = blend_match(&b, &doc);
 *                        k >= 0 ? blend_add(&b, k, i, off, len, ...) : count it unmatched;
 *         blend_input_close(&b, i);
 *     blend_draw(&b, seed, &val, &notes, err, n);
 *     blend_write(&b, BLEND_TRAIN, dir, keep, nkeep, NULL, NULL, err, n);  and BLEND_VAL
 *     blend_manifest(&b, &info, &json);          (lock: hub_lock_json first)
 *     blend_free(&b); blend_recipe_free(&r);
 *
 * Inputs that are regular files are read twice: once to index them, once, by
 * offset, to write the drawn records (a file that changes in between is an
 * error). Standard input, pipes and other non-regular inputs are spooled to an
 * unlinked temporary file in tmpdir as they are read.
 *
 * Recipe format (one part per line; '#' starts a comment):
 *     seed N
 *     NAME COUNT [FIELD=VALUE | FIELD!=VALUE]...
 * COUNT is N (records), P% (of the part's records; above 100 repeats) or
 * P%total (of the whole blend). A record belongs to the first part whose
 * conditions all hold; a condition compares a top-level string, number or
 * boolean field's text with VALUE (a missing field equals nothing).
 *
 * Randomness: xoshiro256** seeded through splitmix64. A part's draw depends
 * only on the seed, the part's name and its records (in input order); the
 * final shuffles depend on the seed and the drawn sets. Same inputs, recipe
 * and seed give byte-identical outputs on any machine.
 *
 * Errors: functions returning int give 0 on success and -1 with a message in
 * err[errlen] ("what was expected, what was found", with the recipe line or
 * path). Nothing here prints or exits; allocation failure aborts (util.h).
 * Not thread-safe: one blend per thread.
 */
#ifndef SFTKIT_BLEND_H
#define SFTKIT_BLEND_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "json.h"
#include "rng.h"
#include "jsonl.h"
#include "sha256.h"
#include "util.h"

/* ---- the recipe ---- */
typedef enum { BLEND_COUNT, BLEND_PERCENT, BLEND_SHARE } blend_kind;

typedef struct blend_cond { char *field, *value; int negate; } blend_cond;

typedef struct blend_part {
	char *name;
	char *spec;            /* the COUNT as written */
	blend_kind kind;
	uint64_t count;        /* BLEND_COUNT */
	double pct;            /* BLEND_PERCENT, BLEND_SHARE */
	blend_cond *conds;
	int nconds;
	unsigned line;         /* in the recipe */
	/* filled by blend_add and blend_draw */
	uint32_t *recs;        /* record numbers, input order (permuted by the draw) */
	size_t n, cap;
	uint64_t requested, taken, train, val, epochs, shortfall;
} blend_part;

typedef struct blend_recipe {
	blend_part *parts;
	int nparts;
	uint64_t seed;
	int have_seed;
	char *text;            /* the recipe as given */
	size_t text_len;
} blend_recipe;

/* Parse recipe text; name is used in messages ("name:LINE: what"). */
int blend_recipe_parse(blend_recipe *r, const char *text, size_t len, const char *name, char *err, size_t errlen);
void blend_recipe_free(blend_recipe *r);

/* ---- inputs ---- */
typedef struct blend_input {
	char *path;            /* as given; "-" for standard input */
	int spooled;           /* 1: records live in the spool, not in path */
	int fd;                /* open during blend_write */
	dev_t dev;
	ino_t ino;
	off_t size;            /* regular files: size and mtime at indexing time */
	struct timespec mtime;
	uint64_t lines, bytes, end;
	sha256_ctx sha;
	char sha256[65];       /* hex, after blend_input_close */
} blend_input;

#define BLEND_MAX_INPUTS 65535
#define BLEND_MAX_OFFSET ((uint64_t)1 << 48)

/* ---- the blend ---- */
typedef struct blend {
	blend_recipe *recipe;
	blend_input *inputs;
	int ninputs;
	int spool_fd;          /* -1 until a non-regular input arrives */
	uint64_t spool_len;
	jsonl_writer spool;    /* buffered appends to spool_fd */
	uint64_t *loc;         /* record i: input << 48 | offset */
	uint32_t *len;         /* record i: line length without '\n' */
	size_t n, cap;
	uint64_t unmatched;
	/* results of blend_draw */
	uint64_t seed;
	uint32_t *set[2];      /* record numbers of train and validation, shuffled */
	size_t nset[2];
	/* results of blend_write */
	uint64_t out_bytes[2];
	char out_sha256[2][65];
} blend;

enum { BLEND_TRAIN = 0, BLEND_VAL = 1 };

void blend_init(blend *b, blend_recipe *r);
void blend_free(blend *b);

/* Start an input. is_stdin, or a path that is not a regular file (a pipe,
 * /dev/fd/N), is spooled into tmpdir (NULL: /tmp). Returns its number. */
int blend_input_open(blend *b, const char *path, int is_stdin, const char *tmpdir, char *err, size_t errlen);
/* Account one line of input i (line without '\n'; offset: its byte offset in
 * the input). Hashes it, spools it if needed, and returns through *where the
 * offset at which blend_write will find it. */
int blend_input_line(blend *b, int i, const char *line, size_t len, uint64_t offset, uint64_t *where, char *err, size_t errlen);
/* End input i: finishes its sha256 (of the file's bytes; of the lines, each
 * ending in '\n', for a spooled input). */
void blend_input_close(blend *b, int i);

/* The first part whose conditions the parsed record (root object) meets, or -1. */
int blend_match(const blend *b, const json_doc *d);
/* Index record (input i, offset where, length len) under part k. */
int blend_add(blend *b, int k, int i, uint64_t where, size_t len, char *err, size_t errlen);

/* The validation setting: a fraction of each part's draw (0 <= x < 1), or a
 * count shared among the parts in proportion to their draws. */
typedef struct blend_val { double fraction; uint64_t count; int is_count; } blend_val;
/* Parse "0.01" or "5000"; 0 or -1. */
int blend_val_parse(blend_val *v, const char *s);

/* Resolve the counts, draw every part, split validation, shuffle. Warnings
 * (epochs, shortfalls, shares) are appended to notes, one per line. */
int blend_draw(blend *b, uint64_t seed, const blend_val *val, strbuf *notes, char *err, size_t errlen);

/* Distinct records drawn (the summary's "kept"). */
uint64_t blend_distinct(const blend *b);

/* The output record: an object with "messages" and the members named in keep,
 * in the record's order, their bytes as read. -1 if line is not an object. */
int blend_project(strbuf *out, json_doc *d, const char *line, size_t len, const char *const *keep, int nkeep);

/* Write set (BLEND_TRAIN or BLEND_VAL) to its temp file blend_tmp_path(dir,
 * name) and fsync it; blend_commit renames it into place, once every output
 * is written (the temp file is removed on failure). progress(ctx, done,
 * total) is called every 64K records when not NULL. Fills out_bytes and
 * out_sha256. */
int blend_write(blend *b, int set, const char *dir, const char *name, const char *const *keep, int nkeep,
		void (*progress)(void *ctx, uint64_t done, uint64_t total), void *pctx, char *err, size_t errlen);

/* A recipe is a few lines: one past this bound is not a recipe. (hf-fetch's
 * lock file, which the manifest embeds, is hub/lock.h's.) */
#define BLEND_MAX_RECIPE (1 << 20)

/* Outputs are replaced together: each is written and fsynced as
 * dir/.blend-tmp.PID.NAME, and only when all are, blend_commit renames them
 * (in the order given: the manifest last) and fsyncs dir. A run that fails or
 * is killed before that leaves the earlier set untouched; its temp files are
 * removed on failure, or by the next run (blend_remove_stale) when killed. */
#define BLEND_TMP_PREFIX ".blend-tmp."
void blend_tmp_path(char *out, size_t n, const char *dir, const char *name);
/* Rename the n outputs' temp files into place, then fsync dir. On failure the
 * temp files not yet renamed are removed and -1 returned with a message. */
int blend_commit(const char *dir, const char *const *names, int n, char *err, size_t errlen);
/* Remove the n outputs' temp files of this process (after a failure). */
void blend_discard(const char *dir, const char *const *names, int n);
/* Remove dir/.blend-tmp.PID.* whose process PID no longer runs (left by a
 * killed run). Returns how many were removed. */
int blend_remove_stale(const char *dir);

/* What the manifest says besides the blend itself. */
typedef struct blend_info {
	const char *version;       /* the tool's version */
	const char *recipe_path;
	const char *val_arg;       /* --val as given, or NULL */
	const char *seed_from;     /* "recipe", "--seed" or "default" */
	const char *const *keep;
	int nkeep;
	const char *names[2];      /* file names of the sets */
	const char *lock_path;     /* hf-fetch's lock file, or NULL */
	const char *lock_json;     /* its lines as a JSON array (hub_lock_json), or NULL */
	const char *stages_json;   /* the earlier stages' summaries (blend_stage_json), or NULL */
} blend_info;

/* A stage summary is a few hundred bytes; more than this is not one. */
#define BLEND_MAX_SUMMARY (64 << 20)

/* One earlier stage's --summary file (a JSON object with "read", "kept",
 * "dropped" and "reasons", as every sftkit tool writes it) appended to out as
 * a member of the manifest's "stages" object, keyed by the file's base name
 * without ".json" ("openmath.2a-per-problem"): first says whether it is the
 * first member. -1 with err naming path if the text is not such an object. */
int blend_stage_json(const char *text, size_t len, const char *path, int first, strbuf *out, char *err, size_t errlen);

/* manifest.json text appended to out. */
void blend_manifest(const blend *b, const blend_info *info, strbuf *out);
/* The manifest (blend_manifest's text, p and n) written and fsynced to its
 * temp file blend_tmp_path(dir, name), as blend_write does a set, through
 * util's atomic writes; blend_commit renames it with the sets. On failure
 * the temp file is removed and -1 returned with "PATH: strerror" in err. */
int blend_write_manifest(const char *dir, const char *name, const void *p, size_t n, char *err, size_t errlen);

#endif

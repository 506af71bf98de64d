/*
 * datafiles.h — which files make a dataset's config and split, resolved as
 * the `datasets` library resolves them.
 *
 * 1. The dataset card's YAML `configs:` list: each entry has `config_name`,
 *    optional `data_dir`, `default: true`, and `data_files` as a string, a
 *    list of strings (both: split "train"), or a list of {split, path} where
 *    path is a string or a list. Patterns are globs relative to the repo root
 *    (or data_dir): `*` and `?` within a path segment, `[...]` classes, `**`
 *    across segments.
 * 2. Without configs, one config "default" from the default patterns: files
 *    named `data/{split}-NNNNN-of-NNNNN*` (any split name); else files or
 *    directories named after the split keywords (train/training,
 *    validation/valid/val/dev, test/testing/eval/evaluation) followed by
 *    [-._ 0-9]; else every data file is "train".
 *
 * Only data files count (datafiles_is_data_file): .parquet, .jsonl, .json, .ndjson,
 * optionally compressed .gz or .zst. Other formats (.arrow, .csv, ...) make
 * datafiles_resolve report them, so the caller can fall back to refs/convert/parquet.
 */
#ifndef SFTKIT_DATAFILES_H
#define SFTKIT_DATAFILES_H

#include <stddef.h>

typedef struct datafiles_split {
	char *name;
	char **patterns;
	int npatterns;
} datafiles_split;

typedef struct datafiles_config {
	char *name;
	int is_default;
	char *data_dir;        /* NULL when none */
	datafiles_split *splits;
	int nsplits;
} datafiles_config;

typedef struct datafiles_card {
	datafiles_config *configs;
	int n;
} datafiles_card;

/* Read `configs:` from a dataset card (README.md text, YAML front matter).
 * A card without front matter or without configs gives n = 0. */
int datafiles_from_card(const char *md, size_t len, datafiles_card *card, char *err, size_t errlen);
/* The default config from file names (no configs in the card). */
void datafiles_from_patterns(const char *const *paths, size_t n, datafiles_card *card);
void datafiles_card_free(datafiles_card *card);

/* Glob match of a whole repo path. */
int datafiles_glob_match(const char *pattern, const char *path);
/* 1 if the file name is a format rows can be read from. */
int datafiles_is_data_file(const char *path);

/* Pick a config: by name, else the default one, else the only one.
 * NULL with a message listing the choices otherwise. */
const datafiles_config *datafiles_pick_config(const datafiles_card *card, const char *name, char *err, size_t errlen);
/* Pick a split: by name, else "train", else the only one. */
const datafiles_split *datafiles_pick_split(const datafiles_config *cfg, const char *name, char *err, size_t errlen);
/* Indexes (into paths, sorted order kept) of the data files of a split;
 * returns the count, fills idx (caller-allocated, n entries). */
size_t datafiles_split_files(const datafiles_config *cfg, const datafiles_split *sp, const char *const *paths, size_t n, size_t *idx);

#endif

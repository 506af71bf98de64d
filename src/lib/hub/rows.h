/*
 * rows.h — the rows of one dataset file as JSON objects, whatever its format:
 * Parquet (through src/lib/parquet), JSON Lines (.jsonl, .ndjson, and .json
 * holding one object per line), a .json array of objects, each optionally
 * compressed (.gz, .zst). The format is chosen by the file's name in the repo.
 *
 * The same projection, filter and limit as parquet-cat apply to every format:
 * columns keep only those top-level keys (in the file's order); where keeps
 * rows whose top-level COL equals VALUE (a string's text, or a number's or a
 * boolean's JSON text), where_negate the others (missing and null included).
 */
#ifndef SFTKIT_ROWS_H
#define SFTKIT_ROWS_H

#include "parquet/parquet.h"

/* Stream the rows of path (named name in its repo, for the format) to fn.
 * Returns 0 at the end, 1 when fn stopped it or the limit was reached, -1 on
 * error with "name:line: what" in err. *nrows gets the number of rows given. */
int rows_cat_file(const char *path, const char *name, const pq_options *opt, pq_row_fn fn, void *ctx,
		  uint64_t *nrows, char *err, size_t errlen);

#endif

/*
 * parquet.h — a Parquet reader that turns rows into JSON objects.
 *
 * What it reads (the Apache Parquet format spec): the Thrift compact footer
 * and page headers; data pages v1 and v2 and dictionary pages; encodings
 * PLAIN, RLE/bit-packed hybrid, PLAIN_DICTIONARY / RLE_DICTIONARY (with a
 * fallback to PLAIN inside a chunk), DELTA_BINARY_PACKED,
 * DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT; codecs
 * UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW, LZ4 (Hadoop framing), BROTLI;
 * nested lists, structs and maps through definition and repetition levels.
 *
 * How values become JSON (also in parquet-cat(1)):
 *   integers          exact decimal digits (unsigned types printed unsigned)
 *   float, double     shortest text that reads back to the same value;
 *                     NaN, Infinity, -Infinity as the strings "NaN",
 *                     "Infinity", "-Infinity" (JSON has no such numbers)
 *   strings           JSON strings; invalid UTF-8 in a STRING column is an error
 *   binary            a JSON string when the bytes are valid UTF-8 (many
 *                     writers store text unannotated), else {"$base64":"..."}
 *   DECIMAL           an exact JSON number (1003.858, never 1003.8580000000001)
 *   DATE              "YYYY-MM-DD"; TIME "HH:MM:SS[.fff...]"
 *   TIMESTAMP, INT96  "YYYY-MM-DDTHH:MM:SS[.fff...]" with "Z" when adjusted to UTC
 *   UUID              "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"; FLOAT16 a number
 *   LIST              a JSON array; MAP a JSON object (keys as text)
 *   null              null
 *
 * Memory: one row group is decoded at a time (pages decompressed, values
 * decoded, rows assembled, then freed). Sizes in the file are checked against
 * the file before allocating. Errors come back as -1 with a message in the
 * caller's buffer; nothing is printed. A pq_file is not thread-safe.
 */
#ifndef SFTKIT_PARQUET_H
#define SFTKIT_PARQUET_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

typedef struct pq_options {
	const char *const *columns;   /* projection: top-level column names; NULL/0 = all */
	size_t ncolumns;
	const char *where_col;        /* row filter COL=VALUE on a top-level primitive column */
	const char *where_val;
	int where_negate;             /* 1: COL!=VALUE */
	uint64_t limit;               /* 0 = no limit */
} pq_options;

/* Called once per row with the row as one JSON object (no newline); return
 * nonzero to stop early. */
typedef int (*pq_row_fn)(void *ctx, const char *json, size_t len);

/* Stream the rows of a Parquet file. Returns 0 when done, 1 when fn stopped
 * it, -1 on error with "pq: <path>: <what>" in err. */
int pq_cat_file(const char *path, const pq_options *opt, pq_row_fn fn, void *ctx, char *err, size_t errlen);

/* Describe the schema and the row-group layout as JSON (one object) into out. */
int pq_schema_json(const char *path, strbuf *out, char *err, size_t errlen);

/* Same as pq_cat_file and pq_schema_json over an open descriptor, which must
 * be a regular file (the footer is at the end: the reader maps the whole
 * file); name is for messages. fd is left open. */
int pq_cat_fd(int fd, const char *name, const pq_options *opt, pq_row_fn fn, void *ctx, char *err, size_t errlen);
int pq_schema_json_fd(int fd, const char *name, strbuf *out, char *err, size_t errlen);

/* Same as pq_cat_file over a file already in memory (for fuzzing and tests). */
int pq_cat_mem(const unsigned char *data, size_t size, const char *name, const pq_options *opt,
               pq_row_fn fn, void *ctx, char *err, size_t errlen);

#endif

/* fuzz_rows.c — libFuzzer target for the row readers of hf-fetch: JSON Lines,
 * JSON arrays, gzip and zstd streams. The first byte picks the format; the
 * rest is written to a temporary file, as downloads are read from the cache. */
#include "hub/rows.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int on_row(void *ctx, const char *json, size_t len)
{
	json_doc *d = ctx;
	if (json_parse(d, json, len)) abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const char *const names[] = { "x.jsonl", "x.json", "x.jsonl.gz", "x.jsonl.zst" };
	if (size < 1) return 0;
	char path[] = "/tmp/fuzz_rows.XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0) return 0;
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) { close(fd); unlink(path); return 0; }
	close(fd);
	char err[512];
	json_doc d;
	json_doc_init(&d);
	pq_options o = {0};
	uint64_t n;
	rows_cat_file(path, names[data[0] % 4], &o, on_row, &d, &n, err, sizeof err);
	json_doc_free(&d);
	unlink(path);
	return 0;
}

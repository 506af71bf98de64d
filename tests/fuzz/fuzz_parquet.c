/* fuzz_parquet.c — libFuzzer target for the Parquet reader: footer, page
 * headers, every decoder and codec, nested assembly; rows must be valid JSON. */
#include "json.h"
#include "parquet/parquet.h"

#include <stdlib.h>

static int on_row(void *ctx, const char *json, size_t len)
{
	json_doc *d = ctx;
	if (json_parse(d, json, len)) abort();   /* a row is always valid JSON */
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[512];
	json_doc d;
	json_doc_init(&d);
	pq_options o = {0};
	o.limit = 10000;
	pq_cat_mem(data, size, "fuzz.parquet", &o, on_row, &d, err, sizeof err);
	json_doc_free(&d);
	return 0;
}

/* fuzz_json.c — libFuzzer target for the JSON reader: parse, walk every node,
 * decode every string, re-encode compactly and parse the result again (it
 * must parse, and re-encoding it must be a fixed point). The SIMD string scan
 * must agree with the byte-by-byte one: same outcome, error, nodes, flags. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	json_doc d, d2;
	json_doc_init(&d);
	json_doc_init(&d2);
	json_scan_mode(JSON_SCAN_BYTEWISE);
	int rb = json_parse(&d2, (const char *)data, size);
	for (int mode = JSON_SCAN_SSE2; mode >= JSON_SCAN_BEST; mode -= 2) {
		json_scan_mode(mode);
		int ra = json_parse(&d, (const char *)data, size);
		if (ra != rb) abort();
		if (ra && (strcmp(d.err, d2.err) || d.err_off != d2.err_off)) abort();
		if (!ra) {
			if (d.n != d2.n) abort();
			for (uint32_t i = 0; i < d.n; i++)
				if (d.nodes[i].type != d2.nodes[i].type || d.nodes[i].flags != d2.nodes[i].flags ||
				    d.nodes[i].off != d2.nodes[i].off || d.nodes[i].len != d2.nodes[i].len ||
				    d.nodes[i].count != d2.nodes[i].count)
					abort();
		}
	}
	/* the last parse was JSON_SCAN_BEST's */
	int ra = rb;
	if (ra == 0) {
		for (uint32_t i = 0; i < d.n; i++) {
			if (d.nodes[i].type == JSON_STRING) {
				char *tmp = malloc(d.nodes[i].len + 1);
				size_t n = json_str_decode(&d, i, tmp);
				if (!utf8_valid(tmp, n)) abort();
				free(tmp);
			} else if (d.nodes[i].type == JSON_NUMBER) {
				int64_t v;
				(void)json_num_i64(&d, i, &v);
			}
		}
		strbuf a = STRBUF_INIT, b = STRBUF_INIT;
		json_write_compact(&a, &d, 0);
		if (json_parse(&d2, a.p, a.len)) abort();
		json_write_compact(&b, &d2, 0);
		if (a.len != b.len || memcmp(a.p, b.p, a.len)) abort();
		strbuf_free(&a);
		strbuf_free(&b);
	}
	json_doc_free(&d);
	json_doc_free(&d2);
	return 0;
}

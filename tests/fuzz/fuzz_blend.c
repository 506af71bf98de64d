/* fuzz_blend.c — libFuzzer target for blend's and sft-report's parsers: the
 * recipe (then a draw over made-up parts, with a --val parsed from the
 * input's first line), the lock file, stage summaries and the manifest, and
 * the page rendered from a record built from the input. */
#include "blend.h"
#include "hub/lock.h"
#include "report.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *s = (const char *)data;
	char err[512];
	blend_recipe r;
	if (blend_recipe_parse(&r, s, size, "fuzz", err, sizeof err) == 0) {
		blend b;
		blend_init(&b, &r);
		for (int k = 0; k < r.nparts; k++)
			for (int i = 0; i < (k * 7) % 23; i++) blend_add(&b, k, 0, b.n * 3, 2, err, sizeof err);
		blend_val v = {0, 0, 0};
		char first[40];
		size_t l = 0;
		while (l < size && l < sizeof first - 1 && s[l] != '\n') { first[l] = s[l]; l++; }
		first[l] = 0;
		if (blend_val_parse(&v, first)) memset(&v, 0, sizeof v);
		if (v.is_count && v.count > 100000) v.count = 100000;
		/* keep the draw small: requested counts are capped by the fuzzer's input, not by memory */
		uint64_t fixed = 0;
		double shares = 0;
		for (int k = 0; k < r.nparts; k++) {
			if (r.parts[k].kind == BLEND_COUNT) fixed += r.parts[k].count;
			if (r.parts[k].kind == BLEND_PERCENT && r.parts[k].pct > 10000) fixed += UINT32_MAX;
			if (r.parts[k].kind == BLEND_SHARE) shares += r.parts[k].pct;
		}
		int small = fixed <= 100000 && shares <= 90;
		strbuf notes = STRBUF_INIT;
		if (small && blend_draw(&b, 42, &v, &notes, err, sizeof err) == 0) {
			strbuf m = STRBUF_INIT;
			blend_info info = {.version = "x", .recipe_path = "fuzz"};
			blend_manifest(&b, &info, &m);
			strbuf_free(&m);
		}
		strbuf_free(&notes);
		blend_free(&b);
	}
	blend_recipe_free(&r);
	strbuf lock = STRBUF_INIT;
	hub_lock_json(s, size, "lock", &lock, err, sizeof err);
	strbuf_free(&lock);

	report rep;
	report_init(&rep, 1);
	report_add_summary(&rep, "stage", s, size, err, sizeof err);
	report_set_manifest(&rep, s, size, err, sizeof err);
	json_doc d;
	json_doc_init(&d);
	if (json_parse(&d, s, size) == 0 && json_type_of(&d, 0) == JSON_OBJECT) report_add(&rep, 0, &d, s, size);
	strbuf page = STRBUF_INIT;
	report_render(&rep, NULL, 0, "x", &page);
	strbuf_free(&page);
	json_doc_free(&d);
	report_free(&rep);
	return 0;
}

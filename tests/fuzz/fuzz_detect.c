/* fuzz_detect.c — libFuzzer target for the text rules of drop-multimodal and
 * drop-tool-use: the fast prose walker must agree with the byte-by-byte one
 * that defines it on any text (abort when they differ), and when the input
 * parses as a JSON object the record rules, which walk most strings
 * undecoded, must agree with the reference, which decodes every string. */
#include "detect.h"
#include "json.h"

#include <stdlib.h>
#include <string.h>

static int same(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *s = (const char *)data;
	char detail[256];
	const char *mm[2], *tool[2];
	int act[2] = {0, 0}, obs[2] = {0, 0};
	for (int ref = 0; ref < 2; ref++) {
		detect_reference_walker(ref);
		mm[ref] = detect_multimodal_text(s, size, detail, sizeof detail);
		tool[ref] = detect_tool_text(s, size, &act[ref], &obs[ref], detail, sizeof detail);
	}
	detect_reference_walker(0);
	if (!same(mm[0], mm[1]) || !same(tool[0], tool[1]) || act[0] != act[1] || obs[0] != obs[1]) abort();

	json_doc d;
	json_doc_init(&d);
	if (json_parse(&d, s, size) == 0 && json_type_of(&d, 0) == JSON_OBJECT) {
		/* the fast rules read most strings undecoded; the reference decodes all */
		detect_ctx c;
		detect_init(&c);
		const char *r[2][2];
		for (int ref = 0; ref < 2; ref++) {
			detect_reference_walker(ref);
			r[ref][0] = detect_multimodal(&c, &d, detail, sizeof detail);
			r[ref][1] = detect_tool_use(&c, &d, detail, sizeof detail);
		}
		detect_reference_walker(0);
		detect_free(&c);
		if (!same(r[0][0], r[1][0]) || !same(r[0][1], r[1][1])) abort();
	}
	json_doc_free(&d);
	return 0;
}

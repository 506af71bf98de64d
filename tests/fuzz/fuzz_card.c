/* fuzz_card.c — libFuzzer target for dataset cards: YAML front matter, the
 * configs: block, config/split resolution and the glob matcher. */
#include "hub/datafiles.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char err[512];
	datafiles_card card;
	static const char *const paths[] = { "data/train-00000-of-00002.parquet", "data/train-00001-of-00002.parquet",
		"en/part-0.jsonl", "fr/x.json.gz", "README.md", "test/a.jsonl.zst", "solutions/train-00000-of-00001.parquet" };
	if (datafiles_from_card((const char *)data, size, &card, err, sizeof err) == 0) {
		if (!card.n) datafiles_from_patterns(paths, 7, &card);
		const datafiles_config *cf = datafiles_pick_config(&card, NULL, err, sizeof err);
		if (cf) {
			const datafiles_split *sp = datafiles_pick_split(cf, NULL, err, sizeof err);
			size_t idx[7];
			if (sp) datafiles_split_files(cf, sp, paths, 7, idx);
		}
		datafiles_card_free(&card);
	}
	/* the glob matcher on pattern/path halves of the input */
	char *buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = 0;
	char *nl = strchr(buf, '\n');
	if (nl) { *nl = 0; datafiles_glob_match(buf, nl + 1); }
	free(buf);
	return 0;
}

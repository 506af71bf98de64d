/* fuzz_hub.c — libFuzzer target for the hub's own file formats: hf-fetch's
 * lock file (hub/lock.h: lookup and the manifest's array) and sftkit's
 * cached listing of a commit (hub/cache.h), read back from a cache folder
 * made once in $TMPDIR. */
#include "hub/cache.h"
#include "hub/lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char commit[] = "0123456789abcdef0123456789abcdef01234567";

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *s = (const char *)data;
	char err[512], *c = NULL;
	if (hub_lock_find(s, size, "lock", "datasets", "a/b", &c, err, sizeof err) == 1 && !c) abort();
	free(c);
	strbuf j = STRBUF_INIT;
	hub_lock_json(s, size, "lock", &j, err, sizeof err);
	strbuf_free(&j);

	static char dir[64];
	if (!dir[0]) {
		const char *t = getenv("TMPDIR");
		snprintf(dir, sizeof dir, "%s/fuzz_hub.XXXXXX", t && strlen(t) < 40 ? t : "/tmp");
		if (!mkdtemp(dir)) abort();
	}
	hub_repo r;
	memset(&r, 0, sizeof r);
	r.cache_dir = dir;
	r.commit = (char *)commit;
	char *p = hub_pathf("%s/.sftkit/tree-%s.jsonl", dir, commit);
	if (hub_write_atomic(p, s, size) == 0 && hub_cache_load_listing(&r) == 0) {
		for (size_t i = 0; i < r.nfiles; i++)
			if (!r.files[i].path || !r.files[i].etag) abort();
	}
	hub_repo_files_free(&r);
	free(p);
	return 0;
}

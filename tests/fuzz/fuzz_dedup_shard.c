/* fuzz_dedup_shard.c — libFuzzer target for the reader of dedup's shard
 * signature files (dedup_shard.h): the input is shard 1's file, read by
 * shard 0 of a 2-shard run of 9 records. With the first byte even the input
 * follows a valid header of this run, so the records' part is reached; odd,
 * it is the whole file, header included. Nothing may crash or read past the
 * tables, whatever the file holds. */
#include "dedup_shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { NP = 4, N = 9, NREF = 1 };
static char dir[64];

/* the directory and both shards' files go when the process ends */
static void cleanup(void)
{
	char p[128];
	for (int i = 0; i < 2; i++) { snprintf(p, sizeof p, "%s/sig-%d-of-2.bin", dir, i); unlink(p); }
	rmdir(dir);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/fuzz_dedup_shard.%ld", (long)getpid());
		char err[9000];
		dedup_shard p = { dir, 0, 2, NP, 0, 0 };
		if (dedup_shard_prepare(&p, err, sizeof err)) abort();
		atexit(cleanup);
	}
	char path[128];
	snprintf(path, sizeof path, "%s/sig-1-of-2.bin", dir);
	FILE *f = fopen(path, "wb");
	if (!f) abort();
	if (size && !(data[0] & 1)) {
		uint64_t hdr[7] = { 0x32474953544b4653ull, 2, 1, NP, N, NREF, 42 };
		fwrite(hdr, sizeof hdr, 1, f);
		data++;
		size--;
	}
	fwrite(data, 1, size, f);
	fclose(f);
	uint32_t sigs[N * NP];
	uint8_t empty[N];
	memset(sigs, 0, sizeof sigs);
	memset(empty, 0, sizeof empty);
	char err[9000];
	/* t0 0: any other run's file counts as fresh, an error at once (no waiting) */
	dedup_shard s = { dir, 0, 2, NP, 0, 0 };
	if (dedup_shard_exchange(&s, N, NREF, 42, sigs, empty, err, sizeof err) && !err[0]) abort();
	return 0;
}

/* test_dedup_shard — the signature exchange of near-mode shards in one
 * process: two shards' files read back into each other's tables, another
 * run's file (fresh: an error; stale: waited past), a damaged file, and the
 * directory prepared for a run. */
#include "t.h"
#include "dedup_shard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { NP = 4, N = 7, NREF = 1 };
static char dir[] = "/tmp/test_dedup_shard.XXXXXX";

/* the table shard i holds before the exchange: its own records' signatures */
static void fill(uint32_t i, uint32_t *sigs, uint8_t *empty)
{
	memset(sigs, 0, N * NP * sizeof *sigs);
	memset(empty, 0, N);
	for (uint32_t r = NREF; r < N; r++) {
		if ((r - NREF) % 2 != i) continue;
		for (int k = 0; k < NP; k++) sigs[r * NP + k] = r * 100 + (uint32_t)k;
		empty[r] = r == 4;
	}
}

static void test_exchange(void)
{
	char err[9000];
	uint32_t s0[(N + 1) * NP], s1[(N + 1) * NP];   /* room for the N + 1 records of a test below */
	uint8_t e0[N + 1], e1[N + 1];
	dedup_shard a = { dir, 0, 2, NP, 0, time(NULL) }, b = a;
	b.i = 1;
	T_EQ_INT(dedup_shard_prepare(&a, err, sizeof err), 0);
	fill(0, s0, e0);
	fill(1, s1, e1);
	/* shard 1 first: it writes its file, then times out waiting for shard 0 */
	T_EQ_INT(dedup_shard_exchange(&b, N, NREF, 42, s1, e1, err, sizeof err), -1);
	T_CHECKF(strstr(err, "shard 0/2 did not write") != NULL, "%s", err);
	T_EQ_INT(dedup_shard_exchange(&a, N, NREF, 42, s0, e0, err, sizeof err), 0);
	T_EQ_INT(dedup_shard_exchange(&b, N, NREF, 42, s1, e1, err, sizeof err), 0);
	for (uint32_t r = NREF; r < N; r++) {
		T_EQ_INT(s0[r * NP + 3], r * 100 + 3);
		T_EQ_INT(s1[r * NP + 1], r * 100 + 1);
		T_EQ_INT(e0[r], r == 4);
		T_EQ_INT(e1[r], r == 4);
	}
	T_EQ_INT(s0[0], 0);   /* the reference record is every shard's own */
	/* another run's file written since this run started: the shards disagree */
	T_EQ_INT(dedup_shard_exchange(&a, N, NREF, 43, s0, e0, err, sizeof err), -1);
	T_CHECKF(strstr(err, "shard 1/2 wrote the signatures of other inputs") != NULL, "%s", err);
	T_EQ_INT(dedup_shard_exchange(&a, N + 1, NREF, 42, s0, e0, err, sizeof err), -1);
	T_CHECKF(strstr(err, "another number of records") != NULL, "%s", err);
	/* an older file (this run started later): waited past, until the timeout */
	a.t0 = time(NULL) + 100;
	T_EQ_INT(dedup_shard_exchange(&a, N, NREF, 43, s0, e0, err, sizeof err), -1);
	T_CHECKF(strstr(err, "holds the signatures of other inputs") && strstr(err, "did not replace it within 0 s"), "%s", err);
}

static void test_damaged(void)
{
	char err[9000], p1[600];
	uint32_t s[N * NP];
	uint8_t e[N];
	dedup_shard a = { dir, 0, 2, NP, 0, time(NULL) }, b = a;
	b.i = 1;
	fill(1, s, e);
	dedup_shard_exchange(&b, N, NREF, 7, s, e, err, sizeof err);
	snprintf(p1, sizeof p1, "%s/sig-1-of-2.bin", dir);
	struct stat st;
	T_EQ_INT(stat(p1, &st), 0);
	T_EQ_INT(truncate(p1, st.st_size - 3), 0);   /* a record cut short */
	fill(0, s, e);
	T_EQ_INT(dedup_shard_exchange(&a, N, NREF, 7, s, e, err, sizeof err), -1);
	T_CHECKF(strstr(err, "sig-1-of-2.bin: a damaged signature file") != NULL, "%s", err);
	/* prepare removes this shard's own file of an earlier run */
	T_EQ_INT(dedup_shard_prepare(&b, err, sizeof err), 0);
	T_CHECK(access(p1, F_OK) != 0);
	/* and makes the directory */
	char sub[600];
	snprintf(sub, sizeof sub, "%s/new", dir);
	dedup_shard c = a;
	c.dir = sub;
	T_EQ_INT(dedup_shard_prepare(&c, err, sizeof err), 0);
	T_EQ_INT(stat(sub, &st), 0);
	T_CHECK(S_ISDIR(st.st_mode));
	rmdir(sub);
	c.dir = "/proc/no/such/dir";
	T_EQ_INT(dedup_shard_prepare(&c, err, sizeof err), -1);
	T_CHECKF(strncmp(err, "--shard-dir /proc/no/such/dir: ", 31) == 0, "%s", err);
}

int main(void)
{
	if (!mkdtemp(dir)) { perror("mkdtemp"); return 1; }
	T_RUN(test_exchange);
	T_RUN(test_damaged);
	char p[600];
	for (int i = 0; i < 2; i++) { snprintf(p, sizeof p, "%s/sig-%d-of-2.bin", dir, i); unlink(p); }
	rmdir(dir);
	return t_done();
}

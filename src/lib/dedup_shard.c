/* dedup_shard.c — the signature files near-mode shards exchange (dedup_shard.h). */
#include "dedup_shard.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIG_MAGIC 0x32474953544b4653ull   /* "SFTKSIG2" */

static void sig_path(char *p, size_t n, const dedup_shard *s, uint32_t j)
{
	snprintf(p, n, "%s/sig-%u-of-%u.bin", s->dir, j, s->n);
}

int dedup_shard_prepare(const dedup_shard *s, char *err, size_t en)
{
	if (mkdir(s->dir, 0755) && errno != EEXIST) {
		snprintf(err, en, "--shard-dir %s: %s", s->dir, strerror(errno));
		return -1;
	}
	char own[4200];
	sig_path(own, sizeof own, s, s->i);
	unlink(own);
	return 0;
}

static int write_own(const dedup_shard *s, const uint64_t hdr[7], uint32_t n, uint32_t nref,
		     const uint32_t *sigs, const uint8_t *empty, char *err, size_t en)
{
	char fin[4200];
	sig_path(fin, sizeof fin, s, s->i);
	/* the other shards poll for it: renamed into place whole */
	util_atomic a;
	if (util_atomic_open(&a, fin, err, en)) return -1;
	FILE *f = util_atomic_stream(&a);
	if (!f) { snprintf(err, en, "%s: %s", fin, strerror(errno)); util_atomic_abort(&a); return -1; }
	int ok = fwrite(hdr, 7 * sizeof *hdr, 1, f) == 1;
	for (uint32_t i = nref; i < n && ok; i++) {
		if ((i - nref) % s->n != s->i) continue;
		ok = fwrite(&i, sizeof i, 1, f) == 1 && fwrite(&empty[i], 1, 1, f) == 1 &&
		     fwrite(sigs + (size_t)i * s->nperm, sizeof(uint32_t), (size_t)s->nperm, f) == (size_t)s->nperm;
	}
	if (!ok) { snprintf(err, en, "%s: %s", fin, strerror(errno)); util_atomic_abort(&a); return -1; }
	return util_atomic_commit(&a, err, en);
}

/* Shard j's file of this run, open after its header; NULL (err) when it did
 * not come within the timeout or is another shard's of another run. */
static FILE *wait_for(const dedup_shard *s, uint32_t j, const uint64_t hdr[7], char *err, size_t en)
{
	char pj[4200];
	sig_path(pj, sizeof pj, s, j);
	double waited = 0;
	const char *other = NULL;   /* why the file last seen there is not this run's */
	for (;;) {
		FILE *g = fopen(pj, "rb");
		if (g) {
			uint64_t h[7];
			if (fread(h, sizeof h, 1, g) != 1 || h[0] != hdr[0] || h[1] != hdr[1] || h[2] != j || h[3] != hdr[3])
				other = "not a signature file of this shard with these parameters";
			else if (h[4] != hdr[4] || h[5] != hdr[5])
				other = "another number of records: the shards must read the same inputs";
			else if (h[6] != hdr[6])
				other = "the signatures of other inputs or parameters: the shards must read the same inputs with the same options";
			else return g;
			/* written since this run started (give or take a second
			 * between the shards' starts): the other shard's, so they
			 * disagree; older: an earlier run's, waited past until this
			 * run's shard replaces it (by rename) */
			struct stat st;
			int fresh = fstat(fileno(g), &st) == 0 && st.st_mtim.tv_sec + 1 >= s->t0;
			fclose(g);
			if (fresh) { snprintf(err, en, "%s: shard %u/%u wrote %s", pj, j, s->n, other); return NULL; }
		}
		if (waited >= s->timeout) {
			if (other)
				snprintf(err, en, "--shard: %s holds %s, and shard %u/%u did not replace it within %.0f s (SFTKIT_SHARD_TIMEOUT)",
					 pj, other, j, s->n, s->timeout);
			else
				snprintf(err, en, "--shard: shard %u/%u did not write %s within %.0f s (SFTKIT_SHARD_TIMEOUT)",
					 j, s->n, pj, s->timeout);
			return NULL;
		}
		usleep(50000);
		waited += 0.05;
	}
}

int dedup_shard_exchange(const dedup_shard *s, uint32_t n, uint32_t nref, uint64_t tag,
			 uint32_t *sigs, uint8_t *empty, char *err, size_t en)
{
	const int np = s->nperm;
	uint64_t hdr[7] = { SIG_MAGIC, s->n, s->i, (uint64_t)np, n, nref, tag };
	if (write_own(s, hdr, n, nref, sigs, empty, err, en)) return -1;
	for (uint32_t j = 0; j < s->n; j++) {
		if (j == s->i) continue;
		FILE *g = wait_for(s, j, hdr, err, en);
		if (!g) return -1;
		uint32_t idx;
		uint8_t e;
		while (fread(&idx, sizeof idx, 1, g) == 1) {
			if (idx < nref || idx >= n || (idx - nref) % s->n != j || fread(&e, 1, 1, g) != 1 ||
			    fread(sigs + (size_t)idx * np, sizeof(uint32_t), (size_t)np, g) != (size_t)np) {
				char pj[4200];
				sig_path(pj, sizeof pj, s, j);
				snprintf(err, en, "%s: a damaged signature file", pj);
				fclose(g);
				return -1;
			}
			empty[idx] = e;
		}
		fclose(g);
	}
	return 0;
}

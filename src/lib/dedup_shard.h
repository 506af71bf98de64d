/*
 * dedup_shard.h — how dedup's near-mode shards exchange MinHash signatures:
 * each shard writes its own records' signatures to a file in a directory all
 * shards see, waits for the other shards' files and reads their signatures,
 * so that every shard holds all signatures and makes the same groups.
 *
 * The file, DIR/sig-I-of-N.bin, written to a temporary name then renamed:
 * seven little-endian 64-bit words ("SFTKSIG2" magic, N, I, values per
 * signature, records, reference records, the run tag), then per record of
 * shard I (record index i >= nref with (i - nref) % N == I): its index
 * (uint32), whether it has no shingles (uint8), its signature (uint32 each).
 * The run tag identifies the inputs and parameters (the caller computes it,
 * say from every record's exact key): a file with another tag, or another
 * number of records, is another run's, waited past when it is older than
 * this run (a stale file, which that shard will replace) and an error when
 * it is as new (the shards disagree).
 *
 * Memory: nothing is allocated that outlives a call. Thread-safety: none
 * shared; one call per shard process. Errors: -1 with the message (naming
 * the file) in err[en]; the module never prints or exits.
 */
#ifndef SFTKIT_DEDUP_SHARD_H
#define SFTKIT_DEDUP_SHARD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

typedef struct dedup_shard {
	const char *dir;      /* --shard-dir */
	uint32_t i, n;        /* this shard, of n */
	int nperm;            /* values per signature */
	double timeout;       /* seconds to wait for another shard's file */
	time_t t0;            /* when this run started (files older are stale) */
} dedup_shard;

/* Before a run: create dir if need be and remove this shard's file of an
 * earlier run, so no other shard reads it. 0, or -1 (err). */
int dedup_shard_prepare(const dedup_shard *s, char *err, size_t en);
/* Write this shard's records of [nref, n) (sigs[i * nperm ...], empty[i]),
 * then read every other shard's into sigs and empty. 0, or -1 (err). */
int dedup_shard_exchange(const dedup_shard *s, uint32_t n, uint32_t nref, uint64_t tag,
			 uint32_t *sigs, uint8_t *empty, char *err, size_t en);

#endif

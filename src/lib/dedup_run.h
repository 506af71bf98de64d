/*
 * dedup_run.h — a whole deduplication run, the engine of dedup(1): records
 * go in one at a time (the reference set of --against first, then the
 * inputs), are grouped as exact duplicates (equal keys) and/or near
 * duplicates (MinHash/LSH candidates whose exact Jaccard reaches the
 * threshold, dedup.h), and come back out in input order, each with its
 * verdict: kept, or dropped with the reason and the id of its group's
 * survivor. The survivor of a group is its record of the lowest rank (the
 * source's place in the priority list, else the input file's), then the
 * first seen; a record of the reference set outranks every input.
 *
 * Two paths, one contract: exact mode alone keeps about 22 bytes a record
 * (key, rank, then a survivor index), reading ids back only for survivors;
 * the other modes keep a record table (key, rank, id, signature, where its
 * line is). Pass 2 and the verifier read the lines again: a regular file in
 * place, by offset, through a duplicate of its descriptor (it must not change
 * until the run ends: a change in size or mtime is an error); any other input
 * (a pipe, a terminal, standard input not read from its start) is copied as
 * it is read to a spool, an unlinked temporary file in cfg.tmpdir (or
 * $TMPDIR, or /tmp) made when the first such input comes.
 *
 * Sharding: with shard_n > 0 the run decides only partition shard_i of the
 * records (exact mode: by key; near mode: by position, the shards exchanging
 * signatures through dedup_shard.h), and the other shards' records come out
 * with the reason "other_shard" and no dup_of.
 *
 * Calls, in order: dedup_new, dedup_start, dedup_against (optional), per
 * input dedup_input then dedup_add per record, dedup_resolve, dedup_next
 * until it returns 0, dedup_free. Memory: the run owns everything it returns (a verdict's
 * pointers are valid until the next dedup_next); cfg's strings and jq program
 * are borrowed and must outlive the run. Thread-safety: none shared between
 * runs; one thread per run. Errors: a call returns DEDUP_ERR, or DEDUP_EDATA
 * when the --key program failed on the record at hand (the caller adds its
 * position), with the message in dedup_errmsg; the library never prints or
 * exits (out of memory goes to util's handler). Warnings are counts the
 * caller reads (dedup_nokey, dedup_priority_seen).
 */
#ifndef SFTKIT_DEDUP_RUN_H
#define SFTKIT_DEDUP_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jq.h>

#include "json.h"

enum { DEDUP_OK = 0, DEDUP_ERR = -1, DEDUP_EDATA = -2 };

typedef struct dedup_cfg {
	int exact, near;             /* the modes (at least one) */
	int key;                     /* DEDUP_KEY_ALL or DEDUP_KEY_USER, when jq is NULL */
	jq_state *jq;                /* else what is compared: the program's outputs */
	int fold;                    /* normalize (1) or compare as is (0) */
	int ngram, bands, rows;      /* near mode; bands * rows <= 512 */
	double threshold;            /* near mode: exact Jaccard >= threshold */
	unsigned keep_per_key;       /* exact mode alone: survivors per group (>= 1) */
	int drop_clusters;           /* drop survivors too */
	const char *clusters;        /* write the groups there (NULL: not) */
	char **priority;             /* sources, most preferred first */
	int npriority;
	uint32_t shard_i, shard_n;   /* shard_n 0: not sharded */
	const char *shard_dir;       /* near mode with shards: where they exchange */
	double shard_timeout;        /* seconds to wait for another shard */
	time_t t0;                   /* when the run started (older shard files are stale) */
	const char *tmpdir;          /* for the spool (NULL or "": $TMPDIR, else /tmp) */
	int generic;                 /* 1: exact mode alone too takes the record table (tests) */
} dedup_cfg;

typedef struct dedup_verdict {
	const char *line;            /* the record as read, without its newline */
	size_t len;
	const char *reason;          /* NULL: kept; "duplicate", "near_duplicate",
				      * "in_cluster" (--drop-clusters) or "other_shard" */
	const char *dup_of;          /* the survivor's id; NULL for kept and other_shard */
} dedup_verdict;

typedef struct dedup_run dedup_run;

/* cfg is copied (its strings are not); the reference set is empty. */
dedup_run *dedup_new(const dedup_cfg *cfg);
/* The shard directory (made, this shard's old file removed). */
int dedup_start(dedup_run *r);
/* The reference set from a JSONL file: its records are compared with, never
 * written. A line that is not a JSON object is an error naming path:line. */
int dedup_against(dedup_run *r, const char *path);
/* The next input, before its first record: fd its descriptor, read from
 * offset 0 (a regular file is read in place through a duplicate of fd; fd -1
 * or anything else is spooled), name for messages (copied). At most
 * 65535 inputs. Without a call, records go to one spooled input. */
int dedup_input(dedup_run *r, int fd, const char *name);
/* One input record: d its parsed line (the object at node 0), file_rank the
 * position of its input file (0, 1, ...), offset where the line starts in
 * its input (jsonl_reader.offset; ignored for a spooled input). */
int dedup_add(dedup_run *r, const json_doc *d, const char *line, size_t len, int32_t file_rank, uint64_t offset);
/* After the last record: signatures exchanged, groups made, --clusters
 * written (except by exact mode alone, which writes it at the end). */
int dedup_resolve(dedup_run *r);
/* The next input record and its verdict: 1; 0 after the last (the clusters
 * file written); or an error. */
int dedup_next(dedup_run *r, dedup_verdict *v);
const char *dedup_errmsg(const dedup_run *r);
/* Records whose --key program gave no key (kept, compared with none). */
uint64_t dedup_nokey(const dedup_run *r);
/* Whether a record had priority[k] as its source. */
int dedup_priority_seen(const dedup_run *r, int k);
void dedup_free(dedup_run *r);

#endif

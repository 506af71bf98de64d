/* dedup_priv.h — what dedup_run.c (the record table and the common parts)
 * and dedup_lean.c (exact mode alone) share: the run itself. Not a public
 * header. */
#ifndef SFTKIT_DEDUP_PRIV_H
#define SFTKIT_DEDUP_PRIV_H

#include "dedup.h"
#include "dedup_run.h"
#include "jsonl.h"
#include "util.h"

#define LEAN_OTHER 0x8000u     /* lean rank flag: another shard decides this record */

typedef struct dedup_rec {
	dedup_key key;
	int32_t rank;
	uint32_t id_off;        /* into ids */
	uint8_t ref;            /* from --against */
	uint16_t src;           /* its input (dedup_src) */
	uint64_t off, len;      /* its line: in its input read in place, or in the spool */
} dedup_rec;

/* An input, in the order given (--against first). A regular file is read in
 * place (pass 2 and the verifier read it again, by offset); anything else
 * (a pipe, a terminal) goes to the spool as it is read. */
typedef struct dedup_src {
	char *name;
	int fd;                      /* in place: our duplicate of its descriptor; -1: spooled */
	uint64_t nrec;               /* its records */
	uint64_t expect;             /* in place: where a line right after the last record starts */
	uint64_t (*gaps)[2];         /* in place: byte ranges of lines that were not records (--skip-bad) */
	size_t ngaps, gapcap;
	int64_t size;                /* in place: as first seen, to tell a change between the passes */
	struct timespec mtime;
} dedup_src;

#define DEDUP_MAX_INPUTS 65535

struct lean_pair { uint32_t surv, off; };

struct dedup_run {
	dedup_cfg cfg;
	int lean;                    /* exact mode alone, the lean path */
	char err[9000];
	/* the compared text of a record */
	strbuf norm, jqtext;
	uint64_t nokey;
	char *prio_seen;
	json_doc d;                  /* --against lines, lines read back */
	/* the inputs, and the spool: the lines of those not read in place, in
	 * order (--against's first; lean mode keeps none of --against's);
	 * made when first needed */
	dedup_src *src;
	int nsrc, has_input;         /* has_input: dedup_input called (else one spooled input) */
	int spool;
	uint64_t spooled;
	jsonl_writer sw;
	int sw_open;
	/* pass 2: input cur, left records to go in it, read by jr (the spool)
	 * or pr (an input in place), gap its next gap */
	jsonl_reader jr, pr;
	int jr_open, pr_open, cur;
	uint64_t left;
	size_t gap;
	uint32_t next;               /* record index pass 2 reads next */
	uint32_t nref;
	strbuf rec, fld;               /* a verdict's scratch */
	/* the record table (not lean) */
	dedup_rec *r;
	size_t n, cap;
	strbuf ids;
	uint32_t *sigs;              /* n * bands * rows */
	uint8_t *empty;              /* no shingles */
	dedup_uf uf;
	dedup_keytab keys;
	dedup_lsh lsh;
	uint32_t (*cand)[2];         /* near: candidate pairs, verified after pass 1 */
	size_t ncand, candcap;
	strbuf vline;
	json_doc vdoc;
	dedup_verifier ver;
	uint64_t *hs;
	size_t hscap;
	uint32_t *best, *size;       /* per group root: survivor, members */
	/* lean */
	struct {
		dedup_key *keys;
		uint16_t *rank;
		size_t n, cap;
		strbuf refids;
		uint32_t *refoff;
		uint32_t *surv;
		uint32_t *svidx, *svoff;
		size_t nsv, svcap;
		strbuf svids, cl;
		struct lean_pair *pairs;
		size_t npairs, pcap;
	} l;
};

/* Set r->err; returns code. */
int dedup_fail(dedup_run *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The compared text of a record into r->norm: 0 or DEDUP_EDATA. */
int dedup_view(dedup_run *r, const json_doc *d, const char *line, size_t len);
/* Its rank: its source's place in the priority list, else after, by file_rank. */
int32_t dedup_rank(dedup_run *r, const json_doc *d, int32_t file_rank);
/* Its id: the "id" string or number, else "#i". */
void dedup_id(const json_doc *d, uint32_t i, strbuf *out);
/* A record's line, of the current input (the last dedup_src): to the spool
 * when that input is not read in place; *where is its offset (in the input
 * or the spool); offset is where it starts in the input. */
int dedup_store(dedup_run *r, const char *line, size_t len, uint64_t offset, uint64_t *where);

/* Start pass 2 at the first record, then past skip records; r->next = skip. */
int dedup_rewind(dedup_run *r, uint32_t skip);
/* Pass 2: the next record's line, across the inputs in order: 1, 0 after
 * the last, or DEDUP_ERR. */
int dedup_next_line(dedup_run *r, const char **line, size_t *len);

int dedup_lean_add(dedup_run *r, const json_doc *d, const char *line, size_t len, int32_t file_rank, int ref,
		   uint64_t offset);
int dedup_lean_resolve(dedup_run *r);
int dedup_lean_next(dedup_run *r, dedup_verdict *v);
void dedup_lean_free(dedup_run *r);

#endif

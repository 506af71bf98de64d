/* dedup — drop exact and near duplicate conversations, within and across
 * sources, keeping one copy from the preferred source. */
#include "cli.h"
#include "dedup.h"
#include "json.h"
#include "jsonl.h"
#include "jqprog.h"

#include <xxhash.h>

#include <jq.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
	"Usage: dedup [--mode exact|near|both] [--priority S1,S2,...] [--threshold T]\n"
	"             [--key all|user] [--ngram N] [--bands B --rows R] [--against FILE]\n"
	"             [--keep-per-key N] [--drop-clusters] [--clusters FILE] [OPTIONS] [FILE...]\n"
	"Keep one record of each group of duplicate conversations; write the kept\n"
	"records in input order. The survivor is the record of the most preferred\n"
	"source (--priority, else the order of the input files), then the first seen.\n"
	"\n"
	"      --mode M         exact, near or both (default both)\n"
	"      --priority LIST  sources (the records' \"source\" values) in order of preference\n"
	"      --key K          what is compared: all (roles and contents, default), user\n"
	"                       (the prompts alone), or a jq program (its outputs)\n"
	"      --normalize N    default (NFC, case folded, whitespace collapsed) or none\n"
	"      --threshold T    near duplicates: exact Jaccard of the word n-grams >= T,\n"
	"                       measured on MinHash/LSH candidates (default 0.8)\n"
	"      --ngram N        words per shingle (default 5)\n"
	"      --bands B        LSH bands (default 14)\n"
	"      --rows R         rows per band (default 8); B*R MinHash values\n"
	"      --against FILE   drop records that duplicate one in FILE (FILE is not written)\n"
	"      --keep-per-key N with --mode exact: keep the first N records of each group\n"
	"                       (by priority, then input order), drop the rest (default 1)\n"
	"      --drop-clusters  drop every member of a duplicate group, survivor included\n"
	"      --clusters FILE  write each group: {\"survivor\":id,\"members\":[ids]}\n"
	"      --shard I/N      decide only partition I of N (0-based); the N outputs together\n"
	"                       are the single-process output. Exact mode partitions by key;\n"
	"                       near mode by record, the shards exchanging signatures in\n"
	"      --shard-dir DIR  (a directory they all see; each waits for the others)\n"
	"\n"
	"Dropped records go to --rejects with reason duplicate or near_duplicate and\n"
	"\"dup_of\", the survivor's id.\n";

typedef struct rec {
	dd_key key;
	int32_t rank;
	uint32_t id_off;        /* into ids pool */
	uint8_t ref;            /* from --against */
	uint8_t empty;          /* no shingles */
	uint64_t off;           /* of its line in the spool */
} rec;

typedef struct dd {
	cli c;
	int mode_exact, mode_near, key, ngram, bands, rows, drop_clusters;
	unsigned keep_per_key;       /* exact mode: survivors per group (default 1) */
	double threshold;
	uint32_t shard_i, shard_n;   /* --shard: partition shard_i of shard_n (0 = off) */
	const char *shard_dir;       /* near mode: where shards exchange signatures */
	jq_state *jq;                /* --key PROGRAM: what is compared */
	int fold;                    /* --normalize default (1) or none (0) */
	jbuf jqtext;
	uint32_t nref;               /* records from --against, before the inputs */
	uint64_t nokey;              /* records whose --key program gave no key */
	char **prio;
	int nprio;
	char *prio_seen;             /* a record had prio[k] as its source */
	rec *r;
	size_t n, cap;
	jbuf ids;
	uint32_t *sigs;         /* n * (bands*rows) */
	dd_uf uf;
	dd_keytab keys;              /* exact: key -> first record */
	dd_lsh lsh;                  /* near: band buckets -> first record */
	jbuf norm;
	json_doc d;
	uint32_t (*cand)[2];         /* near: candidate pairs, verified after pass 1 */
	size_t ncand, candcap;
	int spool;                   /* every line, the --against ones first */
	uint64_t spooled;            /* bytes written to the spool */
	jsonl_writer *sw;            /* the spool's writer, flushed before a read back */
	jbuf vline;                  /* a line read back for verification */
	json_doc vdoc;
	dd_verifier ver;             /* exact Jaccard of candidate pairs */
	uint64_t *hs;                /* the record's shingle hashes */
	size_t hscap;
	struct timespec t0;          /* when the run started: older signature files are an earlier run's */
} dd;

static int nperm(const dd *x) { return x->bands * x->rows; }

/* The candidate pairs record i makes, for near_verify. */
static void near_union(dd *x, uint32_t i)
{
	uint32_t c[1024];
	if (x->r[i].empty) return;
	int m = dd_lsh_candidates(&x->lsh, x->sigs, i, &x->uf, c);
	for (int k = 0; k < m; k++) {
		if (x->ncand == x->candcap) { x->candcap = x->candcap ? x->candcap * 2 : 1024; x->cand = xrealloc(x->cand, x->candcap * sizeof *x->cand); }
		x->cand[x->ncand][0] = c[k];
		x->cand[x->ncand++][1] = i;
	}
}

/* Pass 1 for one record: keys, signature, unions. */
/* --key PROGRAM: the program's outputs (strings as text, other values as
 * JSON), joined by a separator, then normalized like conversations */
static void jq_view(dd *x, const char *line, size_t len)
{
	jbuf_reset(&x->jqtext);
	int any = 0;   /* an output that is a key: not null, not "" */
	jv in;
	char err[300];
	if (jqprog_parse(line, len, &in, err, sizeof err)) cli_data_fatal(&x->c, "--key: %s", err);
	jq_start(x->jq, in, 0);
	jv r;
	while (jv_is_valid(r = jq_next(x->jq))) {
		jv_kind kd = jv_get_kind(r);
		if (kd != JV_KIND_NULL && (kd != JV_KIND_STRING || jv_string_length_bytes(jv_copy(r)) > 0)) any = 1;
		if (jv_get_kind(r) == JV_KIND_STRING) jbuf_put(&x->jqtext, jv_string_value(r), (size_t)jv_string_length_bytes(jv_copy(r)));
		else {
			jv sdump = jv_dump_string(jv_copy(r), JV_PRINT_SORTED);
			jbuf_puts(&x->jqtext, jv_string_value(sdump));
			jv_free(sdump);
		}
		jbuf_putc(&x->jqtext, '\x1f');
		jv_free(r);
	}
	if (jv_invalid_has_msg(jv_copy(r))) {
		jv msg = jv_invalid_get_msg(r);
		cli_data_fatal(&x->c, "--key: %s", jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "the program failed");
	}
	jv_free(r);
	jbuf_reset(&x->norm);
	if (!any) {
		/* null, "" or nothing is not a key: a key of its own, so the record
		 * is kept and compared with none (counted as no_key) */
		jbuf_printf(&x->norm, "\x1e%llu", (unsigned long long)x->nokey++);
		return;
	}
	const char *t = x->jqtext.p ? x->jqtext.p : "";
	if (!x->fold) { jbuf_put(&x->norm, t, x->jqtext.len); return; }
	jbuf tmp = {0};
	dd_nfc(t, x->jqtext.len, 1, &tmp);
	dd_fold(tmp.p ? tmp.p : "", tmp.len, &x->norm);
	jbuf_free(&tmp);
}

/* The record's rank, lower kept first: its source's place in --priority;
 * sources not listed come after, in the order of the input files. */
static int32_t rank_of(dd *x, const json_doc *d, int32_t file_rank)
{
	if (!x->nprio) return file_rank;
	uint32_t src = json_get(d, 0, "source");
	for (int k = 0; k < x->nprio && json_type_of(d, src) == JSON_STRING; k++)
		if (json_str_eq(d, src, x->prio[k], strlen(x->prio[k]))) { x->prio_seen[k] = 1; return k; }
	return x->nprio + file_rank;
}

/* A --priority entry no record matched is most likely a misspelt source. */
static void warn_unseen_priority(dd *x)
{
	for (int k = 0; k < x->nprio; k++)
		if (!x->prio_seen[k]) cli_warn(&x->c, "--priority: no record has the source '%s' (sources are matched exactly)", x->prio[k]);
}

/* Record i's line in the spool, normalized like pass 1 did it. */
static int spool_text(void *ctx, uint32_t i, const char **t, size_t *n)
{
	dd *x = ctx;
	uint64_t end = i + 1 < x->n ? x->r[i + 1].off : x->spooled;
	size_t len = (size_t)(end - x->r[i].off - 1), got = 0;
	if (end > x->sw->bytes && jsonl_flush(x->sw)) return -1;
	jbuf_reset(&x->vline);
	jbuf_reserve(&x->vline, len + 1);
	while (got < len) {
		ssize_t k = pread(x->spool, x->vline.p + got, len - got, (off_t)(x->r[i].off + got));
		if (k < 0 && errno == EINTR) continue;
		if (k <= 0) return -1;
		got += (size_t)k;
	}
	x->vline.len = len;
	x->vline.p[len] = 0;
	if (x->jq) jq_view(x, x->vline.p, len);
	else if (json_parse(&x->vdoc, x->vline.p, len)) return -1;
	else dd_normalize_opt(&x->vdoc, x->key, x->fold, &x->norm);
	*t = x->norm.p ? x->norm.p : "";
	*n = x->norm.len;
	return 0;
}

/* Join the candidate pairs whose exact Jaccard reaches the threshold, then
 * forget them (one record's, in one process; all, after a shard exchange). The
 * groups are the connected components of the pairs that do, whatever the
 * order; a pair already in one group needs no measuring. */
static void near_verify(dd *x)
{
	for (size_t k = 0; k < x->ncand; k++) {
		uint32_t a = x->cand[k][0], b = x->cand[k][1];
		double j;
		if (dd_uf_find(&x->uf, a) == dd_uf_find(&x->uf, b)) continue;
		if (dd_verifier_jaccard(&x->ver, a, b, &j)) cli_fatal(&x->c, "spool: a record did not read back for verification");
		if (j >= x->threshold) dd_uf_union(&x->uf, a, b);
	}
	x->ncand = 0;
}

static void warn_no_key(dd *x)
{
	if (!x->nokey) return;
	cli_warn(&x->c, "--key: %llu records gave no key (null, \"\" or no output): kept, and compared with none",
		 (unsigned long long)x->nokey);
}

static void add_record(dd *x, const json_doc *d, const char *line, size_t len, int32_t file_rank, int ref)
{
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 4096;
		x->r = xrealloc(x->r, x->cap * sizeof *x->r);
		if (x->mode_near) x->sigs = xrealloc(x->sigs, x->cap * nperm(x) * sizeof *x->sigs);
	}
	uint32_t i = (uint32_t)x->n++;
	rec *r = &x->r[i];
	memset(r, 0, sizeof *r);
	r->ref = (uint8_t)ref;
	r->off = x->spooled;   /* where spool_line will write it */
	dd_uf_add(&x->uf);
	/* rank: --priority by source, else the input file's position */
	r->rank = ref ? -1 : rank_of(x, d, file_rank);
	uint32_t idn = json_get(d, 0, "id");
	r->id_off = (uint32_t)x->ids.len;
	if (json_type_of(d, idn) == JSON_STRING) json_str_append(d, idn, &x->ids);
	else if (json_type_of(d, idn) == JSON_NUMBER) { size_t l; const char *s = json_raw(d, idn, &l); jbuf_put(&x->ids, s, l); }
	else jbuf_printf(&x->ids, "#%u", i);
	jbuf_putc(&x->ids, 0);

	if (x->jq) jq_view(x, line, len);
	else dd_normalize_opt(d, x->key, x->fold, &x->norm);
	r->key = dd_exact_key(x->norm.p, x->norm.len);
	if (x->mode_exact) {
		uint32_t f = dd_keytab_first(&x->keys, r->key, i);
		if (f != i) dd_uf_union(&x->uf, f, i);
	}
	if (x->mode_near) {
		uint32_t *sig = x->sigs + (size_t)i * nperm(x);
		if (x->shard_n && !ref && (i - x->nref) % x->shard_n != x->shard_i) {
			/* another shard's record: its signature comes from that shard */
			memset(sig, 0, (size_t)nperm(x) * sizeof *sig);
			return;
		}
		size_t m = dd_shingle_hashes(x->norm.p, x->norm.len, x->ngram, &x->hs, &x->hscap);
		dd_minhash_of(x->hs, m, sig, nperm(x));
		r->empty = m == 0;
		/* the verifier keeps the last records' shingles: most pairs are near in the input */
		dd_verifier_put(&x->ver, i, &x->hs, m, &x->hscap);
		if (!x->shard_n) { near_union(x, i); near_verify(x); }
	}
}

/* Spool a line and note where it starts. */
static void spool_line(dd *x, jsonl_writer *sw, const char *line, size_t len)
{
	x->r[x->n - 1].off = x->spooled;
	if (jsonl_write_line(sw, line, len)) cli_fatal(&x->c, "spool: %m");
	x->spooled += len + 1;
}

static int better(const rec *a, uint32_t ai, const rec *b, uint32_t bi)
{
	return a->rank != b->rank ? a->rank < b->rank : ai < bi;
}

/* Near mode across processes: write this shard's signatures to DIR, wait for
 * the other shards' files, read their signatures. Every shard then holds all
 * signatures and makes the same groups; each writes only its own records. */
/* What identifies a run to its shards: every record's exact key (so the
 * inputs and what is compared) and the near-mode parameters. A signature
 * file of another run in the same --shard-dir (stale, or of other inputs
 * with as many records) carries another tag and is not read. */
static uint64_t run_tag(const dd *x)
{
	XXH3_state_t *st = XXH3_createState();
	XXH3_64bits_reset(st);
	int64_t par[6] = { x->ngram, x->bands, x->rows, x->fold, (int64_t)x->n, (int64_t)x->nref };
	XXH3_64bits_update(st, par, sizeof par);
	XXH3_64bits_update(st, &x->threshold, sizeof x->threshold);
	for (size_t i = 0; i < x->n; i++) XXH3_64bits_update(st, &x->r[i].key, sizeof x->r[i].key);
	uint64_t t = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return t;
}

static void exchange_signatures(dd *x)
{
	const int np = nperm(x);
	char fin[4200], tmp[4300];
	snprintf(fin, sizeof fin, "%s/sig-%u-of-%u.bin", x->shard_dir, x->shard_i, x->shard_n);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", fin, (long)getpid());
	FILE *f = fopen(tmp, "wb");
	if (!f) cli_fatal(&x->c, "%s: %m", tmp);
	uint64_t hdr[7] = { 0x32474953544b4653ull /* "SFTKSIG2" */, x->shard_n, x->shard_i, (uint64_t)np, x->n, x->nref, run_tag(x) };
	int ok = fwrite(hdr, sizeof hdr, 1, f) == 1;
	for (uint32_t i = x->nref; i < x->n && ok; i++) {
		if ((i - x->nref) % x->shard_n != x->shard_i) continue;
		uint8_t e = x->r[i].empty;
		ok = fwrite(&i, sizeof i, 1, f) == 1 && fwrite(&e, 1, 1, f) == 1 &&
		     fwrite(x->sigs + (size_t)i * np, sizeof(uint32_t), (size_t)np, f) == (size_t)np;
	}
	if (fclose(f) || !ok || rename(tmp, fin)) cli_fatal(&x->c, "%s: %m", fin);
	const char *to = getenv("SFTKIT_SHARD_TIMEOUT");
	double limit = to && *to ? atof(to) : 3600, waited = 0;
	for (uint32_t j = 0; j < x->shard_n; j++) {
		if (j == x->shard_i) continue;
		char pj[4200];
		snprintf(pj, sizeof pj, "%s/sig-%u-of-%u.bin", x->shard_dir, j, x->shard_n);
		FILE *g;
		const char *other = NULL;   /* why the file there is not this run's */
		uint64_t h[7];
		for (;;) {
			if ((g = fopen(pj, "rb"))) {
				if (fread(h, sizeof h, 1, g) != 1 || h[0] != hdr[0] || h[1] != hdr[1] || h[2] != j || h[3] != hdr[3])
					other = "not a signature file of this shard with these parameters";
				else if (h[4] != hdr[4] || h[5] != hdr[5])
					other = "another number of records: the shards must read the same inputs";
				else if (h[6] != hdr[6])
					other = "the signatures of other inputs or parameters: the shards must read the same inputs with the same options";
				else break;
				/* written since this run started (give or take a second
				 * between the shards' starts): the other shard's, so they
				 * disagree; older: an earlier run's, waited past until this
				 * run's shard replaces it (by rename) */
				struct stat st;
				int fresh = fstat(fileno(g), &st) == 0 && st.st_mtim.tv_sec + 1 >= x->t0.tv_sec;
				fclose(g);
				g = NULL;
				if (fresh) cli_fatal(&x->c, "%s: shard %u/%u wrote %s", pj, j, x->shard_n, other);
			}
			if (waited >= limit) {
				if (other)
					cli_fatal(&x->c, "--shard: %s holds %s, and shard %u/%u did not replace it within %.0f s (SFTKIT_SHARD_TIMEOUT)",
						  pj, other, j, x->shard_n, limit);
				cli_fatal(&x->c, "--shard: shard %u/%u did not write %s within %.0f s (SFTKIT_SHARD_TIMEOUT)", j, x->shard_n, pj, limit);
			}
			usleep(50000);
			waited += 0.05;
		}
		uint32_t idx;
		uint8_t e;
		while (fread(&idx, sizeof idx, 1, g) == 1) {
			if (idx < x->nref || idx >= x->n || (idx - x->nref) % x->shard_n != j || fread(&e, 1, 1, g) != 1 ||
			    fread(x->sigs + (size_t)idx * np, sizeof(uint32_t), (size_t)np, g) != (size_t)np)
				cli_fatal(&x->c, "%s: a damaged signature file", pj);
			x->r[idx].empty = e;
		}
		fclose(g);
	}
}

static int spool_open(cli *c)
{
	char path[] = "/tmp/sftkit-dedup.XXXXXX";
	const char *td = getenv("TMPDIR");
	char buf[4096];
	snprintf(buf, sizeof buf, "%s/sftkit-dedup.XXXXXX", td && *td ? td : "/tmp");
	int fd = mkstemp(buf);
	if (fd < 0) { fd = mkstemp(path); if (fd < 0) cli_fatal(c, "cannot create a spool file: %m"); unlink(path); }
	else unlink(buf);
	return fd;
}

/* ---- exact mode alone: about 22 bytes per record ----
 * The key (16 bytes) and the rank (2) per record; after the input, an order
 * sorted by (key, rank, position) (4) makes the groups; the keys are then freed
 * and a survivor index per record (4) drives the second pass. Ids are read
 * back from the spool only for the survivors of groups, to write dup_of. */

static void id_of(const json_doc *d, uint32_t i, jbuf *out)
{
	uint32_t idn = json_get(d, 0, "id");
	if (json_type_of(d, idn) == JSON_STRING) json_str_append(d, idn, out);
	else if (json_type_of(d, idn) == JSON_NUMBER) { size_t l; const char *s = json_raw(d, idn, &l); jbuf_put(out, s, l); }
	else jbuf_printf(out, "#%u", i);
}

static dd_key lean_key(dd *x, const json_doc *d, const char *line, size_t len)
{
	if (x->jq) jq_view(x, line, len);
	else dd_normalize_opt(d, x->key, x->fold, &x->norm);
	return dd_exact_key(x->norm.p ? x->norm.p : "", x->norm.len);
}

struct lean_pair { uint32_t surv, off; };
static int pair_cmp(const void *a, const void *b)
{
	const struct lean_pair *x = a, *y = b;
	if (x->surv != y->surv) return x->surv < y->surv ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

#define LEAN_SINGLE DD_SINGLE
#define LEAN_OTHER 0x8000u     /* rank flag: another shard decides this record */

static int exact_lean(dd *x, const char *against, const char *clusters, int optind_)
{
	dd_key *keys = NULL;
	uint16_t *rank = NULL;
	size_t n = 0, cap = 0;
	jbuf refids = {0};
	uint32_t *refoff = NULL;
	json_doc d;
	json_doc_init(&d);
#define LEAN_PUSH(k, r) do { if (n == cap) { cap = cap ? cap * 2 : 1 << 16; keys = xrealloc(keys, cap * sizeof *keys); rank = xrealloc(rank, cap * sizeof *rank); } \
	keys[n] = (k); rank[n] = (r); n++; } while (0)
	if (against) {
		jsonl_reader jr;
		if (jsonl_open(&jr, against)) cli_fatal(&x->c, "%s: %m", against);
		const char *line;
		size_t len;
		unsigned long ln = 0;
		while (jsonl_next(&jr, &line, &len) > 0) {
			ln++;
			if (json_parse(&d, line, len) || json_type_of(&d, 0) != JSON_OBJECT) cli_fatal(&x->c, "%s:%lu: not a JSON object", against, ln);
			refoff = xrealloc(refoff, (n + 1) * sizeof *refoff);
			refoff[n] = (uint32_t)refids.len;
			id_of(&d, (uint32_t)n, &refids);
			jbuf_putc(&refids, 0);
			LEAN_PUSH(lean_key(x, &d, line, len), 0);
		}
		jsonl_close(&jr);
	}
	size_t nref = n;
	cli_open_output(&x->c, optind_);
	int spool = spool_open(&x->c);
	jsonl_writer sw;
	jsonl_writer_init(&sw, spool);
	const char *line, *last_file = NULL;
	size_t len;
	int32_t file_rank = -1;
	while (cli_next_record(&x->c, &line, &len)) {
		if (x->c.cur_file != last_file) { last_file = x->c.cur_file; file_rank++; }
		int32_t r = rank_of(x, &x->c.doc, file_rank) + 1;   /* 0: the reference set */
		if (r > 0x7FFE) r = 0x7FFE;
		dd_key k = lean_key(x, &x->c.doc, line, len);
		if (x->shard_n && (uint32_t)(k.hi % x->shard_n) != x->shard_i) r |= LEAN_OTHER;
		LEAN_PUSH(k, (uint16_t)r);
		if (jsonl_write_line(&sw, line, len)) cli_fatal(&x->c, "spool: %m");
	}
	warn_unseen_priority(x);
	warn_no_key(x);
	if (jsonl_writer_close(&sw)) cli_fatal(&x->c, "spool: %m");
#undef LEAN_PUSH
	/* groups: equal keys, best (rank, position) first; --keep-per-key keeps the first N */
	uint32_t *surv = xmalloc((n ? n : 1) * sizeof *surv);
	dd_exact_groups(keys, rank, n, x->keep_per_key, surv);
	free(keys);
	/* the survivors' ids, read back from the spool (only for groups) */
	size_t nsv = 0, svcap = 0;
	uint32_t *svidx = NULL, *svoff = NULL;
	jbuf svids = {0};
	jsonl_reader jr;
	if (lseek(spool, 0, SEEK_SET) < 0) cli_fatal(&x->c, "spool: %m");
	jsonl_open_fd(&jr, spool, "spool");
	for (uint32_t i = (uint32_t)nref; jsonl_next(&jr, &line, &len) > 0; i++) {
		if (surv[i] != i) continue;
		if (json_parse(&d, line, len)) cli_fatal(&x->c, "spool changed under us");
		if (nsv == svcap) { svcap = svcap ? svcap * 2 : 1024; svidx = xrealloc(svidx, svcap * sizeof *svidx); svoff = xrealloc(svoff, svcap * sizeof *svoff); }
		svidx[nsv] = i;
		svoff[nsv] = (uint32_t)svids.len;
		id_of(&d, i, &svids);
		jbuf_putc(&svids, 0);
		nsv++;
	}
	jsonl_close(&jr);
	/* pass 2 */
	if (lseek(spool, 0, SEEK_SET) < 0) cli_fatal(&x->c, "spool: %m");
	jsonl_open_fd(&jr, spool, "spool");
	jbuf rec = {0}, fld = {0}, cl = {0};
	struct lean_pair *pairs = NULL;
	size_t npairs = 0, pcap = 0;
	for (uint32_t i = (uint32_t)nref; jsonl_next(&jr, &line, &len) > 0; i++) {
		uint32_t s = surv[i], extra = s != LEAN_SINGLE && (s & DD_EXTRA);
		if (extra) s &= ~DD_EXTRA;
		if (rank[i] & LEAN_OTHER) { x->c.n_dropped++; cli_count(&x->c, "other_shard", 1); continue; }
		const char *sid = NULL;
		if (s != LEAN_SINGLE) {
			if (s < nref) sid = refids.p + refoff[s];
			else {
				size_t lo = 0, hi = nsv;
				while (lo < hi) { size_t mid = (lo + hi) / 2; if (svidx[mid] < s) lo = mid + 1; else hi = mid; }
				sid = svids.p + svoff[lo];
			}
			if (clusters) {
				if (json_parse(&d, line, len)) cli_fatal(&x->c, "spool changed under us");
				if (npairs == pcap) { pcap = pcap ? pcap * 2 : 1024; pairs = xrealloc(pairs, pcap * sizeof *pairs); }
				pairs[npairs].surv = s;
				pairs[npairs].off = (uint32_t)cl.len;
				npairs++;
				id_of(&d, i, &cl);
				jbuf_putc(&cl, 0);
			}
		}
		if (s == LEAN_SINGLE || extra || (s == i && !x->drop_clusters)) { cli_keep(&x->c, line, len); continue; }
		jbuf_reset(&fld);
		jbuf_puts(&fld, "\"dup_of\":");
		json_write_str(&fld, sid, strlen(sid));
		jbuf_reset(&rec);
		cli_annotate(&rec, line, len, fld.p, fld.len);
		cli_drop(&x->c, rec.p, rec.len, s == i ? "in_cluster" : "duplicate", NULL);
	}
	jsonl_close(&jr);
	if (clusters) {
		/* members in input order within each group, groups by survivor */
		jsonl_writer cw;
		if (jsonl_writer_open(&cw, clusters)) cli_fatal(&x->c, "%s: %m", clusters);
		/* by survivor, members in input order (their offsets grow with it) */
		qsort(pairs, npairs, sizeof *pairs, pair_cmp);
		jbuf o = {0};
		for (size_t a = 0; a < npairs;) {
			size_t b = a;
			uint32_t sv = pairs[a].surv;
			const char *sid;
			if (sv < nref) sid = refids.p + refoff[sv];
			else {
				size_t lo = 0, hi = nsv;
				while (lo < hi) { size_t mid = (lo + hi) / 2; if (svidx[mid] < sv) lo = mid + 1; else hi = mid; }
				sid = svids.p + svoff[lo];
			}
			jbuf_reset(&o);
			jbuf_puts(&o, "{\"survivor\":");
			json_write_str(&o, sid, strlen(sid));
			jbuf_puts(&o, ",\"members\":[");
			if (sv < nref) { json_write_str(&o, sid, strlen(sid)); jbuf_putc(&o, ','); }
			for (; b < npairs && pairs[b].surv == sv; b++) {
				if (b > a) jbuf_putc(&o, ',');
				const char *mid = cl.p + pairs[b].off;
				json_write_str(&o, mid, strlen(mid));
			}
			jbuf_puts(&o, "]}");
			if (jsonl_write_line(&cw, o.p, o.len)) cli_fatal(&x->c, "%s: %m", clusters);
			a = b;
		}
		jbuf_free(&o);
		if (jsonl_writer_close(&cw)) cli_fatal(&x->c, "%s: %m", clusters);
	}
	free(pairs);
	jbuf_free(&cl);
	jbuf_free(&rec);
	jbuf_free(&fld);
	jbuf_free(&svids);
	jbuf_free(&refids);
	free(svidx);
	free(svoff);
	free(refoff);
	free(surv);
	free(rank);
	json_doc_free(&d);
	close(spool);
	return cli_finish(&x->c);
}

int main(int argc, char **argv)
{
	enum { O_MODE = CLI_OPT_TOOL_BASE, O_PRIO, O_KEY, O_THR, O_NGRAM, O_BANDS, O_ROWS, O_AGAINST, O_DROPC, O_CLUSTERS, O_SHARD, O_SHARD_DIR, O_NORM, O_KEEPN };
	static const struct option opts[] = {
		CLI_COMMON_OPTIONS,
		{"mode", required_argument, 0, O_MODE},
		{"priority", required_argument, 0, O_PRIO},
		{"key", required_argument, 0, O_KEY},
		{"threshold", required_argument, 0, O_THR},
		{"ngram", required_argument, 0, O_NGRAM},
		{"bands", required_argument, 0, O_BANDS},
		{"rows", required_argument, 0, O_ROWS},
		{"against", required_argument, 0, O_AGAINST},
		{"drop-clusters", no_argument, 0, O_DROPC},
		{"clusters", required_argument, 0, O_CLUSTERS},
		{"shard", required_argument, 0, O_SHARD},
		{"shard-dir", required_argument, 0, O_SHARD_DIR},
		{"normalize", required_argument, 0, O_NORM},
		{"keep-per-key", required_argument, 0, O_KEEPN},
		{0, 0, 0, 0},
	};
	dd x;
	memset(&x, 0, sizeof x);
	x.mode_exact = x.mode_near = 1;
	x.keep_per_key = 1;
	x.threshold = 0.8;
	x.fold = 1;
	x.ngram = 5;
	x.bands = 14;
	x.rows = 8;
	const char *against = NULL, *clusters = NULL;
	int o;
	cli_init(&x.c, "dedup", usage, argc, argv);
	clock_gettime(CLOCK_REALTIME, &x.t0);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT, opts, NULL)) != -1) {
		if (cli_common_opt(&x.c, o, optarg)) continue;
		char *e;
		switch (o) {
		case O_MODE:
			if (!strcmp(optarg, "exact")) x.mode_near = 0;
			else if (!strcmp(optarg, "near")) x.mode_exact = 0;
			else if (strcmp(optarg, "both")) cli_usage_error(&x.c, "--mode: exact, near or both, not '%s'", optarg);
			break;
		case O_PRIO:
			for (char *t = strtok(optarg, ","); t; t = strtok(NULL, ",")) {
				x.prio = xrealloc(x.prio, (size_t)(x.nprio + 1) * sizeof *x.prio);
				x.prio[x.nprio++] = t;
				x.prio_seen = xrealloc(x.prio_seen, (size_t)x.nprio);
				x.prio_seen[x.nprio - 1] = 0;
			}
			break;
		case O_KEY:
			if (!strcmp(optarg, "all")) x.key = DD_KEY_ALL;
			else if (!strcmp(optarg, "user")) x.key = DD_KEY_USER;
			else {
				char err[512];
				if (!(x.jq = jqprog_compile(optarg, err, sizeof err)))
					cli_usage_error(&x.c, "--key: all, user, or a jq program; '%s' is none: %s", optarg, err);
			}
			break;
		case O_NORM:
			if (!strcmp(optarg, "default")) x.fold = 1;
			else if (!strcmp(optarg, "none")) x.fold = 0;
			else cli_usage_error(&x.c, "--normalize: default or none, not '%s'", optarg);
			break;
		case O_THR:
			x.threshold = strtod(optarg, &e);
			if (*e || x.threshold <= 0 || x.threshold > 1) cli_usage_error(&x.c, "--threshold: a number in (0,1], not '%s'", optarg);
			break;
		case O_NGRAM: {
			long v = strtol(optarg, &e, 10);
			if (*e || !*optarg || v < 1 || v > 32) cli_usage_error(&x.c, "--ngram: 1 to 32, not '%s'", optarg);
			x.ngram = (int)v;
			break;
		}
		case O_BANDS: {
			long v = strtol(optarg, &e, 10);
			if (*e || !*optarg || v < 1 || v > 1024) cli_usage_error(&x.c, "--bands: 1 to 1024, not '%s'", optarg);
			x.bands = (int)v;
			break;
		}
		case O_ROWS: {
			long v = strtol(optarg, &e, 10);
			if (*e || !*optarg || v < 1 || v > 64) cli_usage_error(&x.c, "--rows: 1 to 64, not '%s'", optarg);
			x.rows = (int)v;
			break;
		}
		case O_KEEPN: {
			long v = strtol(optarg, &e, 10);
			if (*e || !*optarg || v < 1 || v > 1000000) cli_usage_error(&x.c, "--keep-per-key: 1 to 1000000, not '%s'", optarg);
			x.keep_per_key = (unsigned)v;
			break;
		}
		case O_AGAINST: against = optarg; break;
		case O_DROPC: x.drop_clusters = 1; break;
		case O_CLUSTERS: clusters = optarg; break;
		case O_SHARD_DIR: x.shard_dir = optarg; break;
		case O_SHARD: {
			unsigned a, b;
			char tail;
			if (sscanf(optarg, "%u/%u%c", &a, &b, &tail) != 2 || !b || a >= b)
				cli_usage_error(&x.c, "--shard: I/N with 0 <= I < N, not '%s'", optarg);
			x.shard_i = a;
			x.shard_n = b;
			break;
		}
		default: cli_usage_error(&x.c, NULL);
		}
	}
	if (x.keep_per_key > 1 && (x.mode_near || x.drop_clusters))
		cli_usage_error(&x.c, "--keep-per-key N > 1 needs --mode exact and no --drop-clusters");
	if (x.bands * x.rows > 512) cli_usage_error(&x.c, "--bands x --rows: at most 512 MinHash values");
	dd_lsh_init(&x.lsh, x.bands, x.rows, x.threshold);
	if (x.shard_n && x.mode_near && !x.shard_dir)
		cli_usage_error(&x.c, "--shard with near duplicates needs --shard-dir DIR, a directory all shards share "
				      "(they exchange signatures there); --mode exact needs none");
	if (x.shard_dir && x.shard_n && x.mode_near && mkdir(x.shard_dir, 0755) && errno != EEXIST)
		cli_fatal(&x.c, "--shard-dir %s: %s", x.shard_dir, strerror(errno));
	if (x.shard_dir && x.shard_n && x.mode_near) {
		/* this shard's file of an earlier run goes before the others can read it */
		char own[4200];
		snprintf(own, sizeof own, "%s/sig-%u-of-%u.bin", x.shard_dir, x.shard_i, x.shard_n);
		unlink(own);
	}
	json_doc_init(&x.d);

	/* exact mode alone takes the lean path */
	if (x.mode_exact && !x.mode_near && !getenv("SFTKIT_DEDUP_GENERIC")) {
		int rc = exact_lean(&x, against, clusters, optind);
		free(x.prio);
		free(x.prio_seen);
		jbuf_free(&x.norm);
		jbuf_free(&x.jqtext);
		if (x.jq) jq_teardown(&x.jq);
		json_doc_free(&x.d);
		return rc;
	}

	/* the reference set first, spooled too (verification reads its records back) */
	int spool = spool_open(&x.c);
	x.spool = spool;
	json_doc_init(&x.vdoc);
	dd_verifier_init(&x.ver, x.ngram, x.threshold, spool_text, &x);
	jsonl_writer sw;
	jsonl_writer_init(&sw, spool);
	x.sw = &sw;
	if (against) {
		jsonl_reader jr;
		if (jsonl_open(&jr, against)) cli_fatal(&x.c, "%s: %m", against);
		const char *line;
		size_t len;
		unsigned long ln = 0;
		while (jsonl_next(&jr, &line, &len) > 0) {
			ln++;
			if (json_parse(&x.d, line, len) || json_type_of(&x.d, 0) != JSON_OBJECT)
				cli_fatal(&x.c, "%s:%lu: not a JSON object", against, ln);
			add_record(&x, &x.d, line, len, -1, 1);
			spool_line(&x, &sw, line, len);
		}
		jsonl_close(&jr);
	}
	size_t nref = x.n;
	x.nref = (uint32_t)nref;

	/* pass 1: keys and signatures; every line is spooled for pass 2 */
	cli_open_output(&x.c, optind);
	const char *line;
	size_t len;
	const char *last_file = NULL;
	int32_t file_rank = -1;
	while (cli_next_record(&x.c, &line, &len)) {
		if (x.c.cur_file != last_file) { last_file = x.c.cur_file; file_rank++; }
		add_record(&x, &x.c.doc, line, len, file_rank, 0);
		spool_line(&x, &sw, line, len);
	}
	warn_unseen_priority(&x);
	warn_no_key(&x);
	if (jsonl_writer_close(&sw)) cli_fatal(&x.c, "spool: %m");
	if (x.shard_n && x.mode_near) {
		exchange_signatures(&x);
		for (uint32_t i = 0; i < x.n; i++) near_union(&x, i);
	}
	if (x.shard_n && x.mode_near) near_verify(&x);

	/* the survivor and size of each group */
	uint32_t *best = xmalloc((x.n ? x.n : 1) * sizeof *best);
	uint32_t *size = xcalloc(x.n ? x.n : 1, sizeof *size);
	for (size_t i = 0; i < x.n; i++) best[i] = UINT32_MAX;
	for (uint32_t i = 0; i < x.n; i++) {
		uint32_t root = dd_uf_find(&x.uf, i);
		size[root]++;
		if (best[root] == UINT32_MAX || better(&x.r[i], i, &x.r[best[root]], best[root])) best[root] = i;
	}
	if (clusters) {
		jsonl_writer cw;
		if (jsonl_writer_open(&cw, clusters)) cli_fatal(&x.c, "%s: %m", clusters);
		jbuf b = {0};
		for (uint32_t i = 0; i < x.n; i++) {
			uint32_t root = dd_uf_find(&x.uf, i);
			if (root != i || size[root] < 2) continue;
			jbuf_reset(&b);
			const char *sid = x.ids.p + x.r[best[root]].id_off;
			jbuf_puts(&b, "{\"survivor\":");
			json_write_str(&b, sid, strlen(sid));
			jbuf_puts(&b, ",\"members\":[");
			int first = 1;
			for (uint32_t k = i; k < x.n; k++) {
				if (dd_uf_find(&x.uf, k) != root) continue;
				const char *mid = x.ids.p + x.r[k].id_off;
				if (!first) jbuf_putc(&b, ',');
				first = 0;
				json_write_str(&b, mid, strlen(mid));
			}
			jbuf_puts(&b, "]}");
			if (jsonl_write_line(&cw, b.p, b.len)) cli_fatal(&x.c, "%s: %m", clusters);
		}
		if (jsonl_writer_close(&cw)) cli_fatal(&x.c, "%s: %m", clusters);
		jbuf_free(&b);
	}

	/* pass 2: the spool, in input order */
	if (lseek(spool, 0, SEEK_SET) < 0) cli_fatal(&x.c, "spool: %m");
	jsonl_reader jr;
	jsonl_open_fd(&jr, spool, "spool");
	for (size_t k = 0; k < nref; k++)   /* the reference lines */
		if (jsonl_next(&jr, &line, &len) <= 0) cli_fatal(&x.c, "spool changed under us");
	jbuf detail = {0};
	for (uint32_t i = (uint32_t)nref; jsonl_next(&jr, &line, &len) > 0; i++) {
		uint32_t root = dd_uf_find(&x.uf, i), s = best[root];
		int mine = !x.shard_n || (x.mode_near ? (i - x.nref) % x.shard_n == x.shard_i
						       : (uint32_t)(x.r[i].key.hi % x.shard_n) == x.shard_i);
		if (!mine) {
			/* another shard's record: that shard decides it */
			x.c.n_dropped++;
			cli_count(&x.c, "other_shard", 1);
			continue;
		}
		if (size[root] == 1 || (s == i && !x.drop_clusters)) { cli_keep(&x.c, line, len); continue; }
		const char *reason = x.r[s].key.lo == x.r[i].key.lo && x.r[s].key.hi == x.r[i].key.hi ? "duplicate" : "near_duplicate";
		if (s == i) reason = "in_cluster";
		/* detail carries dup_of: cli_drop writes it as "detail"; add dup_of as its own field */
		jbuf_reset(&detail);
		const char *sid = x.ids.p + x.r[s].id_off;
		jbuf_puts(&detail, "\"dup_of\":");
		json_write_str(&detail, sid, strlen(sid));
		jbuf rec = {0};
		cli_annotate(&rec, line, len, detail.p, detail.len);
		cli_drop(&x.c, rec.p, rec.len, reason, NULL);
		jbuf_free(&rec);
	}
	jsonl_close(&jr);
	jbuf_free(&detail);
	free(best);
	free(size);
	free(x.r);
	free(x.sigs);
	dd_keytab_free(&x.keys);
	dd_lsh_free(&x.lsh);
	free(x.prio);
	free(x.prio_seen);
	jbuf_free(&x.ids);
	jbuf_free(&x.vline);
	dd_verifier_free(&x.ver);
	free(x.cand);
	free(x.hs);
	json_doc_free(&x.vdoc);
	jbuf_free(&x.norm);
	jbuf_free(&x.jqtext);
	if (x.jq) jq_teardown(&x.jq);
	dd_uf_free(&x.uf);
	json_doc_free(&x.d);
	return cli_finish(&x.c);
}

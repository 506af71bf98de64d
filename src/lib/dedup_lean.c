/* dedup_lean.c — exact mode alone, about 22 bytes per record (dedup_run.h).
 * The key (16 bytes) and the rank (2) per record; after the input, an order
 * sorted by (key, rank, position) (4) makes the groups (dedup_exact_groups); the
 * keys are then freed and a survivor index per record (4) drives the second
 * pass. Ids are read back from the spool only for the survivors of groups,
 * to write dup_of; the reference set's ids are kept, its lines not spooled. */
#include "dedup_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void push(dedup_run *r, dedup_key k, uint16_t rank)
{
	if (r->l.n == r->l.cap) {
		r->l.cap = r->l.cap ? r->l.cap * 2 : 1 << 16;
		r->l.keys = xrealloc(r->l.keys, r->l.cap * sizeof *r->l.keys);
		r->l.rank = xrealloc(r->l.rank, r->l.cap * sizeof *r->l.rank);
	}
	r->l.keys[r->l.n] = k;
	r->l.rank[r->l.n++] = rank;
}

int dedup_lean_add(dedup_run *r, const json_doc *d, const char *line, size_t len, int32_t file_rank, int ref,
		   uint64_t offset)
{
	int rc = dedup_view(r, d, line, len);
	if (rc) return rc;
	dedup_key k = dedup_exact_key(r->norm.p ? r->norm.p : "", r->norm.len);
	if (ref) {
		r->l.refoff = xrealloc(r->l.refoff, (r->l.n + 1) * sizeof *r->l.refoff);
		r->l.refoff[r->l.n] = (uint32_t)r->l.refids.len;
		dedup_id(d, (uint32_t)r->l.n, &r->l.refids);
		strbuf_putc(&r->l.refids, 0);
		push(r, k, 0);
		return 0;
	}
	int32_t rank = dedup_rank(r, d, file_rank) + 1;   /* 0: the reference set */
	if (rank > 0x7FFE) rank = 0x7FFE;
	if (r->cfg.shard_n && (uint32_t)(k.hi % r->cfg.shard_n) != r->cfg.shard_i) rank |= LEAN_OTHER;
	push(r, k, (uint16_t)rank);
	uint64_t where;
	return dedup_store(r, line, len, offset, &where);
}

int dedup_lean_resolve(dedup_run *r)
{
	size_t n = r->l.n;
	/* groups: equal keys, best (rank, position) first; keep_per_key keeps the first N */
	r->l.surv = xmalloc((n ? n : 1) * sizeof *r->l.surv);
	dedup_exact_groups(r->l.keys, r->l.rank, n, r->cfg.keep_per_key, r->l.surv);
	free(r->l.keys);
	r->l.keys = NULL;
	/* the survivors' ids, read back (only for groups) */
	int rc = dedup_rewind(r, 0), got;
	if (rc) return rc;
	const char *line;
	size_t len;
	uint32_t i = r->nref;
	for (; (got = dedup_next_line(r, &line, &len)) > 0; i++) {
		if (r->l.surv[i] != i) continue;
		if (json_parse(&r->d, line, len)) return dedup_fail(r, DEDUP_ERR, "spool changed under us");
		if (r->l.nsv == r->l.svcap) {
			r->l.svcap = r->l.svcap ? r->l.svcap * 2 : 1024;
			r->l.svidx = xrealloc(r->l.svidx, r->l.svcap * sizeof *r->l.svidx);
			r->l.svoff = xrealloc(r->l.svoff, r->l.svcap * sizeof *r->l.svoff);
		}
		r->l.svidx[r->l.nsv] = i;
		r->l.svoff[r->l.nsv++] = (uint32_t)r->l.svids.len;
		dedup_id(&r->d, i, &r->l.svids);
		strbuf_putc(&r->l.svids, 0);
	}
	if (got < 0) return got;
	rc = dedup_rewind(r, 0);
	r->next = r->nref;
	return rc;
}

/* The id of survivor s: a reference record's, or an input's read back. */
static const char *surv_id(const dedup_run *r, uint32_t s)
{
	if (s < r->nref) return r->l.refids.p + r->l.refoff[s];
	size_t lo = 0, hi = r->l.nsv;
	while (lo < hi) { size_t mid = (lo + hi) / 2; if (r->l.svidx[mid] < s) lo = mid + 1; else hi = mid; }
	return r->l.svids.p + r->l.svoff[lo];
}

static int pair_cmp(const void *a, const void *b)
{
	const struct lean_pair *x = a, *y = b;
	if (x->surv != y->surv) return x->surv < y->surv ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* The groups, by survivor, members in input order (their offsets grow with
 * it), a reference survivor first among its members. */
static int write_clusters(dedup_run *r)
{
	const char *path = r->cfg.clusters;
	jsonl_writer cw;
	if (jsonl_writer_open(&cw, path)) return dedup_fail(r, DEDUP_ERR, "%s: %s", path, strerror(errno));
	struct lean_pair *p = r->l.pairs;
	size_t np = r->l.npairs;
	qsort(p, np, sizeof *p, pair_cmp);
	strbuf o = {0};
	int ok = 1;
	for (size_t a = 0, b; a < np && ok; a = b) {
		uint32_t sv = p[a].surv;
		const char *sid = surv_id(r, sv);
		strbuf_reset(&o);
		strbuf_puts(&o, "{\"survivor\":");
		json_write_str(&o, sid, strlen(sid));
		strbuf_puts(&o, ",\"members\":[");
		if (sv < r->nref) { json_write_str(&o, sid, strlen(sid)); strbuf_putc(&o, ','); }
		for (b = a; b < np && p[b].surv == sv; b++) {
			if (b > a) strbuf_putc(&o, ',');
			const char *mid = r->l.cl.p + p[b].off;
			json_write_str(&o, mid, strlen(mid));
		}
		strbuf_puts(&o, "]}");
		ok = !jsonl_write_line(&cw, o.p, o.len);
	}
	strbuf_free(&o);
	int e = cw.err;
	if (jsonl_writer_close(&cw) || !ok) return dedup_fail(r, DEDUP_ERR, "%s: %s", path, strerror(e ? e : cw.err ? cw.err : errno));
	return 0;
}

int dedup_lean_next(dedup_run *r, dedup_verdict *v)
{
	const char *line;
	size_t len;
	int got = dedup_next_line(r, &line, &len);
	if (got < 0) return got;
	if (!got) return r->cfg.clusters ? write_clusters(r) : 0;
	uint32_t i = r->next++;
	if (i >= r->l.n) return dedup_fail(r, DEDUP_ERR, "spool changed under us");
	uint32_t s = r->l.surv[i], extra = s != DEDUP_SINGLE && (s & DEDUP_EXTRA);
	if (extra) s &= ~DEDUP_EXTRA;
	v->line = line;
	v->len = len;
	v->reason = v->dup_of = NULL;
	if (r->l.rank[i] & LEAN_OTHER) { v->reason = "other_shard"; return 1; }
	if (s != DEDUP_SINGLE && r->cfg.clusters) {
		if (json_parse(&r->d, line, len)) return dedup_fail(r, DEDUP_ERR, "spool changed under us");
		if (r->l.npairs == r->l.pcap) {
			r->l.pcap = r->l.pcap ? r->l.pcap * 2 : 1024;
			r->l.pairs = xrealloc(r->l.pairs, r->l.pcap * sizeof *r->l.pairs);
		}
		r->l.pairs[r->l.npairs].surv = s;
		r->l.pairs[r->l.npairs++].off = (uint32_t)r->l.cl.len;
		dedup_id(&r->d, i, &r->l.cl);
		strbuf_putc(&r->l.cl, 0);
	}
	if (s == DEDUP_SINGLE || extra || (s == i && !r->cfg.drop_clusters)) return 1;
	v->reason = s == i ? "in_cluster" : "duplicate";
	v->dup_of = surv_id(r, s);
	return 1;
}

void dedup_lean_free(dedup_run *r)
{
	free(r->l.keys);
	free(r->l.rank);
	free(r->l.refoff);
	free(r->l.surv);
	free(r->l.svidx);
	free(r->l.svoff);
	free(r->l.pairs);
	strbuf_free(&r->l.refids);
	strbuf_free(&r->l.svids);
	strbuf_free(&r->l.cl);
}

/* dedup_run.c — a deduplication run (dedup_run.h): the common parts (the
 * compared text, ranks, ids, the spool, the reference set) and the record
 * table of near mode (and of exact mode with near, or with cfg.generic). */
#include "dedup_priv.h"
#include "dedup_shard.h"
#include "jqprog.h"

#include <xxhash.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int dedup_fail(dedup_run *r, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
	return code;
}

static int nperm(const dedup_run *r) { return r->cfg.bands * r->cfg.rows; }
static int spool_text(void *ctx, uint32_t i, const char **t, size_t *n);

dedup_run *dedup_new(const dedup_cfg *cfg)
{
	dedup_run *r = xcalloc(1, sizeof *r);
	r->cfg = *cfg;
	r->lean = cfg->exact && !cfg->near && !cfg->generic;
	r->spool = -1;
	r->prio_seen = xcalloc((size_t)(cfg->npriority ? cfg->npriority : 1), 1);
	json_doc_init(&r->d);
	json_doc_init(&r->vdoc);
	if (cfg->near) dedup_lsh_init(&r->lsh, cfg->bands, cfg->rows, cfg->threshold);
	if (!r->lean) dedup_verifier_init(&r->ver, cfg->ngram, cfg->threshold, spool_text, r);
	return r;
}

const char *dedup_errmsg(const dedup_run *r) { return r->err; }
uint64_t dedup_nokey(const dedup_run *r) { return r->nokey; }
int dedup_priority_seen(const dedup_run *r, int k) { return k >= 0 && k < r->cfg.npriority && r->prio_seen[k]; }

/* --key PROGRAM: the program's outputs (strings as text, other values as
 * JSON), joined by a separator, then normalized like conversations */
static int jq_view(dedup_run *r, const char *line, size_t len)
{
	jq_state *jq = r->cfg.jq;
	strbuf_reset(&r->jqtext);
	int any = 0;   /* an output that is a key: not null, not "" */
	jv in;
	char err[300];
	if (jqprog_parse(line, len, &in, err, sizeof err)) return dedup_fail(r, DEDUP_EDATA, "--key: %s", err);
	jq_start(jq, in, 0);
	jv o;
	while (jv_is_valid(o = jq_next(jq))) {
		jv_kind kd = jv_get_kind(o);
		if (kd != JV_KIND_NULL && (kd != JV_KIND_STRING || jv_string_length_bytes(jv_copy(o)) > 0)) any = 1;
		if (kd == JV_KIND_STRING) strbuf_put(&r->jqtext, jv_string_value(o), (size_t)jv_string_length_bytes(jv_copy(o)));
		else {
			jv sdump = jv_dump_string(jv_copy(o), JV_PRINT_SORTED);
			strbuf_puts(&r->jqtext, jv_string_value(sdump));
			jv_free(sdump);
		}
		strbuf_putc(&r->jqtext, '\x1f');
		jv_free(o);
	}
	if (jv_invalid_has_msg(jv_copy(o))) {
		jv msg = jv_invalid_get_msg(o);
		int rc = dedup_fail(r, DEDUP_EDATA, "--key: %s",
				    jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "the program failed");
		jv_free(msg);
		return rc;
	}
	jv_free(o);
	strbuf_reset(&r->norm);
	if (!any) {
		/* null, "" or nothing is not a key: a key of its own, so the record
		 * is kept and compared with none (counted as no_key) */
		strbuf_printf(&r->norm, "\x1e%llu", (unsigned long long)r->nokey++);
		return 0;
	}
	const char *t = r->jqtext.p ? r->jqtext.p : "";
	if (!r->cfg.fold) { strbuf_put(&r->norm, t, r->jqtext.len); return 0; }
	strbuf tmp = {0};
	dedup_nfc(t, r->jqtext.len, 1, &tmp);
	dedup_fold(tmp.p ? tmp.p : "", tmp.len, &r->norm);
	strbuf_free(&tmp);
	return 0;
}

int dedup_view(dedup_run *r, const json_doc *d, const char *line, size_t len)
{
	if (r->cfg.jq) return jq_view(r, line, len);
	dedup_normalize_opt(d, r->cfg.key, r->cfg.fold, &r->norm);
	return 0;
}

int32_t dedup_rank(dedup_run *r, const json_doc *d, int32_t file_rank)
{
	const dedup_cfg *c = &r->cfg;
	if (!c->npriority) return file_rank;
	uint32_t src = json_get(d, 0, "source");
	for (int k = 0; k < c->npriority && json_type_of(d, src) == JSON_STRING; k++)
		if (json_str_eq(d, src, c->priority[k], strlen(c->priority[k]))) { r->prio_seen[k] = 1; return k; }
	return c->npriority + file_rank;
}

void dedup_id(const json_doc *d, uint32_t i, strbuf *out)
{
	uint32_t idn = json_get(d, 0, "id");
	if (json_type_of(d, idn) == JSON_STRING) json_str_append(d, idn, out);
	else if (json_type_of(d, idn) == JSON_NUMBER) { size_t l; const char *s = json_raw(d, idn, &l); strbuf_put(out, s, l); }
	else strbuf_printf(out, "#%u", i);
}

int dedup_store(dedup_run *r, const char *line, size_t len, uint64_t offset, uint64_t *where)
{
	dedup_src *s = &r->src[r->nsrc - 1];
	s->nrec++;
	if (s->fd < 0) {
		*where = r->spooled;
		if (jsonl_write_line(&r->sw, line, len))
			return dedup_fail(r, DEDUP_ERR, "spool: %s", strerror(r->sw.err ? r->sw.err : errno));
		r->spooled += len + 1;
		return 0;
	}
	if (offset != s->expect) {   /* lines between that were not records */
		if (s->ngaps == s->gapcap) {
			s->gapcap = s->gapcap ? s->gapcap * 2 : 16;
			s->gaps = xrealloc(s->gaps, s->gapcap * sizeof *s->gaps);
		}
		s->gaps[s->ngaps][0] = s->expect;
		s->gaps[s->ngaps++][1] = offset;
	}
	s->expect = offset + len + 1;
	*where = offset;
	return 0;
}

int dedup_start(dedup_run *r)
{
	const dedup_cfg *c = &r->cfg;
	if (c->shard_n && c->near) {
		dedup_shard s = { c->shard_dir, c->shard_i, c->shard_n, nperm(r), c->shard_timeout, c->t0 };
		if (dedup_shard_prepare(&s, r->err, sizeof r->err)) return DEDUP_ERR;
	}
	return 0;
}

/* A new input: in place when fd is a regular file, else spooled (the spool
 * made now if it is the first). */
static int new_src(dedup_run *r, int fd, const char *name)
{
	if (r->nsrc >= DEDUP_MAX_INPUTS) return dedup_fail(r, DEDUP_ERR, "%s: more than %d inputs", name, DEDUP_MAX_INPUTS);
	struct stat st;
	int dup = -1;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		dup = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (dup < 0) return dedup_fail(r, DEDUP_ERR, "%s: %s", name, strerror(errno));
	} else if (r->spool < 0) {
		char e[4200];
		r->spool = util_spool_open(r->cfg.tmpdir, "sftkit-dedup", e, sizeof e);
		if (r->spool < 0)
			return dedup_fail(r, DEDUP_ERR, "%s: not a regular file, so it is copied to a spool: %s", name, e);
		jsonl_writer_init(&r->sw, r->spool);
		r->sw_open = 1;
	}
	r->src = xrealloc(r->src, (size_t)(r->nsrc + 1) * sizeof *r->src);
	dedup_src *s = &r->src[r->nsrc++];
	memset(s, 0, sizeof *s);
	s->name = xstrdup(name);
	s->fd = dup;
	if (dup >= 0) {
		s->size = st.st_size;
		s->mtime = st.st_mtim;
	}
	return 0;
}

int dedup_input(dedup_run *r, int fd, const char *name)
{
	r->has_input = 1;
	return new_src(r, fd, name) ? DEDUP_ERR : 0;
}

/* An input read in place that changed since it was first seen: its lines
 * would not be the ones read. */
static int check_unchanged(dedup_run *r)
{
	for (int k = 0; k < r->nsrc; k++) {
		dedup_src *s = &r->src[k];
		struct stat st;
		if (s->fd < 0) continue;
		if (fstat(s->fd, &st)) return dedup_fail(r, DEDUP_ERR, "%s: %s", s->name, strerror(errno));
		if (st.st_size != s->size || st.st_mtim.tv_sec != s->mtime.tv_sec || st.st_mtim.tv_nsec != s->mtime.tv_nsec)
			return dedup_fail(r, DEDUP_ERR, "%s: the file changed while dedup read it (size %lld, then %lld)",
					  s->name, (long long)s->size, (long long)st.st_size);
	}
	return 0;
}

/* The text callback of the verifier: record i's line in the spool, its
 * compared text made again. */
static int spool_text(void *ctx, uint32_t i, const char **t, size_t *n)
{
	dedup_run *r = ctx;
	const dedup_rec *e = &r->r[i];
	int fd = r->src[e->src].fd;
	size_t len = (size_t)e->len, got = 0;
	if (fd < 0) {
		fd = r->spool;
		if (e->off + len >= r->sw.bytes && jsonl_flush(&r->sw)) return -1;
	}
	strbuf_reset(&r->vline);
	strbuf_reserve(&r->vline, len + 1);
	while (got < len) {
		ssize_t k = pread(fd, r->vline.p + got, len - got, (off_t)(e->off + got));
		if (k < 0 && errno == EINTR) continue;
		if (k <= 0) return -1;
		got += (size_t)k;
	}
	r->vline.len = len;
	r->vline.p[len] = 0;
	if (!r->cfg.jq && json_parse(&r->vdoc, r->vline.p, len)) return -1;
	if (dedup_view(r, &r->vdoc, r->vline.p, len)) return -1;
	*t = r->norm.p ? r->norm.p : "";
	*n = r->norm.len;
	return 0;
}

/* The candidate pairs record i makes, for near_verify. */
static void near_union(dedup_run *r, uint32_t i)
{
	uint32_t c[1024];
	if (r->empty[i]) return;
	int m = dedup_lsh_candidates(&r->lsh, r->sigs, i, &r->uf, c);
	for (int k = 0; k < m; k++) {
		if (r->ncand == r->candcap) {
			r->candcap = r->candcap ? r->candcap * 2 : 1024;
			r->cand = xrealloc(r->cand, r->candcap * sizeof *r->cand);
		}
		r->cand[r->ncand][0] = c[k];
		r->cand[r->ncand++][1] = i;
	}
}

/* Join the candidate pairs whose exact Jaccard reaches the threshold, then
 * forget them (one record's, in one process; all, after a shard exchange). The
 * groups are the connected components of the pairs that do, whatever the
 * order; a pair already in one group needs no measuring. */
static int near_verify(dedup_run *r)
{
	for (size_t k = 0; k < r->ncand; k++) {
		uint32_t a = r->cand[k][0], b = r->cand[k][1];
		double j;
		if (dedup_uf_find(&r->uf, a) == dedup_uf_find(&r->uf, b)) continue;
		if (dedup_verifier_jaccard(&r->ver, a, b, &j)) {
			r->ncand = 0;
			if (r->err[0]) return DEDUP_EDATA;   /* the --key program failed */
			return dedup_fail(r, DEDUP_ERR, "%s: a record did not read back for verification",
					  r->src[r->r[b].src].fd < 0 ? "spool" : r->src[r->r[b].src].name);
		}
		if (j >= r->cfg.threshold) dedup_uf_union(&r->uf, a, b);
	}
	r->ncand = 0;
	return 0;
}

static int mine_near(const dedup_run *r, uint32_t i)
{
	return (i - r->nref) % r->cfg.shard_n == r->cfg.shard_i;
}

/* Pass 1 for one record: keys, signature, unions. */
static int add_record(dedup_run *r, const json_doc *d, const char *line, size_t len, int32_t file_rank, int ref,
		      uint64_t where)
{
	const dedup_cfg *c = &r->cfg;
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 4096;
		r->r = xrealloc(r->r, r->cap * sizeof *r->r);
		r->empty = xrealloc(r->empty, r->cap);
		if (c->near) r->sigs = xrealloc(r->sigs, r->cap * nperm(r) * sizeof *r->sigs);
	}
	uint32_t i = (uint32_t)r->n++;
	dedup_rec *e = &r->r[i];
	memset(e, 0, sizeof *e);
	r->empty[i] = 0;
	e->ref = (uint8_t)ref;
	e->src = (uint16_t)(r->nsrc - 1);
	e->off = where;
	e->len = len;
	dedup_uf_add(&r->uf);
	e->rank = ref ? -1 : dedup_rank(r, d, file_rank);
	e->id_off = (uint32_t)r->ids.len;
	dedup_id(d, i, &r->ids);
	strbuf_putc(&r->ids, 0);

	int rc = dedup_view(r, d, line, len);
	if (rc) return rc;
	e->key = dedup_exact_key(r->norm.p ? r->norm.p : "", r->norm.len);
	if (c->exact) {
		uint32_t f = dedup_keytab_first(&r->keys, e->key, i);
		if (f != i) dedup_uf_union(&r->uf, f, i);
	}
	if (!c->near) return 0;
	uint32_t *sig = r->sigs + (size_t)i * nperm(r);
	if (c->shard_n && !ref && !mine_near(r, i)) {
		/* another shard's record: its signature comes from that shard */
		memset(sig, 0, (size_t)nperm(r) * sizeof *sig);
		return 0;
	}
	size_t m = dedup_shingle_hashes(r->norm.p, r->norm.len, c->ngram, &r->hs, &r->hscap);
	dedup_minhash_of(r->hs, m, sig, nperm(r));
	r->empty[i] = m == 0;
	/* the verifier keeps the last records' shingles: most pairs are near in the input */
	dedup_verifier_put(&r->ver, i, &r->hs, m, &r->hscap);
	if (c->shard_n) return 0;
	near_union(r, i);
	return near_verify(r);
}

static int add_one(dedup_run *r, const json_doc *d, const char *line, size_t len, int32_t file_rank, int ref,
		   uint64_t offset)
{
	if (r->lean) return dedup_lean_add(r, d, line, len, file_rank, ref, offset);
	/* stored first: the verifier may read it back at once */
	uint64_t where;
	int rc = dedup_store(r, line, len, offset, &where);
	if (rc) return rc;
	return add_record(r, d, line, len, file_rank, ref, where);
}

int dedup_against(dedup_run *r, const char *path)
{
	jsonl_reader jr;
	if (jsonl_open(&jr, path)) return dedup_fail(r, DEDUP_ERR, "%s: %s", path, strerror(errno));
	/* lean mode keeps the reference set's keys and ids, not its lines */
	if (!r->lean && new_src(r, lseek(jr.fd, 0, SEEK_CUR) == 0 ? jr.fd : -1, path)) {
		jsonl_close(&jr);
		return DEDUP_ERR;
	}
	const char *line;
	size_t len;
	unsigned long ln = 0;
	int rc = 0;
	while (!rc && jsonl_next(&jr, &line, &len) > 0) {
		ln++;
		if (json_parse(&r->d, line, len) || json_type_of(&r->d, 0) != JSON_OBJECT)
			rc = dedup_fail(r, DEDUP_ERR, "%s:%lu: not a JSON object", path, ln);
		else rc = add_one(r, &r->d, line, len, -1, 1, jr.offset);
	}
	if (!rc && jr.err) rc = dedup_fail(r, DEDUP_ERR, "%s: %s", path, strerror(jr.err));
	jsonl_close(&jr);
	r->nref = (uint32_t)(r->lean ? r->l.n : r->n);
	return rc;
}

int dedup_add(dedup_run *r, const json_doc *d, const char *line, size_t len, int32_t file_rank, uint64_t offset)
{
	if (!r->has_input && dedup_input(r, -1, "input")) return DEDUP_ERR;
	return add_one(r, d, line, len, file_rank, 0, offset);
}

/* What identifies a run to its shards: every record's exact key (so the
 * inputs and what is compared) and the near-mode parameters. A signature
 * file of another run in the same --shard-dir (stale, or of other inputs
 * with as many records) carries another tag and is not read. */
static uint64_t run_tag(const dedup_run *r)
{
	const dedup_cfg *c = &r->cfg;
	XXH3_state_t *st = XXH3_createState();
	XXH3_64bits_reset(st);
	int64_t par[6] = { c->ngram, c->bands, c->rows, c->fold, (int64_t)r->n, (int64_t)r->nref };
	XXH3_64bits_update(st, par, sizeof par);
	XXH3_64bits_update(st, &c->threshold, sizeof c->threshold);
	for (size_t i = 0; i < r->n; i++) XXH3_64bits_update(st, &r->r[i].key, sizeof r->r[i].key);
	uint64_t t = XXH3_64bits_digest(st);
	XXH3_freeState(st);
	return t;
}

static int better(const dedup_rec *a, uint32_t ai, const dedup_rec *b, uint32_t bi)
{
	return a->rank != b->rank ? a->rank < b->rank : ai < bi;
}

/* Each group with two members or more, by its first record:
 * {"survivor":id,"members":[ids in input order]} */
static int write_clusters(dedup_run *r)
{
	const char *path = r->cfg.clusters;
	jsonl_writer cw;
	if (jsonl_writer_open(&cw, path)) return dedup_fail(r, DEDUP_ERR, "%s: %s", path, strerror(errno));
	strbuf b = {0};
	int ok = 1;
	for (uint32_t i = 0; i < r->n && ok; i++) {
		uint32_t root = dedup_uf_find(&r->uf, i);
		if (root != i || r->size[root] < 2) continue;
		strbuf_reset(&b);
		const char *sid = r->ids.p + r->r[r->best[root]].id_off;
		strbuf_puts(&b, "{\"survivor\":");
		json_write_str(&b, sid, strlen(sid));
		strbuf_puts(&b, ",\"members\":[");
		int first = 1;
		for (uint32_t k = i; k < r->n; k++) {
			if (dedup_uf_find(&r->uf, k) != root) continue;
			const char *mid = r->ids.p + r->r[k].id_off;
			if (!first) strbuf_putc(&b, ',');
			first = 0;
			json_write_str(&b, mid, strlen(mid));
		}
		strbuf_puts(&b, "]}");
		ok = !jsonl_write_line(&cw, b.p, b.len);
	}
	strbuf_free(&b);
	int e = cw.err;
	if (jsonl_writer_close(&cw) || !ok) return dedup_fail(r, DEDUP_ERR, "%s: %s", path, strerror(e ? e : cw.err ? cw.err : errno));
	return 0;
}

int dedup_rewind(dedup_run *r, uint32_t skip)
{
	if (r->jr_open) { jsonl_close(&r->jr); r->jr_open = 0; }
	if (r->pr_open) { jsonl_close(&r->pr); r->pr_open = 0; }
	if (r->spool >= 0) {
		if (lseek(r->spool, 0, SEEK_SET) < 0) return dedup_fail(r, DEDUP_ERR, "spool: %s", strerror(errno));
		jsonl_open_fd(&r->jr, r->spool, "spool");
		r->jr_open = 1;
	}
	r->cur = 0;
	r->left = r->nsrc ? r->src[0].nrec : 0;
	r->gap = 0;
	r->next = skip;
	const char *line;
	size_t len;
	while (skip) {
		/* whole inputs read in place are passed over unread */
		if (r->cur < r->nsrc && r->src[r->cur].fd >= 0 && r->left && skip >= r->left) {
			skip -= (uint32_t)r->left;
			r->left = 0;
			continue;
		}
		int got = dedup_next_line(r, &line, &len);
		if (got < 0) return got;
		if (!got) return dedup_fail(r, DEDUP_ERR, "spool changed under us");
		skip--;
	}
	return 0;
}

int dedup_next_line(dedup_run *r, const char **line, size_t *len)
{
	for (;;) {
		if (r->cur >= r->nsrc) return 0;
		dedup_src *s = &r->src[r->cur];
		if (!r->left) {
			if (r->pr_open) { jsonl_close(&r->pr); r->pr_open = 0; }
			if (++r->cur < r->nsrc) r->left = r->src[r->cur].nrec;
			r->gap = 0;
			continue;
		}
		if (s->fd < 0) {   /* spooled: the spool holds its records in order */
			int got = jsonl_next(&r->jr, line, len);
			if (got < 0) return dedup_fail(r, DEDUP_ERR, "spool: %s", strerror(r->jr.err));
			if (!got) return dedup_fail(r, DEDUP_ERR, "spool changed under us");
			r->left--;
			return 1;
		}
		if (!r->pr_open) {
			if (lseek(s->fd, 0, SEEK_SET) < 0) return dedup_fail(r, DEDUP_ERR, "%s: %s", s->name, strerror(errno));
			jsonl_open_fd(&r->pr, s->fd, s->name);   /* the fd stays ours */
			r->pr_open = 1;
		}
		int got = jsonl_next(&r->pr, line, len);
		if (got < 0) return dedup_fail(r, DEDUP_ERR, "%s: read error: %s", s->name, strerror(r->pr.err));
		if (!got) return dedup_fail(r, DEDUP_ERR, "%s: the file changed while dedup read it (it ends early)", s->name);
		uint64_t o = r->pr.offset;
		while (r->gap < s->ngaps && o >= s->gaps[r->gap][1]) r->gap++;
		if (r->gap < s->ngaps && o >= s->gaps[r->gap][0]) continue;   /* a line that was not a record */
		r->left--;
		return 1;
	}
}

int dedup_resolve(dedup_run *r)
{
	const dedup_cfg *c = &r->cfg;
	if (r->sw_open) {
		r->sw_open = 0;
		int e = jsonl_writer_close(&r->sw) ? (r->sw.err ? r->sw.err : errno) : 0;
		if (e) return dedup_fail(r, DEDUP_ERR, "spool: %s", strerror(e));
	}
	if (check_unchanged(r)) return DEDUP_ERR;
	if (r->lean) return dedup_lean_resolve(r);
	if (c->shard_n && c->near) {
		dedup_shard s = { c->shard_dir, c->shard_i, c->shard_n, nperm(r), c->shard_timeout, c->t0 };
		if (dedup_shard_exchange(&s, (uint32_t)r->n, r->nref, run_tag(r), r->sigs, r->empty, r->err, sizeof r->err))
			return DEDUP_ERR;
		for (uint32_t i = 0; i < r->n; i++) near_union(r, i);
		int rc = near_verify(r);
		if (rc) return rc;
	}
	/* the survivor and size of each group */
	r->best = xmalloc((r->n ? r->n : 1) * sizeof *r->best);
	r->size = xcalloc(r->n ? r->n : 1, sizeof *r->size);
	for (size_t i = 0; i < r->n; i++) r->best[i] = UINT32_MAX;
	for (uint32_t i = 0; i < r->n; i++) {
		uint32_t root = dedup_uf_find(&r->uf, i), *b = &r->best[root];
		r->size[root]++;
		if (*b == UINT32_MAX || better(&r->r[i], i, &r->r[*b], *b)) *b = i;
	}
	if (c->clusters) {
		int rc = write_clusters(r);
		if (rc) return rc;
	}
	return dedup_rewind(r, r->nref);
}

int dedup_next(dedup_run *r, dedup_verdict *v)
{
	if (r->lean) return dedup_lean_next(r, v);
	const dedup_cfg *c = &r->cfg;
	const char *line;
	size_t len;
	int got = dedup_next_line(r, &line, &len);
	if (got <= 0) return got;
	uint32_t i = r->next++;
	if (i >= r->n) return dedup_fail(r, DEDUP_ERR, "spool changed under us");
	uint32_t root = dedup_uf_find(&r->uf, i), s = r->best[root];
	v->line = line;
	v->len = len;
	v->reason = v->dup_of = NULL;
	int mine = !c->shard_n || (c->near ? mine_near(r, i) : (uint32_t)(r->r[i].key.hi % c->shard_n) == c->shard_i);
	if (!mine) { v->reason = "other_shard"; return 1; }   /* that shard decides it */
	if (r->size[root] == 1 || (s == i && !c->drop_clusters)) return 1;
	int same = r->r[s].key.lo == r->r[i].key.lo && r->r[s].key.hi == r->r[i].key.hi;
	v->reason = s == i ? "in_cluster" : same ? "duplicate" : "near_duplicate";
	v->dup_of = r->ids.p + r->r[s].id_off;
	return 1;
}

void dedup_free(dedup_run *r)
{
	if (!r) return;
	if (r->sw_open) jsonl_writer_close(&r->sw);
	if (r->jr_open) jsonl_close(&r->jr);
	if (r->pr_open) jsonl_close(&r->pr);
	if (r->spool >= 0) close(r->spool);
	for (int k = 0; k < r->nsrc; k++) {
		if (r->src[k].fd >= 0) close(r->src[k].fd);
		free(r->src[k].name);
		free(r->src[k].gaps);
	}
	free(r->src);
	dedup_lean_free(r);
	free(r->r);
	free(r->sigs);
	free(r->empty);
	free(r->best);
	free(r->size);
	free(r->cand);
	free(r->hs);
	free(r->prio_seen);
	dedup_keytab_free(&r->keys);
	if (r->cfg.near) dedup_lsh_free(&r->lsh);
	dedup_uf_free(&r->uf);
	if (!r->lean) dedup_verifier_free(&r->ver);
	strbuf_free(&r->ids);
	strbuf_free(&r->vline);
	strbuf_free(&r->norm);
	strbuf_free(&r->jqtext);
	strbuf_free(&r->rec);
	strbuf_free(&r->fld);
	json_doc_free(&r->d);
	json_doc_free(&r->vdoc);
	free(r);
}

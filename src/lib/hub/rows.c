/* rows.c — rows of Parquet, JSONL and JSON files, plain or compressed. See rows.h. */
#include "hub/rows.h"
#include "json.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

/* A byte source: plain or gzip through zlib (gzread reads both), or zstd. */
typedef struct src {
	gzFile gz;
	FILE *fp;
	ZSTD_DCtx *zd;
	unsigned char *zin;
	ZSTD_inBuffer in;
	size_t last;      /* ZSTD_decompressStream's last hint: 0 at a frame's end */
	int eof;
} src;

static int src_open(src *s, const char *path, int zst)
{
	memset(s, 0, sizeof *s);
	if (zst) {
		s->fp = fopen(path, "rb");
		if (!s->fp) return -1;
		s->zd = ZSTD_createDCtx();
		s->zin = xmalloc(ZSTD_DStreamInSize());
		return 0;
	}
	s->gz = gzopen(path, "rb");
	if (!s->gz) return -1;
	gzbuffer(s->gz, 1 << 17);
	return 0;
}

/* Read up to n bytes: >0, 0 at the end, -1 on error (msg set). */
static long src_read(src *s, unsigned char *buf, size_t n, const char **msg)
{
	if (s->gz) {
		int r = gzread(s->gz, buf, n > (1u << 30) ? (1u << 30) : (unsigned)n);
		int e = Z_OK;
		if (r < 0) { *msg = gzerror(s->gz, &e); return -1; }
		/* gzread ends a stream cut short (at a flush point, without its
		 * trailer, or in a later member) as if it were whole; only the
		 * state it leaves says Z_BUF_ERROR, "unexpected end of file" */
		if (r == 0 && (gzerror(s->gz, &e), e == Z_BUF_ERROR)) { *msg = "truncated gzip stream"; return -1; }
		return r;
	}
	ZSTD_outBuffer out = { buf, n, 0 };
	while (out.pos == 0) {
		if (s->in.pos == s->in.size) {
			if (s->eof) return 0;
			size_t got = fread(s->zin, 1, ZSTD_DStreamInSize(), s->fp);
			if (got == 0) {
				if (ferror(s->fp)) { *msg = strerror(errno); return -1; }
				s->eof = 1;
				/* a frame cut short is an error, not an end */
				if (s->last) { *msg = "truncated zstd stream"; return -1; }
				return 0;
			}
			s->in.src = s->zin;
			s->in.size = got;
			s->in.pos = 0;
		}
		size_t r = ZSTD_decompressStream(s->zd, &out, &s->in);
		if (ZSTD_isError(r)) { *msg = ZSTD_getErrorName(r); return -1; }
		s->last = r;
	}
	return (long)out.pos;
}

static void src_close(src *s)
{
	if (s->gz) gzclose(s->gz);
	if (s->fp) fclose(s->fp);
	if (s->zd) ZSTD_freeDCtx(s->zd);
	free(s->zin);
}

static int ends_with(const char *s, const char *suf)
{
	size_t n = strlen(s), m = strlen(suf);
	return n >= m && !strcasecmp(s + n - m, suf);
}

typedef struct rowctx {
	const pq_options *opt;
	pq_row_fn fn;
	void *ctx;
	uint64_t n;
	json_doc d;
	strbuf out;
	const char *name;
	uint64_t line;
	char *err;
	size_t errlen;
} rowctx;

static int want_col(const pq_options *o, const char *k, size_t kl)
{
	if (!o->ncolumns) return 1;
	for (size_t i = 0; i < o->ncolumns; i++)
		if (strlen(o->columns[i]) == kl && !memcmp(o->columns[i], k, kl)) return 1;
	return 0;
}

/* Give element i of ctx->d (an object) to fn after --where and --columns.
 * 1 to stop, 0 to go on, -1 on a row that is not an object. */
static int give(rowctx *c, uint32_t i)
{
	const json_doc *d = &c->d;
	const pq_options *o = c->opt;
	if (json_type_of(d, i) != JSON_OBJECT) {
		snprintf(c->err, c->errlen, "%s:%llu: a row is not a JSON object", c->name, (unsigned long long)c->line);
		return -1;
	}
	if (o->where_col) {
		uint32_t v = json_get(d, i, o->where_col);
		int t = json_type_of(d, v), eq = 0;
		size_t wl = strlen(o->where_val);
		if (t == JSON_STRING) eq = json_str_eq(d, v, o->where_val, wl);
		else if (t == JSON_NUMBER || t == JSON_TRUE || t == JSON_FALSE) {
			size_t rl;
			const char *r = json_raw(d, v, &rl);
			eq = rl == wl && !memcmp(r, o->where_val, wl);
		}
		if (eq == o->where_negate) return 0;
	}
	strbuf_reset(&c->out);
	if (!o->ncolumns) {
		size_t rl;
		const char *r = json_raw(d, i, &rl);
		/* rows are re-encoded compactly only when they are not one line already */
		if (memchr(r, '\n', rl)) json_write_compact(&c->out, d, i);
		else strbuf_put(&c->out, r, rl);
	} else {
		int first = 1;
		strbuf_putc(&c->out, '{');
		JSON_FOR_MEMBERS(d, i, k, v, m) {
			(void)m;
			size_t kl;
			const char *kr = json_str_raw(d, k, &kl);
			if (!want_col(o, kr, kl)) continue;
			if (!first) strbuf_putc(&c->out, ',');
			first = 0;
			json_write_raw(&c->out, d, k);
			strbuf_putc(&c->out, ':');
			json_write_compact(&c->out, d, v);
		}
		strbuf_putc(&c->out, '}');
	}
	c->n++;
	if (c->fn(c->ctx, c->out.p, c->out.len)) return 1;
	if (o->limit && c->n >= o->limit) return 1;
	return 0;
}

static int parse_and_give(rowctx *c, const char *s, size_t n)
{
	if (json_parse(&c->d, s, n)) {
		snprintf(c->err, c->errlen, "%s:%llu: %s", c->name, (unsigned long long)c->line, c->d.err);
		return -1;
	}
	return give(c, 0);
}

static int json_rows(const char *path, const char *name, const pq_options *opt, pq_row_fn fn, void *ctx,
		     uint64_t *nrows, char *err, size_t errlen)
{
	src s;
	if (src_open(&s, path, ends_with(name, ".zst"))) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rowctx c = { .opt = opt, .fn = fn, .ctx = ctx, .name = name, .err = err, .errlen = errlen };
	json_doc_init(&c.d);
	strbuf buf = {0};
	int rc = 0, mode = 0;   /* 0 unknown, 1 lines, 2 one array */
	size_t start = 0;       /* start of the current line in buf */
	const char *msg = NULL;
	for (;;) {
		strbuf_reserve(&buf, 1 << 17);
		long got = src_read(&s, (unsigned char *)buf.p + buf.len, buf.cap - buf.len - 1, &msg);
		if (got < 0) { snprintf(err, errlen, "%s: %s", name, msg); rc = -1; break; }
		if (got == 0) break;
		buf.len += got;
		if (mode == 0) {
			size_t k = 0;
			while (k < buf.len && strchr(" \t\r\n", buf.p[k])) k++;
			if (k == buf.len) continue;
			mode = buf.p[k] == '[' ? 2 : 1;
		}
		if (mode == 2) continue;   /* an array is parsed whole, as datasets does */
		/* hand out complete lines, keep the tail */
		for (;;) {
			char *nl = memchr(buf.p + start, '\n', buf.len - start);
			if (!nl) break;
			size_t ln = nl - (buf.p + start);
			c.line++;
			const char *l = buf.p + start;
			size_t ll = ln;
			while (ll && (l[ll - 1] == '\r' || l[ll - 1] == ' ' || l[ll - 1] == '\t')) ll--;
			if (ll) {
				int r = parse_and_give(&c, l, ll);
				if (r) { rc = r; goto done; }
			}
			start += ln + 1;
		}
		if (start > (1u << 20) && start > buf.len / 2) {
			memmove(buf.p, buf.p + start, buf.len - start);
			buf.len -= start;
			start = 0;
		}
	}
	if (rc == 0 && mode == 1 && start < buf.len) {
		c.line++;
		const char *l = buf.p + start;
		size_t ll = buf.len - start;
		while (ll && strchr(" \t\r\n", l[ll - 1])) ll--;
		if (ll) rc = parse_and_give(&c, l, ll);
	}
	if (rc == 0 && mode == 2) {
		c.line = 1;
		if (json_parse(&c.d, buf.p, buf.len)) {
			snprintf(err, errlen, "%s: %s", name, c.d.err);   /* c.d.err names the byte */
			rc = -1;
		} else {
			JSON_FOR_ELEMS(&c.d, 0, e, k) {
				c.line = k + 1;   /* element number, for messages */
				int r = give(&c, e);
				if (r) { rc = r; break; }
			}
		}
	}
done:
	if (nrows) *nrows = c.n;
	strbuf_free(&buf);
	strbuf_free(&c.out);
	json_doc_free(&c.d);
	src_close(&s);
	return rc;
}

typedef struct pqcount { pq_row_fn fn; void *ctx; uint64_t n; } pqcount;
static int pq_counting(void *ctx, const char *json, size_t len)
{
	pqcount *p = ctx;
	p->n++;
	return p->fn(p->ctx, json, len);
}

int rows_cat_file(const char *path, const char *name, const pq_options *opt, pq_row_fn fn, void *ctx,
		  uint64_t *nrows, char *err, size_t errlen)
{
	if (ends_with(name, ".parquet")) {
		pqcount pc = { fn, ctx, 0 };
		int rc = pq_cat_file(path, opt, pq_counting, &pc, err, errlen);
		if (nrows) *nrows = pc.n;
		if (rc == 0 && opt->limit && pc.n >= opt->limit) rc = 1;
		return rc;
	}
	if (ends_with(name, ".jsonl") || ends_with(name, ".json") || ends_with(name, ".ndjson") ||
	    ends_with(name, ".jsonl.gz") || ends_with(name, ".json.gz") || ends_with(name, ".ndjson.gz") ||
	    ends_with(name, ".jsonl.zst") || ends_with(name, ".json.zst") || ends_with(name, ".ndjson.zst"))
		return json_rows(path, name, opt, fn, ctx, nrows, err, errlen);
	snprintf(err, errlen, "%s: unsupported: file format (sftkit reads .parquet, .jsonl, .json, .ndjson, plain, .gz or .zst)", name);
	return -1;
}

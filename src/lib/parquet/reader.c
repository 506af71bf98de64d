/* reader.c — files, row groups, projection and filter pushdown, and the
 * assembly of nested rows (Dremel record assembly over definition and
 * repetition levels) into JSON. */
#include "pq_internal.h"
#include "json.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct asm_ctx {
	pq_meta *m;
	pq_col *cols;
	strbuf *b;          /* NULL: skip (consume levels, write nothing) */
	pq_err *e;
	strbuf tmp;
} asm_ctx;

static pq_col *leafcol(asm_ctx *a, const pq_node *nd) { return &a->cols[nd->first_leaf]; }

static int cur_def(asm_ctx *a, const pq_node *nd)
{
	pq_col *c = leafcol(a, nd);
	if (c->cur >= c->nlevels) pq_fail(a->e, "column '%s': levels run out during row assembly", a->m->nodes[a->m->leaves[nd->first_leaf]].name);
	return c->def[c->cur];
}

static void skip_node(asm_ctx *a, const pq_node *nd)
{
	for (int l = nd->first_leaf; l < nd->first_leaf + nd->nleaves; l++) {
		pq_col *c = &a->cols[l];
		if (c->cur >= c->nlevels) pq_fail(a->e, "levels run out during row assembly");
		if (c->def[c->cur] == a->m->nodes[a->m->leaves[l]].max_def) c->vcur++;
		c->cur++;
	}
}

#define PUTS(s) do { if (a->b) strbuf_puts(a->b, s); } while (0)
#define PUTC(ch) do { if (a->b) strbuf_putc(a->b, ch); } while (0)

static void put_double(strbuf *b, double v, int is_float)
{
	if (isnan(v)) { strbuf_puts(b, "\"NaN\""); return; }
	if (isinf(v)) { strbuf_puts(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\""); return; }
	if (v == 0) { strbuf_puts(b, signbit(v) ? "-0.0" : "0.0"); return; }
	char buf[40];
	for (int prec = is_float ? 6 : 15; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, v);
		double back = strtod(buf, NULL);
		if (is_float ? (float)back == (float)v : back == v) break;
	}
	/* keep it a JSON number that reads as floating point */
	strbuf_puts(b, buf);
	if (!strpbrk(buf, ".eEn")) strbuf_puts(b, ".0");
}

/* days since 1970-01-01 -> y, m, d (proleptic Gregorian; H. Hinnant's civil_from_days) */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t yy = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

static void put_date(strbuf *b, int64_t days)
{
	int64_t y;
	unsigned m, d;
	civil(days, &y, &m, &d);
	strbuf_printf(b, "\"%04lld-%02u-%02u\"", (long long)y, m, d);
}

/* time of day from units since midnight (or since the epoch for timestamps) */
static void put_clock(strbuf *b, int64_t units, int unit, int64_t *days_out)
{
	int64_t per = unit == 1 ? 1000 : unit == 2 ? 1000000 : 1000000000;
	int64_t secs = units / per, frac = units % per;
	if (frac < 0) { frac += per; secs--; }
	int64_t days = secs / 86400, sod = secs % 86400;
	if (sod < 0) { sod += 86400; days--; }
	if (days_out) *days_out = days;
	char f[16] = "";
	if (frac) {
		int w = unit == 1 ? 3 : unit == 2 ? 6 : 9;
		snprintf(f, sizeof f, ".%0*lld", w, (long long)frac);
		size_t l = strlen(f);
		while (l > 1 && f[l - 1] == '0') f[--l] = 0;
	}
	strbuf_printf(b, "%02lld:%02lld:%02lld%s", (long long)(sod / 3600), (long long)(sod / 60 % 60), (long long)(sod % 60), f);
}

static void put_timestamp(strbuf *b, int64_t v, int unit, int utc)
{
	strbuf clock = STRBUF_INIT;
	int64_t days;
	put_clock(&clock, v, unit, &days);
	int64_t y;
	unsigned m, d;
	civil(days, &y, &m, &d);
	strbuf_printf(b, "\"%04lld-%02u-%02uT%s%s\"", (long long)y, m, d, clock.p, utc ? "Z" : "");
	strbuf_free(&clock);
}

/* big-endian two's complement bytes -> decimal text with scale */
static void put_decimal_bytes(strbuf *b, const unsigned char *p, size_t n, int scale)
{
	unsigned char mag[64];
	if (n > sizeof mag) { strbuf_puts(b, "null"); return; }
	int neg = n && (p[0] & 0x80);
	memcpy(mag, p, n);
	if (neg) {   /* two's complement negate */
		int carry = 1;
		for (size_t i = n; i-- > 0;) {
			int v = (unsigned char)~mag[i] + carry;
			mag[i] = (unsigned char)v;
			carry = v >> 8;
		}
	}
	char digits[200];
	size_t nd = 0;
	/* repeated division by 10 of the big-endian magnitude */
	for (;;) {
		int nonzero = 0, rem = 0;
		for (size_t i = 0; i < n; i++) {
			int cur = rem * 256 + mag[i];
			mag[i] = (unsigned char)(cur / 10);
			rem = cur % 10;
			if (mag[i]) nonzero = 1;
		}
		digits[nd++] = (char)('0' + rem);
		if (!nonzero || nd >= sizeof digits - 1) break;
	}
	/* digits are reversed */
	if (neg) strbuf_putc(b, '-');
	int s = scale < 0 ? 0 : scale;
	if ((int)nd <= s) {
		strbuf_puts(b, "0.");
		for (int k = 0; k < s - (int)nd; k++) strbuf_putc(b, '0');
		for (size_t k = nd; k-- > 0;) strbuf_putc(b, digits[k]);
	} else {
		for (size_t k = nd; k-- > 0;) {
			strbuf_putc(b, digits[k]);
			if (s && k == (size_t)s) strbuf_putc(b, '.');
		}
	}
}

static void put_decimal_int(strbuf *b, int64_t v, int scale)
{
	unsigned char be[8];
	for (int k = 0; k < 8; k++) be[k] = (unsigned char)((uint64_t)v >> (56 - 8 * k));
	put_decimal_bytes(b, be, 8, scale);
}

static void put_base64(strbuf *b, const unsigned char *p, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	strbuf_puts(b, "{\"$base64\":\"");
	size_t i = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		char o[4] = {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
		strbuf_put(b, o, 4);
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)p[i] << 16;
		char o[4] = {t[v >> 18], t[(v >> 12) & 63], '=', '='};
		strbuf_put(b, o, 4);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		char o[4] = {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
		strbuf_put(b, o, 4);
	}
	strbuf_puts(b, "\"}");
}

static double half_to_double(uint16_t h)
{
	int s = h >> 15, ex = (h >> 10) & 31, m = h & 1023;
	double v;
	if (ex == 0) v = ldexp(m, -24);
	else if (ex == 31) v = m ? NAN : INFINITY;
	else v = ldexp(m + 1024, ex - 25);
	return s ? -v : v;
}

static void put_value(asm_ctx *a, const pq_node *nd, const pq_val *v)
{
	strbuf *b = a->b;
	switch (nd->kind) {
	case K_STRING:
	case K_JSONTEXT:
		if (!utf8_valid((const char *)v->u.b.p, v->u.b.n))
			pq_fail(a->e, "column '%s': invalid UTF-8 in a STRING value", nd->name);
		json_write_str(b, (const char *)v->u.b.p, v->u.b.n);
		return;
	case K_BINARY:
		if (nd->type != PQ_BYTE_ARRAY && nd->type != PQ_FIXED) break;
		if (utf8_valid((const char *)v->u.b.p, v->u.b.n)) json_write_str(b, (const char *)v->u.b.p, v->u.b.n);
		else put_base64(b, v->u.b.p, v->u.b.n);
		return;
	case K_BOOL: strbuf_puts(b, v->u.i ? "true" : "false"); return;
	case K_INT:
		if (nd->type == PQ_INT32 || nd->type == PQ_INT64) { strbuf_printf(b, "%lld", (long long)v->u.i); return; }
		break;
	case K_UINT:
		if (nd->type == PQ_INT32) { strbuf_printf(b, "%u", (uint32_t)v->u.i); return; }
		if (nd->type == PQ_INT64) { strbuf_printf(b, "%llu", (unsigned long long)(uint64_t)v->u.i); return; }
		break;
	case K_FLOAT: put_double(b, v->u.d, 1); return;
	case K_DOUBLE: put_double(b, v->u.d, 0); return;
	case K_DECIMAL:
		if (nd->type == PQ_INT32 || nd->type == PQ_INT64) put_decimal_int(b, v->u.i, nd->scale);
		else if (nd->type == PQ_BYTE_ARRAY || nd->type == PQ_FIXED) put_decimal_bytes(b, v->u.b.p, v->u.b.n, nd->scale);
		else break;
		return;
	case K_DATE: if (nd->type == PQ_INT32) { put_date(b, v->u.i); return; } break;
	case K_TIME:
		if (nd->type == PQ_INT32 || nd->type == PQ_INT64) { strbuf_putc(b, '"'); put_clock(b, v->u.i, nd->time_unit, NULL); strbuf_putc(b, '"'); return; }
		break;
	case K_TIMESTAMP:
		if (nd->type == PQ_INT64) { put_timestamp(b, v->u.i, nd->time_unit, nd->utc); return; }
		break;
	case K_INT96:
		if (nd->type == PQ_INT96 && v->u.b.n == 12) {
			int64_t nanos;
			int32_t jd;
			memcpy(&nanos, v->u.b.p, 8);
			memcpy(&jd, v->u.b.p + 8, 4);
			int64_t days = (int64_t)jd - 2440588;
			put_timestamp(b, days * 86400LL * 1000000000LL + nanos, 3, 0);
			return;
		}
		break;
	case K_UUID:
		if (nd->type == PQ_FIXED && v->u.b.n == 16) {
			const unsigned char *p = v->u.b.p;
			strbuf_printf(b, "\"%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\"",
			            p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
			return;
		}
		break;
	case K_FLOAT16:
		if (nd->type == PQ_FIXED && v->u.b.n == 2) { put_double(b, half_to_double((uint16_t)(v->u.b.p[0] | v->u.b.p[1] << 8)), 1); return; }
		break;
	}
	/* a logical type on a physical type it does not fit: show the physical value */
	switch (nd->type) {
	case PQ_BOOLEAN: strbuf_puts(b, v->u.i ? "true" : "false"); return;
	case PQ_INT32: case PQ_INT64: strbuf_printf(b, "%lld", (long long)v->u.i); return;
	case PQ_FLOAT: put_double(b, v->u.d, 1); return;
	case PQ_DOUBLE: put_double(b, v->u.d, 0); return;
	default: put_base64(b, v->u.b.p, v->u.b.n);
	}
}

static void emit_leaf(asm_ctx *a, const pq_node *nd)
{
	pq_col *c = leafcol(a, nd);
	if (c->cur >= c->nlevels) pq_fail(a->e, "column '%s': levels run out during row assembly", nd->name);
	if (c->def[c->cur] == nd->max_def) {
		if (c->vcur >= c->nvals) pq_fail(a->e, "column '%s': fewer values than levels say", nd->name);
		if (a->b) put_value(a, nd, &c->vals[c->vcur]);
		c->vcur++;
	} else {
		PUTS("null");
	}
	c->cur++;
}

static void emit_field(asm_ctx *a, const pq_node *nd, int depth);
static void emit_node(asm_ctx *a, const pq_node *nd, int depth);

enum { EL_NODE, EL_FIELD };

/* instances of repeated node r, each emitted by emit_field(el) or emit_node(r) */
static void emit_repeated(asm_ctx *a, const pq_node *r, const pq_node *el, int mode, char open, char close, int depth)
{
	if (cur_def(a, r) < r->max_def) {
		PUTC(open);
		PUTC(close);
		skip_node(a, r);
		return;
	}
	PUTC(open);
	for (int first = 1;; first = 0) {
		if (!first) PUTC(',');
		if (mode == EL_FIELD) emit_field(a, el, depth + 1);
		else emit_node(a, r, depth + 1);
		pq_col *c = leafcol(a, r);
		if (c->cur >= c->nlevels || c->rep[c->cur] != r->max_rep) break;
	}
	PUTC(close);
}

static const pq_node *child(asm_ctx *a, const pq_node *nd, int k) { return &a->m->nodes[nd->children[k]]; }

static void emit_map(asm_ctx *a, const pq_node *nd, int depth)
{
	const pq_node *kv = child(a, nd, 0);
	if (nd->nchildren != 1 || kv->repetition != PQ_REPEATED || kv->nchildren < 1) {
		/* not a well-formed map: show it as a struct */
		PUTC('{');
		for (int k = 0; k < nd->nchildren; k++) {
			const pq_node *ch = child(a, nd, k);
			if (k) PUTC(',');
			if (a->b) { json_write_str(a->b, ch->name, strlen(ch->name)); strbuf_putc(a->b, ':'); }
			emit_field(a, ch, depth + 1);
		}
		PUTC('}');
		return;
	}
	if (cur_def(a, kv) < kv->max_def) { PUTS("{}"); skip_node(a, kv); return; }
	const pq_node *key = child(a, kv, 0), *val = kv->nchildren > 1 ? child(a, kv, 1) : NULL;
	PUTC('{');
	for (int first = 1;; first = 0) {
		if (!first) PUTC(',');
		/* the key as text */
		strbuf *saved = a->b;
		if (saved && key->nchildren == 0 && key->kind == K_STRING) {
			emit_leaf(a, key);
		} else if (saved) {
			strbuf_reset(&a->tmp);
			strbuf keybuf = STRBUF_INIT;
			a->b = &keybuf;
			emit_field(a, key, depth + 1);
			a->b = saved;
			if (keybuf.len && keybuf.p[0] == '"') strbuf_put(saved, keybuf.p, keybuf.len);
			else json_write_str(saved, keybuf.p ? keybuf.p : "", keybuf.len);
			strbuf_free(&keybuf);
		} else {
			emit_field(a, key, depth + 1);
		}
		PUTC(':');
		if (val) emit_field(a, val, depth + 1);
		else PUTS("null");
		pq_col *c = leafcol(a, kv);
		if (c->cur >= c->nlevels || c->rep[c->cur] != kv->max_rep) break;
	}
	PUTC('}');
}

static void emit_node(asm_ctx *a, const pq_node *nd, int depth)
{
	if (depth > 200) pq_fail(a->e, "row nesting too deep");
	if (nd->nchildren == 0) { emit_leaf(a, nd); return; }
	if (nd->group_kind == G_LIST && nd->nchildren == 1 && child(a, nd, 0)->repetition == PQ_REPEATED) {
		const pq_node *r = child(a, nd, 0);
		/* backward-compatibility rules of LogicalTypes.md for the element */
		size_t nl = strlen(nd->name);
		int r_is_element = r->nchildren == 0 || r->nchildren > 1 || !strcmp(r->name, "array") ||
		                   (strlen(r->name) == nl + 6 && !strncmp(r->name, nd->name, nl) && !strcmp(r->name + nl, "_tuple"));
		if (r_is_element) emit_repeated(a, r, NULL, EL_NODE, '[', ']', depth);
		else emit_repeated(a, r, child(a, r, 0), EL_FIELD, '[', ']', depth);
		return;
	}
	if (nd->group_kind == G_MAP) { emit_map(a, nd, depth); return; }
	PUTC('{');
	for (int k = 0; k < nd->nchildren; k++) {
		const pq_node *ch = child(a, nd, k);
		if (k) PUTC(',');
		if (a->b) { json_write_str(a->b, ch->name, strlen(ch->name)); strbuf_putc(a->b, ':'); }
		emit_field(a, ch, depth + 1);
	}
	PUTC('}');
}

static void emit_field(asm_ctx *a, const pq_node *nd, int depth)
{
	if (nd->repetition == PQ_REPEATED) {
		/* a repeated field outside a LIST annotation is a list of its instances */
		emit_repeated(a, nd, NULL, EL_NODE, '[', ']', depth);
		return;
	}
	if (nd->repetition == PQ_OPTIONAL && cur_def(a, nd) < nd->max_def) {
		PUTS("null");
		skip_node(a, nd);
		return;
	}
	emit_node(a, nd, depth);
}

/* ---- the file ---- */

typedef struct pq_run {
	const unsigned char *data;
	size_t size;
	pq_meta meta;
	pq_col *cols;
	int have_meta;
	asm_ctx a;
	strbuf row;
	unsigned char *sel_top;   /* selected top-level children */
	unsigned char *need;      /* needed leaves */
} pq_run;

static void run_cleanup(pq_run *r)
{
	if (r->cols) for (int i = 0; i < r->meta.nleaves; i++) pq_col_free(&r->cols[i]);
	free(r->cols);
	if (r->have_meta) pq_meta_free(&r->meta);
	strbuf_free(&r->row);
	strbuf_free(&r->a.tmp);
	free(r->sel_top);
	free(r->need);
}

static void open_meta(pq_run *r, pq_err *e)
{
	if (r->size < 12) pq_fail(e, "file of %zu bytes is too small to be Parquet", r->size);
	if (memcmp(r->data, "PAR1", 4)) {
		if (!memcmp(r->data, "PARE", 4)) pq_fail(e, "unsupported: encrypted file");
		pq_fail(e, "not a Parquet file (bad magic at the start)");
	}
	const unsigned char *tail = r->data + r->size - 8;
	if (memcmp(tail + 4, "PAR1", 4)) {
		if (!memcmp(tail + 4, "PARE", 4)) pq_fail(e, "unsupported: encrypted footer");
		pq_fail(e, "not a Parquet file (bad magic at the end; truncated?)");
	}
	uint32_t flen = (uint32_t)tail[0] | (uint32_t)tail[1] << 8 | (uint32_t)tail[2] << 16 | (uint32_t)tail[3] << 24;
	if ((uint64_t)flen + 12 > r->size) pq_fail(e, "footer of %u bytes exceeds the file (%zu bytes)", flen, r->size);
	r->have_meta = 1;
	pq_read_meta(tail - flen, flen, &r->meta, e);
	const pq_node *root = &r->meta.nodes[0];
	if (root->nchildren == 0) pq_fail(e, "schema has no columns");
}

static int find_top(const pq_meta *m, const char *name)
{
	const pq_node *root = &m->nodes[0];
	for (int k = 0; k < root->nchildren; k++)
		if (!strcmp(m->nodes[root->children[k]].name, name)) return k;
	return -1;
}

/* does value v of leaf nd equal the text want? */
static int value_matches(const pq_node *nd, const pq_val *v, const char *want)
{
	switch (nd->type) {
	case PQ_BYTE_ARRAY: case PQ_FIXED:
		return strlen(want) == v->u.b.n && !memcmp(v->u.b.p, want, v->u.b.n);
	case PQ_INT32: case PQ_INT64: {
		char *e;
		errno = 0;
		long long w = strtoll(want, &e, 10);
		return !*e && !errno && w == v->u.i;
	}
	case PQ_BOOLEAN:
		return (v->u.i && !strcmp(want, "true")) || (!v->u.i && !strcmp(want, "false"));
	case PQ_FLOAT: case PQ_DOUBLE: {
		char *e;
		double w = strtod(want, &e);
		return !*e && w == v->u.d;
	}
	}
	return 0;
}

static int cat_run(pq_run *r, const pq_options *opt, pq_row_fn fn, void *ctx, pq_err *e)
{
	open_meta(r, e);
	pq_meta *m = &r->meta;
	const pq_node *root = &m->nodes[0];
	r->sel_top = xcalloc((size_t)root->nchildren, 1);
	r->need = xcalloc((size_t)m->nleaves ? (size_t)m->nleaves : 1, 1);
	if (opt && opt->ncolumns) {
		for (size_t i = 0; i < opt->ncolumns; i++) {
			int k = find_top(m, opt->columns[i]);
			if (k < 0) pq_fail(e, "no column '%s' in the file", opt->columns[i]);
			r->sel_top[k] = 1;
		}
	} else {
		memset(r->sel_top, 1, (size_t)root->nchildren);
	}
	int where_leaf = -1;
	if (opt && opt->where_col) {
		int k = find_top(m, opt->where_col);
		if (k < 0) pq_fail(e, "no column '%s' to filter on", opt->where_col);
		const pq_node *w = &m->nodes[root->children[k]];
		if (w->nchildren || w->repetition == PQ_REPEATED) pq_fail(e, "unsupported: filtering on nested column '%s'", opt->where_col);
		where_leaf = w->leaf;
	}
	for (int k = 0; k < root->nchildren; k++) {
		if (!r->sel_top[k]) continue;
		const pq_node *t = &m->nodes[root->children[k]];
		for (int l = t->first_leaf; l < t->first_leaf + t->nleaves; l++) r->need[l] = 1;
	}
	r->cols = xcalloc((size_t)m->nleaves ? (size_t)m->nleaves : 1, sizeof *r->cols);
	r->a.m = m;
	r->a.cols = r->cols;
	r->a.e = e;
	uint64_t emitted = 0;
	unsigned char *match = NULL;
	for (int g = 0; g < m->nrgs; g++) {
		pq_rowgroup *rg = &m->rgs[g];
		if (rg->num_rows == 0) continue;
		for (int l = 0; l < m->nleaves; l++) pq_col_free(&r->cols[l]);
		size_t nrows = (size_t)rg->num_rows;
		if (where_leaf >= 0) {
			const pq_node *wn = &m->nodes[m->leaves[where_leaf]];
			pq_chunk *ch = &rg->chunks[where_leaf];
			/* statistics: skip a row group whose [min, max] cannot hold the value */
			if (!opt->where_negate && ch->has_minmax && (wn->type == PQ_BYTE_ARRAY) && wn->kind == K_STRING) {
				size_t wl = strlen(opt->where_val);
				size_t a1 = wl < ch->min_len ? wl : ch->min_len, a2 = wl < ch->max_len ? wl : ch->max_len;
				int cmin = memcmp(opt->where_val, ch->min, a1);
				if (!cmin) cmin = (wl > ch->min_len) - (wl < ch->min_len);
				int cmax = memcmp(opt->where_val, ch->max, a2);
				if (!cmax) cmax = (wl > ch->max_len) - (wl < ch->max_len);
				if (cmin < 0 || cmax > 0) continue;
			}
			pq_decode_chunk(r->data, r->size, ch, wn, &r->cols[where_leaf], e);
			pq_col *wc = &r->cols[where_leaf];
			if (wc->nlevels != nrows) pq_fail(e, "column '%s': %zu values for %zu rows", wn->name, wc->nlevels, nrows);
			free(match);
			match = xmalloc(nrows);
			size_t any = 0, vi = 0;
			for (size_t i = 0; i < nrows; i++) {
				int is_val = wc->def[i] == wn->max_def;
				int eq = is_val && value_matches(wn, &wc->vals[vi], opt->where_val);
				vi += is_val;
				match[i] = opt->where_negate ? !eq : eq;
				any += match[i];
			}
			if (!any) continue;
		}
		for (int l = 0; l < m->nleaves; l++) {
			if (!r->need[l] || l == where_leaf) continue;
			pq_decode_chunk(r->data, r->size, &rg->chunks[l], &m->nodes[m->leaves[l]], &r->cols[l], e);
		}
		if (where_leaf >= 0 && !r->need[where_leaf]) {
			/* the filter column is not printed: its levels are not walked */
		}
		for (size_t i = 0; i < nrows; i++) {
			int keep = !match || where_leaf < 0 || match[i];
			strbuf_reset(&r->row);
			r->a.b = keep ? &r->row : NULL;
			if (keep) strbuf_putc(&r->row, '{');
			int first = 1;
			for (int k = 0; k < root->nchildren; k++) {
				if (!r->sel_top[k]) continue;
				const pq_node *t = &m->nodes[root->children[k]];
				if (keep) {
					if (!first) strbuf_putc(&r->row, ',');
					json_write_str(&r->row, t->name, strlen(t->name));
					strbuf_putc(&r->row, ':');
				}
				first = 0;
				emit_field(&r->a, t, 0);
			}
			if (!keep) continue;
			strbuf_putc(&r->row, '}');
			if (fn(ctx, r->row.p, r->row.len)) { free(match); return 1; }
			if (opt && opt->limit && ++emitted >= opt->limit) { free(match); return 1; }
		}
		/* every selected column must be used up exactly */
		for (int l = 0; l < m->nleaves; l++) {
			if (!r->need[l]) continue;
			if (r->cols[l].cur != r->cols[l].nlevels)
				pq_fail(e, "column '%s': %zu levels left after %zu rows", m->nodes[m->leaves[l]].name,
				        r->cols[l].nlevels - r->cols[l].cur, nrows);
		}
		free(match);
		match = NULL;
	}
	free(match);
	return 0;
}

int pq_cat_mem(const unsigned char *data, size_t size, const char *name, const pq_options *opt,
               pq_row_fn fn, void *ctx, char *err, size_t errlen)
{
	pq_run r;
	memset(&r, 0, sizeof r);
	r.data = data;
	r.size = size;
	char msg[400];
	pq_err e;
	e.msg = msg;
	e.len = sizeof msg;
	int rc;
	if (setjmp(e.jb)) {
		snprintf(err, errlen, "pq: %s: %s", name, msg);
		rc = -1;
	} else {
		rc = cat_run(&r, opt, fn, ctx, &e);
	}
	run_cleanup(&r);
	return rc;
}

/* Map all of fd: the footer is at the end and the column chunks are read
 * where the footer says, so the reader needs the whole file at hand. */
static int map_fd(int fd, const char *name, const unsigned char **data, size_t *size, char *err, size_t errlen)
{
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "pq: %s: not a regular file", name);
		return -1;
	}
	*size = (size_t)st.st_size;
	if (*size == 0) { *data = NULL; return 0; }
	void *p = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) { snprintf(err, errlen, "pq: %s: %s", name, strerror(errno)); return -1; }
	*data = p;
	return 0;
}

static int open_file(const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) snprintf(err, errlen, "pq: %s: %s", path, strerror(errno));
	return fd;
}

int pq_cat_fd(int fd, const char *name, const pq_options *opt, pq_row_fn fn, void *ctx, char *err, size_t errlen)
{
	const unsigned char *data;
	size_t size;
	if (map_fd(fd, name, &data, &size, err, errlen)) return -1;
	static const unsigned char empty[1];
	int rc = pq_cat_mem(data ? data : empty, size, name, opt, fn, ctx, err, errlen);
	if (data) munmap((void *)data, size);
	return rc;
}

int pq_cat_file(const char *path, const pq_options *opt, pq_row_fn fn, void *ctx, char *err, size_t errlen)
{
	int fd = open_file(path, err, errlen);
	if (fd < 0) return -1;
	int rc = pq_cat_fd(fd, path, opt, fn, ctx, err, errlen);
	close(fd);
	return rc;
}

static const char *type_name(int t)
{
	static const char *const n[] = {"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY"};
	return t >= 0 && t < 8 ? n[t] : "group";
}

static const char *kind_name(int k)
{
	static const char *const n[] = {"", "STRING", "BINARY", "INT", "UINT", "FLOAT", "DOUBLE", "BOOL", "DECIMAL",
	                                "DATE", "TIME", "TIMESTAMP", "INT96", "UUID", "FLOAT16", "JSON"};
	return k >= 0 && k < 16 ? n[k] : "";
}

static void schema_node(strbuf *b, const pq_meta *m, int idx)
{
	const pq_node *nd = &m->nodes[idx];
	static const char *const rep[] = {"required", "optional", "repeated"};
	strbuf_puts(b, "{\"name\":");
	json_write_str(b, nd->name, strlen(nd->name));
	if (nd->parent >= 0) strbuf_printf(b, ",\"repetition\":\"%s\"", rep[nd->repetition]);
	if (nd->nchildren == 0 && nd->parent >= 0) {
		strbuf_printf(b, ",\"type\":\"%s\",\"logical\":\"%s\"", type_name(nd->type), kind_name(nd->kind));
		if (nd->kind == K_DECIMAL) strbuf_printf(b, ",\"precision\":%d,\"scale\":%d", nd->precision, nd->scale);
		strbuf_printf(b, ",\"max_def\":%d,\"max_rep\":%d", nd->max_def, nd->max_rep);
	} else {
		if (nd->group_kind == G_LIST) strbuf_puts(b, ",\"logical\":\"LIST\"");
		if (nd->group_kind == G_MAP) strbuf_puts(b, ",\"logical\":\"MAP\"");
		strbuf_puts(b, ",\"fields\":[");
		for (int k = 0; k < nd->nchildren; k++) {
			if (k) strbuf_putc(b, ',');
			schema_node(b, m, nd->children[k]);
		}
		strbuf_putc(b, ']');
	}
	strbuf_putc(b, '}');
}

int pq_schema_json(const char *path, strbuf *out, char *err, size_t errlen)
{
	int fd = open_file(path, err, errlen);
	if (fd < 0) return -1;
	int rc = pq_schema_json_fd(fd, path, out, err, errlen);
	close(fd);
	return rc;
}

int pq_schema_json_fd(int fd, const char *path, strbuf *out, char *err, size_t errlen)
{
	const unsigned char *data;
	size_t size;
	if (map_fd(fd, path, &data, &size, err, errlen)) return -1;
	pq_run r;
	memset(&r, 0, sizeof r);
	static const unsigned char empty[1];
	r.data = data ? data : empty;
	r.size = size;
	char msg[400];
	pq_err e;
	e.msg = msg;
	e.len = sizeof msg;
	int rc = 0;
	if (setjmp(e.jb)) {
		snprintf(err, errlen, "pq: %s: %s", path, msg);
		rc = -1;
	} else {
		open_meta(&r, &e);
		static const char *const codecs[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
		strbuf_puts(out, "{\"file\":");
		json_write_str(out, path, strlen(path));
		strbuf_printf(out, ",\"rows\":%lld,\"created_by\":", (long long)r.meta.num_rows);
		if (r.meta.created_by) json_write_str(out, r.meta.created_by, strlen(r.meta.created_by));
		else strbuf_puts(out, "null");
		strbuf_puts(out, ",\"schema\":");
		schema_node(out, &r.meta, 0);
		strbuf_puts(out, ",\"row_groups\":[");
		for (int g = 0; g < r.meta.nrgs; g++) {
			if (g) strbuf_putc(out, ',');
			strbuf_printf(out, "{\"rows\":%lld,\"columns\":[", (long long)r.meta.rgs[g].num_rows);
			for (int l = 0; l < r.meta.nleaves; l++) {
				const pq_chunk *c = &r.meta.rgs[g].chunks[l];
				if (l) strbuf_putc(out, ',');
				strbuf_puts(out, "{\"column\":");
				const char *nm = r.meta.nodes[r.meta.leaves[l]].name;
				json_write_str(out, nm, strlen(nm));
				strbuf_printf(out, ",\"codec\":\"%s\",\"values\":%lld,\"compressed_bytes\":%lld,\"dictionary\":%s}",
				            c->codec >= 0 && c->codec < 8 ? codecs[c->codec] : "unknown", (long long)c->num_values,
				            (long long)c->total_comp, c->dict_off > 0 ? "true" : "false");
			}
			strbuf_puts(out, "]}");
		}
		strbuf_puts(out, "]}");
	}
	run_cleanup(&r);
	if (data) munmap((void *)data, size);
	return rc;
}

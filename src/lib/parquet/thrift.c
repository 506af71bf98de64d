/* thrift.c — Thrift compact protocol (the encoding of Parquet's footer and
 * page headers) and the metadata structures built from it. Field ids follow
 * parquet.thrift; unknown fields are skipped, so newer writers are read. */
#include "pq_internal.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pq_fail(pq_err *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->msg, e->len, fmt, ap);
	va_end(ap);
	longjmp(e->jb, 1);
}

typedef struct th {
	const unsigned char *p, *end, *start;
	pq_err *e;
	int depth;
} th;

enum { T_STOP = 0, T_TRUE = 1, T_FALSE = 2, T_BYTE = 3, T_I16 = 4, T_I32 = 5, T_I64 = 6, T_DOUBLE = 7,
       T_BINARY = 8, T_LIST = 9, T_SET = 10, T_MAP = 11, T_STRUCT = 12 };

static void th_need(th *t, size_t n)
{
	if ((size_t)(t->end - t->p) < n)
		pq_fail(t->e, "thrift: truncated metadata at offset %zu", (size_t)(t->p - t->start));
}

static uint64_t th_varint(th *t)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 70; shift += 7) {
		th_need(t, 1);
		unsigned char b = *t->p++;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) return v;
	}
	pq_fail(t->e, "thrift: varint too long at offset %zu", (size_t)(t->p - t->start));
}

static int64_t th_zigzag(th *t)
{
	uint64_t v = th_varint(t);
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

static int32_t th_i32(th *t)
{
	int64_t v = th_zigzag(t);
	if (v < INT32_MIN || v > INT32_MAX) pq_fail(t->e, "thrift: i32 out of range");
	return (int32_t)v;
}

static const unsigned char *th_binary(th *t, uint32_t *len)
{
	uint64_t n = th_varint(t);
	if (n > (uint64_t)(t->end - t->p)) pq_fail(t->e, "thrift: string of %llu bytes exceeds the metadata", (unsigned long long)n);
	const unsigned char *s = t->p;
	t->p += n;
	*len = (uint32_t)n;
	return s;
}

static char *th_string(th *t)
{
	uint32_t n;
	const unsigned char *s = th_binary(t, &n);
	return xstrndup((const char *)s, n);
}

static void th_list_header(th *t, uint32_t *size, int *etype)
{
	th_need(t, 1);
	unsigned char b = *t->p++;
	uint64_t n = b >> 4;
	if (n == 15) n = th_varint(t);
	/* each element takes at least one byte: reject absurd counts before allocating */
	if (n > (uint64_t)(t->end - t->p)) pq_fail(t->e, "thrift: list of %llu elements exceeds the metadata", (unsigned long long)n);
	*size = (uint32_t)n;
	*etype = b & 0x0f;
}

static void th_skip(th *t, int type);

static void th_skip_struct(th *t)
{
	if (++t->depth > 64) pq_fail(t->e, "thrift: nesting too deep");
	for (;;) {
		th_need(t, 1);
		unsigned char b = *t->p++;
		int type = b & 0x0f;
		if (type == T_STOP) break;
		if (!(b >> 4)) th_zigzag(t);
		th_skip(t, type);
	}
	t->depth--;
}

static void th_skip(th *t, int type)
{
	uint32_t n;
	int et;
	switch (type) {
	case T_TRUE: case T_FALSE: break;
	case T_BYTE: th_need(t, 1); t->p++; break;
	case T_I16: case T_I32: case T_I64: th_varint(t); break;
	case T_DOUBLE: th_need(t, 8); t->p += 8; break;
	case T_BINARY: th_binary(t, &n); break;
	case T_LIST: case T_SET:
		th_list_header(t, &n, &et);
		for (uint32_t i = 0; i < n; i++) {
			if (et == T_TRUE || et == T_FALSE) { th_need(t, 1); t->p++; }
			else th_skip(t, et);
		}
		break;
	case T_MAP: {
		uint64_t cnt = th_varint(t);
		if (cnt == 0) break;
		if (cnt > (uint64_t)(t->end - t->p)) pq_fail(t->e, "thrift: map too large");
		th_need(t, 1);
		unsigned char kv = *t->p++;
		for (uint64_t i = 0; i < cnt; i++) { th_skip(t, kv >> 4); th_skip(t, kv & 0x0f); }
		break;
	}
	case T_STRUCT: th_skip_struct(t); break;
	default: pq_fail(t->e, "thrift: unknown field type %d at offset %zu", type, (size_t)(t->p - t->start));
	}
}

/* iterate fields of a struct: returns field id, sets *type; 0 at stop */
static int th_field(th *t, int *last, int *type)
{
	th_need(t, 1);
	unsigned char b = *t->p++;
	*type = b & 0x0f;
	if (*type == T_STOP) return 0;
	int d = b >> 4;
	int id = d ? *last + d : (int)th_zigzag(t);
	*last = id;
	return id ? id : -1;   /* id 0 never used by parquet; -1 = "skip me" */
}

static int th_bool(int type) { return type == T_TRUE; }

/* LogicalType union (parquet.thrift) */
static void read_logical(th *t, pq_node *nd)
{
	int last = 0, type, id;
	if (++t->depth > 64) pq_fail(t->e, "thrift: nesting too deep");
	while ((id = th_field(t, &last, &type))) {
		if (type != T_STRUCT) { th_skip(t, type); continue; }
		int l2 = 0, ty2, id2;
		switch (id) {
		case 1: nd->kind = K_STRING; th_skip_struct(t); break;
		case 2: nd->group_kind = G_MAP; th_skip_struct(t); break;
		case 3: nd->group_kind = G_LIST; th_skip_struct(t); break;
		case 4: nd->kind = K_STRING; th_skip_struct(t); break;
		case 5:
			nd->kind = K_DECIMAL;
			while ((id2 = th_field(t, &l2, &ty2))) {
				if (id2 == 1 && ty2 == T_I32) nd->scale = th_i32(t);
				else if (id2 == 2 && ty2 == T_I32) nd->precision = th_i32(t);
				else th_skip(t, ty2);
			}
			break;
		case 6: nd->kind = K_DATE; th_skip_struct(t); break;
		case 7: case 8:
			nd->kind = id == 7 ? K_TIME : K_TIMESTAMP;
			while ((id2 = th_field(t, &l2, &ty2))) {
				if (id2 == 1) { nd->utc = th_bool(ty2); if (ty2 != T_TRUE && ty2 != T_FALSE) th_skip(t, ty2); }
				else if (id2 == 2 && ty2 == T_STRUCT) {
					int l3 = 0, ty3, id3;
					while ((id3 = th_field(t, &l3, &ty3))) { nd->time_unit = id3; th_skip(t, ty3); }
				} else th_skip(t, ty2);
			}
			break;
		case 10: {
			int bits = 64, sign = 1;
			while ((id2 = th_field(t, &l2, &ty2))) {
				if (id2 == 1 && ty2 == T_BYTE) { th_need(t, 1); bits = (int8_t)*t->p++; }
				else if (id2 == 2 && (ty2 == T_TRUE || ty2 == T_FALSE)) sign = ty2 == T_TRUE;
				else th_skip(t, ty2);
			}
			(void)bits;
			nd->kind = sign ? K_INT : K_UINT;
			break;
		}
		case 12: nd->kind = K_JSONTEXT; th_skip_struct(t); break;
		case 14: nd->kind = K_UUID; th_skip_struct(t); break;
		case 15: nd->kind = K_FLOAT16; th_skip_struct(t); break;
		default: th_skip_struct(t);
		}
	}
	t->depth--;
}

static void read_schema_element(th *t, pq_node *nd)
{
	int last = 0, type, id;
	memset(nd, 0, sizeof *nd);
	nd->type = -1;
	nd->converted = -1;
	nd->leaf = -1;
	nd->kind = K_NONE;
	nd->group_kind = G_STRUCT;
	while ((id = th_field(t, &last, &type))) {
		switch (id) {
		case 1: if (type == T_I32) { nd->type = th_i32(t); continue; } break;
		case 2: if (type == T_I32) { nd->type_length = th_i32(t); continue; } break;
		case 3: if (type == T_I32) { nd->repetition = th_i32(t); continue; } break;
		case 4: if (type == T_BINARY) { free(nd->name); nd->name = th_string(t); continue; } break;
		case 5: if (type == T_I32) { nd->nchildren = th_i32(t); continue; } break;
		case 6: if (type == T_I32) { nd->converted = th_i32(t); continue; } break;
		case 7: if (type == T_I32) { nd->scale = th_i32(t); continue; } break;
		case 8: if (type == T_I32) { nd->precision = th_i32(t); continue; } break;
		case 10: if (type == T_STRUCT) { read_logical(t, nd); continue; } break;
		}
		th_skip(t, type);
	}
	if (!nd->name) nd->name = xstrdup("");
	/* names become JSON keys: they must be text */
	if (!utf8_valid(nd->name, strlen(nd->name))) pq_fail(t->e, "schema: a column name is not valid UTF-8");
}

static void read_statistics(th *t, pq_chunk *c)
{
	int last = 0, type, id;
	const unsigned char *mn = NULL, *mx = NULL, *omn = NULL, *omx = NULL;
	uint32_t mnl = 0, mxl = 0, omnl = 0, omxl = 0;
	while ((id = th_field(t, &last, &type))) {
		if (type == T_BINARY && id == 1) { omx = th_binary(t, &omxl); continue; }
		if (type == T_BINARY && id == 2) { omn = th_binary(t, &omnl); continue; }
		if (type == T_BINARY && id == 5) { mx = th_binary(t, &mxl); continue; }
		if (type == T_BINARY && id == 6) { mn = th_binary(t, &mnl); continue; }
		th_skip(t, type);
	}
	/* min_value/max_value (5, 6) are well defined; the old min/max (1, 2) only
	 * for signed orders, so use them for nothing but equality pruning of
	 * strings written by old writers we trust less: skip them. */
	(void)omn; (void)omx; (void)omnl; (void)omxl;
	if (mn && mx) { c->min = mn; c->max = mx; c->min_len = mnl; c->max_len = mxl; c->has_minmax = 1; }
}

static void read_column_meta(th *t, pq_chunk *c)
{
	int last = 0, type, id;
	while ((id = th_field(t, &last, &type))) {
		switch (id) {
		case 1: if (type == T_I32) { c->type = th_i32(t); continue; } break;
		case 4: if (type == T_I32) { c->codec = th_i32(t); continue; } break;
		case 5: if (type == T_I64) { c->num_values = th_zigzag(t); continue; } break;
		case 7: if (type == T_I64) { c->total_comp = th_zigzag(t); continue; } break;
		case 9: if (type == T_I64) { c->data_off = th_zigzag(t); continue; } break;
		case 11: if (type == T_I64) { c->dict_off = th_zigzag(t); continue; } break;
		case 12: if (type == T_STRUCT) { read_statistics(t, c); continue; } break;
		}
		th_skip(t, type);
	}
}

static void read_column_chunk(th *t, pq_chunk *c)
{
	int last = 0, type, id, have = 0;
	memset(c, 0, sizeof *c);
	c->dict_off = -1;
	while ((id = th_field(t, &last, &type))) {
		if (id == 1 && type == T_BINARY) {
			uint32_t n;
			th_binary(t, &n);
			if (n) pq_fail(t->e, "unsupported: columns stored in another file");
			continue;
		}
		if (id == 3 && type == T_STRUCT) { read_column_meta(t, c); have = 1; continue; }
		if (id == 8 || id == 9) { /* crypto metadata */
			if (type == T_STRUCT || type == T_BINARY) pq_fail(t->e, "unsupported: encrypted columns");
		}
		th_skip(t, type);
	}
	if (!have) pq_fail(t->e, "column chunk without metadata");
}

static void read_row_group(th *t, pq_rowgroup *rg, int nleaves)
{
	int last = 0, type, id;
	rg->chunks = NULL;
	rg->num_rows = 0;
	while ((id = th_field(t, &last, &type))) {
		if (id == 1 && type == T_LIST) {
			uint32_t n;
			int et;
			th_list_header(t, &n, &et);
			if (et != T_STRUCT) pq_fail(t->e, "thrift: row group columns are not structs");
			if ((int)n != nleaves) pq_fail(t->e, "row group has %u column chunks, the schema %d columns", n, nleaves);
			free(rg->chunks);
			rg->chunks = xcalloc(n ? n : 1, sizeof *rg->chunks);
			for (uint32_t i = 0; i < n; i++) read_column_chunk(t, &rg->chunks[i]);
			continue;
		}
		if (id == 3 && type == T_I64) { rg->num_rows = th_zigzag(t); continue; }
		th_skip(t, type);
	}
	if (!rg->chunks && nleaves) pq_fail(t->e, "row group without columns");
	if (rg->num_rows < 0) pq_fail(t->e, "row group with %lld rows", (long long)rg->num_rows);
}

/* Build the tree: children, levels, leaves; fill kinds from converted types. */
static int build_tree(pq_meta *m, int idx, int parent, int def, int rep, pq_err *e, int depth)
{
	if (depth > 100) pq_fail(e, "schema nesting too deep");
	if (idx >= m->nnodes) pq_fail(e, "schema ends early: node %d of %d", idx, m->nnodes);
	pq_node *nd = &m->nodes[idx];
	nd->parent = parent;
	if (parent >= 0) {
		if (nd->repetition == PQ_OPTIONAL) def++;
		else if (nd->repetition == PQ_REPEATED) { def++; rep++; }
		else if (nd->repetition != PQ_REQUIRED) pq_fail(e, "schema node '%s': bad repetition %d", nd->name, nd->repetition);
	}
	nd->max_def = def;
	nd->max_rep = rep;
	int next = idx + 1;
	if (nd->nchildren < 0 || nd->nchildren > m->nnodes) pq_fail(e, "schema node '%s': %d children", nd->name, nd->nchildren);
	if (nd->nchildren == 0 && parent >= 0) {
		if (nd->type < 0 || nd->type > PQ_FIXED) pq_fail(e, "schema leaf '%s' has no valid type", nd->name);
		if (nd->type == PQ_FIXED && (nd->type_length <= 0 || nd->type_length > (1 << 20)))
			pq_fail(e, "schema leaf '%s': fixed length %d", nd->name, nd->type_length);
		nd->leaf = m->nleaves;
		m->leaves = xrealloc(m->leaves, (size_t)(m->nleaves + 1) * sizeof *m->leaves);
		m->leaves[m->nleaves++] = idx;
		nd->first_leaf = nd->leaf;
		nd->nleaves = 1;
		/* kinds from converted types when no logical type said */
		if (nd->kind == K_NONE) {
			switch (nd->converted) {
			case CT_UTF8: case CT_ENUM: nd->kind = K_STRING; break;
			case CT_JSON: nd->kind = K_JSONTEXT; break;
			case CT_DECIMAL: nd->kind = K_DECIMAL; break;
			case CT_DATE: nd->kind = K_DATE; break;
			case CT_TIME_MILLIS: nd->kind = K_TIME; nd->time_unit = 1; nd->utc = 1; break;
			case CT_TIME_MICROS: nd->kind = K_TIME; nd->time_unit = 2; nd->utc = 1; break;
			case CT_TIMESTAMP_MILLIS: nd->kind = K_TIMESTAMP; nd->time_unit = 1; nd->utc = 1; break;
			case CT_TIMESTAMP_MICROS: nd->kind = K_TIMESTAMP; nd->time_unit = 2; nd->utc = 1; break;
			case CT_UINT_8: case CT_UINT_16: case CT_UINT_32: case CT_UINT_64: nd->kind = K_UINT; break;
			default: break;
			}
		}
		if (nd->kind == K_NONE || (nd->kind == K_STRING && nd->type != PQ_BYTE_ARRAY && nd->type != PQ_FIXED)) {
			switch (nd->type) {
			case PQ_BOOLEAN: nd->kind = K_BOOL; break;
			case PQ_INT32: case PQ_INT64: nd->kind = K_INT; break;
			case PQ_INT96: nd->kind = K_INT96; break;
			case PQ_FLOAT: nd->kind = K_FLOAT; break;
			case PQ_DOUBLE: nd->kind = K_DOUBLE; break;
			default: nd->kind = K_BINARY;
			}
		}
		if (nd->kind == K_TIME || nd->kind == K_TIMESTAMP) { if (!nd->time_unit) nd->time_unit = 1; }
		return next;
	}
	if (nd->converted == CT_LIST) nd->group_kind = G_LIST;
	if (nd->converted == CT_MAP || nd->converted == CT_MAP_KEY_VALUE) nd->group_kind = G_MAP;
	free(nd->children);   /* a node reached twice by a malformed tree */
	nd->children = xcalloc((size_t)(nd->nchildren ? nd->nchildren : 1), sizeof(int));
	nd->first_leaf = m->nleaves;
	for (int k = 0; k < nd->nchildren; k++) {
		nd->children[k] = next;
		next = build_tree(m, next, idx, def, rep, e, depth + 1);
	}
	nd->nleaves = m->nleaves - nd->first_leaf;
	if (nd->nleaves == 0 && parent >= 0) pq_fail(e, "schema group '%s' has no columns", nd->name);
	return next;
}

int pq_read_meta(const unsigned char *footer, size_t len, pq_meta *m, pq_err *e)
{
	th t = {footer, footer + len, footer, e, 0};
	int last = 0, type, id;
	memset(m, 0, sizeof *m);
	while ((id = th_field(&t, &last, &type))) {
		if (id == 2 && type == T_LIST) {
			uint32_t n;
			int et;
			th_list_header(&t, &n, &et);
			if (et != T_STRUCT || n == 0) pq_fail(e, "thrift: bad schema list");
			if (m->nodes) pq_fail(e, "footer lists the schema twice");
			m->nodes = xcalloc(n, sizeof *m->nodes);
			m->nnodes = (int)n;
			for (uint32_t i = 0; i < n; i++) read_schema_element(&t, &m->nodes[i]);
			continue;
		}
		if (id == 3 && type == T_I64) { m->num_rows = th_zigzag(&t); continue; }
		if (id == 4 && type == T_LIST) {
			if (!m->nodes) pq_fail(e, "row groups before the schema");
			/* leaves must be known to size the chunks: build the tree now */
			if (!m->leaves) {
				int end = build_tree(m, 0, -1, 0, 0, e, 0);
				if (end != m->nnodes) pq_fail(e, "schema has %d nodes but the tree uses %d", m->nnodes, end);
			}
			uint32_t n;
			int et;
			th_list_header(&t, &n, &et);
			if (et != T_STRUCT) pq_fail(e, "thrift: bad row group list");
			if (m->rgs) pq_fail(e, "footer lists row groups twice");
			m->rgs = xcalloc(n ? n : 1, sizeof *m->rgs);
			/* counted before reading, so that a failure frees what was read */
			for (uint32_t i = 0; i < n; i++) { m->nrgs = (int)i + 1; read_row_group(&t, &m->rgs[i], m->nleaves); }
			continue;
		}
		if (id == 6 && type == T_BINARY) { free(m->created_by); m->created_by = th_string(&t); continue; }
		th_skip(&t, type);
	}
	if (!m->nodes) pq_fail(e, "footer has no schema");
	if (!m->leaves) {
		int end = build_tree(m, 0, -1, 0, 0, e, 0);
		if (end != m->nnodes) pq_fail(e, "schema has %d nodes but the tree uses %d", m->nnodes, end);
	}
	return 0;
}

void pq_meta_free(pq_meta *m)
{
	for (int i = 0; i < m->nnodes; i++) { free(m->nodes[i].name); free(m->nodes[i].children); }
	free(m->nodes);
	free(m->leaves);
	for (int i = 0; i < m->nrgs; i++) free(m->rgs[i].chunks);
	free(m->rgs);
	free(m->created_by);
	memset(m, 0, sizeof *m);
}

static void read_data_page_header(th *t, pq_page_header *h, int v2)
{
	int last = 0, type, id;
	while ((id = th_field(t, &last, &type))) {
		if (type == T_I32) {
			int32_t v = th_i32(t);
			if (!v2) {
				switch (id) {
				case 1: h->num_values = v; break;
				case 2: h->encoding = v; break;
				case 3: h->def_enc = v; break;
				case 4: h->rep_enc = v; break;
				}
			} else {
				switch (id) {
				case 1: h->num_values = v; break;
				case 2: h->num_nulls = v; break;
				case 3: h->num_rows = v; break;
				case 4: h->encoding = v; break;
				case 5: h->def_len = v; break;
				case 6: h->rep_len = v; break;
				}
			}
			continue;
		}
		if (v2 && id == 7 && (type == T_TRUE || type == T_FALSE)) { h->is_compressed = type == T_TRUE; continue; }
		th_skip(t, type);
	}
}

size_t pq_read_page_header(const unsigned char *p, size_t n, pq_page_header *h, pq_err *e)
{
	th t = {p, p + n, p, e, 0};
	int last = 0, type, id;
	memset(h, 0, sizeof *h);
	h->type = -1;
	h->is_compressed = 1;
	while ((id = th_field(&t, &last, &type))) {
		if (type == T_I32 && id >= 1 && id <= 3) {
			int32_t v = th_i32(&t);
			if (id == 1) h->type = v;
			else if (id == 2) h->uncomp = v;
			else h->comp = v;
			continue;
		}
		if (type == T_STRUCT && (id == 5 || id == 7 || id == 8)) {
			read_data_page_header(&t, h, id == 8);
			continue;
		}
		th_skip(&t, type);
	}
	if (h->uncomp < 0 || h->comp < 0) pq_fail(e, "page header with negative size");
	if (h->num_values < 0) pq_fail(e, "page header with negative value count");
	return (size_t)(t.p - p);
}

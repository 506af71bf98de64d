/* pq_internal.h — the Parquet reader's internal types (not a public API). */
#ifndef SFTKIT_PQ_INTERNAL_H
#define SFTKIT_PQ_INTERNAL_H

#include <setjmp.h>
#include <stdint.h>
#include "parquet.h"

/* physical types */
enum { PQ_BOOLEAN, PQ_INT32, PQ_INT64, PQ_INT96, PQ_FLOAT, PQ_DOUBLE, PQ_BYTE_ARRAY, PQ_FIXED };
/* repetition */
enum { PQ_REQUIRED, PQ_OPTIONAL, PQ_REPEATED };
/* converted types we use */
enum { CT_UTF8 = 0, CT_MAP = 1, CT_MAP_KEY_VALUE = 2, CT_LIST = 3, CT_ENUM = 4, CT_DECIMAL = 5, CT_DATE = 6,
       CT_TIME_MILLIS = 7, CT_TIME_MICROS = 8, CT_TIMESTAMP_MILLIS = 9, CT_TIMESTAMP_MICROS = 10,
       CT_UINT_8 = 11, CT_UINT_16 = 12, CT_UINT_32 = 13, CT_UINT_64 = 14, CT_INT_8 = 15, CT_INT_16 = 16,
       CT_INT_32 = 17, CT_INT_64 = 18, CT_JSON = 19, CT_BSON = 20, CT_INTERVAL = 21 };
/* our value kinds after logical types are applied */
enum { K_NONE, K_STRING, K_BINARY, K_INT, K_UINT, K_FLOAT, K_DOUBLE, K_BOOL, K_DECIMAL, K_DATE, K_TIME,
       K_TIMESTAMP, K_INT96, K_UUID, K_FLOAT16, K_JSONTEXT };
/* structural kinds of groups */
enum { G_STRUCT, G_LIST, G_MAP };

typedef struct pq_node {
	char *name;
	int type;            /* physical type, -1 for groups */
	int type_length;
	int repetition;
	int nchildren;
	int converted;       /* -1 if none */
	int scale, precision;
	int kind;            /* K_* for leaves */
	int time_unit;       /* 1 ms, 2 us, 3 ns */
	int utc;
	int group_kind;      /* G_* for groups */
	int parent;
	int first_child;     /* index in nodes */
	int *children;
	int max_def, max_rep;
	int leaf;            /* column index for leaves, else -1 */
	int first_leaf;      /* first leaf column under this node */
	int nleaves;
} pq_node;

typedef struct pq_chunk {
	int codec;
	int64_t num_values;
	int64_t data_off, dict_off, total_comp;
	int type;
	/* statistics (min/max of the chunk, raw bytes) */
	const unsigned char *min, *max;
	uint32_t min_len, max_len;
	int has_minmax;
} pq_chunk;

typedef struct pq_rowgroup {
	int64_t num_rows;
	pq_chunk *chunks;    /* one per leaf */
} pq_rowgroup;

typedef struct pq_meta {
	pq_node *nodes;
	int nnodes;
	int *leaves;         /* leaf column -> node index */
	int nleaves;
	int64_t num_rows;
	pq_rowgroup *rgs;
	int nrgs;
	char *created_by;
} pq_meta;

typedef struct pq_val {
	union {
		int64_t i;
		double d;
		struct { const unsigned char *p; uint32_t n; } b;
	} u;
} pq_val;

/* decoded column chunk */
typedef struct pq_col {
	uint16_t *def, *rep;
	pq_val *vals;
	size_t nlevels, nvals, cap_levels, cap_vals;
	size_t cur, vcur;     /* assembly cursors */
	unsigned char **bufs; /* page buffers the values point into */
	size_t nbufs, cap_bufs;
	pq_val *dict;
	size_t ndict;
	/* scratch owned by the column so an error (longjmp) leaks nothing */
	uint32_t *s32; size_t c32;
	int64_t *s64a, *s64b; size_t c64a, c64b;
	uint64_t *su; size_t cu;
} pq_col;

typedef struct pq_err {
	char *msg;
	size_t len;
	jmp_buf jb;
} pq_err;

/* fail with a formatted message: longjmps back to the entry point */
void pq_fail(pq_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* thrift.c */
int pq_read_meta(const unsigned char *footer, size_t len, pq_meta *m, pq_err *e);
void pq_meta_free(pq_meta *m);
typedef struct pq_page_header {
	int type;                  /* 0 data, 1 index, 2 dictionary, 3 data v2 */
	int32_t uncomp, comp;
	int32_t num_values, num_nulls, num_rows;
	int encoding, def_enc, rep_enc;
	int32_t def_len, rep_len;
	int is_compressed;
} pq_page_header;
/* parse a page header at p (n bytes available); returns header length */
size_t pq_read_page_header(const unsigned char *p, size_t n, pq_page_header *h, pq_err *e);

/* decode.c */
/* col: the column, named in every message */
void pq_decompress(int codec, const unsigned char *src, size_t srclen, unsigned char *dst, size_t dstlen, const char *col,
		   pq_err *e);
void pq_decode_chunk(const unsigned char *file, size_t fsize, const pq_chunk *ch, const pq_node *leaf,
                     pq_col *col, pq_err *e);
void pq_col_free(pq_col *c);

#endif

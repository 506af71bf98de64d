/* decode.c — pages to levels and values: decompression and the encodings of
 * the Parquet spec (Encodings.md). Every length read from the file is checked
 * against the bytes that are really there before it is used. */
#include "pq_internal.h"

#include <brotli/decode.h>
#include <lz4.h>
#include <snappy-c.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

enum { C_NONE = 0, C_SNAPPY = 1, C_GZIP = 2, C_LZO = 3, C_BROTLI = 4, C_LZ4 = 5, C_ZSTD = 6, C_LZ4_RAW = 7 };
enum { E_PLAIN = 0, E_PLAIN_DICT = 2, E_RLE = 3, E_BIT_PACKED = 4, E_DELTA_BP = 5, E_DELTA_LBA = 6,
       E_DELTA_BA = 7, E_RLE_DICT = 8, E_BSS = 9 };

static const char *codec_name(int c)
{
	static const char *const n[] = {"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW"};
	return c >= 0 && c < 8 ? n[c] : "unknown";
}

static int lz4_hadoop(const unsigned char *src, size_t n, unsigned char *dst, size_t dn)
{
	/* Hadoop framing: [u32be uncompressed][u32be compressed][block]... */
	size_t o = 0;
	while (n >= 8) {
		uint32_t ul = (uint32_t)src[0] << 24 | (uint32_t)src[1] << 16 | (uint32_t)src[2] << 8 | src[3];
		uint32_t cl = (uint32_t)src[4] << 24 | (uint32_t)src[5] << 16 | (uint32_t)src[6] << 8 | src[7];
		src += 8; n -= 8;
		if (cl > n || ul > dn - o) return -1;
		int r = LZ4_decompress_safe((const char *)src, (char *)dst + o, (int)cl, (int)ul);
		if (r < 0 || (uint32_t)r != ul) return -1;
		o += ul; src += cl; n -= cl;
	}
	return n == 0 && o == dn ? 0 : -1;
}

void pq_decompress(int codec, const unsigned char *src, size_t n, unsigned char *dst, size_t dn, const char *col, pq_err *e)
{
	/* every message names the column, as parquet-cat(1) promises */
#define PFAIL(fmt, ...) pq_fail(e, "column '%s': " fmt, col ? col : "?", ##__VA_ARGS__)
	if (dn == 0 && codec != C_NONE) return;   /* an empty page: nothing to inflate */
	switch (codec) {
	case C_NONE:
		if (n != dn) PFAIL("uncompressed page: %zu bytes, header says %zu", n, dn);
		memcpy(dst, src, n);
		return;
	case C_SNAPPY: {
		size_t ul;
		if (snappy_uncompressed_length((const char *)src, n, &ul) != SNAPPY_OK || ul != dn)
			PFAIL("snappy: page does not decompress to %zu bytes", dn);
		size_t out = dn;
		if (snappy_uncompress((const char *)src, n, (char *)dst, &out) != SNAPPY_OK || out != dn)
			PFAIL("snappy: corrupt page");
		return;
	}
	case C_GZIP: {
		z_stream z;
		memset(&z, 0, sizeof z);
		if (inflateInit2(&z, 15 + 32) != Z_OK) PFAIL("gzip: init failed");
		z.next_in = (unsigned char *)src;
		z.avail_in = (uInt)n;
		z.next_out = dst;
		z.avail_out = (uInt)dn;
		int r;
		do r = inflate(&z, Z_FINISH);
		while (r == Z_STREAM_END && z.avail_in > 0 && z.avail_out > 0 && inflateReset(&z) == Z_OK);
		size_t got = dn - z.avail_out;
		inflateEnd(&z);
		/* the whole stream, trailer (and its CRC) included, not just dn bytes of it */
		if (r != Z_STREAM_END) PFAIL("gzip: %s page", r == Z_BUF_ERROR || r == Z_OK ? "truncated" : "corrupt");
		if (got != dn) PFAIL("gzip: page decompresses to %zu bytes, header says %zu", got, dn);
		return;
	}
	case C_ZSTD: {
		size_t r = ZSTD_decompress(dst, dn, src, n);
		if (ZSTD_isError(r) || r != dn) PFAIL("zstd: %s", ZSTD_isError(r) ? ZSTD_getErrorName(r) : "wrong size");
		return;
	}
	case C_LZ4_RAW: {
		int r = LZ4_decompress_safe((const char *)src, (char *)dst, (int)n, (int)dn);
		if (r < 0 || (size_t)r != dn) PFAIL("lz4: corrupt page");
		return;
	}
	case C_LZ4:
		/* the deprecated LZ4 codec: Hadoop framing in practice, raw blocks from some writers */
		if (lz4_hadoop(src, n, dst, dn) == 0) return;
		{
			int r = LZ4_decompress_safe((const char *)src, (char *)dst, (int)n, (int)dn);
			if (r < 0 || (size_t)r != dn) PFAIL("lz4: corrupt page");
		}
		return;
	case C_BROTLI: {
		size_t out = dn;
		if (BrotliDecoderDecompress(n, src, &out, dst) != BROTLI_DECODER_RESULT_SUCCESS || out != dn)
			PFAIL("brotli: corrupt page");
		return;
	}
	}
	PFAIL("unsupported: compression codec %s (%d)", codec_name(codec), codec);
#undef PFAIL
}

/* ---- bit readers ---- */

typedef struct rd {
	const unsigned char *p, *end;
	pq_err *e;
} rd;

static uint64_t rd_uleb(rd *r)
{
	uint64_t v = 0;
	for (int s = 0; s < 64; s += 7) {
		if (r->p >= r->end) pq_fail(r->e, "truncated varint in page");
		unsigned char b = *r->p++;
		v |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80)) return v;
	}
	pq_fail(r->e, "varint too long in page");
}

static int64_t rd_zz(rd *r)
{
	uint64_t v = rd_uleb(r);
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* unpack count values of width bits from p (LSB first) */
static void unpack(const unsigned char *p, size_t avail, int width, size_t count, uint64_t *out, pq_err *e)
{
	if (((size_t)width * count + 7) / 8 > avail) pq_fail(e, "bit-packed run overruns the page");
	uint64_t mask = width == 64 ? ~0ULL : ((1ULL << width) - 1);
	size_t bit = 0;
	for (size_t i = 0; i < count; i++) {
		size_t byte = bit >> 3, sh = bit & 7;
		uint64_t v = 0;
		size_t need = (sh + (size_t)width + 7) / 8;
		for (size_t k = 0; k < need && k < 9; k++) {
			uint64_t b = p[byte + k];
			if (k * 8 >= sh) v |= b << (k * 8 - sh);
			else v |= b >> (sh - k * 8);
		}
		out[i] = v & mask;
		bit += (size_t)width;
	}
}

/* RLE/bit-packed hybrid: decode n values of bit width w into out32 */
static void rle_decode(rd *r, int w, size_t n, uint32_t *out)
{
	if (w < 0 || w > 32) pq_fail(r->e, "RLE bit width %d", w);
	size_t i = 0;
	uint64_t tmp[8];
	while (i < n) {
		if (r->p >= r->end) {
			/* some writers end a run early when the rest is all zeros is NOT allowed: error */
			pq_fail(r->e, "RLE data ends after %zu of %zu values", i, n);
		}
		uint64_t h = rd_uleb(r);
		if (h & 1) {
			uint64_t groups = h >> 1;
			if (groups == 0) pq_fail(r->e, "empty bit-packed run");
			if (w && groups > (size_t)(r->end - r->p) / (size_t)w)
				pq_fail(r->e, "bit-packed run of %llu groups overruns the page", (unsigned long long)groups);
			for (uint64_t g = 0; g < groups && i < n; g++) {
				unpack(r->p, (size_t)(r->end - r->p), w, 8, tmp, r->e);
				r->p += (size_t)w;
				for (int k = 0; k < 8 && i < n; k++) out[i++] = (uint32_t)tmp[k];
			}
		} else {
			uint64_t cnt = h >> 1;
			size_t nb = ((size_t)w + 7) / 8;
			if ((size_t)(r->end - r->p) < nb) pq_fail(r->e, "RLE run overruns the page");
			uint32_t v = 0;
			for (size_t k = 0; k < nb; k++) v |= (uint32_t)r->p[k] << (8 * k);
			r->p += nb;
			if (cnt == 0) pq_fail(r->e, "empty RLE run");
			for (uint64_t k = 0; k < cnt && i < n; k++) out[i++] = v;
		}
	}
}

/* ---- growable column storage ---- */

static void need_levels(pq_col *c, size_t n)
{
	if (c->nlevels + n > c->cap_levels) {
		size_t nc = c->cap_levels ? c->cap_levels : 1024;
		while (nc < c->nlevels + n) nc *= 2;
		c->def = xrealloc(c->def, nc * sizeof *c->def);
		c->rep = xrealloc(c->rep, nc * sizeof *c->rep);
		c->cap_levels = nc;
	}
}

static void need_vals(pq_col *c, size_t n)
{
	if (c->nvals + n > c->cap_vals) {
		size_t nc = c->cap_vals ? c->cap_vals : 1024;
		while (nc < c->nvals + n) nc *= 2;
		c->vals = xrealloc(c->vals, nc * sizeof *c->vals);
		c->cap_vals = nc;
	}
}

static unsigned char *keep_buf(pq_col *c, size_t n)
{
	if (c->nbufs == c->cap_bufs) xgrow((void **)&c->bufs, &c->cap_bufs, c->nbufs + 1, sizeof *c->bufs);
	unsigned char *b = xmalloc(n + 16);
	c->bufs[c->nbufs++] = b;
	return b;
}

static void *scratch(void *pp, size_t *cap, size_t n, size_t el)
{
	void **p = pp;
	if (n == 0) n = 1;
	if (n > *cap) { free(*p); *p = xmalloc(n * el); *cap = n; }
	return *p;
}

void pq_col_free(pq_col *c)
{
	free(c->s32); free(c->s64a); free(c->s64b); free(c->su);
	free(c->def);
	free(c->rep);
	free(c->vals);
	for (size_t i = 0; i < c->nbufs; i++) free(c->bufs[i]);
	free(c->bufs);
	free(c->dict);
	memset(c, 0, sizeof *c);
}

/* ---- value decoders: append n values to out ---- */

static size_t type_size(int type, int tlen)
{
	switch (type) {
	case PQ_INT32: case PQ_FLOAT: return 4;
	case PQ_INT64: case PQ_DOUBLE: return 8;
	case PQ_INT96: return 12;
	case PQ_FIXED: return (size_t)tlen;
	}
	return 0;
}

static void decode_plain(rd *r, const pq_node *leaf, size_t n, pq_val *out)
{
	int type = leaf->type;
	if (type == PQ_BOOLEAN) {
		if (((n + 7) / 8) > (size_t)(r->end - r->p)) pq_fail(r->e, "PLAIN booleans overrun the page");
		for (size_t i = 0; i < n; i++) out[i].u.i = (r->p[i >> 3] >> (i & 7)) & 1;
		r->p += (n + 7) / 8;
		return;
	}
	if (type == PQ_BYTE_ARRAY) {
		for (size_t i = 0; i < n; i++) {
			if ((size_t)(r->end - r->p) < 4) pq_fail(r->e, "PLAIN byte array length overruns the page");
			uint32_t l = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
			r->p += 4;
			if (l > (size_t)(r->end - r->p)) pq_fail(r->e, "PLAIN byte array of %u bytes overruns the page", l);
			out[i].u.b.p = r->p;
			out[i].u.b.n = l;
			r->p += l;
		}
		return;
	}
	size_t sz = type_size(type, leaf->type_length);
	if (!sz || n > (size_t)(r->end - r->p) / sz) pq_fail(r->e, "PLAIN values overrun the page (%zu values of %zu bytes)", n, sz);
	for (size_t i = 0; i < n; i++, r->p += sz) {
		switch (type) {
		case PQ_INT32: { int32_t v; memcpy(&v, r->p, 4); out[i].u.i = v; break; }
		case PQ_INT64: { int64_t v; memcpy(&v, r->p, 8); out[i].u.i = v; break; }
		case PQ_FLOAT: { float f; memcpy(&f, r->p, 4); out[i].u.d = f; break; }
		case PQ_DOUBLE: memcpy(&out[i].u.d, r->p, 8); break;
		default: out[i].u.b.p = r->p; out[i].u.b.n = (uint32_t)sz;
		}
	}
}

/* DELTA_BINARY_PACKED: n values (or all in the block if n == SIZE_MAX via *count) */
static void decode_delta_bp(rd *r, pq_col *c, size_t want, int64_t *out, size_t *got)
{
	uint64_t block = rd_uleb(r), nmini = rd_uleb(r), total = rd_uleb(r);
	int64_t v = rd_zz(r);
	if (block == 0 || block > (1u << 20) || block % 128 || nmini == 0 || block % nmini || (block / nmini) % 32 || nmini > 64)
		pq_fail(r->e, "DELTA_BINARY_PACKED: bad header (block %llu, miniblocks %llu)", (unsigned long long)block, (unsigned long long)nmini);
	if (total > want) pq_fail(r->e, "DELTA_BINARY_PACKED: %llu values where %zu fit", (unsigned long long)total, want);
	size_t per = block / nmini;
	size_t i = 0;
	uint64_t *tmp = scratch(&c->su, &c->cu, per, sizeof *tmp);
	if (total) out[i++] = v;
	while (i < total) {
		int64_t mind = rd_zz(r);
		if ((size_t)(r->end - r->p) < nmini) { pq_fail(r->e, "DELTA_BINARY_PACKED: truncated block"); }
		const unsigned char *widths = r->p;
		r->p += nmini;
		for (size_t m = 0; m < nmini && i < total; m++) {
			int w = widths[m];
			if (w > 64) { pq_fail(r->e, "DELTA_BINARY_PACKED: bit width %d", w); }
			size_t bytes = per * (size_t)w / 8;
			if ((size_t)(r->end - r->p) < bytes) { pq_fail(r->e, "DELTA_BINARY_PACKED: miniblock overruns the page"); }
			if (w) unpack(r->p, bytes, w, per, tmp, r->e);
			else memset(tmp, 0, per * sizeof *tmp);
			r->p += bytes;
			for (size_t k = 0; k < per && i < total; k++) {
				v = (int64_t)((uint64_t)v + (uint64_t)mind + tmp[k]);
				out[i++] = v;
			}
		}
	}
	*got = (size_t)total;
}

static void decode_values(rd *r, int enc, const pq_node *leaf, pq_col *c, size_t n)
{
	need_vals(c, n);
	pq_val *out = c->vals + c->nvals;
	pq_err *e = r->e;
	switch (enc) {
	case E_PLAIN:
		decode_plain(r, leaf, n, out);
		break;
	case E_PLAIN_DICT:
	case E_RLE_DICT: {
		if (!c->dict) pq_fail(e, "dictionary-encoded page without a dictionary");
		if (r->p >= r->end) { if (n) pq_fail(e, "dictionary indices missing"); break; }
		int w = *r->p++;
		uint32_t *idx = scratch(&c->s32, &c->c32, n, sizeof *idx);
		if (n) {
			if (w == 0) memset(idx, 0, n * sizeof *idx);
			else rle_decode(r, w, n, idx);
		}
		for (size_t i = 0; i < n; i++) {
			if (idx[i] >= c->ndict) pq_fail(e, "dictionary index %u out of range (%zu entries)", idx[i], c->ndict);
			out[i] = c->dict[idx[i]];
		}
		break;
	}
	case E_RLE: {
		if (leaf->type != PQ_BOOLEAN) pq_fail(e, "unsupported: RLE encoding for non-boolean values");
		if ((size_t)(r->end - r->p) < 4) pq_fail(e, "RLE booleans: missing length");
		uint32_t len = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
		r->p += 4;
		if (len > (size_t)(r->end - r->p)) pq_fail(e, "RLE booleans overrun the page");
		rd sub = {r->p, r->p + len, e};
		uint32_t *tmp = scratch(&c->s32, &c->c32, n, sizeof *tmp);
		rle_decode(&sub, 1, n, tmp);
		for (size_t i = 0; i < n; i++) out[i].u.i = tmp[i];
		r->p += len;
		break;
	}
	case E_DELTA_BP: {
		if (leaf->type != PQ_INT32 && leaf->type != PQ_INT64) pq_fail(e, "DELTA_BINARY_PACKED on a non-integer column");
		int64_t *tmp = scratch(&c->s64a, &c->c64a, n, sizeof *tmp);
		size_t got = 0;
		decode_delta_bp(r, c, n, tmp, &got);
		if (got != n) { pq_fail(e, "DELTA_BINARY_PACKED: %zu values, page has %zu", got, n); }
		for (size_t i = 0; i < n; i++) out[i].u.i = leaf->type == PQ_INT32 ? (int32_t)tmp[i] : tmp[i];
		break;
	}
	case E_DELTA_LBA: {
		if (leaf->type != PQ_BYTE_ARRAY) pq_fail(e, "DELTA_LENGTH_BYTE_ARRAY on a non-binary column");
		int64_t *lens = scratch(&c->s64a, &c->c64a, n, sizeof *lens);
		size_t got = 0;
		decode_delta_bp(r, c, n, lens, &got);
		if (got != n) { pq_fail(e, "DELTA_LENGTH_BYTE_ARRAY: %zu lengths for %zu values", got, n); }
		for (size_t i = 0; i < n; i++) {
			if (lens[i] < 0 || (uint64_t)lens[i] > (uint64_t)(r->end - r->p)) { pq_fail(e, "DELTA_LENGTH_BYTE_ARRAY: value overruns the page"); }
			out[i].u.b.p = r->p;
			out[i].u.b.n = (uint32_t)lens[i];
			r->p += lens[i];
		}
		break;
	}
	case E_DELTA_BA: {
		if (leaf->type != PQ_BYTE_ARRAY && leaf->type != PQ_FIXED) pq_fail(e, "DELTA_BYTE_ARRAY on a non-binary column");
		int64_t *pre = scratch(&c->s64a, &c->c64a, n, sizeof *pre), *suf = scratch(&c->s64b, &c->c64b, n, sizeof *suf);
		size_t g1 = 0, g2 = 0;
		decode_delta_bp(r, c, n, pre, &g1);
		decode_delta_bp(r, c, n, suf, &g2);
		if (g1 != n || g2 != n) { pq_fail(e, "DELTA_BYTE_ARRAY: counts do not match"); }
		/* materialise: total size bounded by sum of prefix+suffix, checked */
		uint64_t total = 0;
		for (size_t i = 0; i < n; i++) {
			if (pre[i] < 0 || suf[i] < 0 || (i == 0 && pre[i] != 0) || (i > 0 && pre[i] > (int64_t)(pre[i - 1] + suf[i - 1])) ||
			    (uint64_t)suf[i] > (uint64_t)(r->end - r->p)) {
				pq_fail(e, "DELTA_BYTE_ARRAY: bad prefix or suffix length");
			}
			total += (uint64_t)pre[i] + (uint64_t)suf[i];
			if (total > ((uint64_t)1 << 32)) { pq_fail(e, "DELTA_BYTE_ARRAY: values too large"); }
		}
		unsigned char *buf = keep_buf(c, (size_t)total);
		size_t o = 0;
		const unsigned char *prev = NULL;
		for (size_t i = 0; i < n; i++) {
			if ((uint64_t)suf[i] > (uint64_t)(r->end - r->p)) { pq_fail(e, "DELTA_BYTE_ARRAY: suffix overruns the page"); }
			unsigned char *v = buf + o;
			if (pre[i]) memcpy(v, prev, (size_t)pre[i]);
			memcpy(v + pre[i], r->p, (size_t)suf[i]);
			r->p += suf[i];
			out[i].u.b.p = v;
			out[i].u.b.n = (uint32_t)(pre[i] + suf[i]);
			prev = v;
			o += (size_t)(pre[i] + suf[i]);
		}
		break;
	}
	case E_BSS: {
		size_t sz = type_size(leaf->type, leaf->type_length);
		if (!sz || leaf->type == PQ_INT96) pq_fail(e, "BYTE_STREAM_SPLIT on an unsupported type");
		size_t total = (size_t)(r->end - r->p);
		if (total % sz || total / sz < n) pq_fail(e, "BYTE_STREAM_SPLIT: %zu bytes for %zu values of %zu bytes", total, n, sz);
		size_t stride = total / sz;
		unsigned char *buf = keep_buf(c, n * sz);
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < sz; k++) buf[i * sz + k] = r->p[k * stride + i];
		rd sub = {buf, buf + n * sz, e};
		decode_plain(&sub, leaf, n, out);
		r->p = r->end;
		break;
	}
	default:
		pq_fail(e, "unsupported: value encoding %d", enc);
	}
	c->nvals += n;
}

/* levels of a v1 page (4-byte length prefix for RLE) */
static void read_levels_v1(rd *r, pq_col *c, int enc, int maxl, size_t n, uint16_t *out)
{
	if (maxl == 0) { if (n) memset(out, 0, n * sizeof *out); return; }
	int w = 0;
	while ((1 << w) <= maxl) w++;
	uint32_t *tmp = scratch(&c->s32, &c->c32, n, sizeof *tmp);
	if (enc == E_RLE) {
		if ((size_t)(r->end - r->p) < 4) { pq_fail(r->e, "levels: missing length"); }
		uint32_t len = (uint32_t)r->p[0] | (uint32_t)r->p[1] << 8 | (uint32_t)r->p[2] << 16 | (uint32_t)r->p[3] << 24;
		r->p += 4;
		if (len > (size_t)(r->end - r->p)) { pq_fail(r->e, "levels overrun the page"); }
		rd sub = {r->p, r->p + len, r->e};
		rle_decode(&sub, w, n, tmp);
		r->p += len;
	} else if (enc == E_BIT_PACKED) {
		/* deprecated BIT_PACKED levels: MSB first */
		size_t bytes = (n * (size_t)w + 7) / 8;
		if (bytes > (size_t)(r->end - r->p)) { pq_fail(r->e, "levels overrun the page"); }
		for (size_t i = 0; i < n; i++) {
			uint32_t v = 0;
			for (int b = 0; b < w; b++) {
				size_t bit = i * (size_t)w + (size_t)b;
				v = v << 1 | ((r->p[bit >> 3] >> (7 - (bit & 7))) & 1);
			}
			tmp[i] = v;
		}
		r->p += bytes;
	} else {
		pq_fail(r->e, "unsupported: level encoding %d", enc);
	}
	for (size_t i = 0; i < n; i++) {
		if (tmp[i] > (uint32_t)maxl) { pq_fail(r->e, "level %u above the maximum %d", tmp[i], maxl); }
		out[i] = (uint16_t)tmp[i];
	}
}

static void read_levels_v2(const unsigned char *p, size_t len, pq_col *c, int maxl, size_t n, uint16_t *out, pq_err *e)
{
	if (maxl == 0) { memset(out, 0, n * sizeof *out); return; }
	int w = 0;
	while ((1 << w) <= maxl) w++;
	uint32_t *tmp = scratch(&c->s32, &c->c32, n, sizeof *tmp);
	rd sub = {p, p + len, e};
	rle_decode(&sub, w, n, tmp);
	for (size_t i = 0; i < n; i++) {
		if (tmp[i] > (uint32_t)maxl) { pq_fail(e, "level %u above the maximum %d", tmp[i], maxl); }
		out[i] = (uint16_t)tmp[i];
	}
}

void pq_decode_chunk(const unsigned char *file, size_t fsize, const pq_chunk *ch, const pq_node *leaf, pq_col *c, pq_err *e)
{
	if (ch->type != leaf->type) pq_fail(e, "column '%s': chunk type %d, schema type %d", leaf->name, ch->type, leaf->type);
	int64_t start = ch->dict_off > 0 && ch->dict_off < ch->data_off ? ch->dict_off : ch->data_off;
	if (start < 4 || (uint64_t)start >= fsize) pq_fail(e, "column '%s': chunk offset %lld outside the file", leaf->name, (long long)start);
	int64_t end = start + ch->total_comp;
	if (ch->total_comp <= 0 || (uint64_t)end > fsize) pq_fail(e, "column '%s': chunk of %lld bytes at %lld exceeds the file", leaf->name, (long long)ch->total_comp, (long long)start);
	if (ch->num_values < 0) pq_fail(e, "column '%s': negative value count", leaf->name);
	size_t pos = (size_t)start;
	uint64_t seen = 0;
	while (seen < (uint64_t)ch->num_values && pos < (size_t)end) {
		pq_page_header h;
		size_t hl = pq_read_page_header(file + pos, (size_t)end - pos, &h, e);
		pos += hl;
		if ((size_t)h.comp > (size_t)end - pos)
			pq_fail(e, "column '%s': page at offset %zu: compressed size %d exceeds the column chunk (%zu bytes left)", leaf->name, pos, h.comp, (size_t)end - pos);
		const unsigned char *pdata = file + pos;
		pos += (size_t)h.comp;
		if (h.type == 1) continue;   /* index page */
		/* an uncompressed size far beyond what any codec yields is an attack, not data */
		if ((uint64_t)h.uncomp > (uint64_t)h.comp * 2048 + 1024 * 1024)
			pq_fail(e, "column '%s': page claims %d bytes from %d compressed", leaf->name, h.uncomp, h.comp);
		if (h.type == 2) {
			unsigned char *buf = keep_buf(c, (size_t)h.uncomp);
			pq_decompress(ch->codec, pdata, (size_t)h.comp, buf, (size_t)h.uncomp, leaf->name, e);
			if (h.num_values < 0 || (h.encoding != E_PLAIN && h.encoding != E_PLAIN_DICT))
				pq_fail(e, "column '%s': dictionary page encoding %d", leaf->name, h.encoding);
			size_t nd = (size_t)h.num_values;
			if (leaf->type != PQ_BOOLEAN && nd > (size_t)h.uncomp + 1) pq_fail(e, "column '%s': dictionary of %zu values in %d bytes", leaf->name, nd, h.uncomp);
			free(c->dict);
			c->dict = xmalloc((nd ? nd : 1) * sizeof *c->dict);
			c->ndict = nd;
			rd r = {buf, buf + h.uncomp, e};
			decode_plain(&r, leaf, nd, c->dict);
			continue;
		}
		if (h.type != 0 && h.type != 3) pq_fail(e, "column '%s': unknown page type %d", leaf->name, h.type);
		size_t n = (size_t)h.num_values;
		if (n > (uint64_t)ch->num_values - seen) pq_fail(e, "column '%s': pages hold more values than the chunk", leaf->name);
		need_levels(c, n);
		uint16_t *def = c->def + c->nlevels, *rep = c->rep + c->nlevels;
		const unsigned char *vals;
		size_t vlen;
		if (h.type == 0) {
			unsigned char *buf = keep_buf(c, (size_t)h.uncomp);
			pq_decompress(ch->codec, pdata, (size_t)h.comp, buf, (size_t)h.uncomp, leaf->name, e);
			rd r = {buf, buf + h.uncomp, e};
			read_levels_v1(&r, c, h.rep_enc, leaf->max_rep, n, rep);
			read_levels_v1(&r, c, h.def_enc, leaf->max_def, n, def);
			vals = r.p;
			vlen = (size_t)(r.end - r.p);
		} else {
			if (h.def_len < 0 || h.rep_len < 0 || (size_t)h.def_len + (size_t)h.rep_len > (size_t)h.comp ||
			    h.def_len + h.rep_len > h.uncomp)
				pq_fail(e, "column '%s': v2 page level lengths exceed the page", leaf->name);
			read_levels_v2(pdata, (size_t)h.rep_len, c, leaf->max_rep, n, rep, e);
			read_levels_v2(pdata + h.rep_len, (size_t)h.def_len, c, leaf->max_def, n, def, e);
			size_t lv = (size_t)h.def_len + (size_t)h.rep_len;
			size_t clen = (size_t)h.comp - lv, ulen = (size_t)h.uncomp - lv;
			unsigned char *buf = keep_buf(c, ulen);
			if (h.is_compressed && ch->codec != 0) pq_decompress(ch->codec, pdata + lv, clen, buf, ulen, leaf->name, e);
			else { if (clen != ulen) pq_fail(e, "column '%s': uncompressed v2 page sizes differ", leaf->name); memcpy(buf, pdata + lv, clen); }
			vals = buf;
			vlen = ulen;
		}
		size_t nonnull = 0;
		for (size_t i = 0; i < n; i++) nonnull += def[i] == leaf->max_def;
		rd r = {vals, vals + vlen, e};
		decode_values(&r, h.encoding, leaf, c, nonnull);
		c->nlevels += n;
		seen += n;
	}
	if (seen != (uint64_t)ch->num_values)
		pq_fail(e, "column '%s': chunk has %llu values, metadata says %lld", leaf->name, (unsigned long long)seen, (long long)ch->num_values);
}

/* dedup.c — see dedup.h. */
#include "dedup.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

void dd_fold(const char *s, size_t n, jbuf *out)
{
	int space = 1;   /* drop leading whitespace */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
			space = 1;
			continue;
		}
		if (space && out->len && out->p[out->len - 1] != '\x1f') jbuf_putc(out, ' ');
		space = 0;
		jbuf_putc(out, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
	}
}

int dd_normalize(const json_doc *d, int key, jbuf *out)
{
	jbuf_reset(out);
	uint32_t ms = json_get(d, 0, "messages");
	if (json_type_of(d, ms) != JSON_ARRAY) return -1;
	jbuf tmp = {0};
	JSON_FOR_ELEMS(d, ms, m, k) {
		(void)k;
		if (json_type_of(d, m) != JSON_OBJECT) continue;
		uint32_t r = json_get(d, m, "role"), c = json_get(d, m, "content");
		if (json_type_of(d, c) != JSON_STRING) continue;
		if (key == DD_KEY_USER && !(json_type_of(d, r) == JSON_STRING && json_str_eq(d, r, "user", 4))) continue;
		if (key == DD_KEY_ALL && json_type_of(d, r) == JSON_STRING) {
			json_str_append(d, r, out);
			jbuf_putc(out, '\x1f');
		}
		jbuf_reset(&tmp);
		json_str_append(d, c, &tmp);
		dd_fold(tmp.p ? tmp.p : "", tmp.len, out);
		jbuf_putc(out, '\x1f');
	}
	jbuf_free(&tmp);
	if (!out->p) jbuf_put(out, "", 0);
	return 0;
}

dd_key dd_exact_key(const char *s, size_t n)
{
	XXH128_hash_t h = XXH3_128bits(s, n);
	dd_key k = { h.low64, h.high64 };
	return k;
}

static uint64_t perm_a(int k) { uint64_t x = 0x9E3779B97F4A7C15ull * (uint64_t)(k + 1); x ^= x >> 29; x *= 0xBF58476D1CE4E5B9ull; return x | 1; }
static uint64_t perm_b(int k) { uint64_t x = 0xD1B54A32D192ED03ull * (uint64_t)(k + 7); x ^= x >> 31; x *= 0x94D049BB133111EBull; return x; }

size_t dd_minhash(const char *s, size_t n, int ngram, uint32_t *sig, int nperm)
{
	uint64_t a[512], b[512];
	if (nperm > 512) nperm = 512;
	for (int k = 0; k < nperm; k++) { sig[k] = UINT32_MAX; a[k] = perm_a(k); b[k] = perm_b(k); }
	/* word starts */
	size_t ws[64], nw = 0, count = 0;
	size_t i = 0;
	/* a ring of the last ngram word spans */
	size_t st[64], en[64];
	if (ngram < 1) ngram = 1;
	if (ngram > 32) ngram = 32;
	(void)ws;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\x1f')) i++;
		if (i >= n) break;
		size_t j = i;
		while (j < n && s[j] != ' ' && s[j] != '\x1f') j++;
		st[nw % 64] = i;
		en[nw % 64] = j;
		nw++;
		if (nw >= (size_t)ngram) {
			size_t f = (nw - ngram) % 64;
			uint64_t h = XXH3_64bits(s + st[f], en[(nw - 1) % 64] - st[f]);
			for (int k = 0; k < nperm; k++) {
				uint32_t v = (uint32_t)((h * a[k] + b[k]) >> 32);
				if (v < sig[k]) sig[k] = v;
			}
			count++;
		}
		i = j;
	}
	if (!count && nw) {   /* fewer words than ngram: the whole text is one shingle */
		uint64_t h = XXH3_64bits(s + st[0], en[(nw - 1) % 64] - st[0]);
		for (int k = 0; k < nperm; k++) sig[k] = (uint32_t)((h * a[k] + b[k]) >> 32);
		count = 1;
	}
	return count;
}

double dd_sig_similarity(const uint32_t *a, const uint32_t *b, int nperm)
{
	int eq = 0;
	for (int k = 0; k < nperm; k++) eq += a[k] == b[k];
	return nperm ? (double)eq / nperm : 0;
}

uint64_t dd_band_key(const uint32_t *sig, int band, int rows)
{
	return XXH3_64bits_withSeed(sig + (size_t)band * rows, (size_t)rows * sizeof *sig, (uint64_t)band);
}

double dd_candidate_prob(double s, int bands, int rows)
{
	return 1 - pow(1 - pow(s, rows), bands);
}

void dd_uf_add(dd_uf *u)
{
	if (u->n == u->cap) { u->cap = u->cap ? u->cap * 2 : 1024; u->parent = xrealloc(u->parent, u->cap * sizeof *u->parent); }
	u->parent[u->n] = (uint32_t)u->n;
	u->n++;
}

uint32_t dd_uf_find(dd_uf *u, uint32_t x)
{
	while (u->parent[x] != x) { u->parent[x] = u->parent[u->parent[x]]; x = u->parent[x]; }
	return x;
}

void dd_uf_union(dd_uf *u, uint32_t a, uint32_t b)
{
	a = dd_uf_find(u, a);
	b = dd_uf_find(u, b);
	if (a == b) return;
	if (a < b) u->parent[b] = a; else u->parent[a] = b;
}

void dd_uf_free(dd_uf *u) { free(u->parent); memset(u, 0, sizeof *u); }

/*
 * dedup.h — the parts of deduplication: a normalized view of a conversation,
 * exact keys (xxh3-128), MinHash signatures over word n-grams, LSH band keys,
 * and a union-find.
 *
 * Normalization (dd_normalize): every message's role and content (or, with
 * DD_KEY_USER, user contents only), joined with separators; ASCII letters
 * folded to lower case, runs of whitespace collapsed to one space, ends
 * trimmed, after Unicode NFC and case folding for non-ASCII text (so
 * composed and decomposed accents, É and é, compare equal). Markdown and code fences are kept.
 *
 * MinHash: each word n-gram (n = ngram, words split on whitespace) is hashed
 * with xxh3-64; signature k is min over shingles of (h * a_k + b_k) >> 32
 * with fixed odd a_k, so signatures are deterministic across runs and
 * machines. Two signatures agree at a position with probability equal to the
 * Jaccard similarity of the shingle sets.
 */
#ifndef SFTKIT_DEDUP_H
#define SFTKIT_DEDUP_H

#include <stddef.h>
#include <stdint.h>
#include "json.h"
#include "util.h"

enum { DD_KEY_ALL, DD_KEY_USER };

/* The normalized text of record root (node 0) of d into out. 0, or -1 when
 * the record has no messages list. */
int dd_normalize(const json_doc *d, int key, jbuf *out);
/* fold 0: the role and content text as they are (no NFC, case or whitespace folding) */
int dd_normalize_opt(const json_doc *d, int key, int fold, jbuf *out);
/* NFC of s into out (appends); casefold also folds case (Unicode) */
void dd_nfc(const char *s, size_t n, int casefold, jbuf *out);
void dd_fold(const char *s, size_t n, jbuf *out);   /* the text part alone */

typedef struct dd_key { uint64_t lo, hi; } dd_key;
dd_key dd_exact_key(const char *s, size_t n);

/* sig[nperm]; returns the number of shingles (0 for empty text: sig all max).
 * Uses AVX-512 or AVX2 when the CPU has them, with the same results. */
size_t dd_minhash(const char *s, size_t n, int ngram, uint32_t *sig, int nperm);
/* Tests: cap the implementation at 0 (scalar), 1 (AVX2) or 2 (AVX-512); -1 best. */
void dd_minhash_impl(int which);
/* estimated Jaccard: share of equal positions */
double dd_sig_similarity(const uint32_t *a, const uint32_t *b, int nperm);
/* key of band b (rows r): a hash of sig[b*r .. b*r+r) and b */
uint64_t dd_band_key(const uint32_t *sig, int band, int rows);
/* probability that a pair of similarity s becomes a candidate: 1-(1-s^r)^b */
double dd_candidate_prob(double s, int bands, int rows);

/* union-find over record indexes */
typedef struct dd_uf { uint32_t *parent; size_t n, cap; } dd_uf;
void dd_uf_add(dd_uf *u);                 /* a new singleton, index u->n */
uint32_t dd_uf_find(dd_uf *u, uint32_t x);
void dd_uf_union(dd_uf *u, uint32_t a, uint32_t b);  /* the smaller index becomes the root */
void dd_uf_free(dd_uf *u);

/* Exact keys: the first record seen under each key. Open addressing over
 * the key's own bits (xxh3-128 is uniform already), about 24 bytes a key. */
typedef struct dd_keytab {
	struct dd_keyslot { uint64_t lo, hi; uint32_t idx; } *slot;   /* idx: record + 1, 0 = empty */
	size_t cap, n;
} dd_keytab;
/* The record first seen under key, or idx (now recorded under it) if none. */
uint32_t dd_keytab_first(dd_keytab *t, dd_key key, uint32_t idx);
void dd_keytab_free(dd_keytab *t);

/* LSH banding over MinHash signatures: per band, a table from the band's
 * 32-bit fingerprint to the first record seen with it. A fingerprint
 * collision only makes a candidate, which verification rejects. */
typedef struct dd_lsh {
	int bands, rows;
	double threshold;        /* estimated Jaccard a candidate pair must reach */
	struct dd_bandslot { uint32_t fp, idx; } **band;   /* idx: record + 1, 0 = empty */
	size_t cap, n;
} dd_lsh;
void dd_lsh_init(dd_lsh *l, int bands, int rows, double threshold);
/* Join record i (signature sigs[i * bands * rows ...]) with the first record
 * of each band bucket it falls in, when their signatures agree at least
 * threshold; sigs holds every record's signature so far. The groups do not
 * depend on the order of the joins, so shards may make them once all
 * signatures are known. */
void dd_lsh_join(dd_lsh *l, const uint32_t *sigs, uint32_t i, dd_uf *uf);
void dd_lsh_free(dd_lsh *l);

#endif

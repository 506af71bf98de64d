/*
 * dedup.h — the parts of deduplication: a normalized view of a conversation,
 * exact keys (xxh3-128), MinHash signatures over word n-grams, LSH band keys,
 * and a union-find.
 *
 * Normalization (dedup_normalize): every message's role and content (or, with
 * DEDUP_KEY_USER, user contents only), joined with separators; ASCII letters
 * folded to lower case, runs of whitespace collapsed to one space, ends
 * trimmed, after Unicode NFC and case folding for non-ASCII text (so
 * composed and decomposed accents, É and é, compare equal). Markdown and code fences are kept.
 *
 * Shingles: the word n-grams (n = ngram) of the normalized text. Words are
 * the runs between separators, and the separators are whitespace, the
 * message separator 0x1f, ASCII punctuation (!"#$%&'()*+,-./:;<=>?@[\]^_`{|}~)
 * and Unicode punctuation (general categories Pc, Pd, Ps, Pe, Pi, Pf, Po), so
 * "Hello, world!" and "hello world" have the same shingles. Each word is hashed
 * with xxh3-64 and a shingle's hash is xxh3-64 of its words' hashes; a text
 * of fewer words than n is one shingle, all its words.
 *
 * MinHash: signature k is min over shingles of (h * a_k + b_k) >> 32 with
 * fixed odd a_k, so signatures are deterministic across runs and machines.
 * Two signatures agree at a position with probability equal to the Jaccard
 * similarity of the shingle sets. LSH banding turns signatures into candidate
 * pairs; the verifier computes a candidate pair's exact Jaccard from the two
 * records' shingle sets, which the caller supplies as text on demand (read
 * back from a spool, say), so nothing of the records is held beyond a small
 * cache of sets.
 *
 * Memory: what a function returns through a pointer it grew (dedup_shingle_set's
 * set) is the caller's to free; the tables and the verifier have their *_free.
 * Thread-safety: no shared state, except dedup_minhash_impl (tests only); one
 * table or verifier per thread. Errors: dedup_normalize returns -1 for a record
 * without messages; the verifier passes on the text callback's -1.
 */
#ifndef SFTKIT_DEDUP_H
#define SFTKIT_DEDUP_H

#include <stddef.h>
#include <stdint.h>
#include "json.h"
#include "util.h"

enum { DEDUP_KEY_ALL, DEDUP_KEY_USER };

/* The normalized text of record root (node 0) of d into out. 0, or -1 when
 * the record has no messages list. */
int dedup_normalize(const json_doc *d, int key, strbuf *out);
/* fold 0: the role and content text as they are (no NFC, case or whitespace folding) */
int dedup_normalize_opt(const json_doc *d, int key, int fold, strbuf *out);
/* NFC of s into out (appends); casefold also folds case (Unicode) */
void dedup_nfc(const char *s, size_t n, int casefold, strbuf *out);
void dedup_fold(const char *s, size_t n, strbuf *out);   /* the text part alone */

typedef struct dedup_key { uint64_t lo, hi; } dedup_key;
dedup_key dedup_exact_key(const char *s, size_t n);

/* sig[nperm]; returns the number of shingles (0 for empty text: sig all max).
 * Uses AVX-512 or AVX2 when the CPU has them, with the same results. */
size_t dedup_minhash(const char *s, size_t n, int ngram, uint32_t *sig, int nperm);
/* The two halves of dedup_minhash: the hashes of s's shingles in text order
 * (repeats included) into *h (grown as needed, *cap its capacity, the
 * caller frees it), their number returned; and the signature of m hashes. */
size_t dedup_shingle_hashes(const char *s, size_t n, int ngram, uint64_t **h, size_t *cap);
void dedup_minhash_of(const uint64_t *h, size_t m, uint32_t *sig, int nperm);
/* Tests: cap the implementation at 0 (scalar), 1 (AVX2) or 2 (AVX-512); -1 best. */
void dedup_minhash_impl(int which);
/* estimated Jaccard: share of equal positions */
double dedup_sig_similarity(const uint32_t *a, const uint32_t *b, int nperm);
/* key of band b (rows r): a hash of sig[b*r .. b*r+r) and b */
uint64_t dedup_band_key(const uint32_t *sig, int band, int rows);
/* probability that a pair of similarity s becomes a candidate: 1-(1-s^r)^b */
double dedup_candidate_prob(double s, int bands, int rows);

/* union-find over record indexes */
typedef struct dedup_uf { uint32_t *parent; size_t n, cap; } dedup_uf;
void dedup_uf_add(dedup_uf *u);                 /* a new singleton, index u->n */
uint32_t dedup_uf_find(dedup_uf *u, uint32_t x);
void dedup_uf_union(dedup_uf *u, uint32_t a, uint32_t b);  /* the smaller index becomes the root */
void dedup_uf_free(dedup_uf *u);

/* Exact keys: the first record seen under each key. Open addressing over
 * the key's own bits (xxh3-128 is uniform already), about 24 bytes a key. */
typedef struct dedup_keytab {
	struct dedup_keyslot { uint64_t lo, hi; uint32_t idx; } *slot;   /* idx: record + 1, 0 = empty */
	size_t cap, n;
} dedup_keytab;
/* The record first seen under key, or idx (now recorded under it) if none. */
uint32_t dedup_keytab_first(dedup_keytab *t, dedup_key key, uint32_t idx);
void dedup_keytab_free(dedup_keytab *t);

/* Groups of exact duplicates among n records (n < 2^31), from their keys
 * and ranks (rank & 0x7FFF compared, lower preferred; the top bit is the
 * caller's). surv[i] is DEDUP_SINGLE when record i is alone under its key, else
 * the group's first record by (rank, index), the group's survivor; with
 * keep > 1 the 2nd to keep-th records of a group are kept too, and their
 * surv is the survivor or'ed with DEDUP_EXTRA. Allocates a sort order (8 bytes
 * a record) while it runs. */
#define DEDUP_SINGLE UINT32_MAX
#define DEDUP_EXTRA 0x80000000u
void dedup_exact_groups(const dedup_key *keys, const uint16_t *rank, size_t n, unsigned keep, uint32_t *surv);

/* The sorted distinct shingle hashes of s[0..n) into *set (grown as needed,
 * *cap its capacity; the caller frees *set). Returns their number (0 for a
 * text without words). The shingles are those dedup_minhash uses. */
size_t dedup_shingle_set(const char *s, size_t n, int ngram, uint64_t **set, size_t *cap);
/* |a & b| / |a | b| of two sorted distinct sets (1 when both are empty) */
double dedup_jaccard(const uint64_t *a, size_t na, const uint64_t *b, size_t nb);

/* A candidate pair is verified exactly when its signatures agree at least at
 * threshold - DEDUP_EST_SLACK of the positions: the estimate only saves work on
 * pairs far below the threshold (with 112 values its standard error at 0.8
 * is 0.038, so 0.15 is four of them). */
#define DEDUP_EST_SLACK 0.15

/* LSH banding over MinHash signatures: per band, a table from the band's
 * 32-bit fingerprint to the first record seen with it. */
typedef struct dedup_lsh {
	int bands, rows;
	double min_est;          /* estimated Jaccard a candidate pair must reach */
	struct dedup_bandslot { uint32_t fp, idx; } **band;   /* idx: record + 1, 0 = empty */
	size_t cap, n;
} dedup_lsh;
/* threshold: the Jaccard near duplicates must reach (min_est from it) */
void dedup_lsh_init(dedup_lsh *l, int bands, int rows, double threshold);
/* Add record i (signature sigs[i * bands * rows ...]; sigs holds every
 * record's signature so far) and write to out[0..bands) the distinct records
 * that are first in a band bucket record i falls in, whose signatures agree
 * with i's at least min_est, and that uf (when not NULL) has not joined with
 * i already. Returns their number. The candidate pairs, once verified, make
 * groups that do not depend on the order records are added in, so shards may
 * make them once all signatures are known. */
int dedup_lsh_candidates(dedup_lsh *l, const uint32_t *sigs, uint32_t i, dedup_uf *uf, uint32_t *out);
void dedup_lsh_free(dedup_lsh *l);

/* Exact Jaccard of candidate pairs. text(ctx, idx, &t, &n) gives record
 * idx's normalized text (valid until the next call), 0, or -1 on failure.
 * The shingle sets of DEDUP_VCACHE records are kept, record idx in slot
 * idx % DEDUP_VCACHE (8 bytes a shingle, about one shingle a word), so a record
 * in several pairs is usually read once. */
typedef int (*dedup_text_fn)(void *ctx, uint32_t idx, const char **t, size_t *n);
#define DEDUP_VCACHE 64
typedef struct dedup_verifier {
	int ngram;
	double threshold;        /* the caller compares against it */
	dedup_text_fn text;
	void *ctx;
	struct dedup_vslot { uint32_t idx; int sorted; uint64_t *set; size_t n, cap; } slot[DEDUP_VCACHE], spare;
	uint64_t pairs, reads;   /* pairs measured, records read */
} dedup_verifier;
void dedup_verifier_init(dedup_verifier *v, int ngram, double threshold, dedup_text_fn text, void *ctx);
/* The exact Jaccard of records a and b into *j: 0, or -1 when text failed. */
int dedup_verifier_jaccard(dedup_verifier *v, uint32_t a, uint32_t b, double *j);
/* Give the verifier record idx's shingle hashes (from dedup_shingle_hashes),
 * which it keeps in idx's cache slot: *h and *cap are swapped with the
 * slot's old buffer, so nothing is copied. A caller adding records in order
 * this way has the last DEDUP_VCACHE records' sets at hand without reading. */
void dedup_verifier_put(dedup_verifier *v, uint32_t idx, uint64_t **h, size_t n, size_t *cap);
void dedup_verifier_free(dedup_verifier *v);

#endif

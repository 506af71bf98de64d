/*
 * tok_int.h — the tokenizer's parts, shared by its files and by nothing
 * else (include tok/tok.h outside src/lib/tok). The files follow HF
 * tokenizers' own seams:
 *   tables.c     the vocabulary (string -> id) and merge (pair -> rank) tables
 *   load.c       tokenizer.json: the components, checked; tok_load, tok_free
 *   normalize.c  the normalizers, and find_iter (Oniguruma's find_iter)
 *   added.c      added tokens (AddedVocabulary's matching), a byte trie
 *   pretok.c     the pre-tokenizers, run depth first over pieces
 *   splitre.c    the cl100k family of split regexes by hand (splitre.h)
 *   bpe.c        the BPE model: barriers, the merge loop, the word cache
 *   tok.c        tok_state, tok_encode and tok_count_bounded (the pipeline)
 * Functions shared across the files are prefixed tok_ and declared here;
 * their contracts are those of tok.h (nothing prints, a tok is read-only
 * once loaded, a tok_state belongs to one thread).
 */
#ifndef SFTKIT_TOK_INT_H
#define SFTKIT_TOK_INT_H

#include "tok/tok.h"
#include "json.h"
#include "util.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <utf8proc.h>
#include <xxhash.h>

#include <stdlib.h>
#include <string.h>

/* ---- a string -> int32 hash map over a byte pool (tables.c) ---- */

typedef struct strmap {
	uint32_t *slots;     /* entry index + 1, 0 = empty */
	size_t cap;          /* power of two */
	struct { uint64_t h; uint32_t off, len; int32_t val; } *e;
	size_t n, ecap;
	strbuf pool;
} strmap;

static inline int32_t sm_get(const strmap *m, const char *k, size_t n)
{
	if (!m->cap) return -1;
	uint64_t h = XXH3_64bits(k, n);
	for (size_t j = h & (m->cap - 1);; j = (j + 1) & (m->cap - 1)) {
		uint32_t s = m->slots[j];
		if (!s) return -1;
		if (m->e[s - 1].h == h && m->e[s - 1].len == n && !memcmp(m->pool.p + m->e[s - 1].off, k, n))
			return m->e[s - 1].val;
	}
}

void tok_sm_reserve(strmap *m, size_t n);
/* Insert, or replace the value of an equal key (HF keeps a JSON object's last duplicate) */
void tok_sm_put(strmap *m, const char *k, size_t n, int32_t v);
void tok_sm_free(strmap *m);

/* ---- pairs of ids -> a value: the merges, the added tokens' trie (tables.c) ---- */

/* One 64-bit slot a pair: a in bits 0-20, b in bits 21-41, the value in
 * bits 42-63. The merge loop looks a pair up per merge, at random places
 * in the table: packed, Gemma's 580K merges take 8 MB, not the 32 MB of
 * a 16-byte slot at half load, which filled the L3 cache and went to
 * memory. A merge's value is its rank; tok.merge_id gives its new id,
 * read only when a merge is made. All ones (no value is PM_V_MAX) is an
 * empty slot. */
enum { PM_ID_BITS = 21, PM_V_BITS = 22 };
#define PM_ID_MAX (((int32_t)1 << PM_ID_BITS) - 1)     /* the largest a or b */
#define PM_V_MAX (((uint32_t)1 << PM_V_BITS) - 2)      /* the largest value */
typedef struct mergemap {
	uint64_t *t;
	size_t cap, n;
	unsigned shift;      /* 64 - log2(cap): a key's slot is its hash's top bits */
} mergemap;

static inline uint64_t mkey(int32_t a, int32_t b) { return (uint64_t)(uint32_t)a | (uint64_t)(uint32_t)b << PM_ID_BITS; }
static inline int32_t mm_a(uint64_t slot) { return (int32_t)(slot & PM_ID_MAX); }
static inline int32_t mm_b(uint64_t slot) { return (int32_t)(slot >> PM_ID_BITS & PM_ID_MAX); }
#define PM_KEY_MASK ((((uint64_t)1) << (2 * PM_ID_BITS)) - 1)

/* A key's first slot: the top bits of a multiply (Fibonacci hashing),
 * which every bit of both ids reaches (the low bits of a multiply, as a
 * first version took them, let only 5 bits of the left id in: long probe
 * runs). Two instructions: the merge loop looks a pair up per merge. */
static inline size_t mm_slot(const mergemap *m, uint64_t k) { return (size_t)((k * 0x9E3779B97F4A7C15ull) >> m->shift); }

/* (a, b)'s value in *v; 0 if the pair is absent (as any pair with an id
 * outside 0..PM_ID_MAX is). */
static inline int mm_get(const mergemap *m, int32_t a, int32_t b, uint32_t *v)
{
	if (!m->cap || (uint32_t)(a | b) > PM_ID_MAX) return 0;
	uint64_t k = mkey(a, b);
	for (size_t j = mm_slot(m, k);; j = (j + 1) & (m->cap - 1)) {
		uint64_t e = m->t[j];
		if (e == UINT64_MAX) return 0;
		if (((e ^ k) & PM_KEY_MASK) == 0) { *v = (uint32_t)(e >> (2 * PM_ID_BITS)); return 1; }
	}
}

void tok_mm_reserve(mergemap *m, size_t n);
/* a, b <= PM_ID_MAX, v <= PM_V_MAX (the caller checks); the first value
 * put for a pair stays (the lowest rank wins) */
void tok_mm_put(mergemap *m, int32_t a, int32_t b, uint32_t v);

/* One code point of valid UTF-8 (util's decoder) and its length. */
static inline uint32_t u8dec(const char *p, size_t n, size_t *len)
{
	uint32_t c;
	*len = (size_t)utf8_decode(p, n, &c);
	return c;
}

/* ---- Unicode classes, as Rust's char methods and Oniguruma define them ---- */


/* Length of the character that ends at p[n-1]. */
static inline size_t u8back(const char *p, size_t n)
{
	size_t k = 1;
	while (k < n && k < 4 && ((unsigned char)p[n - k] & 0xC0) == 0x80) k++;
	return k;
}

/* Rust's char::is_whitespace: the White_Space property (also Oniguruma's \s). */
static inline int cp_ws(uint32_t c)
{
	return (c >= 9 && c <= 13) || c == 32 || c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
	       c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

static inline int cp_cat(uint32_t c) { return utf8proc_category((utf8proc_int32_t)c); }

/* Rust's char::is_numeric: Nd, Nl, No. */
static inline int cp_numeric(uint32_t c)
{
	if (c < 128) return c >= '0' && c <= '9';
	int k = cp_cat(c);
	return k == UTF8PROC_CATEGORY_ND || k == UTF8PROC_CATEGORY_NL || k == UTF8PROC_CATEGORY_NO;
}

/* HF's is_punc: ASCII punctuation (symbols included) or a Unicode P* category. */
static inline int cp_punct(uint32_t c)
{
	if (c < 128) return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
	int k = cp_cat(c);
	return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

/* A word character for single_word added tokens (the regex crate's \w:
 * letters, marks, Nd, Nl, Pc, the joiners). */
static inline int cp_word(uint32_t c)
{
	if (c < 128) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
	if (c == 0x200C || c == 0x200D) return 1;
	int k = cp_cat(c);
	return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_ME) || k == UTF8PROC_CATEGORY_ND ||
	       k == UTF8PROC_CATEGORY_NL || k == UTF8PROC_CATEGORY_PC;
}

enum { N_NFC = 1, N_NFKC, N_NFD, N_NFKD, N_LOWER, N_PREPEND, N_REPLACE, N_REPLACE_RE, N_STRIP, N_STRIP_ACCENTS, N_BERT };
typedef struct norm_op {
	int type;
	char *a, *b;           /* Prepend: a; Replace: pattern a, content b */
	pcre2_code *re;        /* Replace with a Regex pattern */
	int left, right;       /* Strip */
	int clean, chinese, strip_accents, lower;   /* BertNormalizer */
} norm_op;

/* HF's SplitDelimiterBehavior */
enum { B_REMOVED, B_ISOLATED, B_MPREV, B_MNEXT, B_CONTIG };
enum { P_SPLIT = 1, P_CLASS, P_BYTELEVEL, P_METASPACE };
enum { C_WS = 1, C_PUNCT, C_NUMERIC, C_DELIM };
typedef struct pre_op {
	int type;
	pcre2_code *re;        /* Split (regex), Whitespace, ByteLevel with use_regex */
	int fast;              /* Split: the regex's hand-written matcher (splitre.h), 0 none */
	char *str;             /* Split with a String pattern */
	int behavior, invert;
	int cls;               /* P_CLASS: which characters are the delimiters */
	uint32_t delim;        /* CharDelimiterSplit */
	int add_prefix_space;  /* ByteLevel */
	char *replacement;     /* Metaspace */
	int prepend;           /* Metaspace: 0 never, 1 always, 2 first */
	int split;
} pre_op;

typedef struct added_tok {
	char *s;               /* content; normalized ones as the normalizer leaves it */
	size_t n;
	int32_t id;
	int lstrip, rstrip, single_word, normalized;
} added_tok;

/* Added tokens as a byte trie: edges (node, byte) -> child in a mergemap. */
typedef struct atrie {
	mergemap edges;
	int32_t *term;         /* node -> index in tok.added, -1 */
	int32_t nn;
	size_t ncap;           /* term's room, in nodes */
	unsigned char first[256];
	int nfirst;            /* how many bytes start a token; with one, it is only */
	unsigned char only;
} atrie;

struct tok {
	strmap vocab;
	mergemap merges;       /* (a, b) -> rank */
	int32_t *merge_id;     /* rank -> the merged symbol's id */
	norm_op *norm;
	int nnorm;
	pre_op *pre;
	int npre;
	int byte_level;        /* a ByteLevel pre-tokenizer: words are bytes */
	int32_t byte_sym[256]; /* byte-level: id of each byte's symbol */
	char byte_u8[256][2];  /* byte-level: each byte's symbol in UTF-8 (U+0021..U+0143: 1 or 2 bytes) */
	unsigned char byte_u8n[256];
	int32_t byte_fb[256];  /* byte_fallback: <0xXX> ids */
	int byte_fallback, fuse_unk, ignore_merges;
	/* Barriers for models without a ByteLevel pre-tokenizer (see
	 * find_barriers): characters in classes, ASCII 0-127, U+2581 (128) and
	 * any other (129); kind of each class's characters (the other class's
	 * is looked up per character); pair[a][b]: some vocab entry holds a
	 * character of class a right before one of class b */
	int barriers;
	unsigned char kind[129];
	int32_t cls_id[129];   /* the class character's vocab id, -1 */
	unsigned char pair[130][130];
	/* cut[pair16(a, b)], for two bytes a, b in a row: 0 where the scan of a
	 * run of class characters goes on past b, 1 where it stops. For ASCII a
	 * (or 0x81, the last byte of U+2581) and ASCII b it is the barrier
	 * between the two characters; before 0xE2 it is the barrier before
	 * U+2581; the pairs (0xE2, 0x96) and (0x96, 0x81) inside U+2581 are 0
	 * and every other pair is 1, so that one lookup a byte scans ASCII and
	 * U+2581 alike (bpe.c: scan_class, barrier) */
	unsigned char cut[1 << 16];
	int fb_inert;          /* no merge takes a <0xXX> token as either part */
	size_t max_len;        /* the longest vocab entry, in bytes: no token covers more */
	int32_t unk;
	added_tok *added;
	int nadded;
	atrie raw, normed;     /* added tokens matched before / after normalization */
	int n_special;
};

/* GPT-2's byte to printable code point table */
static inline uint32_t byte_cp(int b)
{
	if ((b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)) return (uint32_t)b;
	int k = 0;
	for (int x = 0; x < b; x++)
		if (!((x >= 33 && x <= 126) || (x >= 161 && x <= 172) || (x >= 174 && x <= 255))) k++;
	return 256u + (uint32_t)k;
}

static inline size_t put_utf8(char *o, uint32_t cp) { return (size_t)utf8_encode(cp, o); }

/* ---- encoding ---- */

typedef struct amatch { size_t s, e; int32_t id; } amatch;
typedef struct amatches { amatch *v; size_t n, cap; } amatches;

#define CACHE_BITS 17
/* the longest word cached: 1024 bytes, so runs of U+2581 (3 bytes each) in
 * aligned code, which Gemma and Mistral keep whole, are cached too */
#define CACHE_MAX 1024
/* One cache line a word: keys of up to 24 bytes and results of up to 5 ids
 * are held in the entry itself, longer ones in ckeys / cids, so a hit on a
 * short word touches one line of memory. */
enum { CK_IN = 24, CI_IN = 5 };
typedef struct cache_ent {
	uint64_t h;
	uint32_t koff, ioff;
	uint16_t klen, in;
	char key[CK_IN];
	int32_t ids[CI_IN];
} cache_ent;
_Static_assert(sizeof(cache_ent) == 64, "a cache entry is one 64-byte line");

struct tok_state {
	const tok *t;
	strbuf a, b, tmp;         /* normalization buffers */
	amatches am, an;        /* added tokens found in the raw / normalized text */
	pcre2_match_data *md;   /* the normalizers' */
	int merr;               /* the first PCRE2 match error since tok_state_error */
	/* the pre-tokenizers run depth first, one piece at a time: per stage
	 * its rewritten piece (ByteLevel's prefix space, Metaspace), its match
	 * data, and whether it has seen a piece of this section yet */
	strbuf *sb;
	pcre2_match_data **smd;
	int *seen;
	/* where ids go (NULL: counted only), how many, the bound and whether
	 * it was passed (tok_count_bounded) */
	tok_ids *out;
	size_t count, limit;
	int stop;
	tok_ids wids;           /* counting only: one word's ids */
	/* BPE scratch */
	int32_t *id, *prv, *nxt;
	size_t scap;
	struct hent { int32_t rank, pos, a, b; } *heap;
	size_t hcap;
	strbuf word;
	/* word cache */
	cache_ent *cache;
	strbuf ckeys;
	tok_ids cids;
};

static inline void ids_push(tok_ids *o, int32_t id)
{
	if (o->n == o->cap) { o->cap = o->cap ? o->cap * 2 : 256; o->v = xrealloc(o->v, o->cap * sizeof *o->v); }
	o->v[o->n++] = id;
}

/* normalize.c: Oniguruma's find_iter over s[0..n), calling fn(ctx, start,
 * end) for each match (stopping early when *stop is set); the normalizer
 * chain over in[0..n), the result in *outp (in itself, a or b) */
typedef void (*match_fn)(void *ctx, size_t s, size_t e);
/* A PCRE2 match error (not "no match") is kept in *merr, the first one; merr may be NULL. */
size_t tok_find_iter(pcre2_code *re, pcre2_match_data *md, const char *s, size_t n, match_fn fn, void *ctx, const int *stop,
		     int *merr);
/* load.c: an Oniguruma pattern compiled by PCRE2 as the loader does (\s,
 * \w rewritten; UTF, UCP, multiline; JIT); NULL with err filled if it does
 * not compile. The caller frees it with pcre2_code_free. */
pcre2_code *tok_compile_re(const char *pat, size_t n, char *err, size_t errlen);
void tok_normalize(const tok *t, pcre2_match_data *md, int *merr, const char *in, size_t n, strbuf *a, strbuf *b, strbuf *tmp,
		   const char **outp, size_t *outn);
/* added.c */
void tok_trie_add(atrie *tr, const char *s, size_t n, int32_t idx);
void tok_trie_free(atrie *tr);
void tok_find_added(const tok *t, const atrie *tr, const char *txt, size_t n, amatches *out);
/* bpe.c: the barriers of a model without ByteLevel (at load); a word's ids */
void tok_find_barriers(tok *t);
/* room >= n: the bytes readable from w (a short word's cache key is read
 * 16 bytes at a time where it can be) */
void tok_encode_word(tok_state *s, const char *w, size_t n, size_t room, tok_ids *out);
/* pretok.c: pre-tokenize a normalized section and count or encode its words */
void tok_pretok_encode(tok_state *s, const char *txt, size_t n, int at0);

#endif

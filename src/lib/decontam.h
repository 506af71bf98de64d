/*
 * decontam.h — find evaluation benchmark items inside training records.
 *
 * An index (decontam_index) holds benchmark items, each cut into segments: the
 * fields that carry the item (a HumanEval prompt, its canonical solution, the
 * solution under its `def` line, an MBPP text, code and test asserts, a GSM8K
 * question, a MATH problem, ...). Benchmark files are recognised by their
 * fields (decontam_add_benchmark) or read with the fields the caller names.
 *
 * Normalisation (decontam_tokenize), the same on both sides: Unicode compatibility
 * decomposition with case folding and marks stripped (utf8proc: NFKD +
 * casefold + stripmark, so "Ｅ", "É" and "e" compare equal), then words: runs
 * of letters, digits and '_'; everything else (punctuation, `$`, markdown
 * fences, LaTeX braces, whitespace) only separates words. A word that follows
 * a newline, the start of the text or a sentence end (. ? ! : ; not followed
 * by a letter or digit) starts a "unit" (a line or a sentence).
 *
 * Matching. A segment of at least long_tokens words ("long") is indexed by its
 * distinct word n-grams (n = ngram, hashed to 64 bits); n-grams that occur in
 * more than max_postings segments are boilerplate and left out of both sides.
 * A record hits a long segment when the share of the segment's n-grams found
 * anywhere in the record (all messages together, each message scanned on its
 * own) reaches the coverage threshold (raised to short_coverage when the
 * segment has fewer than 2 * long_tokens n-grams). A shorter segment ("short",
 * min_tokens .. long_tokens-1 words) matches only whole: its exact word
 * sequence, starting where a unit starts and ending where one ends (or the
 * text ends). A short text shared by two items of the same benchmark is
 * generic and not indexed; nor is a segment under min_tokens words. The
 * per-benchmark counts of each kind are in decontam_bench_stats.
 *
 * Memory: the index owns everything it holds and is O(benchmark size) (about
 * 40 bytes per distinct indexed n-gram: a half-full table of 16-byte slots,
 * the postings, a Bloom filter of at least 16 bits a key and, before it, a
 * bit set of at least 4, 512 KB at most). Texts handed to decontam_add_benchmark are copied
 * where kept (item ids), so the caller may free them. A matcher owns its
 * scratch, reused across records; hits point into the matcher and stay valid
 * until the next decontam_match_begin.
 *
 * Threads: build the index on one thread; once decontam_index_build returned, any
 * number of matchers may read it at once, each used by one thread.
 *
 * Errors: decontam_add_benchmark returns DECONTAM_ERR_DATA (a line that is not a JSON
 * object, with its number) or DECONTAM_ERR_LAYOUT (no known layout; the message
 * lists the fields found), with the message in err[errlen]. Nothing prints or
 * exits.
 */
#ifndef SFTKIT_DECONTAM_H
#define SFTKIT_DECONTAM_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "util.h"

#define DECONTAM_ERR_DATA (-1)
#define DECONTAM_ERR_LAYOUT (-2)
#define DECONTAM_EXCERPT 120      /* bytes of matched text kept per hit, at most */

typedef struct decontam_opts {
	int ngram;              /* words per n-gram (default 8) */
	int long_tokens;        /* segments of this many words or more match by coverage (20) */
	int min_tokens;         /* shorter segments are not indexed (4) */
	int max_postings;       /* an n-gram in more segments than this is boilerplate (32) */
	int bench_items;        /* ... and one in more items than this of one benchmark (2) */
	double coverage;        /* share of a long segment's n-grams that makes a hit (0.5) */
	double short_coverage;  /* the same for long segments with few n-grams (0.75) */
} decontam_opts;

void decontam_opts_default(decontam_opts *o);

/* Words of a text (the normalisation above), appended to t. */
typedef struct decontam_toks {
	uint64_t *hash;          /* per word: 64-bit hash of its normalised bytes */
	uint32_t *start;         /* where it starts in the text */
	uint8_t *unit;           /* 1 when the word starts a unit */
	size_t n, cap;
	unsigned char *wbuf;     /* scratch: a non-ASCII word's normalised bytes */
	size_t wlen, wcap;
	uint64_t *mask;          /* scratch: the text's byte-class bits */
	size_t mcap;
} decontam_toks;
void decontam_tokenize(const char *s, size_t n, decontam_toks *t);
/* The same words, byte by byte and every word through utf8proc: the
 * definition decontam_tokenize (bit masks, ASCII words hashed straight from the
 * text) is tested against; several times slower. */
void decontam_tokenize_ref(const char *s, size_t n, decontam_toks *t);
void decontam_toks_free(decontam_toks *t);

typedef struct decontam_index decontam_index;

/* opts NULL: the defaults. */
decontam_index *decontam_index_new(const decontam_opts *opts);
void decontam_index_free(decontam_index *ix);

/* Add benchmark NAME from text[0..len) (JSONL, or one JSON array of objects),
 * read from path (for messages). fields NULL: the layout is recognised from
 * the first object's fields; else those fields (top-level keys: a string,
 * or a list whose strings are joined by newlines). Returns the benchmark's number (>= 0), or DECONTAM_ERR_*. */
int decontam_add_benchmark(decontam_index *ix, const char *name, const char *path, const char *text, size_t len,
                     const char *const *fields, int nfields, char *err, size_t errlen);
/* Finish the index; no decontam_add_benchmark after it. */
void decontam_index_build(decontam_index *ix);

typedef struct decontam_bench_stats {
	const char *name, *layout;   /* layout: "humaneval", "mbpp", ..., or "fields" */
	uint32_t items;
	uint32_t seg_long;           /* matched by n-gram coverage */
	uint32_t seg_short;          /* matched whole */
	uint32_t seg_too_short;      /* under min_tokens words: not indexed */
	uint32_t seg_generic;        /* short text shared by items, or long with no n-gram left */
	uint32_t seg_empty;          /* field absent or empty */
} decontam_bench_stats;
int decontam_nbench(const decontam_index *ix);
const decontam_bench_stats *decontam_bench(const decontam_index *ix, int b);
/* the benchmark of item i, and its id (task_id, id, idx, ... or "line N") */
int decontam_item_bench(const decontam_index *ix, uint32_t item);
const char *decontam_item_id(const decontam_index *ix, uint32_t item);
uint32_t decontam_nitems(const decontam_index *ix);
/* bytes the index holds in its tables */
size_t decontam_index_bytes(const decontam_index *ix);

typedef struct decontam_hit {
	uint32_t item, seg;
	const char *field;           /* the segment's field ("prompt", "code", "def+canonical_solution") */
	double score;                /* coverage, 1 for a whole match */
	uint32_t found, total;       /* n-grams found / indexed; for a whole match the word count twice */
	int whole;                   /* matched whole (a short segment) */
	char excerpt[DECONTAM_EXCERPT + 1];   /* the record's text where the match starts (valid UTF-8) */
} decontam_hit;

typedef struct decontam_matcher decontam_matcher;
decontam_matcher *decontam_matcher_new(const decontam_index *ix);
void decontam_matcher_free(decontam_matcher *m);
/* One record: begin, add each text, end. decontam_match_end returns how many items
 * the record hits; *hits is one per item, best score first (ties: item
 * order). */
void decontam_match_begin(decontam_matcher *m);
void decontam_match_text(decontam_matcher *m, const char *s, size_t n);
int decontam_match_end(decontam_matcher *m, const decontam_hit **hits);
/* All of a record: begin, the text of every message's content (strings, or
 * the "text" of content parts), or of every string value at any depth when
 * the record has no "messages" list, and end. */
int decontam_match_record(decontam_matcher *m, const json_doc *d, uint32_t root, const decontam_hit **hits);

/* Per-item tally of hits across records, for --report. */
typedef struct decontam_tally decontam_tally;
decontam_tally *decontam_tally_new(const decontam_index *ix);
void decontam_tally_free(decontam_tally *t);
/* Count one record's hit on an item; source and id may be NULL. */
void decontam_tally_add(decontam_tally *t, const decontam_hit *h, const char *source, size_t slen, const char *id, size_t idlen);
/* Rows dropped with benchmark b as the best hit, and items of b hit. */
uint64_t decontam_tally_rows(const decontam_tally *t, int b);
/* Count a dropped record under its best hit's benchmark. */
void decontam_tally_drop(decontam_tally *t, const decontam_hit *best);
/* One JSON line per item hit, in benchmark then item order:
 * {"benchmark","item","field","rows","sources":[...],"example","excerpt","score"} */
void decontam_tally_write(const decontam_tally *t, strbuf *out);

#endif

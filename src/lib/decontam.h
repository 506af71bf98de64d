/*
 * decontam.h — find evaluation benchmark items inside training records.
 *
 * An index (dc_index) holds benchmark items, each cut into segments: the
 * fields that carry the item (a HumanEval prompt, its canonical solution, the
 * solution under its `def` line, an MBPP text, code and test asserts, a GSM8K
 * question, a MATH problem, ...). Benchmark files are recognised by their
 * fields (dc_add_benchmark) or read with the fields the caller names.
 *
 * Normalisation (dc_tokenize), the same on both sides: Unicode compatibility
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
 * per-benchmark counts of each kind are in dc_bench_stats.
 *
 * Memory: the index owns everything it holds and is O(benchmark size) (about
 * 40 bytes per distinct indexed n-gram: a half-full table of 16-byte slots,
 * the postings, a Bloom filter of at least 16 bits a key and, before it, a
 * bit set of at least 4, 512 KB at most). Texts handed to dc_add_benchmark are copied
 * where kept (item ids), so the caller may free them. A matcher owns its
 * scratch, reused across records; hits point into the matcher and stay valid
 * until the next dc_match_begin.
 *
 * Threads: build the index on one thread; once dc_index_build returned, any
 * number of matchers may read it at once, each used by one thread.
 *
 * Errors: dc_add_benchmark returns DC_ERR_DATA (a line that is not a JSON
 * object, with its number) or DC_ERR_LAYOUT (no known layout; the message
 * lists the fields found), with the message in err[errlen]. Nothing prints or
 * exits.
 */
#ifndef SFTKIT_DECONTAM_H
#define SFTKIT_DECONTAM_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"
#include "util.h"

#define DC_ERR_DATA (-1)
#define DC_ERR_LAYOUT (-2)
#define DC_EXCERPT 120      /* bytes of matched text kept per hit, at most */

typedef struct dc_opts {
	int ngram;              /* words per n-gram (default 8) */
	int long_tokens;        /* segments of this many words or more match by coverage (20) */
	int min_tokens;         /* shorter segments are not indexed (4) */
	int max_postings;       /* an n-gram in more segments than this is boilerplate (32) */
	int bench_items;        /* ... and one in more items than this of one benchmark (2) */
	double coverage;        /* share of a long segment's n-grams that makes a hit (0.5) */
	double short_coverage;  /* the same for long segments with few n-grams (0.75) */
} dc_opts;

void dc_opts_default(dc_opts *o);

/* Words of a text (the normalisation above), appended to t. */
typedef struct dc_toks {
	uint64_t *hash;          /* per word: 64-bit hash of its normalised bytes */
	uint32_t *start;         /* where it starts in the text */
	uint8_t *unit;           /* 1 when the word starts a unit */
	size_t n, cap;
	unsigned char *wbuf;     /* scratch: a non-ASCII word's normalised bytes */
	size_t wlen, wcap;
	uint64_t *mask;          /* scratch: the text's byte-class bits */
	size_t mcap;
} dc_toks;
void dc_tokenize(const char *s, size_t n, dc_toks *t);
/* The same words, byte by byte and every word through utf8proc: the
 * definition dc_tokenize (bit masks, ASCII words hashed straight from the
 * text) is tested against; several times slower. */
void dc_tokenize_ref(const char *s, size_t n, dc_toks *t);
void dc_toks_free(dc_toks *t);

typedef struct dc_index dc_index;

/* opts NULL: the defaults. */
dc_index *dc_index_new(const dc_opts *opts);
void dc_index_free(dc_index *ix);

/* Add benchmark NAME from text[0..len) (JSONL, or one JSON array of objects),
 * read from path (for messages). fields NULL: the layout is recognised from
 * the first object's fields; else those fields (top-level keys: a string,
 * or a list whose strings are joined by newlines). Returns the benchmark's number (>= 0), or DC_ERR_*. */
int dc_add_benchmark(dc_index *ix, const char *name, const char *path, const char *text, size_t len,
                     const char *const *fields, int nfields, char *err, size_t errlen);
/* Finish the index; no dc_add_benchmark after it. */
void dc_index_build(dc_index *ix);

typedef struct dc_bench_stats {
	const char *name, *layout;   /* layout: "humaneval", "mbpp", ..., or "fields" */
	uint32_t items;
	uint32_t seg_long;           /* matched by n-gram coverage */
	uint32_t seg_short;          /* matched whole */
	uint32_t seg_too_short;      /* under min_tokens words: not indexed */
	uint32_t seg_generic;        /* short text shared by items, or long with no n-gram left */
	uint32_t seg_empty;          /* field absent or empty */
} dc_bench_stats;
int dc_nbench(const dc_index *ix);
const dc_bench_stats *dc_bench(const dc_index *ix, int b);
/* the benchmark of item i, and its id (task_id, id, idx, ... or "line N") */
int dc_item_bench(const dc_index *ix, uint32_t item);
const char *dc_item_id(const dc_index *ix, uint32_t item);
uint32_t dc_nitems(const dc_index *ix);
/* bytes the index holds in its tables */
size_t dc_index_bytes(const dc_index *ix);

typedef struct dc_hit {
	uint32_t item, seg;
	const char *field;           /* the segment's field ("prompt", "code", "def+canonical_solution") */
	double score;                /* coverage, 1 for a whole match */
	uint32_t found, total;       /* n-grams found / indexed; for a whole match the word count twice */
	int whole;                   /* matched whole (a short segment) */
	char excerpt[DC_EXCERPT + 1];   /* the record's text where the match starts (valid UTF-8) */
} dc_hit;

typedef struct dc_matcher dc_matcher;
dc_matcher *dc_matcher_new(const dc_index *ix);
void dc_matcher_free(dc_matcher *m);
/* One record: begin, add each text, end. dc_match_end returns how many items
 * the record hits; *hits is one per item, best score first (ties: item
 * order). */
void dc_match_begin(dc_matcher *m);
void dc_match_text(dc_matcher *m, const char *s, size_t n);
int dc_match_end(dc_matcher *m, const dc_hit **hits);
/* All of a record: begin, the text of every message's content (strings, or
 * the "text" of content parts), or of every string value at any depth when
 * the record has no "messages" list, and end. */
int dc_match_record(dc_matcher *m, const json_doc *d, uint32_t root, const dc_hit **hits);

/* Per-item tally of hits across records, for --report. */
typedef struct dc_tally dc_tally;
dc_tally *dc_tally_new(const dc_index *ix);
void dc_tally_free(dc_tally *t);
/* Count one record's hit on an item; source and id may be NULL. */
void dc_tally_add(dc_tally *t, const dc_hit *h, const char *source, size_t slen, const char *id, size_t idlen);
/* Rows dropped with benchmark b as the best hit, and items of b hit. */
uint64_t dc_tally_rows(const dc_tally *t, int b);
/* Count a dropped record under its best hit's benchmark. */
void dc_tally_drop(dc_tally *t, const dc_hit *best);
/* One JSON line per item hit, in benchmark then item order:
 * {"benchmark","item","field","rows","sources":[...],"example","excerpt","score"} */
void dc_tally_write(const dc_tally *t, jbuf *out);

#endif

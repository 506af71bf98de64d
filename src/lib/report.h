/*
 * report.h — the statistics and the HTML page behind sft-report(1).
 *
 * A report accumulates records (parsed JSON objects, one set at a time:
 * train, validation), stage summaries (the one-line JSON objects tools write
 * with --summary) and blend's manifest, then renders one self-contained HTML
 * page: inline CSS and SVG, no script, no network resource. Everything taken
 * from the data is HTML-escaped.
 *
 * Memory is O(sources), not O(records): lengths go into fixed fine bins (32
 * tokens or 128 characters wide, up to 8192 tokens / 32768 characters, plus
 * an overflow bin), from which the page's bins are merged; a reservoir keeps
 * REPORT_EXAMPLES example lines per source.
 *
 * Lengths: "n_tokens" when every record has it; otherwise every record is
 * measured in characters (Unicode code points of the message contents) and
 * the page says so.
 *
 * Determinism: examples are drawn with a seeded xoshiro256** (rng.h), so the
 * same inputs give the same page byte for byte.
 *
 * Errors: report_add_summary and report_set_manifest return -1 with a message
 * in err[errlen]; nothing prints or exits. Not thread-safe.
 */
#ifndef SFTKIT_REPORT_H
#define SFTKIT_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "rng.h"
#include "json.h"
#include "util.h"

#define REPORT_FINE 256        /* fine bins below the overflow bin */
#define REPORT_TURNS 12        /* 0..10 messages, then 11+ */
#define REPORT_EXAMPLES 3

typedef struct report_src {
	char *name;
	uint64_t n[2];                       /* records in train, validation */
	uint64_t with_tokens, tokens, chars;
	uint64_t max_tokens, max_chars;
	uint64_t tok_bins[REPORT_FINE + 1];  /* 32-token fine bins, last = overflow */
	uint64_t chr_bins[REPORT_FINE + 1];  /* 128-character fine bins */
	uint64_t turns[REPORT_TURNS];
	char *ex[REPORT_EXAMPLES];           /* example lines (owned) */
	size_t exlen[REPORT_EXAMPLES];
	uint64_t seen;
} report_src;

typedef struct report_stage {
	char *name, *tool;
	uint64_t read, kept, dropped;
	char **reason;
	uint64_t *count;
	int nreasons;
} report_stage;

/* One benchmark of decontam's stage: the records dropped with it as their
 * best match (the summaries' "benchmarks"), the items hit and the records
 * hitting them, their sources and a few examples (decontam --report lines). */
typedef struct report_contam {
	char *bench;
	uint64_t dropped, items, hits;
	char **sources;
	int nsources;
	struct { char *item, *example, *source, *excerpt; } ex[REPORT_EXAMPLES];
	int nex;
} report_contam;

typedef struct report {
	report_src *src;
	int nsrc;
	uint64_t total, with_tokens, no_source;
	report_stage *stages;
	int nstages;
	report_contam *contam;
	int ncontam, have_contam;
	char *manifest;                      /* the manifest's text (owned) */
	size_t manifest_len;
	rng rng;
	strbuf scratch;
} report;

void report_init(report *r, uint64_t seed);
void report_free(report *r);

/* Count one record of set (0 train, 1 validation): d holds line parsed,
 * root an object. */
void report_add(report *r, int set, const json_doc *d, const char *line, size_t len);

/* A stage summary: text is the summary file's JSON object. stage names the
 * row (the file name without .json). */
int report_add_summary(report *r, const char *stage, const char *text, size_t len, char *err, size_t errlen);

/* A decontam --report file (JSONL, one line per benchmark item hit): its
 * items join the contamination section; -1 with err at a bad line. A
 * summary with "benchmarks" (decontam's) adds its drops per benchmark. */
int report_add_decontam(report *r, const char *text, size_t len, char *err, size_t errlen);

/* blend's manifest.json text; checked now, rendered by report_render. */
int report_set_manifest(report *r, const char *text, size_t len, char *err, size_t errlen);

/* The page. inputs names the data files shown at the top. */
void report_render(report *r, const char *const *inputs, int ninputs, const char *version, strbuf *out);

/* HTML-escape s[0..n) (& < > " ') into out. */
void report_html_escape(strbuf *out, const char *s, size_t n);

#endif

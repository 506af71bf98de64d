/*
 * convert.h — turn a source row into a contract record (DESIGN.md §2):
 *   {"id": "...", "source": "...", "messages": [{"role","content"}, ...], <kept fields>}
 *
 * A mapping (convert_spec) says where the conversation comes from: a `messages`
 * field that already holds one, or user/assistant (and optional system)
 * fields. Presets fill a spec for the mission's sources. Strings are copied as
 * their raw JSON text (the reader validated them), so nothing is re-escaped
 * and nothing is rounded; only --strip-think decodes and re-encodes content.
 *
 * Messages that carry tool use (OLMo `functions`/`function_calls`, role
 * `environment`/`tool`, OpenAI `tool_calls`) or non-text content (a list of
 * content parts) are passed through with those members intact so that
 * drop-tool-use and drop-multimodal see them and account for them; they are
 * exempt from the content checks here.
 *
 * Errors: convert_record returns 0 with the record appended to out, or -1 with a
 * short reason word in *reason and a detail message in err (caller's buffer).
 * A convert_spec is read-only during conversion and may be shared by threads.
 */
#ifndef SFTKIT_CONVERT_H
#define SFTKIT_CONVERT_H

#include "json.h"
#include "util.h"

#define CONVERT_MAX_KEEP 32

typedef struct convert_spec {
	const char *source;          /* "source" value written */
	const char *messages_field;  /* conversation already in this field, or NULL */
	const char *user_field, *assistant_field, *system_field;
	const char *system_text;     /* fixed system prompt, or NULL */
	const char *id_field;        /* id column, or NULL for <source>/<row> */
	int id_with_row;             /* id is <id column>/<row>: the column names a problem with several rows */
	const char *finish_field;    /* when the row has this string field, it must equal */
	const char *finish_value;    /* finish_value, else the row is rejected as truncated */
	const char *keep[CONVERT_MAX_KEEP];
	int nkeep;
	int strip_think;             /* remove <think>...</think> from assistant turns */
	/* NVIDIA's OpenMathInstruct-2 release filters, off (0/NULL) by default:
	 * the final assistant turn must have at least min_answer_chars characters
	 * (Unicode code points), else the row is dropped as short_solution; and
	 * its last \boxed{...} must equal the string in answer_field (both
	 * trimmed), else answer_mismatch (no \boxed{} at all included). */
	size_t min_answer_chars;
	const char *answer_field;
} convert_spec;

/* Fill spec for a preset name (openmath, magicoder, dolci, codeforces). -1 if unknown. */
int convert_preset(convert_spec *spec, const char *name);
/* Names of the presets, for --help. */
extern const char *const convert_preset_names[];

/* Convert the row in doc (root node 0), row number rowno (0-based). */
int convert_record(const convert_spec *spec, const json_doc *doc, uint64_t rowno, strbuf *out,
                const char **reason, char *err, size_t errlen);

/* Check that doc (node 0) is a contract record; used for --jq output. Same
 * reasons as convert_record. */
int convert_check_record(const json_doc *doc, const char **reason, char *err, size_t errlen);

/* A user's jq program (to-messages --jq) over one row line: each output the
 * program gives is one outcome, reported through fn in order: rec set (a
 * contract record, with "id" and "source" filled in from spec->source and
 * rowno when the program leaves them out) or reason and detail set (the
 * output is no record: jq_error, bad_record, not_a_record, ...). A row the
 * program gives no output for is one outcome, jq_empty; a program error
 * after k outputs is one more outcome, jq_error. So a row is at least one
 * outcome, and the caller counts each outcome past the first as one more
 * record read. Returns the number of outcomes. jq must come from
 * jqprog_compile; scratch is reused between calls (free with json_doc_free
 * and strbuf_free). */
#include <jq.h>
typedef void (*convert_outcome_fn)(void *ctx, const char *rec, size_t len, const char *reason, const char *detail);
int convert_jq_record(jq_state *jq, const convert_spec *spec, const char *line, size_t len, uint64_t rowno,
		   json_doc *scratch_doc, strbuf *scratch, convert_outcome_fn fn, void *ctx);

/* The contents of the last \boxed{...} in s[0..n): the braces are balanced
 * (a backslash escapes the character after it, so \{ and \} do not count),
 * ASCII whitespace trimmed from both ends, into ans and alen (pointing into s).
 * 0, or -1 when there is no \boxed{ or the last one is not closed. */
int convert_last_boxed(const char *s, size_t n, const char **ans, size_t *alen);

/* Remove every <think>...</think> block (and the whitespace after it) from
 * text; an unclosed <think> removes nothing (and returns -1). */
int convert_strip_think(const char *s, size_t n, strbuf *out);

#endif

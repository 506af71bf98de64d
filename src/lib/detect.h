/*
 * detect.h — the rules drop-multimodal and drop-tool-use apply to a contract
 * record (or any row with a "messages" list).
 *
 * Both look at the structure first (content parts, media and tool members,
 * tool roles) and then at the text of every message. Text rules apply only to
 * prose: inside fenced code blocks (``` or ~~~) and inline code spans a
 * placeholder, an <img> tag or a <tool_call> is something the conversation
 * talks about, not something it carries, so it is kept. The exception is an
 * embedded data URI (data:image/...;base64, with a payload), which is dropped
 * wherever it stands. The rules are listed, one test each, in the man pages.
 *
 * For speed the record rules read a message's JSON string as it stands in the
 * record: a string whose raw bytes hold nothing a rule looks for is skipped,
 * and most others are walked escapes and all, without decoding; the tests
 * and fuzz_detect hold both to the byte-by-byte walk over decoded text.
 *
 * A message content that is a string holding a serialised content list (the
 * whole string, whitespace aside, is the JSON list or its Python repr) with
 * a media part is multimodal_part; the same JSON in a fence or in prose is
 * an example, and is kept.
 *
 * detect_multimodal / detect_tool_use return NULL for a clean record, or the reason
 * (a static snake_case word) with a human-readable detail in detail[n]. A
 * detect_ctx holds scratch memory; use one per thread.
 */
#ifndef SFTKIT_DETECT_H
#define SFTKIT_DETECT_H

#include "json.h"
#include "util.h"

typedef struct detect_ctx {
	strbuf text;    /* decoded message text */
	json_doc inner;   /* a content list serialised into a string, parsed */
} detect_ctx;

void detect_init(detect_ctx *c);
void detect_free(detect_ctx *c);

const char *detect_multimodal(detect_ctx *c, const json_doc *d, char *detail, size_t n);
const char *detect_tool_use(detect_ctx *c, const json_doc *d, char *detail, size_t n);

/* The text rules alone, on decoded text (exposed for tests). */
const char *detect_multimodal_text(const char *s, size_t n, char *detail, size_t dn);
const char *detect_tool_text(const char *s, size_t n, int *saw_action, int *saw_observation,
                          char *detail, size_t dn);

/* Tests: 1 runs the text rules on the byte-by-byte walker that defines them,
 * 0 (the default) on the fast one. Not thread-safe; for test programs. */
void detect_reference_walker(int on);

#endif

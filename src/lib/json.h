/*
 * json.h — strict, zero-copy JSON reader and a JSON writer (RFC 8259).
 *
 * Reading. json_parse() checks a whole document and builds a flat array of
 * nodes ("the tape") that point back into the source text; nothing is copied
 * and nothing is decoded. Node 0 is the root. A container's children follow it
 * in order; node.next is the index just past its subtree, so siblings are
 * walked with json_next() without recursion. Object members are (key, value)
 * node pairs. Strings keep their raw (escaped) bytes; json_str_decode() decodes
 * on request. Numbers keep their source text, so 9223372036854775807 and 1.0
 * come out exactly as they went in.
 *
 * Strictness (the choices for JSONTestSuite's implementation-defined cases):
 *   - the input must be valid UTF-8 (RFC 3629) everywhere, not only in strings;
 *   - a \u escape that decodes to a lone surrogate is rejected, because it
 *     cannot be represented in UTF-8 output (i_string_*surrogate* files);
 *   - a leading byte-order mark is rejected (RFC 8259 §8.1: "MUST NOT add");
 *   - numbers of any size or precision are accepted and kept as text;
 *   - nesting is limited to JSON_MAX_DEPTH (default 10000), past which the
 *     document is rejected as too deep rather than risking the stack (the
 *     parser is iterative, the limit bounds memory).
 *   - leading and trailing whitespace (space, tab, LF, CR) is allowed; anything
 *     else after the value is an error.
 *
 * Speed: string bodies, most of a JSONL record's bytes, are checked 16 bytes
 * at a time while they are plain prose and 64 at a time, on bit masks, once
 * escapes or non-ASCII text come thick (AVX2 where the CPU has it, SSE2
 * otherwise); the byte-by-byte scan is the definition both are tested
 * against (json_scan_mode below).
 *
 * Memory: a json_doc owns its node array and reuses it across json_parse calls
 * (parse many lines with one doc: no allocation in steady state). The source
 * buffer is the caller's and must outlive every use of the doc's nodes.
 * Errors: json_parse returns -1 and fills doc->err (message) and doc->err_off
 * (byte offset in the source). A doc is not thread-safe; use one per thread.
 *
 * Writing. json_write_str() quotes and escapes a UTF-8 string (", \, control
 * characters; everything else verbatim); json_write_raw() copies a node's
 * source text. Both append to a strbuf (util.h).
 */
#ifndef SFTKIT_JSON_H
#define SFTKIT_JSON_H

#include <stddef.h>
#include <stdint.h>
#include "util.h"

enum json_type {
	JSON_NULL = 1,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT,
};

#define JSON_F_ESCAPED 1u   /* string contains backslash escapes */
#define JSON_F_INTEGER 2u   /* number has no fraction and no exponent */
#define JSON_F_UESCAPE 4u   /* string has a backslash-u escape: its raw bytes may hide any character */
#define JSON_F_UESCAPE_ASCII 8u   /* one of them stands for an ASCII character (\u003c is '<') */
#define JSON_NONE UINT32_MAX   /* "no such node" */
#define JSON_MAX_DEPTH 10000

typedef struct json_node {
	uint8_t type;       /* enum json_type */
	uint8_t flags;      /* JSON_F_* */
	uint32_t count;     /* array: elements; object: members; else 0 */
	uint32_t next;      /* index just past this node's subtree */
	size_t off, len;    /* source span; for strings the bytes between the quotes */
} json_node;

typedef struct json_doc {
	const char *src;
	size_t srclen;
	json_node *nodes;
	size_t n, cap;
	uint32_t *stack;
	size_t stack_cap;
	unsigned max_depth;   /* 0 means JSON_MAX_DEPTH */
	size_t err_off;
	char err[160];
} json_doc;

void json_doc_init(json_doc *d);
void json_doc_free(json_doc *d);

/* Parse src[0..len). Returns 0, or -1 with d->err / d->err_off set. */
int json_parse(json_doc *d, const char *src, size_t len);
/* A JSONL record: parse line[0..len) and require a JSON object at the root.
 * 0, or -1 with why[0..wn) saying what it is instead ("invalid JSON: ..."
 * with d->err, or "record is not a JSON object"). Touches nothing but d and
 * why, so any thread may call it with its own doc (cli's records loop and
 * tok-len's workers do). */
int json_parse_object(json_doc *d, const char *line, size_t len, char *why, size_t wn);
/* Tests: how string bodies are scanned. JSON_SCAN_BYTEWISE is the
 * definition the others must agree with (same result, error, position and
 * flags); JSON_SCAN_SSE2 keeps the 64-byte blocks on SSE2 where the CPU has
 * AVX2; JSON_SCAN_BEST (the default) uses the best the CPU has. Not
 * thread-safe; for test programs. */
enum { JSON_SCAN_BEST, JSON_SCAN_BYTEWISE, JSON_SCAN_SSE2 };
void json_scan_mode(int mode);

/* Navigation. All take node indexes; JSON_NONE is passed through safely. */
static inline const json_node *json_at(const json_doc *d, uint32_t i) { return &d->nodes[i]; }
static inline int json_type_of(const json_doc *d, uint32_t i) { return i == JSON_NONE ? 0 : d->nodes[i].type; }
static inline uint32_t json_next(const json_doc *d, uint32_t i) { return d->nodes[i].next; }
/* first child of a container (for objects: the first key), JSON_NONE if empty */
static inline uint32_t json_first(const json_doc *d, uint32_t i)
{ return (i != JSON_NONE && d->nodes[i].count) ? i + 1 : JSON_NONE; }

/* Value of member `key` in object obj (the last one if repeated, as jq and
 * Python do), or JSON_NONE. Keys are compared after decoding escapes. */
uint32_t json_get(const json_doc *d, uint32_t obj, const char *key);
uint32_t json_getn(const json_doc *d, uint32_t obj, const char *key, size_t keylen);
/* Several members in one pass over obj: vals[k] is the value of member
 * keys[k] (the last if repeated, as json_get), JSON_NONE when absent or when
 * obj is not an object. Cheaper than one json_get per key on hot paths. */
typedef struct json_key { const char *name; size_t len; } json_key;
#define JSON_KEY(lit) {lit, sizeof lit - 1}
void json_get_keys(const json_doc *d, uint32_t obj, const json_key *keys, int nkeys, uint32_t *vals);
/* Element k of array arr, or JSON_NONE. O(k). */
uint32_t json_index(const json_doc *d, uint32_t arr, uint32_t k);

/* Iteration over a container whose type the caller has checked:
 *   JSON_FOR_ELEMS(d, arr, e, k)      { ... node e is element k ... }
 *   JSON_FOR_MEMBERS(d, obj, key, val, k) { ... key node, value node ... }   */
#define JSON_FOR_ELEMS(d, arr, e, k) \
	for (uint32_t k = 0, e = (arr) + 1; k < (d)->nodes[arr].count; k++, e = (d)->nodes[e].next)
#define JSON_FOR_MEMBERS(d, obj, key, val, k) \
	for (uint32_t k = 0, key = (obj) + 1, val = (obj) + 2; k < (d)->nodes[obj].count; \
	     k++, key = (d)->nodes[val].next, val = key + 1)

/* Strings. Raw bytes between the quotes: */
static inline const char *json_str_raw(const json_doc *d, uint32_t i, size_t *len)
{ *len = d->nodes[i].len; return d->src + d->nodes[i].off; }
/* Decode string node i into out, which must hold at least node.len bytes (a
 * decoded string is never longer than its escaped form; all node.len bytes
 * may be written) and must not overlap the source. Returns the decoded
 * length. Decoded text is valid UTF-8 and may contain NUL. */
size_t json_str_decode(const json_doc *d, uint32_t i, char *out);
/* Decode into a strbuf (appends). */
void json_str_append(const json_doc *d, uint32_t i, strbuf *out);
/* 1 if string node i equals s[0..n) after decoding. */
int json_str_eq(const json_doc *d, uint32_t i, const char *s, size_t n);
/* 1 if string node i is empty or only JSON whitespace (space, tab, newline,
 * carriage return), written plainly or escaped (\n, \u0020, ...). */
int json_str_blank(const json_doc *d, uint32_t i);
/* Decode raw escaped bytes (already validated) into out, which must hold len
 * bytes (all of them may be written) and must not overlap raw; returns the
 * decoded length. */
size_t json_unescape(const char *raw, size_t len, char *out);

/* Numbers: 0 when node i is an integer that fits int64, else -1. */
int json_num_i64(const json_doc *d, uint32_t i, int64_t *v);
/* Numbers as double (strtod of the source text). */
double json_num_double(const json_doc *d, uint32_t i);

/* Source text of node i, strings including their quotes. */
const char *json_raw(const json_doc *d, uint32_t i, size_t *len);

/* Writer. */
void json_write_str(strbuf *b, const char *s, size_t n);   /* "..." with escapes */
/* Append members to a JSON object text without re-encoding it: obj must be a
 * JSON object (as parsed); members is ',"k":v,...' text without the leading
 * comma. The object, its last '}' moved past the new members, goes to b. */
void json_append_members(strbuf *b, const char *obj, size_t len, const char *members, size_t mlen);
void json_write_raw(strbuf *b, const json_doc *d, uint32_t i);
/* Re-encode node i compactly: no insignificant whitespace, strings decoded and
 * re-escaped by json_write_str, numbers verbatim. */
void json_write_compact(strbuf *b, const json_doc *d, uint32_t i);

#endif

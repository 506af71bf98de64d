/*
 * identity.h — the rules drop-identity applies: an assistant turn in which
 * the assistant claims to be another model or to be made by another maker
 * ("I am ChatGPT", "As an AI language model developed by OpenAI", "我是通义千问")
 * is foreign_identity; one in which it states a training cut-off ("my
 * knowledge cutoff is September 2021", "as of my last update in 2023") is
 * knowledge_cutoff.
 *
 * The rules are data: a table of model and maker names (each with the
 * literal every match of it holds), a table of first-person claim patterns
 * per language (en, es, fr, de, zh, ja, ru; PCRE2, caseless, Unicode), in
 * which {N} stands for the names, and a table of the literals the cut-off
 * patterns hold. They are listed in drop-identity(1).
 *
 * What is checked: the text of every assistant message (a content string, the
 * text of content parts, a "reasoning_content" or "reasoning" string), and
 * <think> blocks in it like any other text. What is not a claim: text inside
 * fenced code blocks and inline code (code that names a model or calls its
 * API), a match inside quotation marks or on a '>' quoted line (a quote of
 * what another model said), and anything said in the third person or by
 * the user, which no pattern matches.
 *
 * Speed: a string is first searched for the names' and cut-off patterns'
 * literals, case-folded, on its raw JSON bytes (and, when it holds
 * backslash-u escapes, on those: one that could stand for a character of a
 * literal sends the string on to be decoded and searched): 32 positions at
 * a time through nibble tables (AVX2) and then a hash of each literal's
 * rarest three bytes. Only strings holding one are decoded and matched,
 * and the patterns (PCRE2 JIT, compiled anchored) are tried only at the
 * tokens before each literal where a match holding it could start.
 * identity_ctx.reference = 1 matches every pattern from every position instead:
 * the definition the tests and fuzz_identity hold the fast path to.
 *
 * Ownership and threads: identity_rules_new compiles the rules once; the rules
 * are read-only after it and may be shared by threads, each with its own
 * identity_ctx (scratch memory and PCRE2 match data). Errors: identity_rules_new returns
 * NULL with the reason in err (a pattern that does not compile); the checks
 * cannot fail (a string that is not valid UTF-8 is matched with each bad
 * byte read as '?'; a pattern that meets PCRE2's match limit counts as no
 * match). Nothing here prints or exits.
 */
#ifndef SFTKIT_IDENTITY_H
#define SFTKIT_IDENTITY_H

#include <stddef.h>

#include "json.h"
#include "util.h"

typedef struct identity_rules identity_rules;

typedef struct identity_ctx {
	const identity_rules *rules;
	strbuf text;                   /* decoded message text */
	strbuf clean;                  /* text with invalid UTF-8 replaced, when needed */
	void *md, *mctx, *jit;       /* PCRE2 match data, match context, JIT stack */
	struct identity_hit *hits;         /* the literals of the string being matched */
	size_t nhits, hcap;
	size_t *spans, nspans, scap; /* its code, as [start, end) pairs */
	int spans_ok;
	unsigned char *quoted;       /* per offset: 1 when quoted */
	size_t qcap;
	int quoted_ok;
	int reference;               /* tests: 1 matches everywhere, without the literals */
} identity_ctx;

identity_rules *identity_rules_new(char *err, size_t errlen);
void identity_rules_free(identity_rules *r);

void identity_init(identity_ctx *c, const identity_rules *r);
void identity_free(identity_ctx *c);

/* The record rule: NULL for a record to keep, or "foreign_identity" /
 * "knowledge_cutoff" (static) with what matched in detail[n]. */
const char *identity_check(identity_ctx *c, const json_doc *d, char *detail, size_t n);

/* The text rules on decoded text s[0..n) (one assistant turn), with the
 * same results as identity_check gives a string holding it. */
const char *identity_text(identity_ctx *c, const char *s, size_t n, char *detail, size_t dn);

/* Non-zero when s[0..n) (raw JSON bytes without backslash-u escapes, or
 * decoded text) holds a literal of the rules: bit 1 a name's, bit 2 a
 * cut-off pattern's; 0 means no pattern can match it. */
int identity_maybe(const identity_rules *r, const char *s, size_t n);

#endif

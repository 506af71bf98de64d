/*
 * splitre.h — hand-written matchers for the split regexes byte-level BPE
 * tokenizers ship, in place of PCRE2 on the hot path.
 *
 * The GPT-4 (tiktoken cl100k) family of Split patterns, as Qwen2.5 / Qwen3
 * (digits one at a time) and Llama 3 (digits three at a time) write them in
 * tokenizer.json:
 *
 *   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|
 *    ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
 *
 * is recognised by its exact string (splitre_kind); any other pattern, or
 * the same one spelled differently, keeps going to PCRE2. splitre_ends
 * gives the match the regex gives at a position, with HF's semantics: the
 * text (one piece) matched alone, leftmost alternative first, backtracking
 * as a regex does (\s+(?!\S) gives back the last white space before a
 * non-space; \s*[\r\n]+ ends at the run's last CR or LF). Classes: \s is
 * Oniguruma's (White_Space: \t-\r, U+0085, Zs, Zl, Zp), \p{L} and \p{N} by
 * utf8proc's general categories; the contractions are caseless as PCRE2
 * and Oniguruma fold them ('S, 'RE, and U+017F LONG S for s).
 *
 * Unicode version: utf8proc here is Unicode 15.0, as HF tokenizers'
 * Oniguruma is (checked against the npm tokenizers 0.23); Debian 12's
 * PCRE2 10.42 is Unicode 14.0. So on the 4,388 code points Unicode 15
 * assigned as letters or numbers (CJK Extension H, Kawi, Kaktovik
 * numerals...) this matcher gives HF's pieces and PCRE2 does not; on every
 * other code point the two agree (tests/unit/test_splitre.c).
 *
 * Every position of a text starts a non-empty match, so the matches tile
 * the text: the match at i < n ends in (i, n], and the next starts there.
 * The text should be valid UTF-8 (as the tokenizer's is); on other bytes
 * the result is some tiling of the text, never a read past n.
 * No state, no allocation: thread-safe. Nothing is reported: there are no
 * errors.
 */
#ifndef SFTKIT_TOK_SPLITRE_H
#define SFTKIT_TOK_SPLITRE_H

#include <stddef.h>

enum {
	SPLITRE_NONE = 0,      /* not a pattern of ours: use the regex */
	SPLITRE_CL100K,        /* Qwen2.5, Qwen3: \p{N} */
	SPLITRE_CL100K_N3      /* Llama 3: \p{N}{1,3} (tiktoken's cl100k_base) */
};

/* The matcher for the pattern pat[0..n) as written in tokenizer.json
 * (Oniguruma syntax, before any rewriting), SPLITRE_NONE if none. */
int splitre_kind(const char *pat, size_t n);

/* The ends of the matches from s[i] on, in order, into ends[0..cap): how
 * many were found, at most cap, 0 only when i >= n or cap is 0; kind !=
 * SPLITRE_NONE. Many a call, so that a word's match costs no call. */
size_t splitre_ends(int kind, const char *s, size_t n, size_t i, size_t *ends, size_t cap);

#endif

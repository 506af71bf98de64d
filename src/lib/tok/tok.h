/*
 * tok.h — Hugging Face tokenizer.json, exactly: the ids the official
 * `tokenizers` library gives, for BPE models.
 *
 * Supported components (anything else fails to load with "unsupported: ..."):
 *   normalizer     NFC, NFKC, NFD, NFKD, Lowercase, Prepend, Replace (String
 *                  pattern), Strip, Sequence, null
 *   pre_tokenizer  Split (Regex or String pattern, behavior Isolated/Removed,
 *                  not inverted), ByteLevel (add_prefix_space, use_regex with
 *                  the GPT-2 pattern), Metaspace (replacement, prepend_scheme
 *                  always/first/never, split), Digits, Sequence, null
 *   model          BPE: vocab, merges as "a b" strings or ["a","b"] pairs,
 *                  byte_fallback, fuse_unk, unk_token, ignore_merges
 *   added_tokens   matched in the raw text before anything else (longest
 *                  first), lstrip/rstrip honoured, special or not
 *   post_processor TemplateProcessing, ByteLevel, RobertaProcessing,
 *                  BertProcessing, Sequence: only the number of tokens they add
 *                  to a single sequence matters here (tok_n_special)
 *
 * The BPE merge loop keeps a heap of candidate pairs, so a word of n symbols
 * costs O(n log n), whatever its shape; words are cached per state.
 *
 * A tok is read-only after tok_load and may be shared by threads; each thread
 * encodes through its own tok_state.
 */
#ifndef SFTKIT_TOK_H
#define SFTKIT_TOK_H

#include <stddef.h>
#include <stdint.h>

typedef struct tok tok;
typedef struct tok_state tok_state;

typedef struct tok_ids {
	int32_t *v;
	size_t n, cap;
} tok_ids;

/* path: a tokenizer.json, or a directory holding one. NULL with err set. */
tok *tok_load(const char *path, char *err, size_t errlen);
/* Same, from the JSON text (for fuzzing). */
tok *tok_load_mem(const char *json, size_t len, char *err, size_t errlen);
void tok_free(tok *t);

tok_state *tok_state_new(const tok *t);
void tok_state_free(tok_state *s);

/* Encode s[0..n) (valid UTF-8). Appends ids to out when out is not NULL.
 * Returns the number of tokens (without the post-processor's). */
size_t tok_encode(tok_state *s, const char *text, size_t n, tok_ids *out);

/* Tokens the post-processor adds to a single sequence (add_special_tokens). */
int tok_n_special(const tok *t);
/* Id of a vocabulary entry or added token, -1 if none. */
int32_t tok_token_id(const tok *t, const char *s, size_t n);
size_t tok_vocab_size(const tok *t);

void tok_ids_free(tok_ids *ids);

#endif

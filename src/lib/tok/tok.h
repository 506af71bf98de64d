/*
 * tok.h — Hugging Face tokenizer.json, exactly: the ids the official
 * `tokenizers` library gives, for BPE models.
 *
 * Supported components (anything else fails to load with "unsupported: ..."):
 *   normalizer     NFC, NFKC, NFD, NFKD, Lowercase, StripAccents, Strip,
 *                  Prepend, Replace (String or Regex pattern), BertNormalizer,
 *                  Sequence, null. Not: Precompiled, ByteLevel, Nmt.
 *   pre_tokenizer  Split (Regex or String pattern; behavior Removed, Isolated,
 *                  MergedWithPrevious, MergedWithNext, Contiguous; invert),
 *                  Whitespace, WhitespaceSplit, Punctuation, BertPreTokenizer,
 *                  CharDelimiterSplit, Digits, ByteLevel (add_prefix_space,
 *                  use_regex with the GPT-2 pattern; last in a Sequence),
 *                  Metaspace (replacement, prepend_scheme always/first/never,
 *                  split), Sequence, null. Not: UnicodeScripts.
 *   model          BPE: vocab, merges as "a b" strings or ["a","b"] pairs,
 *                  byte_fallback, unk_token, fuse_unk, ignore_merges. Not:
 *                  dropout, continuing_subword_prefix, end_of_word_suffix,
 *                  WordPiece, WordLevel, Unigram; a merge of an id over
 *                  2^21 - 1, over 2^22 - 1 merges, over 2 MB of added-token
 *                  text (tok_int.h's pair map).
 *   added_tokens   as HF's AddedVocabulary matches them (split_special_tokens
 *                  off): those with normalized=false in the raw text first,
 *                  the others in the normalized text (their content
 *                  normalized too); leftmost-longest; single_word, lstrip,
 *                  rstrip honoured; special or not.
 *   post_processor TemplateProcessing, ByteLevel, RobertaProcessing,
 *                  BertProcessing, Sequence: only the number of tokens they add
 *                  to a single sequence matters here (tok_n_special)
 *
 * Regexes are HF's Oniguruma ones run by PCRE2 (UTF, UCP, JIT): \s and \w
 * are rewritten to Oniguruma's Unicode classes and ^ $ are line anchors, as
 * in Ruby syntax. Each pre-tokenizer matches each piece on its own. The
 * GPT-4 (cl100k) family of Split patterns Qwen2.5, Qwen3 and Llama 3 ship
 * is matched by hand instead (tok/splitre.h), with Unicode 15 classes as
 * HF's Oniguruma has them where Debian's PCRE2 has Unicode 14's.
 *
 * The pre-tokenizers run depth first: each piece goes through the remaining
 * ones and into the model as soon as it is cut, so they hold no list of the
 * text's pieces. The BPE merge loop keeps a heap of candidate pairs (a
 * linear scan of keys up to 48 symbols), so a word of n symbols costs O(n log n),
 * whatever its shape. A model without ByteLevel (Gemma, Mistral: no
 * pre-tokenizer, a whole text one word) cuts its words where no merge can
 * ever join the two sides (no vocab entry holds the pair of characters, or
 * one becomes byte-fallback tokens no merge takes): the same ids, short
 * words. Words of up to 1024 bytes are cached per state (a bounded table,
 * cleared when full). Added tokens are found with a byte trie: each
 * position costs at most the longest token's length.
 *
 * Memory: tok_encode holds the ids, the normalized text and the longest
 * word's merge scratch; tok_count_bounded no ids, and no word that cannot
 * fit in its limit.
 *
 * Sources (the HF tokenizers' seams): load.c, normalize.c, added.c,
 * pretok.c, bpe.c, tables.c, tok.c; tok_int.h is their shared, private part.
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

/* The number of tokens of s[0..n), as tok_encode counts them, when it is
 * at most limit; else some number above limit (counting stops soon after
 * the limit is passed: a record that is dropped anyway costs no more).
 * Holds no ids: memory is bounded by the longest word merged, and words
 * that cannot fit within the limit are not merged. */
size_t tok_count_bounded(tok_state *s, const char *text, size_t n, size_t limit);

/* A regex match that failed (PCRE2's match or JIT stack limit, not "no
 * match") during the tok_encode calls since the last check: -1 with the
 * reason in err, and the state's error cleared; else 0. The counts of those
 * calls are not to be trusted when it fails. */
int tok_state_error(tok_state *s, char *err, size_t errlen);

/* Tokens the post-processor adds to a single sequence (add_special_tokens). */
int tok_n_special(const tok *t);
/* Id of a vocabulary entry or added token, -1 if none. */
int32_t tok_token_id(const tok *t, const char *s, size_t n);
size_t tok_vocab_size(const tok *t);

void tok_ids_free(tok_ids *ids);

#endif

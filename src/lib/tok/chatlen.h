/*
 * chatlen.h — the length in tokens of a record's conversation, as the
 * trainer will count it: the engine behind tok-len.
 *
 * Two counts (chatlen_job.trainer):
 *   CHATLEN_NONE     the conversation rendered once by the model's chat
 *                    template (or a fixed wrapping, or the contents alone),
 *                    tokenized as one text.
 *   CHATLEN_NEMO_RL  NeMo RL's: its sft_processor calls
 *                    get_formatted_message_log (nemo_rl/data/processors.py,
 *                    nemo_rl/data/llm_message_utils.py), which for each message
 *                    i renders messages[:i+1] (add_generation_prompt only when
 *                    asked and message i is a user or tool turn), keeps the
 *                    text from the first character where it differs from the
 *                    previous render (Python indexes code points: the cut never
 *                    falls inside a UTF-8 sequence), puts the tokenizer's BOS in
 *                    front of the first piece unless it starts with it, appends
 *                    EOS to the last piece unless that piece, trailing "\n"
 *                    stripped, ends with it, tokenizes each piece on its own
 *                    without special tokens, and sums. Only the new pieces are
 *                    tokenized; each prefix is rendered (n renders for n
 *                    messages). With max >= 0 a record is too_long when
 *                    n >= max (NeMo RL cuts such a row and masks its loss);
 *                    under CHATLEN_NONE when n > max.
 *
 * Memory and threads: a chatlen_job is read-only once set up and may be
 * shared; each thread works through its own chatlen_ctx. chatlen_model_load
 * fills a chatlen_model the caller frees with chatlen_model_free. An item's
 * line and out buffers belong to whoever holds the item: the caller's for
 * chatlen_record (chatlen_item_free), chatlen_run's for the items it hands
 * to its callbacks. chatlen_run starts and joins its own threads.
 * Errors: nothing is printed. chatlen_model_load returns -1 with the message
 * in err. A record's outcome is in its item: reason NULL (kept, out holds
 * the annotated record), chatlen_bad_json (not a JSON object: the caller
 * decides, as cli_bad_record does), or a drop reason with detail; fatal set
 * means no record can be counted (a template construct outside the dialect).
 */
#ifndef SFTKIT_CHATLEN_H
#define SFTKIT_CHATLEN_H

#include <stddef.h>
#include <stdint.h>
#include "json.h"
#include "util.h"
#include "tok/tok.h"
#include "jinja/jinja.h"
#include "workq.h"

enum { CHATLEN_PLAIN, CHATLEN_CHATML, CHATLEN_LLAMA3, CHATLEN_TEMPLATE };
enum { CHATLEN_NONE, CHATLEN_NEMO_RL };

/* What the files beside a tokenizer say, read as transformers' AutoTokenizer
 * reads them. The template: chat_template.jinja when it exists, else
 * tokenizer_config.json's "chat_template" (the one named "default" of a
 * list); *.jinja files in additional_chat_templates/ without a
 * chat_template.jinja leave no default (named_only). The special tokens:
 * tokenizer_config.json's, each replaced by special_tokens_map.json's when
 * the config has no "added_tokens_decoder" (the legacy layout); a token is a
 * string or an AddedToken object's "content", kept only when not empty. */
typedef struct chatlen_model {
	int format;             /* the fixed wrapping its template resembles, CHATLEN_PLAIN if none */
	char *template_text;    /* its chat template, or NULL */
	const char *template_source; /* the file it came from (static), or NULL */
	int named_only;         /* only named templates: transformers has no default to apply */
	char *default_system;   /* a ChatML template's literal default system prompt, or NULL */
	char *bos, *eos, *pad;  /* bos_token / eos_token / pad_token, NULL when unset */
	strbuf vars;              /* the special tokens transformers passes the template
				 * (its special_tokens_map: bos, eos, unk, sep, pad, cls,
				 * mask, additional_special_tokens), a JSON object */
} chatlen_model;

/* tokpath: a tokenizer.json or its directory. No config file is no template
 * and only special_tokens_map.json's tokens (0); a file that cannot be read
 * or parsed is -1. */
int chatlen_model_load(const char *tokpath, chatlen_model *m, char *err, size_t errlen);
void chatlen_model_free(chatlen_model *m);

typedef struct chatlen_job {
	const tok *t;
	int trainer;                /* CHATLEN_NONE or CHATLEN_NEMO_RL (which needs CHATLEN_TEMPLATE) */
	int format;                 /* CHATLEN_*; no_template forces CHATLEN_PLAIN */
	int no_template;
	const char *text_field;     /* count this string field instead of "messages" */
	const char *default_system; /* chatml/llama3 wrappings: a system turn when there is none */
	long long max;              /* -1: no limit */
	const jinja_tmpl *tmpl;     /* CHATLEN_TEMPLATE: the chat template */
	json_doc vars;              /* its variables besides the record's (chatlen_job_vars) */
	char *vars_text;            /* their text, which vars reads in place */
	int want_render, want_ids;  /* add "rendered" / "token_ids" */
	int add_bos, add_eos;       /* NeMo RL's data.add_bos / add_eos (its defaults: 1, 1) */
	int add_generation_prompt;  /* NeMo RL's data.add_generation_prompt (default 0) */
	const char *bos, *eos;      /* tokenizer.bos_token / eos_token, or NULL */
	const char *template_kwargs; /* a JSON object: more template variables, or NULL */
} chatlen_job;

/* The template's variables besides the record's into j->vars, as
 * apply_chat_template passes them: add_generation_prompt, m's special tokens
 * (under NeMo RL pad_token = eos_token when it has none, as its
 * get_tokenizer sets it, and add_special_tokens=false, which it passes on),
 * then j->template_kwargs' members, which replace those of the same name
 * (NeMo RL's policy.tokenizer.chat_template_kwargs). -1 with err when the
 * kwargs are not a JSON object or name a parameter of apply_chat_template
 * (messages, tools, documents, add_generation_prompt, ...), which would not
 * reach the template. */
int chatlen_job_vars(chatlen_job *j, const chatlen_model *m, char *err, size_t errlen);
/* Frees what chatlen_job_vars allocated (not the tok or the template). */
void chatlen_job_free(chatlen_job *j);

typedef struct chatlen_item {
	char *line;               /* in: the record (chatlen_item_set copies it here) */
	size_t len, cap;          /* its length; the buffer's size */
	int borrow;               /* chatlen_item_set points line at the caller's bytes
				   * instead (chatlen_run on one thread sets it: the
				   * record is counted and written before the next read) */
	const char *file;         /* the caller's, untouched */
	uint64_t lineno;
	long long n;              /* out: tokens, or -1 */
	const char *reason;       /* NULL: kept; chatlen_bad_json; or a drop reason */
	int fatal;
	char detail[400];
	strbuf out;                 /* the annotated record when kept */
} chatlen_item;

extern const char chatlen_bad_json[];

/* Copy line[0..len) into it->line, reusing its buffer (with it->borrow,
 * point at it: the caller keeps the bytes until it reads the next record). */
void chatlen_item_set(chatlen_item *it, const char *line, size_t len);
/* Free an item's buffers (line and out). */
void chatlen_item_free(chatlen_item *it);

typedef struct chatlen_ctx chatlen_ctx;
chatlen_ctx *chatlen_ctx_new(const chatlen_job *j);
void chatlen_ctx_free(chatlen_ctx *c);

/* Count one record. */
void chatlen_record(chatlen_ctx *c, chatlen_item *it);

/* A whole stream: read(ctx, it) fills it with the next record (through
 * chatlen_item_set, with file and lineno) and returns 1, or 0 at the end;
 * write(ctx, it) takes each counted record in input order and returns 0 to
 * go on, non-zero to stop (a fatal item: the caller reports it once
 * chatlen_run has returned). read and write run on the calling thread, one
 * at a time; the items they see are chatlen_run's, valid until they return.
 *
 * nworkers 1 counts on the calling thread, one record at a time. More
 * start nworkers - 1 threads once (workq_pipe), each with its own
 * chatlen_ctx, taking 2 records at a time; the caller reads the records
 * ahead, writes those counted, and counts 2 at a time itself while the ring
 * is full (so N workers are N threads, one a core), with at most 16
 * records a worker in flight, and past 2 a worker no more than 128 KB a
 * worker of input: a window that small keeps a record in the cache from
 * its read to its count (with 256 records and 8 MB a worker, 2 workers
 * spent 12% more CPU than one thread on the bench corpus; now 3%). A record's buffers over 64 KB are freed once written, so a few huge
 * records do not keep the ring large. Returns 0 at the end of the input, 1
 * when write stopped it (the records after that one are not written; those
 * being counted finish first). st, when not NULL, gets the workers' busy and
 * idle time (nthreads 0 for one). */
typedef int (*chatlen_read_fn)(void *ctx, chatlen_item *it);
typedef int (*chatlen_write_fn)(void *ctx, chatlen_item *it);
int chatlen_run(const chatlen_job *j, int nworkers, chatlen_read_fn read, chatlen_write_fn write, void *ctx, workq_stats *st);

#endif

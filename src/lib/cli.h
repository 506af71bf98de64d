/*
 * cli.h — the conventions every sftkit tool keeps (DESIGN.md §3), in one place.
 *
 * This is the only module that knows about argv, stdin/stdout, stderr and exit
 * codes; engines never include it. A tool:
 *
 *     static const struct option opts[] = { CLI_COMMON_OPTIONS, {"max", 1, 0, 'm'}, {0} };
 *     cli c; cli_init(&c, "tok-len", usage_text, argc, argv);
 *     while ((o = getopt_long(argc, argv, "qhVm:" , opts, NULL)) != -1)
 *         if (!cli_common_opt(&c, o, optarg)) switch (o) { ... default: cli_usage_error(&c, NULL); }
 *     cli_open_output(&c);
 *     while (cli_next_record(&c, &line, &len, &doc) > 0) {
 *         ... cli_keep(&c, line, len) / cli_drop(&c, line, len, "reason") / cli_emit(&c, buf, n) ...
 *     }
 *     return cli_finish(&c);
 *
 * Exit status: 0 success, 1 data or runtime error, 2 usage error.
 * Messages: "tool: file:line: what" on stderr. Output goes through a buffered
 * writer: EPIPE (the reader went away, `| head`) ends the tool quietly with
 * status 0; any other write error is reported and exits 1.
 * Accounting: read = kept + dropped, with counts per reason, printed at the
 * end unless -q, and written as JSON with --summary FILE.
 * cli_init installs the out-of-memory handler (util_set_oom_handler): an
 * allocation that fails prints "tool: file:line: out of memory (allocating N
 * bytes)" and exits 1, with the input and line being read (a line that grows
 * without end, /dev/zero) or processed; one cli per process.
 */
#ifndef SFTKIT_CLI_H
#define SFTKIT_CLI_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "json.h"
#include "jsonl.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_DATA 1
#define CLI_EXIT_USAGE 2

/* getopt_long codes for the common options (above the char range) */
enum {
	CLI_OPT_HELP = 'h',
	CLI_OPT_VERSION = 'V',
	CLI_OPT_QUIET = 'q',
	CLI_OPT_REJECTS = 0x1000,
	CLI_OPT_SKIP_BAD,
	CLI_OPT_SUMMARY,
	CLI_OPT_PROGRESS,
	CLI_OPT_TOOL_BASE = 0x1100,    /* tools number their long-only options from here */
};

#define CLI_COMMON_OPTIONS \
	{"help", no_argument, 0, CLI_OPT_HELP}, \
	{"version", no_argument, 0, CLI_OPT_VERSION}, \
	{"quiet", no_argument, 0, CLI_OPT_QUIET}, \
	{"rejects", required_argument, 0, CLI_OPT_REJECTS}, \
	{"skip-bad", no_argument, 0, CLI_OPT_SKIP_BAD}, \
	{"summary", required_argument, 0, CLI_OPT_SUMMARY}, \
	{"progress", no_argument, 0, CLI_OPT_PROGRESS}
/* short options the common set takes; prepend to a tool's own */
#define CLI_COMMON_SHORT "hVq"

#define CLI_MAX_REASONS 64

typedef struct cli {
	const char *prog;
	const char *usage;       /* full --help text */
	int argc;
	char **argv;
	/* common options */
	int quiet, skip_bad, progress;
	const char *rejects_path, *summary_path;
	/* streams */
	jsonl_writer out;
	jsonl_writer rejects;
	int have_rejects;
	jsonl_reader in;
	int in_open;
	int next_arg;            /* index in argv of the next input file */
	char **files;            /* input file list (after options) */
	int nfiles;
	const char *cur_file;    /* for messages */
	uint64_t cur_line;
	int reading;             /* inside the reader: an allocation failure is line cur+1's */
	int started;             /* inputs opened: a fatal error prints the counts too */
	/* accounting */
	uint64_t n_read, n_kept, n_dropped;
	struct { char name[48]; uint64_t n; } reasons[CLI_MAX_REASONS];
	int nreasons;
	/* progress */
	uint64_t bytes_in;
	double t_start, t_last_progress;
	double t_bytes_start, t_bytes_last;   /* cli_progress_bytes' transfer */
	int tty;
	/* raw JSON members (',"k":v' text without the leading comma) added to
	 * the --summary object, e.g. decontam's drops per benchmark; the tool's */
	const char *summary_extra;
	/* per-record parse */
	json_doc doc;
	strbuf scratch;
} cli;

void cli_init(cli *c, const char *prog, const char *usage, int argc, char **argv);
/* Handle a common option; 1 if it was one. --help/--version print and exit 0. */
int cli_common_opt(cli *c, int opt, const char *arg);
/* Print "prog: msg" (if msg) and "Try 'prog --help'", exit 2. */
void cli_usage_error(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* Number options, one rule for every tool, as strict as OpenBSD's
 * strtonum(3): the whole argument is a decimal integer within [min, max], or
 * a decimal real within [min, max] that is neither NaN nor infinite; anything
 * else is a usage error naming the option and the range: "prog: --jobs:
 * expected an integer from 1 to 1024, found '0'". Exactly:
 *   - empty, a sign alone, trailing text ("12x", "1 "), hex ("0x10"), a
 *     fraction for an integer ("1.5"), or a value beyond the type (2^64 for
 *     cli_uint_arg, 2^63 for cli_int_arg) or the range are refused;
 *   - one leading '+' is taken ("+7" is 7), as strtonum takes it;
 *   - leading blanks are refused (" 1"), where strtonum, built on strtoll,
 *     skips them: an option's value is what the user typed, and a blank in
 *     it is a quoting slip, not a number;
 *   - cli_uint_arg takes no '-' at all, not even "-0": strtoull would read
 *     "-1" as 2^64-1, which nobody means.
 * cli_uint_arg is for values up to 2^64-1 (blend's --seed, row limits and
 * counts); cli_int_arg for signed ones and anything that fits int64. */
long long cli_int_arg(cli *c, const char *opt, const char *arg, long long min, long long max);
uint64_t cli_uint_arg(cli *c, const char *opt, const char *arg, uint64_t min, uint64_t max);
double cli_real_arg(cli *c, const char *opt, const char *arg, double min, double max);
/* "prog: msg" on stderr (no position), exit 1. */
void cli_fatal(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* "prog: file:line: msg" with the current input position, exit 1. */
void cli_data_fatal(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
/* "prog: msg" warning, no exit (suppressed by nothing: warnings matter). */
void cli_warn(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "prog: file:line: msg" at the current input position, no exit: a record
 * reported and the run goes on (sft-check's failures). Not suppressed by -q. */
void cli_data_error(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "prog: msg", information beside the summary (decontam's index); -q
 * silences it as it silences the summary. */
void cli_info(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* After option parsing: remaining argv[optind..] are the inputs (none = stdin).
 * Opens stdout and --rejects. */
void cli_open_output(cli *c, int optind);

/* Next input line across all inputs. 1 with line set, 0 at the end. Read
 * errors are fatal. Counts n_read. */
int cli_next_line(cli *c, const char **line, size_t *len);
/* Next record parsed as a JSON object into c->doc (root is node 0). A line
 * that is not a JSON object is fatal with its position unless --skip-bad, in
 * which case it is counted under reason "bad_json", written to --rejects, and
 * skipped. Blank lines are errors too (JSONL has none). */
int cli_next_record(cli *c, const char **line, size_t *len);
/* The two halves of cli_next_record, for tools that parse records elsewhere
 * (tok-len -j parses in its workers). The parse is json's
 * json_parse_object (json.h), which engines call themselves; cli_parse_record
 * is the same function under cli's name, for tools. cli_bad_record: a line
 * that is not a record, at the current input position: fatal unless
 * --skip-bad, else counted under "bad_json" and written to --rejects. */
int cli_parse_record(json_doc *d, const char *line, size_t len, char *why, size_t wn);
void cli_bad_record(cli *c, const char *line, size_t len, const char *why);
/* cli_bad_record for a record a tool cannot use although it is a JSON
 * object (blend's records without "messages"): the same path, fatal with
 * "prog: file:line: why" unless --skip-bad, else counted under reason (not
 * "bad_json") and written to --rejects with why as its detail. */
void cli_bad_record_as(cli *c, const char *line, size_t len, const char *reason, const char *why);

/* Outcomes of one record. */
void cli_keep(cli *c, const char *line, size_t len);     /* write as read, counts kept */
void cli_emit(cli *c, const char *rec, size_t len);      /* write a new record, counts kept */
/* Count a drop under reason (a short snake_case word) and write the record to
 * --rejects with "reason" (and detail, when not NULL) added. */
void cli_drop(cli *c, const char *line, size_t len, const char *reason, const char *detail);
/* The accounting, for records the calls above do not see: a tool never
 * writes n_read, n_kept or n_dropped itself. cli_add_read: n records read
 * other than through cli_next_line (parquet rows, downloads) or n more that
 * one input became (a --jq program's second output). cli_add_kept: n records
 * kept whose lines the tool wrote itself, or counted without writing.
 * cli_add_dropped: n records dropped under reason without their lines
 * (blend's records not drawn). cli_finish then holds read = kept + dropped:
 * a run where it does not is an internal error, exit 1. */
void cli_add_read(cli *c, uint64_t n);
void cli_add_kept(cli *c, uint64_t n);
void cli_add_dropped(cli *c, const char *reason, uint64_t n);

/* Write raw bytes to stdout (for tools whose output is not one line per record). */
void cli_write(cli *c, const void *p, size_t n);

/* Append fields to a JSON object record without re-encoding it: line must be a
 * JSON object; fields is ',"k":v,...' text without the leading comma. */
void cli_annotate(strbuf *out, const char *line, size_t len, const char *fields, size_t flen);

/* The whole loop of a keep/drop filter: for each record, rule returns NULL to
 * keep it (written byte for byte) or a reason to drop it (detail filled). */
typedef const char *(*cli_rule_fn)(void *ctx, const json_doc *d, char *detail, size_t n);
void cli_run_filter(cli *c, cli_rule_fn rule, void *ctx);

/* The whole main of a keep/drop filter that takes the common options only
 * (drop-multimodal, drop-tool-use, drop-identity): cli_init, the options,
 * init(ctx), cli_run_filter over rule, done(ctx), cli_finish. ctx is the
 * rule's context, owned by the caller; init and done may be NULL. An init
 * that fails returns -1 with the reason in err, which ends the tool with
 * "prog: reason" and status 1. Returns the exit status for main. */
typedef struct cli_filter {
	const char *prog;        /* the tool's name */
	const char *usage;       /* its --help text */
	cli_rule_fn rule;
	void *ctx;
	int (*init)(void *ctx, char *err, size_t errlen);
	void (*done)(void *ctx);
} cli_filter;
int cli_filter_main(const cli_filter *f, int argc, char **argv);

/* Flush outputs, print the summary (unless -q), write --summary. Returns the
 * exit status for main. */
int cli_finish(cli *c);
/* Monotonic seconds. */
double cli_now(void);
/* Progress line on stderr when on a terminal (or --progress), at most 4x/s. */
void cli_progress(cli *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Is progress shown: stderr a terminal, or --progress given. */
int cli_progress_on(const cli *c);
/* A transfer's progress (downloads: hf-fetch's bar), shaped as
 * hub_progress_fn calls it: (0, total, 0) starts a transfer and its clock,
 * drawing nothing; (done, total, 0) redraws, at most 4 times a second,
 *     "\rprog:    12.3 / 45.6 MB     7.8 MB/s  ETA    4s"
 * (MB of 10^6 bytes; the rate since the start; the ETA at that rate, 0 when
 * unknown); (done, total, 1) draws the last state at once, ending the line
 * with "\n" so that what follows starts on its own. Draws only when
 * cli_progress_on. Not thread-safe: calls must be serialized (the hub calls
 * its progress function under its lock). */
void cli_progress_bytes(cli *c, uint64_t done, uint64_t total, int final);

#endif

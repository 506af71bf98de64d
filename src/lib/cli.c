/* cli.c — see cli.h. */
#include "cli.h"

#include <malloc.h>
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef SFTKIT_VERSION
#define SFTKIT_VERSION "0"
#endif

double cli_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Out of memory: the tool, the input and the line, exit 1 (not an abort).
 * Formatted on the stack and written with write(2): nothing here allocates.
 * The line is the one being read when the reader was growing its buffer,
 * else the current record's. */
static const cli *oom_cli;

static void cli_oom(size_t n)
{
	const cli *c = oom_cli;
	char msg[4600], size[64] = "";
	int k;
	if (n) snprintf(size, sizeof size, " (allocating %zu bytes)", n);   /* 0: util_oom's "not known" */
	if (c->cur_file || c->in_open) {
		const char *f = c->in_open ? c->in.name : c->cur_file;
		unsigned long long line = c->reading ? c->in.lineno + 1 : c->cur_line;
		if (line)
			k = snprintf(msg, sizeof msg, "%s: %s:%llu: out of memory%s\n", c->prog, f ? f : "<stdin>", line, size);
		else
			k = snprintf(msg, sizeof msg, "%s: %s: out of memory%s\n", c->prog, f ? f : "<stdin>", size);
	} else {
		k = snprintf(msg, sizeof msg, "%s: out of memory%s\n", c->prog, size);
	}
	if (k > 0) {
		ssize_t w = write(2, msg, (size_t)k < sizeof msg ? (size_t)k : sizeof msg - 1);
		(void)w;
	}
	_exit(CLI_EXIT_DATA);
}

/* A closed standard descriptor would be taken by the first file a tool
 * opens (a spool, --rejects), which would then get its output or be read as
 * its input. Each is opened on /dev/null the wrong way round, so that using
 * it fails loudly (EBADF) instead of reading nothing or writing into a void:
 * stdin write-only, stdout read-only; stderr write-only (messages are lost,
 * the exit status is not). */
static void open_std_fds(void)
{
	static const int mode[3] = { O_WRONLY, O_RDONLY, O_WRONLY };
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
		int n = open("/dev/null", mode[fd]);
		if (n < 0) _exit(CLI_EXIT_DATA);
		if (n != fd) { dup2(n, fd); close(n); }
	}
}

void cli_init(cli *c, const char *prog, const char *usage, int argc, char **argv)
{
	open_std_fds();
	/* Tools free and reallocate large buffers per row group or batch; keep
	 * them in the heap instead of returning them to the kernel each time
	 * (each fresh mmap costs a page fault per 4 KB). Peak memory is unchanged. */
	mallopt(M_MMAP_THRESHOLD, 64 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	memset(c, 0, sizeof *c);
	c->prog = prog;
	c->usage = usage;
	c->argc = argc;
	c->argv = argv;
	c->tty = isatty(2);
	c->t_start = cli_now();
	json_doc_init(&c->doc);
	jsonl_writer_init(&c->out, 1);
	/* EPIPE is handled where writes happen: quiet exit, not a signal death */
	signal(SIGPIPE, SIG_IGN);
	/* getopt prints "prog: unrecognized option"; name the tool, not the path */
	if (argc > 0) argv[0] = (char *)prog;
	oom_cli = c;
	util_set_oom_handler(cli_oom);
}

int cli_common_opt(cli *c, int opt, const char *arg)
{
	switch (opt) {
	case CLI_OPT_HELP:
		fputs(c->usage, stdout);
		fputs("\nCommon options:\n"
		      "  -q, --quiet        no end-of-run summary on stderr\n"
		      "      --rejects FILE write dropped records there, each with a \"reason\"\n"
		      "      --skip-bad     skip (count, reject) malformed lines instead of stopping\n"
		      "      --summary FILE write the run's counts as JSON\n"
		      "      --progress     show progress on stderr even when it is not a terminal\n"
		      "  -h, --help         this text\n"
		      "  -V, --version      version\n", stdout);
		exit(fflush(stdout) ? 1 : 0);
	case CLI_OPT_VERSION:
		printf("%s (sftkit) %s\n", c->prog, SFTKIT_VERSION);
		exit(fflush(stdout) ? 1 : 0);
	case CLI_OPT_QUIET: c->quiet = 1; return 1;
	case CLI_OPT_REJECTS: c->rejects_path = arg; return 1;
	case CLI_OPT_SKIP_BAD: c->skip_bad = 1; return 1;
	case CLI_OPT_SUMMARY: c->summary_path = arg; return 1;
	case CLI_OPT_PROGRESS: c->progress = 1; return 1;
	}
	return 0;
}

void cli_usage_error(cli *c, const char *fmt, ...)
{
	if (fmt) {
		va_list ap;
		fprintf(stderr, "%s: ", c->prog);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	fprintf(stderr, "Try '%s --help' for more information.\n", c->prog);
	exit(CLI_EXIT_USAGE);
}

/* On a fatal error, what was already accepted still reaches the reader. */
/* "tool: read N, kept N, dropped N (reason N, ...) in Xs" and tail. */
static void print_counts(const cli *c, const char *tail)
{
	fprintf(stderr, "%s: read %llu, kept %llu, dropped %llu", c->prog,
	        (unsigned long long)c->n_read, (unsigned long long)c->n_kept,
	        (unsigned long long)c->n_dropped);
	if (c->nreasons) {
		fputs(" (", stderr);
		for (int i = 0; i < c->nreasons; i++)
			fprintf(stderr, "%s%s %llu", i ? ", " : "", c->reasons[i].name,
			        (unsigned long long)c->reasons[i].n);
		fputc(')', stderr);
	}
	fprintf(stderr, " in %.2fs%s\n", cli_now() - c->t_start, tail);
}

/* A run that stops on an error still says what it had done, once it had
 * started on its inputs (not after a bad option or recipe). */
static void counts_on_error(cli *c)
{
	if (c->quiet || !c->started) return;
	if (c->t_last_progress > 0) fputs("\r\033[K", stderr);
	c->started = 0;
	print_counts(c, ", then stopped by the error above");
}

static void flush_quietly(cli *c)
{
	if (c->out.len && !c->out.err) jsonl_flush(&c->out);
	if (c->have_rejects) { jsonl_writer_close(&c->rejects); c->have_rejects = 0; }
}

long long cli_int_arg(cli *c, const char *opt, const char *arg, long long min, long long max)
{
	const char *p = arg;
	if (*p == '-' || *p == '+') p++;
	int digits = *p >= '0' && *p <= '9';
	for (; digits && *p; p++)
		if (*p < '0' || *p > '9') digits = 0;
	errno = 0;
	long long v = digits ? strtoll(arg, NULL, 10) : 0;
	if (!digits || errno == ERANGE || v < min || v > max)
		cli_usage_error(c, "%s: expected an integer from %lld to %lld, found '%s'", opt, min, max, arg);
	return v;
}

uint64_t cli_uint_arg(cli *c, const char *opt, const char *arg, uint64_t min, uint64_t max)
{
	const char *p = arg + (*arg == '+');
	uint64_t v = 0;
	int ok = *p != 0;
	for (; ok && *p; p++) {
		unsigned d = (unsigned)(*p - '0');
		if (d > 9 || v > (UINT64_MAX - d) / 10) ok = 0;
		else v = v * 10 + d;
	}
	if (!ok || v < min || v > max)
		cli_usage_error(c, "%s: expected an integer from %llu to %llu, found '%s'", opt, (unsigned long long)min,
				(unsigned long long)max, arg);
	return v;
}

double cli_real_arg(cli *c, const char *opt, const char *arg, double min, double max)
{
	char *e;
	errno = 0;
	double v = *arg && !isspace((unsigned char)*arg) ? strtod(arg, &e) : 0;
	if (!*arg || isspace((unsigned char)*arg) || *e || errno == ERANGE || isnan(v) || v < min || v > max ||
	    strpbrk(arg, "xXnNiI"))   /* hex floats, nan, inf: strtod takes them, a person means none */
		cli_usage_error(c, "%s: expected a number from %g to %g, found '%s'", opt, min, max, arg);
	return v;
}

void cli_fatal(cli *c, const char *fmt, ...)
{
	va_list ap;
	flush_quietly(c);
	fprintf(stderr, "%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	counts_on_error(c);
	exit(CLI_EXIT_DATA);
}

static void vdata_msg(const cli *c, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: %s:%llu: ", c->prog, c->cur_file ? c->cur_file : "<stdin>",
	        (unsigned long long)c->cur_line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cli_data_fatal(cli *c, const char *fmt, ...)
{
	va_list ap;
	flush_quietly(c);
	va_start(ap, fmt);
	vdata_msg(c, fmt, ap);
	va_end(ap);
	counts_on_error(c);
	exit(CLI_EXIT_DATA);
}

void cli_data_error(cli *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdata_msg(c, fmt, ap);
	va_end(ap);
}

void cli_info(cli *c, const char *fmt, ...)
{
	if (c->quiet) return;
	va_list ap;
	fprintf(stderr, "%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void cli_warn(cli *c, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: warning: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void check_write(cli *c, int rc, const char *what)
{
	if (rc == 0) return;
	if (errno == EPIPE) {
		/* the reader went away (| head): stop quietly, as a filter should */
		if (c->have_rejects) jsonl_writer_close(&c->rejects);
		exit(CLI_EXIT_OK);
	}
	fprintf(stderr, "%s: write error on %s: %s\n", c->prog, what, strerror(errno));
	exit(CLI_EXIT_DATA);
}

void cli_open_output(cli *c, int optind)
{
	c->started = 1;
	c->files = c->argv + optind;
	c->nfiles = c->argc - optind;
	if (c->rejects_path) {
		if (jsonl_writer_open(&c->rejects, c->rejects_path))
			cli_fatal(c, "%s: %s", c->rejects_path, strerror(errno));
		c->have_rejects = 1;
	}
}

static int open_next_input(cli *c)
{
	if (c->in_open) { jsonl_close(&c->in); c->in_open = 0; }
	if (c->nfiles == 0) {
		if (c->next_arg > 0) return 0;
		c->next_arg = 1;
		jsonl_open_fd(&c->in, 0, "<stdin>");
	} else {
		if (c->next_arg >= c->nfiles) return 0;
		const char *path = c->files[c->next_arg++];
		if (jsonl_open(&c->in, path)) cli_fatal(c, "%s: %s", path, strerror(errno));
	}
	c->in_open = 1;
	c->cur_file = c->in.name;
	c->cur_line = 0;
	return 1;
}

int cli_next_line(cli *c, const char **line, size_t *len)
{
	for (;;) {
		if (!c->in_open && !open_next_input(c)) return 0;
		c->reading = 1;
		int rc = jsonl_next(&c->in, line, len);
		c->reading = 0;
		if (rc > 0) {
			c->cur_line = c->in.lineno;
			c->n_read++;
			c->bytes_in += *len + 1;
			if ((c->n_read & 0xFFFF) == 0 && (c->tty || c->progress))
				cli_progress(c, "%llu records", (unsigned long long)c->n_read);
			return 1;
		}
		if (rc < 0) cli_fatal(c, "%s: read error: %s", c->in.name, strerror(c->in.err));
		jsonl_close(&c->in);
		c->in_open = 0;
	}
}

int cli_parse_record(json_doc *d, const char *line, size_t len, char *why, size_t wn)
{
	return json_parse_object(d, line, len, why, wn);
}

void cli_bad_record_as(cli *c, const char *line, size_t len, const char *reason, const char *why)
{
	if (!c->skip_bad) cli_data_fatal(c, "%s", why);
	cli_drop(c, line, len, reason, why);
}

void cli_bad_record(cli *c, const char *line, size_t len, const char *why)
{
	cli_bad_record_as(c, line, len, "bad_json", why);
}

int cli_next_record(cli *c, const char **line, size_t *len)
{
	while (cli_next_line(c, line, len)) {
		char why[200];
		if (!json_parse_object(&c->doc, *line, *len, why, sizeof why)) return 1;
		cli_bad_record(c, *line, *len, why);
	}
	return 0;
}

void cli_write(cli *c, const void *p, size_t n)
{
	check_write(c, jsonl_write(&c->out, p, n), "standard output");
}

void cli_keep(cli *c, const char *line, size_t len)
{
	c->n_kept++;
	check_write(c, jsonl_write_line(&c->out, line, len), "standard output");
}

void cli_emit(cli *c, const char *rec, size_t len)
{
	cli_keep(c, rec, len);
}

static void count_reason(cli *c, const char *reason, uint64_t n)
{
	for (int i = 0; i < c->nreasons; i++)
		if (!strcmp(c->reasons[i].name, reason)) { c->reasons[i].n += n; return; }
	int i = c->nreasons < CLI_MAX_REASONS ? c->nreasons++ : CLI_MAX_REASONS - 1;
	if (i == CLI_MAX_REASONS - 1 && c->nreasons == CLI_MAX_REASONS && strcmp(c->reasons[i].name, "other"))
		snprintf(c->reasons[i].name, sizeof c->reasons[i].name, "other"), c->reasons[i].n = 0;
	else
		snprintf(c->reasons[i].name, sizeof c->reasons[i].name, "%s", reason);
	c->reasons[i].n += n;
}


void cli_add_read(cli *c, uint64_t n) { c->n_read += n; }
void cli_add_kept(cli *c, uint64_t n) { c->n_kept += n; }
void cli_add_dropped(cli *c, const char *reason, uint64_t n)
{
	if (!n) return;
	c->n_dropped += n;
	count_reason(c, reason, n);
}

/* is line (after leading whitespace) a JSON object? cheap check, the record was parsed */
static int looks_like_object(const char *line, size_t len)
{
	size_t i = 0;
	while (i < len && (line[i] == ' ' || line[i] == '\t')) i++;
	size_t e = len;
	while (e > i && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r' || line[e - 1] == '\n')) e--;
	return e - i >= 2 && line[i] == '{' && line[e - 1] == '}';
}

void cli_annotate(strbuf *out, const char *line, size_t len, const char *fields, size_t flen)
{
	json_append_members(out, line, len, fields, flen);
}

void cli_drop(cli *c, const char *line, size_t len, const char *reason, const char *detail)
{
	c->n_dropped++;
	count_reason(c, reason, 1);
	if (!c->have_rejects) return;
	strbuf f = STRBUF_INIT, out = STRBUF_INIT;
	strbuf_puts(&f, "\"reason\":");
	json_write_str(&f, reason, strlen(reason));
	if (detail) {
		strbuf_puts(&f, ",\"detail\":");
		json_write_str(&f, detail, strlen(detail));
	}
	if (!strcmp(reason, "bad_json") || !looks_like_object(line, len)) {
		/* not an object we can annotate: wrap it, keeping its bytes */
		strbuf_putc(&out, '{');
		strbuf_put(&out, f.p, f.len);
		strbuf_puts(&out, ",\"file\":");
		const char *fn = c->cur_file ? c->cur_file : "<stdin>";
		json_write_str(&out, fn, strlen(fn));
		strbuf_printf(&out, ",\"line\":%llu,\"raw\":", (unsigned long long)c->cur_line);
		size_t ok = utf8_valid_prefix(line, len);
		if (ok == len) {
			json_write_str(&out, line, len);
		} else {
			/* keep what is valid and mark the rest; the record was invalid anyway */
			strbuf tmp = STRBUF_INIT;
			size_t i = 0;
			while (i < len) {
				size_t k = utf8_valid_prefix(line + i, len - i);
				strbuf_put(&tmp, line + i, k);
				i += k;
				if (i < len) { strbuf_printf(&tmp, "\\x%02X", (unsigned char)line[i]); i++; }
			}
			json_write_str(&out, tmp.p, tmp.len);
			strbuf_free(&tmp);
		}
		strbuf_putc(&out, '}');
	} else {
		cli_annotate(&out, line, len, f.p, f.len);
	}
	check_write(c, jsonl_write_line(&c->rejects, out.p, out.len), c->rejects_path);
	strbuf_free(&f);
	strbuf_free(&out);
}

void cli_progress(cli *c, const char *fmt, ...)
{
	if (!cli_progress_on(c)) return;
	double now = cli_now();
	if (now - c->t_last_progress < 0.25) return;
	c->t_last_progress = now;
	va_list ap;
	fprintf(stderr, "\r%s: ", c->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	double el = now - c->t_start;
	if (el > 0 && c->bytes_in)
		fprintf(stderr, ", %.1f MB/s", (double)c->bytes_in / el / 1e6);
	fputs("\033[K", stderr);
}

int cli_progress_on(const cli *c) { return c->tty || c->progress; }

void cli_progress_bytes(cli *c, uint64_t done, uint64_t total, int final)
{
	if (!cli_progress_on(c)) return;
	double t = cli_now();
	if (!done && !final) { c->t_bytes_start = c->t_bytes_last = t; return; }
	if (!final && t - c->t_bytes_last < 0.25) return;
	c->t_bytes_last = t;
	double el = t - c->t_bytes_start, rate = el > 0 ? (double)done / el : 0;
	double eta = rate > 0 && total > done ? (double)(total - done) / rate : 0;
	fprintf(stderr, "\r%s: %7.1f / %.1f MB  %6.1f MB/s  ETA %4.0fs%s", c->prog, (double)done / 1e6,
		(double)total / 1e6, rate / 1e6, eta, final ? "\n" : "");
}

int cli_finish(cli *c)
{
	check_write(c, jsonl_flush(&c->out), "standard output");
	jsonl_writer_close(&c->out);   /* frees the buffer; fd 1 is not ours to close */
	if (c->have_rejects) {
		check_write(c, jsonl_writer_close(&c->rejects), c->rejects_path);
		c->have_rejects = 0;
	}
	if (c->t_last_progress > 0) fputs("\r\033[K", stderr);
	double el = cli_now() - c->t_start;
	if (c->n_read != c->n_kept + c->n_dropped) {
		/* a record counted in but not out (or twice): the counts would lie */
		fprintf(stderr, "%s: internal error: read %llu records, but kept %llu and dropped %llu\n", c->prog,
		        (unsigned long long)c->n_read, (unsigned long long)c->n_kept, (unsigned long long)c->n_dropped);
		return CLI_EXIT_DATA;
	}
	if (!c->quiet) print_counts(c, "");
	if (c->summary_path) {
		strbuf s = STRBUF_INIT;
		strbuf_puts(&s, "{\"tool\":");
		json_write_str(&s, c->prog, strlen(c->prog));
		strbuf_printf(&s, ",\"read\":%llu,\"kept\":%llu,\"dropped\":%llu,\"reasons\":{",
		            (unsigned long long)c->n_read, (unsigned long long)c->n_kept,
		            (unsigned long long)c->n_dropped);
		for (int i = 0; i < c->nreasons; i++) {
			if (i) strbuf_putc(&s, ',');
			json_write_str(&s, c->reasons[i].name, strlen(c->reasons[i].name));
			strbuf_printf(&s, ":%llu", (unsigned long long)c->reasons[i].n);
		}
		strbuf_putc(&s, '}');
		if (c->summary_extra && *c->summary_extra) { strbuf_putc(&s, ','); strbuf_puts(&s, c->summary_extra); }
		strbuf_printf(&s, ",\"seconds\":%.3f,\"inputs\":[", el);
		for (int i = 0; i < c->nfiles; i++) {
			if (i) strbuf_putc(&s, ',');
			json_write_str(&s, c->files[i], strlen(c->files[i]));
		}
		strbuf_puts(&s, "]}\n");
		/* whole or not at all: a temp file beside it, renamed over it */
		c->started = 0;
		char err[4200];
		if (util_atomic_write_file(c->summary_path, s.p, s.len, err, sizeof err)) cli_fatal(c, "%s", err);
		strbuf_free(&s);
	}
	if (c->in_open) { jsonl_close(&c->in); c->in_open = 0; }
	json_doc_free(&c->doc);
	strbuf_free(&c->scratch);
	return CLI_EXIT_OK;
}

void cli_run_filter(cli *c, cli_rule_fn rule, void *ctx)
{
	const char *line;
	size_t len;
	char detail[256];
	while (cli_next_record(c, &line, &len) > 0) {
		detail[0] = 0;
		const char *why = rule(ctx, &c->doc, detail, sizeof detail);
		if (why) cli_drop(c, line, len, why, detail[0] ? detail : NULL);
		else cli_keep(c, line, len);
	}
}

int cli_filter_main(const cli_filter *f, int argc, char **argv)
{
	static const struct option opts[] = {CLI_COMMON_OPTIONS, {0, 0, 0, 0}};
	cli c;
	int o;
	cli_init(&c, f->prog, f->usage, argc, argv);
	while ((o = getopt_long(argc, argv, CLI_COMMON_SHORT, opts, NULL)) != -1)
		if (!cli_common_opt(&c, o, optarg)) cli_usage_error(&c, NULL);
	cli_open_output(&c, optind);
	char err[256];
	if (f->init && f->init(f->ctx, err, sizeof err)) cli_fatal(&c, "%s", err);
	cli_run_filter(&c, f->rule, f->ctx);
	if (f->done) f->done(f->ctx);
	return cli_finish(&c);
}

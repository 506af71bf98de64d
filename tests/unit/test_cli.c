/* test_cli — the tool layer's pure parts: number options (accepted values,
 * and the usage error, exit 2 with the option named, for every bad one) and
 * cli_annotate's field appending. */
#include "cli.h"
#include "t.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Run fn(arg) in a child with stderr on a pipe; its exit status and
 * stderr (read to the end: stderr is unbuffered, so a message comes in
 * several writes). */
static int capture(void (*fn)(void *), void *arg, char *err, size_t errn)
{
	int pfd[2];
	if (pipe(pfd)) return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 2);
		close(pfd[0]);
		fn(arg);
		_exit(0);
	}
	close(pfd[1]);
	size_t got = 0;
	ssize_t n;
	while (got < errn - 1 && (n = read(pfd[0], err + got, errn - 1 - got)) > 0) got += (size_t)n;
	err[got] = 0;
	close(pfd[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A cli for a child, as a tool's main makes it */
static void child_cli(cli *c)
{
	static char *argv[] = { "t", NULL };
	cli_init(c, "t", "usage: t\n", 1, argv);
}

/* Run cli_int_arg / cli_real_arg / cli_uint_arg in a child; its exit
 * status and stderr. */
enum { K_INT, K_REAL, K_UINT };
struct num_case { int kind; const char *arg; long long lo, hi; uint64_t ulo, uhi; };
static void num_child(void *p)
{
	const struct num_case *k = p;
	cli c;
	child_cli(&c);
	if (k->kind == K_REAL) cli_real_arg(&c, "--x", k->arg, (double)k->lo, (double)k->hi);
	else if (k->kind == K_UINT) cli_uint_arg(&c, "--x", k->arg, k->ulo, k->uhi);
	else cli_int_arg(&c, "--x", k->arg, k->lo, k->hi);
}

static int child_run(int kind, const char *arg, long long lo, long long hi, uint64_t ulo, uint64_t uhi, char *err,
		     size_t errn)
{
	struct num_case k = { kind, arg, lo, hi, ulo, uhi };
	return capture(num_child, &k, err, errn);
}

static int child_status(int real, const char *arg, long long lo, long long hi, char *err, size_t errn)
{
	return child_run(real ? K_REAL : K_INT, arg, lo, hi, 0, 0, err, errn);
}

static int uint_status(const char *arg, uint64_t lo, uint64_t hi, char *err, size_t errn)
{
	return child_run(K_UINT, arg, 0, 0, lo, hi, err, errn);
}

static void test_int_arg(void)
{
	cli c;
	char *argv[] = { "t", NULL };
	cli_init(&c, "t", "usage: t\n", 1, argv);
	T_EQ_INT(cli_int_arg(&c, "--x", "42", 0, 100), 42);
	T_EQ_INT(cli_int_arg(&c, "--x", "-3", -5, 5), -3);
	T_EQ_INT(cli_int_arg(&c, "--x", "+7", 0, 9), 7);
	T_EQ_INT(cli_int_arg(&c, "--x", "9223372036854775807", 0, INT64_MAX), INT64_MAX);
	char err[512];
	const char *bad[] = { "", "-", "1x", " 1", "1 ", "0x10", "4294967297", "101", "-1", "99999999999999999999", "1.5" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		T_CHECKF(child_status(0, bad[i], 0, 100, err, sizeof err) == 2, "'%s' accepted", bad[i]);
		T_CHECKF(strstr(err, "t: --x: expected an integer from 0 to 100") != NULL, "'%s': %s", bad[i], err);
	}
	T_CHECK(child_status(0, "100", 0, 100, err, sizeof err) == 0);
}

/* The unsigned variant: the whole of 0..2^64-1 (blend's --seed), the range's
 * ends, and strtonum's strictness (one '+', no blanks, no '-' at all). */
static void test_uint_arg(void)
{
	cli c;
	char *argv[] = { "t", NULL };
	cli_init(&c, "t", "usage: t\n", 1, argv);
	T_CHECK(cli_uint_arg(&c, "--x", "0", 0, UINT64_MAX) == 0);
	T_CHECK(cli_uint_arg(&c, "--x", "18446744073709551615", 0, UINT64_MAX) == UINT64_MAX);
	T_CHECK(cli_uint_arg(&c, "--x", "18446744073709551614", 0, UINT64_MAX) == UINT64_MAX - 1);
	T_CHECK(cli_uint_arg(&c, "--x", "9223372036854775808", 0, UINT64_MAX) == (uint64_t)1 << 63);
	T_CHECK(cli_uint_arg(&c, "--x", "+7", 0, 9) == 7);
	T_CHECK(cli_uint_arg(&c, "--x", "007", 0, 9) == 7);
	T_CHECK(cli_uint_arg(&c, "--x", "1", 1, 100) == 1);
	T_CHECK(cli_uint_arg(&c, "--x", "100", 1, 100) == 100);
	char err[512];
	const char *bad[] = { "", "+", "-", "-1", "-0", "+-1", "++1", "12x", "x12", " 1", "1 ", "\t1", "0x10", "1.5",
			      "1e3", "18446744073709551616", "18446744073709551620", "99999999999999999999999" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		T_CHECKF(uint_status(bad[i], 0, UINT64_MAX, err, sizeof err) == 2, "'%s' accepted", bad[i]);
		T_CHECKF(strstr(err, "t: --x: expected an integer from 0 to 18446744073709551615, found '") != NULL,
			 "'%s': %s", bad[i], err);
	}
	/* the range's ends, one past each */
	T_CHECK(uint_status("0", 1, 100, err, sizeof err) == 2);
	T_CHECK(strstr(err, "t: --x: expected an integer from 1 to 100, found '0'\n") != NULL);
	T_CHECK(strstr(err, "Try 't --help' for more information.") != NULL);
	T_CHECK(uint_status("101", 1, 100, err, sizeof err) == 2);
	T_CHECK(uint_status("1", 1, 100, err, sizeof err) == 0);
	T_CHECK(uint_status("100", 1, 100, err, sizeof err) == 0);
	T_CHECK(uint_status("18446744073709551615", 0, UINT64_MAX - 1, err, sizeof err) == 2);
}

/* The rule against a definition: accepted iff the text is '+'? digits and
 * strtoull reads it without ERANGE, and then to the same value; on random
 * strings over digits, signs, a blank and a letter (a fixed seed). */
static void test_uint_arg_random(void)
{
	static const char alpha[] = "0123456789+- x";
	uint64_t s = 0x9E3779B97F4A7C15ull;
	char arg[24], err[512];
	for (int k = 0; k < 300; k++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		int n = (int)(s >> 59) % 22;
		for (int i = 0; i < n; i++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			/* mostly digits, so that long numbers near 2^64 come up */
			int r = (int)(s >> 58);
			arg[i] = r < 50 ? alpha[r % 10] : alpha[10 + r % 4];
		}
		arg[n] = 0;
		const char *p = arg + (arg[0] == '+');
		int want = *p != 0;
		for (const char *q = p; *q; q++)
			if (*q < '0' || *q > '9') want = 0;
		errno = 0;
		unsigned long long ref = want ? strtoull(p, NULL, 10) : 0;
		if (errno == ERANGE) want = 0;
		int st = uint_status(arg, 0, UINT64_MAX, err, sizeof err);
		T_CHECKF(st == (want ? 0 : 2), "'%s': exit %d", arg, st);
		if (want) {
			cli c;
			char *argv[] = { "t", NULL };
			cli_init(&c, "t", "usage: t\n", 1, argv);
			T_CHECKF(cli_uint_arg(&c, "--x", arg, 0, UINT64_MAX) == ref, "'%s'", arg);
		}
	}
}

static void test_real_arg(void)
{
	cli c;
	char *argv[] = { "t", NULL };
	cli_init(&c, "t", "usage: t\n", 1, argv);
	T_CHECK(cli_real_arg(&c, "--x", "0.8", 0, 1) == 0.8);
	T_CHECK(cli_real_arg(&c, "--x", "1", 0, 1) == 1.0);
	T_CHECK(cli_real_arg(&c, "--x", "5e-1", 0, 1) == 0.5);
	char err[512];
	const char *bad[] = { "", "nan", "inf", "0x1p-1", "1.5", "-0.1", "0.5x", " 0.5", "1e999" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		T_CHECKF(child_status(1, bad[i], 0, 1, err, sizeof err) == 2, "'%s' accepted", bad[i]);
		T_CHECKF(strstr(err, "t: --x: expected a number from 0 to 1") != NULL, "'%s': %s", bad[i], err);
	}
}

/* cli_progress_bytes in a child whose stderr is a pipe (so not a terminal):
 * a start, three quick redraws, then the final state. */
static void bytes_run(void *p)
{
	cli c;
	child_cli(&c);
	c.progress = *(const int *)p;
	cli_progress_bytes(&c, 0, 2000000, 0);
	for (int i = 1; i <= 3; i++) cli_progress_bytes(&c, (uint64_t)i * 100000, 2000000, 0);
	cli_progress_bytes(&c, 500000, 2000000, 1);
}

static int bytes_child(int progress, char *err, size_t errn)
{
	return capture(bytes_run, &progress, err, errn);
}

static void test_progress_bytes(void)
{
	char err[512];
	/* in a pipe without --progress: nothing at all */
	T_CHECK(bytes_child(0, err, sizeof err) == 0);
	T_EQ_STR(err, "");
	/* with --progress: the quick redraws are skipped (4 a second at most),
	 * the final state is drawn at once, on a line of its own */
	T_CHECK(bytes_child(1, err, sizeof err) == 0);
	const char *head = "\rt:     0.5 / 2.0 MB  ";
	T_CHECKF(!strncmp(err, head, strlen(head)), "%s", err);
	T_CHECKF(strstr(err, " MB/s  ETA ") != NULL, "%s", err);
	size_t l = strlen(err);
	T_CHECKF(l > 2 && !strcmp(err + l - 2, "s\n"), "%s", err);
	T_CHECKF(strchr(err + 1, '\r') == NULL, "more than one draw: %s", err);
}

/* a bad record without --skip-bad: the run stops, exit 1 */
static void bad_record_child(void *unused)
{
	(void)unused;
	const char *rec = "{\"id\":1}";
	cli d;
	child_cli(&d);
	cli_bad_record_as(&d, rec, strlen(rec), "no_messages", "record has no \"messages\" array");
}

/* cli_bad_record_as: under --skip-bad, counted under its own reason beside
 * bad_json; without it, fatal with the reason's text (exit 1). */
static void test_bad_record_as(void)
{
	cli c;
	char *argv[] = { "t", NULL };
	cli_init(&c, "t", "usage: t\n", 1, argv);
	c.skip_bad = 1;
	const char *rec = "{\"id\":1}";
	cli_add_read(&c, 2);
	cli_bad_record_as(&c, rec, strlen(rec), "no_messages", "record has no \"messages\" array");
	cli_bad_record(&c, "{", 1, "invalid JSON");
	T_EQ_INT(c.n_dropped, 2);
	T_EQ_INT(c.nreasons, 2);
	T_EQ_STR(c.reasons[0].name, "no_messages");
	T_EQ_STR(c.reasons[1].name, "bad_json");
	char err[512];
	T_EQ_INT(capture(bad_record_child, NULL, err, sizeof err), 1);
	T_CHECKF(strstr(err, "t: <stdin>:0: record has no \"messages\" array\n") != NULL, "%s", err);
}

static void messages_child(void *unused)
{
	(void)unused;
	cli c;
	child_cli(&c);
	c.cur_file = "f.jsonl";
	c.cur_line = 7;
	cli_info(&c, "index: %d MB", 3);
	cli_data_error(&c, "%s: %s", "why", "detail");
	c.quiet = 1;
	cli_info(&c, "not under -q");
	cli_data_error(&c, "still under -q");
}

/* cli_info: "prog: msg", silenced by -q; cli_data_error: positioned, not
 * silenced, and the run goes on (exit 0 here). */
static void test_messages(void)
{
	char err[512];
	T_CHECK(capture(messages_child, NULL, err, sizeof err) == 0);
	T_EQ_STR(err, "t: index: 3 MB\nt: f.jsonl:7: why: detail\nt: f.jsonl:7: still under -q\n");
}

static void test_annotate(void)
{
	strbuf b = STRBUF_INIT;
	const char *rec = "{\"id\":\"a\",\"messages\":[]}";
	cli_annotate(&b, rec, strlen(rec), "\"n_tokens\":12", 13);
	strbuf_putc(&b, 0);
	T_EQ_STR(b.p, "{\"id\":\"a\",\"messages\":[],\"n_tokens\":12}");
	b.len = 0;
	cli_annotate(&b, "{ }", 3, "\"k\":1", 5);
	strbuf_putc(&b, 0);
	T_EQ_STR(b.p, "{ \"k\":1}");
	free(b.p);
}

/* util_oom, for memory another library failed to allocate, goes to cli's
 * handler: the tool's name, exit 1, the size when it is known; no abort */
static void oom_run(void *p)
{
	cli c;
	child_cli(&c);
	util_oom(*(const size_t *)p);
}

static int oom_child(size_t n, char *err, size_t errn)
{
	return capture(oom_run, &n, err, errn);
}

static void test_oom(void)
{
	char e[256];
	T_EQ_INT(oom_child(0, e, sizeof e), 1);
	T_EQ_STR(e, "t: out of memory\n");
	T_EQ_INT(oom_child(100, e, sizeof e), 1);
	T_EQ_STR(e, "t: out of memory (allocating 100 bytes)\n");
}

int main(void)
{
	T_RUN(test_int_arg);
	T_RUN(test_uint_arg);
	T_RUN(test_uint_arg_random);
	T_RUN(test_real_arg);
	T_RUN(test_progress_bytes);
	T_RUN(test_bad_record_as);
	T_RUN(test_messages);
	T_RUN(test_annotate);
	T_RUN(test_oom);
	return t_done();
}

/* test_util — the buffer, counts, bounded reads, the arena, UTF-8, files
 * replaced whole and spools: each against its stated contract, including the
 * edges (RFC 3629's overlongs, surrogates and the U+10FFFF limit; /dev/zero
 * under a bound; a write that fails half way, under RLIMIT_FSIZE). */
#include "util.h"
#include "t.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_strbuf(void)
{
	strbuf b = STRBUF_INIT;
	strbuf_puts(&b, "ab");
	strbuf_putc(&b, 'c');
	strbuf_printf(&b, "%d-%s", 42, "x");
	T_EQ_STR(b.p, "abc42-x");
	T_EQ_INT(b.len, 7);
	for (int i = 0; i < 10000; i++) strbuf_put(&b, "0123456789", 10);   /* growth keeps the bytes */
	T_EQ_INT(b.len, 100007);
	T_CHECK(b.p[b.len] == 0 && !memcmp(b.p + b.len - 10, "0123456789", 10));
	strbuf_reset(&b);
	T_EQ_INT(b.len, 0);
	T_EQ_STR(b.p, "");
	strbuf_puts(&b, "keep");
	size_t n;
	char *d = strbuf_detach(&b, &n);
	T_EQ_STR(d, "keep");
	T_EQ_INT(n, 4);
	T_CHECK(b.p == NULL && b.len == 0);
	free(d);
}

/* big tables on a 2 MB boundary (a huge page), small ones on a cache line,
 * every byte asked for writable (ASan sees an overrun) */
static void test_alloc_table(void)
{
	const size_t sizes[] = { 1, 63, 64, 1000, ((size_t)2 << 20) - 1, (size_t)2 << 20, ((size_t)8 << 20) + 8 };
	for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
		unsigned char *p = util_alloc_table(sizes[i]);
		size_t align = sizes[i] >= ((size_t)2 << 20) ? (size_t)2 << 20 : 64;
		T_CHECKF((uintptr_t)p % align == 0, "%zu bytes at %p: not on a %zu-byte boundary", sizes[i], (void *)p, align);
		memset(p, 0xA5, sizes[i]);
		T_CHECK(p[sizes[i] - 1] == 0xA5);
		free(p);
	}
}

static void test_parse_count(void)
{
	uint64_t v;
	T_CHECK(util_parse_count("0", &v) == 0 && v == 0);
	T_CHECK(util_parse_count("18446744073709551615", &v) == 0 && v == UINT64_MAX);
	const char *bad[] = { "", "-1", "+1", " 1", "1 ", "18446744073709551616", "1x", "0x10" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) T_CHECKF(util_parse_count(bad[i], &v) == -1, "'%s' taken", bad[i]);
}

static void test_read_file_max(void)
{
	size_t n;
	errno = 0;
	char *t = util_read_file_max("/dev/zero", 1 << 16, &n);
	T_CHECK(t == NULL && errno == EFBIG);
	t = util_read_file_max("/nonexistent/x", 1 << 16, &n);
	T_CHECK(t == NULL && errno == ENOENT);
	t = util_read_file_max("tests/unit/t.h", 1 << 20, &n);
	T_CHECK(t != NULL && n > 0 && t[n] == 0);
	free(t);
}

static void test_arena(void)
{
	arena a;
	arena_init(&a, 64);
	char *p = arena_alloc(&a, 10), *q = arena_alloc(&a, 1000);   /* bigger than a block */
	T_CHECK(((uintptr_t)p & 15) == 0 && ((uintptr_t)q & 15) == 0);
	memset(q, 'x', 1000);
	char *s = arena_strndup(&a, "hello world", 5);
	T_EQ_STR(s, "hello");
	arena_reset(&a);
	T_CHECK(arena_alloc(&a, 8) != NULL);
	arena_free(&a);
}

static void test_utf8(void)
{
	/* valid: ASCII, 2, 3 and 4 bytes, the last scalar value */
	const char *ok = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf";
	T_EQ_INT(utf8_valid_prefix(ok, strlen(ok)), strlen(ok));
	/* invalid: overlong, a surrogate, above U+10FFFF, a lone continuation, a cut sequence */
	T_EQ_INT(utf8_valid_prefix("ab\xc0\xaf", 4), 2);
	T_EQ_INT(utf8_valid_prefix("\xed\xa0\x80", 3), 0);
	T_EQ_INT(utf8_valid_prefix("x\xf4\x90\x80\x80", 5), 1);
	T_EQ_INT(utf8_valid_prefix("\x80", 1), 0);
	T_EQ_INT(utf8_valid_prefix("ok\xe2\x82", 4), 2);
	/* encode and decode round trip every plane's edges */
	const uint32_t cps[] = { 0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xffff, 0x10000, 0x10ffff };
	for (size_t i = 0; i < sizeof cps / sizeof *cps; i++) {
		char buf[4];
		int n = utf8_encode(cps[i], buf);
		uint32_t back;
		T_CHECKF(n == (cps[i] < 0x80 ? 1 : cps[i] < 0x800 ? 2 : cps[i] < 0x10000 ? 3 : 4), "U+%04X: %d bytes", cps[i], n);
		T_CHECK(utf8_valid_prefix(buf, (size_t)n) == (size_t)n);
		T_CHECK(utf8_decode(buf, (size_t)n, &back) == n && back == cps[i]);
		T_EQ_INT(utf8_count(buf, (size_t)n), 1);
	}
	/* code points, not bytes: a, e-acute, the euro sign, an emoji, NUL */
	T_EQ_INT(utf8_count("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10), 4);
	T_EQ_INT(utf8_count("x\0y", 3), 3);
	T_EQ_INT(utf8_count("", 0), 0);
}

/* a directory of our own for the file tests; its entries, sorted, joined by ' ' */
static char tdir[64];

static void mk_tdir(void)
{
	snprintf(tdir, sizeof tdir, "/tmp/test_util.XXXXXX");
	if (!mkdtemp(tdir)) { perror("mkdtemp"); exit(1); }
}

static void rm_tdir(void)
{
	DIR *d = opendir(tdir);
	struct dirent *e;
	char p[600];
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.' || (e->d_name[1] && strcmp(e->d_name, ".."))) {
			snprintf(p, sizeof p, "%s/%s", tdir, e->d_name);
			unlink(p);
		}
	if (d) closedir(d);
	rmdir(tdir);
}

static void listing(char *out, size_t n)
{
	char names[32][256];
	int k = 0;
	DIR *d = opendir(tdir);
	struct dirent *e;
	while (d && (e = readdir(d)) && k < 32)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) snprintf(names[k++], 256, "%s", e->d_name);
	if (d) closedir(d);
	for (int i = 1; i < k; i++)
		for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
			char t[256];
			memcpy(t, names[j], 256); memcpy(names[j], names[j - 1], 256); memcpy(names[j - 1], t, 256);
		}
	out[0] = 0;
	for (int i = 0; i < k; i++) {
		size_t l = strlen(out);
		snprintf(out + l, n - l, "%s%s", i ? " " : "", names[i]);
	}
}

static void put(const char *name, const char *text)
{
	char p[600];
	snprintf(p, sizeof p, "%s/%s", tdir, name);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

static char *get(const char *name)
{
	char p[600];
	snprintf(p, sizeof p, "%s/%s", tdir, name);
	size_t n;
	char *t = util_read_file(p, &n);
	return t ? t : xstrdup("(absent)");
}

static void test_atomic_new(void)
{
	mk_tdir();
	char path[600], err[800], ls[2000];
	snprintf(path, sizeof path, "%s/out.json", tdir);
	util_atomic a;
	T_CHECK(util_atomic_open(&a, path, err, sizeof err) == 0);
	/* beside the target, under its name; nothing at the target yet */
	T_CHECK(!strncmp(a.tmp, path, strlen(path)) && strstr(a.tmp, ".tmp.") != NULL);
	T_CHECK(access(path, F_OK) == -1);
	T_CHECK(util_atomic_write(&a, "{\"a\":", 5, err, sizeof err) == 0);
	FILE *f = util_atomic_stream(&a);
	T_CHECK(f != NULL);
	fprintf(f, "%d}\n", 1);
	T_CHECK(util_atomic_commit(&a, err, sizeof err) == 0);
	char *t = get("out.json");
	T_EQ_STR(t, "{\"a\":1}\n");
	free(t);
	listing(ls, sizeof ls);
	T_EQ_STR(ls, "out.json");   /* no temp file left */
	/* fopen's mode: 0666 less the umask */
	mode_t um = umask(022);
	umask(um);
	struct stat st;
	T_CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == (0666 & ~um));
	/* two at once on one path: two temp files */
	util_atomic b, c;
	T_CHECK(util_atomic_open(&b, path, err, sizeof err) == 0 && util_atomic_open(&c, path, err, sizeof err) == 0);
	T_CHECK(strcmp(b.tmp, c.tmp) != 0);
	util_atomic_abort(&b);
	util_atomic_abort(&c);
	listing(ls, sizeof ls);
	T_EQ_STR(ls, "out.json");
	rm_tdir();
}

static void test_atomic_create_fails(void)
{
	char err[800];
	util_atomic a;
	errno = 0;
	T_CHECK(util_atomic_open(&a, "/nonexistent/dir/summary.json", err, sizeof err) == -1);
	T_CHECK(errno == ENOENT);
	T_EQ_STR(err, "/nonexistent/dir/summary.json: No such file or directory");
	T_CHECK(util_atomic_open_as(&a, "/nonexistent/x", "/nonexistent/.x.tmp", err, sizeof err) == -1);
	T_EQ_STR(err, "/nonexistent/x: No such file or directory");
	T_CHECK(util_atomic_symlink("t", "/nonexistent/l", err, sizeof err) == -1);
	T_EQ_STR(err, "/nonexistent/l: No such file or directory");
}

/* The target holds old content; a replacement fails half way (the file size
 * limit: write(2) fails with EFBIG): old content, no temp file. Then one that
 * succeeds: readers of the old file keep it, new opens see the new one. */
static void test_atomic_replace(void)
{
	mk_tdir();
	char path[600], err[800], ls[2000];
	snprintf(path, sizeof path, "%s/report.html", tdir);
	put("report.html", "old\n");
	struct rlimit old, lim;
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 4096;
	void (*h)(int) = signal(SIGXFSZ, SIG_IGN);
	T_CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
	static char big[65536];
	memset(big, 'x', sizeof big);
	util_atomic a;
	/* through write */
	T_CHECK(util_atomic_open(&a, path, err, sizeof err) == 0);
	int rc = util_atomic_write(&a, big, sizeof big, err, sizeof err);
	T_CHECK(rc == -1);
	T_CHECKF(strstr(err, "report.html: File too large") != NULL, "%s", err);
	util_atomic_abort(&a);
	/* through the stream: the error comes at commit */
	T_CHECK(util_atomic_open(&a, path, err, sizeof err) == 0);
	FILE *f = util_atomic_stream(&a);
	fwrite(big, 1, sizeof big, f);
	T_CHECK(util_atomic_commit(&a, err, sizeof err) == -1);
	T_CHECKF(strstr(err, "report.html: File too large") != NULL, "%s", err);
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, h);
	char *t = get("report.html");
	T_EQ_STR(t, "old\n");
	free(t);
	listing(ls, sizeof ls);
	T_EQ_STR(ls, "report.html");

	int rd = open(path, O_RDONLY);
	struct stat s0, s1;
	fstat(rd, &s0);
	T_CHECK(util_atomic_open(&a, path, err, sizeof err) == 0);
	T_CHECK(util_atomic_write(&a, "new\n", 4, err, sizeof err) == 0);
	t = get("report.html");
	T_EQ_STR(t, "old\n");   /* not before commit */
	free(t);
	T_CHECK(util_atomic_commit(&a, err, sizeof err) == 0);
	t = get("report.html");
	T_EQ_STR(t, "new\n");
	free(t);
	char b4[8] = {0};
	T_CHECK(pread(rd, b4, sizeof b4 - 1, 0) == 4 && !strcmp(b4, "old\n"));   /* a rename, not a rewrite */
	T_CHECK(stat(path, &s1) == 0 && s1.st_ino != s0.st_ino);
	close(rd);
	listing(ls, sizeof ls);
	T_EQ_STR(ls, "report.html");

	/* a rename that fails (the target a non-empty directory) removes the temp file */
	char sub[700];
	snprintf(sub, sizeof sub, "%s/d", tdir);
	mkdir(sub, 0755);
	put("d/f", "x");
	T_CHECK(util_atomic_open(&a, sub, err, sizeof err) == 0);
	T_CHECK(util_atomic_commit(&a, err, sizeof err) == -1);
	T_CHECKF(strstr(err, "/d: ") != NULL, "%s", err);
	listing(ls, sizeof ls);
	T_EQ_STR(ls, "d report.html");
	snprintf(sub, sizeof sub, "%s/d/f", tdir);
	unlink(sub);
	snprintf(sub, sizeof sub, "%s/d", tdir);
	rmdir(sub);
	rm_tdir();
}

/* a group: each finished under its own name, then renamed; a symlink */
static void test_atomic_group(void)
{
	mk_tdir();
	char path[600], tmp[600], err[800], ls[2000];
	snprintf(path, sizeof path, "%s/train.jsonl", tdir);
	snprintf(tmp, sizeof tmp, "%s/.t.train.jsonl", tdir);
	put("train.jsonl", "old\n");
	util_atomic a;
	T_CHECK(util_atomic_open_as(&a, path, tmp, err, sizeof err) == 0);
	T_CHECK(util_atomic_write(&a, "new\n", 4, err, sizeof err) == 0);
	T_CHECK(util_atomic_finish(&a, err, sizeof err) == 0);
	listing(ls, sizeof ls);
	T_EQ_STR(ls, ".t.train.jsonl train.jsonl");
	T_CHECK(util_atomic_rename(tmp, path, err, sizeof err) == 0);
	T_CHECK(util_fsync_dir(path, err, sizeof err) == 0);
	char *t = get("train.jsonl");
	T_EQ_STR(t, "new\n");
	free(t);
	char l[700];
	snprintf(l, sizeof l, "%s/link", tdir);
	T_CHECK(util_atomic_symlink("train.jsonl", l, err, sizeof err) == 0);
	T_CHECK(util_atomic_symlink("train.jsonl", l, err, sizeof err) == 0);   /* over the old link */
	char rl[64] = {0};
	T_CHECK(readlink(l, rl, sizeof rl - 1) == 11 && !strcmp(rl, "train.jsonl"));
	listing(ls, sizeof ls);
	T_EQ_STR(ls, "link train.jsonl");
	rm_tdir();
}

static void test_spool(void)
{
	mk_tdir();
	char err[800], ls[2000];
	int fd = util_spool_open(tdir, "sftkit-test", err, sizeof err);
	T_CHECK(fd >= 0);
	listing(ls, sizeof ls);
	T_EQ_STR(ls, "");   /* unlinked at once */
	T_CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	T_CHECK(write(fd, "abc", 3) == 3);
	char b[4] = {0};
	T_CHECK(pread(fd, b, 3, 0) == 3 && !strcmp(b, "abc"));
	close(fd);
	/* no directory given: $TMPDIR */
	setenv("TMPDIR", "/nonexistent/spool", 1);
	T_CHECK(util_spool_open(NULL, "x", err, sizeof err) == -1);
	T_EQ_STR(err, "cannot create a temporary file in /nonexistent/spool: No such file or directory");
	T_CHECK(util_spool_open("", "x", err, sizeof err) == -1);
	setenv("TMPDIR", tdir, 1);
	fd = util_spool_open(NULL, "x", err, sizeof err);
	T_CHECK(fd >= 0);
	close(fd);
	unsetenv("TMPDIR");
	fd = util_spool_open(NULL, "x", err, sizeof err);   /* /tmp */
	T_CHECK(fd >= 0);
	close(fd);
	rm_tdir();
}

int main(void)
{
	T_RUN(test_strbuf);
	T_RUN(test_alloc_table);
	T_RUN(test_parse_count);
	T_RUN(test_read_file_max);
	T_RUN(test_arena);
	T_RUN(test_utf8);
	T_RUN(test_atomic_new);
	T_RUN(test_atomic_create_fails);
	T_RUN(test_atomic_replace);
	T_RUN(test_atomic_group);
	T_RUN(test_spool);
	return t_done();
}

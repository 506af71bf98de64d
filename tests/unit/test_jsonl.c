/* test_jsonl.c — the line reader (lines across buffer refills, no final
 * newline, CR kept, long lines) and the writer's error reporting. */
#include "jsonl.h"
#include "util.h"
#include "t.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static void write_file(const char *path, const char *s, size_t n)
{
	FILE *f = fopen(path, "wb");
	fwrite(s, 1, n, f);
	fclose(f);
}

static void test_lines(void)
{
	char path[] = "/tmp/sftkit-jsonl-XXXXXX";
	int fd = mkstemp(path);
	close(fd);
	write_file(path, "a\n\nbc\r\nlast", 11);
	jsonl_reader r;
	T_EQ_INT(jsonl_open(&r, path), 0);
	const char *l;
	size_t n;
	T_EQ_INT(jsonl_next(&r, &l, &n), 1); T_CHECK(n == 1 && l[0] == 'a'); T_EQ_INT(r.lineno, 1);
	T_EQ_INT(jsonl_next(&r, &l, &n), 1); T_EQ_INT(n, 0); T_EQ_INT(r.lineno, 2);
	T_EQ_INT(jsonl_next(&r, &l, &n), 1); T_CHECK(n == 3 && !memcmp(l, "bc\r", 3));
	T_EQ_INT(r.offset, 3);
	T_EQ_INT(jsonl_next(&r, &l, &n), 1); T_CHECK(n == 4 && !memcmp(l, "last", 4)); T_EQ_INT(r.lineno, 4);
	T_EQ_INT(jsonl_next(&r, &l, &n), 0);
	jsonl_close(&r);
	unlink(path);
}

static void test_long_lines_across_refills(void)
{
	/* lines of growing size around the 1 MiB read chunk and the initial buffer */
	char path[] = "/tmp/sftkit-jsonl-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "wb");
	size_t sizes[] = {1, (1u << 20) - 1, 1u << 20, (1u << 20) + 1, 5u << 20, 3, 9u << 20, 0, 17};
	size_t ns = sizeof sizes / sizeof *sizes;
	for (size_t i = 0; i < ns; i++) {
		for (size_t k = 0; k < sizes[i]; k++) fputc('a' + (int)(i % 26), f);
		fputc('\n', f);
	}
	fclose(f);
	jsonl_reader r;
	T_EQ_INT(jsonl_open(&r, path), 0);
	const char *l;
	size_t n;
	uint64_t off = 0;
	for (size_t i = 0; i < ns; i++) {
		T_EQ_INT(jsonl_next(&r, &l, &n), 1);
		T_EQ_INT(n, sizes[i]);
		T_EQ_INT(r.offset, off);
		int good = 1;
		for (size_t k = 0; k < n; k++) if (l[k] != 'a' + (int)(i % 26)) { good = 0; break; }
		T_CHECK(good);
		off += sizes[i] + 1;
	}
	T_EQ_INT(jsonl_next(&r, &l, &n), 0);
	jsonl_close(&r);
	unlink(path);
}

static void test_writer_errors(void)
{
	jsonl_writer w;
	int fd = open("/dev/full", O_WRONLY);
	if (fd < 0) T_SKIP("/dev/full absent");
	jsonl_writer_init(&w, fd);
	char buf[1000];
	memset(buf, 'x', sizeof buf);
	int rc = 0;
	for (int i = 0; i < 1000 && !rc; i++) rc = jsonl_write_line(&w, buf, sizeof buf);
	if (!rc) rc = jsonl_flush(&w);
	T_EQ_INT(rc, -1);
	T_EQ_INT(errno, ENOSPC);
	T_EQ_INT(jsonl_write(&w, "x", 1), -1);   /* sticky */
	jsonl_writer_close(&w);
	close(fd);

	int p[2];
	T_EQ_INT(pipe(p), 0);
	close(p[0]);
	signal(SIGPIPE, SIG_IGN);
	jsonl_writer_init(&w, p[1]);
	jsonl_write_line(&w, "x", 1);
	T_EQ_INT(jsonl_flush(&w), -1);
	T_EQ_INT(errno, EPIPE);
	jsonl_writer_close(&w);
	close(p[1]);
}

static void test_utf8(void)
{
	T_CHECK(utf8_valid("héllo 😀 中", strlen("héllo 😀 中")));
	T_CHECK(!utf8_valid("\xc0\xaf", 2));          /* overlong */
	T_CHECK(!utf8_valid("\xed\xa0\x80", 3));      /* surrogate */
	T_CHECK(!utf8_valid("\xf4\x90\x80\x80", 4));  /* > U+10FFFF */
	T_CHECK(!utf8_valid("abc\xe4\xb8", 5));       /* truncated */
	T_EQ_INT(utf8_valid_prefix("abcdefghij\xff", 11), 10);
	char out[4];
	T_EQ_INT(utf8_encode(0x1F600, out), 4);
	uint32_t cp;
	T_EQ_INT(utf8_decode(out, 4, &cp), 4);
	T_EQ_INT(cp, 0x1F600);
}

static void test_arena(void)
{
	arena a;
	arena_init(&a, 1024);
	for (int round = 0; round < 3; round++) {
		char *p[100];
		for (int i = 0; i < 100; i++) {
			p[i] = arena_alloc(&a, (size_t)(i * 37 % 500) + 1);
			T_CHECK(((uintptr_t)p[i] & 15) == 0);
			memset(p[i], i, (size_t)(i * 37 % 500) + 1);
		}
		for (int i = 0; i < 100; i++) T_CHECK((unsigned char)p[i][0] == (unsigned char)i);
		arena_reset(&a);
	}
	arena_free(&a);
}

int main(void)
{
	T_RUN(test_lines);
	T_RUN(test_long_lines_across_refills);
	T_RUN(test_writer_errors);
	T_RUN(test_utf8);
	T_RUN(test_arena);
	return t_done();
}

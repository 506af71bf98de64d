/* test_util — the buffer, counts, bounded reads, the arena and UTF-8: each
 * against its stated contract, including the edges (RFC 3629's overlongs,
 * surrogates and the U+10FFFF limit; /dev/zero under a bound). */
#include "util.h"
#include "t.h"

#include <errno.h>

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

static void test_parse_count(void)
{
	uint64_t v;
	T_CHECK(parse_count("0", &v) == 0 && v == 0);
	T_CHECK(parse_count("18446744073709551615", &v) == 0 && v == UINT64_MAX);
	const char *bad[] = { "", "-1", "+1", " 1", "1 ", "18446744073709551616", "1x", "0x10" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) T_CHECKF(parse_count(bad[i], &v) == -1, "'%s' taken", bad[i]);
}

static void test_read_file_max(void)
{
	size_t n;
	errno = 0;
	char *t = read_file_max("/dev/zero", 1 << 16, &n);
	T_CHECK(t == NULL && errno == EFBIG);
	t = read_file_max("/nonexistent/x", 1 << 16, &n);
	T_CHECK(t == NULL && errno == ENOENT);
	t = read_file_max("tests/unit/t.h", 1 << 20, &n);
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
	}
}

int main(void)
{
	T_RUN(test_strbuf);
	T_RUN(test_parse_count);
	T_RUN(test_read_file_max);
	T_RUN(test_arena);
	T_RUN(test_utf8);
	return t_done();
}

/* test_sha1.c — FIPS 180-4 example vectors and git's blob ids. */
#include "sha1.h"
#include "t.h"

#include <unistd.h>

static const char *hex_of(const char *s, size_t n, size_t step)
{
	static char hex[41];
	sha1_ctx c;
	unsigned char d[20];
	sha1_init(&c);
	for (size_t i = 0; i < n;) { size_t k = step < n - i ? step : n - i; sha1_update(&c, s + i, k); i += k; }
	sha1_final(&c, d);
	sha1_hex(d, hex);
	return hex;
}

static void test_vectors(void)
{
	T_EQ_STR(hex_of("abc", 3, 1), "a9993e364706816aba3e25717850c26c9cd0d89d");
	T_EQ_STR(hex_of("", 0, 1), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	T_EQ_STR(hex_of(two, strlen(two), 7), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
	static char mil[1000000];
	memset(mil, 'a', sizeof mil);
	T_EQ_STR(hex_of(mil, sizeof mil, 4096), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
}

static void test_git_blob(void)
{
	char path[] = "/tmp/sftkit-sha1.XXXXXX", hex[41];
	int fd = mkstemp(path);
	T_CHECK(fd >= 0);
	/* `printf 'hello\n' | git hash-object --stdin` */
	T_CHECK(write(fd, "hello\n", 6) == 6);
	close(fd);
	T_EQ_INT(sha1_git_blob_file_hex(path, hex), 0);
	T_EQ_STR(hex, "ce013625030ba8dba906f756967f9e9ca394464a");
	unlink(path);
	T_EQ_INT(sha1_git_blob_file_hex(path, hex), -1);
}

int main(void)
{
	T_RUN(test_vectors);
	T_RUN(test_git_blob);
	return t_done();
}

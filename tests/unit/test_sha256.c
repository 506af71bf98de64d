/* test_sha256.c — FIPS 180-4 / NIST example vectors. */
#include "sha256.h"
#include "t.h"

static void hex_of(const char *s, size_t n, char out[65])
{
	sha256_ctx c;
	unsigned char d[32];
	sha256_init(&c);
	/* feed in uneven pieces to exercise buffering */
	for (size_t i = 0; i < n;) { size_t k = (i % 7) + 1; if (k > n - i) k = n - i; sha256_update(&c, s + i, k); i += k; }
	sha256_final(&c, d);
	sha256_hex(d, out);
}

static void test_vectors(void)
{
	char h[65];
	hex_of("", 0, h);
	T_EQ_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, h);
	T_EQ_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	hex_of(two, strlen(two), h);
	T_EQ_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	char *m = malloc(1000000);
	memset(m, 'a', 1000000);
	hex_of(m, 1000000, h);
	T_EQ_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(m);
}

int main(void) { T_RUN(test_vectors); return t_done(); }

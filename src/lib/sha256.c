/* sha256.c — see sha256.h. Constants and functions from FIPS 180-4 §4.2.2, §6.2. */
#include "sha256.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static const uint32_t K[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#include <immintrin.h>
#include <pthread.h>
#define HAVE_SHANI_PATH 1
/* The x86 SHA extensions: two rounds per SHA256RNDS2, the message schedule by
 * SHA256MSG1/MSG2. The state is kept as ABEF and CDGH, the instruction's
 * layout. Used when the CPU has them (checked once). */
__attribute__((target("sha,sse4.1,ssse3")))
static void blocks_shani(uint32_t h[8], const unsigned char *p, size_t nblocks)
{
	const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
	__m128i t = _mm_loadu_si128((const __m128i *)&h[0]);      /* a b c d */
	__m128i s1 = _mm_loadu_si128((const __m128i *)&h[4]);     /* e f g h */
	t = _mm_shuffle_epi32(t, 0xB1);                            /* b a d c */
	s1 = _mm_shuffle_epi32(s1, 0x1B);                          /* h g f e */
	__m128i s0 = _mm_alignr_epi8(t, s1, 8);                    /* ABEF */
	s1 = _mm_blend_epi16(s1, t, 0xF0);                         /* CDGH */
	for (; nblocks; nblocks--, p += 64) {
		__m128i a0 = s0, a1 = s1, w[4], m;
		for (int i = 0; i < 4; i++) w[i] = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16 * i)), bswap);
		for (int r = 0; r < 16; r++) {
			__m128i cur = w[r & 3];
			if (r >= 4) {
				/* W[r] from W[r-4], W[r-3], W[r-2], W[r-1] */
				__m128i x = _mm_sha256msg1_epu32(w[r & 3], w[(r + 1) & 3]);
				x = _mm_add_epi32(x, _mm_alignr_epi8(w[(r + 3) & 3], w[(r + 2) & 3], 4));
				cur = w[r & 3] = _mm_sha256msg2_epu32(x, w[(r + 3) & 3]);
			}
			m = _mm_add_epi32(cur, _mm_loadu_si128((const __m128i *)&K[4 * r]));
			s1 = _mm_sha256rnds2_epu32(s1, s0, m);
			m = _mm_shuffle_epi32(m, 0x0E);
			s0 = _mm_sha256rnds2_epu32(s0, s1, m);
			/* after two pairs of rounds the roles of s0/s1 are as before */
		}
		s0 = _mm_add_epi32(s0, a0);
		s1 = _mm_add_epi32(s1, a1);
	}
	t = _mm_shuffle_epi32(s0, 0x1B);                           /* F E B A */
	s1 = _mm_shuffle_epi32(s1, 0xB1);                          /* D C H G */
	s0 = _mm_blend_epi16(t, s1, 0xF0);                         /* D C B A */
	s1 = _mm_alignr_epi8(s1, t, 8);                            /* H G F E */
	_mm_storeu_si128((__m128i *)&h[0], s0);
	_mm_storeu_si128((__m128i *)&h[4], s1);
}

static int shani_ok;
static pthread_once_t shani_once = PTHREAD_ONCE_INIT;
static void shani_probe(void)
{
	/* CPUID: SHA is leaf 7 EBX bit 29; SSE4.1 leaf 1 ECX bit 19 (SSSE3 bit 9) */
	unsigned a, b, c, d;
	int sse = __get_cpuid(1, &a, &b, &c, &d) && (c & (1u << 19)) && (c & (1u << 9));
	int sha = __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & (1u << 29));
	shani_ok = sse && sha;
}
/* once per process, whichever thread hashes first */
static int have_shani(void)
{
	pthread_once(&shani_once, shani_probe);
	return shani_ok;
}
#endif

static void block(sha256_ctx *c, const unsigned char *p)
{
#ifdef HAVE_SHANI_PATH
	if (have_shani()) { blocks_shani(c->h, p, 1); return; }
#endif
	uint32_t w[64];
	for (int i = 0; i < 16; i++) w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (int i = 16; i < 64; i++) {
		uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
		uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	uint32_t a = c->h[0], b = c->h[1], cc = c->h[2], d = c->h[3], e = c->h[4], f = c->h[5], g = c->h[6], h = c->h[7];
	for (int i = 0; i < 64; i++) {
		uint32_t t1 = h + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
		uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & cc) ^ (b & cc));
		h = g; g = f; f = e; e = d + t1; d = cc; cc = b; b = a; a = t1 + t2;
	}
	c->h[0] += a; c->h[1] += b; c->h[2] += cc; c->h[3] += d;
	c->h[4] += e; c->h[5] += f; c->h[6] += g; c->h[7] += h;
}

void sha256_init(sha256_ctx *c)
{
	static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	memcpy(c->h, h0, sizeof h0);
	c->len = 0;
	c->nbuf = 0;
}

void sha256_update(sha256_ctx *c, const void *data, size_t n)
{
	const unsigned char *p = data;
	c->len += n;
	if (c->nbuf) {
		size_t k = 64 - c->nbuf < n ? 64 - c->nbuf : n;
		memcpy(c->buf + c->nbuf, p, k);
		c->nbuf += k; p += k; n -= k;
		if (c->nbuf == 64) { block(c, c->buf); c->nbuf = 0; }
	}
#ifdef HAVE_SHANI_PATH
	if (n >= 64 && have_shani()) {
		size_t nb = n / 64;
		blocks_shani(c->h, p, nb);
		p += nb * 64;
		n -= nb * 64;
	}
#endif
	while (n >= 64) { block(c, p); p += 64; n -= 64; }
	if (n) { memcpy(c->buf, p, n); c->nbuf = n; }
}

void sha256_final(sha256_ctx *c, unsigned char out[32])
{
	uint64_t bits = c->len * 8;
	unsigned char pad = 0x80;
	sha256_update(c, &pad, 1);
	unsigned char z = 0;
	while (c->nbuf != 56) sha256_update(c, &z, 1);
	unsigned char l[8];
	for (int i = 0; i < 8; i++) l[i] = (unsigned char)(bits >> (56 - 8 * i));
	sha256_update(c, l, 8);
	for (int i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24); out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8); out[4 * i + 3] = (unsigned char)c->h[i];
	}
}

void sha256_hex(const unsigned char d[32], char hex[65])
{
	static const char x[] = "0123456789abcdef";
	for (int i = 0; i < 32; i++) { hex[2 * i] = x[d[i] >> 4]; hex[2 * i + 1] = x[d[i] & 15]; }
	hex[64] = 0;
}

int sha256_file_hex(const char *path, char hex[65])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	sha256_ctx c;
	sha256_init(&c);
	unsigned char buf[1 << 16];
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) sha256_update(&c, buf, (size_t)n);
	close(fd);
	if (n < 0) return -1;
	unsigned char d[32];
	sha256_final(&c, d);
	sha256_hex(d, hex);
	return 0;
}

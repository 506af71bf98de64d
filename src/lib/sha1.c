/* sha1.c — see sha1.h. The compression function follows FIPS 180-4 6.1.2. */
#include "sha1.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static uint32_t rol(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

static void block(sha1_ctx *c, const unsigned char *p)
{
	uint32_t w[80];
	for (int t = 0; t < 16; t++)
		w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 | (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
	for (int t = 16; t < 80; t++) w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
	uint32_t a = c->h[0], b = c->h[1], d3 = c->h[2], d = c->h[3], e = c->h[4];
	for (int t = 0; t < 80; t++) {
		uint32_t f, k;
		if (t < 20) { f = (b & d3) | (~b & d); k = 0x5a827999; }
		else if (t < 40) { f = b ^ d3 ^ d; k = 0x6ed9eba1; }
		else if (t < 60) { f = (b & d3) | (b & d) | (d3 & d); k = 0x8f1bbcdc; }
		else { f = b ^ d3 ^ d; k = 0xca62c1d6; }
		uint32_t tmp = rol(a, 5) + f + e + k + w[t];
		e = d;
		d = d3;
		d3 = rol(b, 30);
		b = a;
		a = tmp;
	}
	c->h[0] += a;
	c->h[1] += b;
	c->h[2] += d3;
	c->h[3] += d;
	c->h[4] += e;
}

void sha1_init(sha1_ctx *c)
{
	static const uint32_t iv[5] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0};
	memcpy(c->h, iv, sizeof iv);
	c->len = 0;
	c->nbuf = 0;
}

void sha1_update(sha1_ctx *c, const void *data, size_t n)
{
	const unsigned char *p = data;
	c->len += n;
	if (c->nbuf) {
		size_t k = 64 - c->nbuf < n ? 64 - c->nbuf : n;
		memcpy(c->buf + c->nbuf, p, k);
		c->nbuf += k;
		p += k;
		n -= k;
		if (c->nbuf < 64) return;
		block(c, c->buf);
		c->nbuf = 0;
	}
	for (; n >= 64; p += 64, n -= 64) block(c, p);
	memcpy(c->buf, p, n);
	c->nbuf = n;
}

void sha1_final(sha1_ctx *c, unsigned char out[20])
{
	uint64_t bits = c->len * 8;
	unsigned char pad[72] = {0x80};
	size_t padn = c->nbuf < 56 ? 56 - c->nbuf : 120 - c->nbuf;
	for (int i = 0; i < 8; i++) pad[padn + i] = (unsigned char)(bits >> (56 - 8 * i));
	sha1_update(c, pad, padn + 8);
	for (int i = 0; i < 5; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
}

void sha1_hex(const unsigned char d[20], char hex[41])
{
	static const char x[] = "0123456789abcdef";
	for (int i = 0; i < 20; i++) {
		hex[2 * i] = x[d[i] >> 4];
		hex[2 * i + 1] = x[d[i] & 15];
	}
	hex[40] = 0;
}

int sha1_git_blob_file_hex(const char *path, char hex[41])
{
	FILE *f = fopen(path, "rb");
	if (!f) return -1;
	struct stat st;
	if (fstat(fileno(f), &st)) { fclose(f); return -1; }
	sha1_ctx c;
	sha1_init(&c);
	char head[32];
	int hn = snprintf(head, sizeof head, "blob %llu", (unsigned long long)st.st_size);
	sha1_update(&c, head, (size_t)hn + 1);   /* with its NUL */
	unsigned char buf[1 << 16];
	size_t n;
	uint64_t total = 0;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		sha1_update(&c, buf, n);
		total += n;
	}
	int bad = ferror(f) || total != (uint64_t)st.st_size;
	fclose(f);
	if (bad) { errno = EIO; return -1; }
	unsigned char d[20];
	sha1_final(&c, d);
	sha1_hex(d, hex);
	return 0;
}

/*
 * sha256.h — SHA-256 (FIPS 180-4), streaming. Used to verify LFS downloads
 * against their oid and to fingerprint inputs and outputs in blend manifests.
 * No allocation; a context per stream.
 */
#ifndef SFTKIT_SHA256_H
#define SFTKIT_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
	uint32_t h[8];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *p, size_t n);
void sha256_final(sha256_ctx *c, unsigned char out[32]);
/* hex digest of a whole file; 0 or -1 (errno set) */
int sha256_file_hex(const char *path, char hex[65]);
void sha256_hex(const unsigned char d[32], char hex[65]);

#endif

/*
 * sha1.h — SHA-1 (FIPS 180-4), streaming, and the git blob id built on it.
 * Used to verify the Hub's non-LFS files, whose listed oid is the git blob
 * sha1 of their content: sha1("blob " + decimal size + "\0" + content).
 * Not for anything that needs collision resistance. No allocation; a
 * context per stream; errors only from the file helper (-1, errno set).
 */
#ifndef SFTKIT_SHA1_H
#define SFTKIT_SHA1_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha1_ctx {
	uint32_t h[5];
	uint64_t len;
	unsigned char buf[64];
	size_t nbuf;
} sha1_ctx;

void sha1_init(sha1_ctx *c);
void sha1_update(sha1_ctx *c, const void *p, size_t n);
void sha1_final(sha1_ctx *c, unsigned char out[20]);
void sha1_hex(const unsigned char d[20], char hex[41]);
/* The git blob id of a whole file, as hex; 0 or -1 (errno set). */
int sha1_git_blob_file_hex(const char *path, char hex[41]);

#endif

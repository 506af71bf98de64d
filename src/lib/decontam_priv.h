/* decontam_priv.h — what decontam.c (the index and the matcher) and
 * decontam_norm.c (the words) share: the hashes. Not a public header. */
#ifndef SFTKIT_DECONTAM_PRIV_H
#define SFTKIT_DECONTAM_PRIV_H

#include <stdint.h>

#define POLY_B 0x9e3779b97f4a7c15ull     /* odd: the rolling hash's base */

static inline uint64_t fmix64(uint64_t k)
{
	/* MurmurHash3's finaliser: every input bit reaches every output bit */
	k ^= k >> 33; k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33; k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k ? k : 1;   /* 0 marks an empty slot */
}

#endif

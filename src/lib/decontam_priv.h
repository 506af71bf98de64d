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

/* The key of an n-gram from its polynomial hash: one multiply between two
 * xor-shifts brings the high bits down to the low ones the tables index by
 * (fmix64's two rounds cost a third of the lookup loop). Never 0. */
static inline uint64_t key_mix(uint64_t h)
{
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h ? h : 1;
}

#endif

/*
 * rng.h — the seeded generator every sftkit draw uses (blend's sample and
 * shuffle, sft-report's examples): the same seed gives the same numbers on
 * every machine, so outputs are byte-identical across runs.
 *
 * xoshiro256** seeded through splitmix64; bounded draws by Lemire's
 * multiply-shift rejection (no modulo bias). A generator is a plain value the
 * caller owns; nothing is allocated, no state is shared, so each thread may
 * use its own.
 */
#ifndef SFTKIT_RNG_H
#define SFTKIT_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct rng { uint64_t s[4]; } rng;

uint64_t rng_splitmix64(uint64_t *state);        /* advances *state */
void rng_seed(rng *r, uint64_t seed);
uint64_t rng_next(rng *r);                       /* xoshiro256** */
uint64_t rng_below(rng *r, uint64_t n);          /* uniform in [0, n), n > 0 */
void rng_shuffle(rng *r, uint32_t *v, size_t n); /* Fisher-Yates */

#endif

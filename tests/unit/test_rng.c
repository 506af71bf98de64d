/* test_rng.c — the generator against its reference values, bounded draws
 * without bias, and a shuffle that is a permutation. */
#include "rng.h"
#include "t.h"

static void test_prng_reference(void)
{
	uint64_t x = 0;
	T_CHECK(rng_splitmix64(&x) == 0xe220a8397b1dcdafull);   /* splitmix64, seed 0 */
	rng r = {{1, 2, 3, 4}};                              /* xoshiro256** reference code, state 1,2,3,4 */
	T_CHECK(rng_next(&r) == 11520ull);
	T_CHECK(rng_next(&r) == 0ull);
	T_CHECK(rng_next(&r) == 1509978240ull);
	T_CHECK(rng_next(&r) == 1215971899390074240ull);
}

static void test_below_and_shuffle(void)
{
	rng r;
	rng_seed(&r, 9);
	int hist[3] = {0, 0, 0}, bad = 0;
	for (int i = 0; i < 30000; i++) {
		uint64_t v = rng_below(&r, 3);
		if (v >= 3) bad++;
		else hist[v]++;
	}
	T_EQ_INT(bad, 0);
	for (int k = 0; k < 3; k++) T_CHECKF(hist[k] > 9500 && hist[k] < 10500, "bucket %d: %d", k, hist[k]);
	uint32_t v[100];
	for (uint32_t i = 0; i < 100; i++) v[i] = i;
	rng_shuffle(&r, v, 100);
	int seen[100] = {0}, moved = 0;
	for (int i = 0; i < 100; i++) { seen[v[i]]++; moved += v[i] != (uint32_t)i; }
	for (int i = 0; i < 100; i++) T_EQ_INT(seen[i], 1);
	T_CHECK(moved > 80);
}

int main(void)
{
	T_RUN(test_prng_reference);
	T_RUN(test_below_and_shuffle);
	return t_done();
}

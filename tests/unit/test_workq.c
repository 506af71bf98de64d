/* test_workq.c — the work queue (src/lib/workq.h): every item once, ranges
 * within the chunk size, worker indexes exclusive, a stop ends the handing out. */
#include "workq.h"
#include "t.h"

#include <pthread.h>

typedef struct job {
	size_t n, chunk;
	int nthreads;
	unsigned char *seen;      /* how many times each item ran */
	int busy[WORKQ_MAX_THREADS];
	int bad_range, shared_worker, max_worker;
	size_t stop_at;           /* fn returns 1 on the range holding this item */
	pthread_mutex_t mu;
} job;

static int visit(void *ctx, int w, size_t a, size_t b)
{
	job *j = ctx;
	pthread_mutex_lock(&j->mu);
	if (b <= a || b - a > j->chunk || b > j->n) j->bad_range = 1;
	if (j->busy[w]++) j->shared_worker = 1;
	if (w > j->max_worker) j->max_worker = w;
	pthread_mutex_unlock(&j->mu);
	for (size_t i = a; i < b; i++) __atomic_add_fetch(&j->seen[i], 1, __ATOMIC_RELAXED);
	pthread_mutex_lock(&j->mu);
	j->busy[w]--;
	pthread_mutex_unlock(&j->mu);
	return a <= j->stop_at && j->stop_at < b;
}

static int run(job *j, size_t n, size_t chunk, int nthreads, size_t stop_at)
{
	memset(j, 0, sizeof *j);
	pthread_mutex_init(&j->mu, NULL);
	j->n = n;
	j->chunk = chunk ? chunk : 1;
	j->nthreads = nthreads;
	j->stop_at = stop_at;
	j->seen = calloc(n + 1, 1);
	int rc = workq_run(n, chunk, nthreads, visit, j);
	pthread_mutex_destroy(&j->mu);
	return rc;
}

static void test_every_item_once(void)
{
	static const struct { size_t n, chunk; int threads; } cases[] = {
		{0, 4, 4}, {1, 1, 1}, {1, 16, 8}, {100, 1, 4}, {1000, 16, 3}, {1001, 16, 64}, {7, 0, 2}, {5000, 7, 300},
	};
	for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
		job j;
		T_EQ_INT(run(&j, cases[c].n, cases[c].chunk, cases[c].threads, (size_t)-1), 0);
		size_t once = 0;
		for (size_t i = 0; i < cases[c].n; i++) once += j.seen[i] == 1;
		T_CHECKF(once == cases[c].n, "case %zu: %zu of %zu items ran exactly once", c, once, cases[c].n);
		T_CHECK(!j.bad_range);
		T_CHECK(!j.shared_worker);
		T_CHECK(j.max_worker < WORKQ_MAX_THREADS && j.max_worker < (cases[c].threads > 1 ? cases[c].threads : 1));
		free(j.seen);
	}
}

static void test_stop(void)
{
	/* one worker: the stop is seen before the next range is taken */
	job j;
	T_EQ_INT(run(&j, 100, 10, 1, 25), 1);
	size_t ran = 0;
	for (size_t i = 0; i < 100; i++) ran += j.seen[i];
	T_EQ_INT(ran, 30);
	free(j.seen);
	/* several: each item at most once, and not all of them */
	T_EQ_INT(run(&j, 100000, 1, 4, 0), 1);
	ran = 0;
	int twice = 0;
	for (size_t i = 0; i < 100000; i++) { ran += j.seen[i]; twice |= j.seen[i] > 1; }
	T_CHECK(!twice);
	T_CHECKF(ran < 100000, "%zu ran after a stop at the first item", ran);
	free(j.seen);
}

int main(void)
{
	T_RUN(test_every_item_once);
	T_RUN(test_stop);
	return t_done();
}

/* test_workq.c — the work queue (src/lib/workq.h): every item once, ranges
 * within the chunk size, worker indexes exclusive, a stop ends the handing out. */
#include "workq.h"
#include "t.h"

#include <pthread.h>
#include <stdint.h>

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

/* ---------------- workq_pipe ---------------- */

typedef struct pslot { uint64_t in, out; int worker; } pslot;
typedef struct pjob {
	pslot *slots;
	int busy[WORKQ_MAX_THREADS];
	int shared_worker, bad_worker, nthreads;
} pjob;

static void square(void *ctx, int w, size_t s)
{
	pjob *j = ctx;
	if (w < 0 || w >= j->nthreads) __atomic_store_n(&j->bad_worker, 1, __ATOMIC_RELAXED);
	else if (__atomic_fetch_add(&j->busy[w], 1, __ATOMIC_RELAXED)) __atomic_store_n(&j->shared_worker, 1, __ATOMIC_RELAXED);
	/* uneven work, so workers finish out of order */
	volatile uint64_t x = 0;
	for (uint64_t k = 0; k < (j->slots[s].in % 7) * 2000; k++) x += k;
	j->slots[s].out = j->slots[s].in * j->slots[s].in;
	j->slots[s].worker = w;
	if (w >= 0 && w < j->nthreads) __atomic_fetch_sub(&j->busy[w], 1, __ATOMIC_RELAXED);
}

/* n items through a ring of nslots: every result in input order, each once,
 * the producer filling ahead and taking back as it can; with help, counting
 * a chunk itself (as worker nthreads) before it waits */
static void pipe_case(uint64_t n, size_t nslots, size_t chunk, int nthreads, int help)
{
	pjob j = { .nthreads = nthreads + help };
	uint64_t helped = 0;
	j.slots = calloc(nslots, sizeof *j.slots);
	workq_pipe *p = workq_pipe_new(nslots, chunk, nthreads, square, &j);
	T_CHECK(p != NULL);
	if (!p) return;
	uint64_t next_in = 0, next_out = 0;
	int order_ok = 1;
	long s;
	while (next_out < n) {
		while (next_in < n && (s = workq_pipe_reserve(p)) >= 0) {
			j.slots[s].in = next_in++;
			j.slots[s].out = 0;
			workq_pipe_submit(p);
			if ((s = workq_pipe_result(p, 0)) >= 0) {
				order_ok &= j.slots[s].in == next_out && j.slots[s].out == next_out * next_out;
				next_out++;
				workq_pipe_release(p);
			}
		}
		T_CHECK(workq_pipe_inflight(p) <= nslots);
		if (help && (s = workq_pipe_result(p, 0)) < 0 && workq_pipe_help(p, nthreads)) { helped++; continue; }
		if ((s = workq_pipe_result(p, 1)) < 0) break;
		order_ok &= j.slots[s].in == next_out && j.slots[s].out == next_out * next_out;
		next_out++;
		workq_pipe_release(p);
	}
	T_CHECKF(order_ok, "n %llu, %zu slots, chunk %zu, %d threads: a result out of order or wrong",
		 (unsigned long long)n, nslots, chunk, nthreads);
	T_EQ_INT(next_out, n);
	T_EQ_INT(workq_pipe_result(p, 1), -1);   /* none in flight: no wait */
	T_EQ_INT(workq_pipe_inflight(p), 0);
	workq_stats st;
	workq_pipe_free(p, &st);
	T_EQ_INT(st.slots, n);
	T_EQ_INT(st.producer_chunks, helped);
	T_CHECK(helped || st.producer_busy == 0);
	T_EQ_INT(st.nthreads, nthreads > WORKQ_MAX_THREADS ? WORKQ_MAX_THREADS : nthreads);
	T_CHECK(!j.shared_worker && !j.bad_worker);
	free(j.slots);
}

static void test_pipe_order(void)
{
	for (int help = 0; help <= 1; help++) {
		pipe_case(0, 8, 4, 2, help);
		pipe_case(1, 8, 4, 2, help);
		pipe_case(1, 1, 1, 3, help);
		pipe_case(1000, 1, 1, 2, help);      /* one slot: strictly one at a time */
		pipe_case(5000, 16, 4, 2, help);
		pipe_case(5000, 7, 3, 4, help);      /* a ring not a multiple of the chunk */
		pipe_case(20000, 512, 8, 8, help);
		pipe_case(5000, 32, 2, 1, help);     /* tok-len -j 2: one thread and the producer */
	}
}

/* the producer's help: nothing to take, then every submitted slot taken
 * once, by it or the worker, its own chunks counted */
static void test_pipe_help(void)
{
	pjob j = { .nthreads = 2 };
	j.slots = calloc(64, sizeof *j.slots);
	workq_pipe *p = workq_pipe_new(64, 4, 1, square, &j);
	T_CHECK(p != NULL);
	if (!p) { free(j.slots); return; }
	T_EQ_INT(workq_pipe_help(p, 1), 0);
	long s;
	for (uint64_t i = 0; (s = workq_pipe_reserve(p)) >= 0; i++) {
		j.slots[s].in = i + 1;
		j.slots[s].out = 0;
		workq_pipe_submit(p);
	}
	uint64_t helped = 0;
	while (workq_pipe_help(p, 1)) helped++;
	T_CHECK(helped <= 16);
	T_EQ_INT(workq_pipe_help(p, 1), 0);
	int ok = 1, by_helper = 0;
	for (uint64_t i = 0; i < 64; i++) {
		T_CHECK((s = workq_pipe_result(p, 1)) >= 0);
		if (s < 0) break;
		ok &= j.slots[s].in == i + 1 && j.slots[s].out == (i + 1) * (i + 1);
		by_helper += j.slots[s].worker == 1;
		workq_pipe_release(p);
	}
	T_CHECK(ok);
	T_EQ_INT(by_helper, helped * 4);
	workq_stats st;
	workq_pipe_free(p, &st);
	T_EQ_INT(st.producer_chunks, helped);
	T_EQ_INT(st.chunks + st.producer_chunks, 16);
	T_CHECK(!j.shared_worker && !j.bad_worker);
	free(j.slots);
}

/* freeing with slots in flight: the workers stop and are joined */
static void test_pipe_free_in_flight(void)
{
	pjob j = { .nthreads = 2 };
	j.slots = calloc(64, sizeof *j.slots);
	workq_pipe *p = workq_pipe_new(64, 2, 2, square, &j);
	T_CHECK(p != NULL);
	long s;
	for (uint64_t i = 0; (s = workq_pipe_reserve(p)) >= 0; i++) { j.slots[s].in = i; workq_pipe_submit(p); }
	T_EQ_INT(workq_pipe_inflight(p), 64);
	T_EQ_INT(workq_pipe_reserve(p), -1);
	workq_pipe_free(p, NULL);
	workq_pipe_free(NULL, NULL);
	free(j.slots);
}

int main(void)
{
	T_RUN(test_pipe_order);
	T_RUN(test_pipe_help);
	T_RUN(test_pipe_free_in_flight);
	T_RUN(test_every_item_once);
	T_RUN(test_stop);
	return t_done();
}

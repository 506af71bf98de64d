/* workq.c — the work queue. See workq.h. */
#include "workq.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

typedef struct queue {
	pthread_mutex_t mu;
	size_t next, n, chunk;
	int stopped;
	workq_fn fn;
	void *ctx;
} queue;

typedef struct worker {
	queue *q;
	int index;
	pthread_t tid;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	queue *q = w->q;
	for (;;) {
		pthread_mutex_lock(&q->mu);
		size_t a = q->stopped ? q->n : q->next;
		size_t b = a + q->chunk < q->n ? a + q->chunk : q->n;
		q->next = b;
		pthread_mutex_unlock(&q->mu);
		if (a >= b) break;
		if (q->fn(q->ctx, w->index, a, b)) {
			pthread_mutex_lock(&q->mu);
			q->stopped = 1;
			pthread_mutex_unlock(&q->mu);
		}
	}
	return NULL;
}

int workq_run(size_t n, size_t chunk, int nthreads, workq_fn fn, void *ctx)
{
	if (!chunk) chunk = 1;
	size_t chunks = n / chunk + (n % chunk != 0);
	if (nthreads > WORKQ_MAX_THREADS) nthreads = WORKQ_MAX_THREADS;
	if ((size_t)nthreads > chunks) nthreads = (int)chunks;
	if (nthreads < 1) nthreads = 1;
	queue q = { .n = n, .chunk = chunk, .fn = fn, .ctx = ctx };
	pthread_mutex_init(&q.mu, NULL);
	worker ws[WORKQ_MAX_THREADS];
	int started = 1;
	ws[0] = (worker){ .q = &q, .index = 0 };
	for (int t = 1; t < nthreads; t++) {
		ws[started] = (worker){ .q = &q, .index = started };
		if (pthread_create(&ws[started].tid, NULL, work, &ws[started]) == 0) started++;
	}
	work(&ws[0]);
	for (int t = 1; t < started; t++) pthread_join(ws[t].tid, NULL);
	pthread_mutex_destroy(&q.mu);
	return q.stopped;
}

/* ---------------- the ordered pipeline ---------------- */

/* Slot numbers are positions in the stream (0, 1, 2, ...) modulo the ring:
 * tail <= taken <= head, [tail, taken) handed out (done[] says which are
 * processed), [taken, head) waiting for a worker, head - tail <= nslots. */
struct workq_pipe {
	pthread_mutex_t mu;
	pthread_cond_t work, result;   /* workers wait for slots; the producer for the oldest to be done */
	size_t nslots, chunk;
	uint64_t head, taken, tail;
	unsigned char *done;
	int stop, producer_waiting, nidle;
	workq_slot_fn fn;
	void *ctx;
	int nthreads;
	struct pipe_worker { workq_pipe *p; int index; pthread_t tid; } *ws;
	workq_stats st;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* With p->mu held: take the next chunk not yet taken, [*a, *b) (empty at the head) */
static void take_chunk(workq_pipe *p, uint64_t *a, uint64_t *b)
{
	*a = p->taken;
	*b = p->head - *a > p->chunk ? *a + p->chunk : p->head;
	p->taken = *b;
}

/* Run fn on the chunk as worker w, outside the lock */
static void run_chunk(workq_pipe *p, int w, uint64_t a, uint64_t b)
{
	for (uint64_t i = a; i < b; i++) p->fn(p->ctx, w, (size_t)(i % p->nslots));
}

/* With p->mu held: the chunk is processed */
static void mark_done(workq_pipe *p, uint64_t a, uint64_t b)
{
	for (uint64_t i = a; i < b; i++) p->done[i % p->nslots] = 1;
}

static void *pipe_work(void *arg)
{
	struct pipe_worker *w = arg;
	workq_pipe *p = w->p;
	double t = now(), busy = 0, idle = 0;
	uint64_t chunks = 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->taken == p->head && !p->stop) {
			p->nidle++;
			pthread_cond_wait(&p->work, &p->mu);
			p->nidle--;
		}
		if (p->stop) break;
		uint64_t a, b;
		take_chunk(p, &a, &b);
		pthread_mutex_unlock(&p->mu);
		double t1 = now();
		idle += t1 - t;
		run_chunk(p, w->index, a, b);
		t = now();
		busy += t - t1;
		chunks++;
		pthread_mutex_lock(&p->mu);
		mark_done(p, a, b);
		if (p->producer_waiting) pthread_cond_signal(&p->result);   /* it checks which one it waits for */
	}
	p->st.busy[w->index] = busy;
	p->st.idle[w->index] = idle + (now() - t);
	p->st.chunks += chunks;
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

workq_pipe *workq_pipe_new(size_t slots, size_t chunk, int nthreads, workq_slot_fn fn, void *ctx)
{
	if (nthreads > WORKQ_MAX_THREADS) nthreads = WORKQ_MAX_THREADS;
	if (nthreads < 1) nthreads = 1;
	if (!chunk) chunk = 1;
	if (slots < 1) slots = 1;
	workq_pipe *p = calloc(1, sizeof *p);
	unsigned char *done = calloc(slots, 1);
	struct pipe_worker *ws = calloc((size_t)nthreads, sizeof *ws);
	if (!p || !done || !ws) { free(p); free(done); free(ws); return NULL; }
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->result, NULL);
	p->nslots = slots;
	p->chunk = chunk;
	p->done = done;
	p->fn = fn;
	p->ctx = ctx;
	p->ws = ws;
	for (int t = 0; t < nthreads; t++) {
		ws[p->nthreads] = (struct pipe_worker){ .p = p, .index = p->nthreads };
		if (pthread_create(&ws[p->nthreads].tid, NULL, pipe_work, &ws[p->nthreads]) == 0) p->nthreads++;
	}
	p->st.nthreads = p->nthreads;
	if (!p->nthreads) { workq_pipe_free(p, NULL); return NULL; }
	return p;
}

long workq_pipe_reserve(workq_pipe *p)
{
	/* head and tail move only in the producer's calls: no lock to read them */
	return p->head - p->tail < p->nslots ? (long)(p->head % p->nslots) : -1;
}

void workq_pipe_submit(workq_pipe *p)
{
	pthread_mutex_lock(&p->mu);
	p->done[p->head % p->nslots] = 0;
	p->head++;
	/* a waiting worker takes it now; a busy one takes a whole chunk later */
	if (p->nidle) pthread_cond_signal(&p->work);
	pthread_mutex_unlock(&p->mu);
	p->st.slots++;
}

int workq_pipe_help(workq_pipe *p, int worker)
{
	uint64_t a, b;
	pthread_mutex_lock(&p->mu);
	take_chunk(p, &a, &b);
	pthread_mutex_unlock(&p->mu);
	if (a == b) return 0;
	double t = now();
	run_chunk(p, worker, a, b);
	p->st.producer_busy += now() - t;
	pthread_mutex_lock(&p->mu);
	mark_done(p, a, b);
	pthread_mutex_unlock(&p->mu);
	p->st.producer_chunks++;
	return 1;
}

long workq_pipe_result(workq_pipe *p, int wait)
{
	if (p->tail == p->head) return -1;
	size_t s = (size_t)(p->tail % p->nslots);
	pthread_mutex_lock(&p->mu);
	if (!p->done[s] && wait) {
		double t = now();
		p->producer_waiting = 1;
		while (!p->done[s]) pthread_cond_wait(&p->result, &p->mu);
		p->producer_waiting = 0;
		p->st.producer_wait += now() - t;
	}
	int done = p->done[s];
	pthread_mutex_unlock(&p->mu);
	return done ? (long)s : -1;
}

void workq_pipe_release(workq_pipe *p)
{
	if (p->tail < p->head) p->tail++;
}

size_t workq_pipe_inflight(const workq_pipe *p)
{
	return (size_t)(p->head - p->tail);
}

void workq_pipe_free(workq_pipe *p, workq_stats *st)
{
	if (!p) return;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
	for (int t = 0; t < p->nthreads; t++) pthread_join(p->ws[t].tid, NULL);
	if (st) *st = p->st;
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->result);
	pthread_mutex_destroy(&p->mu);
	free(p->done);
	free(p->ws);
	free(p);
}

/* workq.c — the work queue. See workq.h. */
#include "workq.h"

#include <pthread.h>
#include <stdlib.h>

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

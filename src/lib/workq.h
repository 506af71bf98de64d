/*
 * workq.h — a small work queue: the items 0..n-1 handed out in chunks to a
 * few threads that take the next chunk in turn, so that items of uneven cost
 * (downloads of different sizes, records of different lengths) keep every
 * thread busy until the end. hf-fetch's parallel downloads run on it.
 *
 * workq_run(n, chunk, nthreads, fn, ctx) calls fn(ctx, w, begin, end) for
 * consecutive ranges [begin, end) of at most chunk items, each range once,
 * from nthreads workers numbered 0..nthreads-1 (worker 0 is the calling
 * thread; the others are threads started and joined by the call). A worker
 * index is never in use by two threads at once, so fn may keep per-worker
 * state in an array indexed by w. fn returning non-zero stops the queue: no
 * range is handed out after it (ranges already taken run to their end).
 *
 * Thread-safety: fn runs concurrently on different ranges; what it shares it
 * guards itself. The queue's own state lives on the caller's stack: any
 * number of queues may run at once. Errors: a thread that cannot be started
 * leaves its share to the others (the call still covers every item); the
 * library never prints. Memory: nothing is returned.
 */
#ifndef SFTKIT_WORKQ_H
#define SFTKIT_WORKQ_H

#include <stddef.h>

typedef int (*workq_fn)(void *ctx, int worker, size_t begin, size_t end);

/* Workers are capped at WORKQ_MAX_THREADS and at the number of chunks.
 * Returns 0 when every range ran and fn returned 0, else 1 (fn stopped it). */
#define WORKQ_MAX_THREADS 256
int workq_run(size_t n, size_t chunk, int nthreads, workq_fn fn, void *ctx);

#endif

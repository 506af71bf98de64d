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
#include <stdint.h>

typedef int (*workq_fn)(void *ctx, int worker, size_t begin, size_t end);

/* Workers are capped at WORKQ_MAX_THREADS and at the number of chunks.
 * Returns 0 when every range ran and fn returned 0, else 1 (fn stopped it). */
#define WORKQ_MAX_THREADS 256
int workq_run(size_t n, size_t chunk, int nthreads, workq_fn fn, void *ctx);

/*
 * workq_pipe — an ordered pipeline over a ring of slots, for a stream whose
 * length is not known in advance (tok-len's records). One thread, the
 * producer (the caller), fills slots in order and takes them back in the
 * same order once processed; nthreads workers, started once by
 * workq_pipe_new and joined by workq_pipe_free, call fn(ctx, w, slot) on
 * each filled slot, taking up to chunk consecutive slots at a time. So the
 * producer reads slot k+1 and consumes slot k-1 while the workers process
 * slot k, and no thread is started per batch.
 *
 *     workq_pipe *p = workq_pipe_new(64, 8, 2, fn, ctx);
 *     loop:
 *         s = workq_pipe_reserve(p)      a free slot (-1: the ring is full)
 *         ... fill slot s ...; workq_pipe_submit(p)
 *         s = workq_pipe_result(p, wait) the oldest slot once processed (-1: not yet, or none)
 *         ... consume slot s ...; workq_pipe_release(p)
 *     workq_pipe_free(p)
 *
 * The slots are the caller's (an array of slots items, indexed by the slot
 * number these calls return). Thread-safety: the producer calls are for one
 * thread; fn runs on the workers, each slot on one worker at a time, and a
 * worker index is never in use by two threads at once (per-worker state in
 * an array indexed by w needs no lock). What fn writes into a slot is
 * visible to the producer once workq_pipe_result returns that slot; what the
 * producer wrote before workq_pipe_submit is visible to fn.
 *
 * The producer may count too: workq_pipe_help runs fn on the next chunk no
 * worker has taken, as worker index `worker` (one no thread uses, such as
 * nthreads), so that -j N needs N-1 threads beside the producer and no
 * thread sleeps while a core idles; on 2 cores, 2 workers and a producer
 * that slept on every chunk cost 5,675 context switches and 20% more CPU
 * on tok-len's bench corpus. Errors: NULL from
 * workq_pipe_new when no worker thread can be started (the caller then does
 * the work itself). Memory: the pipe is freed by workq_pipe_free, which
 * drops the slots not yet taken by a worker (those taken run to their end).
 */
typedef void (*workq_slot_fn)(void *ctx, int worker, size_t slot);
typedef struct workq_pipe workq_pipe;

/* Where the time went, for tuning (tok-len prints it under
 * SFTKIT_WORKQ_STATS): per worker the seconds spent in fn and waiting for
 * slots; the producer's seconds waiting for a result or a free slot. */
typedef struct workq_stats {
	int nthreads;
	double busy[WORKQ_MAX_THREADS], idle[WORKQ_MAX_THREADS];
	double producer_wait, producer_busy;   /* waiting for a result; in fn, by workq_pipe_help */
	uint64_t chunks, slots, producer_chunks;
} workq_stats;

workq_pipe *workq_pipe_new(size_t slots, size_t chunk, int nthreads, workq_slot_fn fn, void *ctx);
/* The slot to fill next, or -1 when every slot is in flight (take a result first). */
long workq_pipe_reserve(workq_pipe *p);
/* The reserved slot is filled: hand it to the workers. */
void workq_pipe_submit(workq_pipe *p);
/* Runs fn on the next chunk not yet taken, as worker `worker`: 1, or 0 when
 * every submitted slot is taken. */
int workq_pipe_help(workq_pipe *p, int worker);
/* The oldest slot in flight, once processed; -1 when none is in flight, or
 * (wait 0) when the oldest is not processed yet. wait 1 blocks until it is. */
long workq_pipe_result(workq_pipe *p, int wait);
/* The slot workq_pipe_result returned is consumed: it may be filled again. */
void workq_pipe_release(workq_pipe *p);
/* Slots in flight (submitted, not released). */
size_t workq_pipe_inflight(const workq_pipe *p);
/* Stops the workers (slots not yet taken are dropped), joins them, fills st
 * when not NULL, frees p. NULL is a no-op. */
void workq_pipe_free(workq_pipe *p, workq_stats *st);

#endif

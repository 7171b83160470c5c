/* Internal: a batch of samples split between threads, for ops whose per-sample BLAS calls
 * are too small for OpenBLAS to split well.
 *
 * A convolution runs one sgemm per image ([16, 144] × [144, 784] for the Keras conv AE).
 * Given two threads, OpenBLAS splits each of those small products and the threads spend
 * their time synchronising: measured, `--threads 2` made keras-blog/conv 1.5× slower than one
 * thread. PyTorch instead hands each thread whole images. So do these ops: the thread count
 * stays the one setting (OpenBLAS's, from --threads); inside a parallel region OpenBLAS runs
 * single-threaded in each worker, and the count is restored after.
 *
 * Results are deterministic for a given thread count: chunks are fixed, and gradients summed
 * over samples are summed per worker, then in worker order. */
#ifndef AELAB_OPS_PARALLEL_H
#define AELAB_OPS_PARALLEL_H

#include <stddef.h>

#include "core/tape.h"

enum { AE_MAX_WORKERS = 16 };

/* Runs fn(ctx, worker, first, last) over contiguous chunks of [0, n), worker 0 in the
 * calling thread. */
typedef void (*ae_chunk_fn)(void *ctx, int worker, int first, int last);

/* How many workers an op over n samples uses: OpenBLAS's thread count, at most n. */
int ae_parallel_workers(int n);
void ae_parallel_chunks(int n, int workers, ae_chunk_fn fn, void *ctx);

/* Per-worker accumulators for a gradient of size values summed over samples: worker 0 adds
 * into the gradient itself, worker w > 0 into partials + (w − 1)·size (zeroed here, from the
 * tape's step memory); ae_parallel_reduce then adds them into the gradient in worker order.
 * NULL (tape failed) when out of memory; NULL without failure for one worker. */
float *ae_parallel_partials(ae_tape *t, int workers, size_t size);
void ae_parallel_reduce(float *grad, const float *partials, int workers, size_t size);
/* The accumulator of worker w: grad itself for worker 0. */
static inline float *ae_parallel_acc(float *grad, float *partials, int worker, size_t size)
{
    return worker == 0 ? grad : partials + (size_t)(worker - 1) * size;
}

#endif

#include "ops/parallel.h"

#include <cblas.h>
#include <pthread.h>
#include <string.h>

typedef struct chunk {
    ae_chunk_fn fn;
    void *ctx;
    int worker, first, last;
} chunk;

static void *run_chunk(void *arg)
{
    chunk *c = arg;
    c->fn(c->ctx, c->worker, c->first, c->last);
    return NULL;
}

int ae_parallel_workers(int n)
{
    int workers = openblas_get_num_threads();
    if (workers > AE_MAX_WORKERS)
        workers = AE_MAX_WORKERS;
    if (workers > n)
        workers = n;
    return workers > 1 ? workers : 1;
}

void ae_parallel_chunks(int n, int workers, ae_chunk_fn fn, void *ctx)
{
    if (workers <= 1) {
        fn(ctx, 0, 0, n);
        return;
    }
    chunk chunks[AE_MAX_WORKERS];
    pthread_t ids[AE_MAX_WORKERS];
    bool started[AE_MAX_WORKERS] = {false};
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);
    for (int w = workers - 1; w >= 0; w--) {
        chunks[w] = (chunk){fn, ctx, w, (int)((long)n * w / workers),
                            (int)((long)n * (w + 1) / workers)};
        /* a worker that cannot be started runs in this thread instead: same chunks, same sums */
        if (w > 0)
            started[w] = pthread_create(&ids[w], NULL, run_chunk, &chunks[w]) == 0;
        if (w == 0 || !started[w])
            run_chunk(&chunks[w]);
    }
    for (int w = 1; w < workers; w++)
        if (started[w])
            pthread_join(ids[w], NULL);
    openblas_set_num_threads(blas_threads);
}

float *ae_parallel_partials(ae_tape *t, int workers, size_t size)
{
    if (workers <= 1)
        return NULL;
    size_t bytes = (size_t)(workers - 1) * size * sizeof(float);
    float *p = ae_tape_scratch(t, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void ae_parallel_reduce(float *grad, const float *partials, int workers, size_t size)
{
    for (int w = 1; w < workers; w++)
        for (size_t i = 0; i < size; i++)
            grad[i] += partials[(size_t)(w - 1) * size + i];
}

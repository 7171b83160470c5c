#include "train/batch.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/rng.h"

ae_code ae_batcher_init(ae_batcher *b, const ae_dataset *data, const ae_shape *sample,
                        int batch_size, ae_error *err)
{
    memset(b, 0, sizeof *b);
    b->data = data;
    b->sample = *sample;
    b->sample_size = ae_dataset_sample_size(data);
    if (ae_shape_size(sample) != b->sample_size)
        return ae_error_set(err, AE_ERR_SHAPE,
                            "the model's input has %zu values per sample, the data %zu",
                            ae_shape_size(sample), b->sample_size);
    if (data->n == 0 || data->n > UINT32_MAX)
        return ae_error_set(err, AE_ERR_FORMAT, "dataset has %zu samples", data->n);
    b->batch_size = batch_size;
    b->order = malloc(data->n * sizeof *b->order);
    b->buf = ae_aligned_alloc((size_t)batch_size * b->sample_size * sizeof(float));
    if (!b->order || !b->buf) {
        ae_batcher_free(b);
        return ae_error_set(err, AE_ERR_NOMEM, "out of memory for batches");
    }
    for (size_t i = 0; i < data->n; i++)
        b->order[i] = (uint32_t)i;
    return AE_OK;
}

void ae_batcher_free(ae_batcher *b)
{
    free(b->order);
    free(b->buf);
    memset(b, 0, sizeof *b);
}

size_t ae_batcher_count(const ae_batcher *b)
{
    return (b->data->n + (size_t)b->batch_size - 1) / (size_t)b->batch_size;
}

void ae_batcher_shuffle(ae_batcher *b, bool shuffle, uint64_t seed, uint64_t epoch)
{
    for (size_t i = 0; i < b->data->n; i++)
        b->order[i] = (uint32_t)i;
    if (shuffle) {
        ae_rng r = ae_rng_stream(seed, AE_RNG_SHUFFLE, epoch, 0);
        ae_rng_shuffle_u32(&r, b->order, b->data->n);
    }
}

ae_tensor ae_batcher_get(ae_batcher *b, size_t k)
{
    size_t first = k * (size_t)b->batch_size;
    size_t count = b->data->n - first < (size_t)b->batch_size ? b->data->n - first
                                                              : (size_t)b->batch_size;
    for (size_t i = 0; i < count; i++)
        memcpy(b->buf + i * b->sample_size, b->data->x + (size_t)b->order[first + i] * b->sample_size,
               b->sample_size * sizeof(float));
    ae_tensor t = {0};
    int shape[4] = {(int)count};
    for (int d = 0; d < b->sample.ndim; d++)
        shape[d + 1] = b->sample.d[d];
    ae_tensor_set_shape(&t, b->sample.ndim + 1, shape);
    t.data = b->buf;
    return t;
}

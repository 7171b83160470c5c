/* Mini-batches of a dataset in the model's input shape: a shuffled index
 * order per epoch and one reusable, aligned batch buffer. */
#ifndef AELAB_TRAIN_BATCH_H
#define AELAB_TRAIN_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/tensor.h"
#include "data/data.h"
#include "model/spec.h"

typedef struct ae_batcher {
    const ae_dataset *data;
    ae_shape sample;     /* the model's per-sample input shape */
    size_t sample_size;  /* floats per sample */
    int batch_size;
    uint32_t *order;     /* owned: sample order of this epoch */
    float *buf;          /* owned: batch_size × sample_size, 64-byte aligned */
} ae_batcher;

ae_code ae_batcher_init(ae_batcher *b, const ae_dataset *data, const ae_shape *sample,
                        int batch_size, ae_error *err);
void ae_batcher_free(ae_batcher *b);
/* Batches per epoch; the last one may be smaller. */
size_t ae_batcher_count(const ae_batcher *b);
/* The order of this epoch: the stream (seed, SHUFFLE, epoch), or identity when !shuffle. */
void ae_batcher_shuffle(ae_batcher *b, bool shuffle, uint64_t seed, uint64_t epoch);
/* Gathers batch k into the buffer; the tensor is valid until the next call. */
ae_tensor ae_batcher_get(ae_batcher *b, size_t k);

#endif

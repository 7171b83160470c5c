/* The dataset container: allocation with limits, release, sizes. */
#include "data/data.h"

#include <stdlib.h>
#include <string.h>

void ae_dataset_free(ae_dataset *d)
{
    if (!d)
        return;
    free(d->x);
    free(d->labels);
    memset(d, 0, sizeof *d);
}

size_t ae_dataset_sample_size(const ae_dataset *d)
{
    return (size_t)d->c * (size_t)d->h * (size_t)d->w;
}

int ae_dataset_alloc(ae_dataset *d, size_t n, int c, int h, int w, int with_labels,
                     const char *what, ae_error *err)
{
    memset(d, 0, sizeof *d);
    if (c < 1 || h < 1 || w < 1)
        return ae_error_set(err, AE_ERR_SHAPE, "%s: invalid sample shape %d×%d×%d", what, c, h,
                            w);
    if (n > AE_DATA_MAX_SAMPLES)
        return ae_error_set(err, AE_ERR_FORMAT, "%s: %zu samples exceeds the limit of %zu", what,
                            n, AE_DATA_MAX_SAMPLES);
    size_t sample = (size_t)c * (size_t)h * (size_t)w, total;
    if (__builtin_mul_overflow(sample, n, &total) || total > AE_DATA_MAX_VALUES)
        return ae_error_set(err, AE_ERR_FORMAT,
                            "%s: %zu samples of %d×%d×%d values exceed the limit of %zu values",
                            what, n, c, h, w, AE_DATA_MAX_VALUES);
    /* posix_memalign rather than aligned_alloc: no size-multiple rule. A
     * zero-sample dataset still gets a valid (tiny) buffer. */
    void *x = NULL;
    if (posix_memalign(&x, 64, total ? total * sizeof(float) : 64) != 0)
        return ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory for %zu values", what, total);
    int32_t *labels = NULL;
    if (with_labels) {
        labels = malloc(n ? n * sizeof *labels : 1);
        if (!labels) {
            free(x);
            return ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory for %zu labels", what, n);
        }
    }
    d->n = n;
    d->c = c;
    d->h = h;
    d->w = w;
    d->x = x;
    d->labels = labels;
    d->n_classes = 0;
    return AE_OK;
}

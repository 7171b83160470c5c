/* float32 tensors of up to four dimensions.
 *
 * Images are N×C×H×W, sequences N×T×F, dense activations N×F. A tensor does
 * not own its data: the storage belongs to whoever allocated it (the arena of
 * a tape for per-step values, the parameter store for weights, a dataset for
 * inputs). That makes views (reshape) free: a second header over the same data. */
#ifndef AELAB_CORE_TENSOR_H
#define AELAB_CORE_TENSOR_H

#include <stdbool.h>
#include <stddef.h>

enum { AE_MAX_DIMS = 4 };

typedef struct ae_tensor {
    int ndim;
    int shape[AE_MAX_DIMS];
    size_t size; /* product of shape */
    float *data; /* not owned */
} ae_tensor;

/* Fills shape/size; returns false when a dimension is < 1, ndim is out of
 * [1, 4], or the element count overflows. data is left untouched. */
bool ae_tensor_set_shape(ae_tensor *t, int ndim, const int *shape);
bool ae_tensor_same_shape(const ae_tensor *a, const ae_tensor *b);
/* A view with another shape over the same data; false when sizes differ. */
bool ae_tensor_reshape(const ae_tensor *t, int ndim, const int *shape, ae_tensor *view);
/* Product of the dimensions after the first: the size of one sample. */
size_t ae_tensor_row_size(const ae_tensor *t);
/* "[256, 784]" into buf; returns buf. */
const char *ae_tensor_shape_str(const ae_tensor *t, char *buf, size_t size);

#endif

/* The parameter store: every trainable value of a model in one contiguous
 * buffer, gradients in a parallel one, each parameter a named slice.
 *
 * The optimizer is then one loop over an array, a checkpoint one loop over the
 * named slices, and a frozen layer one flag. Parameters are declared first and
 * laid out once by ae_params_finalize; pointers into the store stay valid
 * until ae_params_free. */
#ifndef AELAB_CORE_PARAMS_H
#define AELAB_CORE_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "core/tensor.h"

typedef struct ae_param {
    char *name;        /* owned, e.g. "code/W" */
    ae_tensor value;   /* data points into the store's values (after finalize) */
    float *grad;       /* into the store's grads, same size as value */
    size_t offset;     /* in floats from the start of the store */
    bool frozen;       /* excluded from gradients and updates */
    bool decay;        /* subject to L2 weight decay (weights yes, biases no, by default) */
    bool trainable;    /* false for state such as batchnorm running statistics */
} ae_param;

typedef struct ae_params {
    ae_param *items;
    size_t count, cap;
    float *values; /* owned, 64-byte aligned */
    float *grads;  /* owned, 64-byte aligned */
    size_t total;  /* floats in each buffer, including alignment padding */
    bool finalized;
} ae_params;

void ae_params_init(ae_params *ps);
void ae_params_free(ae_params *ps);
/* Declares a parameter; returns its index or -1 (err says why: duplicate name,
 * bad shape, declared after finalize, out of memory). */
int ae_params_declare(ae_params *ps, const char *name, int ndim, const int *shape, ae_error *err);
/* Allocates the value and gradient buffers (zeroed) and points each parameter at its slice. */
ae_code ae_params_finalize(ae_params *ps, ae_error *err);
ae_param *ae_params_find(ae_params *ps, const char *name);
void ae_params_zero_grad(ae_params *ps);
/* Number of scalar values in trainable parameters (what a model summary reports). */
size_t ae_params_trainable_size(const ae_params *ps);

#endif

#include "core/tensor.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

bool ae_tensor_set_shape(ae_tensor *t, int ndim, const int *shape)
{
    if (ndim < 1 || ndim > AE_MAX_DIMS)
        return false;
    size_t size = 1;
    for (int i = 0; i < ndim; i++) {
        if (shape[i] < 1 || size > SIZE_MAX / 4 / (size_t)shape[i])
            return false;
        size *= (size_t)shape[i];
    }
    t->ndim = ndim;
    for (int i = 0; i < AE_MAX_DIMS; i++)
        t->shape[i] = i < ndim ? shape[i] : 1;
    t->size = size;
    return true;
}

bool ae_tensor_same_shape(const ae_tensor *a, const ae_tensor *b)
{
    if (a->ndim != b->ndim)
        return false;
    for (int i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i])
            return false;
    return true;
}

bool ae_tensor_reshape(const ae_tensor *t, int ndim, const int *shape, ae_tensor *view)
{
    ae_tensor v = {0};
    if (!ae_tensor_set_shape(&v, ndim, shape) || v.size != t->size)
        return false;
    v.data = t->data;
    *view = v;
    return true;
}

size_t ae_tensor_row_size(const ae_tensor *t)
{
    return t->size / (size_t)t->shape[0];
}

const char *ae_tensor_shape_str(const ae_tensor *t, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (int i = 0; i < t->ndim && len < size; i++)
        len += (size_t)snprintf(buf + len, size - len, "%s%d", i ? ", " : "[", t->shape[i]);
    if (len < size)
        snprintf(buf + len, size - len, "]");
    return buf;
}

#include "core/params.h"

#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

enum { SLICE_ALIGN_FLOATS = AE_ALIGN / sizeof(float) };

void ae_params_init(ae_params *ps)
{
    memset(ps, 0, sizeof *ps);
}

void ae_params_free(ae_params *ps)
{
    for (size_t i = 0; i < ps->count; i++)
        free(ps->items[i].name);
    free(ps->items);
    free(ps->values);
    free(ps->grads);
    ae_params_init(ps);
}

int ae_params_declare(ae_params *ps, const char *name, int ndim, const int *shape, ae_error *err)
{
    if (ps->finalized) {
        ae_error_set(err, AE_ERR_INTERNAL, "parameter '%s' declared after the store was laid out", name);
        return -1;
    }
    if (ae_params_find(ps, name)) {
        ae_error_set(err, AE_ERR_CONFIG, "parameter '%s' declared twice", name);
        return -1;
    }
    ae_param p = {0};
    if (!ae_tensor_set_shape(&p.value, ndim, shape)) {
        ae_error_set(err, AE_ERR_SHAPE, "parameter '%s' has an invalid shape", name);
        return -1;
    }
    if (ps->count == ps->cap) {
        size_t cap = ps->cap ? ps->cap * 2 : 16;
        ae_param *items = realloc(ps->items, cap * sizeof *items);
        if (!items) {
            ae_error_set(err, AE_ERR_NOMEM, "out of memory declaring parameter '%s'", name);
            return -1;
        }
        ps->items = items;
        ps->cap = cap;
    }
    p.name = strdup(name);
    if (!p.name) {
        ae_error_set(err, AE_ERR_NOMEM, "out of memory declaring parameter '%s'", name);
        return -1;
    }
    p.decay = true;
    p.trainable = true;
    ps->items[ps->count] = p;
    return (int)ps->count++;
}

ae_code ae_params_finalize(ae_params *ps, ae_error *err)
{
    size_t total = 0;
    for (size_t i = 0; i < ps->count; i++) {
        ps->items[i].offset = total;
        size_t n = ps->items[i].value.size;
        total += (n + SLICE_ALIGN_FLOATS - 1) / SLICE_ALIGN_FLOATS * SLICE_ALIGN_FLOATS;
    }
    ps->values = ae_aligned_alloc(total * sizeof(float));
    ps->grads = ae_aligned_alloc(total * sizeof(float));
    if (!ps->values || !ps->grads)
        return ae_error_set(err, AE_ERR_NOMEM, "out of memory for %zu parameters", total);
    memset(ps->values, 0, total * sizeof(float));
    memset(ps->grads, 0, total * sizeof(float));
    for (size_t i = 0; i < ps->count; i++) {
        ps->items[i].value.data = ps->values + ps->items[i].offset;
        ps->items[i].grad = ps->grads + ps->items[i].offset;
    }
    ps->total = total;
    ps->finalized = true;
    return AE_OK;
}

ae_param *ae_params_find(ae_params *ps, const char *name)
{
    for (size_t i = 0; i < ps->count; i++)
        if (strcmp(ps->items[i].name, name) == 0)
            return &ps->items[i];
    return NULL;
}

void ae_params_zero_grad(ae_params *ps)
{
    if (ps->grads)
        memset(ps->grads, 0, ps->total * sizeof(float));
}

size_t ae_params_trainable_size(const ae_params *ps)
{
    size_t n = 0;
    for (size_t i = 0; i < ps->count; i++)
        if (ps->items[i].trainable)
            n += ps->items[i].value.size;
    return n;
}

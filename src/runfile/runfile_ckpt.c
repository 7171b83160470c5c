/* The checkpoint of the in-memory run file: tensors, uint64 arrays, ints, position. */
#include "runfile/runfile_impl.h"

#include <stdlib.h>
#include <string.h>

static rf_array *find_array(const ae_runfile *rf, const char *name, rf_kind kind)
{
    for (size_t i = 0; name && i < rf->narrays; i++)
        if (rf->arrays[i].kind == kind && strcmp(rf->arrays[i].name, name) == 0)
            return &rf->arrays[i];
    return NULL;
}

static void free_array(rf_array *a)
{
    free(a->name);
    free(a->data);
}

static void remove_array(ae_runfile *rf, size_t i)
{
    free_array(&rf->arrays[i]);
    memmove(&rf->arrays[i], &rf->arrays[i + 1], (rf->narrays - i - 1) * sizeof *rf->arrays);
    rf->narrays--;
}

int ae_rf_add_array(ae_runfile *rf, const char *name, rf_kind kind, int ndim, const int64_t *shape,
                    void *data)
{
    int code = AE_ERR_CONFIG;
    if (!ae_rf_valid_name(name, true))
        goto fail;
    code = AE_ERR_SHAPE;
    if (ndim < 1 || ndim > AE_RUNFILE_MAX_DIMS || !shape)
        goto fail;
    int64_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 1 || shape[d] > AE_RUNFILE_MAX_ELEMS / numel)
            goto fail;
        numel *= shape[d];
    }
    code = AE_ERR_CONFIG;
    size_t same = rf->narrays; /* an existing array of that name, any kind */
    for (size_t i = 0; i < rf->narrays; i++) {
        if (strcmp(rf->arrays[i].name, name) == 0)
            same = i;
        else if (ae_rf_path_collides(rf->arrays[i].name, name))
            goto fail;
    }
    code = AE_ERR_NOMEM;
    rf_array a = {.kind = kind, .ndim = ndim, .numel = (size_t)numel, .data = data};
    for (int d = 0; d < AE_RUNFILE_MAX_DIMS; d++)
        a.shape[d] = d < ndim ? shape[d] : 1;
    if (same < rf->narrays) {
        a.name = rf->arrays[same].name;
        free(rf->arrays[same].data);
        rf->arrays[same] = a;
        return AE_OK;
    }
    rf_array *items = ae_rf_grow(rf->arrays, &rf->carrays, rf->narrays, sizeof *items);
    if (!items)
        goto fail;
    rf->arrays = items;
    if (!(a.name = strdup(name)))
        goto fail;
    rf->arrays[rf->narrays++] = a;
    return AE_OK;
fail:
    free(data);
    return code;
}

int ae_runfile_ckpt_put_tensor(ae_runfile *rf, const char *name, int ndim, const int64_t *shape,
                               const float *data)
{
    if (ndim < 1 || ndim > AE_RUNFILE_MAX_DIMS || !shape || !data)
        return AE_ERR_SHAPE;
    int64_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 1 || shape[d] > AE_RUNFILE_MAX_ELEMS / numel)
            return AE_ERR_SHAPE;
        numel *= shape[d];
    }
    float *copy = malloc((size_t)numel * sizeof *copy);
    if (!copy)
        return AE_ERR_NOMEM;
    memcpy(copy, data, (size_t)numel * sizeof *copy);
    return ae_rf_add_array(rf, name, RF_F32, ndim, shape, copy);
}

const float *ae_runfile_ckpt_tensor(const ae_runfile *rf, const char *name, int *ndim,
                                    int64_t shape[AE_RUNFILE_MAX_DIMS])
{
    const rf_array *a = find_array(rf, name, RF_F32);
    if (!a)
        return NULL;
    if (ndim)
        *ndim = a->ndim;
    if (shape)
        memcpy(shape, a->shape, sizeof a->shape);
    return a->data;
}

static size_t count_kind(const ae_runfile *rf, rf_kind kind)
{
    size_t n = 0;
    for (size_t i = 0; i < rf->narrays; i++)
        n += rf->arrays[i].kind == kind;
    return n;
}

static const char *name_at_kind(const ae_runfile *rf, rf_kind kind, size_t k)
{
    for (size_t i = 0; i < rf->narrays; i++)
        if (rf->arrays[i].kind == kind && k-- == 0)
            return rf->arrays[i].name;
    return NULL;
}

size_t ae_runfile_ckpt_count(const ae_runfile *rf)
{
    return count_kind(rf, RF_F32);
}

const char *ae_runfile_ckpt_name_at(const ae_runfile *rf, size_t i)
{
    return name_at_kind(rf, RF_F32, i);
}

int ae_runfile_ckpt_put_u64(ae_runfile *rf, const char *name, size_t n, const uint64_t *data)
{
    if (n < 1 || n > (size_t)AE_RUNFILE_MAX_ELEMS || !data)
        return AE_ERR_SHAPE;
    uint64_t *copy = malloc(n * sizeof *copy);
    if (!copy)
        return AE_ERR_NOMEM;
    memcpy(copy, data, n * sizeof *copy);
    int64_t shape = (int64_t)n;
    return ae_rf_add_array(rf, name, RF_U64, 1, &shape, copy);
}

const uint64_t *ae_runfile_ckpt_u64(const ae_runfile *rf, const char *name, size_t *n)
{
    const rf_array *a = find_array(rf, name, RF_U64);
    if (n)
        *n = a ? a->numel : 0;
    return a ? a->data : NULL;
}

size_t ae_runfile_ckpt_u64_count(const ae_runfile *rf)
{
    return count_kind(rf, RF_U64);
}

const char *ae_runfile_ckpt_u64_name_at(const ae_runfile *rf, size_t i)
{
    return name_at_kind(rf, RF_U64, i);
}

/* ---- int64 scalars and the position ---- */

static bool reserved_int(const char *name)
{
    return strcmp(name, "phase") == 0 || strcmp(name, "epoch") == 0;
}

int ae_runfile_ckpt_put_int(ae_runfile *rf, const char *name, int64_t value)
{
    if (!ae_rf_valid_name(name, true) || reserved_int(name))
        return AE_ERR_CONFIG;
    for (size_t i = 0; i < rf->nints; i++)
        if (strcmp(rf->ints[i].name, name) == 0) {
            rf->ints[i].v = value;
            return AE_OK;
        }
    rf_int *items = ae_rf_grow(rf->ints, &rf->cints, rf->nints, sizeof *items);
    if (!items)
        return AE_ERR_NOMEM;
    rf->ints = items;
    char *copy = strdup(name);
    if (!copy)
        return AE_ERR_NOMEM;
    rf->ints[rf->nints++] = (rf_int){.name = copy, .v = value};
    return AE_OK;
}

int ae_runfile_ckpt_int(const ae_runfile *rf, const char *name, int64_t *out)
{
    for (size_t i = 0; name && i < rf->nints; i++)
        if (strcmp(rf->ints[i].name, name) == 0) {
            *out = rf->ints[i].v;
            return AE_OK;
        }
    return AE_ERR_CONFIG;
}

size_t ae_runfile_ckpt_int_count(const ae_runfile *rf)
{
    return rf->nints;
}

const char *ae_runfile_ckpt_int_name_at(const ae_runfile *rf, size_t i)
{
    return i < rf->nints ? rf->ints[i].name : NULL;
}

int ae_runfile_ckpt_set_position(ae_runfile *rf, const char *phase, int64_t epoch)
{
    if (!ae_rf_valid_name(phase, false))
        return AE_ERR_CONFIG;
    char *copy = strdup(phase);
    if (!copy)
        return AE_ERR_NOMEM;
    free(rf->pos_phase);
    rf->pos_phase = copy;
    rf->pos_epoch = epoch;
    rf->has_pos = true;
    return AE_OK;
}

bool ae_runfile_ckpt_position(const ae_runfile *rf, const char **phase, int64_t *epoch)
{
    if (!rf->has_pos)
        return false;
    if (phase)
        *phase = rf->pos_phase;
    if (epoch)
        *epoch = rf->pos_epoch;
    return true;
}

void ae_runfile_ckpt_clear(ae_runfile *rf)
{
    while (rf->narrays)
        remove_array(rf, rf->narrays - 1);
    for (size_t i = 0; i < rf->nints; i++)
        free(rf->ints[i].name);
    rf->nints = 0;
    free(rf->pos_phase);
    rf->pos_phase = NULL;
    rf->has_pos = false;
}

/* Checkpoints in the run file: every parameter once (a tied kernel is one
 * parameter), the optimizer's state arrays sliced per parameter, its step
 * count, and the number of epochs completed. */
#include <stdio.h>
#include <string.h>

#include "train/train.h"

static void dims_of(const ae_tensor *t, int64_t shape[4])
{
    for (int d = 0; d < 4; d++)
        shape[d] = t->shape[d];
}

ae_code ae_checkpoint_put(ae_runfile *rf, const ae_model *m, const ae_optim *o, size_t phase,
                          const char *phase_name, int epochs_done, ae_error *err)
{
    char name[512];
    ae_optim_buffer bufs[2];
    int n_bufs = ae_optim_buffers((ae_optim *)o, bufs);
    ae_runfile_ckpt_clear(rf);
    for (size_t i = 0; i < m->params.count; i++) {
        const ae_param *p = &m->params.items[i];
        int64_t shape[4];
        dims_of(&p->value, shape);
        snprintf(name, sizeof name, "params/%s", p->name);
        if (ae_runfile_ckpt_put_tensor(rf, name, p->value.ndim, shape, p->value.data) != AE_OK)
            return ae_error_set(err, AE_ERR_NOMEM, "checkpoint: cannot store %s", name);
        for (int b = 0; b < n_bufs; b++) {
            snprintf(name, sizeof name, "optim/%s/%s", p->name, bufs[b].name);
            if (ae_runfile_ckpt_put_tensor(rf, name, p->value.ndim, shape,
                                           bufs[b].data + p->offset) != AE_OK)
                return ae_error_set(err, AE_ERR_NOMEM, "checkpoint: cannot store %s", name);
        }
    }
    if (ae_runfile_ckpt_put_int(rf, "optim_step", o->step) != AE_OK ||
        ae_runfile_ckpt_put_int(rf, "phase_index", (int64_t)phase) != AE_OK ||
        ae_runfile_ckpt_set_position(rf, phase_name, epochs_done) != AE_OK)
        return ae_error_set(err, AE_ERR_NOMEM, "checkpoint: out of memory");
    return AE_OK;
}

static ae_code restore_tensor(const ae_runfile *rf, const char *name, const ae_tensor *like,
                              float *dst, ae_error *err)
{
    int ndim;
    int64_t shape[4];
    const float *src = ae_runfile_ckpt_tensor(rf, name, &ndim, shape);
    if (!src)
        return ae_error_set(err, AE_ERR_FORMAT, "checkpoint has no '%s'", name);
    bool same = ndim == like->ndim;
    for (int d = 0; same && d < ndim; d++)
        same = shape[d] == like->shape[d];
    if (!same)
        return ae_error_set(err, AE_ERR_FORMAT, "checkpoint '%s' has another shape than the model's",
                            name);
    memcpy(dst, src, like->size * sizeof *dst);
    return AE_OK;
}

ae_code ae_checkpoint_restore(const ae_runfile *rf, ae_model *m, ae_optim *o, size_t *phase,
                              int *epochs_done, ae_error *err)
{
    char name[512];
    int64_t epoch = 0, step = 0, phase_index = 0;
    *phase = 0;
    *epochs_done = 0;
    if (ae_runfile_ckpt_count(rf) == 0)
        return AE_OK; /* killed before the first checkpoint: start from the initial parameters */
    const char *phase_name;
    if (!ae_runfile_ckpt_position(rf, &phase_name, &epoch) || epoch < 0 ||
        ae_runfile_ckpt_int(rf, "phase_index", &phase_index) != AE_OK || phase_index < 0)
        return ae_error_set(err, AE_ERR_FORMAT, "checkpoint has no position (phase, epoch)");
    for (size_t i = 0; i < m->params.count; i++) {
        ae_param *p = &m->params.items[i];
        snprintf(name, sizeof name, "params/%s", p->name);
        if (restore_tensor(rf, name, &p->value, p->value.data, err) != AE_OK)
            return err->code;
        if (!o)
            continue;
        ae_optim_buffer bufs[2];
        int n_bufs = ae_optim_buffers(o, bufs);
        for (int b = 0; b < n_bufs; b++) {
            snprintf(name, sizeof name, "optim/%s/%s", p->name, bufs[b].name);
            if (restore_tensor(rf, name, &p->value, bufs[b].data + p->offset, err) != AE_OK)
                return err->code;
        }
    }
    if (o) {
        if (ae_runfile_ckpt_int(rf, "optim_step", &step) != AE_OK)
            return ae_error_set(err, AE_ERR_FORMAT, "checkpoint has no optimizer step");
        o->step = step;
    }
    *phase = (size_t)phase_index;
    *epochs_done = (int)epoch;
    return AE_OK;
}

void ae_phase_apply_freeze(ae_model *m, const ae_phase_spec *phase)
{
    for (size_t p = 0; p < m->params.count; p++)
        m->params.items[p].frozen = true;
    for (size_t i = 0; i < m->spec->n_layers; i++) {
        if (!phase->trainable[i])
            continue;
        int slots[AE_LAYER_PARAM_SLOTS];
        ae_layer_param_slots(&m->lp[i], slots);
        for (int k = 0; k < AE_LAYER_PARAM_SLOTS; k++)
            if (slots[k] >= 0)
                m->params.items[slots[k]].frozen = false;
    }
}

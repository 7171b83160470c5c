/* Evaluation-mode passes over a dataset: mean losses, and per-layer outputs
 * (codes for `aelab encode`, reconstructions for `aelab reconstruct`). */
#include <string.h>

#include "train/train.h"

enum { EVAL_BATCH = 500 };

/* A view of samples [first, first+count) in the model's input shape: no copy. */
static ae_tensor slice(const ae_dataset *data, const ae_shape *sample, size_t first, size_t count)
{
    ae_tensor t = {0};
    int shape[4] = {(int)count};
    for (int d = 0; d < sample->ndim; d++)
        shape[d + 1] = sample->d[d];
    ae_tensor_set_shape(&t, sample->ndim + 1, shape);
    t.data = data->x + first * ae_dataset_sample_size(data);
    return t;
}

static ae_code check_input(const ae_experiment *exp, const ae_dataset *data, ae_error *err)
{
    if (ae_shape_size(&exp->model.input) != ae_dataset_sample_size(data))
        return ae_error_set(err, AE_ERR_SHAPE,
                            "the model's input has %zu values per sample, the data %zu",
                            ae_shape_size(&exp->model.input), ae_dataset_sample_size(data));
    return AE_OK;
}

ae_code ae_evaluate_on(ae_tape *t, ae_model *m, const ae_experiment *exp,
                      const ae_phase_spec *phase, const ae_dataset *data, ae_epoch_losses *out,
                      ae_error *err)
{
    memset(out, 0, sizeof *out);
    if (check_input(exp, data, err) != AE_OK)
        return err->code;
    bool was_training = t->training;
    t->training = false;
    ae_code code = AE_OK;
    for (size_t first = 0; first < data->n && code == AE_OK; first += EVAL_BATCH) {
        size_t count = data->n - first < EVAL_BATCH ? data->n - first : EVAL_BATCH;
        ae_tensor x = slice(data, &exp->model.input, first, count);
        ae_tape_reset(t);
        ae_loss_terms terms;
        code = ae_phase_loss(m, exp, phase, t, &x, 0, first / EVAL_BATCH, &terms, err);
        if (code != AE_OK)
            break;
        out->n = terms.n;
        out->total += terms.total->value.data[0] * (double)count;
        for (size_t i = 0; i < terms.n; i++) {
            out->name[i] = terms.name[i];
            out->value[i] += terms.value[i]->value.data[0] * (double)count;
        }
    }
    ae_tape_reset(t);
    t->training = was_training;
    if (code != AE_OK)
        return code;
    out->total /= (double)data->n;
    for (size_t i = 0; i < out->n; i++)
        out->value[i] /= (double)data->n;
    return AE_OK;
}

ae_code ae_evaluate(ae_model *m, const ae_experiment *exp, const ae_phase_spec *phase,
                    const ae_dataset *data, ae_epoch_losses *out, ae_error *err)
{
    ae_tape t;
    ae_tape_init(&t);
    ae_code code = ae_evaluate_on(&t, m, exp, phase, data, out, err);
    ae_tape_free(&t);
    return code;
}

ae_code ae_model_outputs(ae_model *m, const ae_experiment *exp, const ae_dataset *data,
                         int layer, float *out, ae_error *err)
{
    if (check_input(exp, data, err) != AE_OK)
        return err->code;
    size_t width = ae_shape_size(&exp->model.layers[layer].out_shape);
    ae_tape t;
    ae_tape_init(&t);
    t.training = false;
    ae_forward_ctx ctx = {.seed = exp->seed};
    ae_code code = AE_OK;
    for (size_t first = 0; first < data->n && code == AE_OK; first += EVAL_BATCH) {
        size_t count = data->n - first < EVAL_BATCH ? data->n - first : EVAL_BATCH;
        ae_tensor x = slice(data, &exp->model.input, first, count);
        ae_tape_reset(&t);
        ae_activations acts;
        code = ae_model_forward(m, &t, ae_tape_input(&t, &x), -1, layer, &ctx, &acts, err);
        if (code == AE_OK)
            memcpy(out + first * width, acts.out[layer]->value.data, count * width * sizeof(float));
    }
    ae_tape_free(&t);
    return code;
}

ae_code ae_model_decode(ae_model *m, const ae_experiment *exp, const float *codes, size_t n,
                        float *out, ae_error *err)
{
    const ae_model_spec *ms = &exp->model;
    const ae_shape *cs = &ms->layers[ms->code_layer].out_shape;
    size_t in_w = ae_shape_size(cs), out_w = ae_shape_size(&ms->layers[ms->output_layer].out_shape);
    ae_tape t;
    ae_tape_init(&t);
    t.training = false;
    ae_forward_ctx ctx = {.seed = exp->seed};
    ae_code code = AE_OK;
    for (size_t first = 0; first < n && code == AE_OK; first += EVAL_BATCH) {
        size_t count = n - first < EVAL_BATCH ? n - first : EVAL_BATCH;
        ae_tensor z = {0};
        int shape[4] = {(int)count};
        for (int d = 0; d < cs->ndim; d++)
            shape[d + 1] = cs->d[d];
        ae_tensor_set_shape(&z, cs->ndim + 1, shape);
        z.data = (float *)codes + first * in_w;
        ae_tape_reset(&t);
        ae_activations acts;
        code = ae_model_forward(m, &t, ae_tape_input(&t, &z), ms->code_layer, ms->output_layer,
                                &ctx, &acts, err);
        if (code == AE_OK && !acts.out[ms->output_layer])
            code = ae_error_set(err, AE_ERR_CONFIG,
                                "the output does not depend on the code layer '%s' alone",
                                ms->layers[ms->code_layer].name);
        if (code == AE_OK)
            memcpy(out + first * out_w, acts.out[ms->output_layer]->value.data,
                   count * out_w * sizeof(float));
    }
    ae_tape_free(&t);
    return code;
}

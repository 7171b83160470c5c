#include "test_reg_util.h"

#include <cblas.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "helpers.h"
#include "model/spec_read.h"
#include "train/batch.h"

void reg_one_thread(void)
{
    openblas_set_num_threads(1);
}

static void fail_diags(const ae_diags *d, const char *what)
{
    const ae_diag *first = d->count ? &d->items[0] : NULL;
    cr_assert_fail("%s: %zu error(s); first: %s:%d:%d: %s", what, d->count,
             first && first->file ? first->file : "?", first ? first->line : 0,
             first ? first->col : 0, first && first->msg ? first->msg : "?");
}

void reg_exp_load(reg_exp *e, const char *relative, const char *const *sets)
{
    char path[4096];
    test_srcpath(path, sizeof path, relative);
    ae_diags d;
    ae_diags_init(&d);
    memset(e, 0, sizeof *e);
    if (ae_cfg_load(path, &e->doc, &d) != 0)
        fail_diags(&d, path);
    for (size_t i = 0; sets && sets[i]; i++)
        if (ae_cfg_apply_override(e->doc, sets[i], &d) != 0)
            fail_diags(&d, sets[i]);
    if (ae_experiment_read(e->doc, &e->exp, &d) != AE_OK)
        fail_diags(&d, path);
    ae_diags_free(&d);
}

void reg_exp_load_string(reg_exp *e, const char *yaml)
{
    char path[4096];
    test_srcpath(path, sizeof path, "tests/reg-inline.yaml");
    ae_diags d;
    ae_diags_init(&d);
    memset(e, 0, sizeof *e);
    if (ae_cfg_load_string(yaml, path, &e->doc, &d) != 0 ||
        ae_experiment_read(e->doc, &e->exp, &d) != AE_OK)
        fail_diags(&d, "inline experiment");
    ae_diags_free(&d);
}

void reg_exp_free(reg_exp *e)
{
    ae_experiment_free(&e->exp);
    ae_cfg_free(e->doc);
    memset(e, 0, sizeof *e);
}

void reg_fashion(const char *split, size_t n, ae_dataset *out)
{
    if (!test_fashion_mnist_dir())
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    ae_error err = {0};
    cr_assert_eq(ae_data_load_named("fashion-mnist", split, n, out, &err), AE_OK, "%s", err.msg);
    cr_assert_eq(out->n, n);
}

void reg_fit(ae_model *m, const ae_experiment *exp, const ae_dataset *data)
{
    ae_error err = {0};
    ae_batcher b;
    cr_assert_eq(ae_batcher_init(&b, data, &exp->model.input, exp->train.batch_size, &err),
                 AE_OK, "%s", err.msg);
    ae_tape t;
    ae_tape_init(&t);
    uint64_t epoch = 0;
    for (size_t p = 0; p < exp->train.n_phases; p++) {
        const ae_phase_spec *phase = &exp->train.phases[p];
        ae_phase_apply_freeze(m, phase);
        ae_optim opt;
        cr_assert_eq(ae_optim_init(&opt, &phase->optim, &m->params, &err), AE_OK, "%s", err.msg);
        for (int e = 0; e < phase->epochs; e++, epoch++) {
            ae_batcher_shuffle(&b, exp->train.shuffle, exp->seed, epoch);
            for (size_t k = 0; k < ae_batcher_count(&b); k++) {
                ae_tensor x = ae_batcher_get(&b, k);
                ae_tape_reset(&t);
                t.training = true;
                ae_loss_terms terms;
                cr_assert_eq(ae_phase_loss(m, exp, phase, &t, &x, epoch, k, &terms, &err), AE_OK,
                             "%s", err.msg);
                ae_params_zero_grad(&m->params);
                cr_assert_eq(ae_tape_backward(&t, terms.total, &err), AE_OK, "%s", err.msg);
                cr_assert_eq(ae_optim_step(&opt, &m->params), AE_OK);
            }
        }
        ae_optim_free(&opt);
    }
    ae_tape_free(&t);
    ae_batcher_free(&b);
}

static float *outputs(ae_model *m, const ae_experiment *exp, const ae_dataset *data, int layer)
{
    size_t width = ae_shape_size(&exp->model.layers[layer].out_shape);
    float *out = malloc(data->n * width * sizeof *out);
    cr_assert_not_null(out);
    ae_error err = {0};
    cr_assert_eq(ae_model_outputs(m, exp, data, layer, out, &err), AE_OK, "%s", err.msg);
    return out;
}

double reg_mse(ae_model *m, const ae_experiment *exp, const ae_dataset *input,
               const ae_dataset *clean)
{
    size_t d = ae_dataset_sample_size(clean);
    cr_assert_eq(input->n, clean->n);
    cr_assert_eq(ae_shape_size(&exp->model.layers[exp->model.output_layer].out_shape), d);
    float *y = outputs(m, exp, input, exp->model.output_layer);
    double sum = 0;
    for (size_t i = 0; i < clean->n * d; i++) {
        double e = (double)y[i] - clean->x[i];
        sum += e * e;
    }
    free(y);
    return sum / (double)(clean->n * d);
}

double reg_mean_activation(ae_model *m, const ae_experiment *exp, const ae_dataset *data,
                           int layer)
{
    size_t width = ae_shape_size(&exp->model.layers[layer].out_shape);
    float *h = outputs(m, exp, data, layer);
    double sum = 0;
    for (size_t i = 0; i < data->n * width; i++)
        sum += h[i];
    free(h);
    return sum / (double)(data->n * width);
}

size_t reg_unit_means(ae_model *m, const ae_experiment *exp, const ae_dataset *data, int layer,
                      double *means)
{
    size_t width = ae_shape_size(&exp->model.layers[layer].out_shape);
    float *h = outputs(m, exp, data, layer);
    for (size_t j = 0; j < width; j++)
        means[j] = 0;
    for (size_t i = 0; i < data->n; i++)
        for (size_t j = 0; j < width; j++)
            means[j] += h[i * width + j];
    for (size_t j = 0; j < width; j++)
        means[j] /= (double)data->n;
    free(h);
    return width;
}

void reg_noisy_copy(const ae_dataset *data, float std, bool clip, uint64_t seed, ae_dataset *out)
{
    ae_error err = {0};
    cr_assert_eq(ae_dataset_alloc(out, data->n, data->c, data->h, data->w, 0, "noisy", &err),
                 AE_OK, "%s", err.msg);
    ae_rng r = ae_rng_stream(seed, AE_RNG_DATA, 7, 0);
    for (size_t i = 0; i < data->n * ae_dataset_sample_size(data); i++) {
        float v = data->x[i] + std * ae_rng_normal(&r);
        out->x[i] = clip ? fminf(fmaxf(v, 0.0f), 1.0f) : v;
    }
}

void reg_dataset_alloc(ae_dataset *out, size_t n, int d)
{
    ae_error err = {0};
    cr_assert_eq(ae_dataset_alloc(out, n, 1, 1, d, 0, "generated", &err), AE_OK, "%s", err.msg);
    memset(out->x, 0, n * (size_t)d * sizeof *out->x);
}

/* Tied weights (Hands-On ML, "Tying Weights"; handson/tied.yaml): the decoder's kernels
 * are the encoder's transposed, so the checkpoint holds half the weights of the untied
 * stack (handson/stacked-elu-l2.yaml), and the one shared kernel's gradient, which sums
 * its two uses, is right (finite differences over every parameter of a small tied
 * model). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "cli_util.h"
#include "gradcheck.h"
#include "helpers.h"
#include "model/loss.h"
#include "test_reg_util.h"

typedef struct weight_count {
    size_t kernels, kernel_values; /* params/<layer>/W */
    size_t biases, bias_values;    /* params/<layer>/b */
} weight_count;

/* Trains `file` for one short epoch with the real binary and counts its checkpoint. */
static weight_count run_and_count(const char *dir, const char *file, const char *name)
{
    char path[4096], run[4096], h5[4200];
    test_srcpath(path, sizeof path, file);
    cli_result r;
    cli_run(&r, dir, name,
            CLI_ARGS("run", path, "--set", "data.train_limit=300", "--set", "data.val_limit=100",
                     "--set", "train.epochs=1", "--out", dir, "--quiet", "--threads", "1"),
            NULL);
    cr_assert_eq(r.status, 0, "aelab run %s: %s", file, r.err);
    cli_result_free(&r);
    cli_find_run_dir(dir, name, run, sizeof run);
    snprintf(h5, sizeof h5, "%s/run.h5", run);
    ae_runfile *rf = cli_load_run(h5);
    weight_count c = {0};
    for (size_t i = 0; i < ae_runfile_ckpt_count(rf); i++) {
        const char *t = ae_runfile_ckpt_name_at(rf, i);
        if (strncmp(t, "params/", 7))
            continue;
        int ndim;
        int64_t shape[AE_RUNFILE_MAX_DIMS];
        cr_assert_not_null(ae_runfile_ckpt_tensor(rf, t, &ndim, shape));
        size_t values = 1;
        for (int d = 0; d < ndim; d++)
            values *= (size_t)shape[d];
        size_t len = strlen(t);
        bool kernel = len > 2 && !strcmp(t + len - 2, "/W"), bias = !strcmp(t + len - 2, "/b");
        cr_assert(kernel || bias, "unexpected parameter %s", t);
        if (kernel) {
            c.kernels++;
            c.kernel_values += values;
        } else {
            c.biases++;
            c.bias_values += values;
        }
    }
    ae_runfile_free(rf);
    return c;
}

Test(reg_tied, checkpoint_holds_half_the_weights)
{
    if (!test_fashion_mnist_dir())
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    char dir[4096];
    test_tmpdir(dir, sizeof dir);
    weight_count tied = run_and_count(dir, "experiments/handson/tied.yaml", "handson-tied");
    weight_count untied =
        run_and_count(dir, "experiments/handson/stacked-elu-l2.yaml", "handson-stacked-elu-l2");
    cr_log_info("kernels: tied %zu tensors, %zu values; untied %zu tensors, %zu values",
                tied.kernels, tied.kernel_values, untied.kernels, untied.kernel_values);
    /* 784·300 + 300·150 against twice that */
    cr_assert_eq(untied.kernel_values, 2 * (784 * 300 + 300 * 150));
    cr_assert_eq(2 * tied.kernel_values, untied.kernel_values);
    cr_assert_eq(tied.kernels, 2);
    cr_assert_eq(untied.kernels, 4);
    /* biases are never tied */
    cr_assert_eq(tied.biases, 4);
    cr_assert_eq(tied.bias_values, untied.bias_values);
    cli_rm_rf(dir);
}

/* A small tied stack with every kind of term it can carry: ELU, L2 on the shared kernels. */
static const char tiny_tied[] =
    "name: tiny-tied\n"
    "data: {dataset: fashion-mnist}\n"
    "model:\n"
    "  input: [6]\n"
    "  layers:\n"
    "    - {name: h1, type: dense, units: 4, activation: elu, kernel_initializer: he_normal}\n"
    "    - {name: h2, type: dense, units: 3, activation: elu, kernel_initializer: he_normal}\n"
    "    - {name: h3, type: dense, units: 4, activation: elu, tied_to: h2}\n"
    "    - {name: out, type: dense, units: 6, activation: linear, tied_to: h1}\n"
    "loss:\n"
    "  reconstruction: mse\n"
    "  terms: [{type: l2, weight: 0.05, layers: [h1, h2]}]\n"
    "train: {optimizer: {type: adam}, epochs: 1}\n";

typedef struct tied_ctx {
    ae_model *m;
    const ae_experiment *exp;
} tied_ctx;

static ae_node *build_tied(ae_tape *t, ae_node **vars, void *user)
{
    tied_ctx *c = user;
    const ae_phase_spec *phase = &c->exp->train.phases[0];
    ae_forward_ctx ctx = {.seed = c->exp->seed, .phase = phase};
    ae_activations acts;
    ae_error err;
    if (ae_model_forward(c->m, t, vars[0], -1, phase->output_layer, &ctx, &acts, &err) != AE_OK)
        return NULL;
    ae_loss_terms terms;
    if (ae_loss_build(c->m, &c->exp->loss, phase, t, &acts, vars[0], vars[0], &ctx, &terms,
                      &err) != AE_OK)
        return NULL;
    return terms.total;
}

Test(reg_tied, gradient_of_the_shared_kernels)
{
    reg_exp e;
    reg_exp_load_string(&e, tiny_tied);
    ae_model m;
    ae_error err = {0};
    cr_assert_eq(ae_model_init(&m, &e.exp.model, 3, &err), AE_OK, "%s", err.msg);
    /* one kernel per tied pair: h1/W, h1/b, h2/W, h2/b, h3/b, out/b */
    cr_assert_eq(m.params.count, 6);
    cr_assert_eq(m.lp[3].kernel, m.lp[0].kernel);
    cr_assert_eq(m.lp[2].kernel, m.lp[1].kernel);
    /* non-zero biases, so no ELU sits at its kink by accident of symmetry */
    for (size_t p = 0; p < m.params.count; p++)
        if (m.params.items[p].value.ndim == 1)
            gc_fill_uniform(&m.params.items[p].value, -0.3f, 0.3f, 100 + (unsigned)p);
    float xs[5 * 6];
    ae_tensor x = {0};
    ae_tensor_set_shape(&x, 2, (int[]){5, 6});
    x.data = xs;
    gc_fill_uniform(&x, -1.0f, 1.0f, 7);
    tied_ctx c = {&m, &e.exp};
    gc_assert(gc_check(&x, 1, &m.params, build_tied, &c, 1e-2f), 2e-3, "tied stack");
    ae_model_free(&m);
    reg_exp_free(&e);
}

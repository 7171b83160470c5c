/* End to end: a 784-32-784 autoencoder (sigmoid code, sigmoid output through BCE from logits,
 * Adam lr 1e-3, batch 64) trained through the tape on a fixed synthetic set must learn it.
 *
 * The data: 512 images made from 8 random prototype images plus N(0, 0.05²) pixel noise,
 * clipped to [0, 1]. The pass mark is derived from the data, not tuned:
 *   floor     H = mean over pixels of −[x log x + (1−x) log(1−x)]: BCE(x, p) ≥ H(x) for every
 *             pixel, so no model can go below it (going below means the loss is wrong);
 *   B_mean    the BCE of predicting every pixel's dataset mean: the best input-independent
 *             output, what a model that learned nothing about the input reaches;
 *   B_proto   the BCE of predicting each image's prototype mean (the average of its group):
 *             what a model that recognises which of the 8 prototypes it sees reaches. A 32-unit
 *             code can carry that identity (3 bits), but the noise is 784 independent values
 *             per image, so the code can only recover a sliver of it.
 * The model must close 90 % of the gap from B_mean to B_proto: loss ≤ B_proto + 0.1·(B_mean −
 * B_proto). A model that failed to separate even one prototype pair would miss that mark,
 * since each prototype is an eighth of the data and different prototypes differ on every
 * pixel. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/init.h"
#include "nn/optim.h"
#include "ops/ops.h"

enum { N = 512, D = 784, H = 32, B = 64, PROTOS = 8, EPOCHS = 150 };

static double bce(double x, double p)
{
    const double eps = 1e-7;
    p = fmin(fmax(p, eps), 1 - eps);
    return -(x * log(p) + (1 - x) * log(1 - p));
}

static double entropy(double x)
{
    return (x > 0 ? -x * log(x) : 0) + (x < 1 ? -(1 - x) * log(1 - x) : 0);
}

typedef struct model {
    ae_params ps;
    ae_param *w1, *b1, *w2, *b2;
} model;

/* the mean BCE of the model over rows [0, n) of x (eval mode, forward only) */
static ae_node *forward(ae_tape *t, model *m, const float *x, int n)
{
    ae_tensor xt = {0};
    ae_tensor_set_shape(&xt, 2, (int[]){n, D});
    xt.data = (float *)x;
    ae_node *in = ae_tape_input(t, &xt);
    ae_node *h = ae_dense(t, in, ae_tape_param(t, m->w1), ae_tape_param(t, m->b1), false);
    h = ae_activation(t, h, AE_ACT_SIGMOID, 0);
    ae_node *z = ae_dense(t, h, ae_tape_param(t, m->w2), ae_tape_param(t, m->b2), false);
    return ae_bce_logits_loss(t, z, in, AE_REDUCE_MEAN);
}

Test(e2e_dense, autoencoder_learns_the_prototypes, .timeout = 60)
{
    float *x = malloc((size_t)N * D * sizeof *x), *proto = malloc((size_t)PROTOS * D * sizeof *proto);
    int *label = malloc(N * sizeof *label);
    ae_rng r = ae_rng_stream(2024, AE_RNG_DATA, 0, 0);
    for (int k = 0; k < PROTOS * D; k++) /* a third of the pixels bright, the rest dark */
        proto[k] = ae_rng_uniform(&r) < 0.35f ? 0.75f + 0.25f * ae_rng_uniform(&r)
                                              : 0.1f * ae_rng_uniform(&r);
    for (int i = 0; i < N; i++) {
        label[i] = i % PROTOS;
        for (int j = 0; j < D; j++) {
            float v = proto[label[i] * D + j] + 0.05f * ae_rng_normal(&r);
            x[i * D + j] = fminf(fmaxf(v, 0.0f), 1.0f);
        }
    }

    /* the three reference losses, in double */
    double floor_h = 0, b_mean = 0, b_proto = 0;
    for (int j = 0; j < D; j++) {
        double mu = 0, group[PROTOS] = {0};
        for (int i = 0; i < N; i++) {
            mu += x[i * D + j];
            group[label[i]] += x[i * D + j];
        }
        mu /= N;
        for (int k = 0; k < PROTOS; k++)
            group[k] /= N / PROTOS;
        for (int i = 0; i < N; i++) {
            double v = x[i * D + j];
            floor_h += entropy(v);
            b_mean += bce(v, mu);
            b_proto += bce(v, group[label[i]]);
        }
    }
    floor_h /= (double)N * D, b_mean /= (double)N * D, b_proto /= (double)N * D;
    cr_assert(floor_h < b_proto && b_proto < b_mean, "references %g %g %g", floor_h, b_proto,
              b_mean);
    double pass = b_proto + 0.1 * (b_mean - b_proto);

    model m;
    ae_error err;
    ae_params_init(&m.ps);
    ae_params_declare(&m.ps, "enc/W", 2, (int[]){D, H}, &err);
    ae_params_declare(&m.ps, "enc/b", 1, (int[]){H}, &err);
    ae_params_declare(&m.ps, "dec/W", 2, (int[]){H, D}, &err);
    ae_params_declare(&m.ps, "dec/b", 1, (int[]){D}, &err);
    cr_assert_eq(ae_params_finalize(&m.ps, &err), AE_OK);
    m.w1 = &m.ps.items[0], m.b1 = &m.ps.items[1], m.w2 = &m.ps.items[2], m.b2 = &m.ps.items[3];
    ae_rng ri = ae_rng_stream(2024, AE_RNG_INIT, 0, 0);
    cr_assert_eq(ae_init_fill(m.w1, AE_INIT_GLOROT_UNIFORM, D, H, &ri, &err), AE_OK);
    cr_assert_eq(ae_init_fill(m.w2, AE_INIT_GLOROT_UNIFORM, H, D, &ri, &err), AE_OK);
    ae_optim_config oc = ae_optim_defaults(AE_OPTIM_ADAM);
    ae_optim opt;
    cr_assert_eq(ae_optim_init(&opt, &oc, &m.ps, &err), AE_OK);

    ae_tape t;
    ae_tape_init(&t);
    float *batch = malloc((size_t)B * D * sizeof *batch);
    uint32_t order[N];
    for (int i = 0; i < N; i++)
        order[i] = (uint32_t)i;
    float first = 0;
    for (int epoch = 0; epoch < EPOCHS; epoch++) {
        ae_rng rs = ae_rng_stream(2024, AE_RNG_SHUFFLE, (uint64_t)epoch, 0);
        ae_rng_shuffle_u32(&rs, order, N);
        for (int s = 0; s < N / B; s++) {
            for (int i = 0; i < B; i++)
                memcpy(batch + i * D, x + order[s * B + i] * D, D * sizeof *batch);
            ae_tape_reset(&t);
            ae_params_zero_grad(&m.ps);
            ae_node *loss = forward(&t, &m, batch, B);
            cr_assert_not_null(loss, "%s", t.err.msg);
            if (epoch == 0 && s == 0)
                first = loss->value.data[0];
            cr_assert_eq(ae_tape_backward(&t, loss, &err), AE_OK, "%s", err.msg);
            cr_assert_eq(ae_optim_step(&opt, &m.ps), AE_OK);
        }
    }
    ae_tape_reset(&t);
    t.training = false;
    ae_node *final = forward(&t, &m, x, N);
    cr_assert_not_null(final);
    double loss = final->value.data[0];
    cr_log_info("first batch %.4f; final %.4f; floor %.4f, B_proto %.4f, B_mean %.4f, pass %.4f",
                first, loss, floor_h, b_proto, b_mean, pass);
    cr_assert(loss >= floor_h - 1e-4, "loss %g below the entropy floor %g: the loss is wrong",
              loss, floor_h);
    cr_assert(loss <= pass, "loss %g did not reach %g (B_proto %g, B_mean %g)", loss, pass,
              b_proto, b_mean);

    ae_tape_free(&t);
    ae_optim_free(&opt);
    ae_params_free(&m.ps);
    free(batch);
    free(x);
    free(proto);
    free(label);
}

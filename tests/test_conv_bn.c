/* Batch normalisation: statistics in training, Keras' running update, evaluation with the
 * running statistics, replay leaving them alone, and the full gradient. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "ops/conv.h"

static ae_tensor tensor_new(int ndim, const int *shape)
{
    ae_tensor t = {0};
    cr_assert(ae_tensor_set_shape(&t, ndim, shape));
    t.data = calloc(t.size, sizeof(float));
    cr_assert_not_null(t.data);
    return t;
}

/* A store holding running mean (0) and variance (1) of c channels, both non-trainable. */
static void running_init(ae_params *ps, int c)
{
    ae_error err;
    ae_params_init(ps);
    cr_assert_geq(ae_params_declare(ps, "bn/moving_mean", 1, &c, &err), 0);
    cr_assert_geq(ae_params_declare(ps, "bn/moving_variance", 1, &c, &err), 0);
    cr_assert_eq(ae_params_finalize(ps, &err), AE_OK);
    ps->items[0].trainable = ps->items[1].trainable = false;
    for (int i = 0; i < c; i++)
        ps->items[1].value.data[i] = 1.0f;
}

/* Channel c of x gets mean 3c − 1 and spread (c + 1): statistics differ per channel. */
static void fill_channels(ae_tensor *x, unsigned seed)
{
    gc_fill_uniform(x, -1, 1, seed);
    int c = x->shape[1];
    size_t inner = x->size / (size_t)x->shape[0] / (size_t)c;
    for (size_t i = 0; i < x->size; i++) {
        int ch = (int)(i / inner % (size_t)c);
        x->data[i] = x->data[i] * (float)(ch + 1) + 3.0f * (float)ch - 1.0f;
    }
}

/* Mean and biased variance of channel ch of an N×C×inner tensor, in double. */
static void channel_stats(const ae_tensor *x, int ch, double *mean, double *var)
{
    int c = x->shape[1];
    size_t inner = x->size / (size_t)x->shape[0] / (size_t)c, m = 0;
    double s = 0, ss = 0;
    for (size_t i = 0; i < x->size; i++)
        if ((int)(i / inner % (size_t)c) == ch) {
            s += x->data[i];
            m++;
        }
    *mean = s / (double)m;
    for (size_t i = 0; i < x->size; i++)
        if ((int)(i / inner % (size_t)c) == ch)
            ss += (x->data[i] - *mean) * (x->data[i] - *mean);
    *var = ss / (double)m;
}

Test(conv_bn, training_output_is_normalised_per_channel)
{
    static const int shapes[][4] = {{8, 3, 5, 4}, {16, 5, 0, 0}};
    for (int k = 0; k < 2; k++) {
        int ndim = shapes[k][2] ? 4 : 2, c = shapes[k][1];
        ae_tensor x = tensor_new(ndim, shapes[k]);
        fill_channels(&x, 800 + (unsigned)k);
        ae_tensor g = tensor_new(1, &c), b = tensor_new(1, &c);
        for (int i = 0; i < c; i++) {
            g.data[i] = 0.5f + (float)i;
            b.data[i] = 1.0f - (float)i;
        }
        ae_params ps;
        running_init(&ps, c);
        ae_tape t;
        ae_tape_init(&t);
        const float eps = 1e-3f;
        ae_node *y = ae_batchnorm(&t, ae_tape_input(&t, &x), NULL, NULL, &ps.items[0],
                                  &ps.items[1], 0.99f, eps);
        ae_node *ya = ae_batchnorm(&t, ae_tape_input(&t, &x), ae_tape_input(&t, &g),
                                   ae_tape_input(&t, &b), &ps.items[0], &ps.items[1], 0.99f, eps);
        cr_assert_not_null(y, "%s", t.err.msg);
        cr_assert_not_null(ya, "%s", t.err.msg);
        for (int ch = 0; ch < c; ch++) {
            double xm, xv, m, v, ma, va;
            channel_stats(&x, ch, &xm, &xv);
            channel_stats(&y->value, ch, &m, &v);
            channel_stats(&ya->value, ch, &ma, &va);
            double shrink = xv / (xv + eps); /* the variance eps leaves */
            cr_expect(fabs(m) < 1e-5, "shape %d channel %d: mean %g", k, ch, m);
            cr_expect(fabs(v - shrink) < 1e-4, "shape %d channel %d: var %g, want %g", k, ch, v,
                      shrink);
            cr_expect(fabs(ma - b.data[ch]) < 1e-5, "affine mean %g", ma);
            cr_expect(fabs(va - g.data[ch] * g.data[ch] * shrink) < 1e-4 * (1 + va),
                      "affine var %g", va);
        }
        ae_tape_free(&t);
        ae_params_free(&ps);
        free(x.data);
        free(g.data);
        free(b.data);
    }
}

Test(conv_bn, running_update_uses_keras_rule_and_biased_variance)
{
    /* channel 0: 1,2,3,4 → mean 2.5, biased var 1.25 (unbiased 5/3);
     * channel 1: 0,0,0,8 → mean 2, biased var 12 (unbiased 16) */
    float xd[8] = {1, 0, 2, 0, 3, 0, 4, 8};
    ae_tensor x = {0};
    ae_tensor_set_shape(&x, 2, (int[]){4, 2});
    x.data = xd;
    ae_params ps;
    running_init(&ps, 2);
    ae_tape t;
    ae_tape_init(&t);
    cr_assert_not_null(ae_batchnorm(&t, ae_tape_input(&t, &x), NULL, NULL, &ps.items[0],
                                    &ps.items[1], 0.9f, 1e-3f));
    const float *rm = ps.items[0].value.data, *rv = ps.items[1].value.data;
    /* running = 0.9·running + 0.1·batch, from (0, 1) */
    cr_expect_float_eq(rm[0], 0.25f, 1e-6);
    cr_expect_float_eq(rm[1], 0.2f, 1e-6);
    cr_expect_float_eq(rv[0], 1.025f, 1e-6, "running var %g (unbiased would give 1.0667)", rv[0]);
    cr_expect_float_eq(rv[1], 2.1f, 1e-6, "running var %g (unbiased would give 2.5)", rv[1]);
    ae_tape_free(&t);
    ae_params_free(&ps);
}

Test(conv_bn, running_stats_converge_and_evaluation_uses_them)
{
    ae_tensor x = tensor_new(4, (int[]){6, 3, 4, 4});
    fill_channels(&x, 900);
    ae_params ps;
    running_init(&ps, 3);
    ae_tape t;
    ae_tape_init(&t);
    const float eps = 1e-3f;
    for (int step = 0; step < 1500; step++) { /* 0.99^1500 ≈ 3e-7 of the start remains */
        ae_tape_reset(&t);
        cr_assert_not_null(ae_batchnorm(&t, ae_tape_input(&t, &x), NULL, NULL, &ps.items[0],
                                        &ps.items[1], 0.99f, eps));
    }
    float *rm = ps.items[0].value.data, *rv = ps.items[1].value.data;
    for (int ch = 0; ch < 3; ch++) {
        double m, v;
        channel_stats(&x, ch, &m, &v);
        cr_expect(fabs(rm[ch] - m) < 1e-4 * (1 + fabs(m)), "channel %d: running mean %g vs %g", ch,
                  rm[ch], m);
        cr_expect(fabs(rv[ch] - v) < 1e-4 * (1 + v), "channel %d: running var %g vs %g", ch,
                  rv[ch], v);
    }
    /* evaluation: y = γ(x − running_mean)/sqrt(running_var + eps) + β, running stats untouched */
    rm[1] = 5.0f;
    rv[1] = 4.0f;
    float saved[6] = {rm[0], rm[1], rm[2], rv[0], rv[1], rv[2]};
    int c = 3;
    ae_tensor g = tensor_new(1, &c), b = tensor_new(1, &c);
    for (int i = 0; i < 3; i++) {
        g.data[i] = 2.0f + (float)i;
        b.data[i] = -1.0f + (float)i;
    }
    ae_tape_reset(&t);
    t.training = false;
    ae_node *y = ae_batchnorm(&t, ae_tape_input(&t, &x), ae_tape_input(&t, &g),
                              ae_tape_input(&t, &b), &ps.items[0], &ps.items[1], 0.99f, eps);
    cr_assert_not_null(y);
    size_t inner = 16;
    for (size_t i = 0; i < x.size; i++) {
        int ch = (int)(i / inner % 3);
        double want = g.data[ch] * (x.data[i] - rm[ch]) / sqrt(rv[ch] + (double)eps) + b.data[ch];
        cr_assert(fabs(y->value.data[i] - want) < 1e-5 * (1 + fabs(want)),
                  "eval element %zu: %g vs %g", i, y->value.data[i], want);
    }
    float now[6] = {rm[0], rm[1], rm[2], rv[0], rv[1], rv[2]};
    cr_assert_eq(memcmp(saved, now, sizeof now), 0, "evaluation moved the running statistics");
    ae_tape_free(&t);
    ae_params_free(&ps);
    free(x.data);
    free(g.data);
    free(b.data);
}

Test(conv_bn, replay_does_not_move_running_stats)
{
    ae_tensor x = tensor_new(4, (int[]){4, 2, 3, 3});
    fill_channels(&x, 950);
    ae_params ps;
    running_init(&ps, 2);
    ae_tape t;
    ae_tape_init(&t);
    ae_node *y = ae_batchnorm(&t, ae_tape_variable(&t, &x), NULL, NULL, &ps.items[0],
                              &ps.items[1], 0.9f, 1e-3f);
    cr_assert_not_null(y);
    float after_build[4];
    memcpy(after_build, ps.items[0].value.data, 2 * sizeof(float));
    memcpy(after_build + 2, ps.items[1].value.data, 2 * sizeof(float));
    cr_assert_neq(after_build[1], 0.0f, "the build itself must update the running mean");
    for (int i = 0; i < 3; i++) {
        x.data[i] += 1.0f; /* what a finite-difference replay does */
        ae_tape_replay(&t);
    }
    float *seed = calloc(y->value.size, sizeof *seed);
    seed[0] = 1;
    ae_error err;
    cr_assert_eq(ae_tape_backward_seeded(&t, y, seed, &err), AE_OK);
    ae_tape_replay(&t);
    cr_assert_eq(memcmp(after_build, ps.items[0].value.data, 2 * sizeof(float)), 0);
    cr_assert_eq(memcmp(after_build + 2, ps.items[1].value.data, 2 * sizeof(float)), 0);
    free(seed);
    ae_tape_free(&t);
    ae_params_free(&ps);
    free(x.data);
}

typedef struct bn_ctx {
    ae_params *running;
    bool training, affine;
} bn_ctx;

static ae_node *build_bn(ae_tape *t, ae_node **v, void *ctx)
{
    bn_ctx *c = ctx;
    t->training = c->training;
    return ae_batchnorm(t, v[0], c->affine ? v[1] : NULL, c->affine ? v[2] : NULL,
                        &c->running->items[0], &c->running->items[1], 0.9f, 1e-3f);
}

/* Tolerance 1e-3 with h = 1e-2. Evaluation mode is affine in x, γ, β (bilinear), so only float
 * rounding enters. Training mode is smooth but not polynomial: the truncation error of central
 * differences is h²/6·|∂³L|; with per-channel standard deviations ≥ 0.5 (1/σ ≤ 2) and ≥ 18
 * values per channel it stays near 1e-5. Dropping the terms through the batch mean or
 * variance changes gradients by O(1/M) ≈ 5e-2, far above the tolerance. */
Test(conv_bn, gradients)
{
    static const int shapes[][4] = {{3, 2, 3, 3}, {2, 3, 3, 4}, {18, 4, 0, 0}};
    for (int k = 0; k < 3; k++)
        for (int mode = 0; mode < 3; mode++) { /* training, evaluation, training without γ/β */
            int ndim = shapes[k][2] ? 4 : 2, c = shapes[k][1];
            ae_tensor v[3] = {tensor_new(ndim, shapes[k]), tensor_new(1, &c), tensor_new(1, &c)};
            fill_channels(&v[0], 1000 + (unsigned)k);
            gc_fill_uniform(&v[1], 0.5f, 2.0f, 1100 + (unsigned)k);
            gc_fill_uniform(&v[2], -1.0f, 1.0f, 1200 + (unsigned)k);
            ae_params ps;
            running_init(&ps, c);
            for (int i = 0; i < c; i++) { /* evaluation reads these */
                ps.items[0].value.data[i] = 0.3f * (float)i;
                ps.items[1].value.data[i] = 0.5f + (float)i;
            }
            bn_ctx ctx = {&ps, mode != 1, mode != 2};
            char what[64];
            snprintf(what, sizeof what, "batchnorm shape %d mode %d", k, mode);
            gc_assert(gc_check(v, mode == 2 ? 1 : 3, NULL, build_bn, &ctx, 1e-2f), 1e-3, what);
            ae_params_free(&ps);
            for (int i = 0; i < 3; i++)
                free(v[i].data);
        }
}

Test(conv_bn, errors)
{
    int c = 3;
    ae_tensor x = tensor_new(4, (int[]){2, 3, 2, 2}), x3 = tensor_new(3, (int[]){2, 3, 2});
    ae_tensor g2 = tensor_new(1, (int[]){2});
    ae_params ps, ps2;
    running_init(&ps, c);
    running_init(&ps2, 2);
    ae_param *rm = &ps.items[0], *rv = &ps.items[1];
    ae_tape t;
    ae_tape_init(&t);
#define IN(v) ae_tape_input(&t, &(v))
#define EXPECT_FAIL(call, needle)                                                               \
    do {                                                                                        \
        cr_assert_null(call);                                                                   \
        cr_assert(strstr(t.err.msg, needle) != NULL, "message '%s' lacks '%s'", t.err.msg,      \
                  needle);                                                                      \
        ae_tape_reset(&t);                                                                      \
    } while (0)
    EXPECT_FAIL(ae_batchnorm(&t, IN(x3), NULL, NULL, rm, rv, 0.99f, 1e-3f), "N×F or N×C×H×W");
    EXPECT_FAIL(ae_batchnorm(&t, IN(x), IN(g2), NULL, rm, rv, 0.99f, 1e-3f), "gamma and beta");
    EXPECT_FAIL(ae_batchnorm(&t, IN(x), NULL, NULL, &ps2.items[0], &ps2.items[1], 0.99f, 1e-3f),
                "shape [3]");
    EXPECT_FAIL(ae_batchnorm(&t, IN(x), NULL, NULL, NULL, rv, 0.99f, 1e-3f), "running");
    EXPECT_FAIL(ae_batchnorm(&t, IN(x), NULL, NULL, rm, rv, 1.5f, 1e-3f), "momentum");
    EXPECT_FAIL(ae_batchnorm(&t, IN(x), NULL, NULL, rm, rv, 0.99f, 0.0f), "epsilon");
    rv->trainable = true;
    EXPECT_FAIL(ae_batchnorm(&t, IN(x), NULL, NULL, rm, rv, 0.99f, 1e-3f), "non-trainable");
#undef EXPECT_FAIL
#undef IN
    ae_tape_free(&t);
    ae_params_free(&ps);
    ae_params_free(&ps2);
    free(x.data);
    free(x3.data);
    free(g2.data);
}

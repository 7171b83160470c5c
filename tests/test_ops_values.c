/* Forward values of the dense-family ops against hand-computed numbers and double-precision
 * libm references; dropout/noise statistics; eval mode; shape errors. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "ops/ops.h"

static ae_tape tape;

static void setup(void)
{
    ae_tape_init(&tape);
}

static void teardown(void)
{
    ae_tape_free(&tape);
}

/* A constant (or, with grad, a variable) leaf over data, shaped rows × cols (rows 0: 1-D). */
static ae_node *leaf(float *data, int rows, int cols, bool grad)
{
    ae_tensor v = {0};
    if (rows)
        cr_assert(ae_tensor_set_shape(&v, 2, (int[]){rows, cols}));
    else
        cr_assert(ae_tensor_set_shape(&v, 1, (int[]){cols}));
    v.data = data;
    return grad ? ae_tape_variable(&tape, &v) : ae_tape_input(&tape, &v);
}

static float loss_of(ae_node *n)
{
    cr_assert_not_null(n, "op failed: %s", tape.err.msg);
    cr_assert_eq(n->value.size, 1);
    return n->value.data[0];
}

#define assert_close(got, want, rel)                                                               \
    cr_assert(fabs((double)(got) - (want)) <= (rel) * fmax(1.0, fabs(want)), "%s = %.9g, want %.9g", \
              #got, (double)(got), (double)(want))

TestSuite(ops_values, .init = setup, .fini = teardown);

/* ---- losses against hand-computed values ---- */

Test(ops_values, bce_of_known_probabilities)
{
    float p[4] = {0.9f, 0.2f, 0.5f, 0.7f}, y[4] = {1, 0, 1, 0.25f};
    /* −[y log p + (1−y) log(1−p)] per element */
    double e[4] = {-log(0.9), -log(0.8), -log(0.5), -(0.25 * log(0.7) + 0.75 * log(0.3))};
    double sum = e[0] + e[1] + e[2] + e[3];
    ae_node *pn = leaf(p, 2, 2, false), *yn = leaf(y, 2, 2, false);
    assert_close(loss_of(ae_bce_loss(&tape, pn, yn, AE_REDUCE_MEAN)), sum / 4, 1e-6);
    /* per-sample sums (2 features) averaged over 2 samples */
    assert_close(loss_of(ae_bce_loss(&tape, pn, yn, AE_REDUCE_SUM_FEATURES)), sum / 2, 1e-6);
}

Test(ops_values, bce_clamps_certain_mistakes)
{
    /* p = 0 for a 1 target would be −log 0: the clamp at eps = 1e-7 gives −log(1e-7) ≈ 16.118.
     * p = 1 for a 0 target clamps to 1 − 1e-7, which in float is 1 − 2^-23 (as in Keras'
     * float32 clip), so that term is −log(2^-23) ≈ 15.942. */
    float p[2] = {0.0f, 1.0f}, y[2] = {1.0f, 0.0f};
    float l = loss_of(ae_bce_loss(&tape, leaf(p, 0, 2, false), leaf(y, 0, 2, false), AE_REDUCE_MEAN));
    cr_assert(isfinite(l));
    double hi = (double)(1.0f - 1e-7f);
    assert_close(l, (-log((double)1e-7f) - log(1 - hi)) / 2, 1e-6);
}

Test(ops_values, mse_known_values_and_reductions)
{
    float p[6] = {1, 2, 3, 0, 0, 0.5f}, y[6] = {1, 0, 0, 1, -1, 0.5f};
    double sq = 0 + 4 + 9 + 1 + 1 + 0;
    assert_close(loss_of(ae_mse_loss(&tape, leaf(p, 2, 3, false), leaf(y, 2, 3, false),
                                     AE_REDUCE_MEAN)),
                 sq / 6, 1e-6);
    assert_close(loss_of(ae_mse_loss(&tape, leaf(p, 2, 3, false), leaf(y, 2, 3, false),
                                     AE_REDUCE_SUM_FEATURES)),
                 sq / 2, 1e-6);
    assert_close(loss_of(ae_mse_loss(&tape, leaf(p, 6, 1, false), leaf(y, 6, 1, false),
                                     AE_REDUCE_SUM_FEATURES)),
                 sq / 6, 1e-6);
}

/* reference BCE of a logit in double: the naive formula is fine for moderate z */
static double bce_ref(double z, double y)
{
    double s = 1 / (1 + exp(-z));
    return -(y * log(s) + (1 - y) * log(1 - s));
}

Test(ops_values, bce_logits_matches_bce_of_sigmoid)
{
    enum { N = 203 }; /* 25 full vectors and a tail of 3 */
    float z[N], y[N], p[N];
    ae_rng r = ae_rng_stream(3, AE_RNG_DATA, 0, 0);
    double ref = 0;
    for (int i = 0; i < N; i++) {
        z[i] = 16 * ae_rng_uniform(&r) - 8;
        y[i] = ae_rng_uniform(&r);
        ref += bce_ref(z[i], y[i]);
    }
    ae_node *zn = leaf(z, 0, N, false), *yn = leaf(y, 0, N, false);
    float lz = loss_of(ae_bce_logits_loss(&tape, zn, yn, AE_REDUCE_MEAN));
    assert_close(lz, ref / N, 2e-6);
    ae_node *s = ae_activation(&tape, zn, AE_ACT_SIGMOID, 0);
    memcpy(p, s->value.data, sizeof p);
    float lp = loss_of(ae_bce_loss(&tape, leaf(p, 0, N, false), yn, AE_REDUCE_MEAN));
    assert_close(lz, lp, 1e-5);
}

Test(ops_values, bce_logits_is_finite_at_extremes)
{
    float z[4] = {100, 100, -100, -100}, y[4] = {1, 0, 1, 0};
    ae_node *zn = leaf(z, 0, 4, true);
    ae_node *l = ae_bce_logits_loss(&tape, zn, leaf(y, 0, 4, false), AE_REDUCE_SUM_FEATURES);
    /* confident and right: 0; confident and wrong: |z| = 100 */
    assert_close(loss_of(l), (0 + 100 + 100 + 0) / 4.0, 1e-6);
    ae_error err;
    cr_assert_eq(ae_tape_backward(&tape, l, &err), AE_OK);
    float want[4] = {0, 1, -1, 0}; /* (σ(z) − y)/4 */
    for (int i = 0; i < 4; i++)
        assert_close(zn->grad[i], want[i] / 4, 1e-6);
}

Test(ops_values, bce_logits_gradient_is_sigmoid_minus_target)
{
    float z[3] = {-2, 0.5f, 3}, y[3] = {0.1f, 1, 0.5f};
    ae_node *zn = leaf(z, 1, 3, true);
    ae_node *l = ae_bce_logits_loss(&tape, zn, leaf(y, 1, 3, false), AE_REDUCE_MEAN);
    ae_error err;
    cr_assert_eq(ae_tape_backward(&tape, l, &err), AE_OK);
    for (int i = 0; i < 3; i++)
        assert_close(zn->grad[i], (1 / (1 + exp(-(double)z[i])) - y[i]) / 3, 1e-6);
}

Test(ops_values, nan_propagates_to_the_loss)
{
    float z[9] = {0, 1, 2, 3, 4, 5, 6, 7, NAN}, y[9] = {0};
    cr_assert(isnan(loss_of(ae_bce_logits_loss(&tape, leaf(z, 0, 9, false), leaf(y, 0, 9, false),
                                               AE_REDUCE_MEAN))));
    ae_node *s = ae_activation(&tape, leaf(z, 0, 9, false), AE_ACT_SIGMOID, 0);
    cr_assert(isnan(s->value.data[8]), "sigmoid(NaN) must stay NaN so divergence is seen");
    ae_node *rl = ae_activation(&tape, leaf(z, 0, 9, false), AE_ACT_RELU, 0);
    cr_assert(isnan(rl->value.data[8]));
}

Test(ops_values, kl_sparsity_known_value)
{
    /* every unit's mean activation is 0.5: KL(0.1‖0.5) = 0.1 log(0.2) + 0.9 log(1.8) per unit */
    float a[6] = {0.25f, 0.75f, 0.5f, 0.75f, 0.25f, 0.5f}; /* 2 rows × 3 units */
    double per_unit = 0.1 * log(0.1 / 0.5) + 0.9 * log(0.9 / 0.5);
    assert_close(loss_of(ae_kl_sparsity(&tape, leaf(a, 2, 3, false), 0.1f)), 3 * per_unit, 1e-6);
    /* a unit exactly at the target costs nothing */
    float b[2] = {0.05f, 0.15f};
    assert_close(loss_of(ae_kl_sparsity(&tape, leaf(b, 2, 1, false), 0.1f)), 0.0, 1e-6);
}

Test(ops_values, penalties_known_values)
{
    float x[5] = {1, -2, 0.5f, 0, -0.25f};
    assert_close(loss_of(ae_l1_penalty(&tape, leaf(x, 0, 5, false))), 3.75, 1e-7);
    assert_close(loss_of(ae_l2_penalty(&tape, leaf(x, 0, 5, false))), 1 + 4 + 0.25 + 0.0625, 1e-7);
}

/* ---- activations against double-precision references ---- */

static double ref_act(ae_act k, double x, double alpha)
{
    switch (k) {
    case AE_ACT_RELU: return x > 0 ? x : 0;
    case AE_ACT_LEAKY_RELU: return x > 0 ? x : alpha * x;
    case AE_ACT_ELU: return x > 0 ? x : alpha * expm1(x);
    case AE_ACT_SIGMOID: return 1 / (1 + exp(-x));
    case AE_ACT_TANH: return tanh(x);
    case AE_ACT_SOFTPLUS: return x > 0 ? x + log1p(exp(-x)) : log1p(exp(x));
    default: return x;
    }
}

Test(ops_values, activations_match_double_references)
{
    enum { N = 4001 };
    float *x = malloc(N * sizeof *x);
    for (int i = 0; i < N; i++) /* −20..20 in steps of 0.01, then extremes */
        x[i] = (float)(-20 + 0.01 * i);
    x[0] = -100, x[1] = 100, x[2] = -87.5f, x[3] = 88.5f, x[4] = 1e-6f, x[5] = -1e-6f;
    ae_node *xn = leaf(x, 0, N, false);
    for (ae_act k = AE_ACT_RELU; k <= AE_ACT_SOFTPLUS; k++) {
        float alpha = k == AE_ACT_LEAKY_RELU ? 0.3f : 1.0f;
        ae_node *y = ae_activation(&tape, xn, k, alpha);
        cr_assert_not_null(y);
        for (int i = 0; i < N; i++) {
            double want = ref_act(k, x[i], alpha), got = y->value.data[i];
            /* relative 4e-7 (6.7 float ulp; the worst measured over [-30, 30] is 4.6 ulp, for
             * softplus), absolute 1e-37 where e^-|x| falls below the exponential's clamp at
             * e^-87.3 */
            cr_assert(fabs(got - want) <= 4e-7 * fabs(want) + 1e-37,
                      "%s(%.9g) = %.9g, want %.9g", ae_act_name(k), (double)x[i], got, want);
            cr_assert(isfinite(got));
        }
    }
    cr_assert_eq(ae_activation(&tape, xn, AE_ACT_LINEAR, 0), xn, "linear returns x itself");
    free(x);
}

Test(ops_values, activation_names_round_trip)
{
    for (ae_act k = AE_ACT_LINEAR; k <= AE_ACT_SOFTPLUS; k++)
        cr_assert_eq(ae_act_from_name(ae_act_name(k)), (int)k);
    cr_assert_eq(ae_act_from_name("swish"), -1);
    cr_assert_eq(ae_act_from_name("Relu"), -1);
}

/* ---- reductions ---- */

Test(ops_values, sum_and_mean_values)
{
    float x[6] = {1, 2, 3, 4, 5, 6}; /* [[1 2 3] [4 5 6]] */
    ae_node *xn = leaf(x, 2, 3, false);
    ae_node *s0 = ae_sum(&tape, xn, 0), *m1 = ae_mean(&tape, xn, 1), *all = ae_mean(&tape, xn, -1);
    cr_assert_eq(s0->value.ndim, 1);
    cr_assert_eq(s0->value.shape[0], 3);
    float want0[3] = {5, 7, 9}, want1[2] = {2, 5};
    for (int i = 0; i < 3; i++)
        cr_assert_float_eq(s0->value.data[i], want0[i], 1e-6);
    for (int i = 0; i < 2; i++)
        cr_assert_float_eq(m1->value.data[i], want1[i], 1e-6);
    cr_assert_float_eq(loss_of(all), 3.5f, 1e-6);
}

/* ---- dropout and noise ---- */

Test(ops_values, dropout_keep_fraction_and_scaling)
{
    enum { N = 100000 };
    float *x = malloc(N * sizeof *x);
    for (int i = 0; i < N; i++)
        x[i] = 1.0f + (float)(i % 7);
    ae_rng r = ae_rng_stream(4, AE_RNG_DROPOUT, 0, 0);
    const float keep = 0.7f;
    ae_node *y = ae_dropout(&tape, leaf(x, 0, N, false), keep, &r);
    cr_assert_not_null(y);
    size_t kept = 0;
    double sum_x = 0, sum_y = 0;
    for (int i = 0; i < N; i++) {
        if (y->value.data[i] != 0) {
            kept++;
            cr_assert_float_eq(y->value.data[i], x[i] / keep, 1e-6, "kept values scale by 1/keep");
        }
        sum_x += x[i];
        sum_y += y->value.data[i];
    }
    /* binomial: std of the kept fraction is sqrt(0.7·0.3/N) = 0.00145; allow 5 std */
    double frac = (double)kept / N;
    cr_assert(fabs(frac - keep) < 5 * sqrt(keep * (1 - keep) / N), "kept fraction %g", frac);
    /* inverted dropout keeps the expected sum: relative std ≈ sqrt(0.3/0.7/N)·(cv) < 0.003 */
    cr_assert(fabs(sum_y / sum_x - 1) < 0.01, "sum ratio %g", sum_y / sum_x);
    free(x);
}

Test(ops_values, dropout_replay_reuses_the_mask)
{
    float x[64];
    for (int i = 0; i < 64; i++)
        x[i] = 1;
    ae_rng r = ae_rng_stream(5, AE_RNG_DROPOUT, 0, 0);
    ae_node *y = ae_dropout(&tape, leaf(x, 0, 64, false), 0.5f, &r);
    float first[64];
    memcpy(first, y->value.data, sizeof first);
    for (int i = 0; i < 64; i++)
        x[i] = 3;
    ae_tape_replay(&tape);
    for (int i = 0; i < 64; i++)
        cr_assert_eq(y->value.data[i], 3 * first[i]);
}

Test(ops_values, eval_mode_is_identity)
{
    float x[8] = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f, 0.7f, 0.8f};
    tape.training = false;
    ae_node *xn = leaf(x, 0, 8, false);
    size_t before = tape.n_nodes;
    ae_rng r = ae_rng_stream(6, AE_RNG_NOISE, 0, 0), untouched = r;
    cr_assert_eq(ae_dropout(&tape, xn, 0.5f, &r), xn);
    cr_assert_eq(ae_gaussian_noise(&tape, xn, 0.3f, true, &r), xn);
    cr_assert_eq(tape.n_nodes, before, "no node is recorded in eval mode");
    cr_assert(memcmp(&r, &untouched, sizeof r) == 0, "no random draw in eval mode");
    /* keep = 1 is the identity in training too */
    tape.training = true;
    cr_assert_eq(ae_dropout(&tape, xn, 1.0f, &r), xn);
}

Test(ops_values, gaussian_noise_statistics_and_clip)
{
    enum { N = 50000 };
    float *x = calloc(N, sizeof *x);
    for (int i = 0; i < N; i++)
        x[i] = 0.5f;
    ae_rng r = ae_rng_stream(7, AE_RNG_NOISE, 0, 0);
    ae_node *xn = leaf(x, 0, N, true);
    ae_node *y = ae_gaussian_noise(&tape, xn, 0.2f, false, &r);
    double s = 0, s2 = 0;
    for (int i = 0; i < N; i++) {
        double d = y->value.data[i] - 0.5;
        s += d, s2 += d * d;
    }
    /* mean within 5 std errors (0.2/sqrt(N) ≈ 9e-4); std within 2 % (its std error is 0.3 %) */
    cr_assert(fabs(s / N) < 5 * 0.2 / sqrt(N), "noise mean %g", s / N);
    cr_assert(fabs(sqrt(s2 / N) / 0.2 - 1) < 0.02, "noise std %g", sqrt(s2 / N));
    ae_node *yc = ae_gaussian_noise(&tape, xn, 1.0f, true, &r);
    ae_node *loss = ae_sum(&tape, yc, -1);
    ae_error err;
    cr_assert_eq(ae_tape_backward(&tape, loss, &err), AE_OK);
    size_t clipped = 0;
    for (int i = 0; i < N; i++) {
        float v = yc->value.data[i];
        cr_assert(v >= 0 && v <= 1);
        if (v == 0 || v == 1) {
            clipped++;
            cr_assert_eq(xn->grad[i], 0.0f, "a clipped value passes no gradient");
        } else {
            cr_assert_eq(xn->grad[i], 1.0f);
        }
    }
    /* P(|N(0,1)| > 0.5) = 0.617 */
    cr_assert(fabs((double)clipped / N - 0.617) < 0.02, "clipped fraction %g", (double)clipped / N);
    free(x);
}

/* ---- shape errors: NULL, one message naming the op, no crash ---- */

Test(ops_values, shape_errors_name_the_op)
{
    float d[24] = {0};
    const char *want[] = {"bias_add", "add",     "mul",         "sum",        "reshape",
                          "mse",      "bce_logits", "dropout", "kl_sparsity", "matmul_add"};
    for (int i = 0; i < 10; i++) {
        ae_tape_reset(&tape);
        ae_node *x23 = leaf(d, 2, 3, false), *x32 = leaf(d, 3, 2, false), *b2 = leaf(d, 0, 2, false);
        ae_rng r = ae_rng_stream(0, AE_RNG_DROPOUT, 0, 0);
        ae_node *y = NULL;
        switch (i) {
        case 0: y = ae_bias_add(&tape, x23, b2); break;
        case 1: y = ae_add(&tape, x23, x32); break;
        case 2: y = ae_mul(&tape, x23, x32); break;
        case 3: y = ae_sum(&tape, x23, 2); break;
        case 4: y = ae_reshape(&tape, x23, 2, (int[]){4, 2}); break;
        case 5: y = ae_mse_loss(&tape, x23, x32, AE_REDUCE_MEAN); break;
        case 6: y = ae_bce_logits_loss(&tape, x23, b2, AE_REDUCE_MEAN); break;
        case 7: y = ae_dropout(&tape, x23, 1.5f, &r); break;
        case 8: y = ae_kl_sparsity(&tape, x23, 1.0f); break;
        default: y = ae_matmul_add(&tape, x23, x32, x32, false, false); break; /* addend not 2×2 */
        }
        cr_assert_null(y, "%s accepted a bad input", want[i]);
        cr_assert(tape.failed);
        cr_assert(strncmp(tape.err.msg, want[i], strlen(want[i])) == 0, "message: %s", tape.err.msg);
        /* downstream builders return NULL without replacing the first message */
        char first[256];
        snprintf(first, sizeof first, "%s", tape.err.msg);
        cr_assert_null(ae_activation(&tape, y, AE_ACT_RELU, 0));
        cr_assert_null(ae_bce_logits_loss(&tape, y, y, AE_REDUCE_MEAN));
        cr_assert_str_eq(tape.err.msg, first);
    }
}

Test(ops_values, bias_add_4d_broadcasts_over_channels)
{
    float x[2 * 3 * 2] = {0}, b[3] = {1, 2, 3}; /* N=1, C=3, H=2, W=2 */
    ae_tensor xt = {0}, bt = {0};
    ae_tensor_set_shape(&xt, 4, (int[]){1, 3, 2, 2});
    ae_tensor_set_shape(&bt, 1, (int[]){3});
    xt.data = x, bt.data = b;
    ae_node *y = ae_bias_add(&tape, ae_tape_input(&tape, &xt), ae_tape_input(&tape, &bt));
    cr_assert_not_null(y);
    for (int c = 0; c < 3; c++)
        for (int k = 0; k < 4; k++)
            cr_assert_eq(y->value.data[c * 4 + k], b[c]);
}

/* ae_normal_fill against Box-Muller in double from the same uniforms: every value, at counts
 * that end inside either half of a 16-value block; then the distribution (moments, tails, no
 * correlation within or across pairs). */
static void normal_reference(ae_rng *r, double *ref, size_t n, double scale)
{
    for (size_t i = 0; i < n; i += 16)
        for (size_t k = 0; k < 8; k++) {
            uint64_t bits = ae_rng_next(r);
            double u1 = ((double)(bits >> 40) + 0.5) * 0x1.0p-24;
            double u2 = (double)((bits >> 16) & 0xffffff) * 0x1.0p-24;
            double radius = sqrt(-2.0 * log(u1)) * scale;
            if (i + k < n)
                ref[i + k] = radius * cos(2.0 * M_PI * u2);
            if (i + 8 + k < n)
                ref[i + 8 + k] = radius * sin(2.0 * M_PI * u2);
        }
}

Test(ops_values, normal_fill_equals_double_box_muller)
{
    static float v[4099 + 1]; /* + the sentinel */
    static double ref[4099];
    const size_t counts[] = {1, 5, 8, 11, 16, 4099};
    double worst = 0;
    for (size_t c = 0; c < sizeof counts / sizeof *counts; c++) {
        ae_rng a = ae_rng_stream(9, AE_RNG_NOISE, c, 0), b = a;
        v[counts[c]] = 12345.0f;
        ae_normal_fill(&a, v, counts[c], 0.5f);
        normal_reference(&b, ref, counts[c], 0.5);
        for (size_t i = 0; i < counts[c]; i++) {
            double err = fabs(v[i] - ref[i]);
            worst = err > worst ? err : worst;
            cr_assert(err < 1e-6, "count %zu, value %zu: %.9g vs %.9g", counts[c], i, v[i], ref[i]);
        }
        cr_assert_eq(v[counts[c]], 12345.0f, "count %zu: wrote past the end", counts[c]);
        cr_assert_eq(a.s[0], b.s[0], "count %zu: drew a different number of uniforms", counts[c]);
    }
    cr_log_info("normal_fill: worst absolute error %.2g at scale 0.5", worst);
}

Test(ops_values, normal_fill_distribution)
{
    enum { N = 1 << 20 };
    float *v = malloc(N * sizeof *v);
    cr_assert_not_null(v);
    ae_rng r = ae_rng_stream(42, AE_RNG_NOISE, 0, 0);
    ae_normal_fill(&r, v, N, 1.0f);
    double s = 0, s2 = 0, s4 = 0, within = 0, across = 0, top = 0;
    size_t beyond2 = 0;
    for (size_t i = 0; i < N; i++) {
        double x = v[i];
        s += x, s2 += x * x, s4 += x * x * x * x;
        beyond2 += fabs(x) > 2.0;
        top = fabs(x) > top ? fabs(x) : top;
        if (i % 16 < 8) /* cos and sin of one pair sit 8 apart */
            within += x * v[i + 8];
        else if (i + 8 < N)
            across += x * v[i + 8];
    }
    double mean = s / N, var = s2 / N - mean * mean;
    cr_assert(fabs(mean) < 0.005, "mean %g", mean);
    cr_assert(fabs(var - 1) < 0.005, "variance %g", var);
    cr_assert(fabs(s4 / N - 3) < 0.05, "fourth moment %g (3 for a normal)", s4 / N);
    /* P(|x| > 2) = 0.0455; binomial sd over 2^20 draws ≈ 0.0002 */
    cr_assert(fabs((double)beyond2 / N - 0.0455) < 0.001, "P(|x| > 2) = %g", (double)beyond2 / N);
    cr_assert(top > 4.5 && top <= 5.9, "largest |x| %g", top);
    cr_assert(fabs(within / (N / 2)) < 0.005, "within-pair correlation %g", within / (N / 2));
    cr_assert(fabs(across / (N / 2)) < 0.005, "across-pair correlation %g", across / (N / 2));
    free(v);
}

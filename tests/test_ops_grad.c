/* Finite-difference gradient checks of every dense-family op (gc_check).
 *
 * Tolerance: 1e-3 on |analytic − numeric| / max(|a|, |n|, 1). Forwards run in float32 and the
 * check differentiates L = Σ r_i·y_i (double accumulation) with central differences of step
 * h = 1e-2 (5e-3 for the losses; 2e-3 for BCE on probabilities, whose third derivative
 * 2y/p³ reaches 250 at p = 0.2):
 *   rounding: each y_i carries ~6e-8 relative error, so L carries ~6e-8·sqrt(n)·|y| and the
 *             quotient ~6e-8·sqrt(n)·|y|/(2h) ≈ 1e-5 for the n ≤ 100, |y| ≤ 10 used here;
 *   truncation: h²/6·|f'''|, ≈ 2e-5 for the smooth ops at |f'''| ≤ 1.
 * Both stay two orders below 1e-3, while a wrong factor (2, a sign, a missing term) gives an
 * error of order 1. Inputs are kept at least 0.1 away from kinks (relu, leaky, elu, abs, l1 at
 * 0) and from the clamps (BCE at eps, noise clipping at 0 and 1), where the function is not
 * differentiable within h and a finite difference would straddle the kink. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/rng.h"
#include "gradcheck.h"
#include "ops/ops.h"

enum { MAXV = 512 };

typedef struct var {
    float data[MAXV];
    ae_tensor t;
} var;

static void var_init(var *v, int ndim, const int *shape, float lo, float hi, unsigned seed)
{
    memset(v, 0, sizeof *v);
    cr_assert(ae_tensor_set_shape(&v->t, ndim, shape));
    cr_assert_leq(v->t.size, MAXV);
    v->t.data = v->data;
    gc_fill_uniform(&v->t, lo, hi, seed);
}

/* moves every value at least margin away from 0, keeping its sign */
static void away_from_zero(var *v, float margin)
{
    for (size_t i = 0; i < v->t.size; i++)
        v->data[i] = v->data[i] >= 0 ? v->data[i] + margin : v->data[i] - margin;
}

static void check1(var *a, gc_build_fn build, void *ctx, float h, const char *what)
{
    gc_assert(gc_check(&a->t, 1, NULL, build, ctx, h), 1e-3, what);
}

static void check2(var *a, var *b, gc_build_fn build, void *ctx, float h, const char *what)
{
    ae_tensor vars[2] = {a->t, b->t};
    gc_assert(gc_check(vars, 2, NULL, build, ctx, h), 1e-3, what);
}

/* ---- bias_add ---- */

static ae_node *build_bias(ae_tape *t, ae_node **v, void *ctx)
{
    return ae_bias_add(t, v[0], v[1]);
}

Test(ops_grad, bias_add_2d_3d_4d)
{
    var x, b;
    var_init(&x, 2, (int[]){3, 5}, -1, 1, 1);
    var_init(&b, 1, (int[]){5}, -1, 1, 2);
    check2(&x, &b, build_bias, NULL, 1e-2f, "bias_add N×F");
    var_init(&x, 3, (int[]){2, 3, 4}, -1, 1, 3);
    var_init(&b, 1, (int[]){4}, -1, 1, 4);
    check2(&x, &b, build_bias, NULL, 1e-2f, "bias_add N×T×F (last axis)");
    var_init(&x, 4, (int[]){2, 3, 2, 5}, -1, 1, 5);
    var_init(&b, 1, (int[]){3}, -1, 1, 6);
    check2(&x, &b, build_bias, NULL, 1e-2f, "bias_add N×C×H×W (channel axis)");
    /* rows longer than one vector, with a tail */
    var_init(&x, 2, (int[]){3, 19}, -1, 1, 7);
    var_init(&b, 1, (int[]){19}, -1, 1, 8);
    check2(&x, &b, build_bias, NULL, 1e-2f, "bias_add 3×19");
}

static ae_node *build_bias_self(ae_tape *t, ae_node **v, void *ctx)
{
    return ae_bias_add(t, v[0], v[0]);
}

Test(ops_grad, bias_add_aliasing)
{
    var x;
    var_init(&x, 1, (int[]){6}, -1, 1, 9);
    check1(&x, build_bias_self, NULL, 1e-2f, "bias_add(x, x)");
}

/* x + b where x also feeds a second consumer: backward must add into x's gradient, not assign */
static ae_node *build_bias_fanout(ae_tape *t, ae_node **v, void *ctx)
{
    ae_node *y = ae_bias_add(t, v[0], v[1]);
    return ae_mul(t, y, ae_square(t, v[0]));
}

Test(ops_grad, bias_add_fanout)
{
    var x, b;
    var_init(&x, 2, (int[]){4, 3}, -1, 1, 10);
    var_init(&b, 1, (int[]){3}, -1, 1, 11);
    check2(&x, &b, build_bias_fanout, NULL, 1e-2f, "bias_add with fan-out");
}

/* ---- matmul and matmul_add ---- */

typedef struct mm_case {
    bool ta, tb, add;
} mm_case;

/* op(A)·op(B) (+ C), then a second consumer of A and of C recorded later, so that the
 * product's backward must add into their gradients (and assign when it comes first). */
static ae_node *build_matmul(ae_tape *t, ae_node **v, void *ctx)
{
    mm_case *c = ctx;
    ae_node *y = c->add ? ae_matmul_add(t, v[0], v[1], v[2], c->ta, c->tb)
                        : ae_matmul(t, v[0], v[1], c->ta, c->tb);
    ae_node *later = ae_add(t, ae_sum(t, ae_square(t, v[0]), -1), ae_sum(t, ae_exp(t, v[2]), -1));
    return ae_add(t, ae_sum(t, ae_square(t, y), -1), later);
}

Test(ops_grad, matmul_and_matmul_add_all_transposes)
{
    for (int k = 0; k < 8; k++) {
        mm_case c = {k & 1, k & 2, k & 4};
        var a, b, cc;
        var_init(&a, 2, c.ta ? (int[]){5, 3} : (int[]){3, 5}, -1, 1, 300 + k);
        var_init(&b, 2, c.tb ? (int[]){4, 5} : (int[]){5, 4}, -1, 1, 310 + k);
        var_init(&cc, 2, (int[]){3, 4}, -1, 1, 320 + k);
        ae_tensor vars[3] = {a.t, b.t, cc.t};
        char what[64];
        snprintf(what, sizeof what, "matmul%s ta=%d tb=%d", c.add ? "_add" : "", c.ta, c.tb);
        gc_assert(gc_check(vars, 3, NULL, build_matmul, &c, 1e-2f), 1e-3, what);
    }
}

/* x·xᵀ + x: all three operands alias */
static ae_node *build_matmul_alias(ae_tape *t, ae_node **v, void *ctx)
{
    return ae_matmul_add(t, v[0], v[0], v[0], false, true);
}

Test(ops_grad, matmul_add_aliasing)
{
    var x;
    var_init(&x, 2, (int[]){4, 4}, -1, 1, 330);
    check1(&x, build_matmul_alias, NULL, 1e-2f, "matmul_add(x, x, x)");
}

/* ---- the fused dense layer ---- */

typedef struct dense_case {
    bool tw, bias;
} dense_case;

static ae_node *build_dense(ae_tape *t, ae_node **v, void *ctx)
{
    dense_case *c = ctx;
    return ae_dense(t, v[0], v[1], c->bias ? v[2] : NULL, c->tw);
}

Test(ops_grad, dense_all_variants)
{
    for (int tw = 0; tw < 2; tw++)
        for (int bias = 0; bias < 2; bias++) {
            var x, w, b;
            var_init(&x, 2, (int[]){3, 5}, -1, 1, 12);
            var_init(&w, 2, tw ? (int[]){11, 5} : (int[]){5, 11}, -1, 1, 13);
            var_init(&b, 1, (int[]){11}, -1, 1, 14);
            dense_case c = {tw, bias};
            ae_tensor vars[3] = {x.t, w.t, b.t};
            char what[64];
            snprintf(what, sizeof what, "dense%s%s", tw ? " transposed" : "", bias ? " + bias" : "");
            gc_assert(gc_check(vars, 3, NULL, build_dense, &c, 1e-2f), 1e-3, what);
        }
}

/* the dense node's x also feeds a second consumer recorded later, so dx must be added to */
static ae_node *build_dense_fanout(ae_tape *t, ae_node **v, void *ctx)
{
    ae_node *y = ae_dense(t, v[0], v[1], v[2], false);
    return ae_add(t, ae_sum(t, ae_square(t, y), -1), ae_sum(t, ae_square(t, v[0]), -1));
}

Test(ops_grad, dense_fanout)
{
    var x, w, b;
    var_init(&x, 2, (int[]){4, 3}, -1, 1, 15);
    var_init(&w, 2, (int[]){3, 6}, -1, 1, 16);
    var_init(&b, 1, (int[]){6}, -1, 1, 17);
    ae_tensor vars[3] = {x.t, w.t, b.t};
    gc_assert(gc_check(vars, 3, NULL, build_dense_fanout, NULL, 1e-2f), 1e-3, "dense fan-out");
}

Test(ops_grad, dense_equals_matmul_plus_bias)
{
    /* same values and gradients as the two-node form, on a tied (transposed) weight */
    var x, w, b, r;
    var_init(&x, 2, (int[]){4, 9}, -1, 1, 18);
    var_init(&w, 2, (int[]){13, 9}, -1, 1, 19);
    var_init(&b, 1, (int[]){13}, -1, 1, 20);
    var_init(&r, 2, (int[]){4, 13}, -1, 1, 21);
    float grads[2][3][MAXV], vals[2][4 * 13];
    for (int fused = 0; fused < 2; fused++) {
        ae_tape t;
        ae_tape_init(&t);
        ae_node *xn = ae_tape_variable(&t, &x.t), *wn = ae_tape_variable(&t, &w.t);
        ae_node *bn = ae_tape_variable(&t, &b.t);
        ae_node *y = fused ? ae_dense(&t, xn, wn, bn, true)
                           : ae_bias_add(&t, ae_matmul(&t, xn, wn, false, true), bn);
        cr_assert_not_null(y);
        memcpy(vals[fused], y->value.data, sizeof vals[fused]);
        ae_error err;
        cr_assert_eq(ae_tape_backward_seeded(&t, y, r.data, &err), AE_OK);
        memcpy(grads[fused][0], xn->grad, x.t.size * sizeof(float));
        memcpy(grads[fused][1], wn->grad, w.t.size * sizeof(float));
        memcpy(grads[fused][2], bn->grad, b.t.size * sizeof(float));
        ae_tape_free(&t);
    }
    for (int i = 0; i < 4 * 13; i++)
        cr_assert_float_eq(vals[0][i], vals[1][i], 1e-5);
    size_t sizes[3] = {x.t.size, w.t.size, b.t.size};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < sizes[k]; i++)
            cr_assert_float_eq(grads[0][k][i], grads[1][k][i], 1e-5, "input %d element %zu", k, i);
}

/* ---- elementwise ---- */

typedef enum { E_ADD, E_SUB, E_MUL, E_SCALE, E_ADDS, E_SQUARE, E_ABS, E_LOG, E_EXP } ew_kind;

static ae_node *build_ew(ae_tape *t, ae_node **v, void *ctx)
{
    switch (*(ew_kind *)ctx) {
    case E_ADD: return ae_add(t, v[0], v[1]);
    case E_SUB: return ae_sub(t, v[0], v[1]);
    case E_MUL: return ae_mul(t, v[0], v[1]);
    case E_SCALE: return ae_scale(t, v[0], -2.5f);
    case E_ADDS: return ae_add_scalar(t, v[0], 3.0f);
    case E_SQUARE: return ae_square(t, v[0]);
    case E_ABS: return ae_abs(t, v[0]);
    case E_LOG: return ae_log(t, v[0]);
    default: return ae_exp(t, v[0]);
    }
}

Test(ops_grad, elementwise_binary)
{
    const char *names[] = {"add", "sub", "mul"};
    for (ew_kind k = E_ADD; k <= E_MUL; k++) {
        var a, b;
        var_init(&a, 2, (int[]){3, 7}, -2, 2, 20 + k);
        var_init(&b, 2, (int[]){3, 7}, -2, 2, 30 + k);
        check2(&a, &b, build_ew, &k, 1e-2f, names[k]);
    }
}

Test(ops_grad, elementwise_unary)
{
    const char *names[] = {"", "", "", "scale", "add_scalar", "square", "abs", "log", "exp"};
    for (ew_kind k = E_SCALE; k <= E_EXP; k++) {
        var a;
        if (k == E_LOG) /* log: x in [0.5, 2], where f''' = 2/x³ <= 16 keeps truncation small */
            var_init(&a, 3, (int[]){2, 3, 5}, 0.5f, 2, 40 + k);
        else
            var_init(&a, 3, (int[]){2, 3, 5}, -1.5f, 1.5f, 40 + k);
        if (k == E_ABS)
            away_from_zero(&a, 0.1f);
        check1(&a, build_ew, &k, 1e-2f, names[k]);
    }
}

static ae_node *build_alias(ae_tape *t, ae_node **v, void *ctx)
{
    ew_kind k = *(ew_kind *)ctx;
    return k == E_ADD ? ae_add(t, v[0], v[0]) : k == E_SUB ? ae_sub(t, v[0], v[0])
                                                           : ae_mul(t, v[0], v[0]);
}

Test(ops_grad, elementwise_aliasing)
{
    const char *names[] = {"add(x, x)", "sub(x, x)", "mul(x, x)"};
    for (ew_kind k = E_ADD; k <= E_MUL; k++) {
        var a;
        var_init(&a, 2, (int[]){4, 5}, -2, 2, 50 + k);
        check1(&a, build_alias, &k, 1e-2f, names[k]);
    }
}

Test(ops_grad, aliasing_gradient_values)
{
    /* d/dx Σ x·x = 2x exactly, d/dx Σ (x − x) = 0: the second read must add, not overwrite */
    float xd[3] = {1.5f, -2.0f, 0.25f};
    ae_tensor xt = {0};
    ae_tensor_set_shape(&xt, 1, (int[]){3});
    xt.data = xd;
    ae_tape t;
    ae_tape_init(&t);
    ae_node *x = ae_tape_variable(&t, &xt);
    ae_node *y = ae_sum(&t, ae_mul(&t, x, x), -1);
    ae_error err;
    cr_assert_eq(ae_tape_backward(&t, y, &err), AE_OK);
    for (int i = 0; i < 3; i++)
        cr_assert_float_eq(x->grad[i], 2 * xd[i], 1e-6);
    ae_tape_reset(&t);
    x = ae_tape_variable(&t, &xt);
    y = ae_sum(&t, ae_sub(&t, x, x), -1);
    cr_assert_eq(ae_tape_backward(&t, y, &err), AE_OK);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(x->grad[i], 0.0f);
    ae_tape_free(&t);
}

/* reshape: square(reshape(x)) · w, so each element's gradient differs */
static ae_node *build_reshape(ae_tape *t, ae_node **v, void *ctx)
{
    ae_node *r = ae_reshape(t, v[0], 3, (int[]){2, 3, 2});
    return ae_mul(t, ae_square(t, r), v[1]);
}

Test(ops_grad, reshape)
{
    var x, w;
    var_init(&x, 2, (int[]){4, 3}, -1, 1, 60);
    var_init(&w, 3, (int[]){2, 3, 2}, -1, 1, 61);
    check2(&x, &w, build_reshape, NULL, 1e-2f, "reshape");
}

/* ---- activations ---- */

typedef struct act_case {
    ae_act kind;
    float alpha;
} act_case;

static ae_node *build_act(ae_tape *t, ae_node **v, void *ctx)
{
    act_case *c = ctx;
    return ae_activation(t, v[0], c->kind, c->alpha);
}

Test(ops_grad, activations)
{
    act_case cases[] = {{AE_ACT_LINEAR, 0},   {AE_ACT_RELU, 0},    {AE_ACT_LEAKY_RELU, 0.2f},
                        {AE_ACT_ELU, 1.0f},   {AE_ACT_ELU, 0.5f},  {AE_ACT_SIGMOID, 0},
                        {AE_ACT_TANH, 0},     {AE_ACT_SOFTPLUS, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        var x;
        /* 37 values: four full vectors and a tail of 5 */
        var_init(&x, 2, (int[]){1, 37}, -3, 3, 70 + (unsigned)i);
        away_from_zero(&x, 0.1f);
        /* tanh's small-|x| polynomial meets the exponential form at 0.625: include both sides */
        x.data[0] = 0.6f, x.data[1] = 0.65f, x.data[2] = -0.6f, x.data[3] = -0.65f;
        check1(&x, build_act, &cases[i], 1e-2f, ae_act_name(cases[i].kind));
    }
}

/* ---- reductions ---- */

typedef struct red_case {
    int axis;
    bool mean;
} red_case;

static ae_node *build_reduce(ae_tape *t, ae_node **v, void *ctx)
{
    red_case *c = ctx;
    return c->mean ? ae_mean(t, v[0], c->axis) : ae_sum(t, v[0], c->axis);
}

Test(ops_grad, sum_and_mean_every_axis)
{
    for (int mean = 0; mean < 2; mean++)
        for (int axis = -1; axis < 4; axis++) {
            var x;
            var_init(&x, 4, (int[]){2, 3, 4, 9}, -1, 1, 80 + (unsigned)axis);
            red_case c = {axis, mean};
            char what[64];
            snprintf(what, sizeof what, "%s axis %d", mean ? "mean" : "sum", axis);
            check1(&x, build_reduce, &c, 1e-2f, what);
        }
    var x;
    var_init(&x, 1, (int[]){7}, -1, 1, 90);
    red_case c = {0, true};
    check1(&x, build_reduce, &c, 1e-2f, "mean of 1-D");
}

/* ---- dropout and noise (training mode; replay reuses the draws) ---- */

typedef struct noise_case {
    ae_rng rng;
    float p;
    bool clip;
} noise_case;

static ae_node *build_dropout(ae_tape *t, ae_node **v, void *ctx)
{
    noise_case *c = ctx;
    return ae_mul(t, ae_dropout(t, v[0], c->p, &c->rng), v[0]);
}

Test(ops_grad, dropout_training)
{
    var x;
    var_init(&x, 2, (int[]){5, 11}, -1, 1, 100);
    noise_case c = {ae_rng_stream(1, AE_RNG_DROPOUT, 0, 0), 0.6f, false};
    check1(&x, build_dropout, &c, 1e-2f, "dropout");
}

static ae_node *build_noise(ae_tape *t, ae_node **v, void *ctx)
{
    noise_case *c = ctx;
    return ae_square(t, ae_gaussian_noise(t, v[0], c->p, c->clip, &c->rng));
}

Test(ops_grad, gaussian_noise_training)
{
    for (int clip = 0; clip < 2; clip++) {
        var x;
        var_init(&x, 2, (int[]){4, 10}, 0, 1, 110);
        noise_case c = {ae_rng_stream(2, AE_RNG_NOISE, 0, 0), 0.5f, clip};
        /* Choose x so that x + noise lands where we want it, 0.05 or more from the clip bounds:
         * the op draws std·N(0,1) from the same stream, so replay the stream here. */
        ae_rng peek = c.rng;
        float noise[4 * 10];
        ae_normal_fill(&peek, noise, x.t.size, c.p);
        for (size_t i = 0; i < x.t.size; i++) {
            float u = x.data[i], target;
            if (u < 0.25f)
                target = -0.5f + u; /* clipped to 0 */
            else if (u < 0.75f)
                target = 0.05f + 1.8f * (u - 0.25f); /* inside, [0.05, 0.95] */
            else
                target = 1.05f + (u - 0.75f); /* clipped to 1 */
            x.data[i] = target - noise[i];
        }
        check1(&x, build_noise, &c, 1e-2f, clip ? "gaussian_noise clipped" : "gaussian_noise");
    }
}

/* ---- losses ---- */

typedef enum { L_MSE, L_BCE, L_BCE_LOGITS } loss_kind;
typedef struct loss_case {
    loss_kind kind;
    ae_reduction r;
} loss_case;

static ae_node *build_loss(ae_tape *t, ae_node **v, void *ctx)
{
    loss_case *c = ctx;
    switch (c->kind) {
    case L_MSE: return ae_mse_loss(t, v[0], v[1], c->r);
    case L_BCE: return ae_bce_loss(t, v[0], v[1], c->r);
    default: return ae_bce_logits_loss(t, v[0], v[1], c->r);
    }
}

Test(ops_grad, losses_both_reductions)
{
    const char *names[] = {"mse", "bce", "bce_logits"};
    for (loss_kind k = L_MSE; k <= L_BCE_LOGITS; k++)
        for (int r = 0; r < 2; r++) {
            var p, y;
            /* BCE probabilities in [0.2, 0.8]: far from the clamp at 1e-7, and curvature
             * small enough for h = 2e-3 */
            if (k == L_BCE)
                var_init(&p, 2, (int[]){3, 13}, 0.2f, 0.8f, 120 + k);
            else
                var_init(&p, 2, (int[]){3, 13}, -4, 4, 120 + k);
            var_init(&y, 2, (int[]){3, 13}, 0, 1, 130 + k);
            loss_case c = {k, r ? AE_REDUCE_SUM_FEATURES : AE_REDUCE_MEAN};
            char what[64];
            snprintf(what, sizeof what, "%s %s", names[k], r ? "sum_features" : "mean");
            check2(&p, &y, build_loss, &c, k == L_BCE ? 2e-3f : 5e-3f, what);
        }
}

/* BCE from logits whose logits have another consumer, an upstream gradient other than 1 and a
 * fan-out: the buffer hand-over must fall back to adding */
static ae_node *build_bce_logits_shared(ae_tape *t, ae_node **v, void *ctx)
{
    ae_node *z = ae_dense(t, v[0], v[1], NULL, false);
    ae_node *a = ae_bce_logits_loss(t, z, v[2], AE_REDUCE_MEAN);
    ae_node *b = ae_bce_logits_loss(t, z, v[2], AE_REDUCE_SUM_FEATURES);
    return ae_add(t, ae_scale(t, a, 3.0f), ae_add(t, b, ae_l2_penalty(t, z)));
}

Test(ops_grad, bce_logits_shared_and_scaled)
{
    var x, w, y;
    var_init(&x, 2, (int[]){3, 4}, -1, 1, 125);
    var_init(&w, 2, (int[]){4, 6}, -1, 1, 126);
    var_init(&y, 2, (int[]){3, 6}, 0, 1, 127);
    ae_tensor vars[3] = {x.t, w.t, y.t};
    gc_assert(gc_check(vars, 3, NULL, build_bce_logits_shared, NULL, 5e-3f), 1e-3,
              "bce_logits shared");
}

Test(ops_grad, bce_logits_second_backward)
{
    /* after the hand-over, zeroing the gradients and running backward again (no replay) must
     * give the same gradient */
    var z, y;
    var_init(&z, 2, (int[]){2, 9}, -3, 3, 128);
    var_init(&y, 2, (int[]){2, 9}, 0, 1, 129);
    ae_tape t;
    ae_tape_init(&t);
    ae_node *w = ae_tape_variable(&t, &z.t);
    ae_node *zn = ae_scale(&t, w, 1.0f); /* an op node, as a dense layer's output would be */
    ae_node *l = ae_bce_logits_loss(&t, zn, ae_tape_input(&t, &y.t), AE_REDUCE_MEAN);
    ae_error err;
    cr_assert_eq(ae_tape_backward(&t, l, &err), AE_OK);
    float first[18];
    memcpy(first, w->grad, sizeof first);
    ae_tape_zero_node_grads(&t);
    cr_assert_eq(ae_tape_backward(&t, l, &err), AE_OK);
    for (int i = 0; i < 18; i++)
        cr_assert_float_eq(w->grad[i], first[i], 1e-7, "element %d", i);
    ae_tape_free(&t);
}

static ae_node *build_kl(ae_tape *t, ae_node **v, void *ctx)
{
    return ae_kl_sparsity(t, v[0], *(float *)ctx);
}

Test(ops_grad, kl_sparsity)
{
    var a;
    var_init(&a, 2, (int[]){6, 5}, 0.05f, 0.95f, 140);
    float rho = 0.1f;
    check1(&a, build_kl, &rho, 1e-2f, "kl_sparsity");
}

static ae_node *build_pen(ae_tape *t, ae_node **v, void *ctx)
{
    return *(int *)ctx ? ae_l2_penalty(t, v[0]) : ae_l1_penalty(t, v[0]);
}

Test(ops_grad, l1_l2_penalties)
{
    for (int l2 = 0; l2 < 2; l2++) {
        var a;
        var_init(&a, 2, (int[]){4, 9}, -1, 1, 150);
        away_from_zero(&a, 0.1f);
        check1(&a, build_pen, &l2, 1e-2f, l2 ? "l2_penalty" : "l1_penalty");
    }
}

/* ---- every op adds into a gradient that already exists ----
 * L = Σ f(x) + Σ x², with x² recorded after f: its backward runs first and creates x's
 * gradient, so f's backward must add to it (assigning would drop the 2x). */

typedef enum {
    F_SCALE, F_ADDS, F_SQUARE, F_ABS, F_EXP, F_RESHAPE, F_RELU, F_SIGMOID, F_TANH, F_SOFTPLUS,
    F_ELU, F_LEAKY, F_SUM0, F_MEAN1, F_DROPOUT, F_NOISE, F_BIAS, F_MSE, F_BCE_LOGITS, F_L1, F_L2,
    F_KL, F_COUNT
} fan_kind;

static ae_node *apply_f(ae_tape *t, fan_kind k, ae_node *x, ae_rng *rng)
{
    switch (k) {
    case F_SCALE: return ae_scale(t, x, 0.5f);
    case F_ADDS: return ae_add_scalar(t, x, 1.0f);
    case F_SQUARE: return ae_square(t, x);
    case F_ABS: return ae_abs(t, x);
    case F_EXP: return ae_exp(t, x);
    case F_RESHAPE: return ae_reshape(t, x, 1, (int[]){(int)x->value.size});
    case F_RELU: return ae_activation(t, x, AE_ACT_RELU, 0);
    case F_SIGMOID: return ae_activation(t, x, AE_ACT_SIGMOID, 0);
    case F_TANH: return ae_activation(t, x, AE_ACT_TANH, 0);
    case F_SOFTPLUS: return ae_activation(t, x, AE_ACT_SOFTPLUS, 0);
    case F_ELU: return ae_activation(t, x, AE_ACT_ELU, 1.0f);
    case F_LEAKY: return ae_activation(t, x, AE_ACT_LEAKY_RELU, 0.1f);
    case F_SUM0: return ae_sum(t, x, 0);
    case F_MEAN1: return ae_mean(t, x, 1);
    case F_DROPOUT: return ae_dropout(t, x, 0.5f, rng);
    case F_NOISE: return ae_gaussian_noise(t, x, 0.1f, false, rng);
    case F_BIAS: return ae_bias_add(t, ae_scale(t, x, 2.0f), x); /* 1-D x: x as its own bias */
    case F_MSE: return ae_mse_loss(t, x, ae_scale(t, x, -1.0f), AE_REDUCE_MEAN);
    case F_BCE_LOGITS: return ae_bce_logits_loss(t, x, ae_scale(t, x, 0.25f), AE_REDUCE_MEAN);
    case F_L1: return ae_l1_penalty(t, x);
    case F_L2: return ae_l2_penalty(t, x);
    default: return ae_kl_sparsity(t, ae_activation(t, x, AE_ACT_SIGMOID, 0), 0.3f);
    }
}

typedef struct fan_case {
    fan_kind k;
    ae_rng rng;
} fan_case;

static ae_node *build_fan(ae_tape *t, ae_node **v, void *ctx)
{
    fan_case *c = ctx;
    ae_node *x = v[0];
    if (c->k == F_BIAS)
        x = ae_reshape(t, x, 1, (int[]){(int)x->value.size});
    ae_node *f = ae_sum(t, apply_f(t, c->k, x, &c->rng), -1);
    return ae_add(t, f, ae_sum(t, ae_square(t, v[0]), -1));
}

Test(ops_grad, every_op_adds_to_an_existing_gradient)
{
    for (fan_kind k = 0; k < F_COUNT; k++) {
        var x;
        var_init(&x, 2, (int[]){3, 11}, -1.5f, 1.5f, 200 + k);
        away_from_zero(&x, 0.1f);
        fan_case c = {k, ae_rng_stream(3, AE_RNG_NOISE, k, 0)};
        char what[32];
        snprintf(what, sizeof what, "fan-out case %d", (int)k);
        check1(&x, build_fan, &c, 5e-3f, what);
    }
}

/* ---- a whole dense autoencoder with a tied decoder, through parameters ---- */
/* (the two-node form, matmul + bias_add, is checked against ae_dense above) */

static ae_node *build_dense_ae(ae_tape *t, ae_node **v, void *ctx)
{
    ae_params *ps = ctx;
    ae_node *w = ae_tape_param(t, &ps->items[0]);
    ae_node *b1 = ae_tape_param(t, &ps->items[1]);
    ae_node *b2 = ae_tape_param(t, &ps->items[2]);
    ae_node *h = ae_activation(t, ae_dense(t, v[0], w, b1, false), AE_ACT_SIGMOID, 0);
    ae_node *z = ae_dense(t, h, w, b2, true); /* tied: W read twice, its gradients add up */
    ae_node *loss = ae_bce_logits_loss(t, z, v[0], AE_REDUCE_SUM_FEATURES);
    return ae_add(t, loss, ae_scale(t, ae_l2_penalty(t, w), 0.01f));
}

Test(ops_grad, dense_autoencoder_graph)
{
    ae_params ps;
    ae_params_init(&ps);
    ae_error err;
    cr_assert_geq(ae_params_declare(&ps, "W", 2, (int[]){10, 4}, &err), 0);
    cr_assert_geq(ae_params_declare(&ps, "b1", 1, (int[]){4}, &err), 0);
    cr_assert_geq(ae_params_declare(&ps, "b2", 1, (int[]){10}, &err), 0);
    cr_assert_eq(ae_params_finalize(&ps, &err), AE_OK);
    for (size_t i = 0; i < 3; i++)
        gc_fill_uniform(&ps.items[i].value, -1, 1, 160 + (unsigned)i);
    var x;
    var_init(&x, 2, (int[]){3, 10}, 0, 1, 170);
    gc_assert(gc_check(&x.t, 1, &ps, build_dense_ae, &ps, 1e-2f), 1e-3, "dense AE");
    ae_params_free(&ps);
}

/* Optimizers against updates worked out by hand from the formulas in nn/optim.h, for three
 * steps with changing gradients; frozen and non-trainable parameters; global norm clipping;
 * configuration checks; the checkpoint view of the state. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "nn/optim.h"

/* a store with one parameter "w" of n values (n <= 8) */
static void store_one(ae_params *ps, int n)
{
    ae_error err;
    ae_params_init(ps);
    cr_assert_geq(ae_params_declare(ps, "w", 1, (int[]){n}, &err), 0);
    cr_assert_eq(ae_params_finalize(ps, &err), AE_OK);
}

static const float grads[3] = {0.5f, -0.25f, 1.0f};

/* Runs three steps from w = 1 with the gradients above and returns w after each. */
static void run3(ae_optim_config cfg, float out[3])
{
    ae_params ps;
    store_one(&ps, 1);
    ps.items[0].value.data[0] = 1.0f;
    ae_optim o;
    ae_error err;
    cr_assert_eq(ae_optim_init(&o, &cfg, &ps, &err), AE_OK, "%s", err.msg);
    for (int s = 0; s < 3; s++) {
        ps.items[0].grad[0] = grads[s];
        cr_assert_eq(ae_optim_step(&o, &ps), AE_OK);
        out[s] = ps.items[0].value.data[0];
    }
    cr_assert_eq(o.step, 3);
    ae_optim_free(&o);
    ae_params_free(&ps);
}

static void expect3(const float got[3], const double want[3], const char *what)
{
    for (int s = 0; s < 3; s++)
        cr_assert(fabs(got[s] - want[s]) < 3e-7, /* float ulp at 1 is 1.2e-7 */ "%s step %d: w = %.9g, want %.9g", what, s + 1,
                  (double)got[s], want[s]);
}

Test(nn_optim, sgd_plain)
{
    ae_optim_config c = ae_optim_defaults(AE_OPTIM_SGD);
    c.lr = 0.1f;
    float w[3];
    run3(c, w);
    /* w ← w − 0.1·g: 1 − 0.05 = 0.95; + 0.025 = 0.975; − 0.1 = 0.875 */
    expect3(w, (double[]){0.95, 0.975, 0.875}, "sgd");
}

Test(nn_optim, sgd_momentum)
{
    ae_optim_config c = ae_optim_defaults(AE_OPTIM_SGD);
    c.lr = 0.1f, c.momentum = 0.9f;
    float w[3];
    run3(c, w);
    /* m1 = −0.05, w1 = 0.95; m2 = 0.9·(−0.05) + 0.025 = −0.02, w2 = 0.93;
     * m3 = 0.9·(−0.02) − 0.1 = −0.118, w3 = 0.812 */
    expect3(w, (double[]){0.95, 0.93, 0.812}, "momentum");
}

Test(nn_optim, sgd_nesterov)
{
    ae_optim_config c = ae_optim_defaults(AE_OPTIM_SGD);
    c.lr = 0.1f, c.momentum = 0.9f, c.nesterov = true;
    float w[3];
    run3(c, w);
    /* w ← w + 0.9·m − 0.1·g with the m above:
     * w1 = 1 − 0.045 − 0.05 = 0.905; w2 = 0.905 − 0.018 + 0.025 = 0.912;
     * w3 = 0.912 − 0.1062 − 0.1 = 0.7058 */
    expect3(w, (double[]){0.905, 0.912, 0.7058}, "nesterov");
}

Test(nn_optim, adam_keras_form)
{
    ae_optim_config c = ae_optim_defaults(AE_OPTIM_ADAM);
    c.lr = 0.01f;
    float w[3];
    run3(c, w);
    /* m, v as in nn/optim.h; step size 0.01·sqrt(1 − 0.999^t)/(1 − 0.9^t):
     * t=1: m = 0.05, v = 0.00025, α = 0.0031623, Δ = α·0.05/(0.0158114 + 1e-7) = 0.0099999368
     * t=2: m = 0.02, v = 0.00031225, α = 0.0023532, w2 = 0.98733671
     * t=3: m = 0.118, v = 0.00131194, α = 0.0020201, w3 = 0.98075561
     * (the same recurrences, in double, line by line below) */
    double m = 0, v = 0, x = 1, want[3];
    for (int t = 1; t <= 3; t++) {
        double g = grads[t - 1];
        m = 0.9 * m + 0.1 * g;
        v = 0.999 * v + 0.001 * g * g;
        double alpha = 0.01 * sqrt(1 - pow(0.999, t)) / (1 - pow(0.9, t));
        x -= alpha * m / (sqrt(v) + 1e-7);
        want[t - 1] = x;
    }
    cr_assert(fabs(want[0] - 0.9900000632) < 1e-9, "hand value of step 1: %.10f", want[0]);
    cr_assert(fabs(want[2] - 0.9807556101) < 1e-9, "hand value of step 3: %.10f", want[2]);
    expect3(w, want, "adam");
}

Test(nn_optim, rmsprop_keras_form)
{
    ae_optim_config c = ae_optim_defaults(AE_OPTIM_RMSPROP);
    c.lr = 0.01f;
    float w[3];
    run3(c, w);
    /* v1 = 0.1·0.25 = 0.025, w1 = 1 − 0.01·0.5/sqrt(0.025 + 1e-7) = 0.96837729;
     * v2 = 0.0225 + 0.00625 = 0.02875, w2 = w1 + 0.0025/sqrt(0.0287501) = 0.98312146;
     * v3 = 0.025875 + 0.1 = 0.125875, w3 = w2 − 0.01/sqrt(0.1258751) = 0.95493567 */
    expect3(w, (double[]){0.96837729, 0.98312146, 0.95493567}, "rmsprop");
}

Test(nn_optim, frozen_and_state_params_are_untouched)
{
    ae_params ps;
    ae_error err;
    ae_params_init(&ps);
    ae_params_declare(&ps, "a", 1, (int[]){5}, &err);
    ae_params_declare(&ps, "frozen", 1, (int[]){7}, &err);
    ae_params_declare(&ps, "stats", 1, (int[]){3}, &err);
    cr_assert_eq(ae_params_finalize(&ps, &err), AE_OK);
    ps.items[1].frozen = true;
    ps.items[2].trainable = false;
    for (size_t p = 0; p < 3; p++)
        for (size_t i = 0; i < ps.items[p].value.size; i++) {
            ps.items[p].value.data[i] = 0.1f * (float)(i + 1) + (float)p;
            ps.items[p].grad[i] = 1.0f; /* a gradient that would move them */
        }
    float frozen[7], stats[3];
    memcpy(frozen, ps.items[1].value.data, sizeof frozen);
    memcpy(stats, ps.items[2].value.data, sizeof stats);
    for (ae_optim_kind k = AE_OPTIM_SGD; k < AE_OPTIM_KIND_COUNT; k++) {
        ae_optim_config c = ae_optim_defaults(k);
        c.momentum = 0.5f;
        c.global_clipnorm = 1.0f;
        ae_optim o;
        cr_assert_eq(ae_optim_init(&o, &c, &ps, &err), AE_OK);
        float before = ps.items[0].value.data[0];
        for (int s = 0; s < 3; s++)
            ae_optim_step(&o, &ps);
        cr_assert_neq(ps.items[0].value.data[0], before, "%s moved the trainable one",
                      ae_optim_name(k));
        cr_assert(memcmp(frozen, ps.items[1].value.data, sizeof frozen) == 0);
        cr_assert(memcmp(stats, ps.items[2].value.data, sizeof stats) == 0);
        /* the skipped parameters' state stays zero too */
        ae_optim_buffer bufs[2];
        int nb = ae_optim_buffers(&o, bufs);
        for (int b = 0; b < nb; b++)
            for (size_t p = 1; p < 3; p++)
                for (size_t i = 0; i < ps.items[p].value.size; i++)
                    cr_assert_eq(bufs[b].data[ps.items[p].offset + i], 0.0f);
        /* clipping looked at the trainable gradients only: sqrt(5) */
        cr_assert_float_eq(o.grad_norm, sqrtf(5), 1e-6);
        ae_optim_free(&o);
    }
    ae_params_free(&ps);
}

Test(nn_optim, global_clipnorm_scales_all_gradients)
{
    ae_params ps;
    ae_error err;
    ae_params_init(&ps);
    ae_params_declare(&ps, "a", 1, (int[]){1}, &err);
    ae_params_declare(&ps, "b", 1, (int[]){1}, &err);
    ae_params_finalize(&ps, &err);
    ae_optim_config c = ae_optim_defaults(AE_OPTIM_SGD);
    c.lr = 1.0f, c.global_clipnorm = 1.0f;
    ae_optim o;
    cr_assert_eq(ae_optim_init(&o, &c, &ps, &err), AE_OK);
    /* joint norm of (3, 4) is 5: both are scaled by 1/5, keeping their direction */
    ps.items[0].grad[0] = 3, ps.items[1].grad[0] = 4;
    ae_optim_step(&o, &ps);
    cr_assert_float_eq(ps.items[0].value.data[0], -0.6f, 1e-6);
    cr_assert_float_eq(ps.items[1].value.data[0], -0.8f, 1e-6);
    cr_assert_float_eq(o.grad_norm, 5.0f, 1e-6);
    /* below the threshold nothing is scaled */
    ps.items[0].grad[0] = 0.3f, ps.items[1].grad[0] = 0.4f;
    ae_optim_step(&o, &ps);
    cr_assert_float_eq(ps.items[0].value.data[0], -0.9f, 1e-6);
    cr_assert_float_eq(ps.items[1].value.data[0], -1.2f, 1e-6);
    ae_optim_free(&o);
    ae_params_free(&ps);
}

Test(nn_optim, vector_path_matches_the_formula_on_long_slices)
{
    /* 37 values: four full vectors and a tail; each must follow the scalar formula */
    ae_params ps;
    ae_error err;
    ae_params_init(&ps);
    ae_params_declare(&ps, "w", 1, (int[]){37}, &err);
    ae_params_finalize(&ps, &err);
    ae_optim_config c = ae_optim_defaults(AE_OPTIM_ADAM);
    ae_optim o;
    cr_assert_eq(ae_optim_init(&o, &c, &ps, &err), AE_OK);
    float *w = ps.items[0].value.data, *g = ps.items[0].grad;
    for (int i = 0; i < 37; i++)
        w[i] = (float)i, g[i] = (float)(i - 18) / 9;
    ae_optim_step(&o, &ps);
    double alpha = 0.001 * sqrt(1 - 0.999) / (1 - 0.9);
    for (int i = 0; i < 37; i++) {
        double gi = (i - 18) / 9.0, m = 0.1 * gi, v = 0.001 * gi * gi;
        double want = i - alpha * m / (sqrt(v) + 1e-7);
        cr_assert(fabs(w[i] - want) < 1e-6 * fmax(1, fabs(want)), "w[%d] = %.9g, want %.9g", i,
                  (double)w[i], want);
    }
    ae_optim_free(&o);
    ae_params_free(&ps);
}

Test(nn_optim, state_buffers_and_learning_rate)
{
    ae_params ps;
    store_one(&ps, 3);
    ae_error err;
    ae_optim o;
    ae_optim_config c = ae_optim_defaults(AE_OPTIM_ADAM);
    cr_assert_eq(ae_optim_init(&o, &c, &ps, &err), AE_OK);
    ae_optim_buffer b[2];
    cr_assert_eq(ae_optim_buffers(&o, b), 2);
    cr_assert_str_eq(b[0].name, "m");
    cr_assert_str_eq(b[1].name, "v");
    cr_assert_eq(b[0].size, ps.total);
    size_t n;
    cr_assert_eq(ae_optim_buffer_get(&o, "v", &n), o.v);
    cr_assert_eq(n, ps.total);
    cr_assert_null(ae_optim_buffer_get(&o, "step", &n));
    ae_optim_set_lr(&o, 0.5f);
    cr_assert_eq(o.cfg.lr, 0.5f);
    ae_optim_free(&o);

    c = ae_optim_defaults(AE_OPTIM_SGD);
    cr_assert_eq(ae_optim_init(&o, &c, &ps, &err), AE_OK);
    cr_assert_eq(ae_optim_buffers(&o, b), 0, "plain SGD keeps no state");
    ae_optim_free(&o);
    c = ae_optim_defaults(AE_OPTIM_RMSPROP);
    cr_assert_eq(ae_optim_init(&o, &c, &ps, &err), AE_OK);
    cr_assert_eq(ae_optim_buffers(&o, b), 1);
    cr_assert_str_eq(b[0].name, "v");
    ae_optim_free(&o);

    /* a store laid out differently is refused without touching anything */
    ae_params other;
    store_one(&other, 100);
    c = ae_optim_defaults(AE_OPTIM_ADAM);
    cr_assert_eq(ae_optim_init(&o, &c, &ps, &err), AE_OK);
    cr_assert_eq(ae_optim_step(&o, &other), AE_ERR_INTERNAL);
    cr_assert_eq(o.step, 0);
    ae_optim_free(&o);
    ae_params_free(&other);
    ae_params_free(&ps);
}

Test(nn_optim, config_checks_name_the_field)
{
    struct {
        ae_optim_kind kind;
        const char *field;
        float value;
    } bad[] = {{AE_OPTIM_ADAM, "beta2", 1.5f}, {AE_OPTIM_ADAM, "beta1", -0.1f},
               {AE_OPTIM_ADAM, "epsilon", 0.0f}, {AE_OPTIM_SGD, "momentum", 1.0f},
               {AE_OPTIM_RMSPROP, "rho", 2.0f},  {AE_OPTIM_SGD, "learning rate", NAN},
               {AE_OPTIM_ADAM, "global_clipnorm", -1.0f}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ae_optim_config c = ae_optim_defaults(bad[i].kind);
        const char *f = bad[i].field;
        float v = bad[i].value;
        if (!strcmp(f, "beta2")) c.beta2 = v;
        if (!strcmp(f, "beta1")) c.beta1 = v;
        if (!strcmp(f, "epsilon")) c.eps = v;
        if (!strcmp(f, "momentum")) c.momentum = v;
        if (!strcmp(f, "rho")) c.rho = v;
        if (!strcmp(f, "learning rate")) c.lr = v;
        if (!strcmp(f, "global_clipnorm")) c.global_clipnorm = v;
        ae_error err = {0};
        cr_assert_eq(ae_optim_check_config(&c, &err), AE_ERR_CONFIG, "%s accepted", f);
        cr_assert(strstr(err.msg, f) != NULL, "message '%s' should name %s", err.msg, f);
    }
    for (ae_optim_kind k = AE_OPTIM_SGD; k < AE_OPTIM_KIND_COUNT; k++) {
        ae_optim_config c = ae_optim_defaults(k);
        cr_assert_eq(ae_optim_check_config(&c, NULL), AE_OK, "defaults of %s", ae_optim_name(k));
        cr_assert_eq(ae_optim_from_name(ae_optim_name(k)), (int)k);
    }
    cr_assert_eq(ae_optim_from_name("adagrad"), -1);
    ae_optim_config d = ae_optim_defaults(AE_OPTIM_ADAM);
    cr_assert_eq(d.lr, 0.001f);
    cr_assert_eq(d.beta1, 0.9f);
    cr_assert_eq(d.beta2, 0.999f);
    cr_assert_eq(d.eps, 1e-7f);
}

/* The LSTM and RepeatVector layers: values against Keras' equations computed by hand (in
 * double, in this file), Keras' initial values, and finite-difference gradients through
 * several time steps of a seq2seq stack (LSTM → LSTM → repeat → LSTM with
 * return_sequences → dense per step), with respect to W, U, b and the input. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gradcheck.h"
#include "test_zoo_util.h"

static double sigm(double a)
{
    return 1 / (1 + exp(-a));
}

/* Keras' LSTM, one sequence: z = x_t·W + h·U + b, split into the gates in the order
 * i, f, c, o (column blocks of W, U and b); i, f, o sigmoid, c̃ tanh;
 * c ← f·c + i·c̃; h ← o·tanh(c); h0 = c0 = 0. x is [T, F]; hs receives [T, U]. */
static void keras_lstm(const float *x, int steps, int f, int u, const float *w, const float *rec,
                       const float *b, double *hs)
{
    double h[16] = {0}, c[16] = {0}, z[64];
    cr_assert(u <= 16);
    for (int s = 0; s < steps; s++) {
        for (int k = 0; k < 4 * u; k++) {
            double a = b[k];
            for (int i = 0; i < f; i++)
                a += (double)x[s * f + i] * w[i * 4 * u + k];
            for (int j = 0; j < u; j++)
                a += h[j] * rec[j * 4 * u + k];
            z[k] = a;
        }
        for (int j = 0; j < u; j++) {
            double ig = sigm(z[j]), fg = sigm(z[u + j]), gg = tanh(z[2 * u + j]),
                   og = sigm(z[3 * u + j]);
            c[j] = fg * c[j] + ig * gg;
            h[j] = og * tanh(c[j]);
            hs[s * u + j] = h[j];
        }
    }
}

/* Keras' defaults: glorot_uniform W (fans F and 4U), orthogonal U (rows orthonormal for
 * U [U, 4U]), zero bias but the forget gate's at 1 (unit_forget_bias). */
Test(zoo_lstm, keras_initial_values)
{
    zoo_exp z;
    zoo_load(&z, ZOO_HEAD "model:\n"
                          "  input: [3, 5]\n"
                          "  code: l\n"
                          "  layers:\n"
                          "    - {name: l, type: lstm, units: 4, return_sequences: true}\n"
                          "    - {name: out, type: dense, units: 5}\n"
                          "loss: {reconstruction: mse}\n");
    ae_param *w = zoo_param(&z, "l", "W"), *rec = zoo_param(&z, "l", "U"),
             *b = zoo_param(&z, "l", "b");
    cr_assert(w->value.shape[0] == 5 && w->value.shape[1] == 16);
    cr_assert(rec->value.shape[0] == 4 && rec->value.shape[1] == 16 && b->value.size == 16);
    for (int k = 0; k < 16; k++)
        cr_assert_eq(b->value.data[k], k >= 4 && k < 8 ? 1.0f : 0.0f, "bias[%d] = %g", k,
                     b->value.data[k]);
    double limit = sqrt(6.0 / (5 + 16)), amax = 0;
    for (size_t k = 0; k < w->value.size; k++)
        amax = fmax(amax, fabs(w->value.data[k]));
    cr_assert(amax <= limit && amax > 0.5 * limit, "glorot_uniform: max |W| %g, limit %g", amax,
              limit);
    for (int r1 = 0; r1 < 4; r1++)
        for (int r2 = 0; r2 < 4; r2++) {
            double dot = 0;
            for (int k = 0; k < 16; k++)
                dot += (double)rec->value.data[r1 * 16 + k] * rec->value.data[r2 * 16 + k];
            cr_assert(fabs(dot - (r1 == r2)) < 1e-5, "U·Uᵀ[%d][%d] = %g", r1, r2, dot);
        }
    zoo_free(&z);
}

/* The layer's outputs at every step against the equations above, with the initialised
 * parameters (forget bias 1) and then with random ones (every gate's block distinct, so a
 * different gate order could not agree). A 1-unit step is also checked against numbers
 * worked out by hand. */
Test(zoo_lstm, steps_match_keras_equations)
{
    enum { N = 2, T = 4, F = 3, U = 3 };
    zoo_exp z;
    zoo_load(&z, ZOO_HEAD "model:\n"
                          "  input: [4, 3]\n"
                          "  code: l\n"
                          "  layers:\n"
                          "    - {name: l, type: lstm, units: 3, return_sequences: true}\n"
                          "loss: {reconstruction: mse}\n");
    ae_param *w = zoo_param(&z, "l", "W"), *rec = zoo_param(&z, "l", "U"),
             *b = zoo_param(&z, "l", "b");
    float xv[N * T * F];
    ae_tensor x = zoo_batch(&z.exp.model.input, N, xv);
    gc_fill_uniform(&x, -1.0f, 1.0f, 51);
    for (int round = 0; round < 2; round++) {
        if (round == 1) {
            gc_fill_uniform(&w->value, -1.0f, 1.0f, 52);
            gc_fill_uniform(&rec->value, -1.0f, 1.0f, 53);
            gc_fill_uniform(&b->value, -1.0f, 1.0f, 54);
        }
        ae_tape t;
        ae_tape_init(&t);
        ae_forward_ctx fc = {.seed = z.exp.seed};
        ae_activations acts;
        ae_error err = {0};
        cr_assert_eq(ae_model_forward(&z.model, &t, ae_tape_input(&t, &x), -1, 0, &fc, &acts, &err),
                     AE_OK, "%s", err.msg);
        const ae_tensor *y = &acts.out[0]->value;
        cr_assert(y->ndim == 3 && y->shape[0] == N && y->shape[1] == T && y->shape[2] == U);
        for (int n = 0; n < N; n++) {
            double ref[T * U];
            keras_lstm(xv + n * T * F, T, F, U, w->value.data, rec->value.data, b->value.data, ref);
            for (int k = 0; k < T * U; k++)
                cr_assert(fabs(y->data[n * T * U + k] - ref[k]) < 2e-6,
                          "round %d sample %d step %d unit %d: %.7g, Keras' equations %.7g", round,
                          n, k / U, k % U, y->data[n * T * U + k], ref[k]);
        }
        ae_tape_free(&t);
    }
    zoo_free(&z);

    /* One unit, one feature, two steps, x = (0.5, −1), W = (0.4, −0.2, 0.8, 0.6) for
     * (i, f, c, o), U = (0.3, 0.5, −0.7, 0.2), b = (0, 1, 0, 0). By hand:
     *   step 1: i = σ(0.2) = 0.549834, c̃ = tanh(0.4) = 0.379949, o = σ(0.3) = 0.574443;
     *           c1 = i·c̃ = 0.208909 (f does not matter: c0 = 0);
     *           h1 = o·tanh(c1) = 0.574443·0.205922 = 0.118290
     *   step 2: z = −1·W + h1·U + b
     *           i = σ(−0.4 + 0.035487) = σ(−0.364513) = 0.409868
     *           f = σ(0.2 + 0.059145 + 1) = σ(1.259145) = 0.778879
     *           c̃ = tanh(−0.8 − 0.082803) = tanh(−0.882803) = −0.707821
     *           o = σ(−0.6 + 0.023658) = σ(−0.576342) = 0.359775
     *           c2 = 0.778879·0.208909 + 0.409868·(−0.707821) = −0.127398
     *           h2 = 0.359775·tanh(−0.127398) = 0.359775·(−0.126714) = −0.045588
     * (Had the forget bias been 0, f = σ(0.259145) = 0.564 and h2 = −0.0613.) */
    zoo_load(&z, ZOO_HEAD "model:\n"
                          "  input: [2, 1]\n"
                          "  code: l\n"
                          "  layers:\n"
                          "    - {name: l, type: lstm, units: 1, return_sequences: true}\n"
                          "loss: {reconstruction: mse}\n");
    static const float w1[4] = {0.4f, -0.2f, 0.8f, 0.6f}, u1[4] = {0.3f, 0.5f, -0.7f, 0.2f};
    memcpy(zoo_param(&z, "l", "W")->value.data, w1, sizeof w1);
    memcpy(zoo_param(&z, "l", "U")->value.data, u1, sizeof u1);
    cr_assert_eq(zoo_param(&z, "l", "b")->value.data[1], 1.0f);
    float x1[2] = {0.5f, -1.0f};
    ae_tensor xt = zoo_batch(&z.exp.model.input, 1, x1);
    ae_tape t;
    ae_tape_init(&t);
    ae_forward_ctx fc = {.seed = z.exp.seed};
    ae_activations acts;
    ae_error err = {0};
    cr_assert_eq(ae_model_forward(&z.model, &t, ae_tape_input(&t, &xt), -1, 0, &fc, &acts, &err),
                 AE_OK, "%s", err.msg);
    cr_assert_float_eq(acts.out[0]->value.data[0], 0.118290, 2e-6, "h1 = %.7f",
                       acts.out[0]->value.data[0]);
    cr_assert_float_eq(acts.out[0]->value.data[1], -0.045588, 2e-6, "h2 = %.7f",
                       acts.out[0]->value.data[1]);
    ae_tape_free(&t);
    zoo_free(&z);
}

/* RepeatVector: every step is the input vector. */
Test(zoo_lstm, repeat_copies_the_vector_to_every_step)
{
    zoo_exp z;
    zoo_load(&z, ZOO_HEAD "model:\n"
                          "  input: [3]\n"
                          "  code: r\n"
                          "  layers:\n"
                          "    - {name: r, type: repeat, steps: 4}\n"
                          "    - {name: l, type: lstm, units: 3}\n"
                          "loss: {reconstruction: mse}\n");
    const ae_shape *rs = &z.exp.model.layers[0].out_shape;
    cr_assert(rs->ndim == 2 && rs->d[0] == 4 && rs->d[1] == 3);
    float xv[6] = {1, 2, 3, -4, -5, -6};
    ae_tensor x = zoo_batch(&z.exp.model.input, 2, xv);
    ae_tape t;
    ae_tape_init(&t);
    ae_forward_ctx fc = {.seed = 1};
    ae_activations acts;
    ae_error err = {0};
    cr_assert_eq(ae_model_forward(&z.model, &t, ae_tape_input(&t, &x), -1, 0, &fc, &acts, &err),
                 AE_OK, "%s", err.msg);
    for (int n = 0; n < 2; n++)
        for (int s = 0; s < 4; s++)
            for (int k = 0; k < 3; k++)
                cr_assert_eq(acts.out[0]->value.data[(n * 4 + s) * 3 + k], xv[n * 3 + k]);
    ae_tape_free(&t);
    zoo_free(&z);
}

/* ---- finite differences through time ---- */

static ae_node *build_seq2seq(ae_tape *t, ae_node **v, void *ctx)
{
    zoo_exp *z = ctx;
    ae_forward_ctx fc = {.seed = z->exp.seed};
    ae_activations acts;
    ae_error err = {0};
    int out = z->exp.model.output_layer;
    if (ae_model_forward(&z->model, t, v[0], -1, out, &fc, &acts, &err) != AE_OK)
        return NULL;
    return acts.out[out];
}

/* T = 5 steps: an LSTM returning sequences, one returning its last state (the code),
 * RepeatVector(5), an LSTM returning sequences, and a dense layer applied at every step.
 * Every output element of every step is checked (random projection), against every
 * element of W, U, b of the three LSTMs, the dense layer and the input. */
Test(zoo_lstm, seq2seq_gradient_through_time_passes_fd, .timeout = 30)
{
    zoo_exp z;
    zoo_load(&z, ZOO_HEAD "model:\n"
                          "  input: [5, 3]\n"
                          "  code: enc\n"
                          "  layers:\n"
                          "    - {name: l1, type: lstm, units: 4, return_sequences: true}\n"
                          "    - {name: enc, type: lstm, units: 3}\n"
                          "    - {name: rep, type: repeat, steps: 5}\n"
                          "    - {name: dec, type: lstm, units: 4, return_sequences: true}\n"
                          "    - {name: out, type: dense, units: 3}\n"
                          "loss: {reconstruction: mse}\n");
    /* Biases away from zero too (not only the forget gate's 1), so every gate's bias
     * gradient is exercised at a generic point. */
    static const char *const lstms[] = {"l1", "enc", "dec"};
    for (int k = 0; k < 3; k++) {
        ae_param *b = zoo_param(&z, lstms[k], "b");
        ae_tensor noise = b->value;
        gc_fill_uniform(&noise, -0.5f, 0.5f, 60 + (unsigned)k);
        for (size_t i = 0; i < b->value.size; i++)
            b->value.data[i] += i >= b->value.size / 4 && i < b->value.size / 2 ? 1.0f : 0.0f;
    }
    float xv[2 * 5 * 3];
    ae_tensor x = zoo_batch(&z.exp.model.input, 2, xv);
    gc_fill_uniform(&x, -1.0f, 1.0f, 61);
    /* smooth (sigmoid, tanh, products): 1e-3 with h = 1e-2 */
    gc_result r = gc_check(&x, 1, &z.model.params, build_seq2seq, &z, 1e-2f);
    gc_assert(r, 1e-3, "LSTM seq2seq, T = 5");
    /* the check covered the recurrent kernels: there are 3 of them among the parameters */
    int recurrent = 0;
    for (size_t p = 0; p < z.model.params.count; p++)
        recurrent += strstr(z.model.params.items[p].name, "/U") != NULL;
    cr_assert_eq(recurrent, 3);
    zoo_free(&z);
}

/* The contractive term: its exact closed form against a finite-difference Jacobian of the
 * model's own code layer, the stochastic estimate on a deeper encoder against the same, and
 * the configuration error when the exact form cannot apply. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "test_zoo_util.h"
#include "train/train.h"

enum { IN = 6 };

/* The term's logged value (weight · mean over the batch of ‖J‖²_F) in evaluation mode. */
static double contractive_value(zoo_exp *z, float *x, int n)
{
    ae_tape t;
    ae_tape_init(&t);
    ae_tensor xt = zoo_batch(&z->exp.model.input, n, x);
    ae_loss_terms terms;
    ae_error err = {0};
    cr_assert_eq(ae_phase_loss(&z->model, &z->exp, &z->exp.train.phases[0], &t, &xt, 0, 0, &terms,
                               &err),
                 AE_OK, "loss: %s", err.msg);
    double v = NAN;
    for (size_t k = 0; k < terms.n; k++)
        if (!strcmp(terms.name[k], "contractive"))
            v = terms.value[k]->value.data[0];
    ae_tape_free(&t);
    cr_assert(!isnan(v), "no contractive term in the loss");
    return v;
}

/* The code layer's output for one sample x (IN values) into h. */
static void code_of(zoo_exp *z, const float *x, double *h)
{
    int code = z->exp.model.code_layer;
    float xv[IN];
    memcpy(xv, x, sizeof xv);
    ae_tensor xt = zoo_batch(&z->exp.model.input, 1, xv);
    ae_tape t;
    ae_tape_init(&t);
    ae_forward_ctx fc = {.seed = z->exp.seed};
    ae_activations acts;
    ae_error err = {0};
    cr_assert_eq(ae_model_forward(&z->model, &t, ae_tape_input(&t, &xt), -1, code, &fc, &acts,
                                  &err),
                 AE_OK, "%s", err.msg);
    for (size_t j = 0; j < acts.out[code]->value.size; j++)
        h[j] = acts.out[code]->value.data[j];
    ae_tape_free(&t);
}

/* Mean over the n samples of ‖∂h/∂x‖²_F by central differences of the model's forward
 * (step 1e-2: truncation O(h²)·f''' ≈ 1e-5 relative, float rounding ≈ 1e-5). */
static double fd_jacobian_norm2(zoo_exp *z, const float *x, int n)
{
    const double step = 1e-2;
    int units = (int)ae_shape_size(&z->exp.model.layers[z->exp.model.code_layer].out_shape);
    double total = 0, hp[16], hm[16];
    cr_assert(units <= 16);
    for (int s = 0; s < n; s++)
        for (int i = 0; i < IN; i++) {
            float xp[IN], xm[IN];
            memcpy(xp, x + s * IN, sizeof xp);
            memcpy(xm, x + s * IN, sizeof xm);
            xp[i] += (float)step;
            xm[i] -= (float)step;
            code_of(z, xp, hp);
            code_of(z, xm, hm);
            double taken = (double)xp[i] - (double)xm[i];
            for (int j = 0; j < units; j++) {
                double d = (hp[j] - hm[j]) / taken;
                total += d * d;
            }
        }
    return total / n;
}

/* Kernel and bias of a layer drawn well away from the initialiser's small values, so that
 * the code units sit at different points of their activation (f' far from constant). */
static void randomise(zoo_exp *z, const char *layer, unsigned seed)
{
    gc_fill_uniform(&zoo_param(z, layer, "W")->value, -1.5f, 1.5f, seed);
    gc_fill_uniform(&zoo_param(z, layer, "b")->value, -1.0f, 1.0f, seed + 1);
}

Test(zoo_contractive, exact_equals_fd_jacobian_norm)
{
    static const char *const acts[] = {"sigmoid", "tanh", "linear"};
    float x[5 * IN];
    ae_tensor xt = {.ndim = 1, .size = 5 * IN, .data = x};
    gc_fill_uniform(&xt, 0.0f, 1.0f, 3);
    for (int a = 0; a < 3; a++) {
        char yaml[2048];
        snprintf(yaml, sizeof yaml,
                 ZOO_HEAD "model:\n"
                          "  input: [6]\n"
                          "  code: code\n"
                          "  layers:\n"
                          "    - {name: code, type: dense, units: 4, activation: %s}\n"
                          "    - {name: out, type: dense, units: 6, activation: sigmoid}\n"
                          "loss:\n"
                          "  reconstruction: bce\n"
                          "  terms: [{type: contractive, layer: code, weight: 0.5}]\n",
                 acts[a]);
        zoo_exp z;
        zoo_load(&z, yaml);
        randomise(&z, "code", 100 + (unsigned)a);
        double term = contractive_value(&z, x, 5);
        double fd = 0.5 * fd_jacobian_norm2(&z, x, 5);
        cr_assert(fabs(term - fd) <= 1e-3 * fd, "%s: term %.7g, finite-difference 0.5·‖J‖² %.7g",
                  acts[a], term, fd);
        cr_assert_gt(fd, 1e-3, "%s: a vanishing Jacobian would make the check empty", acts[a]);
        zoo_free(&z);
    }
}

/* The stochastic estimate E‖h(x + σε) − h(x)‖² / σ² on a two-layer encoder (where no closed
 * form applies), 64 samples × 64 draws at σ = 0.01, against the finite-difference norm.
 * For a linear map the estimate's relative standard deviation per draw is
 * sqrt(2·Σλ⁴)/Σλ² ≤ √2 (λ the singular values of J), so over 4096 draws it is at most 2.2 %;
 * the bias at σ = 0.01 is O(σ²). Tolerance 10 % (≥ 4.5 standard deviations). One draw per
 * sample (samples: 1) is also unbiased but far noisier: it must land within 50 %. */
Test(zoo_contractive, stochastic_estimate_approaches_fd_norm)
{
    enum { N = 64 };
    static float x[N * IN];
    ae_tensor xt = {.ndim = 1, .size = N * IN, .data = x};
    gc_fill_uniform(&xt, 0.0f, 1.0f, 5);
    double fd = 0;
    static const int samples[2] = {64, 1};
    static const double tol[2] = {0.10, 0.50};
    for (int k = 0; k < 2; k++) {
        char yaml[2048];
        snprintf(yaml, sizeof yaml,
                 ZOO_HEAD "model:\n"
                          "  input: [6]\n"
                          "  code: code\n"
                          "  layers:\n"
                          "    - {name: h, type: dense, units: 5, activation: tanh}\n"
                          "    - {name: code, type: dense, units: 3, activation: sigmoid}\n"
                          "    - {name: out, type: dense, units: 6, activation: sigmoid}\n"
                          "loss:\n"
                          "  reconstruction: bce\n"
                          "  terms: [{type: contractive, layer: code, weight: 1, method: "
                          "stochastic, samples: %d, sigma: 0.01}]\n",
                 samples[k]);
        zoo_exp z;
        zoo_load(&z, yaml);
        randomise(&z, "h", 200);
        randomise(&z, "code", 202);
        if (k == 0)
            fd = fd_jacobian_norm2(&z, x, N);
        double est = contractive_value(&z, x, N);
        cr_assert(fabs(est - fd) <= tol[k] * fd,
                  "samples %d: stochastic estimate %.6g, finite-difference ‖J‖² %.6g", samples[k],
                  est, fd);
        cr_assert_gt(fd, 1e-3);
        zoo_free(&z);
    }
}

/* The exact form on a layer it does not describe is a configuration error that names the
 * layer, says why, points at the term's `layer:` and offers the way out. */
Test(zoo_contractive, exact_on_deeper_encoder_is_config_error)
{
    static const char yaml[] =
        ZOO_HEAD "model:\n"                                                     /* line 5 */
                 "  input: [6]\n"
                 "  code: code\n"
                 "  layers:\n"
                 "    - {name: h, type: dense, units: 5, activation: tanh}\n"
                 "    - {name: code, type: dense, units: 3, activation: sigmoid}\n" /* 10 */
                 "    - {name: out, type: dense, units: 6, activation: sigmoid}\n"
                 "loss:\n"
                 "  reconstruction: bce\n"
                 "  terms:\n"
                 "    - {type: contractive, layer: code, weight: 0.1}\n"; /* line 15 */
    char *msg = zoo_config_errors(yaml);
    cr_assert(strstr(msg, "zoo.yaml:15:"), "not located at the term's line 15: %s", msg);
    cr_assert(strstr(msg, "exact contractive term"), "%s", msg);
    cr_assert(strstr(msg, "'code'"), "the layer is not named: %s", msg);
    cr_assert(strstr(msg, "method: stochastic"), "no way out offered: %s", msg);
    free(msg);

    /* one dense layer, but a relu: its f' is not a function the closed form covers */
    static const char relu[] =
        ZOO_HEAD "model:\n"
                 "  input: [6]\n"
                 "  code: code\n"
                 "  layers:\n"
                 "    - {name: code, type: dense, units: 3, activation: relu}\n"
                 "    - {name: out, type: dense, units: 6, activation: sigmoid}\n"
                 "loss:\n"
                 "  reconstruction: bce\n"
                 "  terms: [{type: contractive, layer: code, weight: 0.1, method: exact}]\n";
    msg = zoo_config_errors(relu);
    cr_assert(strstr(msg, "exact contractive term") && strstr(msg, "method: stochastic"), "%s",
              msg);
    free(msg);

    /* the same deeper encoder with method: stochastic is accepted */
    static const char ok[] =
        ZOO_HEAD "model:\n"
                 "  input: [6]\n"
                 "  code: code\n"
                 "  layers:\n"
                 "    - {name: h, type: dense, units: 5, activation: tanh}\n"
                 "    - {name: code, type: dense, units: 3, activation: sigmoid}\n"
                 "    - {name: out, type: dense, units: 6, activation: sigmoid}\n"
                 "loss:\n"
                 "  reconstruction: bce\n"
                 "  terms: [{type: contractive, layer: code, weight: 0.1, method: stochastic}]\n";
    zoo_exp z;
    zoo_load(&z, ok);
    zoo_free(&z);
}

/* The exact term's gradient: the closed form is built from tape ops (h, W), so training
 * differentiates it like any loss; checked by finite differences over the parameters. */
typedef struct cae_fd {
    zoo_exp *z;
} cae_fd;

static ae_node *build_cae_loss(ae_tape *t, ae_node **v, void *ctx)
{
    cae_fd *c = ctx;
    const ae_experiment *e = &c->z->exp;
    const ae_phase_spec *phase = &e->train.phases[0];
    ae_forward_ctx fc = {.seed = e->seed, .phase = phase};
    ae_activations acts;
    ae_error err = {0};
    if (ae_model_forward(&c->z->model, t, v[0], -1, phase->output_layer, &fc, &acts, &err) != AE_OK)
        return NULL;
    ae_loss_terms terms;
    if (ae_loss_build(&c->z->model, &e->loss, phase, t, &acts, v[0], v[0], &fc, &terms, &err) !=
        AE_OK)
        return NULL;
    return terms.value[1]; /* the contractive term alone */
}

Test(zoo_contractive, exact_term_gradient_passes_fd)
{
    static const char *const acts[] = {"sigmoid", "tanh"};
    for (int a = 0; a < 2; a++) {
        char yaml[2048];
        snprintf(yaml, sizeof yaml,
                 ZOO_HEAD "model:\n"
                          "  input: [6]\n"
                          "  code: code\n"
                          "  layers:\n"
                          "    - {name: code, type: dense, units: 4, activation: %s}\n"
                          "    - {name: out, type: dense, units: 6}\n"
                          "loss:\n"
                          "  reconstruction: mse\n"
                          "  terms: [{type: contractive, layer: code, weight: 1}]\n",
                 acts[a]);
        zoo_exp z;
        zoo_load(&z, yaml);
        randomise(&z, "code", 300);
        float xv[3 * IN];
        ae_tensor x = zoo_batch(&z.exp.model.input, 3, xv);
        gc_fill_uniform(&x, 0.0f, 1.0f, 301);
        cae_fd c = {&z};
        gc_assert(gc_check(&x, 1, &z.model.params, build_cae_loss, &c, 1e-2f), 2e-3, acts[a]);
        zoo_free(&z);
    }
}

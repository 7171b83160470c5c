/* The variational pieces: kl_normal against its closed form, the sampling
 * layer's σ under both parameterisations (log σ² of Hands-On, log σ with an ε
 * std of the Keras post), its random stream, its gradient by finite
 * differences with ε held fixed, and evaluation at the mean. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "test_zoo_util.h"
#include "train/train.h"

/* ---- kl_normal on fixed inputs ---- */

/* The input x = [μ (3 values), s (3 values)] is passed through unchanged: mu and s are
 * dense layers whose kernels select their half of x (biases zero), so μ and s are exactly
 * the fixed numbers below. s is log σ² or log σ, as the term is configured. */
static const char *kl_yaml(bool log_sigma)
{
    static char buf[2048];
    const char *key = log_sigma ? "log_sigma" : "log_var";
    snprintf(buf, sizeof buf,
             ZOO_HEAD "model:\n"
                      "  input: [6]\n"
                      "  code: z\n"
                      "  layers:\n"
                      "    - {name: mu, type: dense, units: 3}\n"
                      "    - {name: s, type: dense, units: 3, input: input}\n"
                      "    - {name: z, type: sampling, mean: mu, %s: s}\n"
                      "    - {name: out, type: dense, units: 6}\n"
                      "loss:\n"
                      "  reconstruction: mse\n"
                      "  terms: [{type: kl_normal, layer: mu, %s: s, weight: 0.5}]\n",
             key, key);
    return buf;
}

static void select_half(ae_param *w, ae_param *b, int offset)
{
    memset(w->value.data, 0, w->value.size * sizeof(float));
    memset(b->value.data, 0, b->value.size * sizeof(float));
    for (int j = 0; j < 3; j++) /* W is [in, out]: input offset+j feeds unit j */
        w->value.data[(offset + j) * 3 + j] = 1.0f;
}

/* The logged value of the term called name in an evaluation-mode loss of x (n samples). */
static double term_value(zoo_exp *z, float *x, int n, const char *name, bool training)
{
    ae_tape t;
    ae_tape_init(&t);
    t.training = training;
    ae_tensor xt = zoo_batch(&z->exp.model.input, n, x);
    ae_loss_terms terms;
    ae_error err = {0};
    cr_assert_eq(ae_phase_loss(&z->model, &z->exp, &z->exp.train.phases[0], &t, &xt, 0, 0, &terms,
                               &err),
                 AE_OK, "loss: %s", err.msg);
    double v = NAN;
    for (size_t k = 0; k < terms.n; k++)
        if (!strcmp(terms.name[k], name))
            v = terms.value[k]->value.data[0];
    ae_tape_free(&t);
    cr_assert(!isnan(v), "no term %s in the loss", name);
    return v;
}

Test(zoo_vae, kl_normal_matches_closed_form)
{
    /* rows: μ (3), then s (3). Row 0 is the prior itself (KL 0); the others range over
     * negative and positive means and spreads. */
    float x[4 * 6] = {0, 0, 0, 0, 0, 0,
                      1, -2, 0.5f, 0.3f, -1, 2,
                      -0.7f, 0.1f, 3, -2.5f, 0.8f, 0,
                      0.25f, 0, -1.5f, 1.2f, -0.4f, -3};
    for (int param = 0; param < 2; param++) {
        bool log_sigma = param == 1;
        zoo_exp z;
        zoo_load(&z, kl_yaml(log_sigma));
        select_half(zoo_param(&z, "mu", "W"), zoo_param(&z, "mu", "b"), 0);
        select_half(zoo_param(&z, "s", "W"), zoo_param(&z, "s", "b"), 3);
        /* closed form: KL(N(μ, σ²) ‖ N(0, 1)) = ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²), mean over
         * the batch, times the weight 0.5 */
        double expected = 0;
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 3; j++) {
                double mu = x[i * 6 + j], s = x[i * 6 + 3 + j];
                double log_var = log_sigma ? 2 * s : s;
                expected += 0.5 * (mu * mu + exp(log_var) - 1 - log_var);
            }
        expected = 0.5 * expected / 4;
        double got = term_value(&z, x, 4, "kl_normal", false);
        cr_assert(fabs(got - expected) <= 1e-5 * fabs(expected), "%s: KL %.8g, closed form %.8g",
                  log_sigma ? "log_sigma" : "log_var", got, expected);
        /* the prior alone: exactly zero */
        cr_assert_float_eq(term_value(&z, x, 1, "kl_normal", false), 0.0, 1e-7);
        /* one sample μ = (1, −2, 0.5) at σ = 1 only pays ½ Σ μ² = 2.625, weighted by 0.5 */
        float mean_only[6] = {1, -2, 0.5f, 0, 0, 0};
        cr_assert_float_eq(term_value(&z, mean_only, 1, "kl_normal", false), 0.5 * 2.625, 1e-6);
        zoo_free(&z);
    }
}

/* ---- the sampling layer ---- */

/* 784-free miniature of the two experiments: mu and s read a tanh hidden layer. */
static const char *vae_yaml(bool log_sigma, double eps_std)
{
    static char buf[2048];
    const char *key = log_sigma ? "log_sigma" : "log_var";
    snprintf(buf, sizeof buf,
             ZOO_HEAD "model:\n"
                      "  input: [5]\n"
                      "  code: z\n"
                      "  layers:\n"
                      "    - {name: h, type: dense, units: 4, activation: tanh}\n"
                      "    - {name: mu, type: dense, units: 2}\n"
                      "    - {name: s, type: dense, units: 2, input: h}\n"
                      "    - {name: z, type: sampling, mean: mu, %s: s, epsilon_std: %g}\n"
                      "    - {name: dec, type: dense, units: 4, activation: tanh}\n"
                      "    - {name: out, type: dense, units: 5, activation: sigmoid}\n"
                      "loss:\n"
                      "  reconstruction: bce\n"
                      "  reduction: sum\n"
                      "  terms: [{type: kl_normal, layer: mu, %s: s, weight: 1}]\n",
             key, eps_std, key);
    return buf;
}

typedef struct vae_fd {
    zoo_exp *z;
    ae_tensor target;
    uint64_t batch;
} vae_fd;

/* The training loss of the VAE on the variable input, the target a constant copy (as in
 * training: the target is data, not a function of the encoder's input). */
static ae_node *build_vae_loss(ae_tape *t, ae_node **v, void *ctx)
{
    vae_fd *c = ctx;
    const ae_experiment *e = &c->z->exp;
    const ae_phase_spec *phase = &e->train.phases[0];
    t->training = true;
    ae_forward_ctx fc = {.seed = e->seed, .epoch = 0, .batch = c->batch, .phase = phase,
                         .output_logits = ae_loss_wants_logits(&e->model, &e->loss,
                                                               phase->output_layer)};
    ae_activations acts;
    ae_error err = {0};
    if (ae_model_forward(&c->z->model, t, v[0], -1, phase->output_layer, &fc, &acts, &err) != AE_OK)
        return NULL;
    ae_loss_terms terms;
    if (ae_loss_build(&c->z->model, &e->loss, phase, t, &acts, v[0],
                      ae_tape_input(t, &c->target), &fc, &terms, &err) != AE_OK)
        return NULL;
    return terms.total;
}

Test(zoo_vae, sampling_gradient_passes_fd_with_eps_fixed)
{
    /* Both parameterisations; ε ~ N(0, 0.5²) for the log σ form (the Keras post's option).
     * The ε of a forward are drawn once, at build time, into a tape input; replays for the
     * finite differences reuse them, so the loss is a smooth function of the parameters. */
    for (int param = 0; param < 2; param++) {
        bool log_sigma = param == 1;
        zoo_exp z;
        zoo_load(&z, vae_yaml(log_sigma, log_sigma ? 0.5 : 1.0));
        /* log σ around e^0.5 so σ·ε matters: a bias of 1 on the s layer */
        ae_param *sb = zoo_param(&z, "s", "b");
        for (size_t k = 0; k < sb->value.size; k++)
            sb->value.data[k] = log_sigma ? 0.5f : 1.0f;
        float xv[3 * 5], tv[3 * 5];
        ae_tensor x = zoo_batch(&z.exp.model.input, 3, xv);
        vae_fd c = {&z, zoo_batch(&z.exp.model.input, 3, tv), 0};
        gc_fill_uniform(&x, 0.05f, 0.95f, 11);
        gc_fill_uniform(&c.target, 0.0f, 1.0f, 12);
        /* Smooth everywhere (tanh, exp, sigmoid + BCE): 2e-3 with h = 1e-2 leaves room
         * only for float rounding and the O(h²) truncation of the central difference. */
        gc_result r = gc_check(&x, 1, &z.model.params, build_vae_loss, &c, 1e-2f);
        gc_assert(r, 2e-3, log_sigma ? "VAE (log_sigma, eps std 0.5)" : "VAE (log_var)");
        zoo_free(&z);
    }
}

/* The recorded ε are what replays use: replaying reproduces the loss bit for bit, while a
 * fresh build of another batch (another ε) changes it, and a gradient flows into s (the
 * noise path is live, so the FD check above would fail if replays redrew ε). */
Test(zoo_vae, replay_reuses_the_recorded_eps)
{
    zoo_exp z;
    zoo_load(&z, vae_yaml(false, 1.0));
    float xv[4 * 5], tv[4 * 5];
    ae_tensor x = zoo_batch(&z.exp.model.input, 4, xv);
    vae_fd c = {&z, zoo_batch(&z.exp.model.input, 4, tv), 0};
    gc_fill_uniform(&x, 0.05f, 0.95f, 21);
    gc_fill_uniform(&c.target, 0.0f, 1.0f, 22);

    ae_tape t;
    ae_tape_init(&t);
    ae_node *xin = ae_tape_variable(&t, &x);
    ae_node *loss = build_vae_loss(&t, &xin, &c);
    cr_assert_not_null(loss, "%s", t.err.msg);
    float built = loss->value.data[0];
    for (int k = 0; k < 3; k++) {
        ae_tape_replay(&t);
        cr_assert_eq(loss->value.data[0], built, "replay %d changed the loss: %.9g vs %.9g", k,
                     loss->value.data[0], built);
    }
    ae_params_zero_grad(&z.model.params);
    ae_error err = {0};
    cr_assert_eq(ae_tape_backward(&t, loss, &err), AE_OK, "%s", err.msg);
    ae_param *sw = zoo_param(&z, "s", "W");
    double g = 0;
    for (size_t k = 0; k < sw->value.size; k++)
        g += fabs(sw->grad[k]);
    cr_assert_gt(g, 1e-4, "no gradient reaches the log-variance layer");

    ae_tape t2;
    ae_tape_init(&t2);
    vae_fd c2 = c;
    c2.batch = 1;
    ae_node *xin2 = ae_tape_variable(&t2, &x);
    ae_node *loss2 = build_vae_loss(&t2, &xin2, &c2);
    cr_assert_not_null(loss2);
    cr_assert_neq(loss2->value.data[0], built, "batch 1 drew the same ε as batch 0");
    ae_tape_free(&t2);
    ae_tape_free(&t);
    zoo_free(&z);
}

/* z − μ = σ·ε: over 4000 draws, its mean is ≈ 0 and its std is eps_std·σ with
 * σ = exp(½·s) for log_var and exp(s) for log_sigma. The s layer is made a constant c
 * (zero kernel, bias c) so σ is known. Std error of a sample std over 4000 normal draws
 * is 1.1 %: the 5 % tolerance is 4.5 standard errors. In evaluation, z is μ exactly. */
Test(zoo_vae, sigma_parameterisations_and_eval_mean)
{
    enum { N = 2000 }; /* × 2 latent dims */
    static float xv[N * 5];
    const float c = 0.6f;
    for (int param = 0; param < 2; param++) {
        bool log_sigma = param == 1;
        double eps_std = log_sigma ? 0.1 : 1.0; /* the Keras post's 0.1; Hands-On's 1 */
        zoo_exp z;
        zoo_load(&z, vae_yaml(log_sigma, eps_std));
        ae_param *sw = zoo_param(&z, "s", "W"), *sb = zoo_param(&z, "s", "b");
        memset(sw->value.data, 0, sw->value.size * sizeof(float));
        for (size_t k = 0; k < sb->value.size; k++)
            sb->value.data[k] = c;
        ae_tensor x = zoo_batch(&z.exp.model.input, N, xv);
        gc_fill_uniform(&x, 0.0f, 1.0f, 31);
        int zl = ae_model_find_layer(&z.exp.model, "z");
        int ml = ae_model_find_layer(&z.exp.model, "mu");
        for (int training = 1; training >= 0; training--) {
            ae_tape t;
            ae_tape_init(&t);
            t.training = training;
            ae_forward_ctx fc = {.seed = z.exp.seed, .epoch = 3, .batch = 5};
            ae_activations acts;
            ae_error err = {0};
            cr_assert_eq(ae_model_forward(&z.model, &t, ae_tape_input(&t, &x), -1, zl, &fc, &acts,
                                          &err),
                         AE_OK, "%s", err.msg);
            const float *zv = acts.out[zl]->value.data, *mv = acts.out[ml]->value.data;
            if (!training) {
                cr_assert_eq(memcmp(zv, mv, (size_t)N * 2 * sizeof(float)), 0,
                             "evaluation must use the mean");
            } else {
                double sum = 0, sq = 0;
                for (size_t k = 0; k < (size_t)N * 2; k++) {
                    double d = (double)zv[k] - mv[k];
                    sum += d;
                    sq += d * d;
                }
                double mean = sum / (2 * N), sd = sqrt(sq / (2 * N) - mean * mean);
                double sigma = log_sigma ? exp(c) : exp(0.5 * c);
                cr_assert(fabs(sd / (eps_std * sigma) - 1) < 0.05,
                          "%s: std of z − μ %.5g, expected eps_std·σ = %.5g",
                          log_sigma ? "log_sigma" : "log_var", sd, eps_std * sigma);
                cr_assert(fabs(mean) < 4 * eps_std * sigma / sqrt(2 * N), "mean of z − μ %.3g",
                          mean);
            }
            ae_tape_free(&t);
        }
        zoo_free(&z);
    }
}

/* The draws are addressed by (seed, layer, epoch, batch): the same address gives the same z,
 * another batch or another seed other ones. */
Test(zoo_vae, sampling_stream_is_addressable)
{
    zoo_exp z;
    zoo_load(&z, vae_yaml(false, 1.0));
    float xv[8 * 5];
    ae_tensor x = zoo_batch(&z.exp.model.input, 8, xv);
    gc_fill_uniform(&x, 0.0f, 1.0f, 41);
    int zl = ae_model_find_layer(&z.exp.model, "z");
    float out[4][16];
    const uint64_t seeds[4] = {7, 7, 7, 8}, batches[4] = {2, 2, 3, 2};
    for (int k = 0; k < 4; k++) {
        ae_tape t;
        ae_tape_init(&t);
        t.training = true;
        ae_forward_ctx fc = {.seed = seeds[k], .epoch = 1, .batch = batches[k]};
        ae_activations acts;
        ae_error err = {0};
        cr_assert_eq(ae_model_forward(&z.model, &t, ae_tape_input(&t, &x), -1, zl, &fc, &acts,
                                      &err),
                     AE_OK, "%s", err.msg);
        memcpy(out[k], acts.out[zl]->value.data, sizeof out[k]);
        ae_tape_free(&t);
    }
    cr_assert_eq(memcmp(out[0], out[1], sizeof out[0]), 0, "same address, different draws");
    cr_assert_neq(memcmp(out[0], out[2], sizeof out[0]), 0, "another batch, same draws");
    cr_assert_neq(memcmp(out[0], out[3], sizeof out[0]), 0, "another seed, same draws");
    zoo_free(&z);
}

/* loss.reduction: sum gives the reconstruction summed over each sample's features and
 * averaged over the batch (the VAEs' form): F times the per-element mean, on the same model
 * and batch. */
Test(zoo_vae, reduction_sum_is_summed_over_features)
{
    float x[4 * 6];
    ae_tensor xt = {.ndim = 1, .size = 4 * 6, .data = x};
    gc_fill_uniform(&xt, 0.0f, 1.0f, 71);
    double recon[2];
    for (int k = 0; k < 2; k++) {
        char yaml[2048];
        snprintf(yaml, sizeof yaml,
                 ZOO_HEAD "model:\n"
                          "  input: [6]\n"
                          "  code: z\n"
                          "  layers:\n"
                          "    - {name: mu, type: dense, units: 2}\n"
                          "    - {name: s, type: dense, units: 2, input: input}\n"
                          "    - {name: z, type: sampling, mean: mu, log_var: s}\n"
                          "    - {name: out, type: dense, units: 6, activation: sigmoid}\n"
                          "loss:\n"
                          "  reconstruction: bce\n"
                          "  reduction: %s\n"
                          "  terms: [{type: kl_normal, layer: mu, log_var: s, weight: 1}]\n",
                 k ? "sum" : "mean");
        zoo_exp z;
        zoo_load(&z, yaml);
        recon[k] = term_value(&z, x, 4, "recon", false);
        zoo_free(&z);
    }
    cr_assert(recon[0] > 0.1, "BCE %.6g", recon[0]);
    cr_assert(fabs(recon[1] - 6 * recon[0]) <= 1e-5 * recon[1], "sum %.7g, 6 × mean %.7g",
              recon[1], 6 * recon[0]);
}

/* The sines model (experiments/synthetic/sines.yaml: LSTM(16) → RepeatVector →
 * LSTM(32, return_sequences) → dense per step) must learn its data, judged against
 * bounds derived from the data rather than tuned.
 *
 * The data are x_t = s_t + ε_t, s a sine of random frequency and phase (E s² = ½), ε ~ N(0,
 * σ²) with σ = 0.1, independent of everything. For any reconstruction ŷ of a test sequence,
 *   MSE = E(ŷ − s)² + σ²  (the cross term vanishes as far as ŷ cannot follow the noise),
 * so:
 *   floor    σ² = 0.01: no model gets below it on unseen data except by copying the noise
 *            itself through its code of 16 values, which can carry at most 16 of the T noise
 *            values of a sequence: MSE ≥ (1 − 16/T)·σ². Below that, the loss is wrong.
 *   trivial  MSE₀, the better of predicting 0 and predicting each step's training mean
 *            (the best input-independent outputs), computed here from the data: ≈ ½ + σ².
 *   bound    σ² + 0.1·(MSE₀ − σ²) ≈ 0.06: the error on the clean signal is at most a tenth
 *            of the trivial one, i.e. the model captures 90 % of the signal's power. A
 *            trivial predictor sits at 10× that excess, so it cannot pass.
 *
 * Training is short and made dependable. The experiment's model, Adam at lr 0.01 and its
 * data generator, with T = 25 steps, 600 training and 200 test sequences, batch 10, 36
 * epochs (2160 updates), gradients clipped to a global norm of 1, and lr 0.001 for the last
 * 9 epochs. Why not the experiment's own settings for fewer epochs: this model's loss first
 * sits on the plateau of the mean prediction (≈ 0.5) and leaves it after a number of updates
 * that varies a lot with the seed, and at lr 0.01 it has spikes back up. Measured over seeds
 * 1–8 with the experiment's batch 50 and T = 50, 12 epochs of 2000 sequences left 3 of 8
 * seeds above 0.1 (a PyTorch twin of the model behaves the same: 1 of 5 seeds at 0.19). With
 * the settings here, seeds 1–16 all ended between 0.010 and 0.040.
 *
 * Under valgrind (an update takes about a second there) the same loop runs 10 updates as a
 * memory check, and only asserts that the loss stays finite and does not blow up. */
#include <cblas.h>
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "test_zoo_util.h"
#include "train/datasets.h"
#include "train/train.h"

enum { TRAIN = 600, TEST = 200, STEPS = 25, BATCH = 10, EPOCHS = 36, DECAY_AT = 27 };

/* experiments/synthetic/sines.yaml with the overrides above. */
static void load_sines(ae_cfg_doc **doc, ae_experiment *exp)
{
    char path[4096], set[7][64];
    test_srcpath(path, sizeof path, "experiments/synthetic/sines.yaml");
    ae_diags d;
    ae_diags_init(&d);
    cr_assert_eq(ae_cfg_load(path, doc, &d), 0, "%s", d.count ? d.items[0].msg : "?");
    snprintf(set[0], sizeof set[0], "data.sines.train=%d", TRAIN);
    snprintf(set[1], sizeof set[1], "data.sines.test=%d", TEST);
    snprintf(set[2], sizeof set[2], "data.sines.steps=%d", STEPS);
    snprintf(set[3], sizeof set[3], "model.input=[%d, 1]", STEPS);
    snprintf(set[4], sizeof set[4], "model.layers.1.steps=%d", STEPS); /* the repeat layer */
    snprintf(set[5], sizeof set[5], "train.batch_size=%d", BATCH);
    snprintf(set[6], sizeof set[6], "train.optimizer.clipnorm=1");
    for (int k = 0; k < 7; k++)
        cr_assert_eq(ae_cfg_apply_override(*doc, set[k], &d), 0, "%s: %s", set[k],
                     d.count ? d.items[0].msg : "?");
    cr_assert_eq(ae_experiment_read(*doc, exp, &d), AE_OK, "%s", d.count ? d.items[0].msg : "?");
    ae_diags_free(&d);
}

Test(zoo_sines, lstm_autoencoder_beats_noise_derived_bound, .timeout = 120)
{
    openblas_set_num_threads(1); /* tiny products: threads only add contention */
    ae_cfg_doc *doc;
    ae_experiment exp;
    load_sines(&doc, &exp);
    const double sigma2 = exp.data.sines_noise * exp.data.sines_noise;
    cr_assert_float_eq(sigma2, 0.01, 1e-12, "the experiment's noise changed: rederive the bound");
    cr_assert_float_eq(exp.train.optim.lr, 0.01, 1e-9, "the experiment's lr changed");

    ae_dataset train, test;
    ae_error err = {0};
    cr_assert_eq(ae_experiment_datasets(&exp, &train, &test, &err), AE_OK, "%s", err.msg);
    cr_assert(train.n == TRAIN && test.n == TEST && train.h == STEPS && train.w == 1);

    /* the trivial predictors, from the data */
    double zero = 0, step_mean = 0, mean[STEPS] = {0};
    for (size_t i = 0; i < train.n; i++)
        for (int s = 0; s < STEPS; s++)
            mean[s] += train.x[i * STEPS + s] / (double)train.n;
    for (size_t i = 0; i < test.n; i++)
        for (int s = 0; s < STEPS; s++) {
            double v = test.x[i * STEPS + s];
            zero += v * v;
            step_mean += (v - mean[s]) * (v - mean[s]);
        }
    zero /= (double)(test.n * STEPS);
    step_mean /= (double)(test.n * STEPS);
    double trivial = fmin(zero, step_mean);
    int code = exp.model.layers[exp.model.code_layer].units;
    double bound = sigma2 + 0.1 * (trivial - sigma2), floor = (1 - (double)code / STEPS) * sigma2;
    cr_assert(trivial > 0.4, "trivial MSE %.4f: the data are not what the bound assumes", trivial);

    /* training: the trainer's step (ae_phase_loss, backward, optimizer) over fixed batches */
    ae_model m;
    cr_assert_eq(ae_model_init(&m, &exp.model, exp.seed, &err), AE_OK, "%s", err.msg);
    const ae_phase_spec *phase = &exp.train.phases[0];
    ae_optim opt;
    cr_assert_eq(ae_optim_init(&opt, &phase->optim, &m.params, &err), AE_OK, "%s", err.msg);
    bool quick = zoo_under_valgrind();
    int epochs = quick ? 1 : EPOCHS, batches = quick ? 10 : TRAIN / BATCH;
    ae_tape t;
    ae_tape_init(&t);
    for (int e = 0; e < epochs; e++) {
        if (e == DECAY_AT)
            ae_optim_set_lr(&opt, 0.1f * opt.cfg.lr);
        for (int b = 0; b < batches; b++) {
            ae_tensor x = zoo_batch(&exp.model.input, BATCH, train.x + (size_t)b * BATCH * STEPS);
            ae_tape_reset(&t);
            t.training = true;
            ae_loss_terms terms;
            cr_assert_eq(ae_phase_loss(&m, &exp, phase, &t, &x, (uint64_t)e, (uint64_t)b, &terms,
                                       &err),
                         AE_OK, "%s", err.msg);
            ae_params_zero_grad(&m.params);
            cr_assert_eq(ae_tape_backward(&t, terms.total, &err), AE_OK, "%s", err.msg);
            cr_assert_eq(ae_optim_step(&opt, &m.params), AE_OK);
        }
    }
    ae_tape_free(&t);
    ae_epoch_losses val;
    cr_assert_eq(ae_evaluate(&m, &exp, phase, &test, &val, &err), AE_OK, "%s", err.msg);

    if (quick) {
        cr_assert(isfinite(val.total) && val.total < 2 * trivial, "test MSE %.5f after %d updates",
                  val.total, batches);
        goto done;
    }
    cr_assert(val.total < bound,
              "test MSE %.5f is not below the bound %.5f (noise² %.3f, trivial %.4f)", val.total,
              bound, sigma2, trivial);
    cr_assert(val.total > floor, "test MSE %.5f below what a %d-value code allows (%.5f)",
              val.total, code, floor);
done:
    ae_optim_free(&opt);
    ae_model_free(&m);
    ae_dataset_free(&train);
    ae_dataset_free(&test);
    ae_experiment_free(&exp);
    ae_cfg_free(doc);
}

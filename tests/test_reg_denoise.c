/* Denoising autoencoders: trained on corrupted inputs against clean targets, they
 * reconstruct corrupted test images closer to the clean ones than the same model trained
 * without corruption does, on the very same corrupted inputs (one fixed draw).
 *
 * keras-blog/denoise-dense.yaml: x + 0.5·N(0, 1) clipped to [0, 1] (the Keras post's
 * corruption), BCE; handson/denoise-gaussian.yaml: x + N(0, 1), MSE;
 * handson/denoise-dropout.yaml: pixels dropped with probability 0.3 (kept ones scaled by
 * 1/0.7, as in training). The baselines are the same files with the corruption switched
 * off (std: 0, rate: 0), everything else equal.
 *
 * Test budgets (the full-scale figures are in docs/results.md): the Keras model on 1500
 * images in batches of 32 for 5 epochs (measured 0.0477 against 0.0502; the gap held over
 * seeds 1-3); the Hands-On Gaussian one on 1000 images, 3 epochs as written (0.20 against
 * 0.32). The dropout denoiser needs more training before it pulls ahead: with a few hundred
 * steps of the full stack the sign of the difference changed with the seed (e.g. 3000
 * images, batch 50, 4 epochs: 0.049 against 0.043 for seed 1, 0.047 against 0.050 for seed
 * 2), so it is tested on the stack narrowed to 784-100-50-100-784 with 900 steps (3000
 * images, batch 20, 6 epochs), where it won over seeds 1-4 (0.0299 against 0.0321 for
 * seed 1). At full scale it wins by far: 0.022 against 0.091. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "core/rng.h"
#include "test_reg_util.h"

/* Inverted dropout of the inputs, as the dropout layer does in training. */
static void dropped_copy(const ae_dataset *data, float rate, uint64_t seed, ae_dataset *out)
{
    ae_error err = {0};
    cr_assert_eq(ae_dataset_alloc(out, data->n, data->c, data->h, data->w, 0, "dropped", &err),
                 AE_OK, "%s", err.msg);
    ae_rng r = ae_rng_stream(seed, AE_RNG_DATA, 8, 0);
    for (size_t i = 0; i < data->n * ae_dataset_sample_size(data); i++)
        out->x[i] = ae_rng_uniform(&r) < rate ? 0.0f : data->x[i] / (1.0f - rate);
}

typedef struct denoise_case {
    const char *file;
    const char *off;     /* the override that switches the corruption off */
    const char *sets[6]; /* the test's training budget (NULL: as written) */
    size_t n_train;
} denoise_case;

/* MSE to the clean test images from the corrupted ones: denoiser, then baseline. */
static void compare(const denoise_case *c, const ae_dataset *corrupted, const ae_dataset *clean,
                    double out[2])
{
    ae_dataset train;
    reg_fashion("train", c->n_train, &train);
    for (int k = 0; k < 2; k++) {
        /* the budget, then (baseline only) the switch; the list ends at the first NULL */
        const char *sets[8] = {0};
        size_t n = 0;
        for (size_t j = 0; j < 6 && c->sets[j]; j++)
            sets[n++] = c->sets[j];
        if (k)
            sets[n++] = c->off;
        reg_exp e;
        reg_exp_load(&e, c->file, sets);
        ae_model m;
        ae_error err = {0};
        cr_assert_eq(ae_model_init(&m, &e.exp.model, e.exp.seed, &err), AE_OK, "%s", err.msg);
        reg_fit(&m, &e.exp, &train);
        out[k] = reg_mse(&m, &e.exp, corrupted, clean);
        ae_model_free(&m);
        reg_exp_free(&e);
    }
    ae_dataset_free(&train);
}

Test(reg_denoise, keras_gaussian_clipped)
{
    reg_one_thread();
    ae_dataset test, noisy;
    reg_fashion("test", 1000, &test);
    reg_noisy_copy(&test, 0.5f, true, 1, &noisy);
    denoise_case c = {"experiments/keras-blog/denoise-dense.yaml",
                      "model.layers.0.std=0",
                      {"train.epochs=5", "train.batch_size=32"},
                      1500};
    double mse[2];
    compare(&c, &noisy, &test, mse);
    cr_log_info("x + 0.5·N(0,1) clipped: MSE to clean, denoiser %.5f, plain %.5f", mse[0], mse[1]);
    cr_assert(mse[0] < mse[1], "denoiser %g is not below the plain model's %g", mse[0], mse[1]);
    ae_dataset_free(&test);
    ae_dataset_free(&noisy);
}

Test(reg_denoise, handson_gaussian)
{
    reg_one_thread();
    ae_dataset test, noisy;
    reg_fashion("test", 1000, &test);
    reg_noisy_copy(&test, 1.0f, false, 2, &noisy);
    denoise_case c = {"experiments/handson/denoise-gaussian.yaml",
                      "model.layers.0.std=0",
                      {"train.epochs=3", NULL},
                      1000};
    double mse[2];
    compare(&c, &noisy, &test, mse);
    cr_log_info("x + N(0,1): MSE to clean, denoiser %.5f, plain %.5f", mse[0], mse[1]);
    cr_assert(mse[0] < mse[1], "denoiser %g is not below the plain model's %g", mse[0], mse[1]);
    ae_dataset_free(&test);
    ae_dataset_free(&noisy);
}

Test(reg_denoise, handson_dropout)
{
    reg_one_thread();
    ae_dataset test, dropped;
    reg_fashion("test", 1000, &test);
    dropped_copy(&test, 0.3f, 3, &dropped);
    denoise_case c = {"experiments/handson/denoise-dropout.yaml",
                      "model.layers.0.rate=0",
                      {"train.epochs=6", "train.batch_size=20", "model.layers.1.units=100",
                       "model.layers.2.units=50", "model.layers.3.units=100", NULL},
                      3000};
    double mse[2];
    compare(&c, &dropped, &test, mse);
    cr_log_info("30 %% of pixels dropped: MSE to clean, denoiser %.5f, plain %.5f", mse[0], mse[1]);
    cr_assert(mse[0] < mse[1], "denoiser %g is not below the plain model's %g", mse[0], mse[1]);
    ae_dataset_free(&test);
    ae_dataset_free(&dropped);
}

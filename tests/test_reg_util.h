/* Helpers of the regularized-dense suites (reg_*): load an experiment file of the
 * source tree with --set style overrides, train it on in-memory data with the
 * library (a plain loop, or the real session), and measure what the experiments
 * exist to show. Every helper asserts (Criterion) instead of returning errors. */
#ifndef AELAB_TESTS_TEST_REG_UTIL_H
#define AELAB_TESTS_TEST_REG_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "config/cfg.h"
#include "data/data.h"
#include "model/model.h"
#include "model/spec.h"
#include "train/train.h"

/* An experiment read from a file, with its config document (both owned). */
typedef struct reg_exp {
    ae_cfg_doc *doc;
    ae_experiment exp;
} reg_exp;

/* Loads the experiment file at `relative` (to the source tree) and applies the
 * NULL-terminated "key=value" overrides (sets may be NULL). */
void reg_exp_load(reg_exp *e, const char *relative, const char *const *sets);
/* The same for YAML text (relative includes resolve against the source tree). */
void reg_exp_load_string(reg_exp *e, const char *yaml);
void reg_exp_free(reg_exp *e);

/* The first n images of a Fashion-MNIST split ("train" or "test") from Debian's
 * package; skips the test (cr_skip_test) when the package is not installed. */
void reg_fashion(const char *split, size_t n, ae_dataset *out);

/* Trains m (already initialised) with the experiment's phases on data: each phase's
 * epochs of shuffled mini-batches through ae_phase_loss, a fresh optimizer and the
 * freeze of the phase, exactly as the trainer does, but without writing a run file
 * (so a thousand tiny epochs cost nothing). */
void reg_fit(ae_model *m, const ae_experiment *exp, const ae_dataset *data);

/* Mean squared error of the whole model's reconstruction (the declared output layer)
 * of `input` against `clean` (both n samples of the input size), evaluation mode. */
double reg_mse(ae_model *m, const ae_experiment *exp, const ae_dataset *input,
               const ae_dataset *clean);

/* Mean of layer's outputs over data (every unit, every sample), evaluation mode. */
double reg_mean_activation(ae_model *m, const ae_experiment *exp, const ae_dataset *data,
                           int layer);

/* Per-unit means of layer's outputs over data into means (width floats, caller-allocated);
 * returns the width. Evaluation mode. */
size_t reg_unit_means(ae_model *m, const ae_experiment *exp, const ae_dataset *data, int layer,
                      double *means);

/* A copy of data with every value x + std·N(0, 1) (clipped to [0, 1] when clip), from the
 * stream (seed, DATA, 7, 0): the same noisy set for every model. Free with ae_dataset_free. */
void reg_noisy_copy(const ae_dataset *data, float std, bool clip, uint64_t seed, ae_dataset *out);

/* A dataset of n samples of d values (c = h = 1, w = d), zeroed. */
void reg_dataset_alloc(ae_dataset *out, size_t n, int d);

/* Limits OpenBLAS to one thread (the suites run in parallel). */
void reg_one_thread(void);

#endif

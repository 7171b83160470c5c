/* Shared by the zoo suites (contractive, variational and sequence models):
 * small experiments built from YAML text, the way `aelab run` builds them
 * (ae_cfg_load_string → ae_experiment_read → ae_model_init). Helpers assert
 * (Criterion) instead of returning errors. */
#ifndef AELAB_TESTS_ZOO_UTIL_H
#define AELAB_TESTS_ZOO_UTIL_H

#include "config/cfg.h"
#include "core/tape.h"
#include "model/model.h"
#include "model/spec_read.h"

/* The sections every test experiment needs besides model and loss: a name, a seed,
 * a dataset (never loaded by these suites) and a training section. */
#define ZOO_HEAD                                                                               \
    "name: zoo\n"                                                                              \
    "seed: 7\n"                                                                                \
    "data: {dataset: sines}\n"                                                                 \
    "train: {optimizer: {type: adam, lr: 0.01}, batch_size: 8, epochs: 1}\n"

typedef struct zoo_exp {
    ae_cfg_doc *doc;
    ae_experiment exp;
    ae_model model;
} zoo_exp;

/* Reads yaml (asserting it is a valid experiment) and initialises its model from
 * the experiment's seed. Free with zoo_free. */
void zoo_load(zoo_exp *z, const char *yaml);
void zoo_free(zoo_exp *z);

/* Reads yaml expecting the experiment reader to reject it; returns every
 * diagnostic as "file:line:col: message" lines (caller frees). */
char *zoo_config_errors(const char *yaml);

/* A tensor [n, per-sample shape s] viewing data (not copied). */
ae_tensor zoo_batch(const ae_shape *s, int n, float *data);

/* The parameter of a layer's slot ("W", "U", "b") by name, asserted to exist. */
ae_param *zoo_param(zoo_exp *z, const char *layer, const char *what);

/* True when the suite runs under valgrind (its preload library is in LD_PRELOAD): long
 * trainings then shrink to a memory check. */
bool zoo_under_valgrind(void);

#endif

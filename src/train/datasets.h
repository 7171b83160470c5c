/* The datasets an experiment's data section names: training set and
 * validation set (the official test split by default, or a held-out
 * fraction of the training set). */
#ifndef AELAB_TRAIN_DATASETS_H
#define AELAB_TRAIN_DATASETS_H

#include "data/data.h"
#include "model/spec.h"

/* Fills train and val (caller frees both with ae_dataset_free). */
ae_code ae_experiment_datasets(const ae_experiment *exp, ae_dataset *train, ae_dataset *val,
                               ae_error *err);
/* The split "test" or "train" of the experiment's dataset, limited to limit samples (0 = all). */
ae_code ae_experiment_split(const ae_experiment *exp, const char *split, size_t limit,
                            ae_dataset *out, ae_error *err);

#endif

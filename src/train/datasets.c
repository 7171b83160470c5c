#include "train/datasets.h"

#include <string.h>

#include "core/rng.h"

ae_code ae_experiment_split(const ae_experiment *exp, const char *split, size_t limit,
                            ae_dataset *out, ae_error *err)
{
    if (ae_data_load_named(exp->data.dataset, split, limit, out, err) != AE_OK)
        return err->code;
    return AE_OK;
}

ae_code ae_experiment_datasets(const ae_experiment *exp, ae_dataset *train, ae_dataset *val,
                               ae_error *err)
{
    const ae_data_spec *d = &exp->data;
    memset(train, 0, sizeof *train);
    memset(val, 0, sizeof *val);
    if (d->holdout > 0) {
        ae_dataset all;
        if (ae_experiment_split(exp, "train", 0, &all, err) != AE_OK)
            return err->code;
        ae_code code = ae_dataset_split(&all, d->holdout, exp->seed, train, val, err);
        ae_dataset_free(&all);
        if (code != AE_OK)
            return code;
        /* Limits apply after the split so the held-out set never depends on them. */
        if (d->train_limit && train->n > d->train_limit)
            train->n = d->train_limit;
        if (d->val_limit && val->n > d->val_limit)
            val->n = d->val_limit;
        return AE_OK;
    }
    if (ae_experiment_split(exp, "train", d->train_limit, train, err) != AE_OK)
        return err->code;
    if (ae_experiment_split(exp, "test", d->val_limit, val, err) != AE_OK) {
        ae_dataset_free(train);
        return err->code;
    }
    return AE_OK;
}

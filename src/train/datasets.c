#include "train/datasets.h"

#include <string.h>

#include "core/rng.h"

/* Resize and channel conversion, as the data section asks. */
static ae_code transform(const ae_data_spec *d, ae_dataset *ds, ae_error *err)
{
    ae_dataset out;
    if (d->resize[0] > 0 && (ds->h != d->resize[0] || ds->w != d->resize[1])) {
        if (ae_dataset_resize(ds, d->resize[0], d->resize[1], &out, err) != AE_OK)
            return err->code;
        ae_dataset_free(ds);
        *ds = out;
    }
    if (d->channels > 0 && ds->c != d->channels) {
        if (ae_dataset_to_channels(ds, d->channels, &out, err) != AE_OK)
            return err->code;
        ae_dataset_free(ds);
        *ds = out;
    }
    return AE_OK;
}

static ae_code load(const ae_experiment *exp, const char *split, size_t limit, ae_dataset *out,
                    ae_error *err)
{
    const ae_data_spec *d = &exp->data;
    bool test = strcmp(split, "test") == 0;
    if (!strcmp(d->dataset, "sines")) {
        /* The test set comes from another seed, so it never repeats a training sequence. */
        size_t n = test ? d->sines_test : d->sines_train;
        if (limit && limit < n)
            n = limit;
        uint64_t seed = exp->seed * 2 + (test ? 1 : 0);
        return ae_sines_generate(n, d->sines_steps, d->sines_features, d->sines_noise, seed, out,
                                 err);
    }
    if (!strcmp(d->dataset, "plane3d")) {
        size_t n = test ? d->plane_test : d->plane_train;
        if (limit && limit < n)
            n = limit;
        return ae_plane3d_generate(n, d->plane_noise, exp->seed * 2 + (test ? 1 : 0), out, err);
    }
    if (!strcmp(d->dataset, "hdf5"))
        return ae_h5seq_load(d->h5_path, d->h5_dataset, limit, out, err);
    return ae_data_load_named(d->dataset, split, limit, out, err);
}

ae_code ae_experiment_split(const ae_experiment *exp, const char *split, size_t limit,
                            ae_dataset *out, ae_error *err)
{
    const ae_data_spec *d = &exp->data;
    /* A user's HDF5 file has one set: "test" means its held-out part. */
    if (!strcmp(d->dataset, "hdf5")) {
        ae_dataset train, val;
        if (ae_experiment_datasets(exp, &train, &val, err) != AE_OK)
            return err->code;
        bool test = !strcmp(split, "test");
        ae_dataset_free(test ? &train : &val);
        *out = test ? val : train;
        if (limit && out->n > limit)
            out->n = limit;
        return AE_OK;
    }
    if (load(exp, split, limit, out, err) != AE_OK)
        return err->code;
    if (transform(d, out, err) != AE_OK) {
        ae_dataset_free(out);
        return err->code;
    }
    return AE_OK;
}

/* The data must fit the model's input before anything is trained or written. */
static ae_code check_fits(const ae_experiment *exp, ae_dataset *train, ae_dataset *val,
                          ae_error *err)
{
    size_t want = ae_shape_size(&exp->model.input), got = ae_dataset_sample_size(train);
    if (want == got)
        return AE_OK;
    char shape[64];
    ae_error_set(err, AE_ERR_CONFIG,
                 "model.input %s has %zu values per sample, but %s gives %d×%d×%d = %zu "
                 "(set model.input to [%d, %d, %d], or data.resize / data.channels)",
                 ae_shape_str(&exp->model.input, shape, sizeof shape), want, exp->data.dataset,
                 train->c, train->h, train->w, got, train->c, train->h, train->w);
    ae_dataset_free(train);
    ae_dataset_free(val);
    return err->code;
}

static ae_code load_sets(const ae_experiment *exp, ae_dataset *train, ae_dataset *val,
                         ae_error *err);

ae_code ae_experiment_datasets(const ae_experiment *exp, ae_dataset *train, ae_dataset *val,
                               ae_error *err)
{
    if (load_sets(exp, train, val, err) != AE_OK)
        return err->code;
    return check_fits(exp, train, val, err);
}

static ae_code load_sets(const ae_experiment *exp, ae_dataset *train, ae_dataset *val,
                         ae_error *err)
{
    const ae_data_spec *d = &exp->data;
    memset(train, 0, sizeof *train);
    memset(val, 0, sizeof *val);
    if (d->holdout > 0) {
        ae_dataset all;
        if (load(exp, "train", 0, &all, err) != AE_OK)
            return err->code;
        ae_code code = transform(d, &all, err);
        if (code == AE_OK)
            code = ae_dataset_split(&all, d->holdout, exp->seed, train, val, err);
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

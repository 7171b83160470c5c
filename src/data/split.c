/* Train/holdout split: a seeded Fisher-Yates shuffle of the sample indices
 * (stream ae_rng_stream(seed, AE_RNG_DATA, AE_DATA_STREAM_SPLIT, 0)) picks
 * the first round(n·fraction) indices for holdout; both parts are then
 * copied in ascending index order, so the partition depends only on (n,
 * fraction, seed) and each part keeps the dataset's original order. */
#include "data/data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

static void split_copy(const ae_dataset *in, const unsigned char *in_part, unsigned char want,
                       ae_dataset *part)
{
    size_t per = ae_dataset_sample_size(in), j = 0;
    for (size_t i = 0; i < in->n; i++) {
        if (in_part[i] != want)
            continue;
        memcpy(part->x + j * per, in->x + i * per, per * sizeof(float));
        if (in->labels)
            part->labels[j] = in->labels[i];
        j++;
    }
    part->n_classes = in->n_classes;
}

int ae_dataset_split(const ae_dataset *in, double holdout_fraction, uint64_t seed,
                     ae_dataset *train, ae_dataset *holdout, ae_error *err)
{
    memset(train, 0, sizeof *train);
    memset(holdout, 0, sizeof *holdout);
    if (!(holdout_fraction >= 0.0 && holdout_fraction <= 1.0))
        return ae_error_set(err, AE_ERR_CONFIG,
                            "split: holdout fraction must be in [0, 1] (got %g)",
                            holdout_fraction);
    if (in->n > UINT32_MAX)
        return ae_error_set(err, AE_ERR_CONFIG, "split: %zu samples are too many to shuffle",
                            in->n);
    size_t n = in->n;
    size_t n_hold = (size_t)floor((double)n * holdout_fraction + 0.5);
    if (n_hold > n)
        n_hold = n;
    uint32_t *idx = malloc((n ? n : 1) * sizeof *idx);
    unsigned char *is_hold = calloc(n ? n : 1, 1);
    int rc = AE_OK;
    if (!idx || !is_hold) {
        rc = ae_error_set(err, AE_ERR_NOMEM, "split: out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        idx[i] = (uint32_t)i;
    ae_rng r = ae_rng_stream(seed, AE_RNG_DATA, AE_DATA_STREAM_SPLIT, 0);
    ae_rng_shuffle_u32(&r, idx, n);
    for (size_t i = 0; i < n_hold; i++)
        is_hold[idx[i]] = 1;
    int with_labels = in->labels != NULL;
    if ((rc = ae_dataset_alloc(train, n - n_hold, in->c, in->h, in->w, with_labels, "split",
                               err)) ||
        (rc = ae_dataset_alloc(holdout, n_hold, in->c, in->h, in->w, with_labels, "split",
                               err)))
        goto done;
    split_copy(in, is_hold, 0, train);
    split_copy(in, is_hold, 1, holdout);
done:
    free(idx);
    free(is_hold);
    if (rc) {
        ae_dataset_free(train);
        ae_dataset_free(holdout);
    }
    return rc;
}

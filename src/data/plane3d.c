/* Synthetic points near a plane in 3-D: the dataset of Hands-On ML's "PCA with an
 * undercomplete linear autoencoder".
 *
 * Point i draws from ae_rng_stream(seed, AE_RNG_DATA, AE_DATA_STREAM_PLANE3D, i):
 * an angle a = 3π/2·u − 0.5 (u uniform), then three N(0,1) draws e0, e1, e2:
 *   x0 = cos a + sin a / 2 + noise·e0 / 2
 *   x1 = 0.7 sin a + noise·e1 / 2
 *   x2 = 0.1 x0 + 0.3 x1 + noise·e2
 * The n points are then standardized per coordinate (zero mean, unit variance), as
 * the book does with a StandardScaler. Shape: c=1, h=1, w=3, no labels. */
#include "data/data.h"

#include <math.h>
#include <string.h>

#include "core/rng.h"

int ae_plane3d_generate(size_t n, double noise, uint64_t seed, ae_dataset *out, ae_error *err)
{
    memset(out, 0, sizeof *out);
    if (n < 2)
        return ae_error_set(err, AE_ERR_CONFIG, "plane3d: needs at least 2 points (got %zu)", n);
    if (!(noise >= 0.0) || !isfinite(noise))
        return ae_error_set(err, AE_ERR_CONFIG, "plane3d: noise must be finite and >= 0 (got %g)",
                            noise);
    int rc = ae_dataset_alloc(out, n, 1, 1, 3, 0, "plane3d", err);
    if (rc)
        return rc;
    for (size_t i = 0; i < n; i++) {
        ae_rng r = ae_rng_stream(seed, AE_RNG_DATA, AE_DATA_STREAM_PLANE3D, i);
        double a = 3.0 * M_PI / 2.0 * ae_rng_uniform_open(&r) - 0.5;
        double e0 = ae_rng_normal(&r), e1 = ae_rng_normal(&r), e2 = ae_rng_normal(&r);
        double x0 = cos(a) + sin(a) / 2.0 + noise * e0 / 2.0;
        double x1 = 0.7 * sin(a) + noise * e1 / 2.0;
        float *x = out->x + 3 * i;
        x[0] = (float)x0;
        x[1] = (float)x1;
        x[2] = (float)(0.1 * x0 + 0.3 * x1 + noise * e2);
    }
    for (int k = 0; k < 3; k++) {
        double mean = 0, var = 0;
        for (size_t i = 0; i < n; i++)
            mean += out->x[3 * i + k];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++)
            var += (out->x[3 * i + k] - mean) * (out->x[3 * i + k] - mean);
        double sd = sqrt(var / (double)n);
        for (size_t i = 0; i < n; i++)
            out->x[3 * i + k] = (float)((out->x[3 * i + k] - mean) / (sd > 0 ? sd : 1.0));
    }
    return AE_OK;
}

/* Synthetic sequences: noisy sines.
 *
 * Sample i draws from its own stream ae_rng_stream(seed, AE_RNG_DATA,
 * AE_DATA_STREAM_SINES, i), so it is the same whatever n is. Draw order per
 * sample: for each channel k, f = 1 + 2u then φ = 2πu (u uniform [0,1));
 * then, when noise_std > 0, one N(0,1) per value in (t, k) row-major order.
 * Since the noise comes last, the clean signal of a seed does not depend on
 * noise_std. Values are computed in double and stored as float. */
#include "data/data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"

int ae_sines_generate(size_t n, int steps, int features, double noise_std, uint64_t seed,
                      ae_dataset *out, ae_error *err)
{
    memset(out, 0, sizeof *out);
    if (n < 1)
        return ae_error_set(err, AE_ERR_CONFIG, "sines: the number of samples must be >= 1");
    if (steps < 1 || steps > AE_DATA_MAX_STEPS)
        return ae_error_set(err, AE_ERR_CONFIG, "sines: steps must be in 1..%d (got %d)",
                            AE_DATA_MAX_STEPS, steps);
    if (features < 1 || features > AE_DATA_MAX_FEATURES)
        return ae_error_set(err, AE_ERR_CONFIG, "sines: features must be in 1..%d (got %d)",
                            AE_DATA_MAX_FEATURES, features);
    if (!(noise_std >= 0.0) || !isfinite(noise_std))
        return ae_error_set(err, AE_ERR_CONFIG,
                            "sines: noise_std must be a finite number >= 0 (got %g)", noise_std);
    int rc = ae_dataset_alloc(out, n, 1, steps, features, 0, "sines", err);
    if (rc)
        return rc;
    double *freq = malloc((size_t)features * sizeof *freq);
    double *phase = malloc((size_t)features * sizeof *phase);
    if (!freq || !phase) {
        free(freq);
        free(phase);
        ae_dataset_free(out);
        return ae_error_set(err, AE_ERR_NOMEM, "sines: out of memory");
    }
    const double two_pi = 2.0 * M_PI;
    for (size_t i = 0; i < n; i++) {
        ae_rng r = ae_rng_stream(seed, AE_RNG_DATA, AE_DATA_STREAM_SINES, i);
        for (int k = 0; k < features; k++) {
            freq[k] = 1.0 + 2.0 * (double)ae_rng_uniform(&r);
            phase[k] = two_pi * (double)ae_rng_uniform(&r);
        }
        float *x = out->x + i * (size_t)steps * (size_t)features;
        for (int t = 0; t < steps; t++)
            for (int k = 0; k < features; k++) {
                double v = sin(two_pi * freq[k] * t / steps + phase[k]);
                if (noise_std > 0.0)
                    v += noise_std * (double)ae_rng_normal(&r);
                x[(size_t)t * features + k] = (float)v;
            }
    }
    free(freq);
    free(phase);
    return AE_OK;
}

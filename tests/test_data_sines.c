/* Synthetic noisy sines: determinism, the documented law, noise statistics. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "data/data.h"

static ae_dataset gen(size_t n, int steps, int features, double noise, uint64_t seed)
{
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_sines_generate(n, steps, features, noise, seed, &d, &e), AE_OK, "%s", e.msg);
    return d;
}

Test(data_sines, shape_and_determinism)
{
    ae_dataset a = gen(10, 50, 3, 0.1, 42), b = gen(10, 50, 3, 0.1, 42);
    ae_dataset c = gen(10, 50, 3, 0.1, 43);
    cr_assert_eq(a.n, 10);
    cr_assert_eq(a.c, 1);
    cr_assert_eq(a.h, 50);
    cr_assert_eq(a.w, 3);
    cr_assert_null(a.labels);
    cr_assert_eq((uintptr_t)a.x % 64, 0);
    size_t bytes = 10 * 50 * 3 * sizeof(float);
    cr_assert_eq(memcmp(a.x, b.x, bytes), 0, "same seed, same data");
    cr_assert_neq(memcmp(a.x, c.x, bytes), 0, "another seed, other data");
    /* Sample i depends only on (seed, i): a shorter run is a prefix. */
    ae_dataset p = gen(4, 50, 3, 0.1, 42);
    cr_assert_eq(memcmp(a.x, p.x, 4 * 50 * 3 * sizeof(float)), 0);
    ae_dataset_free(&a);
    ae_dataset_free(&b);
    ae_dataset_free(&c);
    ae_dataset_free(&p);
}

Test(data_sines, clean_signal_follows_the_law)
{
    /* A pure sinusoid s_t = sin(ω t + φ) obeys s_{t+1} + s_{t-1} = 2 cos(ω) s_t.
     * Fit cos ω per channel and check f = ω·steps/2π lies in [1, 3), the
     * amplitude is 1 and the recurrence holds everywhere. */
    const int T = 64, F = 4;
    ae_dataset d = gen(50, T, F, 0.0, 7);
    double flo = 10, fhi = 0, fsum = 0;
    for (size_t i = 0; i < d.n; i++)
        for (int k = 0; k < F; k++) {
            const float *x = d.x + i * T * F;
            double num = 0, den = 0, peak = 0;
            for (int t = 1; t < T - 1; t++) {
                num += (x[(t + 1) * F + k] + x[(t - 1) * F + k]) * x[t * F + k];
                den += 2.0 * x[t * F + k] * x[t * F + k];
            }
            double cw = num / den, w = acos(cw), f = w * T / (2 * M_PI);
            for (int t = 1; t < T - 1; t++)
                cr_assert_float_eq(x[(t + 1) * F + k] + x[(t - 1) * F + k], 2 * cw * x[t * F + k],
                                   2e-5, "sample %zu channel %d step %d", i, k, t);
            for (int t = 0; t < T; t++)
                peak = fmax(peak, fabs(x[t * F + k]));
            cr_assert_leq(peak, 1.0 + 1e-6);
            cr_assert_geq(peak, 0.9, "amplitude 1: some step gets near the crest");
            flo = flo < f ? flo : f;
            fhi = fhi > f ? fhi : f;
            fsum += f;
        }
    cr_assert_geq(flo, 1.0 - 1e-3);
    cr_assert_lt(fhi, 3.0 + 1e-3);
    cr_assert_float_eq(fsum / (50 * F), 2.0, 0.2, "f uniform on [1, 3)");
    ae_dataset_free(&d);
}

Test(data_sines, noise_std_is_recovered)
{
    /* The noise is drawn after f and φ, so clean and noisy runs of one seed
     * differ by the noise alone. */
    const size_t n = 200;
    const int T = 100, F = 2;
    const double sigma = 0.25;
    ae_dataset clean = gen(n, T, F, 0.0, 99), noisy = gen(n, T, F, sigma, 99);
    size_t m = n * T * F;
    double s = 0, ss = 0;
    for (size_t i = 0; i < m; i++) {
        double r = (double)noisy.x[i] - clean.x[i];
        s += r;
        ss += r * r;
    }
    double mean = s / m, sd = sqrt(ss / m - mean * mean);
    cr_assert_float_eq(mean, 0.0, 0.01);
    cr_assert_float_eq(sd, sigma, 0.01, "noise std %g", sd);
    /* Random phases: the clean signal averages to about zero. */
    double cs = 0;
    for (size_t i = 0; i < m; i++)
        cs += clean.x[i];
    cr_assert_float_eq(cs / m, 0.0, 0.05);
    ae_dataset_free(&clean);
    ae_dataset_free(&noisy);
}

Test(data_sines, bad_arguments)
{
    ae_dataset d;
    ae_error e;
    cr_assert_neq(ae_sines_generate(0, 10, 1, 0, 1, &d, &e), AE_OK);
    cr_assert_neq(ae_sines_generate(5, 0, 1, 0, 1, &d, &e), AE_OK);
    cr_assert_not_null(strstr(e.msg, "steps"), "%s", e.msg);
    cr_assert_neq(ae_sines_generate(5, 10, 0, 0, 1, &d, &e), AE_OK);
    cr_assert_not_null(strstr(e.msg, "features"), "%s", e.msg);
    cr_assert_neq(ae_sines_generate(5, 10, 1, -0.1, 1, &d, &e), AE_OK);
    cr_assert_neq(ae_sines_generate(5, 10, 1, NAN, 1, &d, &e), AE_OK);
    cr_assert_not_null(strstr(e.msg, "noise_std"), "%s", e.msg);
    cr_assert_neq(ae_sines_generate(100000000, 1000, 1000, 0, 1, &d, &e), AE_OK);
    cr_assert_null(d.x);
}

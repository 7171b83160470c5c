/* Initializers: empirical limits and variances against the formulas in nn/init.h, QᵀQ = I for
 * orthogonal, names, errors. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/init.h"

typedef struct stats {
    double mean, std, max_abs;
} stats;

static stats stats_of(const ae_param *p)
{
    double s = 0, s2 = 0, m = 0;
    for (size_t i = 0; i < p->value.size; i++) {
        double v = p->value.data[i];
        s += v, s2 += v * v;
        m = fmax(m, fabs(v));
    }
    double n = (double)p->value.size, mean = s / n;
    return (stats){mean, sqrt(s2 / n - mean * mean), m};
}

static ae_params ps;

static ae_param *make(int rows, int cols)
{
    ae_error err;
    ae_params_init(&ps);
    cr_assert_geq(ae_params_declare(&ps, "layer/W", 2, (int[]){rows, cols}, &err), 0);
    cr_assert_eq(ae_params_finalize(&ps, &err), AE_OK);
    return &ps.items[0];
}

static void fini(void)
{
    ae_params_free(&ps);
}

TestSuite(nn_init, .fini = fini);

/* 120,000 draws: the sample std's relative standard error is about 1/sqrt(2n) = 0.2 % for a
 * normal and less for a uniform, so 1.5 % is a wide (7σ) margin that still catches a wrong
 * factor such as sqrt(2) or the missing truncation correction 0.8796 (a 12 % error). */
enum { ROWS = 400, COLS = 300 };
static const double tol = 0.015;

Test(nn_init, glorot_uniform_limit_and_variance)
{
    ae_param *p = make(ROWS, COLS);
    ae_rng r = ae_rng_stream(1, AE_RNG_INIT, 0, 0);
    cr_assert_eq(ae_init_fill(p, AE_INIT_GLOROT_UNIFORM, ROWS, COLS, &r, NULL), AE_OK);
    double limit = sqrt(6.0 / (ROWS + COLS));
    stats s = stats_of(p);
    cr_assert(s.max_abs <= limit, "max %g beyond limit %g", s.max_abs, limit);
    cr_assert(s.max_abs > 0.999 * limit, "the range is not used up: max %g, limit %g", s.max_abs,
              limit);
    cr_assert(fabs(s.std / (limit / sqrt(3)) - 1) < tol, "std %g", s.std);
    cr_assert(fabs(s.mean) < 5 * s.std / sqrt(ROWS * COLS));
}

Test(nn_init, he_uniform_limit)
{
    ae_param *p = make(ROWS, COLS);
    ae_rng r = ae_rng_stream(2, AE_RNG_INIT, 0, 0);
    cr_assert_eq(ae_init_fill(p, AE_INIT_HE_UNIFORM, ROWS, COLS, &r, NULL), AE_OK);
    double limit = sqrt(6.0 / ROWS);
    stats s = stats_of(p);
    cr_assert(s.max_abs <= limit && s.max_abs > 0.999 * limit, "max %g, limit %g", s.max_abs, limit);
    cr_assert(fabs(s.std / sqrt(2.0 / ROWS) - 1) < tol, "std %g", s.std);
}

/* truncated normal: the values' std is sqrt(scale/n) and nothing lies beyond two
 * pre-truncation deviations, sqrt(scale/n)/0.87962566·2 */
static void check_truncated(ae_param *p, double want_std)
{
    stats s = stats_of(p);
    double bound = 2 * want_std / 0.87962566103423978;
    cr_assert(fabs(s.std / want_std - 1) < tol, "std %g, want %g", s.std, want_std);
    cr_assert(s.max_abs <= bound * (1 + 1e-6), "max %g beyond the truncation %g", s.max_abs, bound);
    cr_assert(s.max_abs > 0.99 * bound, "max %g: the tails reach the truncation %g", s.max_abs,
              bound);
}

Test(nn_init, glorot_and_he_normal_are_truncated)
{
    ae_param *p = make(ROWS, COLS);
    ae_rng r = ae_rng_stream(3, AE_RNG_INIT, 0, 0);
    cr_assert_eq(ae_init_fill(p, AE_INIT_GLOROT_NORMAL, ROWS, COLS, &r, NULL), AE_OK);
    check_truncated(p, sqrt(2.0 / (ROWS + COLS)));
    cr_assert_eq(ae_init_fill(p, AE_INIT_HE_NORMAL, ROWS, COLS, &r, NULL), AE_OK);
    check_truncated(p, sqrt(2.0 / ROWS));
    cr_assert_eq(ae_init_fill(p, AE_INIT_LECUN_NORMAL, ROWS, COLS, &r, NULL), AE_OK);
    check_truncated(p, sqrt(1.0 / ROWS));
}

Test(nn_init, variance_scaling_fan_out)
{
    ae_param *p = make(ROWS, COLS);
    ae_rng r = ae_rng_stream(4, AE_RNG_INIT, 0, 0);
    cr_assert_eq(ae_init_variance_scaling(p, 3.0, AE_FAN_OUT, AE_DIST_UNIFORM, ROWS, COLS, &r, NULL),
                 AE_OK);
    stats s = stats_of(p);
    cr_assert(fabs(s.std / sqrt(3.0 / COLS) - 1) < tol, "std %g", s.std);
    cr_assert(s.max_abs <= sqrt(9.0 / COLS));
}

Test(nn_init, zeros_and_ones)
{
    ae_param *p = make(3, 5);
    ae_rng r = ae_rng_stream(5, AE_RNG_INIT, 0, 0);
    ae_init_fill(p, AE_INIT_ONES, 3, 5, &r, NULL);
    for (int i = 0; i < 15; i++)
        cr_assert_eq(p->value.data[i], 1.0f);
    ae_init_fill(p, AE_INIT_ZEROS, 3, 5, &r, NULL);
    for (int i = 0; i < 15; i++)
        cr_assert_eq(p->value.data[i], 0.0f);
}

/* max |(AᵀA − I)_ij| for A rows × cols (row-major), or of AAᵀ when rows < cols */
static double orthonormality_error(const float *a, int rows, int cols)
{
    int n = rows >= cols ? cols : rows;
    double worst = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double d = 0;
            if (rows >= cols)
                for (int k = 0; k < rows; k++)
                    d += (double)a[k * cols + i] * a[k * cols + j];
            else
                for (int k = 0; k < cols; k++)
                    d += (double)a[i * cols + k] * a[j * cols + k];
            worst = fmax(worst, fabs(d - (i == j)));
        }
    return worst;
}

Test(nn_init, orthogonal_square_tall_wide)
{
    int shapes[3][2] = {{64, 64}, {96, 24}, {16, 64}}; /* 16×64: an LSTM's [units, 4·units] */
    for (int s = 0; s < 3; s++) {
        ae_param *p = make(shapes[s][0], shapes[s][1]);
        ae_rng r = ae_rng_stream(6, AE_RNG_INIT, (uint64_t)s, 0);
        ae_error err;
        cr_assert_eq(ae_init_fill(p, AE_INIT_ORTHOGONAL, 0, 0, &r, &err), AE_OK, "%s", err.msg);
        double e = orthonormality_error(p->value.data, shapes[s][0], shapes[s][1]);
        cr_assert(e < 1e-5, "%d×%d: QᵀQ differs from I by %g", shapes[s][0], shapes[s][1], e);
        /* random, not a (signed) identity, which is orthonormal too */
        cr_assert(fabs(p->value.data[0]) < 0.999);
        fini();
    }
    /* different streams give different matrices; the same stream the same one */
    ae_param *p = make(8, 8);
    ae_rng r1 = ae_rng_stream(7, AE_RNG_INIT, 0, 0), r2 = r1, r3 = ae_rng_stream(8, AE_RNG_INIT, 0, 0);
    float a[64], b[64];
    ae_init_orthogonal(p, 1.0f, &r1, NULL);
    memcpy(a, p->value.data, sizeof a);
    ae_init_orthogonal(p, 1.0f, &r2, NULL);
    cr_assert(memcmp(a, p->value.data, sizeof a) == 0);
    ae_init_orthogonal(p, 1.0f, &r3, NULL);
    memcpy(b, p->value.data, sizeof b);
    cr_assert(memcmp(a, b, sizeof a) != 0);
}

Test(nn_init, orthogonal_gain_and_errors)
{
    ae_param *p = make(6, 6);
    ae_rng r = ae_rng_stream(9, AE_RNG_INIT, 0, 0);
    cr_assert_eq(ae_init_orthogonal(p, 2.0f, &r, NULL), AE_OK);
    double col = 0;
    for (int k = 0; k < 6; k++)
        col += (double)p->value.data[k * 6] * p->value.data[k * 6];
    cr_assert(fabs(col - 4) < 1e-5, "a column's squared norm is gain² = 4, got %g", col);
    fini();
    ae_error err;
    ae_params_init(&ps);
    ae_params_declare(&ps, "enc/b", 1, (int[]){5}, &err);
    ae_params_finalize(&ps, &err);
    cr_assert_eq(ae_init_fill(&ps.items[0], AE_INIT_ORTHOGONAL, 5, 5, &r, &err), AE_ERR_CONFIG);
    cr_assert(strstr(err.msg, "enc/b") != NULL, "message names the parameter: %s", err.msg);
    cr_assert_neq(ae_init_fill(&ps.items[0], AE_INIT_GLOROT_UNIFORM, 0, 5, &r, &err), AE_OK);
    cr_assert(strstr(err.msg, "enc/b") != NULL);
}

Test(nn_init, names_round_trip)
{
    for (ae_init_kind k = 0; k < AE_INIT_KIND_COUNT; k++)
        cr_assert_eq(ae_init_from_name(ae_init_name(k)), (int)k);
    cr_assert_eq(ae_init_from_name("glorot_uniform"), AE_INIT_GLOROT_UNIFORM);
    cr_assert_eq(ae_init_from_name("he_normal"), AE_INIT_HE_NORMAL);
    cr_assert_eq(ae_init_from_name("xavier"), -1);
    cr_assert_eq(ae_init_from_name(NULL), -1);
}

#include "nn/init.h"

#include <lapacke.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const init_names[] = {
    [AE_INIT_ZEROS] = "zeros",
    [AE_INIT_ONES] = "ones",
    [AE_INIT_GLOROT_UNIFORM] = "glorot_uniform",
    [AE_INIT_GLOROT_NORMAL] = "glorot_normal",
    [AE_INIT_HE_UNIFORM] = "he_uniform",
    [AE_INIT_HE_NORMAL] = "he_normal",
    [AE_INIT_LECUN_UNIFORM] = "lecun_uniform",
    [AE_INIT_LECUN_NORMAL] = "lecun_normal",
    [AE_INIT_ORTHOGONAL] = "orthogonal",
};
_Static_assert(sizeof init_names / sizeof init_names[0] == AE_INIT_KIND_COUNT,
               "every initializer has a name");

/* std of a standard normal truncated to [−2, 2] */
static const double trunc_std = 0.87962566103423978;

const char *ae_init_name(ae_init_kind kind)
{
    return (unsigned)kind < AE_INIT_KIND_COUNT ? init_names[kind] : "unknown";
}

int ae_init_from_name(const char *name)
{
    for (int i = 0; name && i < AE_INIT_KIND_COUNT; i++)
        if (strcmp(name, init_names[i]) == 0)
            return i;
    return -1;
}

ae_code ae_init_variance_scaling(ae_param *p, double scale, ae_fan_mode mode, ae_init_dist dist,
                                 int fan_in, int fan_out, ae_rng *rng, ae_error *err)
{
    if (fan_in < 1 || fan_out < 1)
        return ae_error_set(err, AE_ERR_INTERNAL, "initializing '%s': fans must be >= 1 (got %d, %d)",
                            p->name, fan_in, fan_out);
    if (!(scale > 0) || !isfinite(scale))
        return ae_error_set(err, AE_ERR_CONFIG, "initializing '%s': scale %g must be > 0",
                            p->name, scale);
    double n = mode == AE_FAN_IN    ? fan_in
               : mode == AE_FAN_OUT ? fan_out
                                    : ((double)fan_in + fan_out) / 2;
    double std = sqrt(scale / n);
    float *v = p->value.data;
    if (dist == AE_DIST_UNIFORM) {
        double limit = sqrt(3.0) * std;
        for (size_t i = 0; i < p->value.size; i++)
            v[i] = (float)(limit * (2.0 * ae_rng_uniform(rng) - 1.0));
    } else {
        double s = std / trunc_std;
        for (size_t i = 0; i < p->value.size; i++) {
            float z;
            do /* rejection: keeps 95.4 % of draws */
                z = ae_rng_normal(rng);
            while (fabsf(z) > 2.0f);
            v[i] = (float)(s * z);
        }
    }
    return AE_OK;
}

ae_code ae_init_orthogonal(ae_param *p, float gain, ae_rng *rng, ae_error *err)
{
    const ae_tensor *t = &p->value;
    if (t->ndim < 2)
        return ae_error_set(err, AE_ERR_CONFIG,
                            "initializing '%s': orthogonal needs at least 2 dimensions", p->name);
    size_t cols = (size_t)t->shape[t->ndim - 1], rows = t->size / cols;
    size_t m = rows > cols ? rows : cols, n = rows > cols ? cols : rows;
    if (m > INT_MAX)
        return ae_error_set(err, AE_ERR_CONFIG, "initializing '%s': too large for orthogonal",
                            p->name);
    float *a = malloc(m * n * sizeof *a), *tau = malloc(n * sizeof *tau);
    float *sign = malloc(n * sizeof *sign);
    ae_code code = AE_OK;
    if (!a || !tau || !sign) {
        code = ae_error_set(err, AE_ERR_NOMEM, "initializing '%s': out of memory", p->name);
        goto done;
    }
    /* a is m×n, row-major, m >= n: its Q has orthonormal columns */
    for (size_t i = 0; i < m * n; i++)
        a[i] = ae_rng_normal(rng);
    lapack_int info = LAPACKE_sgeqrf(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)n, a,
                                     (lapack_int)n, tau);
    if (info == 0) {
        for (size_t j = 0; j < n; j++) /* R's diagonal; sign 0 (measure zero) counts as + */
            sign[j] = a[j * n + j] < 0 ? -gain : gain;
        info = LAPACKE_sorgqr(LAPACK_ROW_MAJOR, (lapack_int)m, (lapack_int)n, (lapack_int)n, a,
                              (lapack_int)n, tau);
    }
    if (info != 0) {
        code = ae_error_set(err, AE_ERR_INTERNAL, "initializing '%s': LAPACK QR failed (info %d)",
                            p->name, (int)info);
        goto done;
    }
    float *v = t->data;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            float q = a[i * n + j] * sign[j];
            if (rows >= cols)
                v[i * cols + j] = q;  /* rows × cols = m × n */
            else
                v[j * cols + i] = q;  /* rows × cols = n × m: the transpose */
        }
done:
    free(a);
    free(tau);
    free(sign);
    return code;
}

ae_code ae_init_fill(ae_param *p, ae_init_kind kind, int fan_in, int fan_out, ae_rng *rng,
                     ae_error *err)
{
    switch (kind) {
    case AE_INIT_ZEROS:
    case AE_INIT_ONES:
        for (size_t i = 0; i < p->value.size; i++)
            p->value.data[i] = kind == AE_INIT_ONES ? 1.0f : 0.0f;
        return AE_OK;
    case AE_INIT_GLOROT_UNIFORM:
        return ae_init_variance_scaling(p, 1, AE_FAN_AVG, AE_DIST_UNIFORM, fan_in, fan_out, rng, err);
    case AE_INIT_GLOROT_NORMAL:
        return ae_init_variance_scaling(p, 1, AE_FAN_AVG, AE_DIST_TRUNCATED_NORMAL, fan_in, fan_out,
                                        rng, err);
    case AE_INIT_HE_UNIFORM:
        return ae_init_variance_scaling(p, 2, AE_FAN_IN, AE_DIST_UNIFORM, fan_in, fan_out, rng, err);
    case AE_INIT_HE_NORMAL:
        return ae_init_variance_scaling(p, 2, AE_FAN_IN, AE_DIST_TRUNCATED_NORMAL, fan_in, fan_out,
                                        rng, err);
    case AE_INIT_LECUN_UNIFORM:
        return ae_init_variance_scaling(p, 1, AE_FAN_IN, AE_DIST_UNIFORM, fan_in, fan_out, rng, err);
    case AE_INIT_LECUN_NORMAL:
        return ae_init_variance_scaling(p, 1, AE_FAN_IN, AE_DIST_TRUNCATED_NORMAL, fan_in, fan_out,
                                        rng, err);
    case AE_INIT_ORTHOGONAL:
        return ae_init_orthogonal(p, 1.0f, rng, err);
    default:
        return ae_error_set(err, AE_ERR_INTERNAL, "initializing '%s': unknown initializer %d",
                            p->name, (int)kind);
    }
}

/* Gradient accumulation kernels over ae_v8f (see simd.h for why not plain loops). */
#include "ops/grad.h"

#include "ops/simd.h"

AE_SIMD_CLONES
void ae_ops_acc(float *g, const float *d, size_t n, bool assign)
{
    if (assign) {
        memcpy(g, d, n * sizeof *g);
        return;
    }
    size_t i = 0;
    for (; i + AE_V8 <= n; i += AE_V8)
        ae_v8_store(g + i, ae_v8_load(g + i) + ae_v8_load(d + i));
    for (; i < n; i++)
        g[i] += d[i];
}

AE_SIMD_CLONES
void ae_ops_acc_scaled(float *g, const float *d, float s, size_t n, bool assign)
{
    size_t i = 0;
    if (assign) {
        for (; i + AE_V8 <= n; i += AE_V8)
            ae_v8_store(g + i, ae_v8_load(d + i) * s);
        for (; i < n; i++)
            g[i] = d[i] * s;
    } else {
        for (; i + AE_V8 <= n; i += AE_V8)
            ae_v8_store(g + i, ae_v8_load(g + i) + ae_v8_load(d + i) * s);
        for (; i < n; i++)
            g[i] += d[i] * s;
    }
}

AE_SIMD_CLONES
void ae_ops_acc_mul(float *g, const float *d, const float *m, float s, size_t n, bool assign)
{
    size_t i = 0;
    if (assign) {
        for (; i + AE_V8 <= n; i += AE_V8)
            ae_v8_store(g + i, ae_v8_load(d + i) * ae_v8_load(m + i) * s);
        for (; i < n; i++)
            g[i] = d[i] * m[i] * s;
    } else {
        for (; i + AE_V8 <= n; i += AE_V8)
            ae_v8_store(g + i, ae_v8_load(g + i) + ae_v8_load(d + i) * ae_v8_load(m + i) * s);
        for (; i < n; i++)
            g[i] += d[i] * m[i] * s;
    }
}

/* Internal: 8-float vectors (GCC vector extensions) for the hot elementwise kernels.
 *
 * The build uses -O2, where GCC only vectorises loops whose trip count is a known multiple of
 * the vector width, so the kernels that dominate a dense training step (bias, activations,
 * BCE from logits, the optimizers) are written over ae_v8f explicitly. Two ways to reach the
 * AVX2 + FMA instructions (x86-64-v3) from a baseline x86-64 build:
 *  - AE_SIMD_CLONES: GCC compiles the function twice, for x86-64-v3 and for the baseline,
 *    where each 8-float operation becomes a pair of SSE2 ones, and picks one at load time
 *    (ifunc). Used by every kernel but the two below.
 *  - AE_SIMD_WIDE + ae_simd_wide(): only an x86-64-v3 version is vectorised and the caller
 *    falls back to a scalar loop. Used by Adam and RMSProp, whose square roots the SSE2 pairs
 *    handle badly. Measured per value: Adam 0.53 ns (AVX2), 2.8 (scalar), 6.5 (SSE2 pairs);
 *    BCE from logits 1.0 ns (AVX2), 9 (SSE2 pairs), 18 (scalar libm).
 * -DAE_SIMD_NO_CLONES builds the baseline paths only, to test them on an AVX2 machine.
 *
 * Every helper here is always inlined, so a 32-byte vector never crosses a call boundary and
 * GCC's note that the AVX calling convention differs (-Wpsabi) does not apply; the files
 * that include this header are compiled with -Wno-psabi (src/ops/local.mk).
 *
 * exp and tanh follow Cephes' single-precision algorithms (range reduction + polynomial),
 * with the exp and log1p polynomials refitted for fewer terms; their error is a few ulp,
 * checked against double-precision references in tests/test_ops_values.c. */
#ifndef AELAB_OPS_SIMD_H
#define AELAB_OPS_SIMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define AE_SIMD_X86 1
#else
#define AE_SIMD_X86 0
#endif
#if AE_SIMD_X86 && !defined(AE_SIMD_NO_CLONES)
#define AE_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#define AE_SIMD_WIDE __attribute__((target("arch=x86-64-v3")))
/* true when the CPU runs x86-64-v3 code (libgcc fills the CPU model before main) */
static inline bool ae_simd_wide(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
#define AE_SIMD_CLONES
#define AE_SIMD_WIDE
static inline bool ae_simd_wide(void)
{
    return !AE_SIMD_X86; /* elsewhere the vector code is the generic one */
}
#endif

#pragma GCC diagnostic ignored "-Wpsabi"

#define AE_INLINE static inline __attribute__((always_inline))

typedef float ae_v8f __attribute__((vector_size(32)));
typedef int32_t ae_v8i __attribute__((vector_size(32)));

enum { AE_V8 = 8 };

AE_INLINE ae_v8f ae_v8_load(const float *p)
{
    ae_v8f v;
    memcpy(&v, p, sizeof v);
    return v;
}

AE_INLINE void ae_v8_store(float *p, ae_v8f v)
{
    memcpy(p, &v, sizeof v);
}

/* The first n < 8 values of p, zero-padded; and the matching partial store. */
AE_INLINE ae_v8f ae_v8_load_part(const float *p, size_t n)
{
    float buf[AE_V8] = {0};
    memcpy(buf, p, n * sizeof *p);
    return ae_v8_load(buf);
}

AE_INLINE void ae_v8_store_part(float *p, ae_v8f v, size_t n)
{
    float buf[AE_V8];
    ae_v8_store(buf, v);
    memcpy(p, buf, n * sizeof *p);
}

/* Loads/stores of cnt <= 8 values: one loop body serves full vectors and the tail. */
AE_INLINE ae_v8f ae_v8_loadn(const float *p, size_t cnt)
{
    return cnt == AE_V8 ? ae_v8_load(p) : ae_v8_load_part(p, cnt);
}

AE_INLINE void ae_v8_storen(float *p, ae_v8f v, size_t cnt)
{
    if (cnt == AE_V8)
        ae_v8_store(p, v);
    else
        ae_v8_store_part(p, v, cnt);
}

/* g = v (assign) or g += v, for cnt values */
AE_INLINE void ae_v8_accn(float *g, ae_v8f v, size_t cnt, int assign)
{
    ae_v8_storen(g, assign ? v : ae_v8_loadn(g, cnt) + v, cnt);
}

/* Loops i over [0, n) in steps of 8, cnt = values in this step (8 but for the tail). */
#define AE_V8_FOR(i, cnt, n)                                                                       \
    for (size_t i = 0, cnt = (n) < AE_V8 ? (n) : AE_V8; i < (n);                                  \
         i += AE_V8, cnt = (n) - i < AE_V8 ? (n) - i : AE_V8)

AE_INLINE ae_v8f ae_v8_splat(float x)
{
    return (ae_v8f){x, x, x, x, x, x, x, x};
}

/* mask lanes are all-ones or zero, as produced by a vector comparison */
AE_INLINE ae_v8f ae_v8_select(ae_v8i mask, ae_v8f yes, ae_v8f no)
{
    return (ae_v8f)(((ae_v8i)yes & mask) | ((ae_v8i)no & ~mask));
}

AE_INLINE ae_v8f ae_v8_and(ae_v8i mask, ae_v8f v)
{
    return (ae_v8f)((ae_v8i)v & mask);
}

AE_INLINE ae_v8f ae_v8_abs(ae_v8f x)
{
    return (ae_v8f)((ae_v8i)x & 0x7fffffff);
}

/* max(x, 0) that keeps NaN */
AE_INLINE ae_v8f ae_v8_relu(ae_v8f x)
{
    return ae_v8_select(x < 0.0f, ae_v8_splat(0.0f), x);
}

AE_INLINE float ae_v8_hsum(ae_v8f v)
{
    return ((v[0] + v[4]) + (v[1] + v[5])) + ((v[2] + v[6]) + (v[3] + v[7]));
}

/* Two SSE square roots (in both clones: vector extensions have no sqrt). The halves move
 * through registers: going through memory instead costs a failed store-to-load forwarding
 * per half, which made Adam four times slower. */
AE_INLINE ae_v8f ae_v8_sqrt(ae_v8f x)
{
#if AE_SIMD_X86 && __has_builtin(__builtin_shufflevector)
    __m128 lo = __builtin_shufflevector(x, x, 0, 1, 2, 3);
    __m128 hi = __builtin_shufflevector(x, x, 4, 5, 6, 7);
    lo = _mm_sqrt_ps(lo);
    hi = _mm_sqrt_ps(hi);
    return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7);
#else
    for (int i = 0; i < AE_V8; i++)
        x[i] = __builtin_sqrtf(x[i]);
    return x;
#endif
}

/* e^x for x already clamped to [-87.3, 88.7]: Cody-Waite range reduction x = n·ln2 + r,
 * |r| <= ln2/2 (Cephes' constants), e^r ≈ 1 + r + r²·P(r) with P a degree-4 Chebyshev fit of
 * (e^r − 1 − r)/r² (mpmath.chebyfit; relative error 1e-8 with these float coefficients) in
 * Estrin's form, and 2^n built in the exponent bits. */
AE_INLINE ae_v8f ae_v8_exp_core(ae_v8f x)
{
    const float magic = 0x1.8p23f; /* adding it rounds to an integer, readable from the bits */
    ae_v8f t = x * 1.44269504088896341f + magic;
    ae_v8i n = (ae_v8i)t - (ae_v8i)ae_v8_splat(magic);
    ae_v8f nf = t - magic;
    ae_v8f r = x - nf * 0.693359375f;
    r = r - nf * -2.12194440e-4f;
    ae_v8f r2 = r * r;
    ae_v8f p01 = r * 0.16666577756404877f + 0.5f;
    ae_v8f p23 = r * 0.008363173343241215f + 0.041666556149721146f;
    ae_v8f p = (r2 * 0.0013926175888627768f + p23) * r2 + p01;
    p = p * r2 + r + 1.0f;
    return p * (ae_v8f)((n + 127) << 23);
}

/* e^x; inputs are clamped to [-87.3, 88.7] so the result stays a normal float (no denormals,
 * no inf): e^-87.3 ≈ 1.2e-38 stands in for anything smaller. The clamps keep NaN (a NaN loss
 * must be seen, not hidden). */
AE_INLINE ae_v8f ae_v8_exp(ae_v8f x)
{
    x = ae_v8_select(x < -87.33654f, ae_v8_splat(-87.33654f), x);
    x = ae_v8_select(x > 88.72283f, ae_v8_splat(88.72283f), x);
    return ae_v8_exp_core(x);
}

/* e^x for x <= 0 (e^−|z|): only the lower clamp is needed */
AE_INLINE ae_v8f ae_v8_exp_neg(ae_v8f x)
{
    return ae_v8_exp_core(ae_v8_select(x < -87.33654f, ae_v8_splat(-87.33654f), x));
}

/* log(1 + e) for e in [0, 1], given t = e/(2+e) in [0, 1/3]: log(1+e) = 2·atanh(t) = 2t·S(t²)
 * with S(u) = atanh(√u)/√u. S is a degree-4 Chebyshev fit on u in [0, 1/9] (mpmath.chebyfit;
 * relative error 7.6e-9 with these float coefficients), evaluated in Estrin's form. */
AE_INLINE ae_v8f ae_v8_log1p_from_t(ae_v8f t)
{
    ae_v8f u = t * t, u2 = u * u;
    ae_v8f a = u * 0.3333316147327423f + 1.0f;
    ae_v8f b = u * 0.13982579112052917f + 0.20012298226356506f;
    ae_v8f s = (u2 * 0.14078889787197113f + b) * u2 + a;
    return (t + t) * s;
}

AE_INLINE ae_v8f ae_v8_log1p_unit(ae_v8f e)
{
    return ae_v8_log1p_from_t(e / (e + 2.0f));
}

/* sigmoid(x) from e = exp(-|x|): 1/(1+e) for x >= 0, e/(1+e) below; neither form overflows. */
AE_INLINE ae_v8f ae_v8_sigmoid_from(ae_v8f x, ae_v8f e)
{
    ae_v8f q = 1.0f / (e + 1.0f);
    return ae_v8_select(x >= 0.0f, q, e * q);
}

AE_INLINE ae_v8f ae_v8_sigmoid(ae_v8f x)
{
    return ae_v8_sigmoid_from(x, ae_v8_exp_neg(-ae_v8_abs(x)));
}

/* tanh: Cephes' odd polynomial for |x| < 0.625 (where 1 - 2/(e^2x + 1) would cancel), the
 * exponential form above; the sign is restored from x. */
AE_INLINE ae_v8f ae_v8_tanh(ae_v8f x)
{
    ae_v8f a = ae_v8_abs(x);
    ae_v8f z = x * x;
    ae_v8f p = ae_v8_splat(-5.70498872745e-3f);
    p = p * z + 2.06390887954e-2f;
    p = p * z - 5.37397155531e-2f;
    p = p * z + 1.33314422036e-1f;
    p = p * z - 3.33332819422e-1f;
    ae_v8f small = p * z * x + x;
    ae_v8f big = 1.0f - 2.0f / (ae_v8_exp(a + a) + 1.0f);
    ae_v8i sign = (ae_v8i)x & INT32_MIN;
    big = (ae_v8f)((ae_v8i)big | sign);
    return ae_v8_select(a < 0.625f, small, big);
}

#endif

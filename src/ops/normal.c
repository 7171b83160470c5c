/* Normal draws for the train-time noise (Gaussian noise layers, VAE sampling, the stochastic
 * contractive estimate): Box-Muller in float, eight pairs at a time.
 *
 * Why not ae_rng_normal per value: its double log, sqrt and cosine cost ~65 ns per value,
 * 13 ms for one batch of 256 × 784 noise values, ten times the training step that uses them.
 * Here the logarithm and the sine/cosine are polynomials over 8-float vectors and both values
 * of each pair are kept.
 *
 * Uniforms: one 64-bit draw gives u1 (24 bits, in (0, 1): never 0, so the log is finite) and
 * u2 (24 bits, in [0, 1)). With 24-bit u1 the radius √(−2 ln u1) is at most 5.9, so draws
 * beyond 5.9σ (probability 4e-9) do not occur. */
#include "ops/ops.h"
#include "ops/simd.h"

/* ln x for normal floats x > 0: x = m·2^e with m in [√½, √2), ln m = 2·atanh((m−1)/(m+1)),
 * and e·ln 2 in two parts (Cody-Waite) so that it adds no rounding of its own. */
AE_INLINE ae_v8f v8_log(ae_v8f x)
{
    ae_v8i bits = (ae_v8i)x;
    ae_v8i e = ((bits >> 23) & 0xff) - 127;
    ae_v8f m = (ae_v8f)((bits & 0x7fffff) | 0x3f800000); /* [1, 2) */
    ae_v8i big = m > 1.41421356f;
    m = ae_v8_select(big, m * 0.5f, m);
    e = e - big; /* big lanes are −1 */
    ae_v8f ef = __builtin_convertvector(e, ae_v8f);
    ae_v8f lm = ae_v8_log1p_from_t((m - 1.0f) / (m + 1.0f));
    return ef * 0.693359375f + (ef * -2.12194440e-4f + lm);
}

/* sin and cos of 2π·u for u in [0, 1): u = (q + f)/4 with q the nearest quarter turn and
 * |f| <= ½, a = f·π/2 in [−π/4, π/4] (Cephes' sinf/cosf polynomials there), then the quadrant
 * q mod 4 swaps and negates them. */
AE_INLINE void v8_sincos_turns(ae_v8f u, ae_v8f *s, ae_v8f *c)
{
    ae_v8i q = __builtin_convertvector(u * 4.0f + 0.5f, ae_v8i); /* positive: truncation floors */
    ae_v8f a = (u * 4.0f - __builtin_convertvector(q, ae_v8f)) * 1.57079632679f;
    ae_v8f z = a * a;
    ae_v8f sa = ((z * -1.9515295891e-4f + 8.3321608736e-3f) * z - 1.6666654611e-1f) * z * a + a;
    ae_v8f ca = ((z * 2.443315711809948e-5f - 1.388731625493765e-3f) * z +
                 4.166664568298827e-2f) * z * z - z * 0.5f + 1.0f;
    ae_v8i swap = (q & 1) != 0;
    ae_v8f sq = ae_v8_select(swap, ca, sa), cq = ae_v8_select(swap, sa, ca);
    ae_v8i neg_s = (q & 2) != 0, neg_c = ((q + 1) & 2) != 0; /* q = 2, 3; q = 1, 2 */
    *s = ae_v8_select(neg_s, -sq, sq);
    *c = ae_v8_select(neg_c, -cq, cq);
}

AE_SIMD_CLONES
void ae_normal_fill(ae_rng *r, float *out, size_t n, float scale)
{
    for (size_t i = 0; i < n; i += 2 * AE_V8) {
        float u1[AE_V8], u2[AE_V8];
        for (int k = 0; k < AE_V8; k++) {
            uint64_t bits = ae_rng_next(r);
            u1[k] = ((float)(bits >> 40) + 0.5f) * 0x1.0p-24f;
            u2[k] = (float)((bits >> 16) & 0xffffff) * 0x1.0p-24f;
        }
        ae_v8f radius = ae_v8_sqrt(v8_log(ae_v8_load(u1)) * -2.0f) * scale, s, c;
        v8_sincos_turns(ae_v8_load(u2), &s, &c);
        size_t left = n - i;
        ae_v8_storen(out + i, radius * c, left < AE_V8 ? left : AE_V8);
        if (left > AE_V8)
            ae_v8_storen(out + i + AE_V8, radius * s, left - AE_V8 < AE_V8 ? left - AE_V8 : AE_V8);
    }
}

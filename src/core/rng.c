#include "core/rng.h"

#include <math.h>

static const uint64_t golden = 0x9e3779b97f4a7c15ULL;

/* splitmix64's finaliser: a bijective avalanche mix of 64 bits. */
static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

ae_rng ae_rng_stream(uint64_t seed, uint64_t purpose, uint64_t epoch, uint64_t batch)
{
    /* Chain the coordinates through the mix so (1,2) and (2,1) differ. */
    uint64_t key = mix64(seed + golden);
    key = mix64(key ^ (purpose + 1) * golden);
    key = mix64(key ^ (epoch + 1) * 0xd1342543de82ef95ULL);
    key = mix64(key ^ (batch + 1) * 0xaf251af3b0f025b5ULL);
    ae_rng r;
    for (int i = 0; i < 4; i++)
        r.s[i] = mix64(key + (uint64_t)(i + 1) * golden);
    return r;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t ae_rng_next(ae_rng *r)
{
    uint64_t *s = r->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

float ae_rng_uniform(ae_rng *r)
{
    return (float)(ae_rng_next(r) >> 40) * 0x1.0p-24f;
}

double ae_rng_uniform_open(ae_rng *r)
{
    return ((double)(ae_rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

float ae_rng_normal(ae_rng *r)
{
    double u1 = ae_rng_uniform_open(r);
    double u2 = ae_rng_uniform_open(r);
    return (float)(sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2));
}

uint64_t ae_rng_below(ae_rng *r, uint64_t bound)
{
    /* Lemire: multiply-shift, rejecting the small biased sliver. */
    unsigned __int128 m = (unsigned __int128)ae_rng_next(r) * bound;
    uint64_t low = (uint64_t)m;
    if (low < bound) {
        uint64_t threshold = -bound % bound;
        while (low < threshold) {
            m = (unsigned __int128)ae_rng_next(r) * bound;
            low = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

void ae_rng_shuffle_u32(ae_rng *r, uint32_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)ae_rng_below(r, i);
        uint32_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}

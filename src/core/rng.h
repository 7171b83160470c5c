/* A deterministic, portable random number generator with addressable streams.
 *
 * Generator: xoshiro256** (Blackman & Vigna), 256 bits of plain state, so a
 * position can be saved in a checkpoint and restored. Streams are addressed by
 * (seed, purpose, epoch, batch): the state is derived by hashing the tuple with
 * splitmix64, so the noise of batch 17 of epoch 3 is the same whether the run
 * was resumed, parallel or uninterrupted. Only integer arithmetic decides the
 * bits; ae_rng_normal uses libm's log/sin/cos on doubles. */
#ifndef AELAB_CORE_RNG_H
#define AELAB_CORE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct ae_rng {
    uint64_t s[4];
} ae_rng;

/* What a stream is for: part of its address, so two purposes never share numbers. */
enum ae_rng_purpose {
    AE_RNG_INIT = 1,
    AE_RNG_SHUFFLE,
    AE_RNG_NOISE,
    AE_RNG_DROPOUT,
    AE_RNG_SAMPLING,
    AE_RNG_DATA,
    AE_RNG_SWEEP
};

ae_rng ae_rng_stream(uint64_t seed, uint64_t purpose, uint64_t epoch, uint64_t batch);
uint64_t ae_rng_next(ae_rng *r);
/* Uniform in [0, 1) with 24 random bits (every float in the grid is exact). */
float ae_rng_uniform(ae_rng *r);
/* Uniform in (0, 1) as a double with 53 bits; never 0, safe for log(). */
double ae_rng_uniform_open(ae_rng *r);
/* Standard normal via Box-Muller (one value per call; the state stays plain data). */
float ae_rng_normal(ae_rng *r);
/* Unbiased integer in [0, bound) (Lemire's method with rejection); bound > 0. */
uint64_t ae_rng_below(ae_rng *r, uint64_t bound);
/* Fisher-Yates shuffle of idx[0..n). */
void ae_rng_shuffle_u32(ae_rng *r, uint32_t *idx, size_t n);

#endif

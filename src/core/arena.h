/* A bump allocator for per-step values.
 *
 * Everything a training step creates (node values, gradients, masks, im2col
 * buffers) comes from the arena and is released at once by ae_arena_reset.
 * When a step needs more than the current block, extra blocks are chained;
 * the next reset replaces them with one block of the peak size, so in steady
 * state a step performs no malloc at all. Every allocation is 64-byte aligned. */
#ifndef AELAB_CORE_ARENA_H
#define AELAB_CORE_ARENA_H

#include <stddef.h>

enum { AE_ALIGN = 64 };

typedef struct ae_arena_block ae_arena_block;

typedef struct ae_arena {
    ae_arena_block *head; /* current block; older overflow blocks are chained behind it */
    size_t peak;          /* most bytes ever used between two resets */
    size_t used_total;    /* bytes used since the last reset, over all blocks */
} ae_arena;

void ae_arena_init(ae_arena *a);
/* Returns 64-byte aligned memory valid until the next reset, or NULL when out of memory. */
void *ae_arena_alloc(ae_arena *a, size_t bytes);
/* Like ae_arena_alloc, zero-filled. */
void *ae_arena_calloc(ae_arena *a, size_t bytes);
/* Releases every allocation; keeps (and consolidates) the memory for the next step. */
void ae_arena_reset(ae_arena *a);
void ae_arena_free(ae_arena *a);
/* How many blocks the arena holds now (1 in steady state). */
size_t ae_arena_block_count(const ae_arena *a);

/* 64-byte aligned heap allocation for long-lived buffers; free with free(). */
void *ae_aligned_alloc(size_t bytes);

#endif

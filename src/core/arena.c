#include "core/arena.h"

#include <stdlib.h>
#include <string.h>

struct ae_arena_block {
    ae_arena_block *prev;
    size_t cap, used;
    unsigned char *data;
};

static size_t round_up(size_t n)
{
    return (n + AE_ALIGN - 1) & ~(size_t)(AE_ALIGN - 1);
}

void *ae_aligned_alloc(size_t bytes)
{
    void *p = NULL;
    if (posix_memalign(&p, AE_ALIGN, bytes ? round_up(bytes) : AE_ALIGN) != 0)
        return NULL;
    return p;
}

static ae_arena_block *block_new(size_t cap, ae_arena_block *prev)
{
    ae_arena_block *b = malloc(sizeof *b);
    if (!b)
        return NULL;
    b->data = ae_aligned_alloc(cap);
    if (!b->data) {
        free(b);
        return NULL;
    }
    b->cap = cap;
    b->used = 0;
    b->prev = prev;
    return b;
}

static void blocks_free(ae_arena_block *b)
{
    while (b) {
        ae_arena_block *prev = b->prev;
        free(b->data);
        free(b);
        b = prev;
    }
}

void ae_arena_init(ae_arena *a)
{
    a->head = NULL;
    a->peak = 0;
    a->used_total = 0;
}

void *ae_arena_alloc(ae_arena *a, size_t bytes)
{
    size_t need = round_up(bytes ? bytes : 1);
    if (need < bytes)
        return NULL; /* overflow */
    if (!a->head || a->head->cap - a->head->used < need) {
        size_t cap = a->head ? a->head->cap * 2 : (size_t)1 << 20;
        if (cap < need)
            cap = need;
        ae_arena_block *b = block_new(cap, a->head);
        if (!b)
            return NULL;
        a->head = b;
    }
    void *p = a->head->data + a->head->used;
    a->head->used += need;
    a->used_total += need;
    if (a->used_total > a->peak)
        a->peak = a->used_total;
    return p;
}

void *ae_arena_calloc(ae_arena *a, size_t bytes)
{
    void *p = ae_arena_alloc(a, bytes);
    if (p)
        memset(p, 0, bytes);
    return p;
}

void ae_arena_reset(ae_arena *a)
{
    if (a->head && a->head->prev) {
        /* The step overflowed into several blocks: replace them by one that
         * holds the peak, so the next step needs no new block. */
        size_t cap = round_up(a->peak);
        blocks_free(a->head);
        a->head = block_new(cap, NULL);
    }
    if (a->head)
        a->head->used = 0;
    a->used_total = 0;
}

void ae_arena_free(ae_arena *a)
{
    blocks_free(a->head);
    ae_arena_init(a);
}

size_t ae_arena_block_count(const ae_arena *a)
{
    size_t n = 0;
    for (const ae_arena_block *b = a->head; b; b = b->prev)
        n++;
    return n;
}

/* A small open-addressing string -> index table, so duplicate-key checks,
 * anchors and merges stay linear on hostile inputs with huge mappings. */
#include "config/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return (size_t)h;
}

static size_t find_slot(const ae_cfg_strmap *m, const char *key)
{
    size_t i = hash(key) & (m->cap - 1);
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static bool rehash(ae_cfg_strmap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 16;
    if (cap > SIZE_MAX / sizeof(size_t))
        return false;
    ae_cfg_strmap n = {calloc(cap, sizeof *n.keys), malloc(cap * sizeof *n.vals), cap, 0};
    if (!n.keys || !n.vals) {
        free(n.keys);
        free(n.vals);
        return false;
    }
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys[i]) {
            size_t j = find_slot(&n, m->keys[i]);
            n.keys[j] = m->keys[i];
            n.vals[j] = m->vals[i];
            n.len++;
        }
    free(m->keys);
    free(m->vals);
    *m = n;
    return true;
}

int ae_cfg_strmap_put(ae_cfg_strmap *m, const char *key, size_t val, size_t *old)
{
    if ((m->len + 1) * 2 > m->cap && !rehash(m))
        return -1;
    size_t i = find_slot(m, key);
    if (m->keys[i]) {
        if (old)
            *old = m->vals[i];
        return 1;
    }
    m->keys[i] = key;
    m->vals[i] = val;
    m->len++;
    return 0;
}

bool ae_cfg_strmap_get(const ae_cfg_strmap *m, const char *key, size_t *val)
{
    if (!m->cap)
        return false;
    size_t i = find_slot(m, key);
    if (!m->keys[i])
        return false;
    if (val)
        *val = m->vals[i];
    return true;
}

void ae_cfg_strmap_set(ae_cfg_strmap *m, const char *key, size_t val)
{
    size_t i = find_slot(m, key);
    if (m->keys[i])
        m->vals[i] = val;
}

void ae_cfg_strmap_free(ae_cfg_strmap *m)
{
    free(m->keys);
    free(m->vals);
    *m = (ae_cfg_strmap){0};
}

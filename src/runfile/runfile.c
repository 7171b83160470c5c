/* The in-memory run file: lifetime, name rules, provenance attributes, config. */
#include "runfile/runfile_impl.h"

#include <stdlib.h>
#include <string.h>

ae_runfile *ae_runfile_new(void)
{
    return calloc(1, sizeof(ae_runfile));
}

void ae_runfile_free(ae_runfile *rf)
{
    if (!rf)
        return;
    for (size_t i = 0; i < rf->nattrs; i++) {
        free(rf->attrs[i].key);
        free(rf->attrs[i].str);
    }
    free(rf->attrs);
    free(rf->yaml);
    free(rf->sha256);
    for (size_t p = 0; p < rf->nphases; p++) {
        rf_phase *ph = &rf->phases[p];
        for (size_t i = 0; i < ph->count; i++) {
            free(ph->series[i].name);
            free(ph->series[i].v);
        }
        free(ph->series);
        free(ph->name);
    }
    free(rf->phases);
    ae_runfile_ckpt_clear(rf);
    free(rf->arrays);
    free(rf->ints);
    free(rf);
}

void *ae_rf_grow(void *items, size_t *cap, size_t count, size_t size)
{
    if (count < *cap)
        return items;
    size_t ncap = *cap ? *cap * 2 : 8;
    if (ncap > SIZE_MAX / size)
        return NULL;
    void *p = realloc(items, ncap * size);
    if (p)
        *cap = ncap;
    return p;
}

bool ae_rf_valid_name(const char *name, bool allow_slash)
{
    if (!name || !*name)
        return false;
    size_t len = strlen(name);
    if (len > AE_RUNFILE_NAME_MAX)
        return false;
    if (!allow_slash)
        return strchr(name, '/') == NULL;
    /* Every component must be a plain, non-empty HDF5 link name. */
    const char *c = name;
    for (;;) {
        const char *slash = strchr(c, '/');
        size_t n = slash ? (size_t)(slash - c) : strlen(c);
        if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
            return false;
        if (!slash)
            return true;
        c = slash + 1;
    }
}

bool ae_rf_path_collides(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la == lb)
        return false;
    const char *s = la < lb ? a : b, *l = la < lb ? b : a;
    size_t ls = la < lb ? la : lb;
    return strncmp(s, l, ls) == 0 && l[ls] == '/';
}

/* ---- provenance attributes ---- */

static rf_attr *find_attr(const ae_runfile *rf, const char *key)
{
    for (size_t i = 0; i < rf->nattrs; i++)
        if (strcmp(rf->attrs[i].key, key) == 0)
            return &rf->attrs[i];
    return NULL;
}

static bool reserved_attr(const char *key)
{
    return strcmp(key, "format") == 0 || strcmp(key, "format_version") == 0;
}

/* Stores key = (str or num); str is already an owned copy (or NULL for ints). */
static int put_attr(ae_runfile *rf, const char *key, char *str, int64_t num)
{
    rf_attr *a = find_attr(rf, key);
    if (!a) {
        rf_attr *items = ae_rf_grow(rf->attrs, &rf->cattrs, rf->nattrs, sizeof *items);
        char *k = strdup(key);
        if (!items || !k) {
            if (items)
                rf->attrs = items;
            free(k);
            free(str);
            return AE_ERR_NOMEM;
        }
        rf->attrs = items;
        a = &rf->attrs[rf->nattrs++];
        a->key = k;
        a->str = NULL;
    }
    free(a->str);
    a->str = str;
    a->is_int = str == NULL;
    a->num = num;
    return AE_OK;
}

int ae_runfile_set_attr(ae_runfile *rf, const char *key, const char *value)
{
    if (!ae_rf_valid_name(key, true) || reserved_attr(key) || !value ||
        strlen(value) > AE_RUNFILE_MAX_STRING)
        return AE_ERR_CONFIG;
    char *copy = strdup(value);
    if (!copy)
        return AE_ERR_NOMEM;
    return put_attr(rf, key, copy, 0);
}

int ae_runfile_set_attr_int(ae_runfile *rf, const char *key, int64_t value)
{
    if (!ae_rf_valid_name(key, true) || reserved_attr(key))
        return AE_ERR_CONFIG;
    return put_attr(rf, key, NULL, value);
}

const char *ae_runfile_attr(const ae_runfile *rf, const char *key)
{
    const rf_attr *a = find_attr(rf, key);
    return a && !a->is_int ? a->str : NULL;
}

int ae_runfile_attr_int(const ae_runfile *rf, const char *key, int64_t *out)
{
    const rf_attr *a = find_attr(rf, key);
    if (!a || !a->is_int)
        return AE_ERR_CONFIG;
    *out = a->num;
    return AE_OK;
}

size_t ae_runfile_attr_count(const ae_runfile *rf)
{
    return rf->nattrs;
}

const char *ae_runfile_attr_key_at(const ae_runfile *rf, size_t i, bool *is_int)
{
    if (i >= rf->nattrs)
        return NULL;
    if (is_int)
        *is_int = rf->attrs[i].is_int;
    return rf->attrs[i].key;
}

/* ---- config ---- */

int ae_runfile_set_config(ae_runfile *rf, const char *yaml_text, const char *sha256_hex)
{
    if (!yaml_text || !sha256_hex || strlen(yaml_text) > AE_RUNFILE_MAX_STRING ||
        strlen(sha256_hex) > AE_RUNFILE_MAX_STRING)
        return AE_ERR_CONFIG;
    char *y = strdup(yaml_text), *h = strdup(sha256_hex);
    if (!y || !h) {
        free(y);
        free(h);
        return AE_ERR_NOMEM;
    }
    free(rf->yaml);
    free(rf->sha256);
    rf->yaml = y;
    rf->sha256 = h;
    return AE_OK;
}

const char *ae_runfile_config_yaml(const ae_runfile *rf)
{
    return rf->yaml;
}

const char *ae_runfile_config_sha256(const ae_runfile *rf)
{
    return rf->sha256;
}

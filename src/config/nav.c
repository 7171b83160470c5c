/* Read-only navigation of the tree: the public getters, paths and locations. */
#include "config/internal.h"

#include <stdio.h>
#include <string.h>

const ae_cfg_node *ae_cfg_root(const ae_cfg_doc *doc)
{
    return doc ? doc->root : NULL;
}

ae_cfg_kind ae_cfg_kind_of(const ae_cfg_node *n)
{
    return n ? n->kind : AE_CFG_NULL;
}

ae_cfg_type ae_cfg_type_of(const ae_cfg_node *n)
{
    if (!n || n->kind == AE_CFG_NULL)
        return AE_CFG_T_NULL;
    if (n->kind == AE_CFG_SEQ)
        return AE_CFG_T_SEQ;
    if (n->kind == AE_CFG_MAP)
        return AE_CFG_T_MAP;
    return n->quoted ? AE_CFG_T_STRING : ae_cfg_resolve_plain(n->text);
}

size_t ae_cfg_len(const ae_cfg_node *n)
{
    return n && (n->kind == AE_CFG_SEQ || n->kind == AE_CFG_MAP) ? n->len : 0;
}

const ae_cfg_node *ae_cfg_at(const ae_cfg_node *seq, size_t i)
{
    return seq && seq->kind == AE_CFG_SEQ && i < seq->len ? seq->items[i] : NULL;
}

const char *ae_cfg_key_at(const ae_cfg_node *map, size_t i)
{
    return map && map->kind == AE_CFG_MAP && i < map->len ? map->pairs[i].key : NULL;
}

const ae_cfg_node *ae_cfg_value_at(const ae_cfg_node *map, size_t i)
{
    return map && map->kind == AE_CFG_MAP && i < map->len ? map->pairs[i].value : NULL;
}

const ae_cfg_node *ae_cfg_lookup(const ae_cfg_node *map, const char *key)
{
    long i = ae_cfg_map_find(map, key);
    return i < 0 ? NULL : map->pairs[i].value;
}

const char *ae_cfg_scalar(const ae_cfg_node *n)
{
    return n && n->kind == AE_CFG_SCALAR ? n->text : NULL;
}

bool ae_cfg_is_quoted(const ae_cfg_node *n)
{
    return n && n->kind == AE_CFG_SCALAR && n->quoted;
}

bool ae_cfg_parse_index(const char *s, size_t n, size_t *out)
{
    if (n == 0 || n > 9)
        return false;
    size_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (size_t)(s[i] - '0');
    }
    *out = v;
    return true;
}

const ae_cfg_node *ae_cfg_path(const ae_cfg_node *root, const char *dotted)
{
    const ae_cfg_node *n = root;
    const char *s = dotted;
    while (n && *s) {
        size_t len = strcspn(s, ".");
        size_t idx;
        if (n->kind == AE_CFG_MAP) {
            const ae_cfg_node *next = NULL;
            for (size_t i = 0; i < n->len; i++)
                if (strncmp(n->pairs[i].key, s, len) == 0 && n->pairs[i].key[len] == '\0') {
                    next = n->pairs[i].value;
                    break;
                }
            n = next;
        } else if (n->kind == AE_CFG_SEQ && ae_cfg_parse_index(s, len, &idx)) {
            n = idx < n->len ? n->items[idx] : NULL;
        } else {
            n = NULL;
        }
        s += len;
        if (*s == '.')
            s++;
    }
    return n;
}

void ae_cfg_where(const ae_cfg_node *n, const char **file, int *line, int *col)
{
    if (file)
        *file = n ? n->file : NULL;
    if (line)
        *line = n ? n->line : 0;
    if (col)
        *col = n ? n->col : 0;
}

char *ae_cfg_path_of(const ae_cfg_node *n)
{
    if (!n)
        return NULL;
    /* Depth is bounded by AE_CFG_MAX_DEPTH, so the chain fits on the stack. */
    const ae_cfg_node *chain[AE_CFG_MAX_DEPTH + 2];
    size_t depth = 0;
    for (const ae_cfg_node *c = n; c->parent && depth < sizeof chain / sizeof chain[0]; c = c->parent)
        chain[depth++] = c;
    ae_cfg_buf b = {0};
    ae_cfg_buf_putc(&b, '\0'); /* so an empty path is "" rather than NULL */
    b.len = 0;
    while (depth--) {
        const ae_cfg_node *c = chain[depth];
        if (b.len)
            ae_cfg_buf_putc(&b, '.');
        if (c->parent->kind == AE_CFG_MAP) {
            ae_cfg_buf_puts(&b, c->parent->pairs[c->slot].key);
        } else {
            char num[32];
            int k = snprintf(num, sizeof num, "%zu", c->slot);
            ae_cfg_buf_put(&b, num, (size_t)k);
        }
    }
    return ae_cfg_buf_finish(&b);
}

/* The node tree: the document arena, node construction, deep copies. */
#include "config/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct ae_cfg_chunk {
    ae_cfg_chunk *next;
    size_t used, size;
    max_align_t data[];
};

enum { CHUNK_BYTES = 64 * 1024, ALIGN = sizeof(max_align_t) };

ae_cfg_doc *ae_cfg_doc_new(void)
{
    return calloc(1, sizeof(ae_cfg_doc));
}

void ae_cfg_free(ae_cfg_doc *doc)
{
    if (!doc)
        return;
    ae_cfg_chunk *c = doc->chunks;
    while (c) {
        ae_cfg_chunk *next = c->next;
        free(c);
        c = next;
    }
    free(doc);
}

void *ae_cfg_arena_alloc(ae_cfg_doc *doc, size_t size)
{
    if (size > SIZE_MAX / 2)
        return NULL;
    size = (size + ALIGN - 1) / ALIGN * ALIGN;
    ae_cfg_chunk *c = doc->chunks;
    if (!c || c->size - c->used < size) {
        /* Big requests get a chunk of their own, behind the current one, so
         * the current chunk's free space is not thrown away. */
        size_t cap = size > CHUNK_BYTES / 4 ? size : CHUNK_BYTES;
        ae_cfg_chunk *n = malloc(sizeof *n + cap);
        if (!n)
            return NULL;
        n->used = 0;
        n->size = cap;
        if (c && cap != CHUNK_BYTES) {
            n->next = c->next;
            c->next = n;
        } else {
            n->next = c;
            doc->chunks = n;
        }
        c = n;
    }
    void *p = (char *)c->data + c->used;
    c->used += size;
    memset(p, 0, size);
    return p;
}

char *ae_cfg_arena_strndup(ae_cfg_doc *doc, const char *s, size_t n)
{
    if (n == SIZE_MAX)
        return NULL;
    char *p = ae_cfg_arena_alloc(doc, n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

ae_cfg_node *ae_cfg_node_new(ae_cfg_doc *doc, ae_cfg_kind kind, const char *file, int line,
                             int col)
{
    ae_cfg_node *n = ae_cfg_arena_alloc(doc, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->file = file;
    n->line = line;
    n->col = col;
    doc->nodes++;
    return n;
}

/* Grows an arena array of elem-sized items to hold one more. */
static void *grow(ae_cfg_doc *doc, void *old, size_t len, size_t *cap, size_t elem)
{
    if (len < *cap)
        return old;
    size_t ncap = *cap ? *cap * 2 : 4;
    if (ncap > SIZE_MAX / elem)
        return NULL;
    void *p = ae_cfg_arena_alloc(doc, ncap * elem);
    if (!p)
        return NULL;
    if (len)
        memcpy(p, old, len * elem);
    *cap = ncap;
    return p;
}

bool ae_cfg_seq_push(ae_cfg_doc *doc, ae_cfg_node *seq, ae_cfg_node *item)
{
    ae_cfg_node **items = grow(doc, seq->items, seq->len, &seq->cap, sizeof *items);
    if (!items)
        return false;
    seq->items = items;
    items[seq->len] = item;
    item->parent = seq;
    item->slot = seq->len++;
    return true;
}

bool ae_cfg_map_push(ae_cfg_doc *doc, ae_cfg_node *map, const char *key, const char *file,
                     int line, int col, ae_cfg_node *value)
{
    ae_cfg_pair *pairs = grow(doc, map->pairs, map->len, &map->cap, sizeof *pairs);
    if (!pairs)
        return false;
    map->pairs = pairs;
    pairs[map->len] = (ae_cfg_pair){key, file, line, col, value};
    value->parent = map;
    value->slot = map->len++;
    return true;
}

long ae_cfg_map_find(const ae_cfg_node *map, const char *key)
{
    if (!map || map->kind != AE_CFG_MAP)
        return -1;
    for (size_t i = 0; i < map->len; i++)
        if (strcmp(map->pairs[i].key, key) == 0)
            return (long)i;
    return -1;
}

void ae_cfg_set_child(ae_cfg_node *parent, size_t slot, ae_cfg_node *child)
{
    if (parent->kind == AE_CFG_MAP)
        parent->pairs[slot].value = child;
    else
        parent->items[slot] = child;
    child->parent = parent;
    child->slot = slot;
}

void ae_cfg_map_remove(ae_cfg_node *map, size_t i)
{
    memmove(&map->pairs[i], &map->pairs[i + 1], (map->len - i - 1) * sizeof *map->pairs);
    map->len--;
    for (size_t j = i; j < map->len; j++)
        map->pairs[j].value->slot = j;
}

/* Source file names re-interned into another doc (clone). */
struct ae_cfg_filemap {
    const char *from[AE_CFG_MAX_FILES + 8];
    const char *to[AE_CFG_MAX_FILES + 8];
    size_t len;
    ae_cfg_doc *doc;
};

static const char *map_file(ae_cfg_filemap *fm, const char *file)
{
    if (!fm || !file)
        return file;
    for (size_t i = 0; i < fm->len; i++)
        if (fm->from[i] == file)
            return fm->to[i];
    const char *copy = ae_cfg_arena_strndup(fm->doc, file, strlen(file));
    if (copy && fm->len < sizeof fm->from / sizeof fm->from[0]) {
        fm->from[fm->len] = file;
        fm->to[fm->len++] = copy;
    }
    return copy;
}

ae_cfg_node *ae_cfg_node_copy(ae_cfg_doc *doc, const ae_cfg_node *src, ae_cfg_filemap *files,
                              int depth, size_t *budget, int *why)
{
    bool container = src->kind == AE_CFG_SEQ || src->kind == AE_CFG_MAP;
    if (container && depth > AE_CFG_MAX_DEPTH) {
        *why = 3;
        return NULL;
    }
    if (*budget == 0) {
        *why = 2;
        return NULL;
    }
    (*budget)--;
    *why = 1;
    const char *file = map_file(files, src->file);
    ae_cfg_node *n = file ? ae_cfg_node_new(doc, src->kind, file, src->line, src->col) : NULL;
    if (!n)
        return NULL;
    n->quoted = src->quoted;
    if (src->text && !(n->text = files ? ae_cfg_arena_strndup(doc, src->text, strlen(src->text))
                                       : src->text))
        return NULL;
    if (src->kind == AE_CFG_SEQ && src->len) {
        n->items = ae_cfg_arena_alloc(doc, src->len * sizeof *n->items);
        if (!n->items)
            return NULL;
        n->cap = src->len;
        for (size_t i = 0; i < src->len; i++) {
            ae_cfg_node *c = ae_cfg_node_copy(doc, src->items[i], files, depth + 1, budget, why);
            if (!c)
                return NULL;
            n->items[i] = c;
            c->parent = n;
            c->slot = i;
        }
        n->len = src->len;
    } else if (src->kind == AE_CFG_MAP && src->len) {
        n->pairs = ae_cfg_arena_alloc(doc, src->len * sizeof *n->pairs);
        if (!n->pairs)
            return NULL;
        n->cap = src->len;
        for (size_t i = 0; i < src->len; i++) {
            const ae_cfg_pair *p = &src->pairs[i];
            const char *key = files ? ae_cfg_arena_strndup(doc, p->key, strlen(p->key)) : p->key;
            ae_cfg_node *c = key ? ae_cfg_node_copy(doc, p->value, files, depth + 1, budget, why)
                                 : NULL;
            if (!c) {
                if (!key)
                    *why = 1;
                return NULL;
            }
            n->pairs[i] = (ae_cfg_pair){key, map_file(files, p->file), p->line, p->col, c};
            c->parent = n;
            c->slot = i;
        }
        n->len = src->len;
    }
    return n;
}

ae_cfg_doc *ae_cfg_clone(const ae_cfg_doc *doc)
{
    if (!doc || !doc->root)
        return NULL;
    ae_cfg_doc *copy = ae_cfg_doc_new();
    ae_cfg_filemap *fm = copy ? calloc(1, sizeof *fm) : NULL;
    if (!fm) {
        free(copy);
        return NULL;
    }
    fm->doc = copy;
    size_t budget = SIZE_MAX;
    int why;
    copy->root = ae_cfg_node_copy(copy, doc->root, fm, 1, &budget, &why);
    free(fm);
    if (!copy->root) {
        ae_cfg_free(copy);
        return NULL;
    }
    return copy;
}

int ae_cfg_height(const ae_cfg_node *n)
{
    int h = 0;
    if (n->kind == AE_CFG_SEQ)
        for (size_t i = 0; i < n->len; i++) {
            int c = ae_cfg_height(n->items[i]);
            h = c > h ? c : h;
        }
    else if (n->kind == AE_CFG_MAP)
        for (size_t i = 0; i < n->len; i++) {
            int c = ae_cfg_height(n->pairs[i].value);
            h = c > h ? c : h;
        }
    else
        return 0;
    return h + 1;
}

/* The reader's side table (node -> marks) and the unknown-key report. */
#include "config/seen.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ae_cfg_seen {
    ae_cfg_rec **slots; /* open addressing by node address */
    size_t cap, len;
    bool oom, oom_reported;
};

static size_t slot_of(const ae_cfg_seen *s, const ae_cfg_node *n)
{
    uint64_t h = (uint64_t)(uintptr_t)n * 0x9E3779B97F4A7C15u;
    size_t i = (size_t)(h >> 20) & (s->cap - 1);
    while (s->slots[i] && s->slots[i]->node != n)
        i = (i + 1) & (s->cap - 1);
    return i;
}

static bool grow(ae_cfg_seen *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    ae_cfg_seen n = {calloc(cap, sizeof *n.slots), cap, s->len, false, false};
    if (!n.slots)
        return false;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i])
            n.slots[slot_of(&n, s->slots[i]->node)] = s->slots[i];
    free(s->slots);
    s->slots = n.slots;
    s->cap = cap;
    return true;
}

ae_cfg_rec *ae_cfg_seen_rec(ae_cfg_reader *r, const ae_cfg_node *n)
{
    if (!r->seen && !(r->seen = calloc(1, sizeof *r->seen)))
        return NULL;
    ae_cfg_seen *s = r->seen;
    if ((s->len + 1) * 2 > s->cap && !grow(s)) {
        s->oom = true;
        return NULL;
    }
    size_t i = slot_of(s, n);
    if (!s->slots[i]) {
        ae_cfg_rec *rec = calloc(1, sizeof *rec);
        if (!rec) {
            s->oom = true;
            return NULL;
        }
        rec->node = n;
        s->slots[i] = rec;
        s->len++;
    }
    return s->slots[i];
}

void ae_cfg_seen_mark(ae_cfg_reader *r, const ae_cfg_node *map, const char *key)
{
    ae_cfg_rec *rec = ae_cfg_seen_rec(r, map);
    if (!rec)
        return;
    rec->touched = true;
    long i = ae_cfg_map_find(map, key);
    if (i >= 0) {
        if ((size_t)i >= rec->asked_len) {
            bool *a = realloc(rec->asked, map->len * sizeof *a);
            if (!a) {
                r->seen->oom = true;
                return;
            }
            memset(a + rec->asked_len, 0, (map->len - rec->asked_len) * sizeof *a);
            rec->asked = a;
            rec->asked_len = map->len;
        }
        rec->asked[i] = true;
        return;
    }
    for (size_t j = 0; j < rec->nabsent; j++)
        if (strcmp(rec->absent[j], key) == 0)
            return;
    if (rec->nabsent == rec->absent_cap) {
        size_t cap = rec->absent_cap ? rec->absent_cap * 2 : 8;
        char **a = realloc(rec->absent, cap * sizeof *a);
        if (!a) {
            r->seen->oom = true;
            return;
        }
        rec->absent = a;
        rec->absent_cap = cap;
    }
    if (!(rec->absent[rec->nabsent] = strdup(key))) {
        r->seen->oom = true;
        return;
    }
    rec->nabsent++;
}

void ae_cfg_reader_init(ae_cfg_reader *r, const ae_cfg_doc *doc, ae_diags *diags)
{
    r->diags = diags;
    r->root = ae_cfg_root(doc);
    r->errors = 0;
    r->seen = NULL;
}

void ae_cfg_reader_free(ae_cfg_reader *r)
{
    ae_cfg_seen *s = r->seen;
    if (!s)
        return;
    for (size_t i = 0; i < s->cap; i++) {
        ae_cfg_rec *rec = s->slots[i];
        if (!rec)
            continue;
        for (size_t j = 0; j < rec->nabsent; j++)
            free(rec->absent[j]);
        free(rec->absent);
        free(rec->asked);
        free(rec);
    }
    free(s->slots);
    free(s);
    r->seen = NULL;
}

void ae_cfg_reader_path(const ae_cfg_node *n, char *out, size_t size)
{
    char *p = ae_cfg_path_of(n);
    snprintf(out, size, "%s", p ? p : "?");
    free(p);
}

void ae_cfg_reader_vreport(ae_cfg_reader *r, const ae_cfg_node *at, const char *fmt, va_list ap)
{
    if (!at)
        at = r->root;
    const char *file = NULL;
    int line = 0, col = 0;
    ae_cfg_where(at, &file, &line, &col);
    ae_diags_vadd(r->diags, file, line, col, fmt, ap);
    r->errors++;
}

void ae_cfg_reader_report(ae_cfg_reader *r, const ae_cfg_node *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ae_cfg_reader_vreport(r, at, fmt, ap);
    va_end(ap);
}

void ae_cfg_error(ae_cfg_reader *r, const ae_cfg_node *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ae_cfg_reader_vreport(r, at, fmt, ap);
    va_end(ap);
}

/* Reports one key at its own line:col, with the nearest asked-for key. */
static void report_key(ae_cfg_reader *r, const ae_cfg_node *map, size_t i, const char *path,
                       const char *const *cands, size_t n)
{
    const char *near = ae_cfg_suggest(map->pairs[i].key, cands, n);
    char hint[128] = "";
    if (near)
        snprintf(hint, sizeof hint, " (did you mean '%s'?)", near);
    const ae_cfg_pair *p = &map->pairs[i];
    ae_diags_add(r->diags, p->file, p->line, p->col, "unknown key '%s'%s%s%s", p->key,
                 path[0] ? " in " : "", path, hint);
    r->errors++;
}

void ae_cfg_report_unknown(ae_cfg_reader *r, const ae_cfg_node *map)
{
    if (!map || map->kind != AE_CFG_MAP)
        return;
    ae_cfg_rec *rec = ae_cfg_seen_rec(r, map);
    if (!rec || r->seen->oom) {
        /* Marks were lost: reporting keys as unknown could be wrong. */
        if (!r->seen || !r->seen->oom_reported)
            ae_cfg_reader_report(r, map, "out of memory while checking for unknown keys");
        if (r->seen)
            r->seen->oom_reported = true;
        return;
    }
    if (rec->unknown_done)
        return;
    rec->unknown_done = true;
    const char **cands = malloc((map->len + rec->nabsent + 1) * sizeof *cands);
    if (!cands) {
        ae_cfg_reader_report(r, map, "out of memory while checking for unknown keys");
        return;
    }
    /* Suggestions come from the keys asked of this mapping, present or not. */
    size_t n = 0;
    for (size_t j = 0; j < map->len && j < rec->asked_len; j++)
        if (rec->asked[j])
            cands[n++] = map->pairs[j].key;
    for (size_t j = 0; j < rec->nabsent; j++)
        cands[n++] = rec->absent[j];
    char path[512];
    ae_cfg_reader_path(map, path, sizeof path);
    /* A null value counts as absent (reader.h): an including file may write `beta1: ~`
     * to drop an included key without it being "unknown". */
    for (size_t i = 0; i < map->len; i++)
        if ((i >= rec->asked_len || !rec->asked[i]) && map->pairs[i].value->kind != AE_CFG_NULL)
            report_key(r, map, i, path, cands, n);
    free(cands);
}

static void report_all(ae_cfg_reader *r, const ae_cfg_node *n)
{
    if (n->kind == AE_CFG_SEQ) {
        for (size_t i = 0; i < n->len; i++)
            report_all(r, n->items[i]);
        return;
    }
    if (n->kind != AE_CFG_MAP)
        return;
    ae_cfg_rec *rec = ae_cfg_seen_rec(r, n);
    if (!rec || rec->touched)
        ae_cfg_report_unknown(r, n);
    for (size_t i = 0; i < n->len; i++)
        report_all(r, n->pairs[i].value);
}

void ae_cfg_report_unknown_all(ae_cfg_reader *r, const ae_cfg_node *root)
{
    if (root)
        report_all(r, root);
}

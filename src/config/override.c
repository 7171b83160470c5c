/* `--set dotted.path=value`: the value is parsed as YAML and replaces the node
 * at the path. Errors name the whole assignment as their file, with line 0. */
#include "config/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct step {
    const char *s;
    size_t len;
} step;

static bool is_index(const step *p, size_t *out)
{
    return ae_cfg_parse_index(p->s, p->len, out);
}

/* Finds the key spelled by a path step (not NUL-terminated). */
static long find_step(const ae_cfg_node *map, const step *p)
{
    for (size_t i = 0; i < map->len; i++)
        if (strncmp(map->pairs[i].key, p->s, p->len) == 0 && map->pairs[i].key[p->len] == '\0')
            return (long)i;
    return -1;
}

int ae_cfg_apply_override(ae_cfg_doc *doc, const char *assignment, ae_diags *diags)
{
    ae_cfg_ctx ctx = {.doc = doc, .diags = diags, .cmdline = true};
    size_t alen = strlen(assignment);
    char *label = malloc(alen + 7);
    if (!label) {
        ae_diags_add(diags, "--set", 0, 0, "out of memory");
        return -1;
    }
    snprintf(label, alen + 7, "--set %s", assignment);
    const char *file = ae_cfg_arena_strndup(doc, label, strlen(label));
    free(label);
    if (!file) {
        ae_diags_add(diags, "--set", 0, 0, "out of memory");
        return -1;
    }

    const char *eq = strchr(assignment, '=');
    if (!eq || eq == assignment) {
        ae_cfg_ctx_error(&ctx, file, 0, 0, "expected dotted.key=value");
        return -1;
    }
    size_t plen = (size_t)(eq - assignment);
    step steps[AE_CFG_MAX_DEPTH];
    size_t nsteps = 0;
    for (const char *s = assignment;;) {
        size_t len = strcspn(s, ".=");
        if (len == 0) {
            ae_cfg_ctx_error(&ctx, file, 0, 0, "empty key in '%.*s'", (int)plen, assignment);
            return -1;
        }
        if (nsteps == AE_CFG_MAX_DEPTH) {
            ae_cfg_ctx_error(&ctx, file, 0, 0, "the path is deeper than %d levels",
                             AE_CFG_MAX_DEPTH);
            return -1;
        }
        steps[nsteps++] = (step){s, len};
        s += len;
        if (*s == '=')
            break;
        s++;
    }
    if (steps[0].len == 7 && strncmp(steps[0].s, "include", 7) == 0) {
        ae_cfg_ctx_error(&ctx, file, 0, 0, "'include' is resolved when the file is loaded; it "
                                           "cannot be set from the command line");
        return -1;
    }

    ctx.col_offset = (int)plen + 1;
    const char *text = eq + 1;
    ae_cfg_node *value = ae_cfg_parse_text(&ctx, text, strlen(text), file, true);
    if (!value || ctx.errors)
        return -1;
    int height = ae_cfg_height(value);
    if ((int)nsteps + height > AE_CFG_MAX_DEPTH) {
        ae_cfg_ctx_error(&ctx, file, 0, 0, "the result would nest deeper than %d levels",
                         AE_CFG_MAX_DEPTH);
        return -1;
    }

    /* Walk first, create nothing until the whole path is known to work, so a
     * failed override leaves the tree unchanged. */
    ae_cfg_node *cur = doc->root;
    size_t i = 0;
    for (; i < nsteps; i++) {
        const step *p = &steps[i];
        int shown = (int)(p->s - assignment); /* the path up to cur */
        size_t idx;
        if (cur->kind == AE_CFG_MAP) {
            long at = find_step(cur, p);
            if (at < 0)
                break; /* created below */
            if (i + 1 < nsteps && cur->pairs[at].value->kind == AE_CFG_NULL)
                break; /* a null on the way is replaced by a mapping */
            if (i + 1 == nsteps)
                break;
            cur = cur->pairs[at].value;
        } else if (cur->kind == AE_CFG_SEQ) {
            if (!is_index(p, &idx)) {
                ae_cfg_ctx_error(&ctx, file, 0, 0, "%.*s is a sequence: '%.*s' is not an index",
                                 shown - 1, assignment, (int)p->len, p->s);
                return -1;
            }
            if (idx >= cur->len) {
                ae_cfg_ctx_error(&ctx, file, 0, 0,
                                 "index %zu is out of range for %.*s (%zu items)", idx,
                                 shown - 1, assignment, cur->len);
                return -1;
            }
            if (i + 1 == nsteps || cur->items[idx]->kind == AE_CFG_NULL)
                break;
            cur = cur->items[idx];
        } else {
            char what[96];
            ae_cfg_describe(cur, what, sizeof what);
            ae_cfg_ctx_error(&ctx, file, 0, 0, "cannot set %.*s: %.*s is %s, not a mapping",
                             (int)plen, assignment, shown - 1, assignment, what);
            return -1;
        }
    }

    /* cur holds steps[i]; steps i+1.. are created as mappings. */
    ae_cfg_node *top = value;
    for (size_t j = nsteps - 1; j > i; j--) {
        ae_cfg_node *m = ae_cfg_node_new(doc, AE_CFG_MAP, file, 0, 0);
        const char *key = ae_cfg_arena_strndup(doc, steps[j].s, steps[j].len);
        if (!m || !key || !ae_cfg_map_push(doc, m, key, file, 0, 0, top)) {
            ae_cfg_ctx_error(&ctx, file, 0, 0, "out of memory");
            return -1;
        }
        top = m;
    }
    const step *p = &steps[i];
    if (cur->kind == AE_CFG_SEQ) {
        size_t idx = 0;
        is_index(p, &idx);
        ae_cfg_set_child(cur, idx, top);
        return 0;
    }
    long at = find_step(cur, p);
    if (at >= 0) {
        ae_cfg_set_child(cur, (size_t)at, top);
        return 0;
    }
    const char *key = ae_cfg_arena_strndup(doc, p->s, p->len);
    if (!key || !ae_cfg_map_push(doc, cur, key, file, 0, 0, top)) {
        ae_cfg_ctx_error(&ctx, file, 0, 0, "out of memory");
        return -1;
    }
    return 0;
}

bool ae_cfg_remove(ae_cfg_doc *doc, const char *dotted)
{
    const char *dot = strrchr(dotted, '.');
    const ae_cfg_node *parent = doc->root;
    if (dot) {
        size_t n = (size_t)(dot - dotted);
        char *head = malloc(n + 1);
        if (!head)
            return false;
        memcpy(head, dotted, n);
        head[n] = '\0';
        parent = ae_cfg_path(doc->root, head);
        free(head);
    }
    long at = ae_cfg_map_find(parent, dot ? dot + 1 : dotted);
    if (at < 0)
        return false;
    /* The tree is the doc's own: dropping const here is an edit of that tree. */
    ae_cfg_map_remove((ae_cfg_node *)parent, (size_t)at);
    return true;
}

/* YAML text -> node tree, built from libyaml's event stream so that nesting
 * depth, node count, aliases and duplicate keys are checked as events arrive,
 * before anything large (or slow: libyaml's own loader is quadratic in deep
 * flow nesting) is built. */
#include "config/internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct frame {
    ae_cfg_node *node;    /* the sequence or mapping being built */
    ae_cfg_node **items;  /* heap scratch, reused by later frames at this depth */
    ae_cfg_pair *pairs;
    size_t len, items_cap, pairs_cap;
    bool have_key, key_bad;
    ae_cfg_pair key;      /* pending key of a mapping */
    long anchor;          /* open anchor on this node, or -1 */
} frame;

typedef struct anchor {
    const char *name;
    ae_cfg_node *node;
    bool open; /* still being built: an alias to it would be a cycle */
} anchor;

typedef struct loader {
    ae_cfg_ctx *ctx;
    const char *file;
    const char *text;
    frame stack[AE_CFG_MAX_DEPTH];
    int depth;
    anchor *anchors;
    size_t nanchors, anchors_cap;
    ae_cfg_strmap anchor_index;
    ae_cfg_node *root;
    int docs;
    bool fatal;
} loader;

void ae_cfg_ctx_error(ae_cfg_ctx *ctx, const char *file, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ae_diags_vadd(ctx->diags, file, line, col, fmt, ap);
    va_end(ap);
    ctx->errors++;
}

static int clamp(size_t v)
{
    return v >= INT_MAX ? INT_MAX : (int)v;
}

/* A position for a message: "line 3, column 5" in a file; in a --set value
 * (one line, usually) the column inside the whole assignment. */
static const char *position(const loader *l, int line, int col, char out[64])
{
    if (!l->ctx->cmdline)
        snprintf(out, 64, "line %d, column %d", line, col);
    else if (line <= 1)
        snprintf(out, 64, "column %d", col + l->ctx->col_offset);
    else if (!strchr(l->text, '\n'))
        snprintf(out, 64, "the end of the value");
    else
        snprintf(out, 64, "line %d, column %d of the value", line, col);
    return out;
}

__attribute__((format(printf, 4, 5))) static void err(loader *l, int line, int col,
                                                       const char *fmt, ...)
{
    char msg[AE_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (l->ctx->cmdline) {
        char at[64];
        ae_cfg_ctx_error(l->ctx, l->file, 0, 0, "%s (at %s)", msg, position(l, line, col, at));
    } else {
        ae_cfg_ctx_error(l->ctx, l->file, line, col, "%s", msg);
    }
}

static void oom(loader *l)
{
    if (!l->fatal)
        err(l, 0, 0, "out of memory");
    l->fatal = true;
}

static ae_cfg_node *new_node(loader *l, ae_cfg_kind kind, yaml_mark_t m)
{
    if (l->ctx->doc->nodes >= AE_CFG_MAX_NODES) {
        err(l, clamp(m.line + 1), clamp(m.column + 1), "the config has more than %d nodes",
            AE_CFG_MAX_NODES);
        l->fatal = true;
        return NULL;
    }
    ae_cfg_node *n = ae_cfg_node_new(l->ctx->doc, kind, l->file, clamp(m.line + 1),
                                     clamp(m.column + 1));
    if (!n)
        oom(l);
    return n;
}

/* Dotted path of the container at stack depth d (for messages). */
static void frame_path(const loader *l, int d, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < d && used < size; i++) {
        const frame *f = &l->stack[i];
        int k = f->node->kind == AE_CFG_MAP
                    ? snprintf(out + used, size - used, "%s%s", used ? "." : "", f->key.key)
                    : snprintf(out + used, size - used, "%s%zu", used ? "." : "", f->len);
        used += k > 0 ? (size_t)k : 0;
    }
}

static void add_anchor(loader *l, const yaml_char_t *name, ae_cfg_node *n, bool open, long *slot)
{
    *slot = -1;
    if (!name)
        return;
    size_t idx;
    if (ae_cfg_strmap_get(&l->anchor_index, (const char *)name, &idx)) {
        l->anchors[idx].node = n; /* a redefinition replaces the earlier anchor */
        l->anchors[idx].open = open;
        *slot = (long)idx;
        return;
    }
    if (l->nanchors == l->anchors_cap) {
        size_t cap = l->anchors_cap ? l->anchors_cap * 2 : 8;
        anchor *a = realloc(l->anchors, cap * sizeof *a);
        if (!a) {
            oom(l);
            return;
        }
        l->anchors = a;
        l->anchors_cap = cap;
    }
    const char *copy = ae_cfg_arena_strndup(l->ctx->doc, (const char *)name,
                                            strlen((const char *)name));
    if (!copy || ae_cfg_strmap_put(&l->anchor_index, copy, l->nanchors, NULL) < 0) {
        oom(l);
        return;
    }
    l->anchors[l->nanchors] = (anchor){copy, n, open};
    *slot = (long)l->nanchors++;
}

/* Places a finished node in the enclosing container (or as the root). */
static void add(loader *l, ae_cfg_node *n)
{
    if (l->depth == 0) {
        l->root = n;
        return;
    }
    frame *f = &l->stack[l->depth - 1];
    if (f->node->kind == AE_CFG_SEQ) {
        if (f->len == f->items_cap) {
            size_t cap = f->items_cap ? f->items_cap * 2 : 8;
            ae_cfg_node **items = realloc(f->items, cap * sizeof *items);
            if (!items) {
                oom(l);
                return;
            }
            f->items = items;
            f->items_cap = cap;
        }
        f->items[f->len++] = n;
        return;
    }
    if (!f->have_key) {
        f->have_key = true;
        f->key_bad = true;
        f->key = (ae_cfg_pair){n->text, n->file, n->line, n->col, NULL};
        if (n->kind == AE_CFG_SEQ || n->kind == AE_CFG_MAP)
            err(l, n->line, n->col, "mapping keys must be scalars, got %s",
                n->kind == AE_CFG_SEQ ? "a sequence" : "a mapping");
        else if (n->text[0] == '\0')
            err(l, n->line, n->col, "empty mapping key");
        else if (!n->quoted && strcmp(n->text, "<<") == 0)
            err(l, n->line, n->col, "merge keys ('<<') are not supported; use include: or an "
                                    "alias");
        else
            f->key_bad = false;
        return;
    }
    f->have_key = false;
    if (f->key_bad)
        return;
    if (f->len == f->pairs_cap) {
        size_t cap = f->pairs_cap ? f->pairs_cap * 2 : 8;
        ae_cfg_pair *pairs = realloc(f->pairs, cap * sizeof *pairs);
        if (!pairs) {
            oom(l);
            return;
        }
        f->pairs = pairs;
        f->pairs_cap = cap;
    }
    f->key.value = n;
    f->pairs[f->len++] = f->key;
}

static void start_collection(loader *l, ae_cfg_kind kind, const yaml_event_t *ev)
{
    const yaml_char_t *tag = kind == AE_CFG_SEQ ? ev->data.sequence_start.tag
                                                : ev->data.mapping_start.tag;
    const yaml_char_t *name = kind == AE_CFG_SEQ ? ev->data.sequence_start.anchor
                                                 : ev->data.mapping_start.anchor;
    int line = clamp(ev->start_mark.line + 1), col = clamp(ev->start_mark.column + 1);
    if (l->depth >= AE_CFG_MAX_DEPTH) {
        err(l, line, col, "nesting deeper than %d levels", AE_CFG_MAX_DEPTH);
        l->fatal = true;
        return;
    }
    if (tag)
        err(l, line, col, "unsupported tag '%s' on a %s", (const char *)tag,
            kind == AE_CFG_SEQ ? "sequence" : "mapping");
    ae_cfg_node *n = new_node(l, kind, ev->start_mark);
    if (!n)
        return;
    frame *f = &l->stack[l->depth++];
    f->node = n;
    f->len = 0;
    f->have_key = false;
    add_anchor(l, name, n, true, &f->anchor);
}

/* Copies f's scratch pairs into the arena, dropping (and reporting) duplicates. */
static void finish_map(loader *l, frame *f)
{
    ae_cfg_node *n = f->node;
    n->pairs = f->len ? ae_cfg_arena_alloc(l->ctx->doc, f->len * sizeof *n->pairs) : NULL;
    if (f->len && !n->pairs) {
        oom(l);
        return;
    }
    ae_cfg_strmap seen = {0};
    bool use_map = f->len > 8; /* small maps: a quadratic scan is cheaper */
    for (size_t i = 0; i < f->len; i++) {
        const ae_cfg_pair *p = &f->pairs[i];
        long first = -1;
        if (use_map) {
            size_t old;
            int r = ae_cfg_strmap_put(&seen, p->key, n->len, &old);
            if (r < 0) {
                oom(l);
                break;
            }
            first = r ? (long)old : -1;
        } else {
            first = ae_cfg_map_find(n, p->key);
        }
        if (first >= 0) {
            char path[512], at[64];
            frame_path(l, l->depth - 1, path, sizeof path);
            const ae_cfg_pair *q = &n->pairs[first];
            err(l, p->line, p->col, "duplicate key '%s'%s%s (first defined at %s)", p->key,
                path[0] ? " in " : "", path, position(l, q->line, q->col, at));
            continue;
        }
        n->pairs[n->len] = *p;
        p->value->parent = n;
        p->value->slot = n->len++;
    }
    n->cap = n->len;
    ae_cfg_strmap_free(&seen);
}

static void end_collection(loader *l)
{
    frame *f = &l->stack[l->depth - 1];
    ae_cfg_node *n = f->node;
    if (n->kind == AE_CFG_SEQ) {
        n->items = f->len ? ae_cfg_arena_alloc(l->ctx->doc, f->len * sizeof *n->items) : NULL;
        if (f->len && !n->items) {
            oom(l);
            return;
        }
        for (size_t i = 0; i < f->len; i++) {
            n->items[i] = f->items[i];
            n->items[i]->parent = n;
            n->items[i]->slot = i;
        }
        n->len = n->cap = f->len;
    } else {
        finish_map(l, f);
    }
    if (f->anchor >= 0 && l->anchors[f->anchor].node == n)
        l->anchors[f->anchor].open = false;
    l->depth--;
    if (!l->fatal)
        add(l, n);
}

static void scalar(loader *l, const yaml_event_t *ev)
{
    const char *text = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    int line = clamp(ev->start_mark.line + 1), col = clamp(ev->start_mark.column + 1);
    bool force_str = tag && (strcmp(tag, "tag:yaml.org,2002:str") == 0 || strcmp(tag, "!") == 0);
    if (tag && !force_str)
        err(l, line, col, "unsupported tag '%s' (only !!str is supported)", tag);
    if (memchr(text, '\0', len)) {
        err(l, line, col, "a scalar contains a NUL character");
        len = 0;
    }
    bool quoted = force_str || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
    ae_cfg_node *n = new_node(l, AE_CFG_SCALAR, ev->start_mark);
    if (!n)
        return;
    if (!(n->text = ae_cfg_arena_strndup(l->ctx->doc, text, len))) {
        oom(l);
        return;
    }
    n->quoted = quoted;
    if (!quoted && ae_cfg_resolve_plain(n->text) == AE_CFG_T_NULL)
        n->kind = AE_CFG_NULL;
    long slot;
    add_anchor(l, ev->data.scalar.anchor, n, false, &slot);
    add(l, n);
}

static void alias(loader *l, const yaml_event_t *ev)
{
    const char *name = (const char *)ev->data.alias.anchor;
    int line = clamp(ev->start_mark.line + 1), col = clamp(ev->start_mark.column + 1);
    size_t idx;
    ae_cfg_node *n = NULL;
    if (!ae_cfg_strmap_get(&l->anchor_index, name, &idx)) {
        err(l, line, col, "undefined alias '*%s'", name);
    } else if (l->anchors[idx].open) {
        err(l, line, col, "alias '*%s' refers to a node that contains it (a cycle)", name);
    } else {
        /* Aliases are expanded into copies (the tree has parent links), so
         * "billion laughs" runs into the node budget instead of memory. */
        size_t budget = AE_CFG_MAX_NODES - l->ctx->doc->nodes;
        int why;
        n = ae_cfg_node_copy(l->ctx->doc, l->anchors[idx].node, NULL, l->depth + 1, &budget, &why);
        if (!n) {
            if (why == 2)
                err(l, line, col, "alias '*%s' expands the config beyond %d nodes", name,
                    AE_CFG_MAX_NODES);
            else if (why == 3)
                err(l, line, col, "alias '*%s' nests deeper than %d levels", name,
                    AE_CFG_MAX_DEPTH);
            else
                oom(l);
            l->fatal = true;
            return;
        }
    }
    if (!n) { /* keep the structure going to find more errors */
        n = new_node(l, AE_CFG_NULL, ev->start_mark);
        if (!n || !(n->text = ae_cfg_arena_strndup(l->ctx->doc, "", 0))) {
            oom(l);
            return;
        }
    }
    add(l, n);
}

static void parser_error(loader *l, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR) {
        oom(l);
        return;
    }
    l->fatal = true;
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->error == YAML_READER_ERROR) {
        int line, col;
        ae_cfg_offset_mark(l->text, p->problem_offset, &line, &col);
        if (p->problem_value != -1)
            err(l, line, col, "%s (0x%X)", problem, (unsigned)p->problem_value);
        else
            err(l, line, col, "%s", problem);
        return;
    }
    int line = clamp(p->problem_mark.line + 1), col = clamp(p->problem_mark.column + 1);
    /* The commonest cause of "cannot start any token" deserves a plain hint. */
    bool tab = ae_cfg_char_at(l->text, p->problem_mark.line, p->problem_mark.column) == '\t';
    const char *hint = tab ? " (YAML does not allow tabs for indentation)" : "";
    char at[64];
    if (p->context)
        err(l, line, col, "%s %s that started at %s%s", problem, p->context,
            position(l, clamp(p->context_mark.line + 1), clamp(p->context_mark.column + 1), at),
            hint);
    else
        err(l, line, col, "%s%s", problem, hint);
}

static void on_event(loader *l, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++l->docs > 1) {
            err(l, clamp(ev->start_mark.line + 1), clamp(ev->start_mark.column + 1),
                "a config holds one YAML document; found a second one");
            l->fatal = true;
        }
        break;
    case YAML_SCALAR_EVENT:
        scalar(l, ev);
        break;
    case YAML_ALIAS_EVENT:
        alias(l, ev);
        break;
    case YAML_SEQUENCE_START_EVENT:
        start_collection(l, AE_CFG_SEQ, ev);
        break;
    case YAML_MAPPING_START_EVENT:
        start_collection(l, AE_CFG_MAP, ev);
        break;
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        end_collection(l);
        break;
    default:
        break;
    }
}

/* Nodes of a --set value have no line: they are located by the file name
 * "--set <assignment>" alone. */
static void unlocate(ae_cfg_node *n)
{
    n->line = n->col = 0;
    for (size_t i = 0; n->kind == AE_CFG_SEQ && i < n->len; i++)
        unlocate(n->items[i]);
    for (size_t i = 0; n->kind == AE_CFG_MAP && i < n->len; i++) {
        n->pairs[i].line = n->pairs[i].col = 0;
        unlocate(n->pairs[i].value);
    }
}

ae_cfg_node *ae_cfg_parse_text(ae_cfg_ctx *ctx, const char *text, size_t len, const char *file,
                               bool any_root)
{
    loader l = {.ctx = ctx, .file = file, .text = text};
    size_t diag_start = ctx->diags->count;
    size_t errors_before = ctx->errors;
    if (len > AE_CFG_MAX_BYTES) {
        ae_cfg_ctx_error(ctx, file, 0, 0, "larger than the %d MiB limit", AE_CFG_MAX_BYTES >> 20);
        return NULL;
    }
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        ae_cfg_ctx_error(ctx, file, 0, 0, "out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    while (!l.fatal) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            parser_error(&l, &parser);
            break;
        }
        on_event(&l, &ev);
        yaml_event_type_t type = ev.type;
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT)
            break;
    }
    yaml_parser_delete(&parser);
    for (int i = 0; i < AE_CFG_MAX_DEPTH; i++) {
        free(l.stack[i].items);
        free(l.stack[i].pairs);
    }
    free(l.anchors);
    ae_cfg_strmap_free(&l.anchor_index);

    ae_cfg_node *root = l.fatal ? NULL : l.root;
    if (!l.fatal && !any_root && (!root || root->kind == AE_CFG_NULL)) {
        /* An empty file is an empty mapping (handy for placeholder includes). */
        yaml_mark_t start = {0, 0, 0};
        root = new_node(&l, AE_CFG_MAP, start);
    } else if (!l.fatal && !any_root && root->kind != AE_CFG_MAP) {
        char what[96];
        ae_cfg_describe(root, what, sizeof what);
        err(&l, root->line, root->col, "the top level must be a mapping, got %s", what);
        root = NULL;
    } else if (!l.fatal && any_root && !root) {
        yaml_mark_t start = {0, 0, 0};
        root = new_node(&l, AE_CFG_NULL, start);
        if (root && !(root->text = ae_cfg_arena_strndup(ctx->doc, "", 0)))
            root = NULL;
    }
    if (root) {
        root->parent = NULL;
        if (ctx->cmdline)
            unlocate(root);
    }
    if (!ctx->cmdline && ctx->errors > errors_before)
        ae_cfg_sort_diags(ctx->diags, diag_start);
    return root;
}

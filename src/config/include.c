/* Loading files and composing them: `include:` (a path or a list of paths,
 * relative to the including file) is loaded recursively and deep-merged in
 * list order, then the including file's own keys are merged on top. */
#include "config/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* One file of the include chain, for cycle detection by file identity. */
typedef struct chain {
    bool has_id; /* text from memory has no identity */
    dev_t dev;
    ino_t ino;
    const char *path; /* as displayed */
    const struct chain *up;
} chain;

ae_cfg_node *ae_cfg_merge(ae_cfg_doc *doc, ae_cfg_node *base, ae_cfg_node *top)
{
    if (base->kind != AE_CFG_MAP || top->kind != AE_CFG_MAP)
        return top;
    /* Index base's keys when the maps are big, so merging stays linear. */
    ae_cfg_strmap index = {0};
    bool indexed = base->len + top->len > 16;
    for (size_t i = 0; indexed && i < base->len; i++)
        if (ae_cfg_strmap_put(&index, base->pairs[i].key, i, NULL) < 0)
            goto fail;
    for (size_t j = 0; j < top->len; j++) {
        const ae_cfg_pair *p = &top->pairs[j];
        size_t at;
        long i = indexed ? (ae_cfg_strmap_get(&index, p->key, &at) ? (long)at : -1)
                         : ae_cfg_map_find(base, p->key);
        if (i >= 0) {
            ae_cfg_node *merged = ae_cfg_merge(doc, base->pairs[i].value, p->value);
            if (!merged)
                goto fail;
            ae_cfg_set_child(base, (size_t)i, merged);
            base->pairs[i].file = p->file; /* the winning file's key */
            base->pairs[i].line = p->line;
            base->pairs[i].col = p->col;
        } else {
            if (!ae_cfg_map_push(doc, base, p->key, p->file, p->line, p->col, p->value))
                goto fail;
            if (indexed && ae_cfg_strmap_put(&index, p->key, base->len - 1, NULL) < 0)
                goto fail;
        }
    }
    /* A merged mapping is located where the winning file wrote it. */
    base->file = top->file;
    base->line = top->line;
    base->col = top->col;
    ae_cfg_strmap_free(&index);
    return base;
fail:
    ae_cfg_strmap_free(&index);
    return NULL;
}

/* Reads a whole file (NUL-terminated) of at most AE_CFG_MAX_BYTES; returns
 * NULL with *err set, or with *too_big when the file is over the limit. */
static char *read_all(FILE *f, size_t *len, int *err, bool *too_big)
{
    size_t cap = 64 * 1024, n = 0;
    char *buf = malloc(cap);
    *too_big = false;
    *err = ENOMEM;
    if (!buf)
        return NULL;
    for (;;) {
        if (n == cap - 1) { /* one byte stays free for the terminating NUL */
            if (cap > AE_CFG_MAX_BYTES) {
                *too_big = true;
                *err = 0;
                free(buf);
                return NULL;
            }
            cap *= 2;
            char *p = realloc(buf, cap);
            if (!p) {
                free(buf);
                return NULL;
            }
            buf = p;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                *err = errno ? errno : EIO;
                free(buf);
                return NULL;
            }
            break;
        }
    }
    if (n > AE_CFG_MAX_BYTES) {
        *too_big = true;
        *err = 0;
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* dir(of) + "/" + rel, or rel when absolute or of has no directory. */
static char *join_path(const char *of, const char *rel)
{
    const char *slash = strrchr(of, '/');
    size_t dirlen = rel[0] == '/' || !slash ? 0 : (size_t)(slash - of) + 1;
    size_t rlen = strlen(rel);
    char *p = malloc(dirlen + rlen + 1);
    if (p) {
        memcpy(p, of, dirlen);
        memcpy(p + dirlen, rel, rlen + 1);
    }
    return p;
}

static void cycle_error(ae_cfg_ctx *ctx, const ae_cfg_node *from, const chain *up, const char *path)
{
    const char *names[AE_CFG_MAX_INCLUDE_DEPTH + 2];
    size_t n = 0;
    for (const chain *c = up; c && n < sizeof names / sizeof names[0]; c = c->up)
        names[n++] = c->path;
    ae_cfg_buf b = {0};
    while (n--) {
        ae_cfg_buf_puts(&b, names[n]);
        ae_cfg_buf_puts(&b, " -> ");
    }
    ae_cfg_buf_puts(&b, path);
    char *text = ae_cfg_buf_finish(&b);
    ae_cfg_ctx_error(ctx, from->file, from->line, from->col, "include cycle: %s",
                     text ? text : path);
    free(text);
}

static ae_cfg_node *load_file(ae_cfg_ctx *ctx, const char *path, const chain *up, int depth,
                              const ae_cfg_node *from);

static ae_cfg_node *resolve_includes(ae_cfg_ctx *ctx, ae_cfg_node *root, const chain *self,
                                     int depth)
{
    long at = ae_cfg_map_find(root, "include");
    if (at < 0)
        return root;
    ae_cfg_node *spec = root->pairs[at].value;
    ae_cfg_map_remove(root, (size_t)at);
    ae_cfg_node *const *entries = &spec;
    size_t count = 1;
    if (spec->kind == AE_CFG_NULL) {
        count = 0;
    } else if (spec->kind == AE_CFG_SEQ) {
        entries = spec->items;
        count = spec->len;
    } else if (spec->kind == AE_CFG_MAP) {
        ae_cfg_ctx_error(ctx, spec->file, spec->line, spec->col,
                         "include: expected a file path or a list of file paths, got a mapping");
        count = 0;
    }
    ae_cfg_node *base = NULL;
    for (size_t i = 0; i < count; i++) {
        const ae_cfg_node *e = entries[i];
        if (e->kind != AE_CFG_SCALAR || e->text[0] == '\0') {
            char what[96];
            ae_cfg_describe(e, what, sizeof what);
            ae_cfg_ctx_error(ctx, e->file, e->line, e->col,
                             "include: expected a file path, got %s", what);
            continue;
        }
        char *path = join_path(self->path, e->text);
        ae_cfg_node *child = path ? load_file(ctx, path, self, depth + 1, e) : NULL;
        if (!path)
            ae_cfg_ctx_error(ctx, e->file, e->line, e->col, "out of memory");
        free(path);
        if (child && !(base = base ? ae_cfg_merge(ctx->doc, base, child) : child)) {
            ae_cfg_ctx_error(ctx, e->file, e->line, e->col, "out of memory");
            return NULL;
        }
    }
    if (!base)
        return root;
    ae_cfg_node *merged = ae_cfg_merge(ctx->doc, base, root);
    if (!merged)
        ae_cfg_ctx_error(ctx, root->file, root->line, root->col, "out of memory");
    return merged;
}

/* from is the include entry naming this file (NULL for the top file): problems
 * finding the file are reported there. */
static ae_cfg_node *load_file(ae_cfg_ctx *ctx, const char *path, const chain *up, int depth,
                              const ae_cfg_node *from)
{
    if (ctx->files >= AE_CFG_MAX_FILES) {
        ae_cfg_ctx_error(ctx, from->file, from->line, from->col,
                         "more than %d files are included", AE_CFG_MAX_FILES);
        return NULL;
    }
    FILE *f = fopen(path, "rb");
    struct stat st;
    if (!f || fstat(fileno(f), &st) != 0) {
        int e = errno;
        if (f)
            fclose(f);
        if (from)
            ae_cfg_ctx_error(ctx, from->file, from->line, from->col,
                             "cannot open include '%s': %s", path, strerror(e));
        else
            ae_cfg_ctx_error(ctx, path, 0, 0, "cannot open: %s", strerror(e));
        return NULL;
    }
    for (const chain *c = up; c; c = c->up)
        if (c->has_id && c->dev == st.st_dev && c->ino == st.st_ino) {
            cycle_error(ctx, from, up, path);
            fclose(f);
            return NULL;
        }
    if (depth > AE_CFG_MAX_INCLUDE_DEPTH) {
        ae_cfg_ctx_error(ctx, from->file, from->line, from->col,
                         "includes nest deeper than %d files", AE_CFG_MAX_INCLUDE_DEPTH);
        fclose(f);
        return NULL;
    }
    ctx->files++;
    size_t len = 0;
    int e;
    bool too_big;
    char *text = read_all(f, &len, &e, &too_big);
    fclose(f);
    if (!text) {
        if (too_big)
            ae_cfg_ctx_error(ctx, path, 0, 0, "larger than the %d MiB limit",
                             AE_CFG_MAX_BYTES >> 20);
        else
            ae_cfg_ctx_error(ctx, path, 0, 0, "cannot read: %s", strerror(e));
        return NULL;
    }
    const char *file = ae_cfg_arena_strndup(ctx->doc, path, strlen(path));
    ae_cfg_node *root = file ? ae_cfg_parse_text(ctx, text, len, file, false) : NULL;
    free(text);
    if (!file)
        ae_cfg_ctx_error(ctx, path, 0, 0, "out of memory");
    if (!root)
        return NULL;
    chain self = {true, st.st_dev, st.st_ino, file, up};
    return resolve_includes(ctx, root, &self, depth);
}

static int finish(ae_cfg_ctx *ctx, ae_cfg_node *root, ae_cfg_doc **out)
{
    if (!root || ctx->errors) {
        ae_cfg_free(ctx->doc);
        return -1;
    }
    root->parent = NULL;
    ctx->doc->root = root;
    *out = ctx->doc;
    return 0;
}

int ae_cfg_load(const char *path, ae_cfg_doc **out, ae_diags *diags)
{
    *out = NULL;
    ae_cfg_ctx ctx = {.doc = ae_cfg_doc_new(), .diags = diags};
    if (!ctx.doc) {
        ae_diags_add(diags, path, 0, 0, "out of memory");
        return -1;
    }
    return finish(&ctx, load_file(&ctx, path, NULL, 0, NULL), out);
}

int ae_cfg_load_string(const char *text, const char *pseudo_path, ae_cfg_doc **out,
                       ae_diags *diags)
{
    *out = NULL;
    if (!pseudo_path)
        pseudo_path = "<string>";
    ae_cfg_ctx ctx = {.doc = ae_cfg_doc_new(), .diags = diags};
    const char *file = ctx.doc ? ae_cfg_arena_strndup(ctx.doc, pseudo_path, strlen(pseudo_path))
                               : NULL;
    if (!file || !text) {
        ae_diags_add(diags, pseudo_path, 0, 0, text ? "out of memory" : "no text given");
        ae_cfg_free(ctx.doc);
        return -1;
    }
    ae_cfg_node *root = ae_cfg_parse_text(&ctx, text, strlen(text), file, false);
    chain self = {false, 0, 0, file, NULL};
    if (root)
        root = resolve_includes(&ctx, root, &self, 0);
    return finish(&ctx, root, out);
}

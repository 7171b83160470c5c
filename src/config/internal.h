/* Private to src/config: the node layout, the document arena and helpers
 * shared by the loader, include/merge, overrides, emitters and the reader. */
#ifndef AELAB_CONFIG_INTERNAL_H
#define AELAB_CONFIG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/cfg.h"

typedef struct ae_cfg_pair {
    const char *key;  /* arena string */
    const char *file; /* where the key was written */
    int line, col;
    ae_cfg_node *value;
} ae_cfg_pair;

struct ae_cfg_node {
    ae_cfg_kind kind;
    bool quoted;
    int line, col;
    const char *file;    /* arena string shared by all nodes of one file */
    ae_cfg_node *parent; /* NULL for the root */
    size_t slot;         /* index in the parent's items or pairs */
    const char *text;    /* SCALAR and NULL: the text as written */
    size_t len, cap;     /* SEQ: items, MAP: pairs */
    ae_cfg_node **items;
    ae_cfg_pair *pairs;
};

/* The document is an arena: nodes are never freed one by one, replaced ones
 * simply stay until ae_cfg_free. */
typedef struct ae_cfg_chunk ae_cfg_chunk;

struct ae_cfg_doc {
    ae_cfg_chunk *chunks;
    ae_cfg_node *root;
    size_t nodes; /* nodes created, checked against AE_CFG_MAX_NODES */
};

ae_cfg_doc *ae_cfg_doc_new(void);
/* NULL when out of memory or size overflows. */
void *ae_cfg_arena_alloc(ae_cfg_doc *doc, size_t size);
char *ae_cfg_arena_strndup(ae_cfg_doc *doc, const char *s, size_t n);
/* Counts toward doc->nodes; the caller checks the budget first. */
ae_cfg_node *ae_cfg_node_new(ae_cfg_doc *doc, ae_cfg_kind kind, const char *file, int line,
                             int col);
/* Appends to a sequence / mapping, growing in the arena; sets parent and slot.
 * Return false when out of memory. */
bool ae_cfg_seq_push(ae_cfg_doc *doc, ae_cfg_node *seq, ae_cfg_node *item);
bool ae_cfg_map_push(ae_cfg_doc *doc, ae_cfg_node *map, const char *key, const char *file,
                     int line, int col, ae_cfg_node *value);
/* Index of key in map, or -1. Linear: maps in configs are small, and callers
 * with many lookups on a big map use ae_cfg_strmap. */
long ae_cfg_map_find(const ae_cfg_node *map, const char *key);
/* Replaces the value in a slot of a container, fixing parent links. */
void ae_cfg_set_child(ae_cfg_node *parent, size_t slot, ae_cfg_node *child);
/* Removes pair i of a mapping. */
void ae_cfg_map_remove(ae_cfg_node *map, size_t i);

/* Deep copy of src into doc. file_of maps source file names to doc-owned ones
 * (NULL: keep the pointers, src lives in doc). depth is the nesting level the copy
 * will sit at; *budget is decremented per node. Returns NULL and sets *why:
 * 1 = out of memory, 2 = budget exhausted, 3 = too deep. */
typedef struct ae_cfg_filemap ae_cfg_filemap;
ae_cfg_node *ae_cfg_node_copy(ae_cfg_doc *doc, const ae_cfg_node *src, ae_cfg_filemap *files,
                              int depth, size_t *budget, int *why);
/* A dotted-path component (n bytes of s) that is all digits, as an index. */
bool ae_cfg_parse_index(const char *s, size_t n, size_t *out);
/* Nesting height: 0 for scalars, 1 + max over children for containers. */
int ae_cfg_height(const ae_cfg_node *n);

/* ---- growable text buffer ---- */

typedef struct ae_cfg_buf {
    char *p;
    size_t len, cap;
    bool oom;
} ae_cfg_buf;

void ae_cfg_buf_put(ae_cfg_buf *b, const char *s, size_t n);
void ae_cfg_buf_puts(ae_cfg_buf *b, const char *s);
void ae_cfg_buf_putc(ae_cfg_buf *b, char c);
/* Returns the NUL-terminated text (caller frees) or NULL after any failure. */
char *ae_cfg_buf_finish(ae_cfg_buf *b);

/* ---- string -> index hash table (keys borrowed, not copied) ---- */

typedef struct ae_cfg_strmap {
    const char **keys;
    size_t *vals;
    size_t cap, len;
} ae_cfg_strmap;

/* Returns 1 and sets *old when key was present (value unchanged), 0 when
 * inserted, -1 when out of memory. */
int ae_cfg_strmap_put(ae_cfg_strmap *m, const char *key, size_t val, size_t *old);
bool ae_cfg_strmap_get(const ae_cfg_strmap *m, const char *key, size_t *val);
void ae_cfg_strmap_set(ae_cfg_strmap *m, const char *key, size_t val); /* key must exist */
void ae_cfg_strmap_free(ae_cfg_strmap *m);

/* ---- scalars under the YAML 1.2 core schema ---- */

/* Type of a plain scalar's text (AE_CFG_T_NULL/BOOL/INT/FLOAT/STRING). */
ae_cfg_type ae_cfg_resolve_plain(const char *text);
/* For text of type INT: value, false with *overflow when it does not fit a long. */
bool ae_cfg_parse_int(const char *text, long *out, bool *overflow);
/* For text of type INT or FLOAT (.inf, .nan included). */
bool ae_cfg_parse_double(const char *text, double *out);
/* Shortest text that strtod reads back to v, always with '.' or an exponent
 * (so it stays a float): "0.01", "1.0", "1e+20", ".inf", "-.inf", ".nan". */
void ae_cfg_format_double(double v, char out[32]);

/* ---- loading (load.c) ---- */

typedef struct ae_cfg_ctx {
    ae_cfg_doc *doc;
    ae_diags *diags;
    size_t errors;   /* diagnostics this load added (ae_diags may drop some on OOM) */
    bool cmdline;    /* parsing a --set value: line 0, columns in the message */
    int col_offset;  /* column of the value inside the --set argument */
    int files;       /* files read so far */
} ae_cfg_ctx;

void ae_cfg_ctx_error(ae_cfg_ctx *ctx, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Parses one YAML document from text into ctx->doc. file is doc-owned. With
 * any_root false the top level must be a mapping (an empty document gives an
 * empty mapping). Returns the root, or NULL after a fatal error; non-fatal
 * errors still return a tree but raise ctx->errors. */
ae_cfg_node *ae_cfg_parse_text(ae_cfg_ctx *ctx, const char *text, size_t len, const char *file,
                               bool any_root);

/* marks.c: line and column of a byte offset (1-based); the byte at a 0-based
 * line and character column (0 past the end); sorts d->items[start..] by
 * line:col, keeping the order of equal positions. text is NUL-terminated. */
void ae_cfg_offset_mark(const char *text, size_t off, int *line, int *col);
char ae_cfg_char_at(const char *text, size_t line, size_t column);
void ae_cfg_sort_diags(ae_diags *d, size_t start);

/* Deep merge (include.c): mappings merge key by key, top's values win; any
 * other kind replaces. Nodes of top move into base. Returns the result, NULL
 * when out of memory. */
ae_cfg_node *ae_cfg_merge(ae_cfg_doc *doc, ae_cfg_node *base, ae_cfg_node *top);

/* Short description of a node for messages: 'abc', the string "1", a mapping,
 * a sequence, null. Writes into out. */
void ae_cfg_describe(const ae_cfg_node *n, char *out, size_t size);

#endif

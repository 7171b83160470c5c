/* The config tree: a YAML experiment file loaded into nodes that remember
 * file:line:column, composed with `include:`, patched with `--set` overrides,
 * emitted as YAML and hashed in a canonical form. The syntax layer is
 * described in docs/config-syntax.md; reading typed values with a schema is in
 * config/reader.h.
 *
 * Ownership: an ae_cfg_doc owns every node and string reachable from it
 * (including the file names nodes point at). Node pointers and strings stay
 * valid until ae_cfg_free, or until an override replaces that part of the tree. */
#ifndef AELAB_CONFIG_CFG_H
#define AELAB_CONFIG_CFG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

/* Limits, checked before anything large is built. */
enum {
    AE_CFG_MAX_DEPTH = 64,           /* nested sequences/mappings, counting the top mapping */
    AE_CFG_MAX_NODES = 1 << 18,      /* nodes per loaded config, alias copies included */
    AE_CFG_MAX_BYTES = 4 << 20,      /* bytes per file (4 MiB) */
    AE_CFG_MAX_INCLUDE_DEPTH = 32,   /* include chain length */
    AE_CFG_MAX_FILES = 256           /* files read by one ae_cfg_load */
};

typedef struct ae_cfg_node ae_cfg_node;
typedef struct ae_cfg_doc ae_cfg_doc;

typedef enum ae_cfg_kind { AE_CFG_NULL, AE_CFG_SCALAR, AE_CFG_SEQ, AE_CFG_MAP } ae_cfg_kind;

/* What a node means under the YAML 1.2 core schema: plain `1` is an int,
 * quoted "1" a string, plain `1e-3` a float, plain `true` a bool. */
typedef enum ae_cfg_type {
    AE_CFG_T_NULL,
    AE_CFG_T_BOOL,
    AE_CFG_T_INT,
    AE_CFG_T_FLOAT,
    AE_CFG_T_STRING,
    AE_CFG_T_SEQ,
    AE_CFG_T_MAP
} ae_cfg_type;

/* ---- loading ---- */

/* Loads a file and everything it includes, deep-merged. Returns 0 and sets
 * *out (free with ae_cfg_free), or returns -1 with every problem found added to
 * diags and *out set to NULL. */
int ae_cfg_load(const char *path, ae_cfg_doc **out, ae_diags *diags);

/* Same for text in memory; pseudo_path names it in diagnostics and its
 * directory is where relative includes are looked up. */
int ae_cfg_load_string(const char *text, const char *pseudo_path, ae_cfg_doc **out,
                       ae_diags *diags);

/* Applies "dotted.path=value" (value parsed as YAML, e.g. 0.01, relu, [1,2],
 * {a: 1}, "quoted"). Replaces the node at the path; missing mapping keys on the
 * way are created; numeric components index sequences. On error returns -1, adds
 * a diagnostic whose file is "--set <assignment>" (line 0), and leaves the tree
 * as it was. Nodes it creates carry that same file name and line 0. */
int ae_cfg_apply_override(ae_cfg_doc *doc, const char *assignment, ae_diags *diags);

/* Removes the mapping key at a dotted path (e.g. the sweep: section from a
 * trial's config). Returns true when a key was removed, false when the path
 * does not name a mapping key. */
bool ae_cfg_remove(ae_cfg_doc *doc, const char *dotted);

/* Deep copy into a new document (e.g. one per sweep trial); NULL when out of
 * memory. Free with ae_cfg_free. */
ae_cfg_doc *ae_cfg_clone(const ae_cfg_doc *doc);

void ae_cfg_free(ae_cfg_doc *doc);

/* The top-level mapping (never NULL for a loaded doc). */
const ae_cfg_node *ae_cfg_root(const ae_cfg_doc *doc);

/* ---- navigation (no diagnostics, no marking) ---- */

ae_cfg_kind ae_cfg_kind_of(const ae_cfg_node *n);
ae_cfg_type ae_cfg_type_of(const ae_cfg_node *n);
/* Items of a sequence or pairs of a mapping; 0 for anything else or NULL. */
size_t ae_cfg_len(const ae_cfg_node *n);
/* i-th item of a sequence; NULL when out of range or not a sequence. */
const ae_cfg_node *ae_cfg_at(const ae_cfg_node *seq, size_t i);
/* i-th key / value of a mapping, in file order; NULL when out of range. */
const char *ae_cfg_key_at(const ae_cfg_node *map, size_t i);
const ae_cfg_node *ae_cfg_value_at(const ae_cfg_node *map, size_t i);
/* Value of key in a mapping, NULL when absent or map is not a mapping. */
const ae_cfg_node *ae_cfg_lookup(const ae_cfg_node *map, const char *key);
/* Text of a scalar as written (escapes resolved); NULL for any other kind. */
const char *ae_cfg_scalar(const ae_cfg_node *n);
/* True when the scalar was quoted (or a block scalar, or tagged !!str). */
bool ae_cfg_is_quoted(const ae_cfg_node *n);
/* Lookup by dotted path ("model.layers.1.units"); numeric components index
 * sequences. NULL when any step is absent. */
const ae_cfg_node *ae_cfg_path(const ae_cfg_node *root, const char *dotted);
/* Where the node was written: file (owned by the doc), 1-based line and column.
 * Nodes from --set have line 0 and column 0. Any out pointer may be NULL. */
void ae_cfg_where(const ae_cfg_node *n, const char **file, int *line, int *col);
/* Dotted path of a node from the root ("train.optimizer", "model.layers.2");
 * "" for the root. Caller frees; NULL when out of memory. */
char *ae_cfg_path_of(const ae_cfg_node *n);

/* ---- emitting and hashing ---- */

/* Block-style YAML of the tree, keys in tree order, scalars as written (strings
 * re-quoted when needed). Loading it gives an equal tree. Caller frees; NULL
 * when out of memory. */
char *ae_cfg_emit_yaml(const ae_cfg_node *n);

/* Canonical one-line form: keys sorted by bytes, strings double-quoted, ints
 * in decimal, floats in shortest round-trip form, null/true/false lowercase.
 * Caller frees; NULL when out of memory. */
char *ae_cfg_emit_canonical(const ae_cfg_node *n);

/* SHA-256 (lowercase hex) of ae_cfg_emit_canonical(n); out is "" when out of
 * memory. */
void ae_cfg_sha256_hex(const ae_cfg_node *n, char out[65]);

/* Equal typed values (mapping key order ignored), i.e. equal canonical forms. */
bool ae_cfg_equal(const ae_cfg_node *a, const ae_cfg_node *b);

/* ---- "did you mean" ---- */

/* Closest candidate to word by case-insensitive Damerau-Levenshtein distance
 * (optimal string alignment), if that distance d is at most
 * min(2, max(1, len/3)) and d < len, len being the longer word's length; ties go
 * to the earlier candidate. NULL otherwise. Returns one of the candidates. */
const char *ae_cfg_suggest(const char *word, const char *const *candidates, size_t n);

#endif

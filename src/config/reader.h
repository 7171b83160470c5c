/* The schema reader: how consumers (the model builder, the trainer, the sweep
 * expander) read typed values out of a config tree. Every problem becomes a
 * diagnostic located at the offending node, so one pass over a file reports all
 * of its errors; messages look like
 *
 *   x.yaml:7:12: error: unknown key 'lrr' in train.optimizer (did you mean 'lr'?)
 *   x.yaml:3:15: error: train.batch_size: expected an integer, got 'abc'
 *   x.yaml:4:11: error: train.epochs: 0 is out of range [1, 1000000]
 *   x.yaml:1:1: error: missing field 'model'
 *
 * Each get call also records the key as known for that mapping, present or
 * not; ae_cfg_report_unknown then flags every key nobody asked for, suggesting
 * the nearest known key. A key whose value is null (`lr:`, `lr: ~`,
 * `--set lr=null`) counts as absent: optional reads give the default.
 *
 * The reader never modifies the tree; it keeps its marks on the side, so a
 * document can be read more than once. Do not change the tree (overrides)
 * while a reader is in use. */
#ifndef AELAB_CONFIG_READER_H
#define AELAB_CONFIG_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "config/cfg.h"
#include "core/error.h"

typedef struct ae_cfg_seen ae_cfg_seen;

typedef struct ae_cfg_reader {
    ae_diags *diags;          /* where problems go (not owned) */
    const ae_cfg_node *root;  /* where ae_cfg_error(r, NULL, ...) is located */
    size_t errors;            /* diagnostics added through this reader */
    ae_cfg_seen *seen;        /* private: keys asked per mapping, nodes already reported */
} ae_cfg_reader;

/* Flags of the get functions. */
enum { AE_CFG_OPTIONAL = 0, AE_CFG_REQUIRED = 1 };

void ae_cfg_reader_init(ae_cfg_reader *r, const ae_cfg_doc *doc, ae_diags *diags);
void ae_cfg_reader_free(ae_cfg_reader *r);

/* ---- values by key ----
 * map may be NULL (an absent section): every key then reads as absent without a
 * diagnostic (the section itself was reported if it was required), so optional
 * keys give their default and required ones return false. When map is not a
 * mapping, that is reported once and every read fails.
 * The typed getters always write *out (the value, else def) and return false
 * when they added a diagnostic. */

/* The value node, or NULL when absent or null (reported if required). */
const ae_cfg_node *ae_cfg_get(ae_cfg_reader *r, const ae_cfg_node *map, const char *key,
                              int flags);
/* Like ae_cfg_get, and reports a value of the wrong kind (then returns NULL). */
const ae_cfg_node *ae_cfg_get_map(ae_cfg_reader *r, const ae_cfg_node *map, const char *key,
                                  int flags);
const ae_cfg_node *ae_cfg_get_seq(ae_cfg_reader *r, const ae_cfg_node *map, const char *key,
                                  int flags);

/* Plain integer (decimal, 0o octal or 0x hex) within [min, max]. */
bool ae_cfg_get_int(ae_cfg_reader *r, const ae_cfg_node *map, const char *key, int flags,
                    long def, long min, long max, long *out);
/* Integer or float within [min, max]; .nan is always rejected, .inf only
 * accepted when the range reaches INFINITY. */
bool ae_cfg_get_double(ae_cfg_reader *r, const ae_cfg_node *map, const char *key, int flags,
                       double def, double min, double max, double *out);
/* Plain true/false (also True/TRUE/False/FALSE). */
bool ae_cfg_get_bool(ae_cfg_reader *r, const ae_cfg_node *map, const char *key, int flags,
                     bool def, bool *out);
/* Any scalar's text (quoted or not); *out points into the doc. */
bool ae_cfg_get_string(ae_cfg_reader *r, const ae_cfg_node *map, const char *key, int flags,
                       const char *def, const char **out);
/* Index in choices (a NULL-terminated list) of the scalar's text; a near miss
 * gets "did you mean". */
bool ae_cfg_get_enum(ae_cfg_reader *r, const ae_cfg_node *map, const char *key, int flags,
                     const char *const *choices, int def, int *out);
/* A sequence of at most max_len integers in [min, max], e.g. input: [1, 28, 28].
 * Returns the count (0 when absent), or -1 after a diagnostic. */
int ae_cfg_get_int_list(ae_cfg_reader *r, const ae_cfg_node *map, const char *key, int flags,
                        long min, long max, long *out, int max_len);

/* ---- values of nodes already in hand (e.g. sequence items) ----
 * n may be NULL (returns false, no diagnostic). On failure *out is unchanged. */

bool ae_cfg_as_int(ae_cfg_reader *r, const ae_cfg_node *n, long min, long max, long *out);
bool ae_cfg_as_double(ae_cfg_reader *r, const ae_cfg_node *n, double min, double max,
                      double *out);
bool ae_cfg_as_bool(ae_cfg_reader *r, const ae_cfg_node *n, bool *out);
bool ae_cfg_as_string(ae_cfg_reader *r, const ae_cfg_node *n, const char **out);
bool ae_cfg_as_enum(ae_cfg_reader *r, const ae_cfg_node *n, const char *const *choices, int *out);
/* Reports "<path>: expected <what>, got ..." unless n is a mapping / sequence;
 * what defaults to "a mapping" / "a sequence". */
bool ae_cfg_expect_map(ae_cfg_reader *r, const ae_cfg_node *n, const char *what);
bool ae_cfg_expect_seq(ae_cfg_reader *r, const ae_cfg_node *n, const char *what);

/* ---- after reading ---- */

/* Reports every key of map that no get call asked for. */
void ae_cfg_report_unknown(ae_cfg_reader *r, const ae_cfg_node *map);
/* The same for every mapping under root that was read from at least once
 * (mappings never read from are either reported as an unknown key of their
 * parent, or were deliberately taken whole). Each mapping is reported once. */
void ae_cfg_report_unknown_all(ae_cfg_reader *r, const ae_cfg_node *root);

/* A consumer-level error located at a node (the root when at is NULL), e.g. an
 * unknown layer reference or shapes that do not chain. */
void ae_cfg_error(ae_cfg_reader *r, const ae_cfg_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

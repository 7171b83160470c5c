/* Private to the reader: per-node marks kept beside the tree (keys asked of
 * each mapping, nodes already reported) and the unknown-key report. */
#ifndef AELAB_CONFIG_SEEN_H
#define AELAB_CONFIG_SEEN_H

#include "config/internal.h"
#include "config/reader.h"

typedef struct ae_cfg_rec {
    const ae_cfg_node *node;
    bool *asked;      /* per pair of a mapping: some get call named this key */
    size_t asked_len;
    char **absent;    /* keys asked for but not present (copies) */
    size_t nabsent, absent_cap;
    bool touched;     /* a get call asked this mapping for a key */
    bool reported;    /* a problem with this node was reported: do not cascade */
    bool unknown_done;
} ae_cfg_rec;

/* The record of n, created on first use; NULL when out of memory (then
 * unknown-key reports are replaced by one "out of memory" diagnostic). */
ae_cfg_rec *ae_cfg_seen_rec(ae_cfg_reader *r, const ae_cfg_node *n);
/* Records that key was asked of map (present or not). */
void ae_cfg_seen_mark(ae_cfg_reader *r, const ae_cfg_node *map, const char *key);
/* Adds a diagnostic at node at (the root when NULL) and counts it. */
void ae_cfg_reader_vreport(ae_cfg_reader *r, const ae_cfg_node *at, const char *fmt, va_list ap);
void ae_cfg_reader_report(ae_cfg_reader *r, const ae_cfg_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "train.optimizer" (or "" for the root) into out. */
void ae_cfg_reader_path(const ae_cfg_node *n, char *out, size_t size);

#endif

/* Private to src/sweep: the sweep: section as read (axes of values), before
 * it is expanded into trials, and small file helpers shared by the module. */
#ifndef AELAB_SWEEP_SWEEP_IMPL_H
#define AELAB_SWEEP_SWEEP_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/reader.h"
#include "sweep/sweep.h"

typedef enum sw_axis_kind { SW_GRID, SW_ZIP, SW_RANDOM, SW_SEEDS } sw_axis_kind;
typedef enum sw_dist { SW_UNIFORM, SW_LOG_UNIFORM, SW_INT_UNIFORM, SW_CHOICE } sw_dist;

/* One swept path of an axis. Strings and nodes point into the sweep's doc. */
typedef struct sw_param {
    const char *path;
    const ae_cfg_node *at;     /* grid/zip: the list of values; random: the distribution */
    const ae_cfg_node *values; /* grid/zip: that list; random choice: the choices */
    sw_dist dist;              /* random */
    double lo, hi;             /* uniform, log_uniform */
    long ilo, ihi;             /* int_uniform */
} sw_param;

/* One dimension of the product: every point of it sets all of its params. */
typedef struct sw_axis {
    sw_axis_kind kind;
    sw_param *params;
    size_t n_params;
    size_t n_points;
    uint64_t seed;             /* random: the sampling seed */
    long *seeds;               /* seeds: the experiment seeds, n_points of them */
    const ae_cfg_node *at;
} sw_axis;

typedef struct sw_section {
    sw_axis *axes;             /* grid keys in file order, then zip, random, seeds */
    size_t n_axes;
} sw_section;

/* Reads the sweep: section `node` of doc into sec and the scalar options into
 * s (name, metric, jobs, slurm). Problems go to r's diagnostics; returns false
 * when there were any (or memory ran out, reported too). */
bool sw_read_section(ae_cfg_reader *r, const ae_cfg_doc *doc, const ae_cfg_node *node,
                     sw_section *sec, ae_sweep *s);
void sw_section_free(sw_section *sec);

/* Number of trials (product of axis sizes), or 0 when beyond AE_SWEEP_MAX_TRIALS. */
size_t sw_count(const sw_section *sec);

/* Fills t (index already set) with the assignments of trial t->index, its id,
 * overrides and label strings. AE_OK or AE_ERR_NOMEM. */
ae_code sw_expand_trial(const sw_section *sec, ae_sweep_trial *t);
/* Labels with the shortest path suffixes that stay unique among the sweep's
 * paths ("lr=0.01" for train.optimizer.lr); AE_OK or AE_ERR_NOMEM. */
ae_code sw_label_trials(const sw_section *sec, ae_sweep *s);

/* Shortest decimal text that reads back as v and stays a YAML float
 * ("0.01", "3.0", "1e-05"). */
void sw_format_double(double v, char out[32]);

/* ---- files ---- */

/* mkdir -p; 0 or -1 with errno. */
int sw_mkdirs(const char *path);
/* Writes text to path through "<path>.tmp-<pid>", fsync and rename: readers
 * see the old file or the new one, never a mix. Errors name the path. */
ae_code sw_write_atomic(const char *path, const char *text, size_t len, ae_error *err);
/* The whole file (caller frees), NUL-terminated, at most max bytes; NULL with
 * errno set (EFBIG when larger). */
char *sw_read_text(const char *path, size_t max, size_t *len);

/* ---- text ---- */

typedef struct sw_buf {
    char *p;
    size_t len, cap;
    bool oom;
} sw_buf;

void sw_buf_printf(sw_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sw_buf_puts(sw_buf *b, const char *s);
/* The text (caller frees), or NULL after any failure. */
char *sw_buf_finish(sw_buf *b);

#endif

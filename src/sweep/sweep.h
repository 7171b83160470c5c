/* Sweeps: one experiment trained at many points of its config. An experiment
 * file (or a file that includes one) carries a `sweep:` section:
 *
 *   sweep:
 *     name: lr-sweep                     # results/<name>/<trial-id>/ (default: the experiment's name)
 *     grid: {train.optimizer.lr: [0.01, 0.001, 0.0001]}      # cartesian product, first key slowest
 *     zip: {a.b: [1, 2], c.d: [x, y]}     # lists advanced together: one more axis
 *     random:                            # seeded random search: one more axis
 *       trials: 8
 *       seed: 3
 *       params: {train.optimizer.lr: {log_uniform: [1.0e-4, 1.0e-1]}}
 *     seeds: 3                           # each point with seed, seed+1, seed+2 (or a list)
 *     metric: val/loss                   # what the report ranks by (lower is better)
 *     jobs: 2                            # local workers (default: one per core)
 *     slurm: {partition: gpu, time: "01:00:00", mem: 4G, cpus_per_task: 2, max_parallel: 8}
 *
 * ae_sweep_load expands it into trials and validates every trial's resolved
 * config before anything runs: an invalid path or value is a diagnostic at the
 * file:line:col of the sweep entry that produced it. docs/sweeps.md has the
 * full description.
 *
 * Ownership: an ae_sweep owns everything reachable from it, including the
 * config document its node pointers point into; free with ae_sweep_free. */
#ifndef AELAB_SWEEP_SWEEP_H
#define AELAB_SWEEP_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#include "config/cfg.h"
#include "core/error.h"

enum {
    AE_SWEEP_MAX_TRIALS = 10000, /* a larger expansion is a config error */
    AE_SWEEP_ID_MAX = 16         /* bytes of a trial id, NUL included ("t000") */
};

/* One "path=value" of a trial. */
typedef struct ae_sweep_assign {
    char *path;                  /* "train.optimizer.lr" */
    char *value;                 /* the YAML text given to ae_cfg_apply_override */
    char *shown;                 /* the value as written in the sweep, for tables and legends */
    const ae_cfg_node *at;       /* where the value came from (errors about it go here) */
    const ae_cfg_node *axis;     /* where its axis was declared (errors about the path go here) */
} ae_sweep_assign;

typedef struct ae_sweep_trial {
    size_t index;                /* 0-based position in the expansion; Slurm's array index */
    char id[AE_SWEEP_ID_MAX];    /* "t000", "t001", ...: the trial's directory name */
    ae_sweep_assign *assigns;
    size_t n_assigns;
    char *overrides;             /* "train.optimizer.lr=0.01 seed=2" ("" for none) */
    char *label;                 /* the same with the shortest unique path suffixes: "lr=0.01 seed=2" */
    char *yaml;                  /* the trial's resolved config (no sweep: section): trial.yaml */
    char sha[65];                /* its config hash, as its run file will record it */
    int epochs;                  /* training epochs over all phases */
} ae_sweep_trial;

/* Options of the Slurm backend; the command line overrides each one. */
typedef struct ae_sweep_slurm {
    char *partition, *time, *mem, *account; /* NULL: not given (the cluster's default) */
    int cpus_per_task;           /* 0: not given (1) */
    int max_parallel;            /* the %M of --array; 0: no limit */
    char **extra;                /* more sbatch options, e.g. "--qos=short" */
    size_t n_extra;
} ae_sweep_slurm;

typedef struct ae_sweep {
    char *file;                  /* the sweep file as given */
    char *name;                  /* sweep.name, else the experiment's name */
    char *metric;                /* sweep.metric, default "val/loss"; lower is better */
    char *output_root;           /* the experiment's output.root (default "results") */
    int jobs;                    /* sweep.jobs; 0: not given */
    ae_sweep_slurm slurm;
    ae_sweep_trial *trials;
    size_t n_trials;
    ae_cfg_doc *doc;             /* the loaded file with the --set overrides applied */
} ae_sweep;

/* Loads path, applies sets ("dotted.path=value", to every trial), reads the
 * sweep: section, expands the trials and validates each one's resolved
 * config. Returns AE_OK with *out filled, or AE_ERR_CONFIG with every problem
 * in diags (deduplicated) and *out zeroed; AE_ERR_NOMEM when out of memory. */
ae_code ae_sweep_load(const char *path, const char *const *sets, size_t n_sets, ae_sweep *out,
                      ae_diags *diags);
void ae_sweep_free(ae_sweep *s);

/* "<root>/<name>" into out, root being out_root when not NULL, else the
 * experiment's output.root. False when it does not fit. */
bool ae_sweep_dir(const ae_sweep *s, const char *out_root, char *out, size_t size);

/* Writes text to path atomically (temporary file, fsync, rename), creating
 * missing parent directories; errors name the path. */
ae_code ae_sweep_write_text(const char *path, const char *text, ae_error *err);

/* The trial whose id is `id` ("t004"), or NULL. */
const ae_sweep_trial *ae_sweep_find_trial(const ae_sweep *s, const char *id);

#endif

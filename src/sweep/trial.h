/* A trial's directory, results/<sweep>/<trial-id>/:
 *   trial.yaml  the trial's resolved config (what `aelab run` is given)
 *   run.h5      the run file, written by the run itself: the unit of truth
 *   log.txt     the run's output (local backend)
 *   lock        held (flock) by the process running the trial
 *   failed-N.h5 earlier failed attempts, set aside by --retry-failed
 * and the decisions made from it: a trial is started, resumed, restarted or
 * left alone according to its run file's status. */
#ifndef AELAB_SWEEP_TRIAL_H
#define AELAB_SWEEP_TRIAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "runfile/runfile.h"
#include "sweep/sweep.h"

typedef enum ae_sweep_status {
    AE_SWEEP_PENDING,     /* no run file yet */
    AE_SWEEP_RUNNING,     /* the run file says running (and a process may be training it) */
    AE_SWEEP_INTERRUPTED,
    AE_SWEEP_COMPLETED,
    AE_SWEEP_DIVERGED,
    AE_SWEEP_FAILED,
    AE_SWEEP_UNREADABLE,  /* run.h5 exists but does not load */
    AE_SWEEP_STATUS_COUNT
} ae_sweep_status;

/* "pending", "running", ..., "unreadable". */
const char *ae_sweep_status_name(ae_sweep_status s);

typedef struct ae_sweep_probe {
    ae_sweep_status status;
    bool other_config;    /* the run file holds a different config than the trial's */
    size_t epochs;        /* epochs recorded over all phases */
    char why[AE_ERROR_MSG_MAX]; /* unreadable: the load error */
} ae_sweep_probe;

/* "<sweep_dir>/<id>" into out; false when it does not fit. */
bool ae_sweep_trial_dir(const char *sweep_dir, const ae_sweep_trial *t, char *out, size_t size);

/* What <trial_dir>/run.h5 says about trial t. Never fails: a missing file is
 * pending, one that does not load unreadable (with why). When rf is not NULL
 * it receives the loaded run file (NULL if none; free with ae_runfile_free). */
void ae_sweep_probe_trial(const char *trial_dir, const ae_sweep_trial *t, ae_sweep_probe *out,
                          ae_runfile **rf);

typedef enum ae_sweep_action {
    AE_SWEEP_SKIP,    /* completed or diverged (final), or failed without --retry-failed */
    AE_SWEEP_START,   /* no run file: a fresh run */
    AE_SWEEP_RESUME,  /* running (its process is gone) or interrupted: from its checkpoint */
    AE_SWEEP_RESTART  /* failed or unreadable, with --retry-failed: set aside, start afresh */
} ae_sweep_action;

/* The decision for a trial that no process holds (see ae_sweep_lock_trial). */
ae_sweep_action ae_sweep_decide(const ae_sweep_probe *p, bool retry_failed);

/* Creates the trial's directory and writes trial.yaml atomically, unless it
 * already holds exactly t->yaml. */
ae_code ae_sweep_prepare_trial(const char *trial_dir, const ae_sweep_trial *t, ae_error *err);

/* Renames run.h5 to the first free failed-N.h5 (N = 1, 2, ...). */
ae_code ae_sweep_retire_run(const char *trial_dir, ae_error *err);

/* Takes the trial's lock without waiting. AE_OK with *fd open (the lock lives
 * as long as that open file, in this process or in children that inherit it:
 * it is deliberately not close-on-exec); *busy = true and *fd = -1 when
 * another process holds it; an error code when the lock file cannot be made. */
ae_code ae_sweep_lock_trial(const char *trial_dir, int *fd, bool *busy, ae_error *err);
/* Whether some process holds the trial's lock now (false when it has none). */
bool ae_sweep_trial_locked(const char *trial_dir);

/* The command that carries out action a (START/RESUME; RESTART after
 * ae_sweep_retire_run is a START): argv for execv, NULL-terminated. */
typedef struct ae_sweep_command {
    char *argv[12];
    char *store;      /* owns the strings argv points to */
} ae_sweep_command;

ae_code ae_sweep_trial_command(const char *exe, const char *trial_dir, ae_sweep_action a,
                               int threads, ae_sweep_command *out);
void ae_sweep_command_free(ae_sweep_command *c);

/* ---- the manifest: results/<sweep>/sweep.tsv ----
 * "# " header lines (format, sweep name, file, metric), then one tab-separated
 * line per trial: trial, status, epochs ("done/total"), config_sha256,
 * overrides. Written atomically; rewritten whenever a sweep command has
 * looked at the run files (they, not the manifest, are the truth). */
ae_code ae_sweep_manifest_write(const char *path, const ae_sweep *s, const ae_sweep_probe *probes,
                                ae_error *err);

#endif

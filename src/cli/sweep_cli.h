/* `aelab sweep` and `aelab plot curves`: the command line of src/sweep.
 * cmd_sweep.c parses and dispatches; sweep_local.c runs trials in a pool of
 * child processes; sweep_slurm.c submits job arrays and asks Slurm about
 * them; sweep_show.c prints listings and reports. */
#ifndef AELAB_CLI_SWEEP_CLI_H
#define AELAB_CLI_SWEEP_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "sweep/sweep.h"
#include "sweep/trial.h"

int cmd_sweep(int argc, char **argv);
int cmd_plot_curves(int argc, char **argv); /* argv[1] == "plot", argv[2] == "curves" */

typedef struct sweep_opts {
    const char *sub;           /* NULL (run the sweep), "status" or "report" */
    const char *file;
    const char **sets;         /* --set, in order (owned array, borrowed strings) */
    size_t n_sets;
    const char *out_root;      /* --out */
    int jobs;                  /* -j; 0: sweep.jobs, else one per core */
    int threads;               /* --threads; 0: cores / jobs */
    long trial;                /* --trial K; -1 when not given */
    bool quiet, dry_run, retry_failed;
    bool slurm;                /* --backend slurm */
    ae_sweep_slurm slurm_cli;  /* from the command line; strings borrowed, extra owned */
} sweep_opts;

/* A loaded sweep and where it lives. */
typedef struct sweep_ctx {
    const sweep_opts *opts;
    ae_sweep s;
    char dir[4096];            /* <results root>/<sweep name> */
    char exe[4096];            /* this aelab binary */
    ae_sweep_probe *probes;    /* per trial, from ae_sweep_probe_trial */
} sweep_ctx;

/* Loads and validates FILE with the --set overrides; prints every problem
 * and returns false (exit status 2) when it is invalid. */
bool sweep_open(const sweep_opts *o, sweep_ctx *c);
void sweep_close(sweep_ctx *c);

/* Reads every trial's run file into c->probes; refuses (false, printed) when
 * a run file holds another config than its trial (the sweep changed). */
bool sweep_probe_all(sweep_ctx *c);
/* Creates the trial directories and trial.yaml files, and writes the manifest. */
bool sweep_prepare(sweep_ctx *c);
/* Rewrites results/<sweep>/sweep.tsv from c->probes (quietly keeps going on failure). */
void sweep_write_manifest(sweep_ctx *c);
/* Trial directory of trial i. */
void sweep_trial_dir(const sweep_ctx *c, size_t i, char *out, size_t size);

/* Backends and subcommands; each returns an exit status. */
int sweep_run_local(sweep_ctx *c);
int sweep_run_trial(sweep_ctx *c, size_t index);      /* --trial: execs the run */
int sweep_submit_slurm(sweep_ctx *c);
int sweep_status(sweep_ctx *c);
int sweep_report(sweep_ctx *c, bool quiet);

/* Per trial i: the latest Slurm array task that ran it ("123_4") in task[i]
 * and what squeue / sacct / the jobcomp file say of it in state[i] ("" when
 * unknown). False when the sweep was never submitted to Slurm. */
bool sweep_slurm_states(const sweep_ctx *c, char (*task)[48], char (*state)[32]);

/* Prints the trials and their overrides (--dry-run). */
void sweep_print_trials(const sweep_ctx *c);

/* Runs argv (PATH lookup) and captures its stdout (caller frees *out), or
 * discards it when out is NULL; stderr goes to /dev/null when quiet_stderr.
 * Returns its exit status, or -1 when it could not run. */
int sweep_capture(const char *const *argv, char **out, bool quiet_stderr);

#endif

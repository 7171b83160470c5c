/* The aelab command line: one file per command, shared helpers here. Only
 * this layer prints and chooses exit codes:
 *   0 success, 1 runtime failure (I/O, divergence, interruption), 2 usage or config error. */
#ifndef AELAB_CLI_CLI_H
#define AELAB_CLI_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "config/cfg.h"
#include "core/error.h"
#include "model/spec.h"

enum { EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

/* Options shared by run / validate / sweep. */
typedef struct cli_opts {
    const char *file;
    const char **sets; /* --set k=v, in order */
    size_t n_sets;
    const char *out_root; /* --out DIR (results root) */
    const char *run_dir;  /* --run-dir DIR: this exact run directory (sweeps) */
    bool quiet;
    int threads;          /* 0: leave BLAS at its default */
} cli_opts;

/* Parses argv[first..] into opts; positional arguments go to rest[] (up to max_rest).
 * Returns the number of positionals, or -1 after printing a usage error. */
int cli_parse(int argc, char **argv, int first, cli_opts *opts, const char **rest, int max_rest,
              const char *usage);
void cli_opts_free(cli_opts *opts);

/* Loads a config file with overrides and reads the experiment from it. On
 * failure prints every diagnostic and returns false. */
bool cli_load_experiment(const cli_opts *opts, ae_cfg_doc **doc, ae_experiment *exp);

/* Set by SIGINT/SIGTERM; training stops at the next batch boundary. */
extern volatile sig_atomic_t cli_stop_requested;
void cli_install_signals(void);
void cli_set_threads(int threads);

/* Resolves RUN (a run directory or its run.h5) to the run.h5 path; caller frees. */
char *cli_run_file_path(const char *run);

int cmd_run(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_encode(int argc, char **argv);     /* encode and reconstruct */
int cmd_plot(int argc, char **argv);
int cmd_generate(int argc, char **argv);      /* generate */
int cmd_plot_manifold(int argc, char **argv); /* plot manifold */
int cmd_plot_latent(int argc, char **argv);   /* plot latent */

#endif

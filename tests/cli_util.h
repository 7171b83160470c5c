/* Helpers of the command-line integration suites (cli*): run the real aelab
 * binary (AELAB_BUILDDIR/src/aelab) with fork + execve, its stdout and stderr
 * captured to files, and inspect what it left behind. Every helper asserts
 * (Criterion) instead of returning errors. */
#ifndef AELAB_TESTS_CLI_UTIL_H
#define AELAB_TESTS_CLI_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "runfile/runfile.h"

/* NULL-terminated argument and environment lists: CLI_ARGS("run", file, "--threads", "1"). */
#define CLI_ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The options that keep a training run small and fast (2000/500 samples,
 * batch 100, one BLAS thread); the epoch count is set by each test. */
#define CLI_FAST_SETS                                                                          \
    "--set", "data.train_limit=2000", "--set", "data.val_limit=500", "--set",                 \
        "train.batch_size=100", "--threads", "1"

/* Seconds any one command may take before it is killed and the test fails
 * (generous: the suite also runs under ASan on a busy machine). */
#define CLI_TIMEOUT 300.0

/* A started aelab process. */
typedef struct cli_proc {
    pid_t pid;
    char out_path[4096], err_path[4096]; /* where its stdout / stderr go */
} cli_proc;

/* What a finished command did. */
typedef struct cli_result {
    int status;     /* exit status; 128 + n when killed by signal n */
    bool signaled;
    char *out, *err; /* all of stdout / stderr, NUL-terminated (owned) */
} cli_result;

/* Starts aelab with args (without argv[0]) in the working directory dir;
 * stdout and stderr go to dir/<tag>.out and dir/<tag>.err (tag: a name unique
 * within dir). The child gets the test's environment made hermetic
 * (AELAB_DATA_DIR unset, XDG_CACHE_HOME=dir/.cache, so Fashion-MNIST comes
 * from Debian's package, the data test_fashion_mnist_dir() names; LSAN_OPTIONS
 * extended with tests/data/cli/lsan.supp), then env applied: "NAME=value"
 * sets, "NAME" unsets; env may be NULL. SIGINT and SIGTERM have their default
 * action and no signal is blocked. */
void cli_spawn(cli_proc *p, const char *dir, const char *tag, const char *const *args,
               const char *const *env);
/* Waits for p (killing it and failing after timeout_s seconds) and fills r;
 * free with cli_result_free. */
void cli_wait(cli_proc *p, double timeout_s, cli_result *r);
/* Whether p has exited (then r is filled), without waiting. */
bool cli_poll(cli_proc *p, cli_result *r);
/* cli_spawn + cli_wait with CLI_TIMEOUT. */
void cli_run(cli_result *r, const char *dir, const char *tag, const char *const *args,
             const char *const *env);
void cli_result_free(cli_result *r);

/* ---- files ---- */

/* The whole file, NUL-terminated (caller frees), or NULL when it cannot be read. */
char *cli_read_file(const char *path, size_t *len);
/* Writes text to dir/name and returns the path in out. */
void cli_write_file(const char *dir, const char *name, const char *text, char *out, size_t size);
/* True when path does not exist, or is a directory with no entries. */
bool cli_absent_or_empty(const char *path);
/* Removes path and everything under it (a test's tmpdir, once it passed). */
void cli_rm_rf(const char *path);
/* The one run directory under root/experiment (asserts there is exactly one). */
void cli_find_run_dir(const char *root, const char *experiment, char *out, size_t size);
/* Like cli_find_run_dir, but false while the directory does not exist yet. */
bool cli_try_find_run_dir(const char *root, const char *experiment, char *out, size_t size);

/* ---- output ---- */

/* The rest of the first line of text that starts with prefix (caller frees), or NULL. */
char *cli_line_after(const char *text, const char *prefix);
/* Number of lines of text that contain needle. */
size_t cli_count_lines_with(const char *text, const char *needle);
/* Sleeps for the given number of milliseconds. */
void cli_sleep_ms(int ms);
/* Seconds on the monotonic clock. */
double cli_now(void);

/* ---- run files ---- */

/* Loads path, asserting success. Free with ae_runfile_free. */
ae_runfile *cli_load_run(const char *path);
/* Loads path; NULL (no assertion) when it does not load. */
ae_runfile *cli_try_load_run(const char *path);
/* Asserts both checkpoints hold the same position, the same tensors (names,
 * shapes, bytes), arrays and integers; returns the number of params/ tensors. */
size_t cli_assert_same_checkpoint(const ae_runfile *a, const ae_runfile *b);
/* Asserts every metric series but timings (names ending in "seconds") is equal bit for bit. */
void cli_assert_same_metrics(const ae_runfile *a, const ae_runfile *b);

/* Bounds for a BCE-trained model on Fashion-MNIST (first n_train training and n_val test
 * images): *floor, the mean binary entropy of the validation pixels (no predictor scores
 * lower), and *constant, the BCE of the best input-independent predictor (the per-pixel
 * training mean). Per pixel BCE(x, p) = H(x) + KL(x || p), hence both. */
void cli_fashion_bce_bounds(size_t n_train, size_t n_val, double *floor, double *constant);

#endif

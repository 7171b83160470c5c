/* `aelab sweep` end to end on tiny trials (the dense model on 1000/200
 * Fashion-MNIST images): dry runs, a sweep killed with kill -9 and run again
 * (completed trials untouched, the interrupted one resumed, the final table
 * and every metric identical to an uninterrupted sweep's), divergence,
 * --retry-failed, workers and threads, --trial, status, a changed sweep, and
 * `aelab plot curves`. */
#define _GNU_SOURCE /* sched_getaffinity */

#include <criterion/criterion.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli_util.h"
#include "config/sha256.h"
#include "helpers.h"
#include "runfile/runfile.h"
#include "sweep/trial.h"

static const char base_yaml[] =
    "name: tiny\n"
    "seed: 3\n"
    "data: {dataset: fashion-mnist, train_limit: 1000, val_limit: 200}\n"
    "model:\n"
    "  input: [784]\n"
    "  code: code\n"
    "  layers:\n"
    "    - {name: code, type: dense, units: 16, activation: relu}\n"
    "    - {name: out, type: dense, units: 784, activation: sigmoid}\n"
    "loss: {reconstruction: bce}\n"
    "train:\n"
    "  optimizer: {type: adam, lr: 0.001}\n"
    "  batch_size: 100\n"
    "  epochs: 2\n";

/* A working directory with base.yaml and sweep.yaml (text); skips the test
 * without Fashion-MNIST. */
static void setup(char *dir, size_t size, const char *sweep_text)
{
    if (!test_fashion_mnist_dir())
        cr_skip_test("Fashion-MNIST is not installed (dataset-fashion-mnist)");
    test_tmpdir(dir, size);
    char path[4200];
    cli_write_file(dir, "base.yaml", base_yaml, path, sizeof path);
    cli_write_file(dir, "sweep.yaml", sweep_text, path, sizeof path);
}

/* aelab sweep ARGS... in dir, waited for; NULL-terminated args. */
#define SWEEP(r, dir, tag, ...) cli_run((r), (dir), (tag), CLI_ARGS("sweep", __VA_ARGS__), NULL)

static void path_in(char *out, size_t size, const char *dir, const char *rel)
{
    snprintf(out, size, "%s/%s", dir, rel);
}

static bool exists(const char *dir, const char *rel)
{
    char p[4300];
    path_in(p, sizeof p, dir, rel);
    return access(p, F_OK) == 0;
}

static const char *status_of(const char *dir, const char *trial)
{
    static char st[32]; /* test-only convenience */
    char p[4300];
    snprintf(p, sizeof p, "%s/%s/run.h5", dir, trial);
    ae_runfile *rf = cli_try_load_run(p);
    const char *s = rf ? ae_runfile_attr(rf, "status") : NULL;
    snprintf(st, sizeof st, "%s", s ? s : "(none)");
    ae_runfile_free(rf);
    return st;
}

/* SHA-256 of a file's bytes. */
static void file_sha(const char *dir, const char *rel, char out[65])
{
    char p[4300];
    path_in(p, sizeof p, dir, rel);
    size_t n;
    char *data = cli_read_file(p, &n);
    cr_assert_not_null(data, "cannot read %s", p);
    ae_sha256_hex(data, n, out);
    free(data);
}

/* report.csv without its seconds column (timings differ between runs). */
static char *table_without_time(const char *sweep_dir)
{
    char p[4300];
    path_in(p, sizeof p, sweep_dir, "report.csv");
    char *csv = cli_read_file(p, NULL);
    cr_assert_not_null(csv, "no %s", p);
    char *out = calloc(strlen(csv) + 1, 1), *o = out;
    for (char *line = csv; *line;) {
        char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        /* columns: rank,trial,status,epochs,epochs_total,best,best_epoch,final,seconds,overrides */
        int col = 0;
        for (size_t i = 0; i < len; i++) {
            if (line[i] == ',')
                col++;
            if (col != 8 || line[i] == ',')
                *o++ = line[i];
        }
        *o++ = '\n';
        line += len + (end ? 1 : 0);
    }
    free(csv);
    return out;
}

static const char lr_sweep[] = "include: base.yaml\n"
                               "train: {epochs: 8}\n"
                               "sweep:\n"
                               "  name: lr\n"
                               "  grid: {train.optimizer.lr: [0.01, 0.001]}\n";

Test(sweep_cli, dry_run_lists_trials_and_writes_nothing)
{
    char dir[4096];
    setup(dir, sizeof dir,
          "include: base.yaml\nsweep:\n  grid: {train.optimizer.lr: [0.01, 0.001]}\n  seeds: 2\n");
    cli_result r;
    SWEEP(&r, dir, "dry", "sweep.yaml", "--dry-run", "--out", "res");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "t000   pending  train.optimizer.lr=0.01 seed=3\n"), "%s", r.out);
    cr_assert(strstr(r.out, "t003   pending  train.optimizer.lr=0.001 seed=4\n"), "%s", r.out);
    cr_assert_eq(cli_count_lines_with(r.out, "pending"), 4);
    char res[4300];
    path_in(res, sizeof res, dir, "res");
    cr_assert(cli_absent_or_empty(res));
    cli_result_free(&r);

    /* an invalid sweep: exit 2, located errors, nothing created */
    char p[4200];
    cli_write_file(dir, "bad.yaml",
                   "include: base.yaml\nsweep:\n  grid:\n    train.optimizer.lrr: [0.1]\n", p,
                   sizeof p);
    SWEEP(&r, dir, "bad", "bad.yaml", "--out", "res");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "bad.yaml:4:26: error: unknown key 'lrr' in train.optimizer (did you "
                            "mean 'lr'?)"), "%s", r.err);
    cr_assert(strstr(r.err, "no trial was started"));
    cr_assert(!exists(dir, "res"));
    cli_result_free(&r);
    cli_rm_rf(dir);
}

/* The heart of it: kill -9 the sweep while its second trial trains, run it
 * again, and get what an uninterrupted sweep gets. */
Test(sweep_cli, killed_sweep_resumes_to_the_uninterrupted_result, .timeout = 240)
{
    char dir[4096];
    setup(dir, sizeof dir, lr_sweep);
    cli_result r;
    SWEEP(&r, dir, "whole", "sweep.yaml", "--out", "a", "-j", "1", "--threads", "1");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "Best: t000 (train.optimizer.lr=0.01)"), "%s", r.out);
    cli_result_free(&r);

    cli_proc p;
    cli_spawn(&p, dir, "killed", CLI_ARGS("sweep", "sweep.yaml", "--out", "b", "-j", "1",
                                          "--threads", "1"),
              NULL);
    char t001[4300];
    path_in(t001, sizeof t001, dir, "b/lr/t001/run.h5");
    double end = cli_now() + 120;
    size_t epochs = 0;
    while (epochs < 2) { /* t001 has checkpoints: t000 is complete */
        cr_assert_lt(cli_now(), end, "t001 never got going");
        ae_runfile *rf = cli_try_load_run(t001);
        epochs = rf ? ae_runfile_metric_epochs(rf, "main") : 0;
        ae_runfile_free(rf);
        cli_sleep_ms(5);
    }
    kill(p.pid, SIGKILL);
    cli_wait(&p, 30, &r);
    cr_assert(r.signaled);
    cli_result_free(&r);
    /* the trial dies with the sweep (SIGTERM), saving what it has */
    char t001_dir[4300];
    path_in(t001_dir, sizeof t001_dir, dir, "b/lr/t001");
    for (end = cli_now() + 30; ae_sweep_trial_locked(t001_dir);)
        cr_assert_lt(cli_now(), end, "the orphaned trial did not stop");
    char b[4300];
    path_in(b, sizeof b, dir, "b/lr");
    cr_assert_str_eq(status_of(b, "t000"), "completed");
    cr_assert_str_eq(status_of(b, "t001"), "interrupted");
    const char *files[] = {"t000/run.h5", "t000/recon.png", "t000/trial.yaml"};
    char before[3][65], after[3][65];
    for (int i = 0; i < 3; i++)
        file_sha(b, files[i], before[i]);

    SWEEP(&r, dir, "again", "sweep.yaml", "--out", "b", "-j", "1", "--threads", "1");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "t001  lr=0.001: resume"), "%s", r.out);
    cr_assert_null(strstr(r.out, "t000  lr=0.01: start"), "completed trials are not rerun");
    cli_result_free(&r);
    char log[4300];
    path_in(log, sizeof log, b, "t001/log.txt");
    char *text = cli_read_file(log, NULL);
    cr_assert(strstr(text, "resuming phase main after epoch"), "%s", text);
    free(text);
    for (int i = 0; i < 3; i++) {
        file_sha(b, files[i], after[i]);
        cr_assert_str_eq(before[i], after[i], "%s changed", files[i]);
    }
    /* identical to the uninterrupted sweep: the table and every metric */
    char a[4300];
    path_in(a, sizeof a, dir, "a/lr");
    char *ta = table_without_time(a), *tb = table_without_time(b);
    cr_assert_str_eq(ta, tb);
    cr_assert(strstr(ta, "1,t000,completed,8,8,"), "%s", ta);
    free(ta);
    free(tb);
    for (int t = 0; t < 2; t++) {
        char pa[4400], pb[4400];
        snprintf(pa, sizeof pa, "%s/t00%d/run.h5", a, t);
        snprintf(pb, sizeof pb, "%s/t00%d/run.h5", b, t);
        ae_runfile *ra = cli_load_run(pa), *rb = cli_load_run(pb);
        cli_assert_same_metrics(ra, rb);
        cli_assert_same_checkpoint(ra, rb);
        ae_runfile_free(ra);
        ae_runfile_free(rb);
    }
    /* the manifest says the same as the run files */
    char man[4300];
    path_in(man, sizeof man, b, "sweep.tsv");
    text = cli_read_file(man, NULL);
    cr_assert(strstr(text, "t000\tcompleted\t8/8\t"), "%s", text);
    cr_assert(strstr(text, "t001\tcompleted\t8/8\t"), "%s", text);
    free(text);
    const char *outputs[] = {"report.md", "report.csv", "curves.png", "curves.svg"};
    for (int f = 0; f < 4; f++)
        cr_assert(exists(b, outputs[f]), "no %s", outputs[f]);
    cli_rm_rf(dir);
}

Test(sweep_cli, diverged_trial_is_recorded_and_the_sweep_goes_on)
{
    char dir[4096];
    /* plain SGD on a summed squared error: a step of 100 blows up at once */
    setup(dir, sizeof dir,
          "include: base.yaml\n"
          "model: {layers: [{name: code, type: dense, units: 16, activation: relu},\n"
          "                 {name: out, type: dense, units: 784, activation: linear}]}\n"
          "loss: {reconstruction: mse, reduction: sum}\n"
          "train: {optimizer: {type: sgd}}\n"
          "sweep: {name: div, grid: {train.optimizer.lr: [100, 1.0e-7]}}\n");
    cli_result r;
    SWEEP(&r, dir, "div", "sweep.yaml", "--out", "res", "-j", "1");
    cr_assert_eq(r.status, 0, "a diverged trial is a result, not a failure: %s", r.err);
    cr_assert(strstr(r.out, "t000  lr=100: diverged"), "%s", r.out);
    cr_assert(strstr(r.out, "t001  lr=1.0e-7: completed"), "%s", r.out);
    cli_result_free(&r);
    char sd[4300], man[4400];
    path_in(sd, sizeof sd, dir, "res/div");
    cr_assert_str_eq(status_of(sd, "t000"), "diverged");
    cr_assert_str_eq(status_of(sd, "t001"), "completed");
    snprintf(man, sizeof man, "%s/sweep.tsv", sd);
    char *text = cli_read_file(man, NULL);
    cr_assert(strstr(text, "t000\tdiverged\t"), "%s", text);
    free(text);
    /* a rerun leaves it alone (the same seed would diverge again) */
    char before[65], after[65];
    file_sha(sd, "t000/run.h5", before);
    SWEEP(&r, dir, "div2", "sweep.yaml", "--out", "res", "--retry-failed");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "0 to run"), "%s", r.out);
    cli_result_free(&r);
    file_sha(sd, "t000/run.h5", after);
    cr_assert_str_eq(before, after);
    cli_rm_rf(dir);
}

Test(sweep_cli, failed_trials_rerun_only_with_retry_failed)
{
    char dir[4096];
    setup(dir, sizeof dir, "include: base.yaml\nsweep: {name: f, grid: {train.batch_size: [50]}}\n");
    cli_result r;
    SWEEP(&r, dir, "first", "sweep.yaml", "--out", "res");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_result_free(&r);
    /* make it a failed run */
    char sd[4300], run[4400];
    path_in(sd, sizeof sd, dir, "res/f");
    snprintf(run, sizeof run, "%s/t000/run.h5", sd);
    ae_runfile *rf = cli_load_run(run);
    ae_runfile_set_attr(rf, "status", "failed");
    ae_error err = {0};
    cr_assert_eq(ae_runfile_save(rf, run, &err), AE_OK, "%s", err.msg);
    ae_runfile_free(rf);
    char before[65], after[65];
    file_sha(sd, "t000/run.h5", before);

    SWEEP(&r, dir, "again", "sweep.yaml", "--out", "res");
    cr_assert_eq(r.status, 1, "a failed trial is not a finished sweep");
    cr_assert(strstr(r.err, "--retry-failed"), "%s", r.err);
    cli_result_free(&r);
    file_sha(sd, "t000/run.h5", after);
    cr_assert_str_eq(before, after, "not rerun without --retry-failed");

    SWEEP(&r, dir, "retry", "sweep.yaml", "--out", "res", "--retry-failed");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "t000  batch_size=50: restart"), "%s", r.out);
    cli_result_free(&r);
    cr_assert_str_eq(status_of(sd, "t000"), "completed");
    file_sha(sd, "t000/failed-1.h5", after);
    cr_assert_str_eq(before, after, "the failed attempt is kept as failed-1.h5");
    cli_rm_rf(dir);
}

Test(sweep_cli, workers_times_threads_fit_the_cores)
{
    char dir[4096];
    setup(dir, sizeof dir, lr_sweep);
    /* the cores this process may use, as the sweep counts them */
    cpu_set_t set;
    long cores = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                            : sysconf(_SC_NPROCESSORS_ONLN);
    cli_result r;
    char too_many[32], threads[32];
    snprintf(too_many, sizeof too_many, "%ld", cores + 1);
    SWEEP(&r, dir, "j", "sweep.yaml", "--out", "res", "-j", too_many);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "core"), "%s", r.err);
    cli_result_free(&r);
    SWEEP(&r, dir, "t", "sweep.yaml", "--out", "res", "-j", "1", "--threads", too_many);
    cr_assert_eq(r.status, 2);
    cli_result_free(&r);
    cr_assert(!exists(dir, "res"));

    /* -j 1: one trial at a time with every core; -j 2: both at once, one thread each */
    const char *sets[] = {"--set", "train.epochs=2"};
    int j = cores >= 2 ? 2 : 1;
    snprintf(threads, sizeof threads, "%d", j);
    SWEEP(&r, dir, "par", "sweep.yaml", "--out", "res", "-j", threads, sets[0], sets[1]);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char want[128];
    snprintf(want, sizeof want, "with %d worker%s x %ld thread", j, j == 1 ? "" : "s", cores / j);
    cr_assert(strstr(r.out, want), "%s", r.out);
    if (j == 2) {
        /* both trials started before either finished */
        const char *s0 = strstr(r.out, "t000  lr=0.01: start"), *s1 = strstr(r.out, "t001  lr=0.001: start");
        const char *first_done = strstr(r.out, ": completed");
        cr_assert(s0 && s1 && first_done && s0 < first_done && s1 < first_done, "%s", r.out);
    }
    cli_result_free(&r);
    for (int t = 0; t < 2; t++) {
        char p[4300];
        snprintf(p, sizeof p, "%s/res/lr/t00%d/run.h5", dir, t);
        ae_runfile *rf = cli_load_run(p);
        int64_t th = 0;
        cr_assert_eq(ae_runfile_attr_int(rf, "threads", &th), AE_OK);
        cr_assert_eq(th, cores / j, "trial %d ran %lld threads", t, (long long)th);
        ae_runfile_free(rf);
    }
    cli_rm_rf(dir);
}

Test(sweep_cli, one_trial_status_and_a_changed_sweep)
{
    char dir[4096];
    setup(dir, sizeof dir, lr_sweep);
    cli_result r;
    const char *two[] = {"--set", "train.epochs=2"};
    SWEEP(&r, dir, "k", "sweep.yaml", "--out", "res", two[0], two[1], "--trial", "1");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_result_free(&r);
    char sd[4300];
    path_in(sd, sizeof sd, dir, "res/lr");
    cr_assert_str_eq(status_of(sd, "t001"), "completed");
    cr_assert(!exists(sd, "t000/run.h5"), "only trial 1 ran");
    SWEEP(&r, dir, "k2", "sweep.yaml", "--out", "res", two[0], two[1], "--trial", "1");
    cr_assert_eq(r.status, 0);
    cr_assert(strstr(r.out, "nothing to do"), "%s", r.out);
    cli_result_free(&r);
    SWEEP(&r, dir, "k3", "sweep.yaml", "--out", "res", two[0], two[1], "--trial", "2");
    cr_assert_eq(r.status, 2, "there is no trial 2");
    cli_result_free(&r);

    SWEEP(&r, dir, "st", "status", "sweep.yaml", "--out", "res", two[0], two[1]);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "t000   pending    0/2"), "%s", r.out);
    cr_assert(strstr(r.out, "t001   completed  2/2"), "%s", r.out);
    cr_assert(strstr(r.out, "total: 1 pending, 1 completed"), "%s", r.out);
    cli_result_free(&r);

    /* a run file left saying "running" by a process that is gone (kill -9 of the trial
     * itself): shown as stale, and resumed */
    char run[4400];
    snprintf(run, sizeof run, "%s/t001/run.h5", sd);
    ae_runfile *rf = cli_load_run(run);
    ae_runfile_set_attr(rf, "status", "running");
    ae_error err = {0};
    cr_assert_eq(ae_runfile_save(rf, run, &err), AE_OK, "%s", err.msg);
    ae_runfile_free(rf);
    SWEEP(&r, dir, "st2", "status", "sweep.yaml", "--out", "res", two[0], two[1]);
    cr_assert(strstr(r.out, "t001   running (stale)  2/2"), "%s", r.out);
    cli_result_free(&r);
    SWEEP(&r, dir, "k4", "sweep.yaml", "--out", "res", two[0], two[1], "--trial", "1");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.err, "trial t001 (train.optimizer.lr=0.001): resume"), "%s", r.err);
    cli_result_free(&r);
    cr_assert_str_eq(status_of(sd, "t001"), "completed");

    /* the sweep changed (epochs): its finished trial no longer matches */
    SWEEP(&r, dir, "chg", "sweep.yaml", "--out", "res", "--set", "train.epochs=3");
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "was made from another config than trial t001"), "%s", r.err);
    cli_result_free(&r);
    cr_assert(!exists(sd, "t000/run.h5"), "nothing ran");
    cli_rm_rf(dir);
}

Test(sweep_cli, plot_curves_of_runs)
{
    char dir[4096];
    setup(dir, sizeof dir, lr_sweep);
    cli_result r;
    SWEEP(&r, dir, "s", "sweep.yaml", "--out", "res", "--set", "train.epochs=3");
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_result_free(&r);
    cli_run(&r, dir, "plot",
            CLI_ARGS("plot", "curves", "res/lr/t000", "res/lr/t001/run.h5", "--output", "cmp"),
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    /* sweep trials are labelled with their overrides */
    cr_assert(strstr(r.out, "t000 train.optimizer.lr=0.01"), "%s", r.out);
    cr_assert(strstr(r.out, "cmp.png\n") && strstr(r.out, "cmp.svg\n"), "%s", r.out);
    cli_result_free(&r);
    char p[4300];
    path_in(p, sizeof p, dir, "cmp.png");
    size_t n;
    char *png = cli_read_file(p, &n);
    cr_assert(png && n > 1000 && !memcmp(png, "\x89PNG", 4));
    free(png);
    path_in(p, sizeof p, dir, "cmp.svg");
    char *svg = cli_read_file(p, NULL);
    cr_assert(svg && strstr(svg, "<svg"));
    free(svg);
    cli_run(&r, dir, "bad", CLI_ARGS("plot", "curves", "res/lr/nope"), NULL);
    cr_assert_eq(r.status, 1);
    cli_result_free(&r);
    cli_rm_rf(dir);
}

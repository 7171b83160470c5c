/* The local backend: trials as child processes of this binary (`aelab run
 * trial.yaml --run-dir DIR` or `aelab resume DIR`), a pool of -j of them,
 * their output in DIR/log.txt. A child holds its trial's lock and dies with
 * us (SIGTERM through PR_SET_PDEATHSIG): a killed sweep leaves interrupted
 * trials that the next run resumes, and completed ones untouched. --trial K
 * takes the same decisions for one trial and execs the run in place. */
#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sweep_cli.h"
#include "sweep/pool.h"
#include "sweep/report.h"

static int cores_here(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Locks trial i and decides what to do. Returns the action (SKIP when busy or
 * final, with *why saying so) and the locked fd (-1 for SKIP). */
static ae_sweep_action claim(sweep_ctx *c, size_t i, int *fd, const char **why)
{
    char dir[4200];
    sweep_trial_dir(c, i, dir, sizeof dir);
    bool busy;
    ae_error err = {0};
    *fd = -1;
    if (ae_sweep_lock_trial(dir, fd, &busy, &err) != AE_OK) {
        fprintf(stderr, "aelab sweep: %s\n", err.msg);
        *why = "cannot lock";
        return AE_SWEEP_SKIP;
    }
    if (busy) {
        *why = "being run by another process";
        return AE_SWEEP_SKIP;
    }
    /* Under the lock the run file can no longer change: look again. */
    ae_sweep_probe_trial(dir, &c->s.trials[i], &c->probes[i], NULL);
    ae_sweep_action a = ae_sweep_decide(&c->probes[i], c->opts->retry_failed);
    *why = ae_sweep_status_name(c->probes[i].status);
    if (c->probes[i].other_config) {
        *why = "its run file holds another config";
        a = AE_SWEEP_SKIP;
    }
    if (a == AE_SWEEP_RESTART && ae_sweep_retire_run(dir, &err) != AE_OK) {
        fprintf(stderr, "aelab sweep: %s\n", err.msg);
        a = AE_SWEEP_SKIP;
    }
    if (a == AE_SWEEP_SKIP) {
        close(*fd);
        *fd = -1;
    }
    return a;
}

static const char *action_name(ae_sweep_action a)
{
    return a == AE_SWEEP_RESUME ? "resume" : a == AE_SWEEP_RESTART ? "restart" : "start";
}

int sweep_run_trial(sweep_ctx *c, size_t index)
{
    if (index >= c->s.n_trials) {
        fprintf(stderr, "aelab sweep: --trial %zu: %s has %zu trials (0 to %zu)\n", index,
                c->s.name, c->s.n_trials, c->s.n_trials - 1);
        return EXIT_USAGE;
    }
    const ae_sweep_trial *t = &c->s.trials[index];
    char dir[4200];
    sweep_trial_dir(c, index, dir, sizeof dir);
    ae_sweep_probe_trial(dir, t, &c->probes[index], NULL);
    if (c->probes[index].other_config) {
        fprintf(stderr, "aelab sweep: %s/run.h5 was made from another config than trial %s (%s): "
                        "the sweep changed since it ran\n", dir, t->id, t->overrides);
        return EXIT_USAGE;
    }
    ae_error err = {0};
    if (ae_sweep_prepare_trial(dir, t, &err) != AE_OK) {
        fprintf(stderr, "aelab sweep: %s\n", err.msg);
        return EXIT_RUNTIME;
    }
    int fd;
    const char *why;
    ae_sweep_action a = claim(c, index, &fd, &why);
    if (a == AE_SWEEP_SKIP) {
        ae_sweep_status st = c->probes[index].status;
        printf("aelab sweep: trial %s (%s): %s; nothing to do\n", t->id, t->overrides, why);
        /* What Slurm records: only a completed trial is a success. */
        return st == AE_SWEEP_COMPLETED && strcmp(why, "being run by another process") ? 0
                                                                                       : EXIT_RUNTIME;
    }
    ae_sweep_command cmd; /* by hand without --threads: the whole machine */
    int threads = c->opts->threads ? c->opts->threads : cores_here();
    if (ae_sweep_trial_command(c->exe, dir, a, threads, &cmd) != AE_OK) {
        fprintf(stderr, "aelab sweep: out of memory\n");
        return EXIT_RUNTIME;
    }
    fprintf(stderr, "aelab sweep: trial %s (%s): %s in %s\n", t->id, t->overrides,
            action_name(a), dir);
    fflush(NULL);
    execv(cmd.argv[0], cmd.argv); /* the lock fd stays open in the run */
    fprintf(stderr, "aelab sweep: cannot execute %s: %s\n", cmd.argv[0], strerror(errno));
    ae_sweep_command_free(&cmd);
    close(fd);
    return EXIT_RUNTIME;
}

/* ---- the pool ---- */

typedef struct local_run {
    sweep_ctx *c;
    const size_t *todo;     /* trial indexes to offer the pool */
    size_t n_todo;
    int threads;
    pid_t parent;
    double *started;        /* per trial: when it started */
    size_t finished;
} local_run;

static pid_t start_trial(void *user, size_t k, ae_error *err)
{
    local_run *L = user;
    sweep_ctx *c = L->c;
    size_t i = L->todo[k];
    const ae_sweep_trial *t = &c->s.trials[i];
    int fd;
    const char *why;
    ae_sweep_action a = claim(c, i, &fd, &why);
    if (a == AE_SWEEP_SKIP) {
        if (!c->opts->quiet)
            printf("  %s  %s: %s, skipped\n", t->id, t->label, why);
        return 0;
    }
    char dir[4200], log[4300];
    sweep_trial_dir(c, i, dir, sizeof dir);
    snprintf(log, sizeof log, "%s/log.txt", dir);
    ae_sweep_command cmd;
    if (ae_sweep_trial_command(c->exe, dir, a, L->threads, &cmd) != AE_OK) {
        close(fd);
        ae_error_set(err, AE_ERR_NOMEM, "out of memory");
        return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* The child: only async-signal-safe calls until execv. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != L->parent)
            _exit(EXIT_RUNTIME); /* the sweep died before prctl took effect */
        int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (out < 0 || in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
            _exit(126);
        execv(cmd.argv[0], cmd.argv);
        _exit(127);
    }
    int e = errno;
    close(fd); /* the child holds the lock now */
    ae_sweep_command_free(&cmd);
    if (pid < 0) {
        ae_error_set(err, AE_ERR_IO, "cannot start trial %s: %s", t->id, strerror(e));
        return -1;
    }
    L->started[i] = now();
    if (!c->opts->quiet)
        printf("  %s  %s: %s (pid %ld, log %s)\n", t->id, t->label, action_name(a), (long)pid,
               log);
    fflush(stdout);
    return pid;
}

static void trial_done(void *user, size_t k, int wait_status)
{
    local_run *L = user;
    sweep_ctx *c = L->c;
    size_t i = L->todo[k];
    const ae_sweep_trial *t = &c->s.trials[i];
    char dir[4200];
    sweep_trial_dir(c, i, dir, sizeof dir);
    ae_runfile *rf;
    ae_sweep_probe_trial(dir, t, &c->probes[i], &rf);
    L->finished++;
    sweep_write_manifest(c);
    if (c->opts->quiet) {
        ae_runfile_free(rf);
        return;
    }
    ae_sweep_summary sum = {0};
    sum.best = NAN;
    if (rf && ae_sweep_summarize(rf, c->s.metric, &sum) != AE_OK)
        sum.best = NAN;
    ae_runfile_free(rf);
    char how[64] = "";
    if (wait_status != -1 && WIFSIGNALED(wait_status))
        snprintf(how, sizeof how, " (killed by signal %d)", WTERMSIG(wait_status));
    else if (wait_status != -1 && WEXITSTATUS(wait_status) == 127)
        snprintf(how, sizeof how, " (could not execute %s)", c->exe);
    printf("  %s  %s: %s%s", t->id, t->label, ae_sweep_status_name(c->probes[i].status), how);
    if (isfinite(sum.best))
        printf(", best %s %.6g at epoch %zu", c->s.metric, sum.best, sum.best_epoch);
    printf(" [%.1f s]\n", now() - L->started[i]);
    fflush(stdout);
    ae_sweep_summary_free(&sum);
}

/* Workers and threads per trial: -j (else sweep.jobs, else one per core, at
 * most one per trial to run), threads = cores / workers, N x threads <= cores. */
static bool plan_workers(sweep_ctx *c, size_t n_todo, int *jobs, int *threads)
{
    int cores = cores_here();
    const sweep_opts *o = c->opts;
    int j = o->jobs;
    if (!j && c->s.jobs)
        j = c->s.jobs < cores ? c->s.jobs : cores;
    if (!j)
        j = (size_t)cores < n_todo ? cores : (int)(n_todo ? n_todo : 1);
    if (j > cores) {
        fprintf(stderr, "aelab sweep: -j %d: this machine has %d core%s; run at most %d trial%s "
                        "at once\n", j, cores, cores == 1 ? "" : "s", cores, cores == 1 ? "" : "s");
        return false;
    }
    int th = o->threads ? o->threads : cores / j;
    if (j * th > cores) {
        fprintf(stderr, "aelab sweep: %d workers x %d threads is more than the %d cores here\n",
                j, th, cores);
        return false;
    }
    *jobs = j;
    *threads = th;
    return true;
}

int sweep_run_local(sweep_ctx *c)
{
    const sweep_opts *o = c->opts;
    if (!sweep_probe_all(c))
        return EXIT_USAGE;
    size_t *todo = calloc(c->s.n_trials ? c->s.n_trials : 1, sizeof *todo);
    double *started = calloc(c->s.n_trials ? c->s.n_trials : 1, sizeof *started);
    if (!todo || !started) {
        free(todo);
        free(started);
        fprintf(stderr, "aelab sweep: out of memory\n");
        return EXIT_RUNTIME;
    }
    size_t n_todo = 0, counts[AE_SWEEP_STATUS_COUNT] = {0};
    for (size_t i = 0; i < c->s.n_trials; i++) {
        counts[c->probes[i].status]++;
        if (ae_sweep_decide(&c->probes[i], o->retry_failed) != AE_SWEEP_SKIP)
            todo[n_todo++] = i;
    }
    int jobs, threads, status = EXIT_RUNTIME;
    if (!plan_workers(c, n_todo, &jobs, &threads)) {
        status = EXIT_USAGE;
        goto out;
    }
    if (!o->quiet || o->dry_run) {
        printf("sweep %s: %zu trial%s", c->s.name, c->s.n_trials, c->s.n_trials == 1 ? "" : "s");
        for (int s = 0; s < AE_SWEEP_STATUS_COUNT; s++)
            if (counts[s] && s != AE_SWEEP_PENDING)
                printf(", %zu %s", counts[s], ae_sweep_status_name((ae_sweep_status)s));
        printf("; %zu to run with %d worker%s x %d thread%s in %s\n", n_todo, jobs,
               jobs == 1 ? "" : "s", threads, threads == 1 ? "" : "s", c->dir);
    }
    if (o->dry_run) {
        sweep_print_trials(c);
        status = 0;
        goto out;
    }
    if (!sweep_prepare(c))
        goto out;
    local_run L = {.c = c, .todo = todo, .n_todo = n_todo, .threads = threads,
                   .parent = getpid(), .started = started};
    cli_install_signals();
    ae_sweep_pool_ops ops = {.start = start_trial, .done = trial_done, .user = &L,
                             .stop = &cli_stop_requested};
    ae_sweep_pool_stats stats;
    ae_error err = {0};
    ae_code rc = ae_sweep_pool_run(n_todo, jobs, &ops, &stats, &err);
    if (rc != AE_OK)
        fprintf(stderr, "aelab sweep: %s\n", err.msg);
    sweep_probe_all(c);
    sweep_write_manifest(c);
    int report = sweep_report(c, o->quiet);
    bool all_final = true;
    for (size_t i = 0; i < c->s.n_trials; i++)
        all_final &= c->probes[i].status == AE_SWEEP_COMPLETED ||
                     c->probes[i].status == AE_SWEEP_DIVERGED;
    if (stats.stopped)
        fprintf(stderr, "aelab sweep: interrupted; run the same command again to resume\n");
    else if (!all_final)
        fprintf(stderr, "aelab sweep: some trials did not complete (see %s/sweep.tsv and their "
                        "log.txt)%s\n", c->dir,
                o->retry_failed ? "" : "; --retry-failed reruns failed ones");
    status = rc == AE_OK && all_final && !stats.stopped && report == 0 ? 0 : EXIT_RUNTIME;
out:
    free(todo);
    free(started);
    return status;
}

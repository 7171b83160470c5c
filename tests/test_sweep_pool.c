/* The local backend's worker pool with stand-in children (sh -c "sleep;
 * exit N"): never more than -j at once, all of -j used, exit
 * statuses delivered to the right task, skipped tasks, and stopping. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sweep/pool.h"

enum { MAX_TASKS = 16 };

typedef struct fake {
    int sleep_ms;
    int skip_every;            /* start returns 0 for tasks i % skip_every == 1 (0: never) */
    int status[MAX_TASKS];     /* wait status per task, -2 until done */
    size_t done, running, peak_seen;
    volatile sig_atomic_t stop;
    size_t stop_after;         /* set stop when this many are done (0: never) */
} fake;

static pid_t fake_start(void *user, size_t i, ae_error *err)
{
    (void)err;
    fake *f = user;
    if (f->skip_every && (int)(i % (size_t)f->skip_every) == 1)
        return 0;
    /* a real program, as the sweep's trials are */
    char script[64];
    snprintf(script, sizeof script, "sleep %d.%03d; exit %d", f->sleep_ms / 1000,
             f->sleep_ms % 1000, (int)(i % 7));
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", script, (char *)NULL);
        _exit(127);
    }
    if (pid > 0 && ++f->running > f->peak_seen)
        f->peak_seen = f->running;
    return pid;
}

static void fake_done(void *user, size_t i, int wait_status)
{
    fake *f = user;
    f->status[i] = wait_status;
    f->running--;
    if (++f->done == f->stop_after)
        f->stop = 1;
}

static double seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void run_pool(fake *f, size_t n, int jobs, ae_sweep_pool_stats *st)
{
    for (size_t i = 0; i < MAX_TASKS; i++)
        f->status[i] = -2;
    ae_sweep_pool_ops ops = {.start = fake_start, .done = fake_done, .user = f, .stop = &f->stop};
    ae_error err = {0};
    cr_assert_eq(ae_sweep_pool_run(n, jobs, &ops, st, &err), AE_OK, "%s", err.msg);
}

Test(sweep_pool, runs_at_most_jobs_at_once)
{
    for (int jobs = 1; jobs <= 3; jobs++) {
        fake f = {.sleep_ms = 150};
        ae_sweep_pool_stats st;
        double t0 = seconds();
        run_pool(&f, 6, jobs, &st);
        double took = seconds() - t0;
        cr_assert_eq(st.started, 6);
        cr_assert_eq(st.peak, (size_t)jobs, "-j %d: peak %zu", jobs, st.peak);
        cr_assert_eq(f.peak_seen, (size_t)jobs);
        cr_assert_eq(f.done, 6);
        for (size_t i = 0; i < 6; i++) {
            cr_assert(WIFEXITED(f.status[i]), "task %zu", i);
            cr_assert_eq(WEXITSTATUS(f.status[i]), (int)(i % 7), "task %zu's own status", i);
        }
        /* 6 tasks of 0.15 s in ceil(6 / jobs) rounds */
        double rounds = (double)((6 + jobs - 1) / jobs);
        cr_assert_geq(took, rounds * 0.15 - 0.01, "-j %d took %.2f s", jobs, took);
        cr_assert_lt(took, rounds * 0.15 + 3.0, "-j %d took %.2f s", jobs, took);
    }
}

Test(sweep_pool, skipped_tasks_free_their_slot)
{
    fake f = {.sleep_ms = 50, .skip_every = 2};
    ae_sweep_pool_stats st;
    run_pool(&f, 8, 2, &st);
    cr_assert_eq(st.skipped, 4);
    cr_assert_eq(st.started, 4);
    cr_assert_eq(st.not_started, 0);
    for (size_t i = 0; i < 8; i++)
        cr_assert_eq(f.status[i] == -2, i % 2 == 1, "task %zu", i);
}

/* What the CLI's SIGINT/SIGTERM handler does: raise the pool's stop flag. */
static volatile sig_atomic_t *stop_flag;

static void on_usr1(int sig)
{
    (void)sig;
    *stop_flag = 1;
}

Test(sweep_pool, stop_terminates_running_and_starts_nothing_more)
{
    fake f = {.sleep_ms = 20000};
    ae_sweep_pool_ops ops = {.start = fake_start, .done = fake_done, .user = &f, .stop = &f.stop};
    for (size_t i = 0; i < MAX_TASKS; i++)
        f.status[i] = -2;
    f.stop = 1; /* already stopped: nothing starts */
    ae_sweep_pool_stats st;
    ae_error err = {0};
    cr_assert_eq(ae_sweep_pool_run(5, 2, &ops, &st, &err), AE_OK);
    cr_assert(st.stopped);
    cr_assert_eq(st.started, 0);
    cr_assert_eq(st.not_started, 5);

    /* stopped by a signal while two 20-second children run */
    f.stop = 0;
    stop_flag = &f.stop;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    pid_t me = getpid(), killer = fork();
    if (killer == 0) {
        struct timespec ts = {0, 300 * 1000000L};
        nanosleep(&ts, NULL);
        kill(me, SIGUSR1);
        _exit(0);
    }
    double t0 = seconds();
    cr_assert_eq(ae_sweep_pool_run(5, 2, &ops, &st, &err), AE_OK);
    waitpid(killer, NULL, 0);
    cr_assert(st.stopped);
    cr_assert_eq(st.started, 2);
    cr_assert_eq(st.not_started, 3);
    cr_assert_lt(seconds() - t0, 5.0, "the sleeping children were terminated");
    for (size_t i = 0; i < 2; i++)
        cr_assert(WIFSIGNALED(f.status[i]) && WTERMSIG(f.status[i]) == SIGTERM, "task %zu", i);
    for (size_t i = 2; i < 5; i++)
        cr_assert_eq(f.status[i], -2, "task %zu never started", i);
}

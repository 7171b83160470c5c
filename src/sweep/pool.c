#include "sweep/pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

/* Children are polled by pid rather than with wait(-1): the pool must not
 * reap processes it did not start. 20 ms is far below a trial's length. */
static void nap(void)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL); /* EINTR (a signal) just ends the nap early */
}

ae_code ae_sweep_pool_run(size_t n_tasks, int jobs, const ae_sweep_pool_ops *ops,
                          ae_sweep_pool_stats *stats, ae_error *err)
{
    ae_sweep_pool_stats st = {0};
    if (jobs < 1)
        return ae_error_set(err, AE_ERR_INTERNAL, "worker pool: %d workers", jobs);
    pid_t *pid = calloc((size_t)jobs, sizeof *pid);
    size_t *task = calloc((size_t)jobs, sizeof *task);
    if (!pid || !task) {
        free(pid);
        free(task);
        return ae_error_set(err, AE_ERR_NOMEM, "out of memory starting the worker pool");
    }
    size_t next = 0, running = 0;
    bool failed = false;
    ae_error start_err = {0};
    for (;;) {
        if (ops->stop && *ops->stop && !st.stopped) {
            st.stopped = true;
            for (int k = 0; k < jobs; k++)
                if (pid[k] > 0)
                    kill(pid[k], SIGTERM);
        }
        for (int k = 0; k < jobs && next < n_tasks && !st.stopped && !failed; k++) {
            if (pid[k] > 0)
                continue;
            pid_t p = ops->start(ops->user, next, &start_err);
            if (p > 0) {
                pid[k] = p;
                task[k] = next;
                st.started++;
                if (++running > st.peak)
                    st.peak = running;
            } else if (p == 0) {
                st.skipped++;
                k--; /* this slot is still free */
            } else {
                failed = true;
            }
            next++;
        }
        if (running == 0 && (next >= n_tasks || st.stopped || failed))
            break;
        bool reaped = false;
        for (int k = 0; k < jobs; k++) {
            if (pid[k] <= 0)
                continue;
            int status;
            pid_t w;
            do
                w = waitpid(pid[k], &status, WNOHANG);
            while (w < 0 && errno == EINTR);
            if (w == 0)
                continue;
            ops->done(ops->user, task[k], w == pid[k] ? status : -1);
            pid[k] = 0;
            running--;
            reaped = true;
        }
        if (!reaped)
            nap();
    }
    st.not_started = n_tasks - next;
    free(pid);
    free(task);
    if (stats)
        *stats = st;
    if (failed) {
        if (err)
            *err = start_err;
        return start_err.code ? start_err.code : AE_ERR_INTERNAL;
    }
    return AE_OK;
}

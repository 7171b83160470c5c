/* The local backend's worker pool: tasks run as child processes, at most
 * `jobs` at a time, started and reaped through callbacks so the pool knows
 * nothing of what a task is. */
#ifndef AELAB_SWEEP_POOL_H
#define AELAB_SWEEP_POOL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

typedef struct ae_sweep_pool_ops {
    /* Starts task i: the child's pid; 0 when there is nothing to start (the
     * task is skipped); -1 with err set when starting failed (the pool then
     * starts nothing more, waits for the running children and returns err). */
    pid_t (*start)(void *user, size_t i, ae_error *err);
    /* Task i's child has ended with wait_status (as from waitpid; -1 when it
     * was reaped elsewhere and its status is unknown). */
    void (*done)(void *user, size_t i, int wait_status);
    void *user;
    /* Set asynchronously (SIGINT/SIGTERM): start nothing more, send SIGTERM
     * once to the running children and wait for them. May be NULL. */
    const volatile sig_atomic_t *stop;
} ae_sweep_pool_ops;

typedef struct ae_sweep_pool_stats {
    size_t started;      /* children started */
    size_t skipped;      /* tasks whose start returned 0 */
    size_t not_started;  /* tasks never offered to start (after stop or a failure) */
    size_t peak;         /* most children running at once */
    bool stopped;        /* stop was seen */
} ae_sweep_pool_stats;

/* Runs tasks 0..n_tasks-1 in order with at most jobs (>= 1) children at a
 * time. Returns when every started child has ended: AE_OK, or the error of a
 * failed start. stats may be NULL. */
ae_code ae_sweep_pool_run(size_t n_tasks, int jobs, const ae_sweep_pool_ops *ops,
                          ae_sweep_pool_stats *stats, ae_error *err);

#endif

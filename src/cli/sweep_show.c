/* What the sweep command prints: the trial listing (--dry-run), `sweep
 * status` (run files, plus Slurm's view when the sweep was submitted) and
 * `sweep report` (the ranked table, written as CSV, Markdown and charts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/sweep_cli.h"
#include "sweep/report.h"

void sweep_print_trials(const sweep_ctx *c)
{
    size_t w = strlen("status");
    for (size_t i = 0; i < c->s.n_trials; i++) {
        size_t n = strlen(ae_sweep_status_name(c->probes[i].status));
        w = n > w ? n : w;
    }
    printf("trial  %-*s  overrides\n", (int)w, "status");
    for (size_t i = 0; i < c->s.n_trials; i++)
        printf("%-5s  %-*s  %s\n", c->s.trials[i].id, (int)w,
               ae_sweep_status_name(c->probes[i].status), c->s.trials[i].overrides);
}

static bool dir_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Slurm states in which a task's process may be alive. */
static bool slurm_alive(const char *state)
{
    static const char *const alive[] = {"RUNNING", "PENDING", "CONFIGURING", "COMPLETING",
                                        "REQUEUED", "RESIZING", "SUSPENDED", "STAGE_OUT", NULL};
    for (const char *const *a = alive; *a; a++)
        if (!strcmp(state, *a))
            return true;
    return false;
}

int sweep_status(sweep_ctx *c)
{
    bool consistent = sweep_probe_all(c);
    size_t n = c->s.n_trials;
    char(*task)[48] = calloc(n ? n : 1, sizeof *task);
    char(*state)[32] = calloc(n ? n : 1, sizeof *state);
    if (!task || !state) {
        free(task);
        free(state);
        fprintf(stderr, "aelab sweep: out of memory\n");
        return EXIT_RUNTIME;
    }
    bool slurm = sweep_slurm_states(c, task, state);
    char(*shown)[40] = calloc(n ? n : 1, sizeof *shown);
    size_t counts[AE_SWEEP_STATUS_COUNT] = {0}, w_status = 6, w_task = 11;
    for (size_t i = 0; shown && i < n; i++) {
        const ae_sweep_probe *p = &c->probes[i];
        counts[p->status]++;
        char dir[4200];
        sweep_trial_dir(c, i, dir, sizeof dir);
        bool stale = p->status == AE_SWEEP_RUNNING && !ae_sweep_trial_locked(dir) &&
                     !slurm_alive(state[i]);
        snprintf(shown[i], sizeof shown[i], "%s%s", ae_sweep_status_name(p->status),
                 stale ? " (stale)" : "");
        w_status = strlen(shown[i]) > w_status ? strlen(shown[i]) : w_status;
        size_t wt = strlen(task[i]) + 1 + strlen(state[i]);
        w_task = wt > w_task ? wt : w_task;
    }
    if (!shown) {
        free(task);
        free(state);
        fprintf(stderr, "aelab sweep: out of memory\n");
        return EXIT_RUNTIME;
    }
    printf("sweep %s (%s): %zu trial%s in %s\n", c->s.name, c->s.file, n, n == 1 ? "" : "s",
           c->dir);
    printf("trial  %-*s  epochs    ", (int)w_status, "status");
    if (slurm)
        printf("%-*s  ", (int)w_task, "slurm task");
    printf("overrides\n");
    for (size_t i = 0; i < n; i++) {
        const ae_sweep_trial *t = &c->s.trials[i];
        char epochs[32];
        snprintf(epochs, sizeof epochs, "%zu/%d", c->probes[i].epochs, t->epochs);
        printf("%-5s  %-*s  %-8s  ", t->id, (int)w_status, shown[i], epochs);
        if (slurm) {
            char st[96];
            snprintf(st, sizeof st, "%s%s%s", task[i][0] ? task[i] : "-", state[i][0] ? " " : "",
                     state[i]);
            printf("%-*s  ", (int)w_task, st);
        }
        printf("%s\n", t->overrides);
        if (c->probes[i].status == AE_SWEEP_UNREADABLE)
            printf("       %s\n", c->probes[i].why);
    }
    printf("total:");
    const char *sep = " ";
    for (int s = 0; s < AE_SWEEP_STATUS_COUNT; s++)
        if (counts[s]) {
            printf("%s%zu %s", sep, counts[s], ae_sweep_status_name((ae_sweep_status)s));
            sep = ", ";
        }
    printf("\n");
    if (dir_exists(c->dir))
        sweep_write_manifest(c);
    free(task);
    free(state);
    free(shown);
    return consistent ? 0 : EXIT_USAGE;
}

int sweep_report(sweep_ctx *c, bool quiet)
{
    if (!dir_exists(c->dir)) {
        fprintf(stderr, "aelab sweep: no results yet: %s does not exist\n", c->dir);
        return EXIT_RUNTIME;
    }
    ae_sweep_report r;
    ae_error err = {0};
    if (ae_sweep_report_build(&c->s, c->dir, &r, &err) != AE_OK) {
        fprintf(stderr, "aelab sweep: %s\n", err.msg);
        return EXIT_RUNTIME;
    }
    int status = 0;
    char *text = ae_sweep_report_text(&r);
    if (!text) {
        fprintf(stderr, "aelab sweep: out of memory\n");
        status = EXIT_RUNTIME;
    } else if (!quiet) {
        fputs(text, stdout);
    }
    free(text);
    if (status == 0 && ae_sweep_report_write(&r, c->dir, &err) != AE_OK) {
        fprintf(stderr, "aelab sweep: %s\n", err.msg);
        status = EXIT_RUNTIME;
    }
    if (status == 0 && !quiet) {
        bool charts = false;
        for (size_t i = 0; i < r.n_rows; i++)
            charts |= r.rows[i].sum.n_curve > 0;
        printf("report: %s/report.md, %s/report.csv", c->dir, c->dir);
        if (charts)
            printf(", %s/curves.png, %s/curves.svg", c->dir, c->dir);
        printf("\n");
    }
    ae_sweep_report_free(&r);
    fflush(stdout);
    return status;
}

/* `aelab sweep --backend slurm` against a real Slurm: the one-node cluster of
 * tests/slurm/cluster, named by AELAB_TEST_SLURM_CONF (.ci/run starts it).
 * Without one the tests report themselves skipped, with the reason. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_util.h"
#include "helpers.h"
#include "runfile/runfile.h"

/* "SLURM_CONF=..." for the children, or a skip. */
static void need_cluster(char *env, size_t size)
{
    const char *conf = getenv("AELAB_TEST_SLURM_CONF"), *why = getenv("AELAB_TEST_SLURM_SKIP");
    char reason[1024] = "";
    if (!conf || !*conf)
        snprintf(reason, sizeof reason, "no local Slurm cluster: %s",
                 why && *why ? why
                             : "AELAB_TEST_SLURM_CONF is unset (tests/slurm/cluster start starts "
                               "one; .ci/run does)");
    else if (access(conf, R_OK) != 0)
        snprintf(reason, sizeof reason, "no local Slurm cluster: %s is not readable", conf);
    else if (!test_fashion_mnist_dir())
        snprintf(reason, sizeof reason, "Fashion-MNIST is not installed (dataset-fashion-mnist)");
    if (reason[0]) {
        /* A skip alone is silent in the plain log: say it there too. (Not with
         * cr_log_warn: any warning makes Criterion 2.4 exit with status 1.) */
        fprintf(stderr, "SKIPPED %s::%s: %s\n", criterion_current_test->category,
                criterion_current_test->name, reason);
        cr_skip_test("%s", reason);
    }
    snprintf(env, size, "SLURM_CONF=%s", conf);
}

static const char *run_status(const char *dir, const char *trial, size_t *epochs)
{
    static char st[32];
    char p[4300];
    snprintf(p, sizeof p, "%s/%s/run.h5", dir, trial);
    ae_runfile *rf = cli_try_load_run(p);
    const char *s = rf ? ae_runfile_attr(rf, "status") : NULL;
    snprintf(st, sizeof st, "%s", s ? s : "(none)");
    if (epochs)
        *epochs = rf ? ae_runfile_metric_epochs(rf, "main") : 0;
    ae_runfile_free(rf);
    return st;
}

/* Polls `aelab sweep status` until its output holds every needle (or fails after limit s). */
static char *wait_status(const char *dir, const char *env, const char *const *args,
                         const char *const *needles, double limit)
{
    const char *const envs[] = {env, NULL};
    double end = cli_now() + limit;
    for (int round = 0;; round++) {
        cli_result r;
        char tag[32];
        snprintf(tag, sizeof tag, "status%d", round);
        cli_run(&r, dir, tag, args, envs);
        cr_assert_eq(r.status, 0, "%s", r.err);
        bool all = true;
        for (size_t i = 0; needles[i]; i++)
            all &= strstr(r.out, needles[i]) != NULL;
        if (all) {
            char *out = r.out;
            r.out = NULL;
            cli_result_free(&r);
            return out;
        }
        if (cli_now() > end)
            cr_assert_fail("after %.0f s, sweep status says:\n%s", limit, r.out);
        cli_result_free(&r);
        cli_sleep_ms(1000);
    }
}

Test(sweep_slurm, job_array_round_trip, .timeout = 300)
{
    char env[4200], dir[4096], fixture[4096];
    need_cluster(env, sizeof env);
    test_tmpdir(dir, sizeof dir);
    test_srcpath(fixture, sizeof fixture, "tests/slurm/tiny-sweep.yaml");
    const char *const envs[] = {env, NULL};
    cli_result r;
    /* more CPUs than any node: Slurm would accept it and leave it pending forever */
    cli_run(&r, dir, "big", CLI_ARGS("sweep", fixture, "--out", "res", "--backend", "slurm",
                                     "--cpus-per-task", "4096"),
            envs);
    cr_assert_eq(r.status, 2, "%s%s", r.out, r.err);
    cr_assert(strstr(r.err, "would pend forever"), "%s", r.err);
    cr_assert_null(strstr(r.out, "submitted"));
    cli_result_free(&r);
    cli_run(&r, dir, "submit", CLI_ARGS("sweep", fixture, "--out", "res", "--backend", "slurm"),
            envs);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    unsigned long job = 0;
    const char *at = strstr(r.out, "submitted job array ");
    cr_assert(at && sscanf(at, "submitted job array %lu", &job) == 1, "%s", r.out);
    cr_assert(strstr(r.out, "(--array=0-2%2)"), "%s", r.out);
    cli_result_free(&r);
    /* the script passes the options through */
    char sd[4300];
    snprintf(sd, sizeof sd, "%s/res/slurm-tiny", dir);
    char jobs_path[4400];
    snprintf(jobs_path, sizeof jobs_path, "%s/slurm/jobs.tsv", sd);
    char *jobs = cli_read_file(jobs_path, NULL);
    cr_assert(jobs && strstr(jobs, "\t0\t0-2%2\n"), "%s", jobs ? jobs : "(no jobs.tsv)");
    free(jobs);

    /* every trial completed, according to its run file and to Slurm */
    char t[3][64];
    for (int i = 0; i < 3; i++)
        snprintf(t[i], sizeof t[i], "%lu_%d COMPLETED", job, i);
    const char *needles[] = {"total: 3 completed", t[0], t[1], t[2], NULL};
    char *out = wait_status(dir, env, CLI_ARGS("sweep", "status", fixture, "--out", "res"),
                            needles, 240);
    cr_assert(strstr(out, "t001   completed  3/3"), "%s", out);
    free(out);
    for (int i = 0; i < 3; i++) {
        char id[24];
        snprintf(id, sizeof id, "t00%d", i);
        cr_assert_str_eq(run_status(sd, id, NULL), "completed", "trial %s", id);
    }
    /* submitting again has nothing to do */
    cli_run(&r, dir, "again", CLI_ARGS("sweep", fixture, "--out", "res", "--backend", "slurm"),
            envs);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cr_assert(strstr(r.out, "nothing to submit"), "%s", r.out);
    cr_assert(strstr(r.out, "Best: t000"), "the report follows: %s", r.out);
    cli_result_free(&r);
    cli_rm_rf(dir);
}

/* A requeued (preempted) task resumes its trial from the checkpoint, and the
 * result is what an uninterrupted run of the trial gives. */
Test(sweep_slurm, requeued_task_resumes, .timeout = 300)
{
    char env[4200], dir[4096], fixture[4096];
    need_cluster(env, sizeof env);
    test_tmpdir(dir, sizeof dir);
    test_srcpath(fixture, sizeof fixture, "tests/slurm/tiny-sweep.yaml");
    const char *const envs[] = {env, NULL};
#define ONE "--set", "sweep.grid={train.optimizer.lr: [0.001]}", "--set", "train.epochs=25"
    cli_result r;
    cli_run(&r, dir, "submit",
            CLI_ARGS("sweep", fixture, "--out", "res", "--backend", "slurm", ONE), envs);
    cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
    unsigned long job = 0;
    const char *at = strstr(r.out, "submitted job array ");
    cr_assert(at && sscanf(at, "submitted job array %lu", &job) == 1, "%s", r.out);
    cli_result_free(&r);
    char sd[4300];
    snprintf(sd, sizeof sd, "%s/res/slurm-tiny", dir);
    size_t epochs = 0;
    for (double end = cli_now() + 120; epochs < 2; cli_sleep_ms(20)) {
        const char *st = run_status(sd, "t000", &epochs);
        cr_assert_str_neq(st, "completed", "the trial ran too fast to be requeued mid-way");
        cr_assert_lt(cli_now(), end, "the task never got going (status %s)", st);
    }
    char cmd[4600];
    snprintf(cmd, sizeof cmd, "%s scontrol requeue %lu_0", env, job);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
    char done[64];
    snprintf(done, sizeof done, "%lu_0 COMPLETED", job);
    const char *needles[] = {"total: 1 completed", done, NULL};
    free(wait_status(dir, env, CLI_ARGS("sweep", "status", fixture, "--out", "res", ONE),
                     needles, 240));
    char log[4400];
    snprintf(log, sizeof log, "%s/slurm/%lu_0.out", sd, job);
    char *text = cli_read_file(log, NULL);
    cr_assert(text && strstr(text, "interrupted after epoch"), "%s", text ? text : log);
    cr_assert(strstr(text, "resuming phase main after epoch"), "%s", text);
    free(text);
    /* the same trial uninterrupted, as the array task runs it (one thread) */
    cli_run(&r, dir, "local", CLI_ARGS("sweep", fixture, "--out", "ref", ONE, "--trial", "0",
                                       "--threads", "1"),
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_result_free(&r);
    char pa[4400], pb[4400];
    snprintf(pa, sizeof pa, "%s/t000/run.h5", sd);
    snprintf(pb, sizeof pb, "%s/ref/slurm-tiny/t000/run.h5", dir);
    ae_runfile *ra = cli_load_run(pa), *rb = cli_load_run(pb);
    cli_assert_same_metrics(ra, rb);
    cli_assert_same_checkpoint(ra, rb);
    ae_runfile_free(ra);
    ae_runfile_free(rb);
#undef ONE
    cli_rm_rf(dir);
}

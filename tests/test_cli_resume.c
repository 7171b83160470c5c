/* Interrupting `aelab run` for real (SIGINT, SIGKILL) and `aelab resume`:
 * the run file left behind always loads, and the resumed run ends with the
 * parameters and metrics of an uninterrupted run, bit for bit (one thread).
 *
 * Runs are sized so an epoch takes a few tenths of a second (10,000 samples,
 * batch 100): long enough to interrupt mid-run, found by polling the run
 * file, never by sleeping blindly. */
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli_util.h"
#include "helpers.h"

#define RESUME_SETS                                                                            \
    "--set", "data.train_limit=10000", "--set", "data.val_limit=1000", "--set",               \
        "train.batch_size=100", "--threads", "1"

enum { EPOCHS = 4 };

static void setup(char *tmp, size_t size)
{
    if (!test_fashion_mnist_dir())
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    test_tmpdir(tmp, size);
    char dense[4096], text[4300], path[4400];
    test_srcpath(dense, sizeof dense, "experiments/keras-blog/dense.yaml");
    snprintf(text, sizeof text, "include: %s\nname: cli-run\n", dense);
    cli_write_file(tmp, "x.yaml", text, path, sizeof path);
}

static ae_runfile *load_in(const char *run_dir)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/run.h5", run_dir);
    return cli_load_run(path);
}

/* The uninterrupted reference: `aelab run` to the end, under tmp/root. */
static ae_runfile *reference(const char *tmp, const char *epochs)
{
    cli_result r;
    cli_run(&r, tmp, "ref", CLI_ARGS("run", "x.yaml", RESUME_SETS, "--set", epochs, "--out", "ref"),
            NULL);
    cr_assert_eq(r.status, 0, "reference run: exit %d, stderr:\n%s", r.status, r.err);
    cli_result_free(&r);
    char root[4200], dir[4400];
    snprintf(root, sizeof root, "%s/ref", tmp);
    cli_find_run_dir(root, "cli-run", dir, sizeof dir);
    return load_in(dir);
}

/* Polls until p's run file under tmp/root shows at least `epochs` epochs;
 * fills run_dir and returns the file's epoch_seconds of its first epoch.
 * Fails if p exits first. */
static double wait_for_epochs(cli_proc *p, const char *tmp, const char *root, size_t epochs,
                              char *run_dir, size_t size)
{
    char dir[4200], path[4600];
    snprintf(dir, sizeof dir, "%s/%s", tmp, root);
    double end = cli_now() + CLI_TIMEOUT;
    for (;;) {
        cli_result r;
        if (cli_poll(p, &r))
            cr_assert_fail("aelab exited (%d) before its run file showed %zu epoch(s):\n%s",
                           r.status, epochs, r.err);
        cr_assert_lt(cli_now(), end, "no epoch %zu within %.0f s", epochs, CLI_TIMEOUT);
        if (cli_try_find_run_dir(dir, "cli-run", run_dir, size)) {
            snprintf(path, sizeof path, "%s/run.h5", run_dir);
            ae_runfile *rf = cli_try_load_run(path);
            if (rf && ae_runfile_metric_len(rf, "main", "train/loss") >= epochs) {
                size_t n;
                const double *s = ae_runfile_metric(rf, "main", "epoch_seconds", &n);
                double first = s && n ? s[0] : 0.3;
                ae_runfile_free(rf);
                return first;
            }
            ae_runfile_free(rf);
        }
        cli_sleep_ms(5);
    }
}

/* `aelab resume DIR --threads 1` (DIR relative to tmp) must complete. */
static void resume_ok(const char *tmp, const char *tag, const char *dir)
{
    cli_result r;
    cli_run(&r, tmp, tag, CLI_ARGS("resume", dir, "--threads", "1"), NULL);
    cr_assert_eq(r.status, 0, "resume %s: exit %d, stderr:\n%s", dir, r.status, r.err);
    char expect[4400];
    snprintf(expect, sizeof expect, "run file: %s/run.h5\n", dir);
    cr_assert(strstr(r.out, expect) || strstr(r.out, "is already completed"), "stdout:\n%s",
              r.out);
    cli_result_free(&r);
}

/* B's end state equals A's: completed, every epoch recorded once, same bits. */
static void assert_equals_reference(const ae_runfile *a, const char *run_dir)
{
    ae_runfile *b = load_in(run_dir);
    cr_assert_str_eq(ae_runfile_attr(b, "status"), "completed");
    cr_assert_eq(ae_runfile_metric_len(b, "main", "train/loss"), EPOCHS);
    cr_assert_eq(ae_runfile_metric_len(b, "main", "val/loss"), EPOCHS);
    cr_assert_eq(cli_assert_same_checkpoint(a, b), 4);
    cli_assert_same_metrics(a, b);
    ae_runfile_free(b);
}

/* The relative run directory (root/cli-run/<id>) of an absolute one. */
static const char *relative(const char *tmp, const char *run_dir)
{
    size_t n = strlen(tmp);
    cr_assert(!strncmp(run_dir, tmp, n) && run_dir[n] == '/');
    return run_dir + n + 1;
}

Test(cli_resume, sigint_after_two_epochs_then_resume_equals_uninterrupted, .timeout = 600)
{
    char tmp[4096], run_dir[4400];
    setup(tmp, sizeof tmp);
    ae_runfile *a = reference(tmp, "train.epochs=4");

    cli_proc p;
    cli_spawn(&p, tmp, "b",
              CLI_ARGS("run", "x.yaml", RESUME_SETS, "--set", "train.epochs=4", "--out", "b"),
              NULL);
    wait_for_epochs(&p, tmp, "b", 2, run_dir, sizeof run_dir);
    cr_assert_eq(kill(p.pid, SIGINT), 0);
    cli_result r;
    cli_wait(&p, CLI_TIMEOUT, &r);
    cr_assert_eq(r.status, 1, "exit %d after SIGINT, stderr:\n%s", r.status, r.err);

    /* Stopped at a batch boundary after the 2nd or 3rd epoch, and says so. */
    ae_runfile *b = load_in(run_dir);
    cr_assert_str_eq(ae_runfile_attr(b, "status"), "interrupted");
    size_t done = ae_runfile_metric_len(b, "main", "train/loss");
    cr_assert(done >= 2 && done < EPOCHS, "%zu epochs recorded", done);
    int64_t epoch;
    cr_assert(ae_runfile_ckpt_position(b, NULL, &epoch));
    cr_assert_eq(epoch, (int64_t)done, "checkpoint after %lld epochs, metrics of %zu",
                 (long long)epoch, done);
    ae_runfile_free(b);
    char expect[4600];
    snprintf(expect, sizeof expect,
             "aelab: interrupted after epoch %zu; continue with: aelab resume %s\n", done,
             relative(tmp, run_dir));
    cr_assert_not_null(strstr(r.err, expect), "no '%s' in stderr:\n%s", expect, r.err);
    cli_result_free(&r);

    resume_ok(tmp, "resume", relative(tmp, run_dir));
    assert_equals_reference(a, run_dir);
    ae_runfile_free(a);
    cli_rm_rf(tmp);
}

/* SIGKILL at a random moment once the first checkpoint exists (possibly in
 * the middle of writing the next one), then again at a random moment of the
 * resumed run: the file always loads and two resumes end where A ended. */
Test(cli_resume, sigkill_at_random_moments_then_resume_equals_uninterrupted, .timeout = 600)
{
    char tmp[4096], run_dir[4400];
    setup(tmp, sizeof tmp);
    ae_runfile *a = reference(tmp, "train.epochs=4");
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid() << 8;
    srand(seed);

    cli_proc p;
    cli_spawn(&p, tmp, "c",
              CLI_ARGS("run", "x.yaml", RESUME_SETS, "--set", "train.epochs=4", "--out", "c"),
              NULL);
    double epoch_s = wait_for_epochs(&p, tmp, "c", 1, run_dir, sizeof run_dir);
    /* Somewhere in the next epoch and a half: 3 epochs remain, so the run is still going. */
    int delay = (int)(1000.0 * 1.5 * epoch_s * rand() / RAND_MAX);
    cli_sleep_ms(delay);
    cr_assert_eq(kill(p.pid, SIGKILL), 0);
    cli_result r;
    cli_wait(&p, CLI_TIMEOUT, &r);
    cr_assert(r.signaled && r.status == 128 + SIGKILL, "exit %d (seed %u)", r.status, seed);
    cli_result_free(&r);

    ae_runfile *c = load_in(run_dir);
    cr_assert_str_eq(ae_runfile_attr(c, "status"), "running", "killed %d ms after epoch 1 of "
                     "%.2f s (seed %u)", delay, epoch_s, seed);
    size_t done = ae_runfile_metric_len(c, "main", "train/loss");
    int64_t epoch;
    cr_assert(ae_runfile_ckpt_position(c, NULL, &epoch));
    cr_assert(done >= 1 && done < EPOCHS && epoch == (int64_t)done,
              "%zu epochs of metrics, checkpoint after %lld (seed %u)", done, (long long)epoch,
              seed);
    ae_runfile_free(c);

    /* Kill the resumed run too, anywhere in its first epoch and a half. */
    cli_spawn(&p, tmp, "resume1", CLI_ARGS("resume", relative(tmp, run_dir), "--threads", "1"),
              NULL);
    int delay2 = (int)(1000.0 * 1.5 * epoch_s * rand() / RAND_MAX);
    cli_sleep_ms(delay2);
    kill(p.pid, SIGKILL);
    cli_wait(&p, CLI_TIMEOUT, &r);
    cli_result_free(&r);
    c = load_in(run_dir); /* still loads */
    ae_runfile_free(c);

    resume_ok(tmp, "resume2", relative(tmp, run_dir));
    cr_log_info("killed %d ms after the first checkpoint, the resume after %d ms (epoch %.2f s)",
                delay, delay2, epoch_s);
    assert_equals_reference(a, run_dir);
    ae_runfile_free(a);
    cli_rm_rf(tmp);
}

/* Ctrl-C as early as training allows (in the first epoch, before any
 * checkpoint): exit 1, status "interrupted", a message giving the exact
 * resume command, and that command finishes the run as if never stopped. */
Test(cli_resume, ctrl_c_in_the_first_epoch_says_how_to_resume, .timeout = 600)
{
    char tmp[4096], run_dir[4400];
    setup(tmp, sizeof tmp);
    cli_proc p;
    cli_spawn(&p, tmp, "d",
              CLI_ARGS("run", "x.yaml", RESUME_SETS, "--set", "train.epochs=2", "--out", "d"),
              NULL);
    /* Training starts right after this line; the handler is installed with it. */
    double end = cli_now() + CLI_TIMEOUT;
    for (;;) {
        char *err = cli_read_file(p.err_path, NULL);
        bool started = err && strstr(err, "training samples");
        free(err);
        if (started)
            break;
        cli_result early;
        if (cli_poll(&p, &early))
            cr_assert_fail("exited (%d) before training:\n%s", early.status, early.err);
        cr_assert_lt(cli_now(), end);
        cli_sleep_ms(2);
    }
    cli_sleep_ms(20);
    cr_assert_eq(kill(p.pid, SIGINT), 0);
    cli_result r;
    cli_wait(&p, CLI_TIMEOUT, &r);
    cr_assert_eq(r.status, 1, "exit %d, stderr:\n%s", r.status, r.err);
    char root[4200];
    snprintf(root, sizeof root, "%s/d", tmp);
    cli_find_run_dir(root, "cli-run", run_dir, sizeof run_dir);
    ae_runfile *d = load_in(run_dir);
    cr_assert_str_eq(ae_runfile_attr(d, "status"), "interrupted");
    cr_assert_not_null(ae_runfile_attr(d, "end_time"));
    size_t done = ae_runfile_metric_len(d, "main", "train/loss");
    cr_assert_lt(done, 2, "the SIGINT came too late: %zu epochs done", done);
    cr_assert_eq(ae_runfile_ckpt_count(d) > 0, done > 0, "checkpoint iff an epoch completed");
    ae_runfile_free(d);
    cr_assert_str_empty(r.out, "no results announced: %s", r.out);

    /* The message gives the command; run exactly that. */
    char *cmd = cli_line_after(r.err, "aelab: interrupted after epoch ");
    cr_assert_not_null(cmd, "no interruption message in:\n%s", r.err);
    char *resume = strstr(cmd, "; continue with: aelab resume ");
    cr_assert_not_null(resume, "message: %s", cmd);
    const char *dir = resume + strlen("; continue with: aelab resume ");
    cr_assert_str_eq(dir, relative(tmp, run_dir));
    cr_assert_eq(atoi(cmd), (int)done, "message says epoch %d, the file has %zu", atoi(cmd), done);
    resume_ok(tmp, "resume", dir);
    free(cmd);
    cli_result_free(&r);

    ae_runfile *a = reference(tmp, "train.epochs=2");
    d = load_in(run_dir);
    cr_assert_str_eq(ae_runfile_attr(d, "status"), "completed");
    cr_assert_eq(cli_assert_same_checkpoint(a, d), 4);
    cli_assert_same_metrics(a, d);
    ae_runfile_free(a);
    ae_runfile_free(d);
    cli_rm_rf(tmp);
}

Test(cli_resume, resume_of_a_completed_or_missing_run)
{
    char tmp[4096], run_dir[4400];
    setup(tmp, sizeof tmp);
    cli_result r;
    cli_run(&r, tmp, "run",
            CLI_ARGS("run", "x.yaml", CLI_FAST_SETS, "--set", "train.epochs=1", "--out", "out"),
            NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    cli_result_free(&r);
    char root[4200];
    snprintf(root, sizeof root, "%s/out", tmp);
    cli_find_run_dir(root, "cli-run", run_dir, sizeof run_dir);
    ae_runfile *before = load_in(run_dir);
    cli_run(&r, tmp, "resume", CLI_ARGS("resume", run_dir), NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    cr_assert_not_null(strstr(r.out, "is already completed; nothing to do"), "stdout:\n%s", r.out);
    cli_result_free(&r);
    ae_runfile *after = load_in(run_dir);
    cli_assert_same_checkpoint(before, after);
    cli_assert_same_metrics(before, after);
    ae_runfile_free(before);
    ae_runfile_free(after);

    cli_run(&r, tmp, "missing", CLI_ARGS("resume", "no/such/run"), NULL);
    cr_assert_eq(r.status, 1, "stderr:\n%s", r.err);
    cr_assert_not_null(strstr(r.err, "no/such/run"), "the message does not name the run:\n%s",
                       r.err);
    cli_result_free(&r);
    cli_rm_rf(tmp);
}

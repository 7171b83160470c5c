/* Atomic saves: a child resumes the run, saves it after every epoch, and is
 * killed with SIGKILL at a random moment; 12 times. The run.h5 left behind must
 * always load, be internally consistent (every part written by the same save)
 * and have grown since the previous round. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "runfile/runfile.h"

enum { ROW = 512, MAX_EPOCHS = 4000, ROUNDS = 12 };

/* The state after `epochs` epochs: all parts agree on the count. */
static int build(ae_runfile *rf, int64_t epochs, float *row)
{
    int rc = ae_runfile_set_attr_int(rf, "epochs", epochs);
    if (rc == AE_OK)
        rc = ae_runfile_append_metric(rf, "main", "train/loss", (double)(epochs - 1));
    for (int i = 0; i < ROW; i++)
        row[i] = (float)(epochs - 1);
    int64_t shape[2] = {epochs, ROW};
    float *w = malloc((size_t)epochs * ROW * sizeof *w);
    if (!w)
        return AE_ERR_NOMEM;
    for (int64_t e = 0; e < epochs; e++)
        memcpy(w + e * ROW, row, ROW * sizeof *w);
    if (rc == AE_OK)
        rc = ae_runfile_ckpt_put_tensor(rf, "params/W", 2, shape, w);
    free(w);
    if (rc == AE_OK)
        rc = ae_runfile_ckpt_put_int(rf, "step", epochs);
    if (rc == AE_OK)
        rc = ae_runfile_ckpt_set_position(rf, "main", epochs);
    return rc;
}

/* Child: continues the run left by the previous child (if any), saving after
 * every epoch; reports its first save on the pipe. */
static void saver(const char *path, int ready_fd)
{
    ae_runfile *rf = NULL;
    float row[ROW];
    ae_error err;
    int64_t done = 0;
    if (access(path, F_OK) == 0) {
        if (ae_runfile_load(path, &rf, &err) != AE_OK ||
            ae_runfile_attr_int(rf, "epochs", &done) != AE_OK)
            _exit(4);
    } else {
        rf = ae_runfile_new();
    }
    for (int64_t e = done + 1; e <= MAX_EPOCHS; e++) {
        if (!rf || build(rf, e, row) != AE_OK || ae_runfile_save(rf, path, &err) != AE_OK)
            _exit(2);
        if (e == done + 1 && write(ready_fd, "x", 1) != 1)
            _exit(3);
    }
    _exit(0);
}

/* Returns the epoch count of the run, after checking every part agrees with it. */
static int64_t check_consistent(const char *path, int round)
{
    ae_runfile *rf = NULL;
    ae_error err = {0};
    cr_assert_eq(ae_runfile_load(path, &rf, &err), AE_OK, "round %d: %s", round, err.msg);
    int64_t epochs = 0, step = 0, pos = 0;
    cr_assert_eq(ae_runfile_attr_int(rf, "epochs", &epochs), AE_OK);
    cr_assert_geq(epochs, 1);
    size_t n = 0;
    const double *loss = ae_runfile_metric(rf, "main", "train/loss", &n);
    cr_assert_eq((int64_t)n, epochs, "round %d: metric length %zu vs epochs %lld", round, n,
                 (long long)epochs);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(loss[i], (double)i);
    int nd = 0;
    int64_t shape[4];
    const float *w = ae_runfile_ckpt_tensor(rf, "params/W", &nd, shape);
    cr_assert_not_null(w);
    cr_assert_eq(shape[0], epochs);
    cr_assert_eq(shape[1], ROW);
    for (int64_t e = 0; e < epochs; e++)
        cr_assert_eq(w[e * ROW + ROW - 1], (float)(epochs - 1));
    cr_assert_eq(ae_runfile_ckpt_int(rf, "step", &step), AE_OK);
    cr_assert_eq(step, epochs);
    cr_assert(ae_runfile_ckpt_position(rf, NULL, &pos));
    cr_assert_eq(pos, epochs);
    ae_runfile_free(rf);
    return epochs;
}

static int count_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strncmp(e->d_name, ".run.h5.tmp-", 12) == 0;
    closedir(d);
    return n;
}

Test(runfile_atomic, sigkill_never_leaves_a_torn_file, .timeout = 60)
{
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/run.h5", dir);
    unsigned seed = 12345;
    int64_t last = 0;
    for (int round = 0; round < ROUNDS; round++) {
        int fds[2];
        cr_assert_eq(pipe(fds), 0);
        fflush(NULL);
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            saver(path, fds[1]);
        }
        close(fds[1]);
        char c;
        cr_assert_eq(read(fds[0], &c, 1), 1, "round %d: the child never saved", round);
        close(fds[0]);
        /* 1..40 ms into a stream of saves of a file of up to a few MiB */
        seed = seed * 1103515245u + 12345u;
        struct timespec ts = {0, (long)(1 + (seed >> 16) % 40) * 1000000L};
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status = 0;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                  "round %d: the saver failed (status %d)", round, status);
        int64_t epochs = check_consistent(path, round);
        cr_assert_gt(epochs, last, "round %d: the run did not grow (%lld epochs)", round,
                     (long long)epochs);
        last = epochs;
    }
    /* Each save removed the temporaries of savers killed before it, so at most the last
     * one's is left; a save from here removes it too, but never a live process's. */
    char live[700];
    snprintf(live, sizeof live, "%s/.run.h5.tmp-%ld", dir, (long)getppid());
    pid_t gone = fork(); /* a pid that certainly ran and no longer runs */
    if (gone == 0)
        _exit(0);
    cr_assert_eq(waitpid(gone, NULL, 0), gone);
    char stale[700];
    snprintf(stale, sizeof stale, "%s/.run.h5.tmp-%ld", dir, (long)gone);
    const char *made[] = {live, stale};
    for (int i = 0; i < 2; i++) {
        FILE *f = fopen(made[i], "w");
        cr_assert_not_null(f);
        fclose(f);
    }
    cr_assert_leq(count_temporaries(dir), 3);
    ae_runfile *rf = NULL;
    ae_error err;
    cr_assert_eq(ae_runfile_load(path, &rf, &err), AE_OK, "%s", err.msg);
    cr_assert_eq(ae_runfile_save(rf, path, &err), AE_OK, "%s", err.msg);
    ae_runfile_free(rf);
    cr_assert_eq(count_temporaries(dir), 1, "only the live process's temporary may remain");
    cr_assert_eq(access(live, F_OK), 0);
    /* the run and the live temporary */
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char p[1200];
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    }
    closedir(d);
    rmdir(dir);
}

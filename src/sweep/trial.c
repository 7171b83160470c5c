#include "sweep/trial.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sweep/sweep_impl.h"

static const char *const status_names[] = {"pending",   "running",  "interrupted", "completed",
                                           "diverged",  "failed",   "unreadable"};

const char *ae_sweep_status_name(ae_sweep_status s)
{
    return s < AE_SWEEP_STATUS_COUNT ? status_names[s] : "?";
}

bool ae_sweep_trial_dir(const char *sweep_dir, const ae_sweep_trial *t, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%s", sweep_dir, t->id);
    return n > 0 && (size_t)n < size;
}

static size_t epochs_recorded(const ae_runfile *rf)
{
    size_t n = 0;
    for (size_t i = 0; i < ae_runfile_phase_count(rf); i++)
        n += ae_runfile_metric_epochs(rf, ae_runfile_phase_at(rf, i));
    return n;
}

void ae_sweep_probe_trial(const char *trial_dir, const ae_sweep_trial *t, ae_sweep_probe *out,
                          ae_runfile **rf_out)
{
    memset(out, 0, sizeof *out);
    if (rf_out)
        *rf_out = NULL;
    char path[4200];
    snprintf(path, sizeof path, "%s/run.h5", trial_dir);
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
        out->status = AE_SWEEP_PENDING;
        return;
    }
    ae_runfile *rf = NULL;
    ae_error err = {0};
    if (ae_runfile_load(path, &rf, &err) != AE_OK) {
        out->status = AE_SWEEP_UNREADABLE;
        snprintf(out->why, sizeof out->why, "%s", err.msg);
        return;
    }
    const char *status = ae_runfile_attr(rf, "status");
    out->status = AE_SWEEP_UNREADABLE;
    snprintf(out->why, sizeof out->why, "%s: status '%s' is none of running, completed, "
                                        "diverged, failed, interrupted", path,
             status ? status : "(absent)");
    for (int s = AE_SWEEP_RUNNING; status && s < AE_SWEEP_UNREADABLE; s++)
        if (!strcmp(status, status_names[s])) {
            out->status = (ae_sweep_status)s;
            out->why[0] = '\0';
        }
    const char *sha = ae_runfile_config_sha256(rf);
    out->other_config = t && (!sha || strcmp(sha, t->sha) != 0);
    out->epochs = epochs_recorded(rf);
    if (rf_out)
        *rf_out = rf;
    else
        ae_runfile_free(rf);
}

ae_sweep_action ae_sweep_decide(const ae_sweep_probe *p, bool retry_failed)
{
    switch (p->status) {
    case AE_SWEEP_PENDING:
        return AE_SWEEP_START;
    case AE_SWEEP_RUNNING:
    case AE_SWEEP_INTERRUPTED:
        return AE_SWEEP_RESUME;
    case AE_SWEEP_FAILED:
    case AE_SWEEP_UNREADABLE:
        return retry_failed ? AE_SWEEP_RESTART : AE_SWEEP_SKIP;
    default: /* completed; diverged is final too: the same seed diverges again */
        return AE_SWEEP_SKIP;
    }
}

ae_code ae_sweep_prepare_trial(const char *trial_dir, const ae_sweep_trial *t, ae_error *err)
{
    if (sw_mkdirs(trial_dir) != 0)
        return ae_error_set(err, AE_ERR_IO, "cannot create %s: %s", trial_dir, strerror(errno));
    char path[4200];
    snprintf(path, sizeof path, "%s/trial.yaml", trial_dir);
    size_t len;
    char *old = sw_read_text(path, (size_t)1 << 24, &len);
    bool same = old && len == strlen(t->yaml) && !memcmp(old, t->yaml, len);
    free(old);
    return same ? AE_OK : sw_write_atomic(path, t->yaml, strlen(t->yaml), err);
}

ae_code ae_sweep_retire_run(const char *trial_dir, ae_error *err)
{
    char from[4200], to[4200];
    snprintf(from, sizeof from, "%s/run.h5", trial_dir);
    for (int n = 1; n < 10000; n++) {
        snprintf(to, sizeof to, "%s/failed-%d.h5", trial_dir, n);
        struct stat st;
        if (stat(to, &st) == 0)
            continue;
        if (rename(from, to) != 0)
            return ae_error_set(err, AE_ERR_IO, "cannot move %s to %s: %s", from, to,
                                strerror(errno));
        return AE_OK;
    }
    return ae_error_set(err, AE_ERR_IO, "%s: too many failed attempts kept", trial_dir);
}

ae_code ae_sweep_lock_trial(const char *trial_dir, int *fd, bool *busy, ae_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/lock", trial_dir);
    *busy = false;
    /* Not O_CLOEXEC: the run process started for the trial inherits the lock. */
    *fd = open(path, O_RDWR | O_CREAT, 0644);
    if (*fd < 0)
        return ae_error_set(err, AE_ERR_IO, "cannot open %s: %s", path, strerror(errno));
    int rc;
    do
        rc = flock(*fd, LOCK_EX | LOCK_NB);
    while (rc != 0 && errno == EINTR);
    if (rc == 0)
        return AE_OK;
    int e = errno;
    close(*fd);
    *fd = -1;
    if (e == EWOULDBLOCK) {
        *busy = true;
        return AE_OK;
    }
    return ae_error_set(err, AE_ERR_IO, "cannot lock %s: %s", path, strerror(e));
}

bool ae_sweep_trial_locked(const char *trial_dir)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/lock", trial_dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool locked = flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd); /* releases the shared lock if it was taken */
    return locked;
}

ae_code ae_sweep_trial_command(const char *exe, const char *trial_dir, ae_sweep_action a,
                               int threads, ae_sweep_command *out)
{
    memset(out, 0, sizeof *out);
    if (a == AE_SWEEP_SKIP)
        return AE_ERR_INTERNAL;
    char th[16];
    snprintf(th, sizeof th, "%d", threads > 0 ? threads : 1);
    const char *args[12];
    size_t n = 0;
    char yaml[4200];
    snprintf(yaml, sizeof yaml, "%s/trial.yaml", trial_dir);
    args[n++] = exe;
    if (a == AE_SWEEP_RESUME) {
        args[n++] = "resume";
        args[n++] = trial_dir;
    } else {
        args[n++] = "run";
        args[n++] = yaml;
        args[n++] = "--run-dir";
        args[n++] = trial_dir;
    }
    args[n++] = "--threads";
    args[n++] = th;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += strlen(args[i]) + 1;
    out->store = malloc(total);
    if (!out->store)
        return AE_ERR_NOMEM;
    char *p = out->store;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(args[i]) + 1;
        memcpy(p, args[i], len);
        out->argv[i] = p;
        p += len;
    }
    out->argv[n] = NULL;
    return AE_OK;
}

void ae_sweep_command_free(ae_sweep_command *c)
{
    free(c->store);
    memset(c, 0, sizeof *c);
}

/* Tabs and line breaks would break the manifest's lines and columns. */
static void put_field(sw_buf *b, const char *s)
{
    for (; *s; s++) {
        char c = *s;
        sw_buf_printf(b, "%c", c == '\t' || c == '\n' || c == '\r' ? ' ' : c);
    }
}

ae_code ae_sweep_manifest_write(const char *path, const ae_sweep *s, const ae_sweep_probe *probes,
                                ae_error *err)
{
    sw_buf b = {0};
    sw_buf_puts(&b, "# aelab sweep manifest 1\n# sweep: ");
    put_field(&b, s->name);
    sw_buf_puts(&b, "\n# file: ");
    put_field(&b, s->file);
    sw_buf_puts(&b, "\n# metric: ");
    put_field(&b, s->metric);
    sw_buf_puts(&b, "\ntrial\tstatus\tepochs\tconfig_sha256\toverrides\n");
    for (size_t i = 0; i < s->n_trials; i++) {
        const ae_sweep_trial *t = &s->trials[i];
        sw_buf_printf(&b, "%s\t%s\t%zu/%d\t%s\t", t->id, ae_sweep_status_name(probes[i].status),
                      probes[i].epochs, t->epochs, t->sha);
        put_field(&b, t->overrides);
        sw_buf_puts(&b, "\n");
    }
    char *text = sw_buf_finish(&b);
    if (!text)
        return ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory", path);
    ae_code rc = sw_write_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

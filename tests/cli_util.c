/* nftw */
#define _GNU_SOURCE

#include "cli_util.h"

#include "data/data.h"
#include "helpers.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static const char aelab_path[] = AELAB_BUILDDIR "/src/aelab";

enum { MAX_ARGS = 64, MAX_ENV = 1024 };

static bool name_is(const char *entry, const char *name)
{
    size_t n = strcspn(name, "=");
    return strncmp(entry, name, n) == 0 && entry[n] == '=';
}

/* The child's environment: ours minus what env overrides, plus env. Strings
 * point into environ, env, cache or lsan (all outliving the exec). */
static void build_env(const char **envp, const char *const *env, const char *cache,
                      const char *lsan)
{
    size_t n = 0;
    for (char **e = environ; *e && n < MAX_ENV - 40; e++) {
        bool drop = name_is(*e, "AELAB_DATA_DIR") || name_is(*e, "XDG_CACHE_HOME") ||
                    name_is(*e, "LSAN_OPTIONS");
        for (size_t i = 0; env && env[i] && !drop; i++)
            drop = name_is(*e, env[i]);
        if (!drop)
            envp[n++] = *e;
    }
    envp[n++] = cache;
    bool own_lsan = false;
    for (size_t i = 0; env && env[i]; i++)
        own_lsan = own_lsan || name_is(env[i], "LSAN_OPTIONS");
    if (!own_lsan)
        envp[n++] = lsan;
    for (size_t i = 0; env && env[i] && n < MAX_ENV - 1; i++)
        if (strchr(env[i], '='))
            envp[n++] = env[i];
    envp[n] = NULL;
}

void cli_spawn(cli_proc *p, const char *dir, const char *tag, const char *const *args,
               const char *const *env)
{
    const char *argv[MAX_ARGS + 2];
    size_t n = 0;
    argv[n++] = aelab_path;
    for (size_t i = 0; args[i]; i++) {
        cr_assert_lt(n, MAX_ARGS, "too many arguments");
        argv[n++] = args[i];
    }
    argv[n] = NULL;
    const char *envp[MAX_ENV];
    char cache[4200], lsan[8192];
    snprintf(cache, sizeof cache, "XDG_CACHE_HOME=%s/.cache", dir);
    /* Sanitizer builds: ignore fontconfig's caches (tests/data/cli/lsan.supp). */
    const char *old = getenv("LSAN_OPTIONS");
    snprintf(lsan, sizeof lsan, "LSAN_OPTIONS=%s%ssuppressions=%s/tests/data/cli/lsan.supp",
             old ? old : "", old && *old ? ":" : "", AELAB_SRCDIR);
    build_env(envp, env, cache, lsan);
    snprintf(p->out_path, sizeof p->out_path, "%s/%s.out", dir, tag);
    snprintf(p->err_path, sizeof p->err_path, "%s/%s.err", dir, tag);
    int out = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int err = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    cr_assert(out >= 0 && err >= 0 && in >= 0, "cannot create %s: %s", p->out_path,
              strerror(errno));
    fflush(NULL);
    p->pid = fork();
    cr_assert_neq(p->pid, -1, "fork: %s", strerror(errno));
    if (p->pid == 0) {
        /* Only async-signal-safe calls until execve. */
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = SIG_DFL;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGPIPE, &sa, NULL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0 || chdir(dir) != 0)
            _exit(126);
        execve(aelab_path, (char *const *)argv, (char *const *)envp);
        _exit(127);
    }
    close(out);
    close(err);
    close(in);
}

static void fill_result(cli_proc *p, int st, cli_result *r)
{
    memset(r, 0, sizeof *r);
    r->signaled = WIFSIGNALED(st);
    r->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    r->out = cli_read_file(p->out_path, NULL);
    r->err = cli_read_file(p->err_path, NULL);
    cr_assert(r->out && r->err, "cannot read the output of process %d", (int)p->pid);
    cr_assert_neq(r->status, 127, "cannot execute %s", aelab_path);
    p->pid = 0;
}

bool cli_poll(cli_proc *p, cli_result *r)
{
    int st;
    pid_t w;
    do
        w = waitpid(p->pid, &st, WNOHANG);
    while (w < 0 && errno == EINTR);
    cr_assert_neq(w, -1, "waitpid: %s", strerror(errno));
    if (w == 0)
        return false;
    fill_result(p, st, r);
    return true;
}

void cli_wait(cli_proc *p, double timeout_s, cli_result *r)
{
    double end = cli_now() + timeout_s;
    while (!cli_poll(p, r)) {
        if (cli_now() > end) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, NULL, 0);
            cr_assert_fail("aelab (pid %d) did not finish within %.0f s; see %s", (int)p->pid,
                           timeout_s, p->err_path);
        }
        cli_sleep_ms(5);
    }
}

void cli_run(cli_result *r, const char *dir, const char *tag, const char *const *args,
             const char *const *env)
{
    cli_proc p;
    cli_spawn(&p, dir, tag, args, env);
    cli_wait(&p, CLI_TIMEOUT, r);
}

void cli_result_free(cli_result *r)
{
    free(r->out);
    free(r->err);
    memset(r, 0, sizeof *r);
}

char *cli_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (n < cap - 1)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    bool bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

void cli_write_file(const char *dir, const char *name, const char *text, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", dir, name);
    FILE *f = fopen(out, "w");
    cr_assert_not_null(f, "cannot write %s: %s", out, strerror(errno));
    fputs(text, f);
    cr_assert_eq(fclose(f), 0, "cannot write %s", out);
}

bool cli_absent_or_empty(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT;
    bool empty = true;
    for (struct dirent *e; empty && (e = readdir(d));)
        empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    closedir(d);
    return empty;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void cli_rm_rf(const char *path)
{
    nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

bool cli_try_find_run_dir(const char *root, const char *experiment, char *out, size_t size)
{
    char parent[4096];
    snprintf(parent, sizeof parent, "%s/%s", root, experiment);
    DIR *d = opendir(parent);
    if (!d)
        return false;
    int found = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(out, size, "%s/%s", parent, e->d_name);
        found++;
    }
    closedir(d);
    cr_assert_leq(found, 1, "%d run directories under %s, expected one", found, parent);
    return found == 1;
}

void cli_find_run_dir(const char *root, const char *experiment, char *out, size_t size)
{
    cr_assert(cli_try_find_run_dir(root, experiment, out, size), "no run directory under %s/%s",
              root, experiment);
}

char *cli_line_after(const char *text, const char *prefix)
{
    size_t len = strlen(prefix);
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        if (n >= len && !strncmp(line, prefix, len))
            return strndup(line + len, n - len);
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

size_t cli_count_lines_with(const char *text, const char *needle)
{
    size_t count = 0;
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        char *copy = strndup(line, n);
        cr_assert_not_null(copy);
        count += strstr(copy, needle) != NULL;
        free(copy);
        line = end ? end + 1 : NULL;
    }
    return count;
}

void cli_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

ae_runfile *cli_try_load_run(const char *path)
{
    ae_runfile *rf = NULL;
    ae_error err = {0};
    if (ae_runfile_load(path, &rf, &err) != AE_OK)
        return NULL;
    return rf;
}

ae_runfile *cli_load_run(const char *path)
{
    ae_runfile *rf = NULL;
    ae_error err = {0};
    cr_assert_eq(ae_runfile_load(path, &rf, &err), AE_OK, "%s", err.msg);
    cr_assert_not_null(rf);
    return rf;
}

size_t cli_assert_same_checkpoint(const ae_runfile *a, const ae_runfile *b)
{
    const char *pa, *pb;
    int64_t ea, eb;
    cr_assert(ae_runfile_ckpt_position(a, &pa, &ea), "first run file has no checkpoint");
    cr_assert(ae_runfile_ckpt_position(b, &pb, &eb), "second run file has no checkpoint");
    cr_assert_str_eq(pa, pb);
    cr_assert_eq(ea, eb, "checkpoints after %lld and %lld epochs", (long long)ea, (long long)eb);
    size_t n = ae_runfile_ckpt_count(a), params = 0;
    cr_assert_eq(n, ae_runfile_ckpt_count(b), "checkpoint tensor counts differ");
    for (size_t i = 0; i < n; i++) {
        const char *name = ae_runfile_ckpt_name_at(a, i);
        int nda, ndb;
        int64_t sa[AE_RUNFILE_MAX_DIMS], sb[AE_RUNFILE_MAX_DIMS];
        const float *da = ae_runfile_ckpt_tensor(a, name, &nda, sa);
        const float *db = ae_runfile_ckpt_tensor(b, name, &ndb, sb);
        cr_assert_not_null(db, "second checkpoint has no %s", name);
        cr_assert_eq(nda, ndb, "%s: ndim %d vs %d", name, nda, ndb);
        size_t count = 1;
        for (int d = 0; d < nda; d++) {
            cr_assert_eq(sa[d], sb[d], "%s: dimension %d differs", name, d);
            count *= (size_t)sa[d];
        }
        for (size_t k = 0; k < count; k++)
            cr_assert(!memcmp(&da[k], &db[k], sizeof *da), "%s[%zu]: %.9g vs %.9g", name, k,
                      (double)da[k], (double)db[k]);
        params += !strncmp(name, "params/", 7);
    }
    n = ae_runfile_ckpt_u64_count(a);
    cr_assert_eq(n, ae_runfile_ckpt_u64_count(b), "checkpoint array counts differ");
    for (size_t i = 0; i < n; i++) {
        const char *name = ae_runfile_ckpt_u64_name_at(a, i);
        size_t na, nb;
        const uint64_t *da = ae_runfile_ckpt_u64(a, name, &na);
        const uint64_t *db = ae_runfile_ckpt_u64(b, name, &nb);
        cr_assert(db && na == nb && !memcmp(da, db, na * sizeof *da), "array %s differs", name);
    }
    n = ae_runfile_ckpt_int_count(a);
    cr_assert_eq(n, ae_runfile_ckpt_int_count(b), "checkpoint integer counts differ");
    for (size_t i = 0; i < n; i++) {
        const char *name = ae_runfile_ckpt_int_name_at(a, i);
        int64_t va, vb;
        cr_assert_eq(ae_runfile_ckpt_int(a, name, &va), AE_OK);
        cr_assert_eq(ae_runfile_ckpt_int(b, name, &vb), AE_OK, "second checkpoint has no %s",
                     name);
        cr_assert_eq(va, vb, "%s: %lld vs %lld", name, (long long)va, (long long)vb);
    }
    return params;
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && !strcmp(s + n - m, tail);
}

void cli_assert_same_metrics(const ae_runfile *a, const ae_runfile *b)
{
    size_t phases = ae_runfile_phase_count(a);
    cr_assert_gt(phases, 0, "no metrics");
    cr_assert_eq(phases, ae_runfile_phase_count(b), "phase counts differ");
    for (size_t p = 0; p < phases; p++) {
        const char *phase = ae_runfile_phase_at(a, p);
        size_t n = ae_runfile_metric_count(a, phase);
        cr_assert_eq(n, ae_runfile_metric_count(b, phase), "%s: metric counts differ", phase);
        for (size_t i = 0; i < n; i++) {
            const char *name = ae_runfile_metric_name_at(a, phase, i);
            size_t na, nb;
            const double *va = ae_runfile_metric(a, phase, name, &na);
            const double *vb = ae_runfile_metric(b, phase, name, &nb);
            cr_assert_not_null(vb, "second run has no %s/%s", phase, name);
            cr_assert_eq(na, nb, "%s/%s: %zu vs %zu epochs", phase, name, na, nb);
            if (ends_with(name, "seconds"))
                continue;
            for (size_t e = 0; e < na; e++)
                cr_assert(!memcmp(&va[e], &vb[e], sizeof *va), "%s/%s[%zu]: %.17g vs %.17g",
                          phase, name, e, va[e], vb[e]);
        }
    }
}

/* BCE of predicting p for target x, with aelab's clamp (p in [1e-7, 1 - 1e-7]) and
 * 0·log 0 = 0. */
static double bce(double x, double p)
{
    p = fmin(fmax(p, 1e-7), 1 - 1e-7);
    return -(x > 0 ? x * log(p) : 0) - (x < 1 ? (1 - x) * log(1 - p) : 0);
}

void cli_fashion_bce_bounds(size_t n_train, size_t n_val, double *floor, double *constant)
{
    enum { P = 784 };
    const char *dir = test_fashion_mnist_dir();
    char img[4096];
    ae_dataset train, val;
    ae_error err = {0};
    snprintf(img, sizeof img, "%s/train-images-idx3-ubyte.gz", dir);
    cr_assert_eq(ae_idx_load(img, NULL, n_train, &train, &err), AE_OK, "%s", err.msg);
    snprintf(img, sizeof img, "%s/t10k-images-idx3-ubyte.gz", dir);
    cr_assert_eq(ae_idx_load(img, NULL, n_val, &val, &err), AE_OK, "%s", err.msg);
    cr_assert(ae_dataset_sample_size(&train) == P);
    double mean[P] = {0};
    for (size_t i = 0; i < train.n; i++)
        for (size_t j = 0; j < P; j++)
            mean[j] += train.x[i * P + j];
    for (size_t j = 0; j < P; j++)
        mean[j] /= (double)train.n;
    double c = 0, h = 0;
    for (size_t i = 0; i < val.n; i++)
        for (size_t j = 0; j < P; j++) {
            double x = val.x[i * P + j];
            c += bce(x, mean[j]);
            h += bce(x, x);
        }
    *constant = c / (double)(val.n * P);
    *floor = h / (double)(val.n * P);
    ae_dataset_free(&train);
    ae_dataset_free(&val);
}

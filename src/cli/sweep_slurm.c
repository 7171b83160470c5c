/* The Slurm backend: an sbatch script per job array (task k runs `aelab
 * sweep FILE --trial offset+k`), submitted with `sbatch --parsable`; and
 * the tasks' states for `sweep status`, from squeue (live), then sacct
 * (slurmdbd) or, without accounting, the jobcomp/filetxt file. */
#define _GNU_SOURCE /* pipe2 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sweep_cli.h"
#include "sweep/slurm.h"
#include "sweep/sweep.h"

enum { CAPTURE_MAX = 64 << 20 };

int sweep_capture(const char *const *argv, char **out, bool quiet_stderr)
{
    int pfd[2] = {-1, -1};
    if (out) {
        *out = NULL;
        if (pipe2(pfd, O_CLOEXEC) != 0)
            return -1;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int in = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (in < 0 || dup2(in, 0) < 0 || dup2(out ? pfd[1] : in, 1) < 0 ||
            (quiet_stderr && dup2(in, 2) < 0))
            _exit(126);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    if (out)
        close(pfd[1]);
    if (pid < 0) {
        if (out)
            close(pfd[0]);
        return -1;
    }
    size_t len = 0, cap = 4096;
    char *buf = out ? malloc(cap) : NULL;
    bool ok = !out || buf;
    while (out && ok) {
        if (len + 1 == cap) {
            char *p = cap < CAPTURE_MAX ? realloc(buf, cap * 2) : NULL;
            if (!p) {
                ok = false;
                break;
            }
            buf = p;
            cap *= 2;
        }
        ssize_t r = read(pfd[0], buf + len, cap - 1 - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        len += (size_t)r;
    }
    if (out)
        close(pfd[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (!ok) {
        free(buf);
        return -1;
    }
    if (out) {
        buf[len] = '\0';
        *out = buf;
    }
    if (!WIFEXITED(st) || WEXITSTATUS(st) == 127) {
        if (out) {
            free(*out);
            *out = NULL;
        }
        return -1;
    }
    return WEXITSTATUS(st);
}

/* The value of "Key = value" in `scontrol show config`, copied into out. */
static bool config_value(const char *text, const char *key, char *out, size_t size)
{
    size_t kl = strlen(key);
    for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
        if (strncmp(p, key, kl) || (p[kl] != ' ' && p[kl] != '='))
            continue;
        const char *v = strchr(p, '=');
        if (!v)
            return false;
        v++;
        while (*v == ' ')
            v++;
        size_t n = strcspn(v, "\n");
        while (n && v[n - 1] == ' ')
            n--;
        snprintf(out, size, "%.*s", (int)n, v);
        return true;
    }
    return false;
}

static char *scontrol_config(void)
{
    char *text;
    const char *argv[] = {"scontrol", "show", "config", NULL};
    if (sweep_capture(argv, &text, true) != 0) {
        free(text);
        return NULL;
    }
    return text;
}

bool sweep_slurm_states(const sweep_ctx *c, char (*task)[48], char (*state)[32])
{
    char path[4200];
    snprintf(path, sizeof path, "%s/slurm/jobs.tsv", c->dir);
    ae_sweep_jobs jobs;
    ae_error err = {0};
    if (ae_sweep_jobs_read(path, &jobs, &err) != AE_OK) {
        fprintf(stderr, "aelab sweep: %s\n", err.msg);
        return false;
    }
    if (jobs.n == 0)
        return false;
    for (size_t i = 0; i < c->s.n_trials; i++)
        if (!ae_sweep_jobs_task(&jobs, i, task[i], sizeof task[i]))
            task[i][0] = '\0';
    ae_sweep_states states = {0};
    /* History first (sacct, else the jobcomp file), then squeue's live view on top. */
    bool history = false;
    for (size_t k = 0; k < jobs.n; k++) {
        const char *argv[] = {"sacct", "-n", "-P", "-X", "-j", jobs.items[k].id,
                              "-o", "JobID,State", NULL};
        char *text;
        if (sweep_capture(argv, &text, true) == 0) {
            history = true;
            ae_sweep_states_parse(&states, AE_SWEEP_SACCT, text);
        }
        free(text);
    }
    char *conf = history ? NULL : scontrol_config();
    char type[256], loc[4096];
    if (conf && config_value(conf, "JobCompType", type, sizeof type) &&
        !strcmp(type, "jobcomp/filetxt") && config_value(conf, "JobCompLoc", loc, sizeof loc)) {
        char *text = NULL;
        const char *argv[] = {"cat", loc, NULL};
        if (sweep_capture(argv, &text, true) == 0)
            ae_sweep_states_parse(&states, AE_SWEEP_JOBCOMP, text);
        free(text);
    }
    free(conf);
    for (size_t k = 0; k < jobs.n; k++) {
        const char *argv[] = {"squeue", "-h", "-r", "-j", jobs.items[k].id, "-o", "%i|%T", NULL};
        char *text;
        if (sweep_capture(argv, &text, true) == 0)
            ae_sweep_states_parse(&states, AE_SWEEP_SQUEUE, text);
        free(text);
    }
    for (size_t i = 0; i < c->s.n_trials; i++) {
        const char *st = task[i][0] ? ae_sweep_states_get(&states, task[i]) : NULL;
        snprintf(state[i], sizeof state[i], "%s", st ? st : "");
    }
    ae_sweep_states_free(&states);
    ae_sweep_jobs_free(&jobs);
    return true;
}

/* path made absolute against the working directory (array tasks cd there, but
 * absolute paths survive a user's edits of the script too). */
static bool absolute(const char *path, char *out, size_t size)
{
    char cwd[PATH_MAX];
    if (path[0] == '/')
        return (size_t)snprintf(out, size, "%s", path) < size;
    if (!getcwd(cwd, sizeof cwd))
        return false;
    return (size_t)snprintf(out, size, "%s/%s", cwd, path) < size;
}

/* The largest CPU count of a node (of the partition); 0 when sinfo cannot tell. */
static long max_node_cpus(const char *partition)
{
    const char *argv[] = {"sinfo", "-h", "-o", "%c", partition ? "-p" : NULL, partition, NULL};
    char *text;
    if (sweep_capture(argv, &text, true) != 0) {
        free(text);
        return 0;
    }
    long best = 0;
    for (char *p = text; p && *p;) {
        long v = strtol(p, &p, 10); /* "2" or "2+" */
        best = v > best ? v : best;
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    free(text);
    return best;
}

/* The YAML's slurm: options, then the command line's on top. */
static bool merge_options(const sweep_ctx *c, ae_sweep_slurm *m)
{
    const ae_sweep_slurm *y = &c->s.slurm, *o = &c->opts->slurm_cli;
    *m = *y;
    if (o->partition)
        m->partition = o->partition;
    if (o->time)
        m->time = o->time;
    if (o->mem)
        m->mem = o->mem;
    if (o->account)
        m->account = o->account;
    if (o->cpus_per_task)
        m->cpus_per_task = o->cpus_per_task;
    if (o->max_parallel)
        m->max_parallel = o->max_parallel;
    m->n_extra = y->n_extra + o->n_extra;
    m->extra = calloc(m->n_extra ? m->n_extra : 1, sizeof *m->extra);
    if (!m->extra)
        return false;
    for (size_t i = 0; i < y->n_extra; i++)
        m->extra[i] = y->extra[i];
    for (size_t i = 0; i < o->n_extra; i++)
        m->extra[y->n_extra + i] = o->extra[i];
    return true;
}

/* Writes and (unless dry) submits one array; prints what it did. */
static bool submit_chunk(sweep_ctx *c, const ae_sweep_slurm *m, const char *const *command,
                         size_t n_command, const size_t *idx, const ae_sweep_chunk *ch, int k,
                         bool dry)
{
    size_t *ids = malloc(ch->count * sizeof *ids);
    if (!ids)
        return false;
    for (size_t j = 0; j < ch->count; j++)
        ids[j] = idx[ch->first + j] - ch->offset;
    char *array = ae_sweep_array_spec(ids, ch->count, m->max_parallel);
    free(ids);
    char slurm_dir[4200], output[4300], workdir[PATH_MAX], job_name[128];
    snprintf(slurm_dir, sizeof slurm_dir, "%s/slurm", c->dir);
    bool ok = array && getcwd(workdir, sizeof workdir) &&
              absolute(slurm_dir, output, sizeof output - 16);
    strcat(output, "/%A_%a.out");
    snprintf(job_name, sizeof job_name, "aelab-%s", c->s.name);
    ae_sweep_sbatch sb = {.job_name = job_name, .array = array, .output = output,
                          .workdir = workdir, .command = command, .n_command = n_command,
                          .offset = ch->offset, .cpus_per_task = m->cpus_per_task, .opts = m};
    char *script = ok ? ae_sweep_sbatch_script(&sb) : NULL;
    if (!script) {
        fprintf(stderr, "aelab sweep: cannot write the sbatch script%s\n",
                errno == EINVAL ? ": a Slurm option or the results path holds a space or quote"
                                : "");
        free(array);
        return false;
    }
    if (dry) {
        printf("--- sbatch script %d (not submitted: --dry-run) ---\n%s", k + 1, script);
        free(array);
        free(script);
        return true;
    }
    char stamp[32], path[4400];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    snprintf(path, sizeof path, "%s/array-%s-%d.sbatch", slurm_dir, stamp, k + 1);
    ae_error err = {0};
    char *text = NULL;
    ok = ae_sweep_write_text(path, script, &err) == AE_OK;
    if (!ok)
        fprintf(stderr, "aelab sweep: %s\n", err.msg);
    const char *argv[] = {"sbatch", "--parsable", path, NULL};
    int st = ok ? sweep_capture(argv, &text, false) : -1;
    if (ok && (st != 0 || !text || !text[0])) {
        fprintf(stderr, "aelab sweep: sbatch %s failed (exit status %d)\n", path, st);
        ok = false;
    }
    if (ok) {
        text[strcspn(text, ";\n")] = '\0'; /* "123" or "123;cluster" */
        char jobs[4300];
        snprintf(jobs, sizeof jobs, "%s/jobs.tsv", slurm_dir);
        if (ae_sweep_jobs_append(jobs, text, ch->offset, array, &err) != AE_OK)
            fprintf(stderr, "aelab sweep: %s (job %s was submitted)\n", err.msg, text);
        printf("submitted job array %s: %zu trial%s (--array=%s)\n  script: %s\n  logs:   %s\n",
               text, ch->count, ch->count == 1 ? "" : "s", array, path, output);
    }
    free(text);
    free(array);
    free(script);
    return ok;
}

int sweep_submit_slurm(sweep_ctx *c)
{
    const sweep_opts *o = c->opts;
    if (o->jobs || o->threads) {
        fprintf(stderr, "aelab sweep: with --backend slurm, --max-parallel limits the running "
                        "tasks and --cpus-per-task sets each trial's threads (not -j/--threads)\n");
        return EXIT_USAGE;
    }
    if (!sweep_probe_all(c))
        return EXIT_USAGE;
    ae_sweep_slurm m;
    if (!merge_options(c, &m)) {
        fprintf(stderr, "aelab sweep: out of memory\n");
        return EXIT_RUNTIME;
    }
    int status = EXIT_RUNTIME;
    char *conf = NULL;
    size_t n_todo = 0, *todo = calloc(c->s.n_trials ? c->s.n_trials : 1, sizeof *todo);
    ae_sweep_chunk *chunks = calloc(c->s.n_trials ? c->s.n_trials : 1, sizeof *chunks);
    /* the command every task runs, before its --trial */
    const char **command = calloc(8 + 2 * o->n_sets, sizeof *command);
    char file[PATH_MAX + 1], root[PATH_MAX + 1];
    if (!todo || !chunks || !command) {
        fprintf(stderr, "aelab sweep: out of memory\n");
        goto out;
    }
    for (size_t i = 0; i < c->s.n_trials; i++)
        if (ae_sweep_decide(&c->probes[i], o->retry_failed) != AE_SWEEP_SKIP)
            todo[n_todo++] = i;
    if (!absolute(o->file, file, sizeof file) ||
        !absolute(o->out_root ? o->out_root : c->s.output_root, root, sizeof root)) {
        fprintf(stderr, "aelab sweep: a path is too long\n");
        goto out;
    }
    size_t nc = 0;
    command[nc++] = c->exe;
    command[nc++] = "sweep";
    command[nc++] = file;
    command[nc++] = "--out";
    command[nc++] = root;
    for (size_t i = 0; i < o->n_sets; i++) {
        command[nc++] = "--set";
        command[nc++] = o->sets[i];
    }
    if (o->retry_failed)
        command[nc++] = "--retry-failed";
    printf("sweep %s: %zu trial%s, %zu to submit to Slurm; results in %s\n", c->s.name,
           c->s.n_trials, c->s.n_trials == 1 ? "" : "s", n_todo, c->dir);
    if (n_todo == 0) {
        printf("nothing to submit: every trial is completed, diverged%s\n",
               o->retry_failed ? "" : " or failed (--retry-failed reruns failed ones)");
        status = o->dry_run ? 0 : sweep_report(c, o->quiet);
        goto out;
    }
    int cpus = m.cpus_per_task > 0 ? m.cpus_per_task : 1;
    size_t max_array = AE_SWEEP_DEFAULT_MAX_ARRAY_SIZE;
    if (!o->dry_run) {
        const char *probe[] = {"sbatch", "--version", NULL};
        if (sweep_capture(probe, NULL, true) != 0) {
            fprintf(stderr, "aelab sweep: sbatch is not available here (is this a Slurm login "
                            "node? is SLURM_CONF set?)\n");
            goto out;
        }
        long node_cpus = max_node_cpus(m.partition);
        if (node_cpus > 0 && cpus > node_cpus) {
            fprintf(stderr, "aelab sweep: --cpus-per-task %d: the largest node%s%s has %ld CPUs; "
                            "the tasks would pend forever\n", cpus,
                    m.partition ? " of partition " : "", m.partition ? m.partition : "",
                    node_cpus);
            status = EXIT_USAGE;
            goto out;
        }
        char value[64];
        if ((conf = scontrol_config()) && config_value(conf, "MaxArraySize", value, sizeof value) &&
            strtoul(value, NULL, 10) > 1)
            max_array = strtoul(value, NULL, 10);
        if (!sweep_prepare(c))
            goto out;
    }
    size_t n_chunks = ae_sweep_array_chunks(todo, n_todo, max_array, chunks);
    bool ok = true;
    for (size_t k = 0; k < n_chunks && ok; k++)
        ok = submit_chunk(c, &m, command, nc, todo, &chunks[k], (int)k, o->dry_run);
    if (ok && !o->dry_run) {
        printf("follow it with: aelab sweep status %s", o->file);
        if (o->out_root)
            printf(" --out %s", o->out_root);
        for (size_t i = 0; i < o->n_sets; i++)
            printf(strpbrk(o->sets[i], " '\"$[]{}*?\\") ? " --set '%s'" : " --set %s", o->sets[i]);
        printf("\n");
    }
    status = ok ? 0 : EXIT_RUNTIME;
out:
    free(conf);
    free(todo);
    free(chunks);
    free(command);
    free(m.extra);
    return status;
}

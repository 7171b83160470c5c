/* aelab sweep FILE | sweep status FILE | sweep report FILE: parsing the
 * command line, loading the sweep, and the steps every backend shares. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/sweep_cli.h"

static const char usage[] =
    "usage: aelab sweep FILE [--set KEY=VALUE]... [--out DIR] [-j N] [--threads N]\n"
    "                        [--retry-failed] [--dry-run] [--quiet]\n"
    "       aelab sweep FILE --backend slurm [--partition P] [--time T] [--mem M]\n"
    "                        [--account A] [--cpus-per-task N] [--max-parallel N]\n"
    "                        [--sbatch-arg OPTION]... (and the options above)\n"
    "       aelab sweep FILE --trial K     run trial K (what a Slurm array task calls)\n"
    "       aelab sweep status FILE [--set KEY=VALUE]... [--out DIR]\n"
    "       aelab sweep report FILE [--set KEY=VALUE]... [--out DIR]\n"
    "Trials run under <out>/<sweep name>/<trial id>/; see docs/sweeps.md.\n";

static bool push(const char ***list, size_t *n, const char *v)
{
    const char **p = realloc(*list, (*n + 1) * sizeof *p);
    if (!p)
        return false;
    *list = p;
    p[(*n)++] = v;
    return true;
}

static bool parse_count(const char *opt, const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi) {
        fprintf(stderr, "aelab sweep: %s: expected a number from %ld to %ld, got '%s'\n", opt, lo,
                hi, v);
        return false;
    }
    *out = x;
    return true;
}

static void opts_free(sweep_opts *o)
{
    free(o->sets);
    free(o->slurm_cli.extra);
    memset(o, 0, sizeof *o);
}

/* Options of the sweep command; returns false after printing a usage error. */
static bool parse(int argc, char **argv, sweep_opts *o)
{
    memset(o, 0, sizeof *o);
    o->trial = -1;
    int i = 2;
    if (i < argc && (!strcmp(argv[i], "status") || !strcmp(argv[i], "report")))
        o->sub = argv[i++];
    for (; i < argc; i++) {
        const char *a = argv[i];
        static const char *const valued[] = {
            "--set", "--out", "-j", "--jobs", "--threads", "--trial", "--backend", "--partition",
            "--time", "--mem", "--account", "--cpus-per-task", "--max-parallel", "--sbatch-arg",
            NULL};
        bool takes = false;
        for (const char *const *v = valued; *v; v++)
            takes |= !strcmp(a, *v);
        const char *v = takes && i + 1 < argc ? argv[i + 1] : NULL;
        if (takes && !v) {
            fprintf(stderr, "aelab sweep: %s needs a value\n%s", a, usage);
            return false;
        }
        long n;
        if (takes)
            i++;
        if (!strcmp(a, "--set")) {
            if (!push(&o->sets, &o->n_sets, v))
                return false;
        } else if (!strncmp(a, "--set=", 6)) {
            if (!push(&o->sets, &o->n_sets, a + 6))
                return false;
        } else if (!strcmp(a, "--out")) {
            o->out_root = v;
        } else if (!strcmp(a, "-j") || !strcmp(a, "--jobs")) {
            if (!parse_count(a, v, 1, 1024, &n))
                return false;
            o->jobs = (int)n;
        } else if (!strcmp(a, "--threads")) {
            if (!parse_count(a, v, 1, 1024, &n))
                return false;
            o->threads = (int)n;
        } else if (!strcmp(a, "--trial")) {
            if (!parse_count(a, v, 0, AE_SWEEP_MAX_TRIALS - 1, &o->trial))
                return false;
        } else if (!strcmp(a, "--backend")) {
            if (strcmp(v, "local") && strcmp(v, "slurm")) {
                fprintf(stderr, "aelab sweep: --backend: expected local or slurm, got '%s'\n", v);
                return false;
            }
            o->slurm = !strcmp(v, "slurm");
        } else if (!strcmp(a, "--partition")) {
            o->slurm_cli.partition = (char *)v;
        } else if (!strcmp(a, "--time")) {
            o->slurm_cli.time = (char *)v;
        } else if (!strcmp(a, "--mem")) {
            o->slurm_cli.mem = (char *)v;
        } else if (!strcmp(a, "--account")) {
            o->slurm_cli.account = (char *)v;
        } else if (!strcmp(a, "--cpus-per-task")) {
            if (!parse_count(a, v, 1, 4096, &n))
                return false;
            o->slurm_cli.cpus_per_task = (int)n;
        } else if (!strcmp(a, "--max-parallel")) {
            if (!parse_count(a, v, 1, 1000000, &n))
                return false;
            o->slurm_cli.max_parallel = (int)n;
        } else if (!strcmp(a, "--sbatch-arg")) {
            if (strncmp(v, "--", 2)) {
                fprintf(stderr, "aelab sweep: --sbatch-arg: expected an sbatch option such as "
                                "--qos=short, got '%s'\n", v);
                return false;
            }
            if (!push((const char ***)&o->slurm_cli.extra, &o->slurm_cli.n_extra, v))
                return false;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = true;
        } else if (!strcmp(a, "--dry-run")) {
            o->dry_run = true;
        } else if (!strcmp(a, "--retry-failed")) {
            o->retry_failed = true;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "aelab sweep: unknown option '%s'\n%s", a, usage);
            return false;
        } else if (!o->file) {
            o->file = a;
        } else {
            fprintf(stderr, "aelab sweep: unexpected argument '%s'\n%s", a, usage);
            return false;
        }
    }
    if (!o->file) {
        fputs(usage, stderr);
        return false;
    }
    if (o->trial >= 0 && (o->slurm || o->dry_run || o->sub || o->jobs)) {
        fprintf(stderr, "aelab sweep: --trial runs one trial here; it takes no --backend, "
                        "--dry-run or -j\n");
        return false;
    }
    return true;
}

bool sweep_open(const sweep_opts *o, sweep_ctx *c)
{
    memset(c, 0, sizeof *c);
    c->opts = o;
    ae_diags diags;
    ae_diags_init(&diags);
    ae_code rc = ae_sweep_load(o->file, o->sets, o->n_sets, &c->s, &diags);
    if (rc != AE_OK || diags.count) {
        ae_diags_print(&diags, stderr);
        fprintf(stderr, "aelab: %zu error%s in %s%s\n", diags.count, diags.count == 1 ? "" : "s",
                o->file, rc == AE_OK ? "" : "; no trial was started");
        ae_diags_free(&diags);
        if (rc == AE_OK)
            ae_sweep_free(&c->s);
        return false;
    }
    ae_diags_free(&diags);
    if (!ae_sweep_dir(&c->s, o->out_root, c->dir, sizeof c->dir)) {
        fprintf(stderr, "aelab sweep: the results path is too long\n");
        ae_sweep_free(&c->s);
        return false;
    }
    ssize_t n = readlink("/proc/self/exe", c->exe, sizeof c->exe - 1);
    if (n <= 0) {
        fprintf(stderr, "aelab sweep: cannot find this program (/proc/self/exe): %s\n",
                strerror(errno));
        ae_sweep_free(&c->s);
        return false;
    }
    c->exe[n] = '\0';
    c->probes = calloc(c->s.n_trials, sizeof *c->probes);
    if (!c->probes) {
        fprintf(stderr, "aelab sweep: out of memory\n");
        ae_sweep_free(&c->s);
        return false;
    }
    return true;
}

void sweep_close(sweep_ctx *c)
{
    free(c->probes);
    ae_sweep_free(&c->s);
    memset(c, 0, sizeof *c);
}

void sweep_trial_dir(const sweep_ctx *c, size_t i, char *out, size_t size)
{
    ae_sweep_trial_dir(c->dir, &c->s.trials[i], out, size);
}

bool sweep_probe_all(sweep_ctx *c)
{
    size_t conflicts = 0;
    for (size_t i = 0; i < c->s.n_trials; i++) {
        char dir[4200];
        sweep_trial_dir(c, i, dir, sizeof dir);
        ae_sweep_probe_trial(dir, &c->s.trials[i], &c->probes[i], NULL);
        if (c->probes[i].other_config) {
            fprintf(stderr, "aelab sweep: %s/run.h5 was made from another config than trial %s "
                            "(%s)\n", dir, c->s.trials[i].id, c->s.trials[i].overrides);
            conflicts++;
        }
    }
    if (conflicts)
        fprintf(stderr, "aelab sweep: %zu trial%s of %s changed since they ran: give the sweep "
                        "a new sweep.name, or remove %s\n", conflicts, conflicts == 1 ? "" : "s",
                c->s.name, c->dir);
    return conflicts == 0;
}

void sweep_write_manifest(sweep_ctx *c)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/sweep.tsv", c->dir);
    ae_error err = {0};
    if (ae_sweep_manifest_write(path, &c->s, c->probes, &err) != AE_OK)
        fprintf(stderr, "aelab sweep: %s\n", err.msg);
}

bool sweep_prepare(sweep_ctx *c)
{
    for (size_t i = 0; i < c->s.n_trials; i++) {
        char dir[4200];
        sweep_trial_dir(c, i, dir, sizeof dir);
        ae_error err = {0};
        if (ae_sweep_prepare_trial(dir, &c->s.trials[i], &err) != AE_OK) {
            fprintf(stderr, "aelab sweep: %s\n", err.msg);
            return false;
        }
    }
    sweep_write_manifest(c);
    return true;
}

int cmd_sweep(int argc, char **argv)
{
    sweep_opts o;
    if (!parse(argc, argv, &o)) {
        opts_free(&o);
        return EXIT_USAGE;
    }
    sweep_ctx c;
    if (!sweep_open(&o, &c)) {
        opts_free(&o);
        return EXIT_USAGE;
    }
    int status;
    if (o.sub && !strcmp(o.sub, "status"))
        status = sweep_status(&c);
    else if (o.sub)
        status = sweep_report(&c, false);
    else if (o.trial >= 0)
        status = sweep_run_trial(&c, (size_t)o.trial);
    else if (o.slurm)
        status = sweep_submit_slurm(&c);
    else
        status = sweep_run_local(&c);
    sweep_close(&c);
    opts_free(&o);
    return status;
}

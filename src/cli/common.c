#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "model/spec_read.h"

volatile sig_atomic_t cli_stop_requested = 0;

static void on_signal(int sig)
{
    (void)sig;
    cli_stop_requested = 1;
}

void cli_install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void cli_set_threads(int threads)
{
    if (threads > 0)
        openblas_set_num_threads(threads);
}

static bool push_set(cli_opts *o, const char *v)
{
    const char **s = realloc(o->sets, (o->n_sets + 1) * sizeof *s);
    if (!s)
        return false;
    o->sets = s;
    o->sets[o->n_sets++] = v;
    return true;
}

int cli_parse(int argc, char **argv, int first, cli_opts *o, const char **rest, int max_rest,
              const char *usage)
{
    memset(o, 0, sizeof *o);
    int n_rest = 0;
    for (int i = first; i < argc; i++) {
        const char *a = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        bool takes_value = !strcmp(a, "--set") || !strcmp(a, "--out") || !strcmp(a, "--threads") ||
                           !strcmp(a, "--run-dir");
        if (takes_value && !value) {
            fprintf(stderr, "aelab: %s needs a value\n%s", a, usage);
            return -1;
        }
        if (!strcmp(a, "--set")) {
            if (!push_set(o, value)) {
                fprintf(stderr, "aelab: out of memory\n");
                return -1;
            }
            i++;
        } else if (!strncmp(a, "--set=", 6)) {
            if (!push_set(o, a + 6))
                return -1;
        } else if (!strcmp(a, "--out")) {
            o->out_root = value;
            i++;
        } else if (!strcmp(a, "--run-dir")) {
            o->run_dir = value;
            i++;
        } else if (!strcmp(a, "--threads")) {
            char *end;
            long t = strtol(value, &end, 10);
            if (*end || t < 1 || t > 1024) {
                fprintf(stderr, "aelab: --threads: expected a count from 1 to 1024, got '%s'\n",
                        value);
                return -1;
            }
            o->threads = (int)t;
            i++;
        } else if (!strcmp(a, "--quiet") || !strcmp(a, "-q")) {
            o->quiet = true;
        } else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "aelab: unknown option '%s'\n%s", a, usage);
            return -1;
        } else if (n_rest < max_rest) {
            rest[n_rest++] = a;
        } else {
            fprintf(stderr, "aelab: unexpected argument '%s'\n%s", a, usage);
            return -1;
        }
    }
    return n_rest;
}

void cli_opts_free(cli_opts *o)
{
    free(o->sets);
    memset(o, 0, sizeof *o);
}

bool cli_load_experiment(const cli_opts *opts, ae_cfg_doc **doc, ae_experiment *exp)
{
    ae_diags diags;
    ae_diags_init(&diags);
    *doc = NULL;
    bool ok = ae_cfg_load(opts->file, doc, &diags) == 0;
    for (size_t i = 0; ok && i < opts->n_sets; i++)
        if (ae_cfg_apply_override(*doc, opts->sets[i], &diags) != 0)
            ok = false;
    const ae_cfg_node *sweep = ok ? ae_cfg_lookup(ae_cfg_root(*doc), "sweep") : NULL;
    if (sweep) { /* not an unknown key: the wrong command */
        const char *file;
        int line, col;
        ae_cfg_where(sweep, &file, &line, &col);
        ae_diags_add(&diags, file, line, col,
                     "this file defines a sweep: run it with 'aelab sweep %s' ('aelab sweep %s "
                     "--dry-run' checks every trial's config without running any)",
                     opts->file, opts->file);
        ok = false;
    }
    if (ok)
        ok = ae_experiment_read(*doc, exp, &diags) == AE_OK;
    if (!ok || diags.count) {
        ae_diags_print(&diags, stderr);
        fprintf(stderr, "aelab: %zu error%s in %s\n", diags.count, diags.count == 1 ? "" : "s",
                opts->file);
        ae_cfg_free(*doc);
        *doc = NULL;
        ok = false;
    }
    ae_diags_free(&diags);
    return ok;
}

char *cli_run_file_path(const char *run)
{
    struct stat st;
    size_t len = strlen(run) + 16;
    char *path = malloc(len);
    if (!path)
        return NULL;
    if (stat(run, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(path, len, "%s/run.h5", run);
    else
        snprintf(path, len, "%s", run);
    return path;
}

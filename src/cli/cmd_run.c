/* aelab run FILE: validate, create the run directory, train. Nothing is
 * written under the results root until the config and the data have loaded. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/session.h"
#include "train/datasets.h"
#include "train/provenance.h"

static const char usage[] =
    "usage: aelab run FILE [--set KEY=VALUE]... [--out DIR | --run-dir DIR] [--quiet] [--threads N]\n";

/* mkdir -p */
static int make_dirs(const char *path)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}

/* --run-dir: exactly this directory, which must not hold a run yet. */
static int use_run_dir(const char *dir, char *out, size_t size)
{
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/run.h5", dir);
    if (access(probe, F_OK) == 0) {
        errno = EEXIST;
        return -1;
    }
    if (make_dirs(dir) != 0)
        return -1;
    snprintf(out, size, "%s", dir);
    return 0;
}

/* results/<name>/<UTC timestamp>-<config hash>[-N]: readable, sortable, unique. */
static int make_run_dir(const char *root, const char *name, const char *sha, char *out,
                        size_t size)
{
    char parent[4096];
    snprintf(parent, sizeof parent, "%s/%s", root, name);
    if (make_dirs(parent) != 0)
        return -1;
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    for (int n = 1; n < 1000; n++) {
        if (n == 1)
            snprintf(out, size, "%s/%s-%.8s", parent, stamp, sha);
        else
            snprintf(out, size, "%s/%s-%.8s-%d", parent, stamp, sha, n);
        if (mkdir(out, 0777) == 0)
            return 0;
        if (errno != EEXIST)
            return -1;
    }
    errno = EEXIST;
    return -1;
}

int cmd_run(int argc, char **argv)
{
    cli_opts opts;
    const char *rest[1];
    int n = cli_parse(argc, argv, 2, &opts, rest, 1, usage);
    if (n != 1) {
        if (n == 0)
            fputs(usage, stderr);
        cli_opts_free(&opts);
        return EXIT_USAGE;
    }
    opts.file = rest[0];
    cli_set_threads(opts.threads);
    ae_cfg_doc *doc;
    ae_experiment exp;
    if (!cli_load_experiment(&opts, &doc, &exp)) {
        cli_opts_free(&opts);
        return EXIT_USAGE;
    }
    int status = EXIT_RUNTIME;
    char sha[65];
    ae_cfg_sha256_hex(ae_cfg_root(doc), sha);
    char *yaml = ae_cfg_emit_yaml(ae_cfg_root(doc));
    ae_runfile *rf = ae_runfile_new();
    char run_dir[4096];
    const char *root = opts.out_root ? opts.out_root : exp.output_root;
    ae_error err = {0};
    ae_dataset train = {0}, val = {0};
    if (ae_experiment_datasets(&exp, &train, &val, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        if (err.code == AE_ERR_CONFIG)
            status = EXIT_USAGE;
    } else if (!yaml || !rf) {
        fprintf(stderr, "aelab: out of memory\n");
    } else if (opts.run_dir && use_run_dir(opts.run_dir, run_dir, sizeof run_dir) != 0) {
        fprintf(stderr, "aelab: cannot use run directory %s: %s%s\n", opts.run_dir,
                strerror(errno), errno == EEXIST ? " (it holds a run: use aelab resume)" : "");
    } else if (!opts.run_dir && make_run_dir(root, exp.name, sha, run_dir, sizeof run_dir) != 0) {
        fprintf(stderr, "aelab: cannot create a run directory under %s/%s: %s\n", root, exp.name,
                strerror(errno));
    } else if (ae_provenance_fill(rf, &exp, run_dir, yaml, sha, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
    } else {
        if (!opts.quiet)
            fprintf(stderr, "aelab: run directory %s\n", run_dir);
        status = cli_train(&exp, &train, &val, rf, run_dir, false, opts.quiet);
    }
    ae_dataset_free(&train);
    ae_dataset_free(&val);
    ae_runfile_free(rf);
    free(yaml);
    ae_experiment_free(&exp);
    ae_cfg_free(doc);
    cli_opts_free(&opts);
    return status;
}

/* aelab resume RUN: continue from the last checkpoint; the result equals an
 * uninterrupted run bit for bit (same threads), because every random stream
 * is addressed by (seed, purpose, epoch, batch). */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run_load.h"
#include "cli/session.h"
#include "train/datasets.h"

static const char usage[] = "usage: aelab resume RUN [--quiet] [--threads N]\n";

int cmd_resume(int argc, char **argv)
{
    cli_opts opts;
    const char *rest[1];
    int n = cli_parse(argc, argv, 2, &opts, rest, 1, usage);
    if (n != 1 || opts.n_sets || opts.out_root) {
        if (n >= 0)
            fputs(n == 1 ? "aelab resume: --set and --out do not apply to a resumed run\n" : usage,
                  stderr);
        cli_opts_free(&opts);
        return EXIT_USAGE;
    }
    cli_set_threads(opts.threads);
    cli_run r;
    int status = EXIT_RUNTIME;
    if (!cli_run_open(rest[0], false, &r))
        goto out;
    const char *st = ae_runfile_attr(r.rf, "status");
    if (st && !strcmp(st, "completed")) {
        printf("aelab: %s is already completed; nothing to do\n", r.path);
        status = 0;
        goto out;
    }
    ae_error err = {0};
    ae_dataset train, val;
    if (ae_experiment_datasets(&r.exp, &train, &val, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        if (err.code == AE_ERR_CONFIG)
            status = EXIT_USAGE;
        goto out;
    }
    status = cli_train(&r.exp, &train, &val, r.rf, r.dir, true, opts.quiet);
    ae_dataset_free(&train);
    ae_dataset_free(&val);
out:
    cli_run_close(&r);
    cli_opts_free(&opts);
    return status;
}

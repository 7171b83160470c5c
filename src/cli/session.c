/* Shared by `run` and `resume`: train, report, draw the reconstructions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/session.h"
#include "train/datasets.h"
#include "train/pictures.h"

int cli_train(const ae_experiment *exp, const ae_dataset *train, const ae_dataset *val,
              ae_runfile *rf, const char *run_dir, bool resume, bool quiet)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/run.h5", run_dir);
    ae_error err = {0};
    ae_session s = {.exp = exp, .train = train, .val = val, .rf = rf, .run_path = path};
    if (ae_session_start(&s, resume, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        return EXIT_RUNTIME;
    }
    int status = EXIT_RUNTIME;
    /* A run file from the start: killed in its first epoch, the run is still resumable. */
    ae_runfile_set_attr(rf, "status", "running");
    if (!resume && ae_runfile_save(rf, path, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        ae_session_free(&s);
        return EXIT_RUNTIME;
    }
    if (!quiet)
        fprintf(stderr, "aelab: %s: %zu training samples, %zu validation, %zu parameters%s\n",
                exp->name, train->n, val->n, ae_params_trainable_size(&s.model.params), "");
    if (resume && !quiet)
        fprintf(stderr, "aelab: resuming phase %s after epoch %d of %d\n",
                exp->train.phases[s.phase].name, s.epochs_done, exp->train.phases[s.phase].epochs);
    cli_install_signals();
    cli_progress progress;
    ae_train_hooks hooks = cli_progress_hooks(&progress, quiet, &cli_stop_requested);
    ae_code code = ae_session_train(&s, &hooks, &err);
    switch (code) {
    case AE_OK:
        status = 0;
        break;
    case AE_ERR_INTERRUPTED:
        fprintf(stderr, "\naelab: interrupted after epoch %d; continue with: aelab resume %s\n",
                s.epochs_done, run_dir);
        break;
    case AE_ERR_DIVERGED:
        fprintf(stderr, "\naelab: %s (run marked diverged)\n", err.msg);
        break;
    default:
        fprintf(stderr, "\naelab: %s\n", err.msg);
        break;
    }
    if (status == 0) {
        char png[4096];
        snprintf(png, sizeof png, "%s/recon.png", run_dir);
        if (ae_recon_png(&s.model, exp, val, 10, png, &err) != AE_OK) {
            fprintf(stderr, "aelab: %s\n", err.msg);
            status = EXIT_RUNTIME;
        } else {
            printf("run file: %s\nreconstructions: %s\n", path, png);
        }
    }
    ae_session_free(&s);
    return status;
}

/* Reopening a finished or interrupted run: its file, its config, its model. */
#ifndef AELAB_CLI_RUN_LOAD_H
#define AELAB_CLI_RUN_LOAD_H

#include <stdbool.h>

#include "config/cfg.h"
#include "model/model.h"
#include "runfile/runfile.h"

typedef struct cli_run {
    char *path;        /* .../run.h5 */
    char *dir;         /* its directory */
    ae_runfile *rf;
    ae_cfg_doc *doc;   /* the stored resolved config */
    ae_experiment exp;
    ae_model model;    /* with the checkpoint's parameters when with_params */
    bool has_model;
} cli_run;

/* Loads RUN (a directory or a run.h5); prints what went wrong and returns false. */
bool cli_run_open(const char *run, bool with_params, cli_run *r);
void cli_run_close(cli_run *r);

#endif

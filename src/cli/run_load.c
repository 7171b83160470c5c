#include "cli/run_load.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "model/spec_read.h"
#include "train/train.h"

bool cli_run_open(const char *run, bool with_params, cli_run *r)
{
    memset(r, 0, sizeof *r);
    ae_error err = {0};
    r->path = cli_run_file_path(run);
    char *copy = r->path ? strdup(r->path) : NULL;
    r->dir = copy ? strdup(dirname(copy)) : NULL;
    free(copy);
    if (!r->path || !r->dir) {
        fprintf(stderr, "aelab: out of memory\n");
        return false;
    }
    if (ae_runfile_load(r->path, &r->rf, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        return false;
    }
    const char *yaml = ae_runfile_config_yaml(r->rf);
    if (!yaml) {
        fprintf(stderr, "aelab: %s: no config stored in the run file\n", r->path);
        return false;
    }
    char where[4200];
    snprintf(where, sizeof where, "%s:/config", r->path);
    ae_diags diags;
    ae_diags_init(&diags);
    bool ok = ae_cfg_load_string(yaml, where, &r->doc, &diags) == 0 &&
              ae_experiment_read(r->doc, &r->exp, &diags) == AE_OK;
    if (!ok || diags.count) {
        ae_diags_print(&diags, stderr);
        ae_diags_free(&diags);
        return false;
    }
    ae_diags_free(&diags);
    if (!with_params)
        return true;
    if (ae_runfile_ckpt_count(r->rf) == 0) {
        fprintf(stderr, "aelab: %s: no checkpoint: the run stopped before its first epoch "
                "completed (aelab resume %s)\n", r->path, r->dir);
        return false;
    }
    if (ae_model_init(&r->model, &r->exp.model, r->exp.seed, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        return false;
    }
    r->has_model = true;
    int epochs;
    size_t phase;
    if (ae_checkpoint_restore(r->rf, &r->model, NULL, &phase, &epochs, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s: %s\n", r->path, err.msg);
        return false;
    }
    return true;
}

void cli_run_close(cli_run *r)
{
    if (r->has_model)
        ae_model_free(&r->model);
    if (r->doc) {
        ae_experiment_free(&r->exp);
        ae_cfg_free(r->doc);
    }
    ae_runfile_free(r->rf);
    free(r->path);
    free(r->dir);
    memset(r, 0, sizeof *r);
}

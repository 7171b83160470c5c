#ifndef AELAB_CLI_SESSION_H
#define AELAB_CLI_SESSION_H

#include "model/spec.h"
#include "data/data.h"
#include "runfile/runfile.h"

/* Trains exp into run_dir/run.h5 (fresh, or from its checkpoint when resume);
 * on success writes run_dir/recon.png and prints both paths. Returns an exit status. */
int cli_train(const ae_experiment *exp, const ae_dataset *train, const ae_dataset *val,
              ae_runfile *rf, const char *run_dir, bool resume, bool quiet);

#endif

/* What a run file records about where its results came from. */
#ifndef AELAB_TRAIN_PROVENANCE_H
#define AELAB_TRAIN_PROVENANCE_H

#include "model/spec.h"
#include "runfile/runfile.h"

/* Sets the provenance attributes (tool version and commit, library versions,
 * host, threads, seed, start time, status "running") and the resolved config. */
ae_code ae_provenance_fill(ae_runfile *rf, const ae_experiment *exp, const char *run_dir,
                           const char *config_yaml, const char *config_sha256, ae_error *err);

#endif

/* Reading an experiment out of a resolved config tree: every value typed and
 * range-checked, layer references resolved, shapes chained. All problems go
 * to diags, located at the offending node, in one pass. */
#ifndef AELAB_MODEL_SPEC_READ_H
#define AELAB_MODEL_SPEC_READ_H

#include "config/cfg.h"
#include "core/error.h"
#include "model/spec.h"

/* AE_OK and a filled exp (free with ae_experiment_free), or AE_ERR_CONFIG with
 * diagnostics and exp zeroed. */
ae_code ae_experiment_read(const ae_cfg_doc *doc, ae_experiment *exp, ae_diags *diags);

#endif

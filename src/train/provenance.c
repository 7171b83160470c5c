#include "train/provenance.h"

#include <cblas.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "aelab.h"
#include "config.h"
#include "runfile/h5file.h"

/* OpenBLAS declares these in its own cblas.h. */
ae_code ae_provenance_fill(ae_runfile *rf, const ae_experiment *exp, const char *run_dir,
                           const char *config_yaml, const char *config_sha256, ae_error *err)
{
    char host[256] = "unknown", when[32], h5[32];
    gethostname(host, sizeof host - 1);
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    ae_h5_version_string(h5, sizeof h5);
    const char *slash = strrchr(run_dir, '/');
    int rc = 0;
    rc |= ae_runfile_set_attr(rf, "experiment", exp->name);
    rc |= ae_runfile_set_attr(rf, "run_id", slash ? slash + 1 : run_dir);
    rc |= ae_runfile_set_attr(rf, "status", "running");
    rc |= ae_runfile_set_attr(rf, "aelab_version", aelab_version());
    rc |= ae_runfile_set_attr(rf, "git_commit", AELAB_GIT_COMMIT);
    rc |= ae_runfile_set_attr(rf, "hdf5_version", h5);
    rc |= ae_runfile_set_attr(rf, "openblas_config", openblas_get_config());
    rc |= ae_runfile_set_attr(rf, "libyaml_version", yaml_get_version_string());
    rc |= ae_runfile_set_attr(rf, "host", host);
    rc |= ae_runfile_set_attr_int(rf, "threads", openblas_get_num_threads());
    rc |= ae_runfile_set_attr_int(rf, "seed", (int64_t)exp->seed);
    rc |= ae_runfile_set_attr(rf, "start_time", when);
    rc |= ae_runfile_set_config(rf, config_yaml, config_sha256);
    if (rc)
        return ae_error_set(err, AE_ERR_NOMEM, "out of memory recording provenance");
    return AE_OK;
}

#include "test_zoo_util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* valgrind's client request, when its header is installed (it costs a few instructions) */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif

void zoo_load(zoo_exp *z, const char *yaml)
{
    memset(z, 0, sizeof *z);
    ae_diags d;
    ae_diags_init(&d);
    int rc = ae_cfg_load_string(yaml, "zoo.yaml", &z->doc, &d);
    cr_assert_eq(rc, 0, "YAML: %s", d.count ? d.items[0].msg : "?");
    ae_code code = ae_experiment_read(z->doc, &z->exp, &d);
    cr_assert_eq(code, AE_OK, "experiment: %s:%d:%d: %s (%zu errors)",
                 d.count ? d.items[0].file : "?", d.count ? d.items[0].line : 0,
                 d.count ? d.items[0].col : 0, d.count ? d.items[0].msg : "?", d.count);
    ae_diags_free(&d);
    ae_error err = {0};
    cr_assert_eq(ae_model_init(&z->model, &z->exp.model, z->exp.seed, &err), AE_OK, "model: %s",
                 err.msg);
}

void zoo_free(zoo_exp *z)
{
    ae_model_free(&z->model);
    ae_experiment_free(&z->exp);
    ae_cfg_free(z->doc);
    memset(z, 0, sizeof *z);
}

char *zoo_config_errors(const char *yaml)
{
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_doc *doc = NULL;
    cr_assert_eq(ae_cfg_load_string(yaml, "zoo.yaml", &doc, &d), 0, "YAML: %s",
                 d.count ? d.items[0].msg : "?");
    ae_experiment exp;
    cr_assert_neq(ae_experiment_read(doc, &exp, &d), AE_OK, "the experiment should be rejected");
    cr_assert_gt(d.count, 0, "rejected without a diagnostic");
    size_t size = 1;
    for (size_t i = 0; i < d.count; i++)
        size += strlen(d.items[i].file ? d.items[i].file : "") + strlen(d.items[i].msg) + 64;
    char *out = malloc(size);
    cr_assert_not_null(out);
    out[0] = '\0';
    for (size_t i = 0; i < d.count; i++) {
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s:%d:%d: %s\n", d.items[i].file ? d.items[i].file : "",
                 d.items[i].line, d.items[i].col, d.items[i].msg);
    }
    ae_diags_free(&d);
    ae_cfg_free(doc);
    return out;
}

ae_tensor zoo_batch(const ae_shape *s, int n, float *data)
{
    ae_tensor t = {0};
    int shape[4] = {n};
    for (int k = 0; k < s->ndim; k++)
        shape[k + 1] = s->d[k];
    ae_tensor_set_shape(&t, s->ndim + 1, shape);
    t.data = data;
    return t;
}

ae_param *zoo_param(zoo_exp *z, const char *layer, const char *what)
{
    char name[256];
    snprintf(name, sizeof name, "%s/%s", layer, what);
    ae_param *p = ae_params_find(&z->model.params, name);
    cr_assert_not_null(p, "no parameter %s", name);
    return p;
}

bool zoo_under_valgrind(void)
{
#ifdef RUNNING_ON_VALGRIND
    if (RUNNING_ON_VALGRIND)
        return true;
#endif
    const char *preload = getenv("LD_PRELOAD");
    return preload && strstr(preload, "vgpreload") != NULL;
}

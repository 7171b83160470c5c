/* Helpers shared by the config suites. */
#ifndef AELAB_TESTS_CONFIG_UTIL_H
#define AELAB_TESTS_CONFIG_UTIL_H

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/cfg.h"
#include "core/error.h"

/* Diagnostics as ae_diags_print writes them. Caller frees. */
static inline char *cfgt_diags_text(const ae_diags *d)
{
    char *buf = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&buf, &n);
    cr_assert_not_null(f);
    ae_diags_print(d, f);
    fclose(f);
    return buf;
}

/* Loads text that must fail; returns the printed diagnostics. Caller frees. */
static inline char *cfgt_load_errors(const char *text, const char *pseudo)
{
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_doc *doc = (ae_cfg_doc *)1;
    int rc = ae_cfg_load_string(text, pseudo, &doc, &d);
    cr_assert_eq(rc, -1, "expected %s to fail to load", pseudo);
    cr_assert_null(doc);
    cr_assert_gt(d.count, 0);
    char *out = cfgt_diags_text(&d);
    ae_diags_free(&d);
    return out;
}

/* Loads text that must succeed. */
static inline ae_cfg_doc *cfgt_load_ok(const char *text)
{
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_doc *doc = NULL;
    int rc = ae_cfg_load_string(text, "test.yaml", &doc, &d);
    if (rc != 0) {
        char *msg = cfgt_diags_text(&d);
        cr_assert_fail("unexpected errors:\n%s", msg);
    }
    cr_assert_not_null(doc);
    ae_diags_free(&d);
    return doc;
}

/* Writes dir/name, creating the intermediate directories of name. */
static inline void cfgt_write(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
        *s = '\0';
        cr_assert(mkdir(path, 0755) == 0 || errno == EEXIST);
        *s = '/';
    }
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

#endif

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ae_code ae_error_set(ae_error *err, ae_code code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

ae_code ae_error_prefix(ae_error *err, const char *fmt, ...)
{
    if (!err)
        return AE_ERR_INTERNAL;
    char prefix[AE_ERROR_MSG_MAX], old[AE_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
    return err->code;
}

void ae_error_clear(ae_error *err)
{
    if (err) {
        err->code = AE_OK;
        err->msg[0] = '\0';
    }
}

void ae_diags_init(ae_diags *d)
{
    d->items = NULL;
    d->count = d->cap = 0;
}

void ae_diags_free(ae_diags *d)
{
    for (size_t i = 0; i < d->count; i++) {
        free(d->items[i].file);
        free(d->items[i].msg);
    }
    free(d->items);
    ae_diags_init(d);
}

void ae_diags_vadd(ae_diags *d, const char *file, int line, int col, const char *fmt, va_list ap)
{
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        ae_diag *items = realloc(d->items, cap * sizeof *items);
        if (!items)
            return;
        d->items = items;
        d->cap = cap;
    }
    char buf[AE_ERROR_MSG_MAX];
    vsnprintf(buf, sizeof buf, fmt, ap);
    ae_diag *g = &d->items[d->count];
    g->file = file ? strdup(file) : NULL;
    g->line = line;
    g->col = col;
    g->msg = strdup(buf);
    if (!g->msg) {
        free(g->file);
        return;
    }
    d->count++;
}

void ae_diags_add(ae_diags *d, const char *file, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ae_diags_vadd(d, file, line, col, fmt, ap);
    va_end(ap);
}

void ae_diags_print(const ae_diags *d, void *stream)
{
    FILE *out = stream;
    for (size_t i = 0; i < d->count; i++) {
        const ae_diag *g = &d->items[i];
        if (g->line > 0)
            fprintf(out, "%s:%d:%d: error: %s\n", g->file ? g->file : "<command line>", g->line,
                    g->col, g->msg);
        else
            fprintf(out, "%s: error: %s\n", g->file ? g->file : "<command line>", g->msg);
    }
}

/* Errors are values: library code fills an ae_error and returns a status;
 * only the command line prints and chooses an exit code. */
#ifndef AELAB_CORE_ERROR_H
#define AELAB_CORE_ERROR_H

#include <stdarg.h>
#include <stddef.h>

typedef enum ae_code {
    AE_OK = 0,
    AE_ERR_NOMEM,     /* allocation failed */
    AE_ERR_IO,        /* a file could not be read or written */
    AE_ERR_FORMAT,    /* a file's contents are malformed (IDX, CIFAR, HDF5, ...) */
    AE_ERR_CONFIG,    /* the experiment description is invalid */
    AE_ERR_SHAPE,     /* tensor shapes do not agree */
    AE_ERR_DIVERGED,  /* NaN or Inf in a loss or parameter */
    AE_ERR_INTERRUPTED,
    AE_ERR_INTERNAL
} ae_code;

enum { AE_ERROR_MSG_MAX = 1024 };

typedef struct ae_error {
    ae_code code;
    char msg[AE_ERROR_MSG_MAX];
} ae_error;

/* Records code and a printf-style message; returns code so callers can
 * `return ae_error_set(err, AE_ERR_IO, "...")`. err may be NULL. */
ae_code ae_error_set(ae_error *err, ae_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "context: " to an existing message (e.g. the file name). */
ae_code ae_error_prefix(ae_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void ae_error_clear(ae_error *err);

/* ---- diagnostics: many located errors at once (configs report all of a file) ---- */

typedef struct ae_diag {
    char *file;   /* owned copy; may be NULL for command-line sources */
    int line;     /* 1-based; 0 when unknown */
    int col;      /* 1-based; 0 when unknown */
    char *msg;    /* owned */
} ae_diag;

typedef struct ae_diags {
    ae_diag *items;
    size_t count, cap;
} ae_diags;

void ae_diags_init(ae_diags *d);
void ae_diags_free(ae_diags *d);
/* Adds "file:line:col: message". Allocation failure drops the diagnostic but
 * keeps the count of errors honest through d->count of what was recorded. */
void ae_diags_add(ae_diags *d, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void ae_diags_vadd(ae_diags *d, const char *file, int line, int col, const char *fmt, va_list ap);
/* Writes each diagnostic as "file:line:col: error: message\n". */
void ae_diags_print(const ae_diags *d, void *stream /* FILE* */);

#endif

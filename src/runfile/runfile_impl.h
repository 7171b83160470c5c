/* Private to src/runfile: the in-memory run file, shared by the accessors,
 * the saver and the loader. Everything is owned by the ae_runfile. */
#ifndef AELAB_RUNFILE_RUNFILE_IMPL_H
#define AELAB_RUNFILE_RUNFILE_IMPL_H

#include "runfile/runfile.h"

typedef struct rf_attr {
    char *key;
    bool is_int;
    char *str; /* when !is_int */
    int64_t num;
} rf_attr;

typedef struct rf_series {
    char *name;
    double *v;
    size_t n, cap;
} rf_series;

typedef struct rf_phase {
    char *name;
    rf_series *series;
    size_t count, cap;
} rf_phase;

typedef enum rf_kind { RF_F32, RF_U64 } rf_kind;

/* A checkpoint dataset: a float32 tensor or a 1-D uint64 array. */
typedef struct rf_array {
    char *name;
    rf_kind kind;
    int ndim;
    int64_t shape[AE_RUNFILE_MAX_DIMS]; /* unused dims are 1 */
    size_t numel;
    void *data; /* float or uint64_t */
} rf_array;

typedef struct rf_int {
    char *name;
    int64_t v;
} rf_int;

struct ae_runfile {
    rf_attr *attrs;
    size_t nattrs, cattrs;
    char *yaml, *sha256;
    rf_phase *phases;
    size_t nphases, cphases;
    rf_array *arrays;
    size_t narrays, carrays;
    rf_int *ints;
    size_t nints, cints;
    bool has_pos;
    char *pos_phase;
    int64_t pos_epoch;
};

/* Returns items grown (realloc) so that count + 1 elements of `size` bytes fit,
 * updating *cap; NULL when out of memory (items and *cap unchanged). */
void *ae_rf_grow(void *items, size_t *cap, size_t count, size_t size);
/* Name checks shared with the loader: a key (any bytes but NUL, no '/' when
 * !allow_slash) of 1..AE_RUNFILE_NAME_MAX bytes; with slashes, no component
 * may be empty, "." or "..". */
bool ae_rf_valid_name(const char *name, bool allow_slash);
/* true when one of a, b is a proper path prefix of the other ("a" and "a/b"). */
bool ae_rf_path_collides(const char *a, const char *b);

/* Adds an array taking ownership of data (freed on failure). */
int ae_rf_add_array(ae_runfile *rf, const char *name, rf_kind kind, int ndim, const int64_t *shape,
                 void *data);
/* The series, created when absent; NULL on failure with *code set. */
rf_series *ae_rf_series_get(ae_runfile *rf, const char *phase, const char *name, int *code);
/* Takes ownership of v (n values, capacity n); replaces any existing series. */
int ae_rf_series_adopt(ae_runfile *rf, const char *phase, const char *name, double *v, size_t n);

#endif

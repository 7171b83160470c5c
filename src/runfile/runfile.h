/* The aelab run file: results/<experiment>/<run-id>/run.h5.
 *
 * A run file is a pure function of an in-memory ae_runfile: provenance
 * attributes, the resolved config, per-epoch metrics and the latest checkpoint.
 * ae_runfile_save writes the whole file to a temporary sibling, fsyncs it and
 * renames it over the target, so a crash or kill -9 at any instant leaves the
 * previous complete file. The trainer saves after every epoch. The layout is
 * documented in docs/run-file.md.
 *
 * Ownership: an ae_runfile owns copies of everything given to it; pointers
 * returned by accessors point into it and stay valid until the next call that
 * changes the same item (put/append/clear) or ae_runfile_free. Not thread-safe:
 * one thread per ae_runfile.
 *
 * Mutators return AE_OK or an ae_code:
 *   AE_ERR_NOMEM  allocation failed
 *   AE_ERR_CONFIG a name is NULL, empty, longer than AE_RUNFILE_NAME_MAX,
 *                 reserved, has an empty, "." or ".." path component, or
 *                 collides with another name's path (a tensor "enc" and a
 *                 tensor "enc/W" cannot coexist); a string is NULL or longer
 *                 than AE_RUNFILE_MAX_STRING; an epoch is >= AE_RUNFILE_MAX_EPOCHS
 *   AE_ERR_SHAPE  a tensor has ndim outside [1, 4], a dimension < 1, or more
 *                 than AE_RUNFILE_MAX_ELEMS elements */
#ifndef AELAB_RUNFILE_RUNFILE_H
#define AELAB_RUNFILE_RUNFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

enum {
    AE_RUNFILE_FORMAT_VERSION = 1,
    AE_RUNFILE_NAME_MAX = 255, /* bytes in any key, name or slash-separated path */
    AE_RUNFILE_MAX_DIMS = 4
};
/* Caps that also bound what the loader accepts from a file. */
#define AE_RUNFILE_MAX_ELEMS ((int64_t)1 << 28)        /* per tensor or array: 1 GiB of float32 */
#define AE_RUNFILE_MAX_EPOCHS ((size_t)1 << 24)        /* per metric series */
#define AE_RUNFILE_MAX_STRING ((size_t)64 << 20)       /* per string attribute (config YAML) */

typedef struct ae_runfile ae_runfile;

/* NULL when out of memory. Free with ae_runfile_free (NULL is fine). */
ae_runfile *ae_runfile_new(void);
void ae_runfile_free(ae_runfile *rf);

/* ---- provenance: attributes on the root group ----
 * One namespace for string and integer attributes: setting a key replaces its
 * previous value, whatever its type. "format" and "format_version" are
 * reserved (written by save). Order of first insertion is kept. */
int ae_runfile_set_attr(ae_runfile *rf, const char *key, const char *value);
int ae_runfile_set_attr_int(ae_runfile *rf, const char *key, int64_t value);
/* The string value, or NULL when absent or an integer. */
const char *ae_runfile_attr(const ae_runfile *rf, const char *key);
/* AE_OK and *out, or AE_ERR_CONFIG when absent or a string. */
int ae_runfile_attr_int(const ae_runfile *rf, const char *key, int64_t *out);
size_t ae_runfile_attr_count(const ae_runfile *rf);
/* Key of attribute i (< count); *is_int tells its type (is_int may be NULL). */
const char *ae_runfile_attr_key_at(const ae_runfile *rf, size_t i, bool *is_int);

/* ---- resolved config: YAML text and its sha256 in hex ----
 * Both are copied; both non-NULL. */
int ae_runfile_set_config(ae_runfile *rf, const char *yaml_text, const char *sha256_hex);
/* NULL when no config was set. */
const char *ae_runfile_config_yaml(const ae_runfile *rf);
const char *ae_runfile_config_sha256(const ae_runfile *rf);

/* ---- metrics: per phase, per name, one double per epoch ----
 * Phase names have no '/'; metric names may ("train/loss", "val/loss"),
 * becoming nested groups in the file. Series of one phase are aligned by
 * epoch: index e of every series is epoch e of that phase. Missing values are
 * NaN; in the file every series of a phase is padded with NaN to the phase's
 * epoch count, so after a load they all have the same length. */
/* Appends at the end of the series (its own length), creating phase and series. */
int ae_runfile_append_metric(ae_runfile *rf, const char *phase, const char *name, double value);
/* Sets epoch `epoch` of the series, padding a gap with NaN; overwrites an existing value. */
int ae_runfile_put_metric(ae_runfile *rf, const char *phase, const char *name, size_t epoch,
                          double value);
/* The series and its length in *n (n may be NULL); NULL (and *n = 0) when absent. */
const double *ae_runfile_metric(const ae_runfile *rf, const char *phase, const char *name,
                                size_t *n);
size_t ae_runfile_metric_len(const ae_runfile *rf, const char *phase, const char *name);
/* The phase's epoch count: the longest of its series (0 when absent). */
size_t ae_runfile_metric_epochs(const ae_runfile *rf, const char *phase);
/* Cuts every series of the phase to at most n epochs (for resuming from a checkpoint). */
void ae_runfile_metric_truncate(ae_runfile *rf, const char *phase, size_t n);
/* Enumeration in insertion order (after a load: file order, depth first). */
size_t ae_runfile_phase_count(const ae_runfile *rf);
const char *ae_runfile_phase_at(const ae_runfile *rf, size_t i);
size_t ae_runfile_metric_count(const ae_runfile *rf, const char *phase);
const char *ae_runfile_metric_name_at(const ae_runfile *rf, const char *phase, size_t i);

/* ---- checkpoint: the latest one only ----
 * Named float32 tensors (1-4 dims) and uint64 arrays (RNG positions) share one
 * slash-separated namespace ("params/enc/W", "optim/enc/W/m", "rng/shuffle")
 * that becomes nested groups under /checkpoint. Named int64 scalars are
 * attributes of /checkpoint; "phase" and "epoch" are reserved for the
 * position. Putting an existing name replaces it (its type and shape too). */
int ae_runfile_ckpt_put_tensor(ae_runfile *rf, const char *name, int ndim, const int64_t *shape,
                               const float *data);
/* The data (row-major), *ndim and shape (unused dims set to 1); NULL when absent. */
const float *ae_runfile_ckpt_tensor(const ae_runfile *rf, const char *name, int *ndim,
                                    int64_t shape[AE_RUNFILE_MAX_DIMS]);
size_t ae_runfile_ckpt_count(const ae_runfile *rf);              /* tensors only */
const char *ae_runfile_ckpt_name_at(const ae_runfile *rf, size_t i);

int ae_runfile_ckpt_put_u64(ae_runfile *rf, const char *name, size_t n, const uint64_t *data);
/* NULL (and *n = 0) when absent. */
const uint64_t *ae_runfile_ckpt_u64(const ae_runfile *rf, const char *name, size_t *n);
size_t ae_runfile_ckpt_u64_count(const ae_runfile *rf);
const char *ae_runfile_ckpt_u64_name_at(const ae_runfile *rf, size_t i);

int ae_runfile_ckpt_put_int(ae_runfile *rf, const char *name, int64_t value);
/* AE_OK and *out, or AE_ERR_CONFIG when absent. */
int ae_runfile_ckpt_int(const ae_runfile *rf, const char *name, int64_t *out);
size_t ae_runfile_ckpt_int_count(const ae_runfile *rf);
const char *ae_runfile_ckpt_int_name_at(const ae_runfile *rf, size_t i);

/* Where the checkpoint was taken: after `epoch` epochs of `phase` (no '/'). */
int ae_runfile_ckpt_set_position(ae_runfile *rf, const char *phase, int64_t epoch);
/* true and the position when one was set; phase may be NULL. */
bool ae_runfile_ckpt_position(const ae_runfile *rf, const char **phase, int64_t *epoch);
/* Drops every tensor, array, int and the position. */
void ae_runfile_ckpt_clear(ae_runfile *rf);

/* ---- I/O ----
 * save: writes the whole file to "<dir>/.<base>.tmp-<pid>", fsyncs it, renames
 * it over path and fsyncs the directory; on failure the previous file is
 * untouched and the temporary is removed. One saver per path at a time; a save also
 * removes the temporaries of savers killed mid-save (pids no longer running).
 * load: reads everything back; *out = NULL on failure. The file is untrusted:
 * anything malformed, truncated, oversized or not an aelab run (root attribute
 * format = "aelab-run", format_version = 1) is an AE_ERR_FORMAT error, missing
 * or unreadable files AE_ERR_IO. Error messages name the file (and the object).
 * Both silence HDF5's error printing for their duration and restore it after. */
int ae_runfile_save(const ae_runfile *rf, const char *path, ae_error *err);
int ae_runfile_load(const char *path, ae_runfile **out, ae_error *err);

#endif

/* Small HDF5 helpers private to src/runfile (the only module that includes hdf5.h
 * besides the data module's sequence loader).
 *
 * Conventions: functions returning hid_t give H5I_INVALID_HID on failure;
 * functions returning int give AE_OK or an ae_code with err filled as
 * "<path>: <what>: <HDF5's innermost description>". */
#ifndef AELAB_RUNFILE_H5UTIL_H
#define AELAB_RUNFILE_H5UTIL_H

#include <hdf5.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/error.h"
#include "runfile/runfile.h"

/* The caller's automatic error printer, saved so it can be restored: library
 * code silences HDF5 for the duration of one call and puts it back after. */
typedef struct ae_h5_quiet {
    H5E_auto2_t func;
    void *data;
} ae_h5_quiet;

void ae_h5_quiet_begin(ae_h5_quiet *q);
void ae_h5_quiet_end(const ae_h5_quiet *q);

/* Fills err with "<path>: <printf message>" plus, when HDF5 recorded one, ": <its
 * innermost error description>", then clears HDF5's error stack. Returns code. */
ae_code ae_h5_fail(ae_error *err, ae_code code, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Closes id by its type when valid and resets it to H5I_INVALID_HID. */
void ae_h5_close(hid_t *id);

/* Scalar attributes. Writers return a negative value on failure (HDF5 style). */
herr_t ae_h5_write_attr_str(hid_t obj, const char *name, const char *value);
herr_t ae_h5_write_attr_i64(hid_t obj, const char *name, int64_t value);

/* What a stored attribute holds: a single string, a single integer, or other. */
typedef enum ae_h5_attr_kind { AE_H5_ATTR_OTHER, AE_H5_ATTR_STR, AE_H5_ATTR_INT } ae_h5_attr_kind;
ae_h5_attr_kind ae_h5_attr_kind_of(hid_t attr);
/* Reads a string attribute (variable or fixed length, at most AE_RUNFILE_MAX_STRING
 * bytes) into a malloc'ed copy (*out; caller frees with free). */
int ae_h5_read_attr_str(hid_t attr, char **out, const char *path, const char *what,
                        ae_error *err);
int ae_h5_read_attr_i64(hid_t attr, int64_t *out, const char *path, const char *what,
                        ae_error *err);

/* A group creation property list that tracks link and attribute creation order,
 * so readers list things in the order they were written, and stores no
 * modification times, so saving the same run twice gives identical bytes.
 * Caller closes. */
hid_t ae_h5_ordered_gcpl(void);
/* A dataset creation property list without modification times (see above). */
hid_t ae_h5_untimed_dcpl(void);
/* The index to iterate obj's links (attrs when for_attrs) by: creation order when
 * tracked, else name. */
H5_index_t ae_h5_iter_index(hid_t group, bool for_attrs);

/* Creates the groups of a slash-separated path below loc, except the last
 * component, reusing existing ones; returns the parent group (caller closes) and
 * sets *leaf to the last component inside path. */
hid_t ae_h5_make_parents(hid_t loc, const char *path, hid_t gcpl, const char **leaf);

/* Opens the object at slash-separated `name` below loc, following hard links
 * only: an untrusted file must not send us to other files or paths. */
int ae_h5_open_hard_path(hid_t loc, const char *name, hid_t *obj, const char *path,
                         ae_error *err);

/* Refuses a dataset whose recorded storage exceeds the file, and a contiguous
 * one whose stored bytes are fewer than need_bytes: a truncated or forged file
 * claiming a huge extent is rejected before anything is allocated. */
int ae_h5_check_storage(hid_t dset, uint64_t need_bytes, const char *path, const char *what,
                        ae_error *err);

/* Reads the shape of dset's simple dataspace: 1..max_ndim dimensions, each
 * >= min_dim, at most max_elems elements in all; unused shape entries are 1. */
int ae_h5_read_shape(hid_t dset, int max_ndim, hsize_t min_dim, int64_t max_elems, int *ndim,
                     int64_t shape[AE_RUNFILE_MAX_DIMS], int64_t *numel, const char *path,
                     const char *what, ae_error *err);
/* Reads all numel elements of dset converted to mem_type (elem bytes each) into a
 * new buffer (*out; caller frees with free; NULL when numel is 0), after the
 * storage check above. */
int ae_h5_read_whole(hid_t dset, hid_t mem_type, size_t elem, int64_t numel, void **out,
                     const char *path, const char *what, ae_error *err);

/* ---- atomic files: write to a temporary sibling, then rename ---- */

typedef struct ae_h5_atomic {
    char *path; /* target (owned copy) */
    char *tmp;  /* "<dir>/.<base>.tmp-<pid>" (owned) */
    char *dir;  /* directory to fsync after the rename (owned) */
} ae_h5_atomic;

/* Checks the target's directory exists, then creates the temporary file as *file
 * (its root group tracks creation order). On failure *file is H5I_INVALID_HID
 * and a holds nothing to free. */
int ae_h5_atomic_create(ae_h5_atomic *a, const char *path, hid_t *file, ae_error *err);
/* Closes *file, fsyncs the temporary, renames it over the target and fsyncs the
 * directory. On failure the temporary is removed. Always frees a's strings. */
int ae_h5_atomic_commit(ae_h5_atomic *a, hid_t *file, ae_error *err);
/* Closes *file (when valid), removes the temporary, frees a's strings. */
void ae_h5_atomic_abort(ae_h5_atomic *a, hid_t *file);

/* Opens an existing file read-only into *file after checking it exists and is HDF5; errors
 * say which ("No such file or directory", "not an HDF5 file", "truncated ..."). */
int ae_h5_open_read(const char *path, hid_t *file, ae_error *err);

/* Walks every global heap collection (where variable-length strings live) the
 * way HDF5 will, refusing the file when one would be mis-decoded: HDF5 1.10
 * trusts the sizes stored there and crashes or hangs on corrupt ones. Call
 * after opening and before reading any string. See h5heapcheck.c. */
int ae_h5_check_global_heaps(const char *path, hid_t file, ae_error *err);

#endif

/* Plain HDF5 files besides the run file: one float32 tensor per file (with
 * optional int32 labels), written atomically like the run file, for
 * `aelab encode | reconstruct | generate` and sweep manifests; and the HDF5
 * library version for provenance. Errors name the file. */
#ifndef AELAB_RUNFILE_H5FILE_H
#define AELAB_RUNFILE_H5FILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Writes a new file at path (replacing any) holding `dataset` (a slash-separated
 * name, e.g. "codes" or "recon/images"): a float32 tensor of ndim in [1, 4]
 * dimensions, each >= 1, row-major. labels, when not NULL, has shape[0] values
 * stored as the int32 dataset "labels" (so `dataset` may not be "labels"). The
 * file is written to "<dir>/.<base>.tmp-<pid>" and renamed into place. */
int ae_h5_write_tensor_file(const char *path, const char *dataset, int ndim, const int64_t *shape,
                            const float *data, const int32_t *labels, ae_error *err);

/* Reads a float dataset of 1..4 dimensions (any float type, converted) into
 * *data (caller frees with free), *ndim and shape (unused dims set to 1). */
int ae_h5_read_tensor_file(const char *path, const char *dataset, int *ndim, int64_t shape[4],
                           float **data, ae_error *err);

/* Reads the 1-D integer dataset "labels" into *labels (caller frees with free). */
int ae_h5_read_labels_file(const char *path, int64_t *n, int32_t **labels, ae_error *err);

/* The linked HDF5 library version, e.g. "1.10.8". */
void ae_h5_version_string(char *out, size_t size);

#endif

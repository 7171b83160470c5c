/* User sequences from an HDF5 dataset of shape N×T×F (or N×T, read as F=1).
 *
 * HDF5 converts any integer or float type to native float on read. Automatic
 * error printing is switched off (H5Eset_auto2) so that a missing dataset or a
 * foreign file becomes an error value here, not text on stderr. */
#include "data/data.h"
#include "data/io.h"

#include <hdf5.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

static const char *h5_class_name(H5T_class_t c)
{
    switch (c) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "float";
    case H5T_STRING: return "string";
    case H5T_BITFIELD: return "bitfield";
    case H5T_OPAQUE: return "opaque";
    case H5T_COMPOUND: return "compound";
    case H5T_REFERENCE: return "reference";
    case H5T_ENUM: return "enum";
    case H5T_VLEN: return "variable-length";
    case H5T_ARRAY: return "array";
    default: return "unknown";
    }
}

/* Reads the selected leading `keep` samples into out (already allocated). */
static int h5_read_rows(const char *path, const char *name, hid_t dset, hid_t space,
                        const hsize_t *dims, int rank, size_t keep, ae_dataset *out,
                        ae_error *err)
{
    hsize_t start[3] = {0, 0, 0}, count[3] = {keep, dims[1], rank == 3 ? dims[2] : 1};
    if (H5Sselect_hyperslab(space, H5S_SELECT_SET, start, NULL, count, NULL) < 0)
        return ae_error_set(err, AE_ERR_FORMAT, "%s: dataset '%s': cannot select %zu samples",
                            path, name, keep);
    hid_t mem = H5Screate_simple(rank, count, NULL);
    if (mem < 0)
        return ae_error_set(err, AE_ERR_NOMEM, "%s: dataset '%s': cannot describe memory",
                            path, name);
    herr_t st = H5Dread(dset, H5T_NATIVE_FLOAT, mem, space, H5P_DEFAULT, out->x);
    H5Sclose(mem);
    if (st < 0)
        return ae_error_set(err, AE_ERR_FORMAT,
                            "%s: dataset '%s': read failed (corrupt file, or values not "
                            "convertible to float)",
                            path, name);
    return AE_OK;
}

int ae_h5seq_load(const char *path, const char *dataset_name, size_t limit, ae_dataset *out,
                  ae_error *err)
{
    memset(out, 0, sizeof *out);
    /* Clear errors for the usual cases before HDF5 sees the path. */
    int fd;
    off_t size;
    int rc = ae_data_open_regular(path, &fd, &size, err);
    if (rc)
        return rc;
    close(fd);
    if (size == 0)
        return ae_error_set(err, AE_ERR_FORMAT, "%s: empty file", path);
    if (!dataset_name || !*dataset_name)
        return ae_error_set(err, AE_ERR_CONFIG, "%s: no dataset name given", path);

    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0)
        return ae_error_set(err, AE_ERR_FORMAT, "%s: not an HDF5 file", path);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return ae_error_set(err, AE_ERR_IO, "%s: cannot open as HDF5 (corrupt or locked?)",
                            path);
    hid_t dset = -1, space = -1, type = -1;
    /* H5Lexists fails (< 0) when an intermediate group is missing: same answer. */
    if (H5Lexists(file, dataset_name, H5P_DEFAULT) <= 0) {
        rc = ae_error_set(err, AE_ERR_FORMAT, "%s: no dataset named '%s'", path, dataset_name);
        goto done;
    }
    dset = H5Dopen2(file, dataset_name, H5P_DEFAULT);
    if (dset < 0) {
        rc = ae_error_set(err, AE_ERR_FORMAT, "%s: '%s' is not a dataset (a group?)", path,
                          dataset_name);
        goto done;
    }
    type = H5Dget_type(dset);
    H5T_class_t cls = type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
    if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
        rc = ae_error_set(err, AE_ERR_FORMAT,
                          "%s: dataset '%s' holds %s values; expected numbers (integer or "
                          "float)",
                          path, dataset_name, h5_class_name(cls));
        goto done;
    }
    space = H5Dget_space(dset);
    int rank = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    hsize_t dims[3] = {0, 0, 1};
    if (rank != 2 && rank != 3) {
        rc = ae_error_set(err, AE_ERR_SHAPE,
                          "%s: dataset '%s' has %d dimensions; expected 3 (N×T×F) or 2 (N×T)",
                          path, dataset_name, rank);
        goto done;
    }
    H5Sget_simple_extent_dims(space, dims, NULL);
    if (dims[0] < 1 || dims[0] > AE_DATA_MAX_SAMPLES || dims[1] < 1 ||
        dims[1] > AE_DATA_MAX_STEPS || dims[2] < 1 || dims[2] > AE_DATA_MAX_FEATURES) {
        rc = ae_error_set(err, AE_ERR_SHAPE,
                          "%s: dataset '%s' has shape %llu×%llu×%llu; allowed 1..%zu sequences "
                          "of 1..%d steps × 1..%d features",
                          path, dataset_name, (unsigned long long)dims[0],
                          (unsigned long long)dims[1], (unsigned long long)dims[2],
                          AE_DATA_MAX_SAMPLES, AE_DATA_MAX_STEPS, AE_DATA_MAX_FEATURES);
        goto done;
    }
    size_t n = (size_t)dims[0];
    size_t keep = limit && limit < n ? limit : n;
    char what[1200];
    snprintf(what, sizeof what, "%s: dataset '%s'", path, dataset_name);
    if ((rc = ae_dataset_alloc(out, keep, 1, (int)dims[1], (int)dims[2], 0, what, err)))
        goto done;
    if ((rc = h5_read_rows(path, dataset_name, dset, space, dims, rank, keep, out, err)))
        goto done;
    size_t per = ae_dataset_sample_size(out);
    for (size_t i = 0; i < keep * per; i++)
        if (!isfinite(out->x[i])) {
            size_t s = i / per, t = i % per / (size_t)out->w, f = i % (size_t)out->w;
            rc = ae_error_set(err, AE_ERR_FORMAT,
                              "%s: dataset '%s': value at [%zu][%zu][%zu] is not finite (%g)",
                              path, dataset_name, s, t, f, (double)out->x[i]);
            goto done;
        }
done:
    if (space >= 0)
        H5Sclose(space);
    if (type >= 0)
        H5Tclose(type);
    if (dset >= 0)
        H5Dclose(dset);
    H5Fclose(file);
    if (rc)
        ae_dataset_free(out);
    return rc;
}

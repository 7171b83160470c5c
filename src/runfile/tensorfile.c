/* One-tensor HDF5 files (see h5file.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runfile/h5file.h"
#include "runfile/h5util.h"
#include "runfile/runfile_impl.h"

static int write_dataset(hid_t file, const char *path, const char *name, hid_t file_type,
                         hid_t mem_type, int ndim, const hsize_t *dims, const void *data,
                         ae_error *err)
{
    const char *leaf = NULL;
    hid_t gcpl = ae_h5_ordered_gcpl(), dcpl = ae_h5_untimed_dcpl();
    hid_t parent = gcpl >= 0 ? ae_h5_make_parents(file, name, gcpl, &leaf) : H5I_INVALID_HID;
    hid_t space = H5Screate_simple(ndim, dims, NULL), dset = H5I_INVALID_HID;
    if (parent >= 0 && space >= 0 && dcpl >= 0)
        dset = H5Dcreate2(parent, leaf, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    int code = AE_OK;
    if (dset < 0 || H5Dwrite(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        code = ae_h5_fail(err, AE_ERR_IO, path, "cannot write dataset %s", name);
    ae_h5_close(&dset);
    ae_h5_close(&space);
    ae_h5_close(&parent);
    ae_h5_close(&dcpl);
    ae_h5_close(&gcpl);
    return code;
}

int ae_h5_write_tensor_file(const char *path, const char *dataset, int ndim, const int64_t *shape,
                            const float *data, const int32_t *labels, ae_error *err)
{
    if (!ae_rf_valid_name(dataset, true) || (labels && strcmp(dataset, "labels") == 0))
        return ae_error_set(err, AE_ERR_CONFIG, "%s: invalid dataset name '%s'", path,
                            dataset ? dataset : "(null)");
    if (ndim < 1 || ndim > AE_RUNFILE_MAX_DIMS || !shape || !data)
        return ae_error_set(err, AE_ERR_SHAPE, "%s: %s: a tensor needs 1 to 4 dimensions", path,
                            dataset);
    hsize_t dims[AE_RUNFILE_MAX_DIMS];
    int64_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 1 || shape[d] > AE_RUNFILE_MAX_ELEMS / numel)
            return ae_error_set(err, AE_ERR_SHAPE, "%s: %s: dimension %d of size %lld is invalid",
                                path, dataset, d, (long long)shape[d]);
        numel *= shape[d];
        dims[d] = (hsize_t)shape[d];
    }
    ae_h5_quiet quiet;
    ae_h5_quiet_begin(&quiet);
    ae_h5_atomic atomic;
    hid_t file = H5I_INVALID_HID;
    int code = ae_h5_atomic_create(&atomic, path, &file, err);
    if (code == AE_OK)
        code = write_dataset(file, path, dataset, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, ndim, dims,
                             data, err);
    if (code == AE_OK && labels)
        code = write_dataset(file, path, "labels", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, dims,
                             labels, err);
    if (code == AE_OK)
        code = ae_h5_atomic_commit(&atomic, &file, err);
    else if (file >= 0)
        ae_h5_atomic_abort(&atomic, &file);
    ae_h5_quiet_end(&quiet);
    return code;
}

/* Opens dataset `name` of a file opened with ae_h5_open_read. */
static int open_dataset(hid_t file, const char *path, const char *name, hid_t *dset,
                        ae_error *err)
{
    int code = ae_h5_open_hard_path(file, name, dset, path, err);
    if (code == AE_OK && H5Iget_type(*dset) != H5I_DATASET) {
        ae_h5_close(dset);
        code = ae_error_set(err, AE_ERR_FORMAT, "%s: %s is not a dataset", path, name);
    }
    return code;
}

static H5T_class_t type_class(hid_t dset)
{
    hid_t t = H5Dget_type(dset);
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    ae_h5_close(&t);
    return cls;
}

int ae_h5_read_tensor_file(const char *path, const char *dataset, int *ndim, int64_t shape[4],
                           float **data, ae_error *err)
{
    ae_h5_quiet quiet;
    ae_h5_quiet_begin(&quiet);
    hid_t file = H5I_INVALID_HID, dset = H5I_INVALID_HID;
    int64_t numel = 0;
    void *buf = NULL;
    *data = NULL;
    int code = ae_h5_open_read(path, &file, err);
    if (code == AE_OK)
        code = open_dataset(file, path, dataset, &dset, err);
    if (code == AE_OK && type_class(dset) != H5T_FLOAT)
        code = ae_error_set(err, AE_ERR_FORMAT, "%s: dataset %s is not floating-point", path,
                            dataset);
    if (code == AE_OK)
        code = ae_h5_read_shape(dset, AE_RUNFILE_MAX_DIMS, 1, AE_RUNFILE_MAX_ELEMS, ndim, shape,
                                &numel, path, dataset, err);
    if (code == AE_OK)
        code = ae_h5_read_whole(dset, H5T_NATIVE_FLOAT, sizeof(float), numel, &buf, path,
                                dataset, err);
    if (code == AE_OK)
        *data = buf;
    ae_h5_close(&dset);
    ae_h5_close(&file);
    ae_h5_quiet_end(&quiet);
    return code;
}

int ae_h5_read_labels_file(const char *path, int64_t *n, int32_t **labels, ae_error *err)
{
    ae_h5_quiet quiet;
    ae_h5_quiet_begin(&quiet);
    hid_t file = H5I_INVALID_HID, dset = H5I_INVALID_HID;
    int ndim = 0;
    int64_t shape[AE_RUNFILE_MAX_DIMS], numel = 0;
    void *buf = NULL;
    *labels = NULL;
    *n = 0;
    int code = ae_h5_open_read(path, &file, err);
    if (code == AE_OK)
        code = open_dataset(file, path, "labels", &dset, err);
    if (code == AE_OK && type_class(dset) != H5T_INTEGER)
        code = ae_error_set(err, AE_ERR_FORMAT, "%s: dataset labels is not integer", path);
    if (code == AE_OK)
        code = ae_h5_read_shape(dset, 1, 1, AE_RUNFILE_MAX_ELEMS, &ndim, shape, &numel, path,
                                "labels", err);
    if (code == AE_OK)
        code = ae_h5_read_whole(dset, H5T_NATIVE_INT32, sizeof(int32_t), numel, &buf, path,
                                "labels", err);
    if (code == AE_OK) {
        *labels = buf;
        *n = numel;
    }
    ae_h5_close(&dset);
    ae_h5_close(&file);
    ae_h5_quiet_end(&quiet);
    return code;
}

void ae_h5_version_string(char *out, size_t size)
{
    unsigned maj = 0, min = 0, rel = 0;
    H5get_libversion(&maj, &min, &rel);
    snprintf(out, size, "%u.%u.%u", maj, min, rel);
}

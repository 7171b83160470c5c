/* Reading untrusted HDF5 objects: hard-link-only paths, storage and shape
 * checks before allocating, whole-dataset reads. */
#include <stdlib.h>
#include <string.h>

#include "runfile/h5util.h"

int ae_h5_open_hard_path(hid_t loc, const char *name, hid_t *obj, const char *path,
                         ae_error *err)
{
    hid_t cur = H5Gopen2(loc, ".", H5P_DEFAULT);
    const char *c = name;
    int code = AE_OK;
    *obj = H5I_INVALID_HID;
    if (cur < 0)
        return ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot open %s", name);
    while (code == AE_OK) {
        char comp[AE_RUNFILE_NAME_MAX + 1];
        const char *slash = strchr(c, '/');
        size_t n = slash ? (size_t)(slash - c) : strlen(c);
        H5L_info_t li;
        if (n == 0 || n > AE_RUNFILE_NAME_MAX) {
            code = ae_error_set(err, AE_ERR_FORMAT, "%s: invalid object name %s", path, name);
            break;
        }
        memcpy(comp, c, n);
        comp[n] = '\0';
        htri_t exists = H5Lexists(cur, comp, H5P_DEFAULT);
        if (exists == 0)
            code = ae_error_set(err, AE_ERR_FORMAT, "%s: %s does not exist", path, name);
        else if (exists < 0 || H5Lget_info(cur, comp, &li, H5P_DEFAULT) < 0)
            code = ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot open %s", name);
        else if (li.type != H5L_TYPE_HARD)
            code = ae_error_set(err, AE_ERR_FORMAT, "%s: %s is a soft or external link", path,
                                name);
        if (code != AE_OK)
            break;
        hid_t next = H5Oopen(cur, comp, H5P_DEFAULT);
        ae_h5_close(&cur);
        cur = next;
        if (cur < 0) {
            code = ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot open %s", name);
            break;
        }
        if (!slash)
            break;
        if (H5Iget_type(cur) != H5I_GROUP) {
            code = ae_error_set(err, AE_ERR_FORMAT, "%s: %s does not exist", path, name);
            break;
        }
        c = slash + 1;
    }
    if (code == AE_OK)
        *obj = cur;
    else
        ae_h5_close(&cur);
    return code;
}

int ae_h5_check_storage(hid_t dset, uint64_t need_bytes, const char *path, const char *what,
                        ae_error *err)
{
    hid_t dcpl = H5Dget_create_plist(dset);
    H5D_layout_t layout = dcpl >= 0 ? H5Pget_layout(dcpl) : H5D_LAYOUT_ERROR;
    ae_h5_close(&dcpl);
    if (layout == H5D_LAYOUT_ERROR)
        return ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot read the layout of %s", what);
    /* For chunked data this sums the chunk sizes recorded in the chunk index,
     * which HDF5 would otherwise allocate blindly (a corrupt size of 2 GiB in a
     * 14 KiB file was seen while fuzzing). */
    hsize_t have = H5Dget_storage_size(dset);
    hid_t fid = H5Iget_file_id(dset);
    hsize_t fsize = 0;
    herr_t rc = fid >= 0 ? H5Fget_filesize(fid, &fsize) : -1;
    ae_h5_close(&fid);
    if (rc < 0)
        return ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot read the size of the file");
    if (have > fsize)
        return ae_error_set(err, AE_ERR_FORMAT,
                            "%s: %s claims %llu stored bytes, more than the file's %llu "
                            "(corrupt file?)",
                            path, what, (unsigned long long)have, (unsigned long long)fsize);
    if (layout != H5D_CONTIGUOUS)
        return AE_OK; /* chunked data may be compressed or sparse: the caller's caps apply */
    if (have < need_bytes)
        return ae_error_set(err, AE_ERR_FORMAT,
                            "%s: %s stores %llu bytes but its shape needs %llu (corrupt file?)",
                            path, what, (unsigned long long)have, (unsigned long long)need_bytes);
    return AE_OK;
}

/* ---- whole datasets ---- */

int ae_h5_read_shape(hid_t dset, int max_ndim, hsize_t min_dim, int64_t max_elems, int *ndim,
                     int64_t shape[AE_RUNFILE_MAX_DIMS], int64_t *numel, const char *path,
                     const char *what, ae_error *err)
{
    hid_t space = H5Dget_space(dset);
    int code = AE_OK;
    int nd = space < 0 ? -1 : H5Sget_simple_extent_ndims(space);
    hsize_t dims[AE_RUNFILE_MAX_DIMS];
    if (nd < 0) {
        code = ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot read the shape of %s", what);
        goto done;
    }
    if (nd < 1 || nd > max_ndim || nd > AE_RUNFILE_MAX_DIMS) {
        code = ae_error_set(err, AE_ERR_FORMAT, "%s: %s has %d dimensions (expected 1..%d)", path,
                            what, nd, max_ndim);
        goto done;
    }
    if (H5Sget_simple_extent_dims(space, dims, NULL) < 0) {
        code = ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot read the shape of %s", what);
        goto done;
    }
    int64_t n = 1;
    for (int d = 0; d < nd; d++) {
        /* n is 0 only after a 0-length dimension, which then bounds nothing. */
        if (dims[d] < min_dim || dims[d] > (hsize_t)(max_elems / (n ? n : 1))) {
            code = ae_error_set(err, AE_ERR_FORMAT,
                                "%s: %s has dimension %d of size %llu (allowed: >= %llu, at most "
                                "%lld elements in all)",
                                path, what, d, (unsigned long long)dims[d],
                                (unsigned long long)min_dim, (long long)max_elems);
            goto done;
        }
        shape[d] = (int64_t)dims[d];
        n *= shape[d];
    }
    for (int d = nd; d < AE_RUNFILE_MAX_DIMS; d++)
        shape[d] = 1;
    *ndim = nd;
    *numel = n;
done:
    ae_h5_close(&space);
    return code;
}

int ae_h5_read_whole(hid_t dset, hid_t mem_type, size_t elem, int64_t numel, void **out,
                     const char *path, const char *what, ae_error *err)
{
    *out = NULL;
    hid_t ft = H5Dget_type(dset);
    size_t file_elem = ft >= 0 ? H5Tget_size(ft) : 0;
    ae_h5_close(&ft);
    if (file_elem == 0 || file_elem > 16)
        return ae_h5_fail(err, AE_ERR_FORMAT, path, "%s has an unsupported element type", what);
    int code = ae_h5_check_storage(dset, (uint64_t)numel * file_elem, path, what, err);
    if (code != AE_OK || numel == 0)
        return code;
    void *buf = malloc((size_t)numel * elem);
    if (!buf)
        return ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory reading %s", path, what);
    if (H5Dread(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        free(buf);
        return ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot read %s", what);
    }
    *out = buf;
    return AE_OK;
}

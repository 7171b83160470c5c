/* Writes an ae_runfile as a whole new HDF5 file, atomically (see h5atomic.c).
 * Layout: docs/run-file.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "runfile/h5util.h"
#include "runfile/runfile_impl.h"

enum { METRIC_CHUNK = 128 }; /* epochs per chunk: 1 KiB of float64 */

typedef struct save_ctx {
    const char *path;
    hid_t gcpl; /* ordered groups */
    ae_error *err;
} save_ctx;

static int write_root_attrs(const ae_runfile *rf, hid_t root, const save_ctx *c)
{
    if (ae_h5_write_attr_str(root, "format", "aelab-run") < 0 ||
        ae_h5_write_attr_i64(root, "format_version", AE_RUNFILE_FORMAT_VERSION) < 0)
        return ae_h5_fail(c->err, AE_ERR_IO, c->path, "cannot write the format attributes");
    for (size_t i = 0; i < rf->nattrs; i++) {
        const rf_attr *a = &rf->attrs[i];
        herr_t rc = a->is_int ? ae_h5_write_attr_i64(root, a->key, a->num)
                              : ae_h5_write_attr_str(root, a->key, a->str);
        if (rc < 0)
            return ae_h5_fail(c->err, AE_ERR_IO, c->path, "cannot write attribute '%s'", a->key);
    }
    return AE_OK;
}

static int write_config(const ae_runfile *rf, hid_t root, const save_ctx *c)
{
    hid_t g = H5Gcreate2(root, "config", H5P_DEFAULT, c->gcpl, H5P_DEFAULT);
    int code = AE_OK;
    if (g < 0 || (rf->yaml && (ae_h5_write_attr_str(g, "yaml", rf->yaml) < 0 ||
                               ae_h5_write_attr_str(g, "sha256", rf->sha256) < 0)))
        code = ae_h5_fail(c->err, AE_ERR_IO, c->path, "cannot write /config");
    ae_h5_close(&g);
    return code;
}

/* One series as a chunked, extendible float64 dataset of `epochs` values,
 * NaN past the series' own end. */
static int write_series(hid_t phase_group, const rf_series *s, size_t epochs, const char *phase,
                        const save_ctx *c)
{
    hid_t parent = H5I_INVALID_HID, space = H5I_INVALID_HID, dcpl = H5I_INVALID_HID,
          dset = H5I_INVALID_HID;
    double *buf = NULL;
    int code = AE_OK;
    const char *leaf = NULL;
    hsize_t dims[1] = {epochs}, maxdims[1] = {H5S_UNLIMITED}, chunk[1] = {METRIC_CHUNK};
    if (epochs > s->n) {
        if (!(buf = malloc(epochs * sizeof *buf))) {
            code = ae_error_set(c->err, AE_ERR_NOMEM, "%s: out of memory", c->path);
            goto done;
        }
        if (s->n)
            memcpy(buf, s->v, s->n * sizeof *buf);
        for (size_t i = s->n; i < epochs; i++)
            buf[i] = NAN;
    }
    parent = ae_h5_make_parents(phase_group, s->name, c->gcpl, &leaf);
    space = H5Screate_simple(1, dims, maxdims);
    dcpl = ae_h5_untimed_dcpl();
    if (parent < 0 || space < 0 || dcpl < 0 || H5Pset_chunk(dcpl, 1, chunk) < 0)
        goto fail;
    dset = H5Dcreate2(parent, leaf, H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dset < 0)
        goto fail;
    if (epochs && H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT,
                           buf ? buf : s->v) < 0)
        goto fail;
    goto done;
fail:
    code = ae_h5_fail(c->err, AE_ERR_IO, c->path, "cannot write /metrics/%s/%s", phase, s->name);
done:
    ae_h5_close(&dset);
    ae_h5_close(&dcpl);
    ae_h5_close(&space);
    ae_h5_close(&parent);
    free(buf);
    return code;
}

static int write_metrics(const ae_runfile *rf, hid_t root, const save_ctx *c)
{
    hid_t g = H5Gcreate2(root, "metrics", H5P_DEFAULT, c->gcpl, H5P_DEFAULT);
    if (g < 0)
        return ae_h5_fail(c->err, AE_ERR_IO, c->path, "cannot create /metrics");
    int code = AE_OK;
    for (size_t p = 0; p < rf->nphases && code == AE_OK; p++) {
        const rf_phase *ph = &rf->phases[p];
        hid_t pg = H5Gcreate2(g, ph->name, H5P_DEFAULT, c->gcpl, H5P_DEFAULT);
        if (pg < 0) {
            code = ae_h5_fail(c->err, AE_ERR_IO, c->path, "cannot create /metrics/%s", ph->name);
            break;
        }
        size_t epochs = ae_runfile_metric_epochs(rf, ph->name);
        for (size_t i = 0; i < ph->count && code == AE_OK; i++)
            code = write_series(pg, &ph->series[i], epochs, ph->name, c);
        ae_h5_close(&pg);
    }
    ae_h5_close(&g);
    return code;
}

static int write_array(hid_t ckpt, const rf_array *a, const save_ctx *c)
{
    hid_t parent = H5I_INVALID_HID, space = H5I_INVALID_HID, dset = H5I_INVALID_HID;
    hid_t dcpl = ae_h5_untimed_dcpl();
    hsize_t dims[AE_RUNFILE_MAX_DIMS];
    const char *leaf = NULL;
    int code = AE_OK;
    for (int d = 0; d < a->ndim; d++)
        dims[d] = (hsize_t)a->shape[d];
    bool f32 = a->kind == RF_F32;
    parent = ae_h5_make_parents(ckpt, a->name, c->gcpl, &leaf);
    space = H5Screate_simple(a->ndim, dims, NULL);
    if (parent >= 0 && space >= 0 && dcpl >= 0)
        dset = H5Dcreate2(parent, leaf, f32 ? H5T_IEEE_F32LE : H5T_STD_U64LE, space, H5P_DEFAULT,
                          dcpl, H5P_DEFAULT);
    if (dset < 0 || H5Dwrite(dset, f32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL,
                             H5P_DEFAULT, a->data) < 0)
        code = ae_h5_fail(c->err, AE_ERR_IO, c->path, "cannot write /checkpoint/%s", a->name);
    ae_h5_close(&dset);
    ae_h5_close(&dcpl);
    ae_h5_close(&space);
    ae_h5_close(&parent);
    return code;
}

static int write_checkpoint(const ae_runfile *rf, hid_t root, const save_ctx *c)
{
    hid_t g = H5Gcreate2(root, "checkpoint", H5P_DEFAULT, c->gcpl, H5P_DEFAULT);
    if (g < 0)
        return ae_h5_fail(c->err, AE_ERR_IO, c->path, "cannot create /checkpoint");
    int code = AE_OK;
    if (rf->has_pos && (ae_h5_write_attr_str(g, "phase", rf->pos_phase) < 0 ||
                        ae_h5_write_attr_i64(g, "epoch", rf->pos_epoch) < 0))
        code = ae_h5_fail(c->err, AE_ERR_IO, c->path, "cannot write the checkpoint position");
    for (size_t i = 0; i < rf->nints && code == AE_OK; i++)
        if (ae_h5_write_attr_i64(g, rf->ints[i].name, rf->ints[i].v) < 0)
            code = ae_h5_fail(c->err, AE_ERR_IO, c->path, "cannot write /checkpoint attribute '%s'",
                              rf->ints[i].name);
    for (size_t i = 0; i < rf->narrays && code == AE_OK; i++)
        code = write_array(g, &rf->arrays[i], c);
    ae_h5_close(&g);
    return code;
}

int ae_runfile_save(const ae_runfile *rf, const char *path, ae_error *err)
{
    ae_h5_quiet quiet;
    ae_h5_quiet_begin(&quiet);
    ae_h5_atomic atomic;
    save_ctx c = {.path = path, .gcpl = ae_h5_ordered_gcpl(), .err = err};
    hid_t file = H5I_INVALID_HID, root = H5I_INVALID_HID;
    int code;
    if (c.gcpl < 0) {
        code = ae_h5_fail(err, AE_ERR_INTERNAL, path, "cannot set up a group property list");
        goto done;
    }
    code = ae_h5_atomic_create(&atomic, path, &file, err);
    if (code != AE_OK)
        goto done;
    root = H5Gopen2(file, "/", H5P_DEFAULT);
    code = root < 0 ? ae_h5_fail(err, AE_ERR_IO, path, "cannot open the root group") : AE_OK;
    if (code == AE_OK)
        code = write_root_attrs(rf, root, &c);
    if (code == AE_OK)
        code = write_config(rf, root, &c);
    if (code == AE_OK)
        code = write_metrics(rf, root, &c);
    if (code == AE_OK)
        code = write_checkpoint(rf, root, &c);
    ae_h5_close(&root);
    if (code == AE_OK)
        code = ae_h5_atomic_commit(&atomic, &file, err);
    else
        ae_h5_atomic_abort(&atomic, &file);
done:
    ae_h5_close(&c.gcpl);
    ae_h5_quiet_end(&quiet);
    return code;
}

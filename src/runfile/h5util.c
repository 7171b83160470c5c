/* HDF5 helpers: quiet errors turned into values, scalar attributes, ordered
 * groups, nested paths. Reading untrusted objects is in h5read.c. */
#include "runfile/h5util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runfile/runfile.h"

void ae_h5_quiet_begin(ae_h5_quiet *q)
{
    q->func = NULL;
    q->data = NULL;
    H5Eget_auto2(H5E_DEFAULT, &q->func, &q->data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void ae_h5_quiet_end(const ae_h5_quiet *q)
{
    H5Eclear2(H5E_DEFAULT);
    H5Eset_auto2(H5E_DEFAULT, q->func, q->data);
}

typedef struct walk_ctx {
    char desc[256];
    bool found;
} walk_ctx;

/* Walking upward visits the most specific error first: it says what was wrong
 * ("file signature not found", "truncated file: eof = ..."). */
static herr_t keep_innermost(unsigned n, const H5E_error2_t *e, void *data)
{
    walk_ctx *w = data;
    (void)n;
    if (!w->found && e->desc && *e->desc) {
        snprintf(w->desc, sizeof w->desc, "%s", e->desc);
        w->found = true;
    }
    return 0;
}

ae_code ae_h5_fail(ae_error *err, ae_code code, const char *path, const char *fmt, ...)
{
    walk_ctx w = {.found = false};
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, keep_innermost, &w);
    H5Eclear2(H5E_DEFAULT);
    char what[AE_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (w.found)
        return ae_error_set(err, code, "%s: %s (HDF5: %s)", path, what, w.desc);
    return ae_error_set(err, code, "%s: %s", path, what);
}

void ae_h5_close(hid_t *id)
{
    if (*id < 0)
        return;
    switch (H5Iget_type(*id)) {
    case H5I_FILE: H5Fclose(*id); break;
    case H5I_GROUP: H5Gclose(*id); break;
    case H5I_DATASET: H5Dclose(*id); break;
    case H5I_ATTR: H5Aclose(*id); break;
    case H5I_DATATYPE: H5Tclose(*id); break;
    case H5I_DATASPACE: H5Sclose(*id); break;
    case H5I_GENPROP_LST: H5Pclose(*id); break;
    default: H5Idec_ref(*id); break;
    }
    *id = H5I_INVALID_HID;
}

/* ---- scalar attributes ---- */

static herr_t write_scalar_attr(hid_t obj, const char *name, hid_t file_type, hid_t mem_type,
                                const void *buf)
{
    hid_t space = H5Screate(H5S_SCALAR), attr = H5I_INVALID_HID;
    herr_t rc = -1;
    if (space < 0)
        goto done;
    attr = H5Acreate2(obj, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (attr < 0)
        goto done;
    rc = H5Awrite(attr, mem_type, buf);
done:
    ae_h5_close(&attr);
    ae_h5_close(&space);
    return rc;
}

herr_t ae_h5_write_attr_str(hid_t obj, const char *name, const char *value)
{
    /* Variable-length UTF-8: h5py reads these as str. */
    hid_t t = H5Tcopy(H5T_C_S1);
    herr_t rc = -1;
    if (t >= 0 && H5Tset_size(t, H5T_VARIABLE) >= 0 && H5Tset_cset(t, H5T_CSET_UTF8) >= 0)
        rc = write_scalar_attr(obj, name, t, t, &value);
    ae_h5_close(&t);
    return rc;
}

herr_t ae_h5_write_attr_i64(hid_t obj, const char *name, int64_t value)
{
    return write_scalar_attr(obj, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

ae_h5_attr_kind ae_h5_attr_kind_of(hid_t attr)
{
    hid_t t = H5Aget_type(attr), s = H5Aget_space(attr);
    ae_h5_attr_kind kind = AE_H5_ATTR_OTHER;
    if (t >= 0 && s >= 0 && H5Sget_simple_extent_npoints(s) == 1) {
        H5T_class_t c = H5Tget_class(t);
        kind = c == H5T_STRING ? AE_H5_ATTR_STR : c == H5T_INTEGER ? AE_H5_ATTR_INT : kind;
    }
    ae_h5_close(&t);
    ae_h5_close(&s);
    return kind;
}

int ae_h5_read_attr_str(hid_t attr, char **out, const char *path, const char *what, ae_error *err)
{
    hid_t ft = H5I_INVALID_HID, mt = H5I_INVALID_HID;
    char *buf = NULL;
    int code = AE_OK;
    *out = NULL;
    if (ae_h5_attr_kind_of(attr) != AE_H5_ATTR_STR) {
        code = ae_error_set(err, AE_ERR_FORMAT, "%s: %s is not a single string", path, what);
        goto done;
    }
    ft = H5Aget_type(attr);
    htri_t var = ft < 0 ? -1 : H5Tis_variable_str(ft);
    if (var > 0) {
        char *p = NULL;
        mt = H5Tcopy(H5T_C_S1);
        if (mt < 0 || H5Tset_size(mt, H5T_VARIABLE) < 0 ||
            H5Tset_cset(mt, H5Tget_cset(ft)) < 0 || H5Aread(attr, mt, &p) < 0) {
            code = ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot read %s", what);
            goto done;
        }
        size_t len = p ? strlen(p) : 0;
        if (len <= AE_RUNFILE_MAX_STRING && (buf = malloc(len + 1)) != NULL) {
            memcpy(buf, p ? p : "", len + 1);
        }
        H5free_memory(p);
        if (len > AE_RUNFILE_MAX_STRING)
            code = ae_error_set(err, AE_ERR_FORMAT, "%s: %s is longer than %zu bytes", path,
                                what, (size_t)AE_RUNFILE_MAX_STRING);
        else if (!buf)
            code = ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory reading %s", path, what);
    } else if (var == 0) {
        size_t size = H5Tget_size(ft);
        if (size == 0 || size > AE_RUNFILE_MAX_STRING) {
            code = ae_error_set(err, AE_ERR_FORMAT, "%s: %s has an invalid length %zu", path,
                                what, size);
            goto done;
        }
        if (!(buf = malloc(size + 1))) {
            code = ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory reading %s", path, what);
            goto done;
        }
        mt = H5Tcopy(ft);
        if (mt < 0 || H5Aread(attr, mt, buf) < 0) {
            code = ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot read %s", what);
            goto done;
        }
        buf[size] = '\0';
    } else {
        code = ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot read the type of %s", what);
    }
done:
    ae_h5_close(&mt);
    ae_h5_close(&ft);
    if (code == AE_OK)
        *out = buf;
    else
        free(buf);
    return code;
}

int ae_h5_read_attr_i64(hid_t attr, int64_t *out, const char *path, const char *what,
                        ae_error *err)
{
    if (ae_h5_attr_kind_of(attr) != AE_H5_ATTR_INT)
        return ae_error_set(err, AE_ERR_FORMAT, "%s: %s is not a single integer", path, what);
    if (H5Aread(attr, H5T_NATIVE_INT64, out) < 0)
        return ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot read %s", what);
    return AE_OK;
}

/* ---- ordered groups and nested paths ---- */

hid_t ae_h5_ordered_gcpl(void)
{
    hid_t p = H5Pcreate(H5P_GROUP_CREATE);
    unsigned flags = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    if (p >= 0 && (H5Pset_link_creation_order(p, flags) < 0 ||
                   H5Pset_attr_creation_order(p, flags) < 0 || H5Pset_obj_track_times(p, 0) < 0))
        ae_h5_close(&p);
    return p;
}

hid_t ae_h5_untimed_dcpl(void)
{
    hid_t p = H5Pcreate(H5P_DATASET_CREATE);
    if (p >= 0 && H5Pset_obj_track_times(p, 0) < 0)
        ae_h5_close(&p);
    return p;
}

H5_index_t ae_h5_iter_index(hid_t group, bool for_attrs)
{
    hid_t p = H5Gget_create_plist(group);
    unsigned flags = 0;
    herr_t rc = -1;
    if (p >= 0)
        rc = for_attrs ? H5Pget_attr_creation_order(p, &flags)
                       : H5Pget_link_creation_order(p, &flags);
    ae_h5_close(&p);
    H5Eclear2(H5E_DEFAULT);
    return rc >= 0 && (flags & H5P_CRT_ORDER_INDEXED) ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME;
}

hid_t ae_h5_make_parents(hid_t loc, const char *path, hid_t gcpl, const char **leaf)
{
    hid_t cur = H5Gopen2(loc, ".", H5P_DEFAULT);
    const char *c = path;
    const char *slash;
    while (cur >= 0 && (slash = strchr(c, '/')) != NULL) {
        char comp[AE_RUNFILE_NAME_MAX + 1];
        size_t n = (size_t)(slash - c);
        if (n == 0 || n > AE_RUNFILE_NAME_MAX) {
            ae_h5_close(&cur);
            break;
        }
        memcpy(comp, c, n);
        comp[n] = '\0';
        htri_t exists = H5Lexists(cur, comp, H5P_DEFAULT);
        hid_t next = exists > 0 ? H5Gopen2(cur, comp, H5P_DEFAULT)
                   : exists == 0 ? H5Gcreate2(cur, comp, H5P_DEFAULT, gcpl, H5P_DEFAULT)
                                 : H5I_INVALID_HID;
        ae_h5_close(&cur);
        cur = next;
        c = slash + 1;
    }
    *leaf = c;
    return cur;
}

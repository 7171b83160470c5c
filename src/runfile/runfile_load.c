/* Reads a run file back into an ae_runfile. The file is untrusted: every shape
 * and size is checked and capped before anything is allocated, links must be
 * plain hard links, nesting depth and object counts are bounded (hard links can
 * form cycles). Layout: docs/run-file.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runfile/h5util.h"
#include "runfile/runfile_impl.h"

enum { MAX_DEPTH = 16, MAX_OBJECTS = 1 << 16 };

typedef struct load_ctx {
    const char *path;
    ae_runfile *rf;
    ae_error *err;
    size_t visited; /* objects seen, across the whole file */
    int code;       /* set by attribute callbacks */
} load_ctx;

/* Called for every dataset below a walked group, with its slash-joined name. */
typedef int (*leaf_fn)(load_ctx *c, hid_t dset, const char *name, const char *where, void *arg);

static int link_name(load_ctx *c, hid_t g, H5_index_t idx, hsize_t i, char *buf, size_t size,
                     const char *where)
{
    ssize_t len = H5Lget_name_by_idx(g, ".", idx, H5_ITER_INC, i, NULL, 0, H5P_DEFAULT);
    if (len < 0)
        return ae_h5_fail(c->err, AE_ERR_FORMAT, c->path, "cannot list %s", where);
    if ((size_t)len >= size)
        return ae_error_set(c->err, AE_ERR_FORMAT, "%s: a name in %s is longer than %d bytes",
                            c->path, where, AE_RUNFILE_NAME_MAX);
    if (H5Lget_name_by_idx(g, ".", idx, H5_ITER_INC, i, buf, size, H5P_DEFAULT) < 0)
        return ae_h5_fail(c->err, AE_ERR_FORMAT, c->path, "cannot list %s", where);
    return AE_OK;
}

/* Opens link `name` of g after checking it is a hard link; counts it. */
static int open_child(load_ctx *c, hid_t g, const char *name, const char *where, hid_t *obj)
{
    H5L_info_t li;
    *obj = H5I_INVALID_HID;
    htri_t exists = H5Lexists(g, name, H5P_DEFAULT);
    if (exists == 0)
        return ae_error_set(c->err, AE_ERR_FORMAT, "%s: %s/%s is missing", c->path, where, name);
    if (exists < 0 || H5Lget_info(g, name, &li, H5P_DEFAULT) < 0)
        return ae_h5_fail(c->err, AE_ERR_FORMAT, c->path, "cannot inspect %s/%s", where, name);
    if (li.type != H5L_TYPE_HARD)
        return ae_error_set(c->err, AE_ERR_FORMAT, "%s: %s/%s is a soft or external link",
                            c->path, where, name);
    if (++c->visited > MAX_OBJECTS)
        return ae_error_set(c->err, AE_ERR_FORMAT, "%s: more than %d objects", c->path,
                            MAX_OBJECTS);
    *obj = H5Oopen(g, name, H5P_DEFAULT);
    if (*obj < 0)
        return ae_h5_fail(c->err, AE_ERR_FORMAT, c->path, "cannot open %s/%s", where, name);
    return AE_OK;
}

/* Depth-first over the groups below g, in creation order when tracked. */
static int walk(load_ctx *c, hid_t g, const char *prefix, const char *where, int depth,
                leaf_fn fn, void *arg)
{
    if (depth > MAX_DEPTH)
        return ae_error_set(c->err, AE_ERR_FORMAT, "%s: %s is nested more than %d levels deep",
                            c->path, where, MAX_DEPTH);
    H5G_info_t info;
    if (H5Gget_info(g, &info) < 0)
        return ae_h5_fail(c->err, AE_ERR_FORMAT, c->path, "cannot read group %s", where);
    H5_index_t idx = ae_h5_iter_index(g, false);
    int code = AE_OK;
    for (hsize_t i = 0; i < info.nlinks && code == AE_OK; i++) {
        char name[AE_RUNFILE_NAME_MAX + 1], full[AE_RUNFILE_NAME_MAX + 1];
        char sub[2 * AE_RUNFILE_NAME_MAX + 64];
        hid_t obj = H5I_INVALID_HID;
        if ((code = link_name(c, g, idx, i, name, sizeof name, where)) != AE_OK)
            break;
        int n = snprintf(full, sizeof full, "%s%s%s", prefix, *prefix ? "/" : "", name);
        if (n < 0 || (size_t)n >= sizeof full) {
            code = ae_error_set(c->err, AE_ERR_FORMAT, "%s: %s/%s: path longer than %d bytes",
                                c->path, where, name, AE_RUNFILE_NAME_MAX);
            break;
        }
        snprintf(sub, sizeof sub, "%s/%s", where, name);
        if ((code = open_child(c, g, name, where, &obj)) != AE_OK)
            break;
        H5I_type_t type = H5Iget_type(obj);
        if (type == H5I_GROUP)
            code = walk(c, obj, full, sub, depth + 1, fn, arg);
        else if (type == H5I_DATASET)
            code = fn(c, obj, full, sub, arg);
        else
            code = ae_error_set(c->err, AE_ERR_FORMAT, "%s: %s is neither a group nor a dataset",
                                c->path, sub);
        ae_h5_close(&obj);
    }
    return code;
}

static H5T_class_t dataset_class(hid_t dset, H5T_sign_t *sign)
{
    hid_t t = H5Dget_type(dset);
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    if (sign)
        *sign = cls == H5T_INTEGER ? H5Tget_sign(t) : H5T_SGN_ERROR;
    ae_h5_close(&t);
    return cls;
}

/* ---- metrics ---- */

static int load_series(load_ctx *c, hid_t dset, const char *name, const char *where, void *arg)
{
    const char *phase = arg;
    int ndim;
    int64_t shape[AE_RUNFILE_MAX_DIMS], numel;
    if (dataset_class(dset, NULL) != H5T_FLOAT)
        return ae_error_set(c->err, AE_ERR_FORMAT, "%s: %s is not a floating-point dataset",
                            c->path, where);
    int code = ae_h5_read_shape(dset, 1, 0, (int64_t)AE_RUNFILE_MAX_EPOCHS, &ndim, shape, &numel,
                                c->path, where, c->err);
    void *v = NULL;
    if (code == AE_OK)
        code = ae_h5_read_whole(dset, H5T_NATIVE_DOUBLE, sizeof(double), numel, &v, c->path,
                               where, c->err);
    if (code != AE_OK)
        return code;
    code = ae_rf_series_adopt(c->rf, phase, name, v, (size_t)numel);
    if (code == AE_ERR_CONFIG)
        return ae_error_set(c->err, AE_ERR_FORMAT, "%s: %s: invalid or conflicting metric name",
                            c->path, where);
    if (code != AE_OK)
        return ae_error_set(c->err, code, "%s: out of memory reading %s", c->path, where);
    return AE_OK;
}

static int load_metrics(load_ctx *c, hid_t root)
{
    hid_t g = H5I_INVALID_HID;
    int code = open_child(c, root, "metrics", "", &g);
    if (code != AE_OK)
        return code;
    if (H5Iget_type(g) != H5I_GROUP) {
        ae_h5_close(&g);
        return ae_error_set(c->err, AE_ERR_FORMAT, "%s: /metrics is not a group", c->path);
    }
    H5G_info_t info;
    if (H5Gget_info(g, &info) < 0)
        code = ae_h5_fail(c->err, AE_ERR_FORMAT, c->path, "cannot read group /metrics");
    H5_index_t idx = ae_h5_iter_index(g, false);
    for (hsize_t i = 0; code == AE_OK && i < info.nlinks; i++) {
        char phase[AE_RUNFILE_NAME_MAX + 1], where[AE_RUNFILE_NAME_MAX + 16];
        hid_t pg = H5I_INVALID_HID;
        if ((code = link_name(c, g, idx, i, phase, sizeof phase, "/metrics")) != AE_OK)
            break;
        snprintf(where, sizeof where, "/metrics/%s", phase);
        if ((code = open_child(c, g, phase, "/metrics", &pg)) != AE_OK)
            break;
        if (H5Iget_type(pg) != H5I_GROUP || !ae_rf_valid_name(phase, false))
            code = ae_error_set(c->err, AE_ERR_FORMAT, "%s: %s is not a phase group", c->path,
                                where);
        else
            code = walk(c, pg, "", where, 1, load_series, phase);
        ae_h5_close(&pg);
    }
    ae_h5_close(&g);
    return code;
}

/* ---- checkpoint ---- */

static int load_array(load_ctx *c, hid_t dset, const char *name, const char *where, void *arg)
{
    (void)arg;
    H5T_sign_t sign;
    H5T_class_t cls = dataset_class(dset, &sign);
    bool f32 = cls == H5T_FLOAT;
    if (!f32 && !(cls == H5T_INTEGER && sign == H5T_SGN_NONE))
        return ae_error_set(c->err, AE_ERR_FORMAT,
                            "%s: %s is neither a float tensor nor an unsigned integer array",
                            c->path, where);
    int ndim;
    int64_t shape[AE_RUNFILE_MAX_DIMS], numel;
    int code = ae_h5_read_shape(dset, f32 ? AE_RUNFILE_MAX_DIMS : 1, 1, AE_RUNFILE_MAX_ELEMS,
                                &ndim, shape, &numel, c->path, where, c->err);
    void *data = NULL;
    if (code == AE_OK)
        code = ae_h5_read_whole(dset, f32 ? H5T_NATIVE_FLOAT : H5T_NATIVE_UINT64,
                                f32 ? sizeof(float) : sizeof(uint64_t), numel, &data, c->path,
                                where, c->err);
    if (code != AE_OK)
        return code;
    code = ae_rf_add_array(c->rf, name, f32 ? RF_F32 : RF_U64, ndim, shape, data);
    if (code == AE_ERR_CONFIG || code == AE_ERR_SHAPE)
        return ae_error_set(c->err, AE_ERR_FORMAT, "%s: %s: invalid or conflicting name",
                            c->path, where);
    if (code != AE_OK)
        return ae_error_set(c->err, code, "%s: out of memory reading %s", c->path, where);
    return AE_OK;
}

static herr_t load_ckpt_attr(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    load_ctx *c = data;
    char what[AE_RUNFILE_NAME_MAX + 64];
    snprintf(what, sizeof what, "/checkpoint attribute '%s'", name);
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) {
        c->code = ae_h5_fail(c->err, AE_ERR_FORMAT, c->path, "cannot open %s", what);
        return -1;
    }
    if (strcmp(name, "phase") == 0) {
        char *phase = NULL;
        c->code = ae_h5_read_attr_str(a, &phase, c->path, what, c->err);
        if (c->code == AE_OK && !ae_rf_valid_name(phase, false))
            c->code = ae_error_set(c->err, AE_ERR_FORMAT, "%s: %s is not a phase name", c->path,
                                   what);
        if (c->code == AE_OK) {
            free(c->rf->pos_phase);
            c->rf->pos_phase = phase;
            phase = NULL;
        }
        free(phase);
    } else {
        int64_t v = 0;
        c->code = ae_h5_read_attr_i64(a, &v, c->path, what, c->err);
        if (c->code == AE_OK) {
            if (strcmp(name, "epoch") == 0) {
                c->rf->pos_epoch = v;
                c->rf->has_pos = true;
            } else if ((c->code = ae_runfile_ckpt_put_int(c->rf, name, v)) != AE_OK) {
                c->code = ae_error_set(c->err, c->code == AE_ERR_NOMEM ? AE_ERR_NOMEM
                                                                        : AE_ERR_FORMAT,
                                       "%s: %s: invalid name or out of memory", c->path, what);
            }
        }
    }
    ae_h5_close(&a);
    return c->code == AE_OK ? 0 : -1;
}

static int load_checkpoint(load_ctx *c, hid_t root)
{
    hid_t g = H5I_INVALID_HID;
    int code = open_child(c, root, "checkpoint", "", &g);
    if (code != AE_OK)
        return code;
    if (H5Iget_type(g) != H5I_GROUP) {
        ae_h5_close(&g);
        return ae_error_set(c->err, AE_ERR_FORMAT, "%s: /checkpoint is not a group", c->path);
    }
    c->code = AE_OK;
    if (H5Aiterate2(g, ae_h5_iter_index(g, true), H5_ITER_INC, NULL, load_ckpt_attr, c) < 0)
        code = c->code != AE_OK ? c->code
                                : (int)ae_h5_fail(c->err, AE_ERR_FORMAT, c->path,
                                                  "cannot list the attributes of /checkpoint");
    if (code == AE_OK && (c->rf->pos_phase != NULL) != c->rf->has_pos)
        code = ae_error_set(c->err, AE_ERR_FORMAT,
                            "%s: /checkpoint needs both attributes 'phase' and 'epoch' or neither",
                            c->path);
    if (code == AE_OK)
        code = walk(c, g, "", "/checkpoint", 1, load_array, NULL);
    ae_h5_close(&g);
    return code;
}

/* ---- root attributes and config ---- */

static int open_attr(load_ctx *c, hid_t obj, const char *name, const char *where, hid_t *attr)
{
    *attr = H5I_INVALID_HID;
    htri_t exists = H5Aexists(obj, name);
    if (exists < 0)
        return ae_h5_fail(c->err, AE_ERR_FORMAT, c->path, "cannot read the attributes of %s",
                          where);
    if (exists == 0)
        return AE_OK;
    *attr = H5Aopen(obj, name, H5P_DEFAULT);
    if (*attr < 0)
        return ae_h5_fail(c->err, AE_ERR_FORMAT, c->path, "cannot open attribute %s of %s", name,
                          where);
    return AE_OK;
}

static int check_format(load_ctx *c, hid_t root)
{
    hid_t a = H5I_INVALID_HID;
    char *format = NULL;
    int64_t version = 0;
    int code = open_attr(c, root, "format", "/", &a);
    if (code == AE_OK && a < 0)
        code = ae_error_set(c->err, AE_ERR_FORMAT,
                            "%s: not an aelab run file (no 'format' attribute)", c->path);
    if (code == AE_OK)
        code = ae_h5_read_attr_str(a, &format, c->path, "attribute 'format'", c->err);
    if (code == AE_OK && strcmp(format, "aelab-run") != 0)
        code = ae_error_set(c->err, AE_ERR_FORMAT,
                            "%s: not an aelab run file (format is '%.64s', expected 'aelab-run')",
                            c->path, format);
    ae_h5_close(&a);
    if (code == AE_OK)
        code = open_attr(c, root, "format_version", "/", &a);
    if (code == AE_OK && a < 0)
        code = ae_error_set(c->err, AE_ERR_FORMAT, "%s: no 'format_version' attribute", c->path);
    if (code == AE_OK)
        code = ae_h5_read_attr_i64(a, &version, c->path, "attribute 'format_version'", c->err);
    if (code == AE_OK && version != AE_RUNFILE_FORMAT_VERSION)
        code = ae_error_set(c->err, AE_ERR_FORMAT,
                            "%s: unsupported format_version %lld (this aelab reads %d)", c->path,
                            (long long)version, AE_RUNFILE_FORMAT_VERSION);
    ae_h5_close(&a);
    free(format);
    return code;
}

/* Provenance: single strings and integers. Attributes of other types or with
 * names aelab would not write (added by other tools) are skipped. */
static herr_t load_root_attr(hid_t loc, const char *name, const H5A_info_t *info, void *data)
{
    (void)info;
    load_ctx *c = data;
    if (strcmp(name, "format") == 0 || strcmp(name, "format_version") == 0 ||
        !ae_rf_valid_name(name, true))
        return 0;
    char what[AE_RUNFILE_NAME_MAX + 32];
    snprintf(what, sizeof what, "attribute '%s'", name);
    hid_t a = H5Aopen(loc, name, H5P_DEFAULT);
    if (a < 0) {
        c->code = ae_h5_fail(c->err, AE_ERR_FORMAT, c->path, "cannot open %s", what);
        return -1;
    }
    ae_h5_attr_kind kind = ae_h5_attr_kind_of(a);
    if (kind == AE_H5_ATTR_STR) {
        char *s = NULL;
        c->code = ae_h5_read_attr_str(a, &s, c->path, what, c->err);
        if (c->code == AE_OK && (c->code = ae_runfile_set_attr(c->rf, name, s)) != AE_OK)
            ae_error_set(c->err, c->code, "%s: cannot keep %s", c->path, what);
        free(s);
    } else if (kind == AE_H5_ATTR_INT) {
        int64_t v = 0;
        c->code = ae_h5_read_attr_i64(a, &v, c->path, what, c->err);
        if (c->code == AE_OK && (c->code = ae_runfile_set_attr_int(c->rf, name, v)) != AE_OK)
            ae_error_set(c->err, c->code, "%s: cannot keep %s", c->path, what);
    }
    ae_h5_close(&a);
    return c->code == AE_OK ? 0 : -1;
}

static int load_root_attrs(load_ctx *c, hid_t root)
{
    c->code = AE_OK;
    if (H5Aiterate2(root, ae_h5_iter_index(root, true), H5_ITER_INC, NULL, load_root_attr, c) < 0)
        return c->code != AE_OK ? c->code
                                : (int)ae_h5_fail(c->err, AE_ERR_FORMAT, c->path,
                                                  "cannot list the root attributes");
    return AE_OK;
}

static int load_config(load_ctx *c, hid_t root)
{
    hid_t g = H5I_INVALID_HID, ya = H5I_INVALID_HID, ha = H5I_INVALID_HID;
    char *yaml = NULL, *sha = NULL;
    int code = open_child(c, root, "config", "", &g);
    if (code == AE_OK && H5Iget_type(g) != H5I_GROUP)
        code = ae_error_set(c->err, AE_ERR_FORMAT, "%s: /config is not a group", c->path);
    if (code == AE_OK)
        code = open_attr(c, g, "yaml", "/config", &ya);
    if (code == AE_OK)
        code = open_attr(c, g, "sha256", "/config", &ha);
    if (code == AE_OK && (ya < 0) != (ha < 0))
        code = ae_error_set(c->err, AE_ERR_FORMAT,
                            "%s: /config needs both attributes 'yaml' and 'sha256' or neither",
                            c->path);
    if (code == AE_OK && ya >= 0) {
        code = ae_h5_read_attr_str(ya, &yaml, c->path, "/config attribute 'yaml'", c->err);
        if (code == AE_OK)
            code = ae_h5_read_attr_str(ha, &sha, c->path, "/config attribute 'sha256'", c->err);
        if (code == AE_OK && (code = ae_runfile_set_config(c->rf, yaml, sha)) != AE_OK)
            ae_error_set(c->err, code, "%s: cannot keep /config", c->path);
    }
    free(yaml);
    free(sha);
    ae_h5_close(&ha);
    ae_h5_close(&ya);
    ae_h5_close(&g);
    return code;
}

int ae_runfile_load(const char *path, ae_runfile **out, ae_error *err)
{
    ae_h5_quiet quiet;
    ae_h5_quiet_begin(&quiet);
    load_ctx c = {.path = path, .rf = ae_runfile_new(), .err = err};
    hid_t file = H5I_INVALID_HID, root = H5I_INVALID_HID;
    int code = AE_OK;
    *out = NULL;
    if (!c.rf) {
        code = ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory", path);
        goto done;
    }
    if ((code = ae_h5_open_read(path, &file, err)) != AE_OK ||
        (code = ae_h5_check_global_heaps(path, file, err)) != AE_OK)
        goto done;
    root = H5Gopen2(file, "/", H5P_DEFAULT);
    if (root < 0) {
        code = ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot open the root group");
        goto done;
    }
    if ((code = check_format(&c, root)) == AE_OK && (code = load_root_attrs(&c, root)) == AE_OK &&
        (code = load_config(&c, root)) == AE_OK && (code = load_metrics(&c, root)) == AE_OK)
        code = load_checkpoint(&c, root);
done:
    ae_h5_close(&root);
    ae_h5_close(&file);
    ae_h5_quiet_end(&quiet);
    if (code == AE_OK)
        *out = c.rf;
    else
        ae_runfile_free(c.rf);
    return code;
}

/* The run file loader against missing, garbage, truncated, foreign and subtly
 * malformed files: always an error naming the file, never a crash. */
#define _GNU_SOURCE /* memmem */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "helpers.h"
#include "runfile/h5file.h"
#include "runfile/runfile.h"

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    cr_assert_eq(fwrite(data, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

static void *read_bytes(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = malloc((size_t)size);
    cr_assert_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *n = (size_t)size;
    return buf;
}

/* Loading must fail with `code`, a message naming the file and containing `needle`. */
static void expect_load_error(const char *path, ae_code code, const char *needle)
{
    ae_runfile *rf = (ae_runfile *)1;
    ae_error err = {0};
    int rc = ae_runfile_load(path, &rf, &err);
    cr_assert_eq(rc, code, "load(%s) returned %d, expected %d: %s", path, rc, code, err.msg);
    cr_assert_null(rf);
    cr_assert_eq(err.code, code);
    cr_assert(strstr(err.msg, path) != NULL, "message does not name the file: %s", err.msg);
    if (needle)
        cr_assert(strstr(err.msg, needle) != NULL, "message lacks '%s': %s", needle, err.msg);
}

/* A small valid run at dir/name. */
static void make_run(char *path, size_t size, const char *dir, const char *name)
{
    snprintf(path, size, "%s/%s", dir, name);
    ae_runfile *rf = ae_runfile_new();
    cr_assert_eq(ae_runfile_set_attr(rf, "status", "running"), AE_OK);
    cr_assert_eq(ae_runfile_set_config(rf, "a: 1\n", "00"), AE_OK);
    for (int e = 0; e < 20; e++)
        cr_assert_eq(ae_runfile_append_metric(rf, "main", "train/loss", 1.0 / (e + 1)), AE_OK);
    float w[64];
    for (int i = 0; i < 64; i++)
        w[i] = (float)i;
    int64_t shape[2] = {8, 8};
    cr_assert_eq(ae_runfile_ckpt_put_tensor(rf, "params/W", 2, shape, w), AE_OK);
    cr_assert_eq(ae_runfile_ckpt_set_position(rf, "main", 20), AE_OK);
    ae_error err = {0};
    cr_assert_eq(ae_runfile_save(rf, path, &err), AE_OK, "%s", err.msg);
    ae_runfile_free(rf);
}

Test(runfile_bad, missing_file_and_directory)
{
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/absent.h5", dir);
    expect_load_error(path, AE_ERR_IO, "No such file");
    expect_load_error(dir, AE_ERR_IO, "directory");
}

Test(runfile_bad, garbage_and_empty_files)
{
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/empty.h5", dir);
    write_bytes(path, "", 0);
    expect_load_error(path, AE_ERR_FORMAT, NULL);
    snprintf(path, sizeof path, "%s/text.h5", dir);
    const char *text = "model:\n  kind: dense\n";
    write_bytes(path, text, strlen(text));
    expect_load_error(path, AE_ERR_FORMAT, "not an HDF5 file");
    unsigned char junk[4096];
    srand(7);
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)rand();
    snprintf(path, sizeof path, "%s/junk.h5", dir);
    write_bytes(path, junk, sizeof junk);
    expect_load_error(path, AE_ERR_FORMAT, "not an HDF5 file");
    /* the HDF5 signature followed by garbage */
    memcpy(junk, "\x89HDF\r\n\x1a\n", 8);
    write_bytes(path, junk, sizeof junk);
    expect_load_error(path, AE_ERR_FORMAT, NULL);
}

Test(runfile_bad, truncated_files)
{
    char dir[512], path[600], cut[700];
    test_tmpdir(dir, sizeof dir);
    make_run(path, sizeof path, dir, "run.h5");
    size_t n = 0;
    unsigned char *bytes = read_bytes(path, &n);
    snprintf(cut, sizeof cut, "%s/cut.h5", dir);
    size_t lengths[] = {1, 7, 8, 64, 200, 512, 1024, n / 4, n / 2, 3 * n / 4, n - 64, n - 1};
    for (size_t i = 0; i < sizeof lengths / sizeof *lengths; i++) {
        cr_assert_lt(lengths[i], n);
        write_bytes(cut, bytes, lengths[i]);
        expect_load_error(cut, AE_ERR_FORMAT, NULL);
    }
    free(bytes);
}

Test(runfile_bad, other_hdf5_files_are_not_runs)
{
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/codes.h5", dir);
    float v[4] = {1, 2, 3, 4};
    int64_t shape[2] = {2, 2};
    ae_error err = {0};
    cr_assert_eq(ae_h5_write_tensor_file(path, "codes", 2, shape, v, NULL, &err), AE_OK, "%s",
                 err.msg);
    expect_load_error(path, AE_ERR_FORMAT, "not an aelab run file");
}

/* HDF5 1.10.8 trusts the object sizes in a global heap collection (where
 * variable-length strings live): without the loader's own check these files
 * crash (huge size) or hang (zero-sized free space) inside H5Aread. */
Test(runfile_bad, corrupt_string_heap)
{
    char dir[512], path[600], bad[700];
    test_tmpdir(dir, sizeof dir);
    make_run(path, sizeof path, dir, "run.h5");
    size_t n = 0;
    unsigned char *bytes = read_bytes(path, &n);
    unsigned char *gcol = memmem(bytes, n, "GCOL\x01", 5);
    cr_assert_not_null(gcol, "no global heap in a run file with strings");
    size_t at = (size_t)(gcol - bytes);
    snprintf(bad, sizeof bad, "%s/bad.h5", dir);
    /* first object's size (after the 16-byte collection header, 8 bytes into the object header) */
    unsigned char saved[8];
    memcpy(saved, bytes + at + 24, 8);
    memcpy(bytes + at + 24, "\xff\xff\xff\x7f\0\0\0\0", 8);
    write_bytes(bad, bytes, n);
    expect_load_error(bad, AE_ERR_FORMAT, "corrupt global heap");
    memcpy(bytes + at + 24, saved, 8);
    /* the free-space object (index 0) claims size 0: HDF5's decoder would never advance */
    size_t p = at + 16;
    for (;;) {
        unsigned idx = bytes[p] | bytes[p + 1] << 8;
        uint64_t len = 0;
        for (int i = 7; i >= 0; i--)
            len = len << 8 | bytes[p + 8 + i];
        if (idx == 0)
            break;
        p += 16 + ((len + 7) & ~(uint64_t)7);
        cr_assert_lt(p, at + 4096);
    }
    memset(bytes + p + 8, 0, 8);
    write_bytes(bad, bytes, n);
    expect_load_error(bad, AE_ERR_FORMAT, "corrupt global heap");
    free(bytes);
}

/* A chunk of a metric dataset that claims 2 GiB in a small file: HDF5 would
 * allocate that much before noticing it cannot be read. */
Test(runfile_bad, corrupt_chunk_size)
{
    char dir[512], path[600], bad[700];
    test_tmpdir(dir, sizeof dir);
    make_run(path, sizeof path, dir, "run.h5");
    size_t n = 0;
    unsigned char *bytes = read_bytes(path, &n);
    /* v1 B-tree node of chunk type: "TREE", type 1, level, entries (2), two sibling
     * addresses (8 each), then the first key, which starts with the chunk's size (u32) */
    unsigned char *tree = memmem(bytes, n, "TREE\x01", 5);
    cr_assert_not_null(tree, "no chunk index in a run file with metrics");
    memcpy(tree + 24, "\x00\x00\x00\x80", 4);
    snprintf(bad, sizeof bad, "%s/bad.h5", dir);
    write_bytes(bad, bytes, n);
    expect_load_error(bad, AE_ERR_FORMAT, "more than the file's");
    free(bytes);
}

/* ---- hand-made defects in an otherwise valid run file ---- */

typedef void (*mutation)(hid_t file);

static void mutate(const char *path, mutation m)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    m(f);
    cr_assert_geq(H5Fclose(f), 0);
}

static void set_str_attr(hid_t obj, const char *name, const char *value)
{
    if (H5Aexists(obj, name) > 0)
        cr_assert_geq(H5Adelete(obj, name), 0);
    hid_t t = H5Tcopy(H5T_C_S1), s = H5Screate(H5S_SCALAR);
    H5Tset_size(t, H5T_VARIABLE);
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(H5Awrite(a, t, &value), 0);
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
}

static void set_int_attr(hid_t obj, const char *name, int64_t value)
{
    if (H5Aexists(obj, name) > 0)
        cr_assert_geq(H5Adelete(obj, name), 0);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_STD_I64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(H5Awrite(a, H5T_NATIVE_INT64, &value), 0);
    H5Aclose(a);
    H5Sclose(s);
}

/* Creates dataset `name` (replacing it) of the given type and dims, unwritten when data is NULL. */
static void put_dataset(hid_t f, const char *name, hid_t type, int ndim, const hsize_t *dims,
                        const void *data)
{
    if (H5Lexists(f, name, H5P_DEFAULT) > 0)
        cr_assert_geq(H5Ldelete(f, name, H5P_DEFAULT), 0);
    hid_t s = H5Screate_simple(ndim, dims, NULL);
    hid_t d = H5Dcreate2(f, name, type, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(d, 0, "cannot create %s", name);
    if (data)
        cr_assert_geq(H5Dwrite(d, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0);
    H5Dclose(d);
    H5Sclose(s);
}

static void m_format(hid_t f) { set_str_attr(f, "format", "keras-weights"); }
static void m_no_format(hid_t f) { H5Adelete(f, "format"); }
static void m_format_int(hid_t f) { set_int_attr(f, "format", 1); }
static void m_version(hid_t f) { set_int_attr(f, "format_version", 2); }
static void m_no_metrics(hid_t f) { H5Ldelete(f, "/metrics", H5P_DEFAULT); }
static void m_no_checkpoint(hid_t f) { H5Ldelete(f, "/checkpoint", H5P_DEFAULT); }
static void m_config_half(hid_t f)
{
    hid_t g = H5Gopen2(f, "/config", H5P_DEFAULT);
    H5Adelete(g, "sha256");
    H5Gclose(g);
}
static void m_config_int(hid_t f)
{
    hid_t g = H5Gopen2(f, "/config", H5P_DEFAULT);
    set_int_attr(g, "yaml", 3);
    H5Gclose(g);
}
static void m_metric_2d(hid_t f)
{
    double v[6] = {0};
    hsize_t dims[2] = {2, 3};
    put_dataset(f, "/metrics/main/train/loss", H5T_NATIVE_DOUBLE, 2, dims, v);
}
static void m_metric_int(hid_t f)
{
    int v[3] = {0};
    hsize_t dims[1] = {3};
    put_dataset(f, "/metrics/main/train/loss", H5T_NATIVE_INT, 1, dims, v);
}
static void m_metric_not_group(hid_t f)
{
    double v[3] = {0};
    hsize_t dims[1] = {3};
    put_dataset(f, "/metrics/stray", H5T_NATIVE_DOUBLE, 1, dims, v);
}
static void m_tensor_5d(hid_t f)
{
    float v[32] = {0};
    hsize_t dims[5] = {2, 2, 2, 2, 2};
    put_dataset(f, "/checkpoint/params/W", H5T_NATIVE_FLOAT, 5, dims, v);
}
static void m_tensor_signed(hid_t f)
{
    int v[4] = {0};
    hsize_t dims[1] = {4};
    put_dataset(f, "/checkpoint/params/W", H5T_NATIVE_INT, 1, dims, v);
}
static void m_tensor_scalar(hid_t f)
{
    float v = 1;
    if (H5Lexists(f, "/checkpoint/params/W", H5P_DEFAULT) > 0)
        H5Ldelete(f, "/checkpoint/params/W", H5P_DEFAULT);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(f, "/checkpoint/params/W", H5T_NATIVE_FLOAT, s, H5P_DEFAULT, H5P_DEFAULT,
                         H5P_DEFAULT);
    H5Dwrite(d, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v);
    H5Dclose(d);
    H5Sclose(s);
}
static void m_tensor_hollow(hid_t f)
{
    /* claims 512 MiB but stores nothing */
    hsize_t dims[2] = {1 << 14, 1 << 13};
    put_dataset(f, "/checkpoint/params/W", H5T_NATIVE_FLOAT, 2, dims, NULL);
}
static void m_tensor_huge(hid_t f)
{
    hsize_t dims[3] = {1 << 20, 1 << 20, 1 << 20};
    put_dataset(f, "/checkpoint/params/W", H5T_NATIVE_FLOAT, 3, dims, NULL);
}
static void m_soft_link(hid_t f)
{
    cr_assert_geq(H5Lcreate_soft("/checkpoint/params/W", f, "/checkpoint/alias", H5P_DEFAULT,
                                 H5P_DEFAULT),
                  0);
}
static void m_external_link(hid_t f)
{
    cr_assert_geq(H5Lcreate_external("/etc/other.h5", "/x", f, "/checkpoint/ext", H5P_DEFAULT,
                                     H5P_DEFAULT),
                  0);
}
static void m_cycle(hid_t f)
{
    cr_assert_geq(H5Lcreate_hard(f, "/checkpoint", f, "/checkpoint/params/loop", H5P_DEFAULT,
                                 H5P_DEFAULT),
                  0);
}
static void m_half_position(hid_t f)
{
    hid_t g = H5Gopen2(f, "/checkpoint", H5P_DEFAULT);
    H5Adelete(g, "epoch");
    H5Gclose(g);
}
static void m_ckpt_string_attr(hid_t f)
{
    hid_t g = H5Gopen2(f, "/checkpoint", H5P_DEFAULT);
    set_str_attr(g, "step", "twelve");
    H5Gclose(g);
}

Test(runfile_bad, malformed_contents)
{
    struct {
        mutation m;
        const char *needle;
    } cases[] = {
        {m_format, "not an aelab run file (format is 'keras-weights'"},
        {m_no_format, "not an aelab run file (no 'format'"},
        {m_format_int, "'format' is not a single string"},
        {m_version, "unsupported format_version 2"},
        {m_no_metrics, "/metrics is missing"},
        {m_no_checkpoint, "/checkpoint is missing"},
        {m_config_half, "/config needs both"},
        {m_config_int, "'yaml' is not a single string"},
        {m_metric_2d, "/metrics/main/train/loss has 2 dimensions"},
        {m_metric_int, "/metrics/main/train/loss is not a floating-point dataset"},
        {m_metric_not_group, "/metrics/stray is not a phase group"},
        {m_tensor_5d, "/checkpoint/params/W has 5 dimensions"},
        {m_tensor_signed, "/checkpoint/params/W is neither a float tensor"},
        {m_tensor_scalar, "/checkpoint/params/W has 0 dimensions"},
        {m_tensor_hollow, "/checkpoint/params/W stores 0 bytes"},
        {m_tensor_huge, "/checkpoint/params/W has dimension"},
        {m_soft_link, "/checkpoint/alias is a soft or external link"},
        {m_external_link, "/checkpoint/ext is a soft or external link"},
        {m_cycle, "nested more than"},
        {m_half_position, "needs both attributes 'phase' and 'epoch'"},
        {m_ckpt_string_attr, "'step' is not a single integer"},
    };
    char dir[512];
    test_tmpdir(dir, sizeof dir);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char path[600], name[32];
        snprintf(name, sizeof name, "case%zu.h5", i);
        make_run(path, sizeof path, dir, name);
        mutate(path, cases[i].m);
        expect_load_error(path, AE_ERR_FORMAT, cases[i].needle);
    }
}

/* Attributes added by other tools that aelab does not write are ignored, not fatal. */
static void m_foreign_attrs(hid_t f)
{
    double x = 0.5;
    hsize_t two = 2;
    hid_t s = H5Screate(H5S_SCALAR), s2 = H5Screate_simple(1, &two, NULL);
    hid_t a = H5Acreate2(f, "learning_rate", H5T_IEEE_F64LE, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_DOUBLE, &x);
    H5Aclose(a);
    a = H5Acreate2(f, "pair", H5T_STD_I64LE, s2, H5P_DEFAULT, H5P_DEFAULT);
    int64_t v[2] = {1, 2};
    H5Awrite(a, H5T_NATIVE_INT64, v);
    H5Aclose(a);
    H5Sclose(s2);
    H5Sclose(s);
    /* fixed-length ASCII strings (what some tools write) are read like ours */
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 5);
    s = H5Screate(H5S_SCALAR);
    a = H5Acreate2(f, "fixed", t, s, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, t, "abcde");
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
    hid_t g = H5Gcreate2(f, "/extra", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(g);
}

Test(runfile_bad, foreign_additions_are_tolerated)
{
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    make_run(path, sizeof path, dir, "run.h5");
    mutate(path, m_foreign_attrs);
    ae_runfile *rf = NULL;
    ae_error err = {0};
    cr_assert_eq(ae_runfile_load(path, &rf, &err), AE_OK, "%s", err.msg);
    cr_assert_str_eq(ae_runfile_attr(rf, "status"), "running");
    cr_assert_str_eq(ae_runfile_attr(rf, "fixed"), "abcde");
    cr_assert_null(ae_runfile_attr(rf, "learning_rate"));
    int64_t v;
    cr_assert_neq(ae_runfile_attr_int(rf, "pair", &v), AE_OK);
    ae_runfile_free(rf);
}

/* Another tool may extend a metric dataset (it is chunked and unlimited). */
static void m_extend_metric(hid_t f)
{
    hid_t d = H5Dopen2(f, "/metrics/main/train/loss", H5P_DEFAULT);
    hsize_t dims[1] = {21}, start[1] = {20}, one[1] = {1};
    cr_assert_geq(H5Dset_extent(d, dims), 0);
    hid_t fs = H5Dget_space(d), ms = H5Screate_simple(1, one, NULL);
    H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, one, NULL);
    double v = 123.0;
    cr_assert_geq(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &v), 0);
    H5Sclose(ms);
    H5Sclose(fs);
    H5Dclose(d);
}

Test(runfile_bad, metrics_are_extendible)
{
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    make_run(path, sizeof path, dir, "run.h5");
    mutate(path, m_extend_metric);
    ae_runfile *rf = NULL;
    ae_error err = {0};
    cr_assert_eq(ae_runfile_load(path, &rf, &err), AE_OK, "%s", err.msg);
    size_t n = 0;
    const double *v = ae_runfile_metric(rf, "main", "train/loss", &n);
    cr_assert_eq(n, 21);
    cr_assert_eq(v[20], 123.0);
    cr_assert_eq(v[1], 0.5);
    ae_runfile_free(rf);
}

Test(runfile_bad, save_into_missing_directory)
{
    char dir[512], path[700];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/no/such/run.h5", dir);
    ae_runfile *rf = ae_runfile_new();
    ae_error err = {0};
    cr_assert_eq(ae_runfile_save(rf, path, &err), AE_ERR_IO);
    cr_assert(strstr(err.msg, path) != NULL, "%s", err.msg);
    char missing[600];
    snprintf(missing, sizeof missing, "directory %s/no/such:", dir);
    cr_assert(strstr(err.msg, missing) != NULL, "does not name the directory: %s", err.msg);
    cr_assert(strstr(err.msg, "No such file") != NULL, "%s", err.msg);
    ae_runfile_free(rf);
}

Test(runfile_bad, save_over_a_directory_keeps_nothing_behind)
{
    char dir[512], path[600], tmp[700];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/run.h5", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    ae_runfile *rf = ae_runfile_new();
    ae_error err = {0};
    cr_assert_eq(ae_runfile_save(rf, path, &err), AE_ERR_IO);
    cr_assert(strstr(err.msg, path) != NULL, "%s", err.msg);
    snprintf(tmp, sizeof tmp, "%s/.run.h5.tmp-%ld", dir, (long)getpid());
    struct stat st;
    cr_assert_neq(stat(tmp, &st), 0, "temporary left behind");
    ae_runfile_free(rf);
}

Test(runfile_bad, hdf5_error_printing_is_restored)
{
    /* save/load silence HDF5 only for their own duration */
    H5E_auto2_t func = NULL;
    void *data = NULL;
    H5Eset_auto2(H5E_DEFAULT, (H5E_auto2_t)H5Eprint2, stderr);
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/absent.h5", dir);
    ae_runfile *rf = NULL;
    ae_error err = {0};
    cr_assert_neq(ae_runfile_load(path, &rf, &err), AE_OK);
    H5Eget_auto2(H5E_DEFAULT, &func, &data);
    cr_assert_eq((void *)func, (void *)H5Eprint2);
    cr_assert_eq(data, (void *)stderr);
}

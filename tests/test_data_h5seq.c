/* HDF5 sequences: round trip of files written here, and clear errors. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <hdf5.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "data/data.h"
#include "helpers.h"
#include "test_data_fixtures.h"

static char dir[PATH_MAX];

static void setup(void)
{
    test_tmpdir(dir, sizeof dir);
}

static void teardown(void)
{
    fx_rmtree(dir);
}

TestSuite(data_h5seq, .init = setup, .fini = teardown);

/* Writes a dataset of the given rank/shape and memory type to path/name. */
static void write_h5(const char *path, const char *name, int rank, const hsize_t *dims,
                     hid_t file_type, hid_t mem_type, const void *data)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    if (f < 0)
        f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    hid_t space = H5Screate_simple(rank, dims, NULL);
    hid_t d = H5Dcreate2(f, name, file_type, space, lcpl, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(d, 0);
    cr_assert_geq(H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0);
    H5Dclose(d);
    H5Sclose(space);
    H5Pclose(lcpl);
    H5Fclose(f);
}

static float value(size_t i, size_t t, size_t f)
{
    return (float)i * 100.0f + (float)t + (float)f * 0.25f;
}

static void expect_error(const char *path, const char *name, const char *what)
{
    ae_dataset d;
    ae_error e;
    ae_error_clear(&e);
    cr_assert_neq(ae_h5seq_load(path, name, 0, &d, &e), AE_OK, "should fail: %s", what);
    cr_assert_not_null(strstr(e.msg, path), "message does not name %s: %s", path, e.msg);
    cr_assert_not_null(strstr(e.msg, what), "message lacks \"%s\": %s", what, e.msg);
    cr_assert_null(d.x);
}

Test(data_h5seq, round_trip_float_in_a_group)
{
    enum { N = 5, T = 7, F = 3 };
    float data[N][T][F];
    for (size_t i = 0; i < N; i++)
        for (size_t t = 0; t < T; t++)
            for (size_t f = 0; f < F; f++)
                data[i][t][f] = value(i, t, f);
    char p[PATH_MAX];
    fx_path(p, sizeof p, dir, "seq.h5");
    hsize_t dims[3] = {N, T, F};
    write_h5(p, "group/seqs", 3, dims, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, data);
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_h5seq_load(p, "group/seqs", 0, &d, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(d.n, N);
    cr_assert_eq(d.c, 1);
    cr_assert_eq(d.h, T);
    cr_assert_eq(d.w, F);
    cr_assert_null(d.labels);
    cr_assert_eq(memcmp(d.x, data, sizeof data), 0);
    ae_dataset_free(&d);
    cr_assert_eq(ae_h5seq_load(p, "/group/seqs", 2, &d, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(d.n, 2);
    cr_assert_eq(memcmp(d.x, data, 2 * sizeof data[0]), 0);
    ae_dataset_free(&d);
}

Test(data_h5seq, integers_and_two_dimensions)
{
    int32_t ints[4][6];
    double dbl[4][6];
    for (int i = 0; i < 4; i++)
        for (int t = 0; t < 6; t++) {
            ints[i][t] = i * 10 - t;
            dbl[i][t] = i + t / 8.0;
        }
    char p[PATH_MAX];
    fx_path(p, sizeof p, dir, "two.h5");
    hsize_t dims[2] = {4, 6};
    write_h5(p, "ints", 2, dims, H5T_STD_I32LE, H5T_NATIVE_INT32, ints);
    write_h5(p, "dbl", 2, dims, H5T_IEEE_F64BE, H5T_NATIVE_DOUBLE, dbl);
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_h5seq_load(p, "ints", 0, &d, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(d.h, 6);
    cr_assert_eq(d.w, 1, "N×T reads as F=1");
    for (int i = 0; i < 4; i++)
        for (int t = 0; t < 6; t++)
            cr_assert_eq(d.x[i * 6 + t], (float)(i * 10 - t));
    ae_dataset_free(&d);
    cr_assert_eq(ae_h5seq_load(p, "dbl", 0, &d, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(d.x[3 * 6 + 5], (float)(3 + 5 / 8.0));
    ae_dataset_free(&d);
}

Test(data_h5seq, errors_name_file_and_dataset)
{
    char p[PATH_MAX];
    fx_path(p, sizeof p, dir, "err.h5");
    float one[2] = {1, 2}, four[1][1][1][2] = {{{{1, 2}}}};
    hsize_t d1[1] = {2}, d4[4] = {1, 1, 1, 2};
    write_h5(p, "flat", 1, d1, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, one);
    write_h5(p, "deep", 4, d4, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, four);
    const char *words[2] = {"a", "b"};
    hid_t str = H5Tcopy(H5T_C_S1);
    H5Tset_size(str, H5T_VARIABLE);
    hsize_t d2[2] = {1, 2};
    write_h5(p, "text", 2, d2, str, str, words);
    H5Tclose(str);
    float bad[1][3][1] = {{{1}, {NAN}, {3}}};
    hsize_t d3[3] = {1, 3, 1};
    write_h5(p, "nan", 3, d3, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, bad);
    write_h5(p, "grp/x", 1, d1, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, one);

    expect_error(p, "missing", "no dataset named 'missing'");
    expect_error(p, "nogroup/missing", "no dataset named 'nogroup/missing'");
    expect_error(p, "grp", "'grp' is not a dataset");
    expect_error(p, "flat", "dataset 'flat' has 1 dimensions");
    expect_error(p, "deep", "dataset 'deep' has 4 dimensions");
    expect_error(p, "text", "dataset 'text' holds string values");
    expect_error(p, "nan", "value at [0][1][0] is not finite");
    expect_error(p, "", "no dataset name");
}

Test(data_h5seq, foreign_missing_and_directory)
{
    char p[PATH_MAX], m[PATH_MAX], z[PATH_MAX];
    fx_write(fx_path(p, sizeof p, dir, "text.h5"), "not hdf5 at all\n", 16);
    fx_write(fx_path(z, sizeof z, dir, "zero.h5"), "", 0);
    expect_error(p, "x", "not an HDF5 file");
    expect_error(z, "x", "empty file");
    expect_error(fx_path(m, sizeof m, dir, "none.h5"), "x", "cannot open: No such file");
    expect_error(dir, "x", "is a directory");
}

Test(data_h5seq, hdf5_prints_nothing, .init = cr_redirect_stderr)
{
    setup();
    char p[PATH_MAX];
    fx_path(p, sizeof p, dir, "quiet.h5");
    float one[2] = {1, 2};
    hsize_t d1[1] = {2};
    write_h5(p, "grp/x", 1, d1, H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, one);
    /* Restore HDF5's default printer: the loader must silence it itself. */
    H5Eset_auto2(H5E_DEFAULT, (H5E_auto2_t)H5Eprint2, stderr);
    ae_dataset d;
    ae_error e;
    cr_assert_neq(ae_h5seq_load(p, "nogroup/x", 0, &d, &e), AE_OK);
    cr_assert_neq(ae_h5seq_load(p, "grp", 0, &d, &e), AE_OK);
    fflush(stderr);
    cr_assert_stderr_eq_str("");
}

/* One-tensor HDF5 files, the HDF5 version string, and interoperability of run
 * files with the standard HDF5 tools (h5dump, h5py) when they are installed. */
#include <criterion/criterion.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "runfile/h5file.h"
#include "runfile/runfile.h"

Test(runfile_tensorfile, round_trip_with_labels)
{
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/recon.h5", dir);
    int64_t shape[3] = {4, 2, 3};
    float data[24];
    int32_t labels[4] = {9, -1, 0, 7};
    for (int i = 0; i < 24; i++)
        data[i] = (float)i * 0.5f;
    ae_error err = {0};
    cr_assert_eq(ae_h5_write_tensor_file(path, "recon/images", 3, shape, data, labels, &err),
                 AE_OK, "%s", err.msg);
    int ndim = 0;
    int64_t back_shape[4];
    float *back = NULL;
    cr_assert_eq(ae_h5_read_tensor_file(path, "recon/images", &ndim, back_shape, &back, &err),
                 AE_OK, "%s", err.msg);
    cr_assert_eq(ndim, 3);
    cr_assert_eq(back_shape[0], 4);
    cr_assert_eq(back_shape[1], 2);
    cr_assert_eq(back_shape[2], 3);
    cr_assert_eq(back_shape[3], 1);
    cr_assert_eq(memcmp(back, data, sizeof data), 0);
    free(back);
    int64_t n = 0;
    int32_t *lab = NULL;
    cr_assert_eq(ae_h5_read_labels_file(path, &n, &lab, &err), AE_OK, "%s", err.msg);
    cr_assert_eq(n, 4);
    cr_assert_eq(memcmp(lab, labels, sizeof labels), 0);
    free(lab);

    /* a second write replaces the file: no labels any more */
    int64_t s1[1] = {2};
    cr_assert_eq(ae_h5_write_tensor_file(path, "codes", 1, s1, data, NULL, &err), AE_OK, "%s",
                 err.msg);
    cr_assert_eq(ae_h5_read_labels_file(path, &n, &lab, &err), AE_ERR_FORMAT);
    cr_assert(strstr(err.msg, path) && strstr(err.msg, "labels"), "%s", err.msg);
    cr_assert_null(lab);
    cr_assert_eq(ae_h5_read_tensor_file(path, "recon/images", &ndim, back_shape, &back, &err),
                 AE_ERR_FORMAT);
    cr_assert(strstr(err.msg, path) && strstr(err.msg, "recon/images"), "%s", err.msg);
    cr_assert_null(back);
}

Test(runfile_tensorfile, bad_arguments_and_files)
{
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/t.h5", dir);
    float data[4] = {1, 2, 3, 4};
    int32_t labels[2] = {0, 1};
    int64_t shape[2] = {2, 2}, zero[2] = {2, 0};
    ae_error err = {0};
    cr_assert_eq(ae_h5_write_tensor_file(path, "labels", 2, shape, data, labels, &err),
                 AE_ERR_CONFIG);
    cr_assert_eq(ae_h5_write_tensor_file(path, "a//b", 2, shape, data, NULL, &err),
                 AE_ERR_CONFIG);
    cr_assert_eq(ae_h5_write_tensor_file(path, "x", 2, zero, data, NULL, &err), AE_ERR_SHAPE);
    cr_assert_eq(ae_h5_write_tensor_file(path, "x", 5, shape, data, NULL, &err), AE_ERR_SHAPE);
    char nodir[700];
    snprintf(nodir, sizeof nodir, "%s/missing/t.h5", dir);
    cr_assert_eq(ae_h5_write_tensor_file(nodir, "x", 2, shape, data, NULL, &err), AE_ERR_IO);
    cr_assert(strstr(err.msg, nodir) != NULL, "%s", err.msg);

    /* labels are integers: reading them as a tensor is refused */
    cr_assert_eq(ae_h5_write_tensor_file(path, "x", 2, shape, data, labels, &err), AE_OK, "%s",
                 err.msg);
    int ndim;
    int64_t s[4];
    float *back = NULL;
    cr_assert_eq(ae_h5_read_tensor_file(path, "labels", &ndim, s, &back, &err), AE_ERR_FORMAT);
    cr_assert(strstr(err.msg, "not floating-point"), "%s", err.msg);
    /* garbage */
    FILE *f = fopen(path, "w");
    fputs("not hdf5 at all", f);
    fclose(f);
    cr_assert_eq(ae_h5_read_tensor_file(path, "x", &ndim, s, &back, &err), AE_ERR_FORMAT);
    cr_assert(strstr(err.msg, path) && strstr(err.msg, "not an HDF5 file"), "%s", err.msg);
}

Test(runfile_tensorfile, soft_links_are_not_followed)
{
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/t.h5", dir);
    float data[2] = {1, 2};
    int64_t shape[1] = {2};
    ae_error err = {0};
    cr_assert_eq(ae_h5_write_tensor_file(path, "x", 1, shape, data, NULL, &err), AE_OK);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t fid = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert_geq(H5Lcreate_soft("/x", fid, "/alias", H5P_DEFAULT, H5P_DEFAULT), 0);
    cr_assert_geq(H5Lcreate_external("/nonexistent.h5", "/x", fid, "/ext", H5P_DEFAULT,
                                     H5P_DEFAULT),
                  0);
    H5Fclose(fid);
    int ndim;
    int64_t s[4];
    float *back = NULL;
    cr_assert_eq(ae_h5_read_tensor_file(path, "x", &ndim, s, &back, &err), AE_OK, "%s",
                 err.msg);
    free(back);
    cr_assert_eq(ae_h5_read_tensor_file(path, "alias", &ndim, s, &back, &err), AE_ERR_FORMAT);
    cr_assert_eq(ae_h5_read_tensor_file(path, "ext", &ndim, s, &back, &err), AE_ERR_FORMAT);
}

Test(runfile_tensorfile, version_string)
{
    char v[32], expect[32];
    ae_h5_version_string(v, sizeof v);
    snprintf(expect, sizeof expect, "%d.%d.%d", H5_VERS_MAJOR, H5_VERS_MINOR, H5_VERS_RELEASE);
    cr_assert_str_eq(v, expect);
    char tiny[4];
    ae_h5_version_string(tiny, sizeof tiny);
    cr_assert_eq(strlen(tiny), 3, "truncated, terminated");
}

/* ---- interoperability with the standard tools ---- */

static void save_demo_run(char *path, size_t size, const char *dir)
{
    snprintf(path, size, "%s/run.h5", dir);
    ae_runfile *rf = ae_runfile_new();
    cr_assert_eq(ae_runfile_set_attr(rf, "status", "completed"), AE_OK);
    cr_assert_eq(ae_runfile_set_attr_int(rf, "seed", 7), AE_OK);
    cr_assert_eq(ae_runfile_set_config(rf, "epochs: 2\n", "ab"), AE_OK);
    cr_assert_eq(ae_runfile_append_metric(rf, "main", "train/loss", 0.5), AE_OK);
    cr_assert_eq(ae_runfile_append_metric(rf, "main", "train/loss", 0.25), AE_OK);
    float w[6] = {1, 2, 3, 4, 5, 6};
    int64_t shape[2] = {2, 3};
    cr_assert_eq(ae_runfile_ckpt_put_tensor(rf, "params/enc/W", 2, shape, w), AE_OK);
    cr_assert_eq(ae_runfile_ckpt_put_int(rf, "step", 40), AE_OK);
    ae_error err = {0};
    cr_assert_eq(ae_runfile_save(rf, path, &err), AE_OK, "%s", err.msg);
    ae_runfile_free(rf);
}

/* Runs cmd and returns its output (caller frees) and exit status. */
static char *run_capture(const char *cmd, int *status)
{
    *status = -1;
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    size_t got;
    while (out && (got = fread(out + n, 1, cap - 1 - n, p)) > 0) {
        n += got;
        if (n == cap - 1)
            break;
    }
    *status = pclose(p);
    if (out)
        out[n] = '\0';
    return out;
}

Test(runfile_tensorfile, h5dump_shows_the_documented_layout)
{
    if (system("h5dump --version >/dev/null 2>&1") != 0)
        cr_skip_test("h5dump is not installed (Debian package hdf5-tools)");
    char dir[512], path[600], cmd[800];
    test_tmpdir(dir, sizeof dir);
    save_demo_run(path, sizeof path, dir);
    snprintf(cmd, sizeof cmd, "h5dump -H '%s' 2>&1", path);
    int status;
    char *out = run_capture(cmd, &status);
    cr_assert_not_null(out);
    cr_assert_eq(status, 0, "h5dump failed:\n%s", out);
    const char *expect[] = {"ATTRIBUTE \"format\"", "CSET H5T_CSET_UTF8", "H5T_STD_I64LE",
                            "GROUP \"config\"", "GROUP \"metrics\"", "GROUP \"main\"",
                            "GROUP \"train\"", "DATASET \"loss\"", "H5T_IEEE_F64LE",
                            "( 2 ) / ( H5S_UNLIMITED )", "GROUP \"checkpoint\"",
                            "GROUP \"params\"", "GROUP \"enc\"", "DATASET \"W\"",
                            "H5T_IEEE_F32LE", "( 2, 3 ) / ( 2, 3 )", "ATTRIBUTE \"step\""};
    for (size_t i = 0; i < sizeof expect / sizeof *expect; i++)
        cr_assert(strstr(out, expect[i]) != NULL, "h5dump -H lacks %s:\n%s", expect[i], out);
    free(out);
}

Test(runfile_tensorfile, h5py_reads_strings_as_str)
{
    const char *py = NULL;
    if (system("python3 -c 'import h5py' >/dev/null 2>&1") == 0)
        py = "python3";
    else if (system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") == 0)
        py = "/usr/bin/python3";
    else
        cr_skip_test("h5py is not installed (Debian package python3-h5py)");
    char dir[512], path[600], cmd[1600];
    test_tmpdir(dir, sizeof dir);
    save_demo_run(path, sizeof path, dir);
    snprintf(cmd, sizeof cmd,
             "%s -c 'import h5py, sys\n"
             "f = h5py.File(sys.argv[1], \"r\")\n"
             "a = f.attrs\n"
             "assert isinstance(a[\"status\"], str) and a[\"status\"] == \"completed\"\n"
             "assert a[\"format\"] == \"aelab-run\" and int(a[\"format_version\"]) == 1\n"
             "assert int(a[\"seed\"]) == 7\n"
             "assert f[\"config\"].attrs[\"yaml\"] == \"epochs: 2\\n\"\n"
             "assert list(f[\"metrics/main/train/loss\"][:]) == [0.5, 0.25]\n"
             "assert f[\"metrics/main/train/loss\"].maxshape == (None,)\n"
             "w = f[\"checkpoint/params/enc/W\"]\n"
             "assert w.shape == (2, 3) and w.dtype == \"float32\" and w[1, 2] == 6\n"
             "assert int(f[\"checkpoint\"].attrs[\"step\"]) == 40\n"
             "print(\"ok\")' '%s' 2>&1",
             py, path);
    int status;
    char *out = run_capture(cmd, &status);
    cr_assert_not_null(out);
    cr_assert_eq(status, 0, "h5py check failed:\n%s", out);
    cr_assert_str_eq(out, "ok\n");
    free(out);
}

/* CIFAR-10 binary batches: round trip (channel planes!), broken files. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdlib.h>
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

TestSuite(data_cifar, .init = setup, .fini = teardown);

static void write_batch(const char *path, size_t n, size_t first)
{
    size_t len;
    uint8_t *b = fx_cifar_batch(n, first, &len);
    fx_write(path, b, len);
    free(b);
}

static void expect_error(const char *const *paths, size_t n, const char *file, const char *what)
{
    ae_dataset d;
    ae_error e;
    ae_error_clear(&e);
    cr_assert_neq(ae_cifar10_load(paths, n, 0, &d, &e), AE_OK, "should fail: %s", what);
    cr_assert_not_null(strstr(e.msg, file), "message does not name %s: %s", file, e.msg);
    cr_assert_not_null(strstr(e.msg, what), "message lacks \"%s\": %s", what, e.msg);
    cr_assert_null(d.x);
}

Test(data_cifar, round_trip_keeps_channel_planes)
{
    char a[PATH_MAX], b[PATH_MAX];
    write_batch(fx_path(a, sizeof a, dir, "data_batch_1.bin"), 3, 0);
    write_batch(fx_path(b, sizeof b, dir, "data_batch_2.bin"), 4, 3);
    const char *paths[] = {a, b};
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_cifar10_load(paths, 2, 0, &d, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(d.n, 7);
    cr_assert_eq(d.c, 3);
    cr_assert_eq(d.h, 32);
    cr_assert_eq(d.w, 32);
    cr_assert_eq(d.n_classes, 10);
    cr_assert_eq((uintptr_t)d.x % 64, 0);
    for (size_t i = 0; i < 7; i++) {
        cr_assert_eq(d.labels[i], (int32_t)(i % 10));
        for (int c = 0; c < 3; c++)
            for (size_t p = 0; p < 1024; p++)
                cr_assert_eq(d.x[(i * 3 + c) * 1024 + p], fx_cifar_byte(i, c, p) / 255.0f,
                             "sample %zu channel %d pixel %zu", i, c, p);
    }
    /* Row-major inside a plane: pixel (row 1, col 0) is byte 32 of the plane. */
    cr_assert_eq(d.x[32], fx_cifar_byte(0, 0, 32) / 255.0f);
    ae_dataset_free(&d);
}

Test(data_cifar, limit_spans_files)
{
    char a[PATH_MAX], b[PATH_MAX];
    write_batch(fx_path(a, sizeof a, dir, "a.bin"), 3, 0);
    write_batch(fx_path(b, sizeof b, dir, "b.bin"), 4, 3);
    const char *paths[] = {a, b};
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_cifar10_load(paths, 2, 5, &d, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(d.n, 5);
    cr_assert_eq(d.labels[4], 4);
    cr_assert_eq(d.x[4 * 3072 + 2 * 1024 + 7], fx_cifar_byte(4, 2, 7) / 255.0f);
    ae_dataset_free(&d);
}

Test(data_cifar, bad_label_byte)
{
    size_t len;
    uint8_t *bytes = fx_cifar_batch(3, 0, &len);
    bytes[3073] = 10; /* record 1 */
    char p[PATH_MAX];
    fx_write(fx_path(p, sizeof p, dir, "bad.bin"), bytes, len);
    free(bytes);
    const char *paths[] = {p};
    expect_error(paths, 1, p, "record 1 (byte offset 3073): label 10 out of range 0..9");
}

Test(data_cifar, size_not_a_multiple_of_3073)
{
    size_t len;
    uint8_t *bytes = fx_cifar_batch(2, 0, &len);
    char p[PATH_MAX], ok[PATH_MAX];
    fx_write(fx_path(p, sizeof p, dir, "short.bin"), bytes, len - 1);
    fx_write(fx_path(ok, sizeof ok, dir, "ok.bin"), bytes, len);
    free(bytes);
    const char *paths[] = {ok, p};
    expect_error(paths, 2, p, "size 6145 is not a multiple of 3073");
}

Test(data_cifar, empty_directory_missing_and_no_files)
{
    char p[PATH_MAX], m[PATH_MAX];
    fx_write(fx_path(p, sizeof p, dir, "empty.bin"), "", 0);
    const char *one[] = {p};
    expect_error(one, 1, p, "empty file");
    const char *d[] = {dir};
    expect_error(d, 1, dir, "is a directory");
    const char *missing[] = {fx_path(m, sizeof m, dir, "test_batch.bin")};
    expect_error(missing, 1, m, "cannot open: No such file or directory");
    ae_dataset ds;
    ae_error e;
    cr_assert_neq(ae_cifar10_load(NULL, 0, 0, &ds, &e), AE_OK);
    cr_assert_not_null(strstr(e.msg, "no batch files"), "%s", e.msg);
}

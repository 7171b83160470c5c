/* IDX loader: round trips of generated files, and every kind of broken file. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

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

TestSuite(data_idx, .init = setup, .fini = teardown);

static void check_contents(const ae_dataset *d, size_t n, int rows, int cols, int with_labels)
{
    cr_assert_eq(d->n, n);
    cr_assert_eq(d->c, 1);
    cr_assert_eq(d->h, rows);
    cr_assert_eq(d->w, cols);
    cr_assert_eq((uintptr_t)d->x % 64, 0, "x must be 64-byte aligned");
    size_t pix = (size_t)rows * cols;
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < pix; p++)
            cr_assert_eq(d->x[i * pix + p], (float)fx_pixel(i, p) / 255.0f, "image %zu pixel %zu",
                         i, p);
    if (with_labels) {
        cr_assert_not_null(d->labels);
        for (size_t i = 0; i < n; i++)
            cr_assert_eq(d->labels[i], (int32_t)(i % 10));
    } else {
        cr_assert_null(d->labels);
        cr_assert_eq(d->n_classes, 0);
    }
}

/* Expects failure with a message naming `file` and containing `what`. */
static void expect_error(const char *images, const char *labels, const char *file,
                         const char *what)
{
    ae_dataset d;
    ae_error e;
    ae_error_clear(&e);
    int rc = ae_idx_load(images, labels, 0, &d, &e);
    cr_assert_neq(rc, AE_OK, "loading should fail (%s)", what);
    cr_assert_eq(e.code, rc);
    cr_assert_not_null(strstr(e.msg, file), "message does not name %s: %s", file, e.msg);
    cr_assert_not_null(strstr(e.msg, what), "message lacks \"%s\": %s", what, e.msg);
    cr_assert_null(d.x, "a failed load leaves the dataset empty");
    cr_assert_eq(d.n, 0);
}

Test(data_idx, plain_round_trip)
{
    char img[PATH_MAX], lab[PATH_MAX];
    fx_write_idx_pair(dir, "imgs", "labs", 23, 5, 7, 0, img, lab);
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_idx_load(img, lab, 0, &d, &e), AE_OK, "%s", e.msg);
    check_contents(&d, 23, 5, 7, 1);
    cr_assert_eq(d.n_classes, 10);
    ae_dataset_free(&d);
    cr_assert_null(d.x);
    cr_assert_eq(d.n, 0);
}

Test(data_idx, gzip_round_trip)
{
    char img[PATH_MAX], lab[PATH_MAX];
    fx_write_idx_pair(dir, "imgs", "labs", 40, 28, 28, 1, img, lab);
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_idx_load(img, lab, 0, &d, &e), AE_OK, "%s", e.msg);
    check_contents(&d, 40, 28, 28, 1);
    ae_dataset_free(&d);
}

Test(data_idx, extremes_scale_to_0_and_1)
{
    size_t len;
    uint8_t *b = fx_idx_images(0x803, 1, 1, 3, &len);
    b[16] = 0;
    b[17] = 255;
    b[18] = 51;
    char p[PATH_MAX];
    fx_write(fx_path(p, sizeof p, dir, "x"), b, len);
    free(b);
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_idx_load(p, NULL, 0, &d, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(d.x[0], 0.0f);
    cr_assert_eq(d.x[1], 1.0f);
    cr_assert_float_eq(d.x[2], 0.2f, 1e-7);
    ae_dataset_free(&d);
}

Test(data_idx, without_labels_and_with_limit)
{
    char img[PATH_MAX], lab[PATH_MAX];
    fx_write_idx_pair(dir, "imgs", "labs", 12, 3, 3, 1, img, lab);
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_idx_load(img, NULL, 0, &d, &e), AE_OK, "%s", e.msg);
    check_contents(&d, 12, 3, 3, 0);
    ae_dataset_free(&d);
    cr_assert_eq(ae_idx_load(img, lab, 5, &d, &e), AE_OK, "%s", e.msg);
    check_contents(&d, 5, 3, 3, 1);
    ae_dataset_free(&d);
    cr_assert_eq(ae_idx_load(img, lab, 1000, &d, &e), AE_OK, "%s", e.msg);
    check_contents(&d, 12, 3, 3, 1);
    ae_dataset_free(&d);
}

Test(data_idx, limit_still_checks_the_whole_file)
{
    size_t len;
    uint8_t *b = fx_idx_images(0x803, 10, 4, 4, &len);
    char p[PATH_MAX];
    fx_write_gz(fx_path(p, sizeof p, dir, "short.gz"), b, len - 5);
    free(b);
    ae_dataset d;
    ae_error e;
    cr_assert_neq(ae_idx_load(p, NULL, 2, &d, &e), AE_OK);
    cr_assert_not_null(strstr(e.msg, "truncated"), "%s", e.msg);
}

Test(data_idx, wrong_magic)
{
    size_t len;
    uint8_t *b = fx_idx_images(0x804, 2, 2, 2, &len);
    char p[PATH_MAX];
    fx_write_gz(fx_path(p, sizeof p, dir, "t10k-images-idx3-ubyte.gz"), b, len);
    free(b);
    expect_error(p, NULL, p, "bad magic number 0x00000804 (expected 0x00000803 for images)");
}

Test(data_idx, labels_file_given_as_images)
{
    char img[PATH_MAX], lab[PATH_MAX];
    fx_write_idx_pair(dir, "imgs", "labs", 3, 2, 2, 0, img, lab);
    expect_error(lab, NULL, lab, "looks like a labels file");
    expect_error(img, img, img, "bad magic number 0x00000803 (expected 0x00000801 for labels");
}

Test(data_idx, truncated_plain)
{
    size_t len;
    uint8_t *b = fx_idx_images(0x803, 10, 28, 28, &len);
    char p[PATH_MAX];
    fx_write(fx_path(p, sizeof p, dir, "imgs"), b, 4000);
    free(b);
    expect_error(p, NULL, p, "truncated: expected 7856 bytes, got 4000");
}

Test(data_idx, truncated_gzip_contents)
{
    size_t len;
    uint8_t *b = fx_idx_images(0x803, 10, 28, 28, &len);
    char p[PATH_MAX];
    fx_write_gz(fx_path(p, sizeof p, dir, "imgs.gz"), b, 4000);
    free(b);
    expect_error(p, NULL, p, "truncated: expected 7856 bytes after decompression, got 4000");
}

Test(data_idx, truncated_gzip_stream)
{
    /* A cut .gz: the compressed stream itself ends early. */
    size_t len;
    uint8_t *b = fx_idx_images(0x803, 50, 28, 28, &len);
    char p[PATH_MAX], q[PATH_MAX];
    fx_write_gz(fx_path(p, sizeof p, dir, "full.gz"), b, len);
    free(b);
    FILE *f = fopen(p, "rb");
    cr_assert_not_null(f);
    uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    cr_assert_gt(n, 100);
    fx_write(fx_path(q, sizeof q, dir, "cut.gz"), buf, n / 2);
    expect_error(q, NULL, q, "truncated");
    /* Cut inside or just before the 8-byte trailer (CRC, size): all data may
     * have arrived, but the file is still incomplete. */
    for (size_t cut = 1; cut <= 12; cut++) {
        fx_write(q, buf, n - cut);
        expect_error(q, NULL, q, "truncated");
    }
}

Test(data_idx, garbage_after_gzip_stream)
{
    size_t len;
    uint8_t *b = fx_idx_images(0x803, 3, 4, 4, &len);
    char p[PATH_MAX];
    fx_write_gz(fx_path(p, sizeof p, dir, "g.gz"), b, len);
    free(b);
    FILE *f = fopen(p, "ab");
    cr_assert_not_null(f);
    fputs("garbage", f);
    fclose(f);
    expect_error(p, NULL, p, "after the end of the compressed stream");
}

Test(data_idx, concatenated_gzip_members)
{
    size_t len;
    uint8_t *b = fx_idx_images(0x803, 9, 6, 6, &len);
    char p[PATH_MAX], q[PATH_MAX];
    fx_write_gz(fx_path(p, sizeof p, dir, "a.gz"), b, 100);
    fx_write_gz(fx_path(q, sizeof q, dir, "b.gz"), b + 100, len - 100);
    free(b);
    fx_append_file(p, q);
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_idx_load(p, NULL, 0, &d, &e), AE_OK, "%s", e.msg);
    check_contents(&d, 9, 6, 6, 0);
    ae_dataset_free(&d);
}

Test(data_idx, corrupt_gzip_data)
{
    size_t len;
    uint8_t *b = fx_idx_images(0x803, 20, 8, 8, &len);
    char p[PATH_MAX];
    fx_write_gz(fx_path(p, sizeof p, dir, "bad.gz"), b, len);
    free(b);
    FILE *f = fopen(p, "r+b");
    cr_assert_not_null(f);
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    for (size_t i = 12; i < n - 8; i++)
        buf[i] ^= 0x5a;
    fseek(f, 0, SEEK_SET);
    fwrite(buf, 1, n, f);
    fclose(f);
    ae_dataset d;
    ae_error e;
    cr_assert_neq(ae_idx_load(p, NULL, 0, &d, &e), AE_OK);
    cr_assert_not_null(strstr(e.msg, p), "%s", e.msg);
}

Test(data_idx, size_mismatch_trailing_bytes)
{
    size_t len;
    uint8_t *b = fx_idx_images(0x803, 4, 3, 3, &len);
    uint8_t *big = calloc(len + 9, 1);
    memcpy(big, b, len);
    char p[PATH_MAX], q[PATH_MAX];
    fx_write(fx_path(p, sizeof p, dir, "imgs"), big, len + 9);
    fx_write_gz(fx_path(q, sizeof q, dir, "imgs.gz"), big, len + 9);
    free(b);
    free(big);
    expect_error(p, NULL, p, "size mismatch");
    expect_error(p, NULL, p, "4 images of 3×3 (52 bytes) but the file has 61 bytes");
    expect_error(q, NULL, q, "size mismatch");
}

Test(data_idx, wrong_dimensions_for_the_data)
{
    /* The header says 28×28 but the data is 10 images of 27×27. */
    size_t len;
    uint8_t *b = fx_idx_images(0x803, 10, 27, 27, &len);
    b[11] = 28;
    b[15] = 28;
    char p[PATH_MAX];
    fx_write(fx_path(p, sizeof p, dir, "imgs"), b, len);
    free(b);
    expect_error(p, NULL, p, "truncated: expected 7856 bytes, got 7306");
}

Test(data_idx, count_mismatch_with_labels)
{
    size_t li, ll;
    uint8_t *bi = fx_idx_images(0x803, 6, 2, 2, &li);
    uint8_t *bl = fx_idx_labels(0x801, 7, &ll);
    char img[PATH_MAX], lab[PATH_MAX];
    fx_write(fx_path(img, sizeof img, dir, "imgs"), bi, li);
    fx_write_gz(fx_path(lab, sizeof lab, dir, "labs.gz"), bl, ll);
    free(bi);
    free(bl);
    expect_error(img, lab, lab, "count mismatch: 7 labels");
    expect_error(img, lab, img, "has 6 images");
}

Test(data_idx, truncated_labels)
{
    size_t li, ll;
    uint8_t *bi = fx_idx_images(0x803, 6, 2, 2, &li);
    uint8_t *bl = fx_idx_labels(0x801, 6, &ll);
    char img[PATH_MAX], lab[PATH_MAX];
    fx_write(fx_path(img, sizeof img, dir, "imgs"), bi, li);
    fx_write(fx_path(lab, sizeof lab, dir, "labs"), bl, ll - 2);
    free(bi);
    free(bl);
    expect_error(img, lab, lab, "truncated: expected 14 bytes, got 12");
}

Test(data_idx, absurd_dimensions)
{
    const uint32_t cases[][3] = {
        {0xffffffffu, 28, 28}, {100000001u, 1, 1}, {10, 5000, 5}, {10, 0, 28}, {0, 28, 28}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t len;
        uint8_t *b = fx_idx_images(0x803, 0, cases[k][1], cases[k][2], &len);
        b[4] = (uint8_t)(cases[k][0] >> 24);
        b[5] = (uint8_t)(cases[k][0] >> 16);
        b[6] = (uint8_t)(cases[k][0] >> 8);
        b[7] = (uint8_t)cases[k][0];
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/absurd%zu.gz", dir, k);
        fx_write_gz(p, b, len);
        free(b);
        expect_error(p, NULL, p, "absurd dimensions");
    }
}

Test(data_idx, lying_gzip_header_does_not_allocate_its_claim)
{
    /* 20 million 10×10 images claimed (8 GB of floats), 100 bytes present.
     * Under a 2 GiB address-space cap an up-front allocation would fail with
     * "out of memory"; reading as data arrives reports the truncation. */
#if !defined(__SANITIZE_ADDRESS__)
    if (!fx_under_valgrind()) {
        struct rlimit lim = {(rlim_t)2 << 30, (rlim_t)2 << 30};
        cr_assert_eq(setrlimit(RLIMIT_AS, &lim), 0);
    }
#endif
    size_t len;
    uint8_t *b = fx_idx_images(0x803, 1, 10, 10, &len);
    uint32_t n = 20000000u;
    b[4] = (uint8_t)(n >> 24);
    b[5] = (uint8_t)(n >> 16);
    b[6] = (uint8_t)(n >> 8);
    b[7] = (uint8_t)n;
    char p[PATH_MAX];
    fx_write_gz(fx_path(p, sizeof p, dir, "liar.gz"), b, len);
    free(b);
    expect_error(p, NULL, p, "truncated: expected 2000000016 bytes after decompression, got 116");
}

Test(data_idx, empty_file)
{
    char p[PATH_MAX], q[PATH_MAX];
    fx_write(fx_path(p, sizeof p, dir, "empty"), "", 0);
    fx_write_gz(fx_path(q, sizeof q, dir, "empty.gz"), "", 0);
    expect_error(p, NULL, p, "empty file");
    expect_error(q, NULL, q, "empty file");
}

Test(data_idx, short_header)
{
    size_t len;
    uint8_t *b = fx_idx_images(0x803, 1, 1, 1, &len);
    char p[PATH_MAX];
    fx_write(fx_path(p, sizeof p, dir, "short"), b, 9);
    free(b);
    expect_error(p, NULL, p, "truncated header: expected 16 bytes, got 9");
}

Test(data_idx, directory_and_missing_file)
{
    expect_error(dir, NULL, dir, "is a directory");
    char p[PATH_MAX], img[PATH_MAX], lab[PATH_MAX];
    fx_path(p, sizeof p, dir, "no-such-file.gz");
    expect_error(p, NULL, p, "cannot open: No such file or directory");
    fx_write_idx_pair(dir, "imgs", "labs", 3, 2, 2, 0, img, lab);
    expect_error(img, p, p, "cannot open");
}

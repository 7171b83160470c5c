#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw */
#endif
#include "test_data_fixtures.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <errno.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

char *fx_path(char *out, size_t size, const char *dir, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
    return out;
}

int fx_under_valgrind(void)
{
    const char *preload = getenv("LD_PRELOAD");
    return preload && strstr(preload, "vgpreload") != NULL;
}

void fx_mkdirs(const char *path)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            cr_assert(mkdir(buf, 0755) == 0 || errno == EEXIST, "cannot create %s", buf);
            *p = c;
            if (!c)
                break;
        }
    }
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void fx_rmtree(const char *path)
{
    if (path && *path)
        nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void fx_append_file(const char *dst, const char *src)
{
    FILE *in = fopen(src, "rb"), *out = fopen(dst, "ab");
    cr_assert(in && out);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        cr_assert_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    cr_assert_eq(fclose(out), 0);
}

void fx_write(const char *path, const void *bytes, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot create %s", path);
    cr_assert_eq(fwrite(bytes, 1, n, f), n);
    cr_assert_eq(fclose(f), 0);
}

void fx_write_gz(const char *path, const void *bytes, size_t n)
{
    gzFile g = gzopen(path, "wb6");
    cr_assert_not_null(g, "cannot create %s", path);
    if (n)
        cr_assert_eq(gzwrite(g, bytes, (unsigned)n), (int)n);
    cr_assert_eq(gzclose(g), Z_OK);
}

uint8_t fx_pixel(size_t i, size_t p)
{
    return (uint8_t)((i * 37 + p * 11) & 0xff);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

uint8_t *fx_idx_images(uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols, size_t *len)
{
    size_t pix = (size_t)rows * cols;
    *len = 16 + (size_t)n * pix;
    uint8_t *b = malloc(*len);
    cr_assert_not_null(b);
    put_be32(b, magic);
    put_be32(b + 4, n);
    put_be32(b + 8, rows);
    put_be32(b + 12, cols);
    for (size_t i = 0; i < n; i++)
        for (size_t p = 0; p < pix; p++)
            b[16 + i * pix + p] = fx_pixel(i, p);
    return b;
}

uint8_t *fx_idx_labels(uint32_t magic, uint32_t n, size_t *len)
{
    *len = 8 + (size_t)n;
    uint8_t *b = malloc(*len);
    cr_assert_not_null(b);
    put_be32(b, magic);
    put_be32(b + 4, n);
    for (size_t i = 0; i < n; i++)
        b[8 + i] = (uint8_t)(i % 10);
    return b;
}

void fx_write_idx_pair(const char *dir, const char *img_name, const char *lab_name, uint32_t n,
                       uint32_t rows, uint32_t cols, int gz, char *img, char *lab)
{
    size_t li, ll;
    uint8_t *bi = fx_idx_images(0x803, n, rows, cols, &li);
    uint8_t *bl = fx_idx_labels(0x801, n, &ll);
    snprintf(img, 4096, "%s/%s%s", dir, img_name, gz ? ".gz" : "");
    snprintf(lab, 4096, "%s/%s%s", dir, lab_name, gz ? ".gz" : "");
    (gz ? fx_write_gz : fx_write)(img, bi, li);
    (gz ? fx_write_gz : fx_write)(lab, bl, ll);
    free(bi);
    free(bl);
}

uint8_t fx_cifar_byte(size_t i, int channel, size_t p)
{
    switch (channel) {
    case 0: return (uint8_t)((i + p) & 0xff);
    case 1: return (uint8_t)((3 * i + 2 * p + 1) & 0xff);
    default: return (uint8_t)((255 - i - p) & 0xff);
    }
}

uint8_t *fx_cifar_batch(size_t n, size_t first, size_t *len)
{
    *len = n * 3073;
    uint8_t *b = malloc(*len ? *len : 1);
    cr_assert_not_null(b);
    for (size_t i = 0; i < n; i++) {
        uint8_t *r = b + i * 3073;
        r[0] = (uint8_t)((first + i) % 10);
        for (int c = 0; c < 3; c++)
            for (size_t p = 0; p < 1024; p++)
                r[1 + c * 1024 + p] = fx_cifar_byte(first + i, c, p);
    }
    return b;
}

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "test_viz.h"
#include "viz/viz.h"

static void out_path(char *buf, size_t size, const char *name)
{
    char dir[512];
    test_tmpdir(dir, sizeof dir);
    snprintf(buf, size, "%s/%s", dir, name);
}

static void fill(float *v, size_t n, float x)
{
    for (size_t i = 0; i < n; i++)
        v[i] = x;
}

Test(viz_grid, size_formula_and_constant_tile)
{
    char path[600];
    out_path(path, sizeof path, "grid.png");
    enum { R = 2, C = 3, H = 5, W = 4, S = 2, P = 3 };
    float *img = malloc(sizeof(float) * R * C * H * W);
    fill(img, R * C * H * W, 0.5f);
    ae_error err = {0};
    cr_assert_eq(ae_viz_image_grid(path, img, R, C, 1, H, W, 0, 1, S, P, &err), AE_OK, "%s",
                 err.msg);
    test_png p = test_png_read(path);
    cr_assert_eq(p.w, P + C * (W * S + P));
    cr_assert_eq(p.h, P + R * (H * S + P));
    /* inside the last tile: 0.5 of [0,1] -> 128 +- 1, gray */
    const uint8_t *px = test_png_at(&p, p.w - P - 1, p.h - P - 1);
    cr_assert(abs(px[0] - 128) <= 1 && px[0] == px[1] && px[1] == px[2], "got %d %d %d", px[0],
              px[1], px[2]);
    /* the pad is the border colour */
    cr_assert_eq(test_png_at(&p, 0, 0)[0], AE_VIZ_GRID_BORDER);
    cr_assert_eq(test_png_at(&p, P + W * S, P)[1], AE_VIZ_GRID_BORDER);
    free(p.rgb);
    free(img);
}

Test(viz_grid, cells_are_row_major_with_scale_and_clamping)
{
    char path[600];
    out_path(path, sizeof path, "cells.png");
    enum { R = 2, C = 2, H = 3, W = 3, S = 3, P = 1 };
    float img[R * C * H * W];
    /* cell values: -1 (clamps to 0), 0.25, 0.75, 7 (clamps to 255), range [0, 1] */
    const float v[4] = {-1.0f, 0.25f, 0.75f, 7.0f};
    for (int k = 0; k < 4; k++)
        fill(img + k * H * W, H * W, v[k]);
    ae_error err = {0};
    cr_assert_eq(ae_viz_image_grid(path, img, R, C, 1, H, W, 0, 1, S, P, &err), AE_OK, "%s",
                 err.msg);
    test_png p = test_png_read(path);
    const int expect[4] = {0, 64, 191, 255};
    for (int k = 0; k < 4; k++) {
        int x0 = P + (k % C) * (W * S + P), y0 = P + (k / C) * (H * S + P);
        /* every pixel of the upscaled tile, and nothing outside it */
        for (int y = 0; y < H * S; y++)
            for (int x = 0; x < W * S; x++)
                cr_assert(abs(test_png_at(&p, x0 + x, y0 + y)[0] - expect[k]) <= 1,
                          "cell %d pixel %d,%d = %d", k, x, y, test_png_at(&p, x0 + x, y0 + y)[0]);
        cr_assert_eq(test_png_at(&p, x0 + W * S, y0)[0], AE_VIZ_GRID_BORDER);
    }
    free(p.rgb);
}

Test(viz_grid, rgb_channel_order_and_nan)
{
    char path[600];
    out_path(path, sizeof path, "rgb.png");
    enum { H = 2, W = 2 };
    float img[2 * 3 * H * W] = {0};
    /* image 0: pure red in channel 0; pixel (1,1) of channel 2 set to 1 too */
    fill(img, H * W, 1.0f);
    img[2 * H * W + 1 * W + 1] = 1.0f;
    /* image 1: NaN in the green channel of pixel (0,0), blue elsewhere */
    float *b = img + 3 * H * W;
    fill(b + 2 * H * W, H * W, 1.0f);
    b[1 * H * W] = NAN;
    ae_error err = {0};
    cr_assert_eq(ae_viz_image_grid(path, img, 1, 2, 3, H, W, 0, 1, 1, 0, &err), AE_OK, "%s",
                 err.msg);
    test_png p = test_png_read(path);
    cr_assert_eq(p.w, 4);
    const uint8_t *red = test_png_at(&p, 0, 0), *mag = test_png_at(&p, 1, 1);
    cr_assert(red[0] == 255 && red[1] == 0 && red[2] == 0, "got %d %d %d", red[0], red[1], red[2]);
    cr_assert(mag[0] == 255 && mag[1] == 0 && mag[2] == 255);
    const uint8_t *nan = test_png_at(&p, 2, 0), *blue = test_png_at(&p, 3, 0);
    cr_assert(nan[0] == 255 && nan[1] == 0 && nan[2] == 255, "NaN must be magenta");
    cr_assert(blue[0] == 0 && blue[1] == 0 && blue[2] == 255);
    free(p.rgb);
}

Test(viz_grid, gray_nan_and_infinities)
{
    char path[600];
    out_path(path, sizeof path, "inf.png");
    float img[3] = {NAN, INFINITY, -INFINITY};
    ae_error err = {0};
    cr_assert_eq(ae_viz_image_grid(path, img, 1, 1, 1, 1, 3, -1, 1, 1, 0, &err), AE_OK, "%s",
                 err.msg);
    test_png p = test_png_read(path);
    cr_assert(test_png_at(&p, 0, 0)[1] == 0 && test_png_at(&p, 0, 0)[2] == 255);
    cr_assert_eq(test_png_at(&p, 1, 0)[1], 255);
    cr_assert_eq(test_png_at(&p, 2, 0)[1], 0);
    free(p.rgb);
}

Test(viz_grid, row_labels_widen_left_margin, .fini = test_viz_release_fonts)
{
    char path[600];
    out_path(path, sizeof path, "labels.png");
    enum { R = 2, C = 3, H = 8, W = 8, S = 3, P = 2 };
    float img[R * C * H * W];
    fill(img, R * C * H * W, 0.0f); /* black tiles */
    const char *labels[R] = {"input", "reconstruction"};
    ae_error err = {0};
    cr_assert_eq(ae_viz_image_grid_labeled(path, img, R, C, 1, H, W, 0, 1, S, P, labels, &err),
                 AE_OK, "%s", err.msg);
    test_png p = test_png_read(path);
    int plain_w = P + C * (W * S + P);
    int margin = p.w - plain_w;
    cr_assert_eq(p.h, P + R * (H * S + P));
    cr_assert_gt(margin, 20, "label margin %d too small for 'reconstruction'", margin);
    /* tiles moved right by the margin and stay black */
    cr_assert_eq(test_png_at(&p, margin + P, P)[0], 0);
    /* some dark text pixels in the margin of each row */
    for (int r = 0; r < R; r++) {
        int dark = 0;
        for (int y = P + r * (H * S + P); y < P + r * (H * S + P) + H * S; y++)
            for (int x = 0; x < margin; x++)
                dark += test_png_at(&p, x, y)[0] < 128;
        cr_assert_gt(dark, 5, "row %d label not drawn", r);
    }
    free(p.rgb);
}

Test(viz_grid, feature_grid_normalises_each_tile)
{
    char path[600];
    out_path(path, sizeof path, "features.png");
    enum { N = 5, COLS = 3, H = 2, W = 2, S = 2 };
    float tiles[N * H * W];
    for (int t = 0; t < N; t++)
        for (int i = 0; i < H * W; i++) /* ranges differ wildly per tile */
            tiles[t * H * W + i] = (float)(i * pow(10.0, t - 2)) - 50.0f * t;
    fill(tiles + 4 * H * W, H * W, 3.0f); /* tile 4 constant */
    ae_error err = {0};
    cr_assert_eq(ae_viz_feature_grid(path, tiles, N, COLS, H, W, S, &err), AE_OK, "%s", err.msg);
    test_png p = test_png_read(path);
    int pad = AE_VIZ_FEATURE_PAD;
    cr_assert_eq(p.w, pad + COLS * (W * S + pad));
    cr_assert_eq(p.h, pad + 2 * (H * S + pad));
    for (int t = 0; t < 4; t++) {
        int x0 = pad + (t % COLS) * (W * S + pad), y0 = pad + (t / COLS) * (H * S + pad);
        /* each tile spans the full 0..255 range from its own min..max */
        cr_assert_eq(test_png_at(&p, x0, y0)[0], 0, "tile %d min", t);
        cr_assert_eq(test_png_at(&p, x0 + W * S - 1, y0 + H * S - 1)[0], 255, "tile %d max", t);
        cr_assert(abs(test_png_at(&p, x0 + S, y0)[0] - 85) <= 1, "tile %d middle", t);
    }
    int x4 = pad + 1 * (W * S + pad), y4 = pad + 1 * (H * S + pad);
    cr_assert_eq(test_png_at(&p, x4, y4)[0], 128, "constant tile is mid-gray");
    /* the unused sixth cell is border-coloured */
    cr_assert_eq(test_png_at(&p, p.w - pad - 1, p.h - pad - 1)[0], AE_VIZ_GRID_BORDER);
    free(p.rgb);
}

Test(viz_grid, missing_directory_names_path)
{
    float img[4] = {0};
    ae_error err = {0};
    const char *path = "/nonexistent-aelab-dir/sub/grid.png";
    cr_assert_eq(ae_viz_image_grid(path, img, 1, 1, 1, 2, 2, 0, 1, 1, 0, &err), AE_ERR_IO);
    cr_assert(strstr(err.msg, path), "message should name the path: %s", err.msg);
    cr_assert_eq(ae_viz_feature_grid(path, img, 1, 1, 2, 2, 1, &err), AE_ERR_IO);
    cr_assert(strstr(err.msg, path), "%s", err.msg);
}

Test(viz_grid, hostile_sizes_are_refused)
{
    char path[600];
    out_path(path, sizeof path, "huge.png");
    float img[4] = {0};
    ae_error err = {0};
    /* n_rows*n_cols*h*w overflows int and size_t products */
    cr_assert_eq(
        ae_viz_image_grid(path, img, 1 << 30, 1 << 30, 3, 1 << 30, 1 << 30, 0, 1, 1, 0, &err),
        AE_ERR_SHAPE);
    cr_assert(strstr(err.msg, path), "%s", err.msg);
    cr_assert_eq(ae_viz_image_grid(path, img, 100000, 1, 1, 1, 1, 0, 1, 1, 0, &err), AE_ERR_SHAPE);
    cr_assert_eq(ae_viz_image_grid(path, img, 1, 1, 1, 1 << 20, 1, 0, 1, 64, 0, &err),
                 AE_ERR_SHAPE);
    cr_assert_eq(ae_viz_image_grid(path, img, 4096, 4096, 1, 4, 4, 0, 1, 1, 0, &err), AE_ERR_SHAPE);
    cr_assert_eq(ae_viz_image_grid(path, img, -1, 2, 1, 2, 2, 0, 1, 1, 0, &err), AE_ERR_SHAPE);
    cr_assert_eq(ae_viz_image_grid(path, img, 1, 1, 2, 2, 2, 0, 1, 1, 0, &err), AE_ERR_SHAPE);
    cr_assert_eq(ae_viz_image_grid(path, img, 1, 1, 1, 2, 2, 1, 1, 1, 0, &err), AE_ERR_CONFIG);
    cr_assert_eq(ae_viz_image_grid(path, img, 1, 1, 1, 2, 2, 0, NAN, 1, 0, &err), AE_ERR_CONFIG);
    cr_assert_eq(ae_viz_image_grid(path, img, 1, 1, 1, 2, 2, 0, 1, 0, 0, &err), AE_ERR_CONFIG);
    cr_assert_eq(ae_viz_feature_grid(path, img, 1 << 30, 1 << 30, 1 << 30, 1 << 30, 64, &err),
                 AE_ERR_SHAPE);
    cr_assert_eq(ae_viz_feature_grid(path, img, 0, 1, 2, 2, 1, &err), AE_ERR_SHAPE);
    /* nothing was written */
    struct stat st;
    cr_assert_neq(stat(path, &st), 0);
}

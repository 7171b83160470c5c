/* Transforms: bilinear resize under the half-pixel rule, channel conversion. */
#include <criterion/criterion.h>
#include <string.h>

#include "data/data.h"

static ae_dataset make(size_t n, int c, int h, int w, const float *values, int labelled)
{
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_dataset_alloc(&d, n, c, h, w, labelled, "test", &e), AE_OK, "%s", e.msg);
    memcpy(d.x, values, n * (size_t)c * h * w * sizeof(float));
    if (labelled) {
        for (size_t i = 0; i < n; i++)
            d.labels[i] = (int32_t)(7 - i);
        d.n_classes = 8;
    }
    return d;
}

Test(data_transform, known_2x2_to_4x4)
{
    /* torch.nn.functional.interpolate(x, size=4, mode="bilinear",
     * align_corners=False) and tf.image.resize(..., "bilinear") give this. */
    const float in[4] = {0, 1, 2, 3};
    const float want[16] = {0.00f, 0.25f, 0.75f, 1.00f, 0.50f, 0.75f, 1.25f, 1.50f,
                            1.50f, 1.75f, 2.25f, 2.50f, 2.00f, 2.25f, 2.75f, 3.00f};
    ae_dataset d = make(1, 1, 2, 2, in, 1), r;
    ae_error e;
    cr_assert_eq(ae_dataset_resize(&d, 4, 4, &r, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(r.h, 4);
    cr_assert_eq(r.w, 4);
    cr_assert_eq((uintptr_t)r.x % 64, 0);
    for (int i = 0; i < 16; i++)
        cr_assert_float_eq(r.x[i], want[i], 1e-6, "pixel %d: %g, want %g", i, r.x[i], want[i]);
    cr_assert_eq(r.labels[0], 7, "labels are copied");
    cr_assert_eq(r.n_classes, 8);
    ae_dataset_free(&d);
    ae_dataset_free(&r);
}

Test(data_transform, halving_averages_2x2_blocks)
{
    /* 4→2: source coordinate (o + 0.5)·2 − 0.5 = 0.5, 2.5: midway between pixels. */
    float in[16];
    for (int i = 0; i < 16; i++)
        in[i] = (float)(i * i % 7);
    ae_dataset d = make(1, 1, 4, 4, in, 0), r;
    ae_error e;
    cr_assert_eq(ae_dataset_resize(&d, 2, 2, &r, &e), AE_OK, "%s", e.msg);
    for (int y = 0; y < 2; y++)
        for (int x = 0; x < 2; x++) {
            float m = (in[(2 * y) * 4 + 2 * x] + in[(2 * y) * 4 + 2 * x + 1] +
                       in[(2 * y + 1) * 4 + 2 * x] + in[(2 * y + 1) * 4 + 2 * x + 1]) /
                      4;
            cr_assert_float_eq(r.x[y * 2 + x], m, 1e-5);
        }
    ae_dataset_free(&d);
    ae_dataset_free(&r);
}

Test(data_transform, constant_stays_constant_per_channel)
{
    float in[2 * 3 * 5 * 3];
    for (int i = 0; i < 2 * 3 * 15; i++)
        in[i] = 0.1f + 0.2f * (float)(i / 15); /* one constant per (sample, channel) */
    ae_dataset d = make(2, 3, 5, 3, in, 0);
    const int sizes[][2] = {{5, 3}, {11, 7}, {2, 2}, {1, 9}, {32, 32}};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        ae_dataset r;
        ae_error e;
        cr_assert_eq(ae_dataset_resize(&d, sizes[k][0], sizes[k][1], &r, &e), AE_OK, "%s", e.msg);
        size_t plane = (size_t)sizes[k][0] * sizes[k][1];
        for (size_t p = 0; p < 6; p++)
            for (size_t q = 0; q < plane; q++)
                cr_assert_eq(r.x[p * plane + q], in[p * 15], "size %d×%d plane %zu", sizes[k][0],
                             sizes[k][1], p);
        ae_dataset_free(&r);
    }
    ae_dataset_free(&d);
}

Test(data_transform, same_size_is_identity)
{
    float in[3 * 4 * 6];
    for (int i = 0; i < 72; i++)
        in[i] = (float)i / 71.0f;
    ae_dataset d = make(3, 1, 4, 6, in, 1), r;
    ae_error e;
    cr_assert_eq(ae_dataset_resize(&d, 4, 6, &r, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(memcmp(r.x, in, sizeof in), 0);
    cr_assert_eq(memcmp(r.labels, d.labels, 3 * sizeof(int32_t)), 0);
    ae_dataset_free(&r);
    cr_assert_neq(ae_dataset_resize(&d, 0, 6, &r, &e), AE_OK);
    cr_assert_null(r.x);
    ae_dataset_free(&d);
}

Test(data_transform, gray_to_rgb_and_back)
{
    const float g[4] = {0.0f, 0.25f, 0.5f, 1.0f};
    ae_dataset d = make(1, 1, 2, 2, g, 1), rgb, back;
    ae_error e;
    cr_assert_eq(ae_dataset_to_channels(&d, 3, &rgb, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(rgb.c, 3);
    for (int c = 0; c < 3; c++)
        cr_assert_eq(memcmp(rgb.x + c * 4, g, sizeof g), 0, "channel %d replicates", c);
    cr_assert_eq(rgb.labels[0], 7);
    cr_assert_eq(ae_dataset_to_channels(&rgb, 1, &back, &e), AE_OK, "%s", e.msg);
    for (int p = 0; p < 4; p++)
        cr_assert_float_eq(back.x[p], g[p], 1e-6, "luma of a gray pixel is the gray");
    ae_dataset_free(&d);
    ae_dataset_free(&rgb);
    ae_dataset_free(&back);
}

Test(data_transform, luma_weights_bt601)
{
    /* Pixels: pure red, pure green, pure blue, a mix. */
    const float x[12] = {1, 0, 0, 0.5f, 0, 1, 0, 0.5f, 0, 0, 1, 0.5f};
    ae_dataset d = make(1, 3, 2, 2, x, 0), y;
    ae_error e;
    cr_assert_eq(ae_dataset_to_channels(&d, 1, &y, &e), AE_OK, "%s", e.msg);
    cr_assert_float_eq(y.x[0], 0.299f, 1e-6);
    cr_assert_float_eq(y.x[1], 0.587f, 1e-6);
    cr_assert_float_eq(y.x[2], 0.114f, 1e-6);
    cr_assert_float_eq(y.x[3], 0.5f, 1e-6);
    ae_dataset_free(&y);
    cr_assert_eq(ae_dataset_to_channels(&d, 3, &y, &e), AE_OK);
    cr_assert_eq(memcmp(y.x, x, sizeof x), 0, "same count copies");
    ae_dataset_free(&y);
    cr_assert_neq(ae_dataset_to_channels(&d, 2, &y, &e), AE_OK);
    cr_assert_not_null(strstr(e.msg, "cannot convert 3 channels to 2"), "%s", e.msg);
    ae_dataset_free(&d);
}

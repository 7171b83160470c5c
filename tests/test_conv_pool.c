/* Max pooling (TF padding, argmax routing, ties) and nearest upsampling. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "gradcheck.h"
#include "ops/conv.h"

static ae_tensor tensor_new(int ndim, const int *shape)
{
    ae_tensor t = {0};
    cr_assert(ae_tensor_set_shape(&t, ndim, shape));
    t.data = calloc(t.size, sizeof(float));
    cr_assert_not_null(t.data);
    return t;
}

/* Distinct values 0.05 apart in shuffled order: a ±h = 1e-2 perturbation never changes which
 * cell is a window's maximum, so max pooling is linear around the point being checked. */
static void fill_distinct(ae_tensor *t, unsigned seed)
{
    uint32_t *perm = malloc(t->size * sizeof *perm);
    for (size_t i = 0; i < t->size; i++)
        perm[i] = (uint32_t)i;
    ae_rng r = ae_rng_stream(seed, AE_RNG_DATA, 0, 0);
    ae_rng_shuffle_u32(&r, perm, t->size);
    for (size_t i = 0; i < t->size; i++)
        t->data[i] = 0.05f * (float)perm[i] - 0.025f * (float)t->size;
    free(perm);
}

typedef struct pool_case {
    int n, c, h, w, ph, pw, sh, sw;
    ae_padding pad;
} pool_case;

static const pool_case pool_cases[] = {
    {2, 2, 6, 6, 2, 2, 2, 2, AE_PAD_VALID},
    {2, 2, 7, 5, 2, 2, 2, 2, AE_PAD_SAME}, /* odd: one padding row/column after */
    {1, 3, 5, 6, 3, 3, 1, 1, AE_PAD_SAME}, /* CIFAR post: 3×3 stride 1 SAME */
    {2, 1, 9, 7, 3, 3, 2, 2, AE_PAD_SAME},
    {1, 2, 8, 7, 3, 2, 3, 2, AE_PAD_VALID},
    {2, 1, 5, 5, 4, 4, 1, 1, AE_PAD_SAME}, /* even pool, stride 1: 1 before, 2 after */
};

/* The max over the window with padding cells ignored, written from TF's rules directly. */
static void ref_maxpool(const pool_case *c, const float *x, float *y, int oh, int ow)
{
    int tot_h = (oh - 1) * c->sh + c->ph - c->h, tot_w = (ow - 1) * c->sw + c->pw - c->w;
    int pt = c->pad == AE_PAD_SAME && tot_h > 0 ? tot_h / 2 : 0;
    int pl = c->pad == AE_PAD_SAME && tot_w > 0 ? tot_w / 2 : 0;
    for (int p = 0; p < c->n * c->c; p++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                float m = -INFINITY;
                for (int i = 0; i < c->ph; i++)
                    for (int j = 0; j < c->pw; j++) {
                        int iy = oy * c->sh - pt + i, ix = ox * c->sw - pl + j;
                        if (iy >= 0 && iy < c->h && ix >= 0 && ix < c->w)
                            m = fmaxf(m, x[(p * c->h + iy) * c->w + ix]);
                    }
                y[(p * oh + oy) * ow + ox] = m;
            }
}

Test(conv_pool, maxpool_matches_direct_definition)
{
    for (size_t k = 0; k < sizeof pool_cases / sizeof *pool_cases; k++) {
        const pool_case *c = &pool_cases[k];
        ae_tensor x = tensor_new(4, (int[]){c->n, c->c, c->h, c->w});
        gc_fill_uniform(&x, -3, -1, 400 + (unsigned)k); /* all negative: a zero pad would win */
        ae_tape t;
        ae_tape_init(&t);
        ae_node *y = ae_maxpool2d(&t, ae_tape_input(&t, &x), c->ph, c->pw, c->sh, c->sw, c->pad);
        cr_assert_not_null(y, "%s", t.err.msg);
        int oh = ae_conv_out_size(c->h, c->ph, c->sh, c->pad);
        int ow = ae_conv_out_size(c->w, c->pw, c->sw, c->pad);
        cr_assert_eq(y->value.shape[2], oh);
        cr_assert_eq(y->value.shape[3], ow);
        float *ref = malloc(y->value.size * sizeof *ref);
        ref_maxpool(c, x.data, ref, oh, ow);
        for (size_t i = 0; i < y->value.size; i++)
            cr_assert_eq(y->value.data[i], ref[i], "case %zu element %zu", k, i);
        free(ref);
        ae_tape_free(&t);
        free(x.data);
    }
}

Test(conv_pool, same_padding_on_odd_size_never_wins)
{
    /* 3×3 of −1..−9, 2×2 stride 2 SAME → 2×2; pad_total 1, all of it after, so the windows are
     * {−1,−2,−4,−5}, {−3,−6}, {−7,−8}, {−9}. A zero-valued pad would give 0 in three of them. */
    float xd[9] = {-1, -2, -3, -4, -5, -6, -7, -8, -9};
    ae_tensor x = {0};
    ae_tensor_set_shape(&x, 4, (int[]){1, 1, 3, 3});
    x.data = xd;
    ae_tape t;
    ae_tape_init(&t);
    ae_node *xn = ae_tape_variable(&t, &x);
    ae_node *y = ae_maxpool2d(&t, xn, 2, 2, 2, 2, AE_PAD_SAME);
    cr_assert_not_null(y);
    cr_assert_eq(y->value.shape[2], 2);
    cr_assert_eq(y->value.shape[3], 2);
    const float want[4] = {-1, -3, -7, -9};
    for (int i = 0; i < 4; i++)
        cr_expect_eq(y->value.data[i], want[i], "y[%d] = %g", i, y->value.data[i]);
    /* the gradient lands on the winners only */
    const float seed[4] = {1, 2, 3, 4};
    ae_error err;
    cr_assert_eq(ae_tape_backward_seeded(&t, y, seed, &err), AE_OK);
    const float dx[9] = {1, 0, 2, 0, 0, 0, 3, 0, 4};
    for (int i = 0; i < 9; i++)
        cr_expect_eq(xn->grad[i], dx[i], "dx[%d] = %g", i, xn->grad[i]);
    ae_tape_free(&t);
}

Test(conv_pool, ties_go_to_the_first_maximum)
{
    /* one 2×3 window of equal values, then one with the maximum repeated at two places */
    float xd[12] = {5, 5, 5, 1, 7, 2, 5, 5, 5, 7, 0, 7};
    ae_tensor x = {0};
    ae_tensor_set_shape(&x, 4, (int[]){1, 1, 4, 3});
    x.data = xd;
    ae_tape t;
    ae_tape_init(&t);
    ae_node *xn = ae_tape_variable(&t, &x);
    /* windows 2×3 stride 2 VALID: rows 0–1 and rows 2–3 */
    ae_node *y = ae_maxpool2d(&t, xn, 2, 3, 2, 1, AE_PAD_VALID);
    cr_assert_not_null(y);
    cr_assert_eq(y->value.size, 2);
    cr_expect_eq(y->value.data[0], 7);
    cr_expect_eq(y->value.data[1], 7);
    const float seed[2] = {1, 1};
    ae_error err;
    cr_assert_eq(ae_tape_backward_seeded(&t, y, seed, &err), AE_OK);
    /* first window's max 7 is unique (index 4); second: 7 at 9 and 11 → the first, 9 */
    for (int i = 0; i < 12; i++)
        cr_expect_eq(xn->grad[i], (i == 4 || i == 9) ? 1.0f : 0.0f, "dx[%d] = %g", i,
                     xn->grad[i]);
    ae_tape_free(&t);
    /* all equal: the top-left cell of each window */
    float ones[16];
    for (int i = 0; i < 16; i++)
        ones[i] = 1;
    ae_tensor_set_shape(&x, 4, (int[]){1, 1, 4, 4});
    x.data = ones;
    ae_tape_init(&t);
    xn = ae_tape_variable(&t, &x);
    y = ae_maxpool2d(&t, xn, 2, 2, 2, 2, AE_PAD_VALID);
    const float seed4[4] = {1, 1, 1, 1};
    cr_assert_eq(ae_tape_backward_seeded(&t, y, seed4, &err), AE_OK);
    for (int i = 0; i < 16; i++) {
        bool first = (i / 4) % 2 == 0 && (i % 4) % 2 == 0;
        cr_expect_eq(xn->grad[i], first ? 1.0f : 0.0f, "dx[%d]", i);
    }
    ae_tape_free(&t);
}

static ae_node *build_maxpool(ae_tape *t, ae_node **v, void *ctx)
{
    const pool_case *c = ctx;
    return ae_maxpool2d(t, v[0], c->ph, c->pw, c->sh, c->sw, c->pad);
}

/* Tolerance 1e-3 with h = 1e-2: with values 0.05 apart the argmax does not move within ±h, so
 * the op is linear there and only float rounding remains. */
Test(conv_pool, maxpool_gradients)
{
    for (size_t k = 0; k < sizeof pool_cases / sizeof *pool_cases; k++) {
        const pool_case *c = &pool_cases[k];
        ae_tensor x = tensor_new(4, (int[]){c->n, c->c, c->h, c->w});
        fill_distinct(&x, 500 + (unsigned)k);
        char what[64];
        snprintf(what, sizeof what, "maxpool case %zu", k);
        gc_assert(gc_check(&x, 1, NULL, build_maxpool, (void *)c, 1e-2f), 1e-3, what);
        free(x.data);
    }
}

Test(conv_pool, upsample_values)
{
    float xd[12];
    for (int i = 0; i < 12; i++)
        xd[i] = (float)i;
    ae_tensor x = {0};
    ae_tensor_set_shape(&x, 4, (int[]){1, 2, 2, 3});
    x.data = xd;
    ae_tape t;
    ae_tape_init(&t);
    ae_node *y = ae_upsample2d(&t, ae_tape_input(&t, &x), 2, 3);
    cr_assert_not_null(y);
    cr_assert_eq(y->value.shape[1], 2);
    cr_assert_eq(y->value.shape[2], 4);
    cr_assert_eq(y->value.shape[3], 9);
    for (int c = 0; c < 2; c++)
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 9; j++)
                cr_assert_eq(y->value.data[(c * 4 + i) * 9 + j], xd[(c * 2 + i / 2) * 3 + j / 3],
                             "y[%d,%d,%d]", c, i, j);
    ae_tape_free(&t);
}

static ae_node *build_upsample(ae_tape *t, ae_node **v, void *ctx)
{
    const int *f = ctx;
    return ae_upsample2d(t, v[0], f[0], f[1]);
}

Test(conv_pool, upsample_gradients)
{
    static const int factors[][2] = {{2, 2}, {1, 3}, {3, 1}, {2, 3}};
    for (size_t k = 0; k < 4; k++) {
        ae_tensor x = tensor_new(4, (int[]){2, 3, 3, 4});
        gc_fill_uniform(&x, -1, 1, 600 + (unsigned)k);
        gc_assert(gc_check(&x, 1, NULL, build_upsample, (void *)factors[k], 1e-2f), 1e-3,
                  "upsample");
        free(x.data);
    }
}

/* Keras conv AE decoder tail: upsample 14 → 28 then pool back is the identity on values. */
Test(conv_pool, pool_after_upsample_is_identity)
{
    ae_tensor x = tensor_new(4, (int[]){2, 3, 7, 5});
    gc_fill_uniform(&x, -1, 1, 700);
    ae_tape t;
    ae_tape_init(&t);
    ae_node *y = ae_maxpool2d(&t, ae_upsample2d(&t, ae_tape_input(&t, &x), 2, 2), 2, 2, 2, 2,
                              AE_PAD_SAME);
    cr_assert_not_null(y);
    cr_assert(ae_tensor_same_shape(&y->value, &x));
    cr_assert_eq(memcmp(y->value.data, x.data, x.size * sizeof(float)), 0);
    ae_tape_free(&t);
    free(x.data);
}

Test(conv_pool, shape_errors)
{
    ae_tensor x = tensor_new(4, (int[]){1, 2, 3, 3}), x2 = tensor_new(2, (int[]){3, 3});
    ae_tape t;
    ae_tape_init(&t);
    cr_assert_null(ae_maxpool2d(&t, ae_tape_input(&t, &x), 4, 4, 1, 1, AE_PAD_VALID));
    cr_assert(strstr(t.err.msg, "4×4 pool") != NULL, "%s", t.err.msg);
    ae_tape_reset(&t);
    cr_assert_null(ae_maxpool2d(&t, ae_tape_input(&t, &x), 2, 2, 0, 1, AE_PAD_SAME));
    cr_assert(strstr(t.err.msg, "positive") != NULL, "%s", t.err.msg);
    ae_tape_reset(&t);
    cr_assert_null(ae_maxpool2d(&t, ae_tape_input(&t, &x2), 2, 2, 2, 2, AE_PAD_SAME));
    cr_assert(strstr(t.err.msg, "N×C×H×W") != NULL, "%s", t.err.msg);
    ae_tape_reset(&t);
    cr_assert_null(ae_upsample2d(&t, ae_tape_input(&t, &x), 0, 2));
    cr_assert(strstr(t.err.msg, "factors") != NULL, "%s", t.err.msg);
    ae_tape_reset(&t);
    cr_assert_null(ae_upsample2d(&t, ae_tape_input(&t, &x), 1 << 30, 2));
    cr_assert(strstr(t.err.msg, "factors") != NULL, "%s", t.err.msg);
    ae_tape_free(&t);
    free(x.data);
    free(x2.data);
}

/* Convolution and its transpose: TensorFlow's size table, a direct reference
 * convolution, adjointness, finite-difference gradients, shape errors. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>

#include "gradcheck.h"
#include "ops/conv.h"
#include "ops/ops.h"

static ae_tensor tensor_new(int ndim, const int *shape)
{
    ae_tensor t = {0};
    cr_assert(ae_tensor_set_shape(&t, ndim, shape));
    t.data = calloc(t.size, sizeof(float));
    cr_assert_not_null(t.data);
    return t;
}

/* ---- size rules ---- */

typedef struct size_row {
    int in, k, s;
    ae_padding p;
    int out, pad_before;
} size_row;

/* Worked by hand from TF's rules: VALID out = ceil((in − k + 1)/s); SAME out = ceil(in/s),
 * pad_total = max((out − 1)·s + k − in, 0), pad_before = floor(pad_total/2). */
static const size_row conv_table[] = {
    {28, 3, 1, AE_PAD_SAME, 28, 1},  /* total 27 + 3 − 28 = 2 */
    {28, 5, 2, AE_PAD_SAME, 14, 1},  /* total 26 + 5 − 28 = 3: 1 before, 2 after */
    {7, 3, 2, AE_PAD_SAME, 4, 1},    /* total 6 + 3 − 7 = 2 */
    {7, 3, 2, AE_PAD_VALID, 3, 0},   /* ceil(5/2) */
    {32, 5, 4, AE_PAD_SAME, 8, 0},   /* total 28 + 5 − 32 = 1: all of it after */
    {28, 2, 2, AE_PAD_SAME, 14, 0},  /* Keras AE pooling 28 → 14, no padding */
    {7, 2, 2, AE_PAD_SAME, 4, 0},    /* Keras AE pooling 7 → 4: one row after */
    {16, 3, 1, AE_PAD_VALID, 14, 0}, /* Keras AE decoder 16 → 14 */
    {28, 28, 1, AE_PAD_VALID, 1, 0},
    {10, 4, 1, AE_PAD_SAME, 10, 1},  /* even kernel: total 3, 1 before, 2 after */
    {1, 5, 4, AE_PAD_SAME, 1, 2},    /* total 0 + 5 − 1 = 4 */
    {5, 1, 3, AE_PAD_SAME, 2, 0},    /* total 3 + 1 − 5 < 0 → 0 */
    {5, 1, 3, AE_PAD_VALID, 2, 0},
    {8, 5, 4, AE_PAD_SAME, 2, 0},    /* total 4 + 5 − 8 = 1 */
    {32, 3, 1, AE_PAD_SAME, 32, 1},  /* CIFAR 3×3 stride-1 pooling */
    {3, 5, 1, AE_PAD_VALID, -1, -1}, /* window larger than the input */
    {0, 3, 1, AE_PAD_SAME, -1, -1},
    {5, 3, 0, AE_PAD_SAME, -1, -1},
    {5, 0, 1, AE_PAD_VALID, -1, -1},
};

Test(conv, output_sizes_match_tensorflow)
{
    for (size_t i = 0; i < sizeof conv_table / sizeof *conv_table; i++) {
        const size_row *r = &conv_table[i];
        cr_expect_eq(ae_conv_out_size(r->in, r->k, r->s, r->p), r->out, "row %zu: out", i);
        cr_expect_eq(ae_conv_pad_before(r->in, r->k, r->s, r->p), r->pad_before,
                     "row %zu: pad before", i);
    }
}

Test(conv, transpose_output_sizes_match_keras)
{
    /* VALID in·s + max(k − s, 0); SAME in·s */
    cr_expect_eq(ae_deconv_out_size(13, 6, 2, AE_PAD_VALID), 30);
    cr_expect_eq(ae_deconv_out_size(2, 5, 4, AE_PAD_SAME), 8);
    cr_expect_eq(ae_deconv_out_size(7, 2, 2, AE_PAD_VALID), 14);
    cr_expect_eq(ae_deconv_out_size(4, 1, 3, AE_PAD_VALID), 12); /* k < s: no overlap term */
    cr_expect_eq(ae_deconv_out_size(7, 3, 2, AE_PAD_SAME), 14);
    cr_expect_eq(ae_deconv_out_size(7, 3, 1, AE_PAD_VALID), 9);
    cr_expect_eq(ae_deconv_out_size(1 << 30, 3, 2, AE_PAD_SAME), -1, "overflow must be refused");
    cr_expect_eq(ae_deconv_out_size(3, 3, 0, AE_PAD_SAME), -1);
    /* conv maps the transpose's output back onto its input, for every small geometry */
    for (int in = 1; in <= 12; in++)
        for (int k = 1; k <= 6; k++)
            for (int s = 1; s <= 4; s++)
                for (int p = 0; p < 2; p++) {
                    int out = ae_deconv_out_size(in, k, s, (ae_padding)p);
                    cr_assert_eq(ae_conv_out_size(out, k, s, (ae_padding)p), in,
                                 "in %d k %d s %d %s", in, k, s, p ? "same" : "valid");
                }
}

Test(conv, padding_names)
{
    cr_expect_eq(ae_padding_from_name("same"), AE_PAD_SAME);
    cr_expect_eq(ae_padding_from_name("valid"), AE_PAD_VALID);
    cr_expect_eq(ae_padding_from_name("full"), -1);
    cr_expect_eq(ae_padding_from_name(NULL), -1);
    cr_expect_str_eq(ae_padding_name(AE_PAD_SAME), "same");
    cr_expect_str_eq(ae_padding_name(AE_PAD_VALID), "valid");
}

/* ---- direct references ---- */

typedef struct conv_case {
    int n, cin, h, w, cout, kh, kw, sh, sw;
    ae_padding pad;
} conv_case;

/* TF's rules written out independently of the library. */
static void ref_geometry(int in, int k, int s, ae_padding p, int *out, int *before)
{
    if (p == AE_PAD_VALID) {
        *out = (in - k + 1 + s - 1) / s;
        *before = 0;
    } else {
        *out = (in + s - 1) / s;
        int total = (*out - 1) * s + k - in;
        *before = total > 0 ? total / 2 : 0;
    }
}

/* y[n,o,oy,ox] = b[o] + Σ_c,i,j w[o,c,i,j]·x[n,c,oy·sh − pt + i, ox·sw − pl + j] */
static void ref_conv(const conv_case *c, const float *x, const float *w, const float *b, float *y)
{
    int oh, ow, pt, pl;
    ref_geometry(c->h, c->kh, c->sh, c->pad, &oh, &pt);
    ref_geometry(c->w, c->kw, c->sw, c->pad, &ow, &pl);
    for (int n = 0; n < c->n; n++)
        for (int o = 0; o < c->cout; o++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double acc = b ? b[o] : 0.0;
                    for (int ci = 0; ci < c->cin; ci++)
                        for (int i = 0; i < c->kh; i++)
                            for (int j = 0; j < c->kw; j++) {
                                int iy = oy * c->sh - pt + i, ix = ox * c->sw - pl + j;
                                if (iy < 0 || iy >= c->h || ix < 0 || ix >= c->w)
                                    continue;
                                acc += (double)w[((o * c->cin + ci) * c->kh + i) * c->kw + j] *
                                       x[((n * c->cin + ci) * c->h + iy) * c->w + ix];
                            }
                    y[((n * c->cout + o) * oh + oy) * ow + ox] = (float)acc;
                }
}

/* The transpose by its scatter definition: every input pixel adds its kernel-weighted value
 * to the output window it came from. Here c describes the forward conv whose adjoint this is:
 * x [n, cout, oh, ow] → y [n, cin, h, w], w [cout, cin, kh, kw]. */
static void ref_deconv(const conv_case *c, const float *x, const float *w, const float *b,
                       float *y)
{
    int oh, ow, pt, pl;
    ref_geometry(c->h, c->kh, c->sh, c->pad, &oh, &pt);
    ref_geometry(c->w, c->kw, c->sw, c->pad, &ow, &pl);
    for (int n = 0; n < c->n; n++)
        for (int ci = 0; ci < c->cin; ci++)
            for (int p = 0; p < c->h * c->w; p++)
                y[(n * c->cin + ci) * c->h * c->w + p] = b ? b[ci] : 0.0f;
    for (int n = 0; n < c->n; n++)
        for (int o = 0; o < c->cout; o++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    float v = x[((n * c->cout + o) * oh + oy) * ow + ox];
                    for (int ci = 0; ci < c->cin; ci++)
                        for (int i = 0; i < c->kh; i++)
                            for (int j = 0; j < c->kw; j++) {
                                int iy = oy * c->sh - pt + i, ix = ox * c->sw - pl + j;
                                if (iy < 0 || iy >= c->h || ix < 0 || ix >= c->w)
                                    continue;
                                y[((n * c->cin + ci) * c->h + iy) * c->w + ix] +=
                                    w[((o * c->cin + ci) * c->kh + i) * c->kw + j] * v;
                            }
                }
}

static void expect_close(const float *got, const float *want, size_t n, double tol,
                         const char *what)
{
    for (size_t i = 0; i < n; i++)
        cr_assert(fabs((double)got[i] - want[i]) <= tol * (1.0 + fabs(want[i])),
                  "%s: element %zu is %.7g, reference %.7g", what, i, got[i], want[i]);
}

/* Asymmetric SAME padding (odd sizes, even kernels, strides that do not divide), VALID with
 * leftover rows, non-square kernels and strides, several channels and samples. */
static const conv_case ref_cases[] = {
    {2, 3, 7, 7, 4, 3, 3, 2, 2, AE_PAD_SAME},
    {2, 2, 9, 6, 3, 4, 4, 1, 1, AE_PAD_SAME},
    {1, 3, 11, 10, 2, 5, 5, 4, 4, AE_PAD_SAME},
    {3, 2, 8, 9, 5, 3, 2, 2, 3, AE_PAD_SAME},
    {2, 3, 8, 7, 2, 3, 3, 2, 2, AE_PAD_VALID},
    {1, 1, 28, 28, 4, 5, 5, 2, 2, AE_PAD_SAME},
    {2, 4, 5, 5, 3, 1, 1, 1, 1, AE_PAD_VALID},
    {2, 2, 6, 5, 2, 1, 1, 2, 2, AE_PAD_SAME},
    {1, 2, 2, 3, 2, 5, 5, 1, 1, AE_PAD_SAME}, /* kernel larger than the image */
    {2, 1, 1, 1, 2, 3, 3, 1, 1, AE_PAD_SAME},
    {1, 2, 1, 6, 3, 1, 3, 1, 1, AE_PAD_SAME},
    {1, 2, 5, 7, 2, 3, 1, 1, 1, AE_PAD_VALID}, /* ow == w with VALID: a 1-wide kernel */
};

Test(conv, matches_direct_convolution)
{
    for (size_t k = 0; k < sizeof ref_cases / sizeof *ref_cases; k++) {
        const conv_case *c = &ref_cases[k];
        ae_tensor x = tensor_new(4, (int[]){c->n, c->cin, c->h, c->w});
        ae_tensor w = tensor_new(4, (int[]){c->cout, c->cin, c->kh, c->kw});
        ae_tensor b = tensor_new(1, (int[]){c->cout});
        gc_fill_uniform(&x, -1, 1, 10 + (unsigned)k);
        gc_fill_uniform(&w, -1, 1, 20 + (unsigned)k);
        gc_fill_uniform(&b, -1, 1, 30 + (unsigned)k);
        ae_tape t;
        ae_tape_init(&t);
        ae_node *y = ae_conv2d(&t, ae_tape_input(&t, &x), ae_tape_input(&t, &w),
                               ae_tape_input(&t, &b), c->sh, c->sw, c->pad);
        cr_assert_not_null(y, "case %zu: %s", k, t.err.msg);
        int oh, ow, pt, pl;
        ref_geometry(c->h, c->kh, c->sh, c->pad, &oh, &pt);
        ref_geometry(c->w, c->kw, c->sw, c->pad, &ow, &pl);
        cr_assert_eq(y->value.shape[2], oh);
        cr_assert_eq(y->value.shape[3], ow);
        cr_assert_eq(y->value.shape[1], c->cout);
        float *ref = malloc(y->value.size * sizeof *ref);
        ref_conv(c, x.data, w.data, b.data, ref);
        expect_close(y->value.data, ref, y->value.size, 1e-5, "conv2d");
        /* and without a bias */
        ae_node *y0 = ae_conv2d(&t, ae_tape_input(&t, &x), ae_tape_input(&t, &w), NULL, c->sh,
                                c->sw, c->pad);
        cr_assert_not_null(y0);
        ref_conv(c, x.data, w.data, NULL, ref);
        expect_close(y0->value.data, ref, y0->value.size, 1e-5, "conv2d without bias");
        free(ref);
        ae_tape_free(&t);
        free(x.data);
        free(w.data);
        free(b.data);
    }
}

Test(conv, same_padding_goes_bottom_right)
{
    /* 3×3 image 1..9, 2×2 kernel of ones, SAME stride 1: pad_total 1, all of it after,
     * so y[0][0] sums the top-left 2×2 block and the last row/column see the padding. */
    float xd[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, wd[4] = {1, 1, 1, 1};
    ae_tensor x = {0}, w = {0};
    ae_tensor_set_shape(&x, 4, (int[]){1, 1, 3, 3});
    ae_tensor_set_shape(&w, 4, (int[]){1, 1, 2, 2});
    x.data = xd;
    w.data = wd;
    ae_tape t;
    ae_tape_init(&t);
    ae_node *y =
        ae_conv2d(&t, ae_tape_input(&t, &x), ae_tape_input(&t, &w), NULL, 1, 1, AE_PAD_SAME);
    cr_assert_not_null(y);
    const float want[9] = {12, 16, 9, 24, 28, 15, 15, 17, 9};
    for (int i = 0; i < 9; i++)
        cr_expect_float_eq(y->value.data[i], want[i], 1e-6, "y[%d]", i);
    ae_tape_free(&t);
}

static const conv_case deconv_cases[] = {
    /* forward-conv geometries whose input size the transpose reproduces */
    {2, 3, 8, 8, 2, 5, 5, 4, 4, AE_PAD_SAME},   /* tutorial: 2×2 → 8×8, pad 0 before 1 after */
    {1, 2, 30, 30, 3, 6, 6, 2, 2, AE_PAD_VALID}, /* tutorial: 13×13 → 30×30 */
    {2, 2, 8, 6, 3, 3, 3, 2, 2, AE_PAD_SAME},   /* pad 0 before, 1 after */
    {2, 3, 7, 9, 2, 3, 3, 2, 2, AE_PAD_VALID},
    {1, 2, 12, 9, 2, 1, 2, 3, 3, AE_PAD_VALID}, /* k < s: rows no window reaches */
    {2, 2, 6, 6, 4, 4, 3, 1, 1, AE_PAD_SAME},
};

Test(conv, transpose_matches_scatter_definition)
{
    for (size_t k = 0; k < sizeof deconv_cases / sizeof *deconv_cases; k++) {
        const conv_case *c = &deconv_cases[k];
        int oh, ow, pt, pl;
        ref_geometry(c->h, c->kh, c->sh, c->pad, &oh, &pt);
        ref_geometry(c->w, c->kw, c->sw, c->pad, &ow, &pl);
        ae_tensor x = tensor_new(4, (int[]){c->n, c->cout, oh, ow});
        ae_tensor w = tensor_new(4, (int[]){c->cout, c->cin, c->kh, c->kw});
        ae_tensor b = tensor_new(1, (int[]){c->cin});
        gc_fill_uniform(&x, -1, 1, 40 + (unsigned)k);
        gc_fill_uniform(&w, -1, 1, 50 + (unsigned)k);
        gc_fill_uniform(&b, -1, 1, 60 + (unsigned)k);
        ae_tape t;
        ae_tape_init(&t);
        ae_node *y = ae_conv2d_transpose(&t, ae_tape_input(&t, &x), ae_tape_input(&t, &w),
                                         ae_tape_input(&t, &b), c->sh, c->sw, c->pad);
        cr_assert_not_null(y, "case %zu: %s", k, t.err.msg);
        cr_assert_eq(y->value.shape[1], c->cin);
        cr_assert_eq(y->value.shape[2], c->h, "case %zu: height %d", k, y->value.shape[2]);
        cr_assert_eq(y->value.shape[3], c->w, "case %zu: width %d", k, y->value.shape[3]);
        float *ref = malloc(y->value.size * sizeof *ref);
        ref_deconv(c, x.data, w.data, b.data, ref);
        expect_close(y->value.data, ref, y->value.size, 1e-5, "conv2d_transpose");
        free(ref);
        ae_tape_free(&t);
        free(x.data);
        free(w.data);
        free(b.data);
    }
}

/* ⟨conv(x), y⟩ = ⟨x, convᵀ(y)⟩ with the same weights and no bias. */
Test(conv, transpose_is_the_adjoint)
{
    for (size_t k = 0; k < sizeof deconv_cases / sizeof *deconv_cases; k++) {
        const conv_case *c = &deconv_cases[k];
        ae_tensor x = tensor_new(4, (int[]){c->n, c->cin, c->h, c->w});
        ae_tensor w = tensor_new(4, (int[]){c->cout, c->cin, c->kh, c->kw});
        gc_fill_uniform(&x, -1, 1, 70 + (unsigned)k);
        gc_fill_uniform(&w, -1, 1, 80 + (unsigned)k);
        ae_tape t;
        ae_tape_init(&t);
        ae_node *wn = ae_tape_input(&t, &w);
        ae_node *cx = ae_conv2d(&t, ae_tape_input(&t, &x), wn, NULL, c->sh, c->sw, c->pad);
        cr_assert_not_null(cx, "%s", t.err.msg);
        ae_tensor y = tensor_new(4, cx->value.shape);
        gc_fill_uniform(&y, -1, 1, 90 + (unsigned)k);
        ae_node *ty = ae_conv2d_transpose(&t, ae_tape_input(&t, &y), wn, NULL, c->sh, c->sw,
                                          c->pad);
        cr_assert_not_null(ty, "%s", t.err.msg);
        cr_assert(ae_tensor_same_shape(&ty->value, &x));
        double lhs = 0, rhs = 0, scale = 0;
        for (size_t i = 0; i < y.size; i++) {
            lhs += (double)cx->value.data[i] * y.data[i];
            scale += fabs((double)cx->value.data[i] * y.data[i]);
        }
        for (size_t i = 0; i < x.size; i++)
            rhs += (double)x.data[i] * ty->value.data[i];
        cr_assert(fabs(lhs - rhs) <= 1e-4 * scale,
                  "case %zu: <conv x, y> %.9g vs <x, conv^T y> %.9g", k, lhs, rhs);
        ae_tape_free(&t);
        free(x.data);
        free(w.data);
        free(y.data);
    }
}

/* ---- gradients ---- */

static ae_node *build_conv(ae_tape *t, ae_node **v, void *ctx)
{
    const conv_case *c = ctx;
    return ae_conv2d(t, v[0], v[1], v[2], c->sh, c->sw, c->pad);
}

static ae_node *build_deconv(ae_tape *t, ae_node **v, void *ctx)
{
    const conv_case *c = ctx;
    return ae_conv2d_transpose(t, v[0], v[1], v[2], c->sh, c->sw, c->pad);
}

/* Kernels 1, 3, 5 (and even/non-square), strides 1, 2, 4, both paddings, odd sizes with
 * asymmetric SAME padding, several channels, batch > 1. */
static const conv_case grad_cases[] = {
    {2, 2, 5, 5, 3, 1, 1, 1, 1, AE_PAD_SAME},
    {2, 2, 7, 6, 3, 3, 3, 1, 1, AE_PAD_SAME},
    {2, 3, 7, 7, 2, 3, 3, 2, 2, AE_PAD_SAME},  /* odd size, pad 1 before and 1 after */
    {2, 2, 8, 7, 2, 3, 3, 2, 2, AE_PAD_SAME},  /* 8: pad 0 before 1 after */
    {2, 2, 9, 8, 2, 5, 5, 2, 2, AE_PAD_VALID},
    {1, 2, 11, 9, 3, 5, 5, 4, 4, AE_PAD_SAME}, /* totals 2 and 4: symmetric */
    {2, 1, 10, 10, 2, 5, 5, 4, 4, AE_PAD_SAME}, /* total 3: 1 before, 2 after */
    {2, 2, 7, 8, 2, 3, 5, 1, 2, AE_PAD_SAME},
    {2, 3, 6, 7, 2, 4, 2, 3, 1, AE_PAD_VALID},
    /* stride 1 with fewer output than input channels: dx by the flipped-kernel convolution */
    {2, 3, 6, 7, 2, 3, 3, 1, 1, AE_PAD_SAME},
    {2, 4, 6, 5, 1, 4, 4, 1, 1, AE_PAD_SAME}, /* even kernel: pad 1 before, 2 after */
    {1, 3, 7, 6, 1, 3, 2, 1, 1, AE_PAD_VALID},
    {2, 4, 5, 6, 1, 5, 5, 1, 1, AE_PAD_VALID},
    {2, 3, 4, 4, 2, 1, 1, 1, 1, AE_PAD_SAME},
};

/* Tolerance 1e-3 with h = 1e-2: conv is linear in each of x, w and b and bilinear overall, so
 * central differences have no truncation error; what remains is float32 rounding of the
 * projected output, ~1e-7·|L|/h ≈ 1e-5 here. A wrong index or a dropped window term gives
 * errors of order 1. */
Test(conv, gradients_input_weight_bias)
{
    for (size_t k = 0; k < sizeof grad_cases / sizeof *grad_cases; k++) {
        const conv_case *c = &grad_cases[k];
        ae_tensor v[3] = {tensor_new(4, (int[]){c->n, c->cin, c->h, c->w}),
                          tensor_new(4, (int[]){c->cout, c->cin, c->kh, c->kw}),
                          tensor_new(1, (int[]){c->cout})};
        for (int i = 0; i < 3; i++)
            gc_fill_uniform(&v[i], -1, 1, 100 + 3 * (unsigned)k + (unsigned)i);
        char what[64];
        snprintf(what, sizeof what, "conv2d case %zu", k);
        gc_assert(gc_check(v, 3, NULL, build_conv, (void *)c, 1e-2f), 1e-3, what);
        for (int i = 0; i < 3; i++)
            free(v[i].data);
    }
}

Test(conv, transpose_gradients_input_weight_bias)
{
    for (size_t k = 0; k < sizeof grad_cases / sizeof *grad_cases; k++) {
        const conv_case *c = &grad_cases[k];
        /* the transpose reads w [Cin, Cout, kh, kw]: here cin plays its input channels */
        ae_tensor v[3] = {tensor_new(4, (int[]){c->n, c->cin, c->h, c->w}),
                          tensor_new(4, (int[]){c->cin, c->cout, c->kh, c->kw}),
                          tensor_new(1, (int[]){c->cout})};
        for (int i = 0; i < 3; i++)
            gc_fill_uniform(&v[i], -1, 1, 200 + 3 * (unsigned)k + (unsigned)i);
        char what[64];
        snprintf(what, sizeof what, "conv2d_transpose case %zu", k);
        gc_assert(gc_check(v, 3, NULL, build_deconv, (void *)c, 1e-2f), 1e-3, what);
        for (int i = 0; i < 3; i++)
            free(v[i].data);
    }
}

/* Threads take whole images (ops/parallel.h). With 1, 2 and 3 workers over a batch of 5
 * (uneven chunks) conv, pooling, upsampling and the transpose give the same outputs bit for
 * bit (each image is computed alone) and the same gradients up to the order of the
 * per-worker weight-gradient sums; the 3-worker gradients of the graph without pooling pass
 * the finite-difference check. A conv with a stride-1 input gradient (the flipped-kernel
 * path) feeds the transpose, whose weight is tied to the conv's. */
static ae_node *build_split(ae_tape *t, ae_node **v, void *ctx)
{
    ae_node *h = ae_activation(t, ae_conv2d(t, v[0], v[1], v[2], 1, 1, AE_PAD_SAME),
                               AE_ACT_TANH, 0);
    if (ctx) /* pooled: not for finite differences (an argmax flips within h) */
        h = ae_upsample2d(t, ae_maxpool2d(t, h, 2, 2, 2, 2, AE_PAD_SAME), 2, 2);
    return ae_conv2d_transpose(t, h, v[1], NULL, 2, 2, AE_PAD_SAME);
}

Test(conv, batches_split_between_threads_give_the_same_results)
{
    ae_tensor v[3] = {tensor_new(4, (int[]){5, 3, 6, 7}), tensor_new(4, (int[]){2, 3, 3, 3}),
                      tensor_new(1, (int[]){2})};
    for (int i = 0; i < 3; i++)
        gc_fill_uniform(&v[i], -1, 1, 500 + (unsigned)i);
    int saved = openblas_get_num_threads();
    float *out[3] = {NULL}, *grads[3][3] = {{NULL}};
    size_t out_size = 0;
    for (int k = 0; k < 3; k++) {
        openblas_set_num_threads(k + 1);
        ae_tape t;
        ae_tape_init(&t);
        ae_node *vars[3];
        for (int i = 0; i < 3; i++)
            vars[i] = ae_tape_variable(&t, &v[i]);
        ae_node *y = build_split(&t, vars, "pooled");
        cr_assert_not_null(y);
        out_size = y->value.size;
        out[k] = malloc(out_size * sizeof(float));
        memcpy(out[k], y->value.data, out_size * sizeof(float));
        ae_error err;
        cr_assert_eq(ae_tape_backward_seeded(&t, y, out[0], &err), AE_OK, "%s", err.msg);
        for (int i = 0; i < 3; i++) {
            grads[k][i] = malloc(v[i].size * sizeof(float));
            memcpy(grads[k][i], vars[i]->grad, v[i].size * sizeof(float));
        }
        ae_tape_free(&t);
    }
    for (int k = 1; k < 3; k++) {
        cr_assert_arr_eq(out[k], out[0], out_size * sizeof(float), "%d workers: outputs", k + 1);
        for (int i = 0; i < 3; i++)
            for (size_t j = 0; j < v[i].size; j++)
                cr_assert(fabsf(grads[k][i][j] - grads[0][i][j]) <=
                              1e-5f * fmaxf(1.0f, fabsf(grads[0][i][j])),
                          "%d workers: gradient %d[%zu] %g vs %g", k + 1, i, j,
                          (double)grads[k][i][j], (double)grads[0][i][j]);
    }
    openblas_set_num_threads(3);
    gc_assert(gc_check(v, 3, NULL, build_split, NULL, 1e-2f), 1e-3, "conv ... transpose, 3 workers");
    openblas_set_num_threads(saved);
    for (int k = 0; k < 3; k++) {
        free(out[k]);
        for (int i = 0; i < 3; i++)
            free(grads[k][i]);
    }
    for (int i = 0; i < 3; i++)
        free(v[i].data);
}

/* A weight shared by a conv and the transpose that follows (a tied conv autoencoder): the
 * tape must sum both gradient paths, and x is checked through two ops. */
static ae_node *build_tied(ae_tape *t, ae_node **v, void *ctx)
{
    ae_node *h = ae_conv2d(t, v[0], v[1], NULL, 2, 2, AE_PAD_SAME);
    return ae_conv2d_transpose(t, h, v[1], v[2], 2, 2, AE_PAD_SAME);
}

Test(conv, tied_conv_and_transpose_gradients)
{
    ae_tensor v[3] = {tensor_new(4, (int[]){2, 2, 6, 8}), tensor_new(4, (int[]){3, 2, 3, 3}),
                      tensor_new(1, (int[]){2})};
    for (int i = 0; i < 3; i++)
        gc_fill_uniform(&v[i], -1, 1, 300 + (unsigned)i);
    gc_assert(gc_check(v, 3, NULL, build_tied, NULL, 1e-2f), 1e-3, "tied conv");
    for (int i = 0; i < 3; i++)
        free(v[i].data);
}

/* ---- errors ---- */

static void expect_error(ae_tape *t, ae_node *y, const char *needle)
{
    cr_assert_null(y);
    cr_assert(t->failed);
    cr_assert(strstr(t->err.msg, needle) != NULL, "message '%s' lacks '%s'", t->err.msg, needle);
    ae_tape_reset(t);
}

Test(conv, shape_errors)
{
    ae_tensor x = tensor_new(4, (int[]){1, 2, 4, 4}), w = tensor_new(4, (int[]){3, 2, 5, 5});
    ae_tensor w3 = tensor_new(4, (int[]){3, 3, 3, 3}), b = tensor_new(1, (int[]){2});
    ae_tensor x2 = tensor_new(2, (int[]){4, 8});
    ae_tape t;
    ae_tape_init(&t);
#define IN(v) ae_tape_input(&t, &(v))
    expect_error(&t, ae_conv2d(&t, IN(x), IN(w), NULL, 1, 1, AE_PAD_VALID), "5×5 kernel");
    expect_error(&t, ae_conv2d(&t, IN(x), IN(w3), NULL, 1, 1, AE_PAD_SAME), "2 channels");
    expect_error(&t, ae_conv2d(&t, IN(x2), IN(w), NULL, 1, 1, AE_PAD_SAME), "N×C×H×W");
    expect_error(&t, ae_conv2d(&t, IN(x), IN(w), IN(b), 1, 1, AE_PAD_SAME), "bias");
    expect_error(&t, ae_conv2d(&t, IN(x), IN(w), NULL, 0, 1, AE_PAD_SAME), "strides");
    expect_error(&t, ae_conv2d(&t, IN(x), IN(w), NULL, 1, 1, (ae_padding)7), "padding");
    /* the transpose reads w as [Cin, Cout, ...]: w [3, 2, 5, 5] needs 3 input channels */
    expect_error(&t, ae_conv2d_transpose(&t, IN(x), IN(w), NULL, 2, 2, AE_PAD_SAME),
                 "2 channels");
    expect_error(&t, ae_conv2d_transpose(&t, IN(w3), IN(w3), NULL, 1 << 30, 1, AE_PAD_SAME),
                 "too large");
    /* a NULL input gives NULL without an error of its own */
    cr_assert_null(ae_conv2d(&t, NULL, IN(w), NULL, 1, 1, AE_PAD_SAME));
    cr_assert_null(ae_conv2d_transpose(&t, IN(x), NULL, NULL, 1, 1, AE_PAD_SAME));
    cr_assert_not(t.failed);
#undef IN
    ae_tape_free(&t);
    free(x.data);
    free(w.data);
    free(w3.data);
    free(b.data);
    free(x2.data);
}

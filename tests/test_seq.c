/* Sequence ops: values and finite-difference gradients. */
#include <criterion/criterion.h>

#include "gradcheck.h"
#include "ops/ops.h"
#include "ops/seq.h"

static ae_tensor tensor3(float *data, int a, int b, int c)
{
    ae_tensor t = {0};
    ae_tensor_set_shape(&t, 3, (int[]){a, b, c});
    t.data = data;
    return t;
}

/* A [2, 3, 4] input holding 0, 1, ..., 23, so each value names its position. */
static ae_node *counting_input(ae_tape *t, float d[24])
{
    for (int i = 0; i < 24; i++)
        d[i] = (float)i;
    ae_tensor x = tensor3(d, 2, 3, 4);
    return ae_tape_input(t, &x);
}

Test(seq, swap_leading_values)
{
    float d[24];
    ae_tape t;
    ae_tape_init(&t);
    ae_node *s = ae_swap_leading(&t, counting_input(&t, d));
    cr_assert_not_null(s);
    cr_assert(s->value.shape[0] == 3 && s->value.shape[1] == 2 && s->value.shape[2] == 4);
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 3; b++)
            for (int k = 0; k < 4; k++)
                cr_assert_float_eq(s->value.data[(b * 2 + a) * 4 + k], d[(a * 3 + b) * 4 + k], 0);
    ae_tensor v = {0};
    ae_tensor_set_shape(&v, 1, (int[]){24});
    v.data = d;
    cr_assert_null(ae_swap_leading(&t, ae_tape_input(&t, &v)), "1-D input must fail");
    ae_tape_free(&t);
}

Test(seq, slice_values_middle_axis)
{
    float d[24];
    ae_tape t;
    ae_tape_init(&t);
    ae_node *s = ae_slice(&t, counting_input(&t, d), 1, 1, 2);
    cr_assert_not_null(s);
    cr_assert_eq(s->value.shape[1], 2);
    /* sample 1, rows 1..2 of 3: elements 16..23 */
    cr_assert_float_eq(s->value.data[8], 16.0f, 0);
    cr_assert_float_eq(s->value.data[15], 23.0f, 0);
    cr_assert_null(ae_slice(&t, s, 1, 1, 2), "out of range slice must fail");
    ae_tape_free(&t);
}

static ae_node *build_slices(ae_tape *t, ae_node **v, void *ctx)
{
    /* gates of one product, recombined: every element flows through one slice */
    ae_node *a = ae_slice(t, v[0], 1, 0, 2), *b = ae_slice(t, v[0], 1, 2, 2);
    return ae_mul(t, a, b);
}

static ae_node *build_steps(ae_tape *t, ae_node **v, void *ctx)
{
    ae_node *steps[3];
    for (int s = 0; s < 3; s++)
        steps[s] = ae_scale(t, ae_time_step(t, v[0], 2 - s), (float)(s + 1));
    return ae_stack_steps(t, steps, 3);
}

/* [2, 3, 4] → [3, 2, 4] and back to [2, 3, 4] through a different consumer per layout */
static ae_node *build_swap(ae_tape *t, ae_node **v, void *ctx)
{
    ae_node *s = ae_swap_leading(t, v[0]);
    ae_node *back = ae_swap_leading(t, ae_activation(t, s, AE_ACT_TANH, 0));
    return ae_add(t, ae_mul(t, back, v[0]), ae_scale(t, ae_swap_leading(t, s), 2.0f));
}

static ae_node *build_repeat(ae_tape *t, ae_node **v, void *ctx)
{
    return ae_mul(t, ae_repeat(t, v[0], 4), v[1]);
}

Test(seq, gradients)
{
    float a[2 * 4], s[2 * 3 * 5], r[3 * 2], q[3 * 4 * 2];
    ae_tensor va = {0};
    ae_tensor_set_shape(&va, 2, (int[]){2, 4});
    va.data = a;
    ae_tensor vs = tensor3(s, 2, 3, 5), vq = tensor3(q, 3, 4, 2);
    ae_tensor vr = {0};
    ae_tensor_set_shape(&vr, 2, (int[]){3, 2});
    vr.data = r;
    gc_fill_uniform(&va, -1, 1, 1);
    gc_fill_uniform(&vs, -1, 1, 2);
    gc_fill_uniform(&vr, -1, 1, 3);
    gc_fill_uniform(&vq, -1, 1, 4);
    /* 1e-3 with h = 1e-2: these ops are (bi)linear, so only float rounding remains. */
    gc_assert(gc_check(&va, 1, NULL, build_slices, NULL, 1e-2f), 1e-3, "slice");
    gc_assert(gc_check(&vs, 1, NULL, build_steps, NULL, 1e-2f), 1e-3, "time_step + stack");
    gc_assert(gc_check(&vs, 1, NULL, build_swap, NULL, 1e-2f), 1e-3, "swap_leading");
    ae_tensor vars[2] = {vr, vq};
    gc_assert(gc_check(vars, 2, NULL, build_repeat, NULL, 1e-2f), 1e-3, "repeat");
}

/* Slices of one contiguous range and reshapes are views: no copy, and their consumers add
 * straight into the viewed node's gradient. Here that gradient is shared with consumers of x
 * recorded before and after the views, with a view of a view, with overlapping views, and
 * with a loss whose backward would otherwise hand its own buffer over as the gradient. */
static ae_node *build_views(ae_tape *t, ae_node **v, void *ctx)
{
    ae_node *x = v[0]; /* [4, 6] */
    ae_node *before = ae_sum(t, ae_square(t, x), -1);
    ae_node *top = ae_slice(t, x, 0, 0, 2), *bottom = ae_slice(t, x, 0, 2, 2);
    ae_node *flat = ae_reshape(t, bottom, 1, (int[]){12});
    ae_node *middle = ae_slice(t, ae_reshape(t, x, 2, (int[]){8, 3}), 0, 3, 2); /* overlaps both */
    ae_node *gated = ae_sum(t, ae_mul(t, top, ae_activation(t, top, AE_ACT_SIGMOID, 0)), -1);
    ae_node *bce = ae_bce_logits_loss(t, flat, ae_scale(t, flat, 0.25f), AE_REDUCE_MEAN);
    ae_node *mid = ae_sum(t, ae_activation(t, middle, AE_ACT_TANH, 0), -1);
    ae_node *after = ae_sum(t, ae_exp(t, x), -1);
    return ae_add(t, ae_add(t, before, gated), ae_add(t, ae_add(t, bce, mid), after));
}

Test(seq, contiguous_slices_and_reshapes_are_views)
{
    float d[4 * 6];
    ae_tensor x = {0};
    ae_tensor_set_shape(&x, 2, (int[]){4, 6});
    x.data = d;
    gc_fill_uniform(&x, -1, 1, 5);
    ae_tape t;
    ae_tape_init(&t);
    ae_node *xn = ae_tape_variable(&t, &x);
    ae_node *rows = ae_slice(&t, xn, 0, 1, 2), *cols = ae_slice(&t, xn, 1, 1, 2);
    cr_assert_eq(rows->value.data, d + 6, "a row range is a view");
    cr_assert_eq(rows->view_of, xn);
    cr_assert_null(cols->view_of, "a column range is not contiguous: copied");
    cr_assert_float_eq(cols->value.data[2], d[7], 0);
    ae_tape_free(&t);
    gc_assert(gc_check(&x, 1, NULL, build_views, NULL, 1e-2f), 1e-3, "views");
}

/* Slicing and stacking along one axis. A tensor is viewed as
 * [outer, axis, inner] around the axis, so every op is a loop of memcpy-sized
 * row moves; backward adds the same rows back. */
#include "ops/seq.h"

#include <string.h>

#include "ops/grad.h"
#include "ops/ops.h"

/* outer = product of dims before axis, inner = product after. */
static void split_dims(const ae_tensor *v, int axis, size_t *outer, size_t *inner)
{
    *outer = *inner = 1;
    for (int d = 0; d < axis; d++)
        *outer *= (size_t)v->shape[d];
    for (int d = axis + 1; d < v->ndim; d++)
        *inner *= (size_t)v->shape[d];
}

enum { SL_AXIS, SL_START };

static void slice_forward(ae_tape *t, ae_node *n)
{
    const ae_tensor *x = &n->in[0]->value;
    int axis = n->iattr[SL_AXIS], start = n->iattr[SL_START], len = n->value.shape[axis];
    size_t outer, inner;
    split_dims(x, axis, &outer, &inner);
    size_t src_row = (size_t)x->shape[axis] * inner, dst_row = (size_t)len * inner;
    for (size_t o = 0; o < outer; o++)
        memcpy(n->value.data + o * dst_row, x->data + o * src_row + (size_t)start * inner,
               dst_row * sizeof(float));
}

static void slice_backward(ae_tape *t, ae_node *n)
{
    ae_node *xn = n->in[0];
    float *gx = ae_tape_grad(t, xn);
    if (!gx)
        return;
    int axis = n->iattr[SL_AXIS], start = n->iattr[SL_START], len = n->value.shape[axis];
    size_t outer, inner;
    split_dims(&xn->value, axis, &outer, &inner);
    size_t src_row = (size_t)xn->value.shape[axis] * inner, dst_row = (size_t)len * inner;
    for (size_t o = 0; o < outer; o++) {
        float *g = gx + o * src_row + (size_t)start * inner;
        const float *d = n->grad + o * dst_row;
        for (size_t k = 0; k < dst_row; k++)
            g[k] += d[k];
    }
}

static const ae_op_def op_slice = {"slice", slice_forward, slice_backward};
/* A slice of one contiguous range (nothing varies before the axis): a view, no copy. */
static const ae_op_def op_slice_view = {"slice_view", ae_tape_view_noop, ae_tape_view_noop};

ae_node *ae_slice(ae_tape *t, ae_node *x, int axis, int start, int len)
{
    if (!x || t->failed)
        return NULL;
    const ae_tensor *v = &x->value;
    if (axis < 0 || axis >= v->ndim || start < 0 || len < 1 || start + len > v->shape[axis])
        return ae_tape_fail(t, AE_ERR_SHAPE, "slice: [%d, %d) is outside axis %d of size %d",
                            start, start + len, axis, axis >= 0 && axis < v->ndim ? v->shape[axis] : 0);
    int shape[AE_MAX_DIMS];
    memcpy(shape, v->shape, sizeof shape);
    shape[axis] = len;
    size_t outer, inner;
    split_dims(v, axis, &outer, &inner);
    if (outer == 1)
        return ae_tape_finish(t, ae_tape_view(t, &op_slice_view, x, v->ndim, shape,
                                              (size_t)start * inner));
    ae_node *n = ae_tape_record(t, &op_slice, &x, 1, v->ndim, shape, NULL);
    if (!n)
        return NULL;
    n->iattr[SL_AXIS] = axis;
    n->iattr[SL_START] = start;
    return ae_tape_finish(t, n);
}

ae_node *ae_time_step(ae_tape *t, ae_node *x, int step)
{
    if (!x || t->failed)
        return NULL;
    if (x->value.ndim != 3)
        return ae_tape_fail(t, AE_ERR_SHAPE, "time_step: expected [N, T, F]");
    ae_node *s = ae_slice(t, x, 1, step, 1);
    int shape[2] = {x->value.shape[0], x->value.shape[2]};
    return ae_reshape(t, s, 2, shape);
}

/* ---- swap_leading: [A, B, ...] → [B, A, ...] ---- */

/* Moves blocks of `inner` values from position (a, b) of an [A, B] grid to (b, a); with
 * add, adds them there instead (the backward of the same move in the other direction). */
static void swap_blocks(float *dst, const float *src, size_t rows, size_t cols, size_t inner,
                        bool add)
{
    for (size_t a = 0; a < rows; a++)
        for (size_t b = 0; b < cols; b++) {
            float *d = dst + (b * rows + a) * inner;
            const float *x = src + (a * cols + b) * inner;
            if (add)
                for (size_t k = 0; k < inner; k++)
                    d[k] += x[k];
            else
                memcpy(d, x, inner * sizeof(float));
        }
}

static size_t trailing(const ae_tensor *v)
{
    size_t inner = 1;
    for (int d = 2; d < v->ndim; d++)
        inner *= (size_t)v->shape[d];
    return inner;
}

static void swap_forward(ae_tape *t, ae_node *n)
{
    const ae_tensor *x = &n->in[0]->value;
    swap_blocks(n->value.data, x->data, (size_t)x->shape[0], (size_t)x->shape[1], trailing(x),
                false);
}

static void swap_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (g) /* the output is [B, A, ...]: moving its gradient back is the same swap */
        swap_blocks(g, n->grad, (size_t)n->value.shape[0], (size_t)n->value.shape[1],
                    trailing(&n->value), !assign);
}

static const ae_op_def op_swap = {"swap_leading", swap_forward, swap_backward};

ae_node *ae_swap_leading(ae_tape *t, ae_node *x)
{
    if (!x || t->failed)
        return NULL;
    if (x->value.ndim < 2)
        return ae_tape_fail(t, AE_ERR_SHAPE, "swap_leading: expected at least 2 axes");
    int shape[AE_MAX_DIMS];
    memcpy(shape, x->value.shape, sizeof shape);
    shape[0] = x->value.shape[1];
    shape[1] = x->value.shape[0];
    return ae_tape_finish(t, ae_tape_record(t, &op_swap, &x, 1, x->value.ndim, shape, NULL));
}

/* ---- stack: n × [N, F] → [N, n, F] ---- */

static void stack_forward(ae_tape *t, ae_node *n)
{
    size_t rows = (size_t)n->value.shape[0], f = (size_t)n->value.shape[2], steps = (size_t)n->n_in;
    for (size_t s = 0; s < steps; s++) {
        const float *x = n->in[s]->value.data;
        for (size_t r = 0; r < rows; r++)
            memcpy(n->value.data + (r * steps + s) * f, x + r * f, f * sizeof(float));
    }
}

static void stack_backward(ae_tape *t, ae_node *n)
{
    size_t rows = (size_t)n->value.shape[0], f = (size_t)n->value.shape[2], steps = (size_t)n->n_in;
    for (size_t s = 0; s < steps; s++) {
        ae_node *xn = n->in[s];
        if (!xn->requires_grad)
            continue;
        float *g = ae_tape_grad(t, xn);
        if (!g)
            return;
        for (size_t r = 0; r < rows; r++) {
            const float *d = n->grad + (r * steps + s) * f;
            for (size_t k = 0; k < f; k++)
                g[r * f + k] += d[k];
        }
    }
}

static const ae_op_def op_stack = {"stack_steps", stack_forward, stack_backward};

ae_node *ae_stack_steps(ae_tape *t, ae_node *const *xs, int n)
{
    if (t->failed || n < 1)
        return n < 1 ? ae_tape_fail(t, AE_ERR_SHAPE, "stack_steps: nothing to stack") : NULL;
    for (int s = 0; s < n; s++) {
        if (!xs[s])
            return NULL;
        if (xs[s]->value.ndim != 2 || !ae_tensor_same_shape(&xs[s]->value, &xs[0]->value))
            return ae_tape_fail(t, AE_ERR_SHAPE, "stack_steps: steps must all be [N, F]");
    }
    int shape[3] = {xs[0]->value.shape[0], n, xs[0]->value.shape[1]};
    return ae_tape_finish(t, ae_tape_record(t, &op_stack, xs, n, 3, shape, NULL));
}

/* ---- repeat: [N, F] → [N, T, F] ---- */

static void repeat_forward(ae_tape *t, ae_node *n)
{
    size_t rows = (size_t)n->value.shape[0], steps = (size_t)n->value.shape[1],
           f = (size_t)n->value.shape[2];
    const float *x = n->in[0]->value.data;
    for (size_t r = 0; r < rows; r++)
        for (size_t s = 0; s < steps; s++)
            memcpy(n->value.data + (r * steps + s) * f, x + r * f, f * sizeof(float));
}

static void repeat_backward(ae_tape *t, ae_node *n)
{
    float *g = ae_tape_grad(t, n->in[0]);
    if (!g)
        return;
    size_t rows = (size_t)n->value.shape[0], steps = (size_t)n->value.shape[1],
           f = (size_t)n->value.shape[2];
    for (size_t r = 0; r < rows; r++)
        for (size_t s = 0; s < steps; s++) {
            const float *d = n->grad + (r * steps + s) * f;
            for (size_t k = 0; k < f; k++)
                g[r * f + k] += d[k];
        }
}

static const ae_op_def op_repeat = {"repeat", repeat_forward, repeat_backward};

ae_node *ae_repeat(ae_tape *t, ae_node *x, int steps)
{
    if (!x || t->failed)
        return NULL;
    if (x->value.ndim != 2 || steps < 1)
        return ae_tape_fail(t, AE_ERR_SHAPE, "repeat: expected [N, F] and steps >= 1");
    int shape[3] = {x->value.shape[0], steps, x->value.shape[1]};
    return ae_tape_finish(t, ae_tape_record(t, &op_repeat, &x, 1, 3, shape, NULL));
}

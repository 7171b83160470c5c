/* Sum and mean, over every element or along one axis.
 *
 * x is viewed as outer × len × inner around the reduced axis (len = every element, outer =
 * inner = 1 for a full reduction). Full reductions and reductions over the last axis
 * accumulate in double; others add whole rows of inner floats, which vectorises. Backward
 * broadcasts dy·scale back over the reduced axis (scale 1 for sum, 1/len for mean). */
#include <limits.h>

#include "ops/grad.h"
#include "ops/ops.h"
#include "ops/simd.h"

enum { RD_OUTER, RD_LEN, RD_INNER };
enum { FA_SCALE };

AE_SIMD_CLONES
static void reduce_kernel(float *y, const float *x, size_t outer, size_t len, size_t inner,
                          float scale)
{
    if (inner == 1) {
        for (size_t o = 0; o < outer; o++, x += len) {
            double s = 0;
            for (size_t l = 0; l < len; l++)
                s += x[l];
            y[o] = (float)(s * scale);
        }
        return;
    }
    for (size_t o = 0; o < outer; o++, y += inner) {
        memset(y, 0, inner * sizeof *y);
        for (size_t l = 0; l < len; l++, x += inner)
            AE_V8_FOR(i, c, inner)
            ae_v8_storen(y + i, ae_v8_loadn(y + i, c) + ae_v8_loadn(x + i, c), c);
        AE_V8_FOR(i, c, inner)
        ae_v8_storen(y + i, ae_v8_loadn(y + i, c) * scale, c);
    }
}

AE_SIMD_CLONES
static void reduce_grad_kernel(float *g, const float *dy, size_t outer, size_t len, size_t inner,
                               float scale, bool assign)
{
    for (size_t o = 0; o < outer; o++, dy += inner)
        for (size_t l = 0; l < len; l++, g += inner) {
            if (inner == 1) {
                *g = (assign ? 0.0f : *g) + *dy * scale;
                continue;
            }
            AE_V8_FOR(i, c, inner)
            ae_v8_accn(g + i, ae_v8_loadn(dy + i, c) * scale, c, assign);
        }
}

static void reduce_forward(ae_tape *t, ae_node *n)
{
    reduce_kernel(n->value.data, n->in[0]->value.data, (size_t)n->iattr[RD_OUTER],
                  (size_t)n->iattr[RD_LEN], (size_t)n->iattr[RD_INNER], n->fattr[FA_SCALE]);
}

static void reduce_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (g)
        reduce_grad_kernel(g, n->grad, (size_t)n->iattr[RD_OUTER], (size_t)n->iattr[RD_LEN],
                           (size_t)n->iattr[RD_INNER], n->fattr[FA_SCALE], assign);
}

static const ae_op_def op_sum = {"sum", reduce_forward, reduce_backward};
static const ae_op_def op_mean = {"mean", reduce_forward, reduce_backward};

static ae_node *reduce(ae_tape *t, const ae_op_def *op, ae_node *x, int axis, bool mean)
{
    if (!x || t->failed)
        return NULL;
    const ae_tensor *xv = &x->value;
    if (axis < -1 || axis >= xv->ndim) {
        char xs[64];
        return ae_tape_fail(t, AE_ERR_SHAPE, "%s: axis %d is out of range for %s", op->name, axis,
                            ae_tensor_shape_str(xv, xs, sizeof xs));
    }
    size_t outer = 1, len = xv->size, inner = 1;
    int shape[AE_MAX_DIMS] = {1}, ndim = 1;
    if (axis >= 0) {
        len = (size_t)xv->shape[axis];
        ndim = 0;
        for (int d = 0; d < xv->ndim; d++) {
            if (d < axis)
                outer *= (size_t)xv->shape[d];
            if (d > axis)
                inner *= (size_t)xv->shape[d];
            if (d != axis)
                shape[ndim++] = xv->shape[d];
        }
        if (ndim == 0) /* a 1-D input reduces to [1] */
            shape[ndim++] = 1;
    }
    if (outer > INT_MAX || len > INT_MAX || inner > INT_MAX) {
        char xs[64];
        return ae_tape_fail(t, AE_ERR_SHAPE, "%s: %s is too large", op->name,
                            ae_tensor_shape_str(xv, xs, sizeof xs));
    }
    ae_node *y = ae_tape_record(t, op, &x, 1, ndim, shape, NULL);
    if (!y)
        return NULL;
    y->iattr[RD_OUTER] = (int)outer;
    y->iattr[RD_LEN] = (int)len;
    y->iattr[RD_INNER] = (int)inner;
    y->fattr[FA_SCALE] = mean ? (float)(1.0 / (double)len) : 1.0f;
    return ae_tape_finish(t, y);
}

ae_node *ae_sum(ae_tape *t, ae_node *x, int axis)
{
    return reduce(t, &op_sum, x, axis, false);
}

ae_node *ae_mean(ae_tape *t, ae_node *x, int axis)
{
    return reduce(t, &op_mean, x, axis, true);
}

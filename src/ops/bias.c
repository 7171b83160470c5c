/* The broadcast bias add: y = x + b along the channel (or feature) axis.
 *
 * x is viewed as outer × C × inner: N×F is N × F × 1, N×T×F is (N·T) × F × 1 and N×C×H×W is
 * N × C × (H·W). Backward: dx = dy, db[c] = Σ dy over every position of channel c; both come
 * from one pass over dy. */
#include <limits.h>

#include "ops/grad.h"
#include "ops/ops.h"
#include "ops/simd.h"

enum { BA_OUTER, BA_C, BA_INNER };

/* y[o, :] = x[o, :] + b over rows of C values */
AE_SIMD_CLONES
static void bias_rows_forward(float *y, const float *x, const float *b, size_t rows, size_t c)
{
    for (size_t o = 0; o < rows; o++, x += c, y += c) {
        size_t j = 0;
        for (; j + AE_V8 <= c; j += AE_V8)
            ae_v8_store(y + j, ae_v8_load(x + j) + ae_v8_load(b + j));
        for (; j < c; j++)
            y[j] = x[j] + b[j];
    }
}

/* dx (=|+=) dy and db += column sums of dy, in one pass; dx or db may be NULL */
AE_SIMD_CLONES
static void bias_rows_backward(float *dx, bool assign, float *db, const float *dy, size_t rows,
                               size_t c)
{
    for (size_t o = 0; o < rows; o++, dy += c) {
        float *dxr = dx ? dx + o * c : NULL;
        size_t j = 0;
        for (; j + AE_V8 <= c; j += AE_V8) {
            ae_v8f d = ae_v8_load(dy + j);
            if (db)
                ae_v8_store(db + j, ae_v8_load(db + j) + d);
            if (dxr)
                ae_v8_store(dxr + j, assign ? d : ae_v8_load(dxr + j) + d);
        }
        for (; j < c; j++) {
            if (db)
                db[j] += dy[j];
            if (dxr)
                dxr[j] = assign ? dy[j] : dxr[j] + dy[j];
        }
    }
}

/* y[o, c, :] = x[o, c, :] + b[c] over planes of inner values */
AE_SIMD_CLONES
static void bias_planes_forward(float *y, const float *x, const float *b, size_t outer, size_t c,
                                size_t inner)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t k = 0; k < c; k++, x += inner, y += inner) {
            ae_v8f bv = ae_v8_splat(b[k]);
            size_t j = 0;
            for (; j + AE_V8 <= inner; j += AE_V8)
                ae_v8_store(y + j, ae_v8_load(x + j) + bv);
            for (; j < inner; j++)
                y[j] = x[j] + b[k];
        }
}

AE_SIMD_CLONES
static void bias_planes_backward(float *dx, bool assign, float *db, const float *dy, size_t outer,
                                 size_t c, size_t inner)
{
    for (size_t o = 0; o < outer; o++)
        for (size_t k = 0; k < c; k++, dy += inner) {
            float *dxp = dx ? dx + (o * c + k) * inner : NULL;
            ae_v8f acc = ae_v8_splat(0.0f);
            float tail = 0.0f;
            size_t j = 0;
            for (; j + AE_V8 <= inner; j += AE_V8) {
                ae_v8f d = ae_v8_load(dy + j);
                acc += d;
                if (dxp)
                    ae_v8_store(dxp + j, assign ? d : ae_v8_load(dxp + j) + d);
            }
            for (; j < inner; j++) {
                tail += dy[j];
                if (dxp)
                    dxp[j] = assign ? dy[j] : dxp[j] + dy[j];
            }
            if (db)
                db[k] += ae_v8_hsum(acc) + tail;
        }
}

static void bias_add_forward(ae_tape *t, ae_node *n)
{
    size_t outer = (size_t)n->iattr[BA_OUTER], c = (size_t)n->iattr[BA_C];
    size_t inner = (size_t)n->iattr[BA_INNER];
    const float *x = n->in[0]->value.data, *b = n->in[1]->value.data;
    if (inner == 1)
        bias_rows_forward(n->value.data, x, b, outer, c);
    else
        bias_planes_forward(n->value.data, x, b, outer, c, inner);
}

static void bias_add_backward(ae_tape *t, ae_node *n)
{
    ae_node *x = n->in[0], *b = n->in[1];
    size_t outer = (size_t)n->iattr[BA_OUTER], c = (size_t)n->iattr[BA_C];
    size_t inner = (size_t)n->iattr[BA_INNER];
    if (x == b) { /* x + x with a 1-D x: one node read twice */
        float *g = ae_tape_grad(t, x);
        if (g)
            ae_ops_acc_scaled(g, n->grad, 2.0f, c, false);
        return;
    }
    float *dx = NULL, *db = NULL;
    bool assign = false;
    if (x->requires_grad && !(dx = ae_ops_grad_begin(t, x, &assign)))
        return;
    if (b->requires_grad && !(db = ae_tape_grad(t, b)))
        return;
    if (inner == 1)
        bias_rows_backward(dx, assign, db, n->grad, outer, c);
    else
        bias_planes_backward(dx, assign, db, n->grad, outer, c, inner);
}

static const ae_op_def op_bias_add = {"bias_add", bias_add_forward, bias_add_backward};

ae_node *ae_bias_add(ae_tape *t, ae_node *x, ae_node *b)
{
    if (!x || !b || t->failed)
        return NULL;
    const ae_tensor *xv = &x->value;
    char xs[64];
    if (b->value.ndim != 1)
        return ae_tape_fail(t, AE_ERR_SHAPE, "bias_add: the bias must be 1-D, not %s",
                            ae_tensor_shape_str(&b->value, xs, sizeof xs));
    int axis;
    size_t outer, inner = 1;
    switch (xv->ndim) {
    case 1: axis = 0, outer = 1; break;
    case 2: axis = 1, outer = (size_t)xv->shape[0]; break;
    case 3: axis = 2, outer = (size_t)xv->shape[0] * (size_t)xv->shape[1]; break;
    default:
        axis = 1, outer = (size_t)xv->shape[0];
        inner = (size_t)xv->shape[2] * (size_t)xv->shape[3];
        break;
    }
    if (outer > INT_MAX || inner > INT_MAX)
        return ae_tape_fail(t, AE_ERR_SHAPE, "bias_add: x %s is too large",
                            ae_tensor_shape_str(xv, xs, sizeof xs));
    if (b->value.shape[0] != xv->shape[axis])
        return ae_tape_fail(t, AE_ERR_SHAPE,
                            "bias_add: the bias has %d values but x %s has %d along axis %d",
                            b->value.shape[0], ae_tensor_shape_str(xv, xs, sizeof xs),
                            xv->shape[axis], axis);
    ae_node *in[2] = {x, b};
    ae_node *y = ae_tape_record(t, &op_bias_add, in, 2, xv->ndim, xv->shape, NULL);
    if (!y)
        return NULL;
    y->iattr[BA_OUTER] = (int)outer;
    y->iattr[BA_C] = xv->shape[axis];
    y->iattr[BA_INNER] = (int)inner;
    return ae_tape_finish(t, y);
}

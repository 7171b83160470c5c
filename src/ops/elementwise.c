/* Elementwise ops over tensors of one shape, and reshape (a view).
 *
 * Inputs may be the same node (ae_mul(t, x, x)): each backward fetches and updates one input's
 * gradient at a time, so the second update finds the first one's buffer and adds to it. */
#include <math.h>

#include "ops/grad.h"
#include "ops/ops.h"
#include "ops/simd.h"

enum { EW_ADD, EW_SUB, EW_MUL };
enum { FA_S };

/* y = a (op) b */
AE_SIMD_CLONES
static void binary_kernel(int op, float *y, const float *a, const float *b, size_t n)
{
    size_t i = 0;
    switch (op) {
    case EW_ADD:
        for (; i + AE_V8 <= n; i += AE_V8)
            ae_v8_store(y + i, ae_v8_load(a + i) + ae_v8_load(b + i));
        for (; i < n; i++)
            y[i] = a[i] + b[i];
        break;
    case EW_SUB:
        for (; i + AE_V8 <= n; i += AE_V8)
            ae_v8_store(y + i, ae_v8_load(a + i) - ae_v8_load(b + i));
        for (; i < n; i++)
            y[i] = a[i] - b[i];
        break;
    default:
        for (; i + AE_V8 <= n; i += AE_V8)
            ae_v8_store(y + i, ae_v8_load(a + i) * ae_v8_load(b + i));
        for (; i < n; i++)
            y[i] = a[i] * b[i];
        break;
    }
}

/* y = a·s + c */
AE_SIMD_CLONES
static void affine_kernel(float *y, const float *a, float s, float c, size_t n)
{
    size_t i = 0;
    for (; i + AE_V8 <= n; i += AE_V8)
        ae_v8_store(y + i, ae_v8_load(a + i) * s + c);
    for (; i < n; i++)
        y[i] = a[i] * s + c;
}

/* ---- binary ops ---- */

static void add_forward(ae_tape *t, ae_node *n)
{
    binary_kernel(EW_ADD, n->value.data, n->in[0]->value.data, n->in[1]->value.data, n->value.size);
}

static void sub_forward(ae_tape *t, ae_node *n)
{
    binary_kernel(EW_SUB, n->value.data, n->in[0]->value.data, n->in[1]->value.data, n->value.size);
}

static void mul_forward(ae_tape *t, ae_node *n)
{
    binary_kernel(EW_MUL, n->value.data, n->in[0]->value.data, n->in[1]->value.data, n->value.size);
}

/* d(a ± b) = da ± db */
static void add_sub_backward(ae_tape *t, ae_node *n, float sign_b)
{
    bool assign;
    for (int k = 0; k < 2; k++) {
        ae_node *x = n->in[k];
        if (!x->requires_grad)
            continue;
        float *g = ae_ops_grad_begin(t, x, &assign);
        if (!g)
            return;
        ae_ops_acc_scaled(g, n->grad, k ? sign_b : 1.0f, n->value.size, assign);
    }
}

static void add_backward(ae_tape *t, ae_node *n)
{
    add_sub_backward(t, n, 1.0f);
}

static void sub_backward(ae_tape *t, ae_node *n)
{
    add_sub_backward(t, n, -1.0f);
}

/* d(a·b) = b·da + a·db */
static void mul_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    for (int k = 0; k < 2; k++) {
        ae_node *x = n->in[k];
        if (!x->requires_grad)
            continue;
        float *g = ae_ops_grad_begin(t, x, &assign);
        if (!g)
            return;
        ae_ops_acc_mul(g, n->grad, n->in[1 - k]->value.data, 1.0f, n->value.size, assign);
    }
}

static const ae_op_def op_add = {"add", add_forward, add_backward};
static const ae_op_def op_sub = {"sub", sub_forward, sub_backward};
static const ae_op_def op_mul = {"mul", mul_forward, mul_backward};

static ae_node *binary(ae_tape *t, const ae_op_def *op, ae_node *a, ae_node *b)
{
    if (!a || !b || t->failed)
        return NULL;
    if (!ae_tensor_same_shape(&a->value, &b->value)) {
        char as[64], bs[64];
        return ae_tape_fail(t, AE_ERR_SHAPE, "%s: shapes differ (%s vs %s)", op->name,
                            ae_tensor_shape_str(&a->value, as, sizeof as),
                            ae_tensor_shape_str(&b->value, bs, sizeof bs));
    }
    ae_node *in[2] = {a, b};
    return ae_tape_finish(t, ae_tape_record(t, op, in, 2, a->value.ndim, a->value.shape, NULL));
}

ae_node *ae_add(ae_tape *t, ae_node *a, ae_node *b)
{
    return binary(t, &op_add, a, b);
}

ae_node *ae_sub(ae_tape *t, ae_node *a, ae_node *b)
{
    return binary(t, &op_sub, a, b);
}

ae_node *ae_mul(ae_tape *t, ae_node *a, ae_node *b)
{
    return binary(t, &op_mul, a, b);
}

/* ---- unary ops ---- */

static void scale_forward(ae_tape *t, ae_node *n)
{
    affine_kernel(n->value.data, n->in[0]->value.data, n->fattr[FA_S], 0.0f, n->value.size);
}

static void scale_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (g)
        ae_ops_acc_scaled(g, n->grad, n->fattr[FA_S], n->value.size, assign);
}

static void add_scalar_forward(ae_tape *t, ae_node *n)
{
    affine_kernel(n->value.data, n->in[0]->value.data, 1.0f, n->fattr[FA_S], n->value.size);
}

/* shared by add_scalar and reshape: dx = dy */
static void pass_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (g)
        ae_ops_acc(g, n->grad, n->value.size, assign);
}

static void square_forward(ae_tape *t, ae_node *n)
{
    const float *a = n->in[0]->value.data;
    binary_kernel(EW_MUL, n->value.data, a, a, n->value.size);
}

static void square_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (g)
        ae_ops_acc_mul(g, n->grad, n->in[0]->value.data, 2.0f, n->value.size, assign);
}

static void abs_forward(ae_tape *t, ae_node *n)
{
    const float *a = n->in[0]->value.data;
    float *y = n->value.data;
    for (size_t i = 0; i < n->value.size; i++)
        y[i] = fabsf(a[i]);
}

/* d|a| = sign(a)·da, with 0 at a = 0 (a subgradient) */
static void abs_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (!g)
        return;
    const float *a = n->in[0]->value.data, *dy = n->grad;
    for (size_t i = 0; i < n->value.size; i++) {
        float d = a[i] > 0 ? dy[i] : a[i] < 0 ? -dy[i] : 0.0f;
        g[i] = assign ? d : g[i] + d;
    }
}

static void log_forward(ae_tape *t, ae_node *n)
{
    const float *a = n->in[0]->value.data;
    float *y = n->value.data;
    for (size_t i = 0; i < n->value.size; i++)
        y[i] = logf(a[i]);
}

static void log_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (!g)
        return;
    const float *a = n->in[0]->value.data, *dy = n->grad;
    for (size_t i = 0; i < n->value.size; i++)
        g[i] = (assign ? 0.0f : g[i]) + dy[i] / a[i];
}

static void exp_forward(ae_tape *t, ae_node *n)
{
    const float *a = n->in[0]->value.data;
    float *y = n->value.data;
    for (size_t i = 0; i < n->value.size; i++)
        y[i] = expf(a[i]);
}

/* d e^a = e^a·da: the output is what backward needs */
static void exp_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (g)
        ae_ops_acc_mul(g, n->grad, n->value.data, 1.0f, n->value.size, assign);
}

static const ae_op_def op_scale = {"scale", scale_forward, scale_backward};
static const ae_op_def op_add_scalar = {"add_scalar", add_scalar_forward, pass_backward};
static const ae_op_def op_square = {"square", square_forward, square_backward};
static const ae_op_def op_abs = {"abs", abs_forward, abs_backward};
static const ae_op_def op_log = {"log", log_forward, log_backward};
static const ae_op_def op_exp = {"exp", exp_forward, exp_backward};
static const ae_op_def op_reshape = {"reshape", ae_tape_view_noop, ae_tape_view_noop};

static ae_node *unary(ae_tape *t, const ae_op_def *op, ae_node *a, float s)
{
    if (!a || t->failed)
        return NULL;
    ae_node *y = ae_tape_record(t, op, &a, 1, a->value.ndim, a->value.shape, NULL);
    if (y)
        y->fattr[FA_S] = s;
    return ae_tape_finish(t, y);
}

ae_node *ae_scale(ae_tape *t, ae_node *a, float s)
{
    return unary(t, &op_scale, a, s);
}

ae_node *ae_add_scalar(ae_tape *t, ae_node *a, float s)
{
    return unary(t, &op_add_scalar, a, s);
}

ae_node *ae_square(ae_tape *t, ae_node *a)
{
    return unary(t, &op_square, a, 0.0f);
}

ae_node *ae_abs(ae_tape *t, ae_node *a)
{
    return unary(t, &op_abs, a, 0.0f);
}

ae_node *ae_log(ae_tape *t, ae_node *a)
{
    return unary(t, &op_log, a, 0.0f);
}

ae_node *ae_exp(ae_tape *t, ae_node *a)
{
    return unary(t, &op_exp, a, 0.0f);
}

ae_node *ae_reshape(ae_tape *t, ae_node *a, int ndim, const int *shape)
{
    if (!a || t->failed)
        return NULL;
    ae_tensor want = {0};
    char as[64], ws[64];
    if (!ae_tensor_set_shape(&want, ndim, shape))
        return ae_tape_fail(t, AE_ERR_SHAPE, "reshape: invalid target shape for %s",
                            ae_tensor_shape_str(&a->value, as, sizeof as));
    if (want.size != a->value.size)
        return ae_tape_fail(t, AE_ERR_SHAPE, "reshape: %s has %zu values, %s has %zu",
                            ae_tensor_shape_str(&a->value, as, sizeof as), a->value.size,
                            ae_tensor_shape_str(&want, ws, sizeof ws), want.size);
    return ae_tape_finish(t, ae_tape_view(t, &op_reshape, a, ndim, shape, 0));
}

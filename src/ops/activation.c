/* Activations: y = f(x) elementwise.
 *
 * Backward reads whatever is cheapest: relu, sigmoid and tanh differentiate from their own
 * output (σ' = y(1−y), tanh' = 1−y²), ELU from its output below zero (y + α), leaky ReLU from
 * the input's sign, and softplus from the sigmoid its forward saved in aux, so no backward
 * evaluates an exponential again. */
#include <math.h>
#include <string.h>

#include "ops/grad.h"
#include "ops/ops.h"
#include "ops/simd.h"

enum { FA_ALPHA };

static const char *const act_names[] = {
    [AE_ACT_LINEAR] = "linear",   [AE_ACT_RELU] = "relu",       [AE_ACT_LEAKY_RELU] = "leaky_relu",
    [AE_ACT_ELU] = "elu",         [AE_ACT_SIGMOID] = "sigmoid", [AE_ACT_TANH] = "tanh",
    [AE_ACT_SOFTPLUS] = "softplus",
};
enum { N_ACTS = sizeof act_names / sizeof act_names[0] };
_Static_assert(N_ACTS == AE_ACT_SOFTPLUS + 1, "every activation has a name");

const char *ae_act_name(ae_act a)
{
    return (unsigned)a < N_ACTS ? act_names[a] : "unknown";
}

int ae_act_from_name(const char *name)
{
    for (int i = 0; i < N_ACTS; i++)
        if (name && strcmp(name, act_names[i]) == 0)
            return i;
    return -1;
}

/* ---- kernels ---- */

AE_SIMD_CLONES
static void relu_kernel(float *y, const float *x, size_t n)
{
    AE_V8_FOR(i, c, n)
    ae_v8_storen(y + i, ae_v8_relu(ae_v8_loadn(x + i, c)), c);
}

AE_SIMD_CLONES
static void relu_grad_kernel(float *g, const float *dy, const float *y, size_t n, bool assign)
{
    AE_V8_FOR(i, c, n)
    ae_v8_accn(g + i, ae_v8_and(ae_v8_loadn(y + i, c) > 0.0f, ae_v8_loadn(dy + i, c)), c, assign);
}

AE_SIMD_CLONES
static void leaky_kernel(float *y, const float *x, float alpha, size_t n)
{
    AE_V8_FOR(i, c, n)
    {
        ae_v8f v = ae_v8_loadn(x + i, c);
        ae_v8_storen(y + i, ae_v8_select(v < 0.0f, v * alpha, v), c);
    }
}

AE_SIMD_CLONES
static void leaky_grad_kernel(float *g, const float *dy, const float *x, float alpha, size_t n,
                              bool assign)
{
    AE_V8_FOR(i, c, n)
    {
        ae_v8f d = ae_v8_loadn(dy + i, c);
        ae_v8_accn(g + i, ae_v8_select(ae_v8_loadn(x + i, c) < 0.0f, d * alpha, d), c, assign);
    }
}

AE_SIMD_CLONES
static void sigmoid_kernel(float *y, const float *x, size_t n)
{
    AE_V8_FOR(i, c, n)
    ae_v8_storen(y + i, ae_v8_sigmoid(ae_v8_loadn(x + i, c)), c);
}

AE_SIMD_CLONES
static void sigmoid_grad_kernel(float *g, const float *dy, const float *y, size_t n, bool assign)
{
    AE_V8_FOR(i, c, n)
    {
        ae_v8f s = ae_v8_loadn(y + i, c);
        ae_v8_accn(g + i, ae_v8_loadn(dy + i, c) * s * (1.0f - s), c, assign);
    }
}

AE_SIMD_CLONES
static void tanh_kernel(float *y, const float *x, size_t n)
{
    AE_V8_FOR(i, c, n)
    ae_v8_storen(y + i, ae_v8_tanh(ae_v8_loadn(x + i, c)), c);
}

AE_SIMD_CLONES
static void tanh_grad_kernel(float *g, const float *dy, const float *y, size_t n, bool assign)
{
    AE_V8_FOR(i, c, n)
    {
        ae_v8f s = ae_v8_loadn(y + i, c);
        ae_v8_accn(g + i, ae_v8_loadn(dy + i, c) * (1.0f - s * s), c, assign);
    }
}

/* softplus(x) = max(x, 0) + log1p(e^−|x|): no overflow for large x, no log(1) rounding to 0
 * for very negative x. sig receives σ(x), softplus' derivative. */
AE_SIMD_CLONES
static void softplus_kernel(float *y, float *sig, const float *x, size_t n)
{
    AE_V8_FOR(i, c, n)
    {
        ae_v8f v = ae_v8_loadn(x + i, c);
        ae_v8f e = ae_v8_exp_neg(-ae_v8_abs(v));
        ae_v8_storen(y + i, ae_v8_relu(v) + ae_v8_log1p_unit(e), c);
        ae_v8_storen(sig + i, ae_v8_sigmoid_from(v, e), c);
    }
}

/* ---- ops ---- */

static void relu_forward(ae_tape *t, ae_node *n)
{
    relu_kernel(n->value.data, n->in[0]->value.data, n->value.size);
}

static void relu_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (g)
        relu_grad_kernel(g, n->grad, n->value.data, n->value.size, assign);
}

static void leaky_forward(ae_tape *t, ae_node *n)
{
    leaky_kernel(n->value.data, n->in[0]->value.data, n->fattr[FA_ALPHA], n->value.size);
}

static void leaky_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (g)
        leaky_grad_kernel(g, n->grad, n->in[0]->value.data, n->fattr[FA_ALPHA], n->value.size,
                          assign);
}

/* ELU: x for x > 0, α(e^x − 1) below; expm1 keeps precision near 0 */
static void elu_forward(ae_tape *t, ae_node *n)
{
    const float *x = n->in[0]->value.data;
    float *y = n->value.data, alpha = n->fattr[FA_ALPHA];
    for (size_t i = 0; i < n->value.size; i++)
        y[i] = x[i] > 0 ? x[i] : alpha * expm1f(x[i]);
}

/* below zero, d/dx α(e^x − 1) = α·e^x = y + α */
static void elu_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (!g)
        return;
    const float *x = n->in[0]->value.data, *y = n->value.data, *dy = n->grad;
    float alpha = n->fattr[FA_ALPHA];
    for (size_t i = 0; i < n->value.size; i++) {
        float d = x[i] > 0 ? dy[i] : dy[i] * (y[i] + alpha);
        g[i] = assign ? d : g[i] + d;
    }
}

static void sigmoid_forward(ae_tape *t, ae_node *n)
{
    sigmoid_kernel(n->value.data, n->in[0]->value.data, n->value.size);
}

static void sigmoid_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (g)
        sigmoid_grad_kernel(g, n->grad, n->value.data, n->value.size, assign);
}

static void tanh_forward(ae_tape *t, ae_node *n)
{
    tanh_kernel(n->value.data, n->in[0]->value.data, n->value.size);
}

static void tanh_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (g)
        tanh_grad_kernel(g, n->grad, n->value.data, n->value.size, assign);
}

static void softplus_forward(ae_tape *t, ae_node *n)
{
    softplus_kernel(n->value.data, n->aux, n->in[0]->value.data, n->value.size);
}

static void softplus_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (g)
        ae_ops_acc_mul(g, n->grad, n->aux, 1.0f, n->value.size, assign);
}

static const ae_op_def act_ops[] = {
    [AE_ACT_LINEAR] = {"linear", NULL, NULL},
    [AE_ACT_RELU] = {"relu", relu_forward, relu_backward},
    [AE_ACT_LEAKY_RELU] = {"leaky_relu", leaky_forward, leaky_backward},
    [AE_ACT_ELU] = {"elu", elu_forward, elu_backward},
    [AE_ACT_SIGMOID] = {"sigmoid", sigmoid_forward, sigmoid_backward},
    [AE_ACT_TANH] = {"tanh", tanh_forward, tanh_backward},
    [AE_ACT_SOFTPLUS] = {"softplus", softplus_forward, softplus_backward},
};
_Static_assert(sizeof act_ops / sizeof act_ops[0] == N_ACTS, "every activation has an op");

ae_node *ae_activation(ae_tape *t, ae_node *x, ae_act kind, float alpha)
{
    if (!x || t->failed)
        return NULL;
    if ((unsigned)kind >= N_ACTS)
        return ae_tape_fail(t, AE_ERR_INTERNAL, "activation: unknown kind %d", (int)kind);
    if (kind == AE_ACT_LINEAR)
        return x;
    ae_node *y = ae_tape_record(t, &act_ops[kind], &x, 1, x->value.ndim, x->value.shape, NULL);
    if (!y)
        return NULL;
    y->fattr[FA_ALPHA] = alpha;
    if (kind == AE_ACT_SOFTPLUS && !(y->aux = ae_tape_scratch(t, y->value.size * sizeof(float))))
        return NULL;
    return ae_tape_finish(t, y);
}

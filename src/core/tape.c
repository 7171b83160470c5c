#include "core/tape.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ae_tape_init(ae_tape *t)
{
    memset(t, 0, sizeof *t);
    ae_arena_init(&t->arena);
    t->training = true;
}

void ae_tape_free(ae_tape *t)
{
    ae_arena_free(&t->arena);
    free(t->nodes);
    memset(t, 0, sizeof *t);
}

void ae_tape_reset(ae_tape *t)
{
    t->n_nodes = 0;
    t->failed = false;
    ae_error_clear(&t->err);
    ae_arena_reset(&t->arena);
}

ae_node *ae_tape_fail(ae_tape *t, ae_code code, const char *fmt, ...)
{
    if (!t->failed) {
        va_list ap;
        va_start(ap, fmt);
        t->err.code = code;
        vsnprintf(t->err.msg, sizeof t->err.msg, fmt, ap);
        va_end(ap);
        t->failed = true;
    }
    return NULL;
}

void *ae_tape_scratch(ae_tape *t, size_t bytes)
{
    void *p = ae_arena_alloc(&t->arena, bytes);
    if (!p)
        ae_tape_fail(t, AE_ERR_NOMEM, "out of memory allocating %zu bytes of step memory", bytes);
    return p;
}

float *ae_tape_grad(ae_tape *t, ae_node *n)
{
    if (!n->grad && n->view_of) {
        float *g = ae_tape_grad(t, n->view_of);
        if (g)
            n->grad = g + (n->value.data - n->view_of->value.data);
    } else if (!n->grad) {
        n->grad = ae_arena_calloc(&t->arena, n->value.size * sizeof(float));
        if (!n->grad)
            ae_tape_fail(t, AE_ERR_NOMEM, "out of memory for a gradient of %zu values", n->value.size);
    }
    return n->grad;
}

static ae_node *push_node(ae_tape *t)
{
    if (t->n_nodes == t->cap_nodes) {
        size_t cap = t->cap_nodes ? t->cap_nodes * 2 : 256;
        ae_node **nodes = realloc(t->nodes, cap * sizeof *nodes);
        if (!nodes)
            return ae_tape_fail(t, AE_ERR_NOMEM, "out of memory growing the tape");
        t->nodes = nodes;
        t->cap_nodes = cap;
    }
    ae_node *n = ae_arena_calloc(&t->arena, sizeof *n);
    if (!n)
        return ae_tape_fail(t, AE_ERR_NOMEM, "out of memory recording a node");
    t->nodes[t->n_nodes++] = n;
    return n;
}

static ae_node *leaf(ae_tape *t, const ae_tensor *value, bool requires_grad)
{
    if (t->failed)
        return NULL;
    ae_node *n = push_node(t);
    if (!n)
        return NULL;
    n->value = *value;
    n->requires_grad = requires_grad;
    return n;
}

ae_node *ae_tape_input(ae_tape *t, const ae_tensor *value)
{
    return leaf(t, value, false);
}

ae_node *ae_tape_variable(ae_tape *t, const ae_tensor *value)
{
    return leaf(t, value, true);
}

ae_node *ae_tape_param(ae_tape *t, ae_param *p)
{
    ae_node *n = leaf(t, &p->value, !p->frozen && p->trainable);
    if (n) {
        n->param = p;
        n->grad = p->grad; /* accumulate straight into the store */
    }
    return n;
}

ae_node *ae_tape_record(ae_tape *t, const ae_op_def *op, ae_node *const *in, int n_in, int ndim,
                        const int *shape, float *alias_data)
{
    if (t->failed)
        return NULL;
    for (int i = 0; i < n_in; i++)
        if (!in[i])
            return NULL;
    ae_tensor value = {0};
    if (!ae_tensor_set_shape(&value, ndim, shape))
        return ae_tape_fail(t, AE_ERR_SHAPE, "%s: invalid output shape", op->name);
    if (alias_data) {
        value.data = alias_data;
    } else {
        value.data = ae_arena_alloc(&t->arena, value.size * sizeof(float));
        if (!value.data)
            return ae_tape_fail(t, AE_ERR_NOMEM, "%s: out of memory for %zu values", op->name,
                                value.size);
    }
    ae_node **inputs = NULL;
    if (n_in > 0) {
        inputs = ae_arena_alloc(&t->arena, (size_t)n_in * sizeof *inputs);
        if (!inputs)
            return ae_tape_fail(t, AE_ERR_NOMEM, "%s: out of memory for inputs", op->name);
    }
    ae_node *n = push_node(t);
    if (!n)
        return NULL;
    n->op = op;
    n->in = inputs;
    n->value = value;
    n->n_in = n_in;
    for (int i = 0; i < n_in; i++) {
        n->in[i] = in[i];
        n->requires_grad |= in[i]->requires_grad;
    }
    return n;
}

ae_node *ae_tape_view(ae_tape *t, const ae_op_def *op, ae_node *x, int ndim, const int *shape,
                      size_t offset)
{
    if (!x || t->failed)
        return NULL;
    ae_tensor want = {0};
    if (ae_tensor_set_shape(&want, ndim, shape) &&
        (offset > x->value.size || want.size > x->value.size - offset))
        return ae_tape_fail(t, AE_ERR_INTERNAL, "%s: view past the end of its input", op->name);
    ae_node *n = ae_tape_record(t, op, &x, 1, ndim, shape, x->value.data + offset);
    if (n)
        n->view_of = x;
    return n;
}

void ae_tape_view_noop(ae_tape *t, ae_node *n)
{
    (void)t;
    (void)n;
}

ae_node *ae_tape_finish(ae_tape *t, ae_node *n)
{
    if (!n || t->failed)
        return NULL;
    n->op->forward(t, n);
    return t->failed ? NULL : n;
}

static const float one = 1.0f;

ae_code ae_tape_backward(ae_tape *t, ae_node *loss, ae_error *err)
{
    if (loss && loss->value.size != 1)
        return ae_error_set(err, AE_ERR_SHAPE, "backward needs a scalar loss");
    return ae_tape_backward_seeded(t, loss, &one, err);
}

ae_code ae_tape_backward_seeded(ae_tape *t, ae_node *out, const float *seed, ae_error *err)
{
    if (t->failed)
        return ae_error_set(err, t->err.code, "%s", t->err.msg);
    if (!out)
        return ae_error_set(err, AE_ERR_INTERNAL, "backward from a node that was not built");
    float *g = ae_tape_grad(t, out);
    if (!g)
        return ae_error_set(err, t->err.code, "%s", t->err.msg);
    for (size_t i = 0; i < out->value.size; i++)
        g[i] += seed[i];
    for (size_t i = t->n_nodes; i-- > 0;) {
        ae_node *n = t->nodes[i];
        if (n->op && n->requires_grad && n->grad)
            n->op->backward(t, n);
        if (t->failed)
            return ae_error_set(err, t->err.code, "%s", t->err.msg);
    }
    return AE_OK;
}

void ae_tape_zero_node_grads(ae_tape *t)
{
    for (size_t i = 0; i < t->n_nodes; i++) {
        ae_node *n = t->nodes[i];
        if (n->grad && !n->param && !n->view_of)
            memset(n->grad, 0, n->value.size * sizeof(float));
    }
}

void ae_tape_replay(ae_tape *t)
{
    for (size_t i = 0; i < t->n_nodes && !t->failed; i++)
        if (t->nodes[i]->op)
            t->nodes[i]->op->forward(t, t->nodes[i]);
}

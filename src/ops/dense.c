/* The fused dense layer: y = x·op(W) + b, one node instead of ae_matmul + ae_bias_add.
 *
 * Why fused: for a wide output (784 features × batch 256) every separate elementwise pass
 * over y costs as much as a tenth of the layer's GEMM. Here the bias costs nothing in forward
 * (y is pre-filled with b and sgemm accumulates with beta = 1; with beta = 0 OpenBLAS would
 * zero y in a pass of its own anyway), and backward reads dy once for db while both GEMMs
 * read it in place: no copy of dy into a separate matmul gradient. */
#include <limits.h>
#include <string.h>

#include "ops/blas.h"
#include "ops/grad.h"
#include "ops/ops.h"
#include "ops/simd.h"

enum { DN_N, DN_M, DN_K, DN_TW };

/* db[j] += Σ_i dy[i, j] over rows of m values */
AE_SIMD_CLONES
static void column_sums(float *db, const float *dy, size_t rows, size_t m)
{
    for (size_t i = 0; i < rows; i++, dy += m)
        AE_V8_FOR(j, c, m)
    ae_v8_storen(db + j, ae_v8_loadn(db + j, c) + ae_v8_loadn(dy + j, c), c);
}

static void dense_forward(ae_tape *t, ae_node *n)
{
    int nn = n->iattr[DN_N], m = n->iattr[DN_M], k = n->iattr[DN_K];
    float *y = n->value.data;
    float beta = 0.0f;
    if (n->n_in == 3) {
        const float *b = n->in[2]->value.data;
        for (int i = 0; i < nn; i++)
            memcpy(y + (size_t)i * m, b, (size_t)m * sizeof *y);
        beta = 1.0f;
    }
    ae_ops_sgemm(false, n->iattr[DN_TW], nn, m, k, n->in[0]->value.data, n->in[1]->value.data, beta,
                 y);
}

/* y = x·W: dx = dy·Wᵀ, dW = xᵀ·dy (with W transposed: dx = dy·W, dW = dyᵀ·x), db = Σ_rows dy */
static void dense_backward(ae_tape *t, ae_node *n)
{
    int nn = n->iattr[DN_N], m = n->iattr[DN_M], k = n->iattr[DN_K];
    bool tw = n->iattr[DN_TW];
    ae_node *x = n->in[0], *w = n->in[1];
    const float *dy = n->grad;
    bool assign;
    if (x->requires_grad) {
        float *dx = ae_ops_grad_begin(t, x, &assign);
        if (!dx)
            return;
        ae_ops_sgemm(false, !tw, nn, k, m, dy, w->value.data, assign ? 0.0f : 1.0f, dx);
    }
    if (w->requires_grad) {
        float *dw = ae_ops_grad_begin(t, w, &assign);
        if (!dw)
            return;
        if (!tw) /* dW[k×m] = xᵀ·dy */
            ae_ops_sgemm(true, false, k, m, nn, x->value.data, dy, assign ? 0.0f : 1.0f, dw);
        else /* W is m×k: dW = dyᵀ·x */
            ae_ops_sgemm(true, false, m, k, nn, dy, x->value.data, assign ? 0.0f : 1.0f, dw);
    }
    if (n->n_in == 3 && n->in[2]->requires_grad) {
        float *db = ae_tape_grad(t, n->in[2]);
        if (db)
            column_sums(db, dy, (size_t)nn, (size_t)m);
    }
}

static const ae_op_def op_dense = {"dense", dense_forward, dense_backward};

ae_node *ae_dense(ae_tape *t, ae_node *x, ae_node *w, ae_node *b, bool trans_w)
{
    if (!x || !w || t->failed)
        return NULL;
    char xs[64], ws[64];
    if (x->value.ndim != 2 || w->value.ndim != 2)
        return ae_tape_fail(t, AE_ERR_SHAPE, "dense: x %s and W %s must be 2-D",
                            ae_tensor_shape_str(&x->value, xs, sizeof xs),
                            ae_tensor_shape_str(&w->value, ws, sizeof ws));
    int k = x->value.shape[1];
    int kw = trans_w ? w->value.shape[1] : w->value.shape[0];
    int m = trans_w ? w->value.shape[0] : w->value.shape[1];
    if (k != kw)
        return ae_tape_fail(t, AE_ERR_SHAPE, "dense: x %s does not match W %s%s",
                            ae_tensor_shape_str(&x->value, xs, sizeof xs),
                            ae_tensor_shape_str(&w->value, ws, sizeof ws),
                            trans_w ? " (transposed)" : "");
    if (b && (b->value.ndim != 1 || b->value.shape[0] != m))
        return ae_tape_fail(t, AE_ERR_SHAPE, "dense: the bias %s should have %d values",
                            ae_tensor_shape_str(&b->value, xs, sizeof xs), m);
    ae_node *in[3] = {x, w, b};
    int shape[2] = {x->value.shape[0], m};
    ae_node *y = ae_tape_record(t, &op_dense, in, b ? 3 : 2, 2, shape, NULL);
    if (!y)
        return NULL;
    y->iattr[DN_N] = shape[0];
    y->iattr[DN_M] = m;
    y->iattr[DN_K] = k;
    y->iattr[DN_TW] = trans_w;
    return ae_tape_finish(t, y);
}

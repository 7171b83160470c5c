/* Matrix products, through the one BLAS entry point (blas.c). */
#include <string.h>

#include "ops/blas.h"
#include "ops/ops.h"

enum { MM_TA, MM_TB, MM_M, MM_N, MM_K };

static void matmul_forward(ae_tape *t, ae_node *n)
{
    const int *ia = n->iattr;
    ae_ops_sgemm(ia[MM_TA], ia[MM_TB], ia[MM_M], ia[MM_N], ia[MM_K], n->in[0]->value.data,
          n->in[1]->value.data, 0.0f, n->value.data);
}

/* C = A·B ⇒ dA = dC·Bᵀ, dB = Aᵀ·dC; with transposes, the same identities on op(A), op(B). */
static void matmul_backward(ae_tape *t, ae_node *n)
{
    const int *ia = n->iattr;
    bool ta = ia[MM_TA], tb = ia[MM_TB];
    int m = ia[MM_M], nn = ia[MM_N], k = ia[MM_K];
    ae_node *a = n->in[0], *b = n->in[1];
    const float *dc = n->grad;
    if (a->requires_grad) {
        float *da = ae_tape_grad(t, a);
        if (!da)
            return;
        if (!ta) /* dA[m×k] += dC·op(B)ᵀ */
            ae_ops_sgemm(false, !tb, m, k, nn, dc, b->value.data, 1.0f, da);
        else /* A is k×m: dA += op(B)·dCᵀ */
            ae_ops_sgemm(tb, true, k, m, nn, b->value.data, dc, 1.0f, da);
    }
    if (b->requires_grad) {
        float *db = ae_tape_grad(t, b);
        if (!db)
            return;
        if (!tb) /* dB[k×n] += op(A)ᵀ·dC */
            ae_ops_sgemm(!ta, false, k, nn, m, a->value.data, dc, 1.0f, db);
        else /* B is n×k: dB += dCᵀ·op(A) */
            ae_ops_sgemm(true, ta, nn, k, m, dc, a->value.data, 1.0f, db);
    }
}

static const ae_op_def op_matmul = {"matmul", matmul_forward, matmul_backward};

ae_node *ae_matmul(ae_tape *t, ae_node *a, ae_node *b, bool trans_a, bool trans_b)
{
    if (!a || !b || t->failed)
        return NULL;
    if (a->value.ndim != 2 || b->value.ndim != 2)
        return ae_tape_fail(t, AE_ERR_SHAPE, "matmul: operands must be 2-D");
    int m = trans_a ? a->value.shape[1] : a->value.shape[0];
    int k = trans_a ? a->value.shape[0] : a->value.shape[1];
    int kb = trans_b ? b->value.shape[1] : b->value.shape[0];
    int n = trans_b ? b->value.shape[0] : b->value.shape[1];
    if (k != kb)
        return ae_tape_fail(t, AE_ERR_SHAPE, "matmul: inner dimensions differ (%d vs %d)", k, kb);
    ae_node *in[2] = {a, b};
    int shape[2] = {m, n};
    ae_node *c = ae_tape_record(t, &op_matmul, in, 2, 2, shape, NULL);
    if (!c)
        return NULL;
    c->iattr[MM_TA] = trans_a;
    c->iattr[MM_TB] = trans_b;
    c->iattr[MM_M] = m;
    c->iattr[MM_N] = n;
    c->iattr[MM_K] = k;
    return ae_tape_finish(t, c);
}

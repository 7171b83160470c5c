/* Matrix products, through the one BLAS entry point (blas.c). */
#include <string.h>

#include "ops/blas.h"
#include "ops/grad.h"
#include "ops/ops.h"

enum { MM_TA, MM_TB, MM_M, MM_N, MM_K };

/* With a third input C (ae_matmul_add) the product accumulates onto a copy of it. */
static void matmul_forward(ae_tape *t, ae_node *n)
{
    const int *ia = n->iattr;
    float beta = 0.0f;
    if (n->n_in == 3) {
        memcpy(n->value.data, n->in[2]->value.data, n->value.size * sizeof(float));
        beta = 1.0f;
    }
    ae_ops_sgemm(ia[MM_TA], ia[MM_TB], ia[MM_M], ia[MM_N], ia[MM_K], n->in[0]->value.data,
                 n->in[1]->value.data, beta, n->value.data);
}

/* C = A·B ⇒ dA = dC·Bᵀ, dB = Aᵀ·dC; with transposes, the same identities on op(A), op(B). */
static void matmul_backward(ae_tape *t, ae_node *n)
{
    const int *ia = n->iattr;
    bool ta = ia[MM_TA], tb = ia[MM_TB];
    int m = ia[MM_M], nn = ia[MM_N], k = ia[MM_K];
    ae_node *a = n->in[0], *b = n->in[1];
    const float *dc = n->grad;
    bool assign;
    if (a->requires_grad) {
        float *da = ae_ops_grad_begin(t, a, &assign);
        if (!da)
            return;
        float beta = assign ? 0.0f : 1.0f;
        if (!ta) /* dA[m×k] += dC·op(B)ᵀ */
            ae_ops_sgemm(false, !tb, m, k, nn, dc, b->value.data, beta, da);
        else /* A is k×m: dA += op(B)·dCᵀ */
            ae_ops_sgemm(tb, true, k, m, nn, b->value.data, dc, beta, da);
    }
    if (b->requires_grad) {
        float *db = ae_ops_grad_begin(t, b, &assign);
        if (!db)
            return;
        float beta = assign ? 0.0f : 1.0f;
        if (!tb) /* dB[k×n] += op(A)ᵀ·dC */
            ae_ops_sgemm(!ta, false, k, nn, m, a->value.data, dc, beta, db);
        else /* B is n×k: dB += dCᵀ·op(A) */
            ae_ops_sgemm(true, ta, nn, k, m, dc, a->value.data, beta, db);
    }
    if (n->n_in == 3 && n->in[2]->requires_grad) { /* dC += dOut */
        float *dcin = ae_ops_grad_begin(t, n->in[2], &assign);
        if (dcin)
            ae_ops_acc(dcin, dc, n->value.size, assign);
    }
}

static const ae_op_def op_matmul = {"matmul", matmul_forward, matmul_backward};

static ae_node *matmul(ae_tape *t, ae_node *a, ae_node *b, ae_node *c, bool trans_a,
                       bool trans_b)
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
    int shape[2] = {m, n};
    if (c && (c->value.ndim != 2 || c->value.shape[0] != m || c->value.shape[1] != n))
        return ae_tape_fail(t, AE_ERR_SHAPE, "matmul_add: the addend must be [%d, %d]", m, n);
    ae_node *in[3] = {a, b, c};
    ae_node *y = ae_tape_record(t, &op_matmul, in, c ? 3 : 2, 2, shape, NULL);
    if (!y)
        return NULL;
    y->iattr[MM_TA] = trans_a;
    y->iattr[MM_TB] = trans_b;
    y->iattr[MM_M] = m;
    y->iattr[MM_N] = n;
    y->iattr[MM_K] = k;
    return ae_tape_finish(t, y);
}

ae_node *ae_matmul(ae_tape *t, ae_node *a, ae_node *b, bool trans_a, bool trans_b)
{
    return matmul(t, a, b, NULL, trans_a, trans_b);
}

ae_node *ae_matmul_add(ae_tape *t, ae_node *a, ae_node *b, ae_node *c, bool trans_a, bool trans_b)
{
    return c ? matmul(t, a, b, c, trans_a, trans_b) : NULL;
}

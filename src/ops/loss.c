/* Losses and penalties: each reduces to a scalar [1].
 *
 * Reductions: AE_REDUCE_MEAN divides the elementwise sum by the element count (Keras' MSE/BCE),
 * AE_REDUCE_SUM_FEATURES by the batch size shape[0] (a per-sample sum, averaged over samples).
 * Sums accumulate in float vectors over blocks of 512 values, then in double, so a loss over
 * millions of values keeps float precision. */
#include <math.h>

#include "ops/grad.h"
#include "ops/ops.h"
#include "ops/simd.h"

enum { FA_SCALE, FA_RHO };
enum { IA_ROWS, IA_COLS };
enum { BLOCK = 512 };

static const float bce_eps = 1e-7f;

/* lanes [0, cnt) set: keeps the zero padding of a partial vector out of a sum */
AE_INLINE ae_v8i lanes_below(size_t cnt)
{
    return (ae_v8i){0, 1, 2, 3, 4, 5, 6, 7} < (int32_t)cnt;
}

/* ---- kernels ---- */

/* Σ (a − b)² */
AE_SIMD_CLONES
static double sq_diff_sum_kernel(const float *a, const float *b, size_t n)
{
    double total = 0;
    for (size_t blk = 0; blk < n; blk += BLOCK) {
        size_t m = n - blk < BLOCK ? n - blk : BLOCK;
        ae_v8f acc = ae_v8_splat(0.0f);
        AE_V8_FOR(i, c, m)
        {
            ae_v8f d = ae_v8_loadn(a + blk + i, c) - ae_v8_loadn(b + blk + i, c);
            acc += d * d; /* zero padding adds 0 */
        }
        total += ae_v8_hsum(acc);
    }
    return total;
}

/* Σ|x| (l1) or Σx² */
AE_SIMD_CLONES
static double norm_sum_kernel(const float *x, size_t n, bool l1)
{
    double total = 0;
    for (size_t blk = 0; blk < n; blk += BLOCK) {
        size_t m = n - blk < BLOCK ? n - blk : BLOCK;
        ae_v8f acc = ae_v8_splat(0.0f);
        AE_V8_FOR(i, c, m)
        {
            ae_v8f v = ae_v8_loadn(x + blk + i, c);
            acc += l1 ? ae_v8_abs(v) : v * v;
        }
        total += ae_v8_hsum(acc);
    }
    return total;
}

/* g (=|+=) s·(a − b) */
AE_SIMD_CLONES
static void diff_grad_kernel(float *g, const float *a, const float *b, float s, size_t n,
                             bool assign)
{
    AE_V8_FOR(i, c, n)
    ae_v8_accn(g + i, (ae_v8_loadn(a + i, c) - ae_v8_loadn(b + i, c)) * s, c, assign);
}

/* BCE from logits, elementwise: returns max(z,0) − z·x + log1p(e^−|z|) given e = e^−|z|, and
 * sets *d = (σ(z) − x)·scale. One division serves both: with r = 1/((1+e)(2+e)), 1/(1+e) =
 * (2+e)·r is σ(z) for z ≥ 0 (σ = e/(1+e) below) and e/(2+e) = e(1+e)·r is what log1p needs. */
AE_INLINE ae_v8f bce_logits_v8(ae_v8f z, ae_v8f x, ae_v8f e, float scale, ae_v8f *d)
{
    ae_v8f e1 = e + 1.0f, e2 = e + 2.0f;
    ae_v8f r = 1.0f / (e1 * e2);
    ae_v8f q = e2 * r;
    *d = (ae_v8_select(z >= 0.0f, q, e * q) - x) * scale;
    return ae_v8_relu(z) - z * x + ae_v8_log1p_from_t(e * e1 * r);
}

/* Σ over m values, m a multiple of 8 and at most BLOCK. Two loops, the exponentials first:
 * each iteration is then a short chain independent of the next, so the core overlaps many
 * (one loop doing everything is bound by the ~100-cycle latency of its chain, 40 % slower). */
AE_INLINE double bce_logits_block(const float *z, const float *x, float *d, float scale, size_t m)
{
    float e_buf[BLOCK];
    for (size_t i = 0; i < m; i += AE_V8)
        ae_v8_store(e_buf + i, ae_v8_exp_neg(-ae_v8_abs(ae_v8_load(z + i))));
    ae_v8f acc = ae_v8_splat(0.0f), dv;
    for (size_t i = 0; i < m; i += AE_V8) {
        acc += bce_logits_v8(ae_v8_load(z + i), ae_v8_load(x + i), ae_v8_load(e_buf + i), scale,
                             &dv);
        ae_v8_store(d + i, dv);
    }
    return ae_v8_hsum(acc);
}

AE_SIMD_CLONES
static double bce_logits_kernel(const float *z, const float *x, float *d, float scale, size_t n)
{
    double total = 0;
    size_t full = n / AE_V8 * AE_V8;
    for (size_t blk = 0; blk < full; blk += BLOCK)
        total += bce_logits_block(z + blk, x + blk, d + blk, scale,
                                  full - blk < BLOCK ? full - blk : BLOCK);
    if (full < n) { /* the last n % 8 values, zero-padded; the padding's losses are masked out */
        size_t c = n - full;
        ae_v8f zv = ae_v8_load_part(z + full, c), dv;
        ae_v8f l = bce_logits_v8(zv, ae_v8_load_part(x + full, c),
                                 ae_v8_exp_neg(-ae_v8_abs(zv)), scale, &dv);
        ae_v8_store_part(d + full, dv, c);
        total += ae_v8_hsum(ae_v8_and(lanes_below(c), l));
    }
    return total;
}

/* ---- shared plumbing ---- */

static ae_node *record_loss(ae_tape *t, const ae_op_def *op, ae_node *a, ae_node *b,
                            ae_reduction r)
{
    if (!a || !b || t->failed)
        return NULL;
    if (!ae_tensor_same_shape(&a->value, &b->value)) {
        char as[64], bs[64];
        return ae_tape_fail(t, AE_ERR_SHAPE, "%s: prediction %s and target %s differ", op->name,
                            ae_tensor_shape_str(&a->value, as, sizeof as),
                            ae_tensor_shape_str(&b->value, bs, sizeof bs));
    }
    if (r != AE_REDUCE_MEAN && r != AE_REDUCE_SUM_FEATURES)
        return ae_tape_fail(t, AE_ERR_INTERNAL, "%s: unknown reduction %d", op->name, (int)r);
    ae_node *in[2] = {a, b};
    ae_node *y = ae_tape_record(t, op, in, 2, 1, (int[]){1}, NULL);
    if (!y)
        return NULL;
    double count = r == AE_REDUCE_MEAN ? (double)a->value.size : (double)a->value.shape[0];
    y->fattr[FA_SCALE] = (float)(1.0 / count);
    return y;
}

/* upstream gradient times the reduction's scale: the factor every element's gradient carries */
static float loss_factor(const ae_node *n)
{
    return n->grad[0] * n->fattr[FA_SCALE];
}

/* ---- mean squared error ---- */

static void mse_forward(ae_tape *t, ae_node *n)
{
    double s = sq_diff_sum_kernel(n->in[0]->value.data, n->in[1]->value.data, n->in[0]->value.size);
    n->value.data[0] = (float)(s * n->fattr[FA_SCALE]);
}

/* d/dp (p − y)² = 2(p − y), d/dy = −2(p − y) */
static void mse_backward(ae_tape *t, ae_node *n)
{
    float k = 2.0f * loss_factor(n);
    const float *p = n->in[0]->value.data, *y = n->in[1]->value.data;
    size_t size = n->in[0]->value.size;
    bool assign;
    for (int i = 0; i < 2; i++) {
        if (!n->in[i]->requires_grad)
            continue;
        float *g = ae_ops_grad_begin(t, n->in[i], &assign);
        if (!g)
            return;
        diff_grad_kernel(g, p, y, i ? -k : k, size, assign);
    }
}

static const ae_op_def op_mse = {"mse", mse_forward, mse_backward};

ae_node *ae_mse_loss(ae_tape *t, ae_node *pred, ae_node *target, ae_reduction r)
{
    return ae_tape_finish(t, record_loss(t, &op_mse, pred, target, r));
}

/* ---- binary cross-entropy on probabilities ---- */

static float clamp_prob(float p)
{
    return fminf(fmaxf(p, bce_eps), 1.0f - bce_eps);
}

static void bce_forward(ae_tape *t, ae_node *n)
{
    const float *p = n->in[0]->value.data, *y = n->in[1]->value.data;
    double s = 0;
    for (size_t i = 0; i < n->in[0]->value.size; i++) {
        float q = clamp_prob(p[i]);
        s -= (double)y[i] * logf(q) + (1.0 - (double)y[i]) * logf(1.0f - q);
    }
    n->value.data[0] = (float)(s * n->fattr[FA_SCALE]);
}

/* d/dp = (p − y)/(p(1 − p)) inside the clamp and 0 where it clamps (as a clip's gradient);
 * d/dy = log(1 − p) − log p */
static void bce_backward(ae_tape *t, ae_node *n)
{
    float k = loss_factor(n);
    const float *p = n->in[0]->value.data, *y = n->in[1]->value.data;
    size_t size = n->in[0]->value.size;
    bool assign;
    if (n->in[0]->requires_grad) {
        float *g = ae_ops_grad_begin(t, n->in[0], &assign);
        if (!g)
            return;
        for (size_t i = 0; i < size; i++) {
            float q = p[i], d = 0.0f;
            if (q >= bce_eps && q <= 1.0f - bce_eps)
                d = k * (q - y[i]) / (q * (1.0f - q));
            g[i] = (assign ? 0.0f : g[i]) + d;
        }
    }
    if (n->in[1]->requires_grad) {
        float *g = ae_ops_grad_begin(t, n->in[1], &assign);
        if (!g)
            return;
        for (size_t i = 0; i < size; i++) {
            float q = clamp_prob(p[i]);
            g[i] = (assign ? 0.0f : g[i]) + k * (logf(1.0f - q) - logf(q));
        }
    }
}

static const ae_op_def op_bce = {"bce", bce_forward, bce_backward};

ae_node *ae_bce_loss(ae_tape *t, ae_node *prob, ae_node *target, ae_reduction r)
{
    return ae_tape_finish(t, record_loss(t, &op_bce, prob, target, r));
}

/* ---- binary cross-entropy from logits ----
 *
 * Forward leaves in aux the gradient with respect to the logits per unit of upstream gradient,
 * (σ(z) − x)·scale. When the logits have no gradient buffer yet (the usual case: the loss is
 * their only consumer), backward hands that buffer over as their gradient instead of copying
 * it, which saves a pass over the largest array of a dense step. aux is then NULL: the next
 * forward (a replay) allocates a new one, and a second backward without a replay recomputes
 * it. */

static void bce_logits_forward(ae_tape *t, ae_node *n)
{
    size_t size = n->in[0]->value.size;
    if (!n->aux && !(n->aux = ae_tape_scratch(t, size * sizeof(float))))
        return;
    double s = bce_logits_kernel(n->in[0]->value.data, n->in[1]->value.data, n->aux,
                                 n->fattr[FA_SCALE], size);
    n->value.data[0] = (float)(s * n->fattr[FA_SCALE]);
}

/* d/dz = (σ(z) − x)·scale (from forward), d/dx = −z·scale */
static void bce_logits_backward(ae_tape *t, ae_node *n)
{
    ae_node *z = n->in[0], *x = n->in[1];
    float g = n->grad[0];
    size_t size = z->value.size;
    bool assign;
    if (x->requires_grad) {
        float *gx = ae_ops_grad_begin(t, x, &assign);
        if (!gx)
            return;
        ae_ops_acc_scaled(gx, z->value.data, -g * n->fattr[FA_SCALE], size, assign);
    }
    if (!z->requires_grad)
        return;
    if (!n->aux) { /* handed over by an earlier backward: recompute */
        bce_logits_forward(t, n);
        if (t->failed)
            return;
    }
    if (z->grad || z->view_of) { /* a buffer to add into (a view's is its node's) */
        float *gz = ae_tape_grad(t, z);
        if (gz)
            ae_ops_acc_scaled(gz, n->aux, g, size, false);
        return;
    }
    if (g != 1.0f)
        ae_ops_acc_scaled(n->aux, n->aux, g, size, true);
    z->grad = n->aux;
    n->aux = NULL;
}

static const ae_op_def op_bce_logits = {"bce_logits", bce_logits_forward, bce_logits_backward};

ae_node *ae_bce_logits_loss(ae_tape *t, ae_node *logits, ae_node *target, ae_reduction r)
{
    return ae_tape_finish(t, record_loss(t, &op_bce_logits, logits, target, r));
}

/* ---- KL sparsity ---- */

/* ρ̂_j = mean_i act[i, j] (saved in aux), clamped to [eps, 1 − eps];
 * KL = Σ_j ρ log(ρ/ρ̂_j) + (1 − ρ) log((1 − ρ)/(1 − ρ̂_j)) */
static void kl_forward(ae_tape *t, ae_node *n)
{
    size_t rows = (size_t)n->iattr[IA_ROWS], cols = (size_t)n->iattr[IA_COLS];
    const float *a = n->in[0]->value.data;
    float *mean = n->aux;
    double rho = n->fattr[FA_RHO], kl = 0;
    for (size_t j = 0; j < cols; j++) {
        double s = 0;
        for (size_t i = 0; i < rows; i++)
            s += a[i * cols + j];
        mean[j] = (float)(s / (double)rows);
        double q = clamp_prob(mean[j]);
        kl += rho * log(rho / q) + (1 - rho) * log((1 - rho) / (1 - q));
    }
    n->value.data[0] = (float)kl;
}

/* dKL/dρ̂_j = −ρ/ρ̂_j + (1 − ρ)/(1 − ρ̂_j) (0 where clamped), and dρ̂_j/da[i, j] = 1/rows */
static void kl_backward(ae_tape *t, ae_node *n)
{
    size_t rows = (size_t)n->iattr[IA_ROWS], cols = (size_t)n->iattr[IA_COLS];
    const float *mean = n->aux;
    float rho = n->fattr[FA_RHO], k = n->grad[0] / (float)rows;
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (!g)
        return;
    for (size_t j = 0; j < cols; j++) {
        float q = mean[j], d = 0.0f;
        if (q >= bce_eps && q <= 1.0f - bce_eps)
            d = k * (-rho / q + (1.0f - rho) / (1.0f - q));
        for (size_t i = 0; i < rows; i++)
            g[i * cols + j] = (assign ? 0.0f : g[i * cols + j]) + d;
    }
}

static const ae_op_def op_kl = {"kl_sparsity", kl_forward, kl_backward};

ae_node *ae_kl_sparsity(ae_tape *t, ae_node *act, float rho)
{
    if (!act || t->failed)
        return NULL;
    if (!(rho > 0.0f && rho < 1.0f))
        return ae_tape_fail(t, AE_ERR_CONFIG, "kl_sparsity: target rho %g is not in (0, 1)",
                            (double)rho);
    size_t rows = (size_t)act->value.shape[0], cols = ae_tensor_row_size(&act->value);
    if (cols > INT32_MAX || rows > INT32_MAX)
        return ae_tape_fail(t, AE_ERR_SHAPE, "kl_sparsity: activation is too large");
    ae_node *y = ae_tape_record(t, &op_kl, &act, 1, 1, (int[]){1}, NULL);
    if (!y)
        return NULL;
    y->iattr[IA_ROWS] = (int)rows;
    y->iattr[IA_COLS] = (int)cols;
    y->fattr[FA_RHO] = rho;
    if (!(y->aux = ae_tape_scratch(t, cols * sizeof(float))))
        return NULL;
    return ae_tape_finish(t, y);
}

/* ---- L1 and L2 penalties ---- */

static void l1_forward(ae_tape *t, ae_node *n)
{
    n->value.data[0] = (float)norm_sum_kernel(n->in[0]->value.data, n->in[0]->value.size, true);
}

/* d|x| = sign(x), 0 at 0 */
static void l1_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (!g)
        return;
    const float *x = n->in[0]->value.data;
    float k = n->grad[0];
    for (size_t i = 0; i < n->in[0]->value.size; i++) {
        float d = x[i] > 0 ? k : x[i] < 0 ? -k : 0.0f;
        g[i] = assign ? d : g[i] + d;
    }
}

static void l2_forward(ae_tape *t, ae_node *n)
{
    n->value.data[0] = (float)norm_sum_kernel(n->in[0]->value.data, n->in[0]->value.size, false);
}

static void l2_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (g)
        ae_ops_acc_scaled(g, n->in[0]->value.data, 2.0f * n->grad[0], n->in[0]->value.size,
                          assign);
}

static const ae_op_def op_l1 = {"l1_penalty", l1_forward, l1_backward};
static const ae_op_def op_l2 = {"l2_penalty", l2_forward, l2_backward};

static ae_node *penalty(ae_tape *t, const ae_op_def *op, ae_node *x)
{
    if (!x || t->failed)
        return NULL;
    return ae_tape_finish(t, ae_tape_record(t, op, &x, 1, 1, (int[]){1}, NULL));
}

ae_node *ae_l1_penalty(ae_tape *t, ae_node *x)
{
    return penalty(t, &op_l1, x);
}

ae_node *ae_l2_penalty(ae_tape *t, ae_node *x)
{
    return penalty(t, &op_l2, x);
}

/* Train-time corruption: inverted dropout and additive Gaussian noise.
 *
 * Both draw their randomness once, when the node is recorded, into n->aux; forward only reads
 * it, so a replay (finite differences) sees the same mask and the same noise. Outside training
 * both builders return their input unchanged: no node, no draw. */
#include <math.h>

#include "ops/grad.h"
#include "ops/ops.h"
#include "ops/simd.h"

enum { FA_KEEP };
enum { IA_CLIP };

/* ---- dropout: y = x·mask, mask = 1/keep with probability keep, else 0 ---- */

static void dropout_forward(ae_tape *t, ae_node *n)
{
    const float *x = n->in[0]->value.data, *mask = n->aux;
    float *y = n->value.data;
    for (size_t i = 0; i < n->value.size; i++)
        y[i] = x[i] * mask[i];
}

static void dropout_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (g)
        ae_ops_acc_mul(g, n->grad, n->aux, 1.0f, n->value.size, assign);
}

static const ae_op_def op_dropout = {"dropout", dropout_forward, dropout_backward};

ae_node *ae_dropout(ae_tape *t, ae_node *x, float keep, ae_rng *rng)
{
    if (!x || t->failed)
        return NULL;
    if (!(keep > 0.0f && keep <= 1.0f))
        return ae_tape_fail(t, AE_ERR_CONFIG, "dropout: keep probability %g is not in (0, 1]",
                            (double)keep);
    if (!t->training || keep == 1.0f)
        return x;
    if (!rng)
        return ae_tape_fail(t, AE_ERR_INTERNAL, "dropout: no random stream in training mode");
    ae_node *y = ae_tape_record(t, &op_dropout, &x, 1, x->value.ndim, x->value.shape, NULL);
    if (!y)
        return NULL;
    float *mask = ae_tape_scratch(t, y->value.size * sizeof(float));
    if (!mask)
        return NULL;
    /* compare 24-bit integers: the keep fraction is exact to 2^-24, with no float rounding */
    uint32_t threshold = (uint32_t)lrint((double)keep * 16777216.0);
    float scale = 1.0f / keep;
    for (size_t i = 0; i < y->value.size; i++)
        mask[i] = (uint32_t)(ae_rng_next(rng) >> 40) < threshold ? scale : 0.0f;
    y->aux = mask;
    y->fattr[FA_KEEP] = keep;
    return ae_tape_finish(t, y);
}

/* ---- Gaussian noise: y = x + std·N(0, 1), optionally clipped to [0, 1] ---- */

static void noise_forward(ae_tape *t, ae_node *n)
{
    const float *x = n->in[0]->value.data, *noise = n->aux;
    float *y = n->value.data;
    bool clip = n->iattr[IA_CLIP];
    for (size_t i = 0; i < n->value.size; i++) {
        float v = x[i] + noise[i];
        y[i] = clip ? fminf(fmaxf(v, 0.0f), 1.0f) : v;
    }
}

/* dx = dy, except where clipping flattened the function (x + noise outside [0, 1]) */
static void noise_backward(ae_tape *t, ae_node *n)
{
    bool assign;
    float *g = ae_ops_grad_begin(t, n->in[0], &assign);
    if (!g)
        return;
    if (!n->iattr[IA_CLIP]) {
        ae_ops_acc(g, n->grad, n->value.size, assign);
        return;
    }
    const float *x = n->in[0]->value.data, *noise = n->aux, *dy = n->grad;
    for (size_t i = 0; i < n->value.size; i++) {
        float v = x[i] + noise[i];
        float d = v >= 0.0f && v <= 1.0f ? dy[i] : 0.0f;
        g[i] = assign ? d : g[i] + d;
    }
}

static const ae_op_def op_noise = {"gaussian_noise", noise_forward, noise_backward};

ae_node *ae_gaussian_noise(ae_tape *t, ae_node *x, float std, bool clip, ae_rng *rng)
{
    if (!x || t->failed)
        return NULL;
    if (!(std >= 0.0f) || isinf(std))
        return ae_tape_fail(t, AE_ERR_CONFIG, "gaussian_noise: std %g is not a finite value >= 0",
                            (double)std);
    if (!t->training)
        return x;
    if (!rng)
        return ae_tape_fail(t, AE_ERR_INTERNAL,
                            "gaussian_noise: no random stream in training mode");
    ae_node *y = ae_tape_record(t, &op_noise, &x, 1, x->value.ndim, x->value.shape, NULL);
    if (!y)
        return NULL;
    float *noise = ae_tape_scratch(t, y->value.size * sizeof(float));
    if (!noise)
        return NULL;
    ae_normal_fill(rng, noise, y->value.size, std);
    y->aux = noise;
    y->iattr[IA_CLIP] = clip;
    return ae_tape_finish(t, y);
}

/* Batch normalisation per channel (N×C×H×W) or per feature (N×F).
 *
 * aux holds three [C] arrays: the mean and (biased) variance used by the
 * forward, and 1/sqrt(var + eps). In training they are the batch's, recomputed
 * by every forward (replay included); in evaluation they are a copy of the
 * running statistics taken when the node was built. Only the builder writes
 * the running statistics, so finite-difference replays never move them. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "ops/conv.h"

/* iattr; BN_GAMMA and BN_BETA hold the input slot of gamma and beta, or -1 */
enum { BN_TRAIN, BN_C, BN_INNER, BN_GAMMA, BN_BETA };
enum { BN_EPS }; /* fattr */

typedef struct bn_view {
    int batch, channels;
    size_t inner; /* H·W, or 1 for N×F */
    float *mean, *var, *invstd;
    const float *gamma, *beta; /* NULL: 1 and 0 */
} bn_view;

static bn_view bn_view_of(const ae_node *n)
{
    bn_view v = {.batch = n->value.shape[0], .channels = n->iattr[BN_C],
                 .inner = (size_t)n->iattr[BN_INNER]};
    v.mean = n->aux;
    v.var = v.mean + v.channels;
    v.invstd = v.var + v.channels;
    v.gamma = n->iattr[BN_GAMMA] >= 0 ? n->in[n->iattr[BN_GAMMA]]->value.data : NULL;
    v.beta = n->iattr[BN_BETA] >= 0 ? n->in[n->iattr[BN_BETA]]->value.data : NULL;
    return v;
}

/* Element (sample s, channel c, position i) of an N×C×inner tensor. */
static size_t at(const bn_view *v, int s, int c, size_t i)
{
    return ((size_t)s * v->channels + (size_t)c) * v->inner + i;
}

/* Two passes in double: a float running sum of 10⁵ values loses digits the variance needs. */
static void batch_stats(const bn_view *v, const float *x)
{
    double m = (double)v->batch * (double)v->inner;
    for (int c = 0; c < v->channels; c++) {
        double s = 0.0;
        for (int n = 0; n < v->batch; n++)
            for (size_t i = 0; i < v->inner; i++)
                s += x[at(v, n, c, i)];
        double mean = s / m, ss = 0.0;
        for (int n = 0; n < v->batch; n++)
            for (size_t i = 0; i < v->inner; i++) {
                double d = x[at(v, n, c, i)] - mean;
                ss += d * d;
            }
        v->mean[c] = (float)mean;
        v->var[c] = (float)(ss / m);
    }
}

static void bn_forward(ae_tape *t, ae_node *n)
{
    bn_view v = bn_view_of(n);
    const float *x = n->in[0]->value.data;
    float *y = n->value.data;
    if (n->iattr[BN_TRAIN])
        batch_stats(&v, x);
    for (int c = 0; c < v.channels; c++) {
        v.invstd[c] = 1.0f / sqrtf(v.var[c] + n->fattr[BN_EPS]);
        float scale = (v.gamma ? v.gamma[c] : 1.0f) * v.invstd[c];
        float shift = (v.beta ? v.beta[c] : 0.0f) - v.mean[c] * scale;
        for (int s = 0; s < v.batch; s++) {
            size_t o = at(&v, s, c, 0);
            for (size_t i = 0; i < v.inner; i++)
                y[o + i] = x[o + i] * scale + shift;
        }
    }
}

/* With x̂ = (x − μ)·r, y = γx̂ + β and M values per channel:
 *   dβ = Σdy, dγ = Σdy·x̂,
 *   training:   dx = γr·(dy − Σdy/M − x̂·Σ(dy·x̂)/M)   (μ and σ² depend on x)
 *   evaluation: dx = γr·dy */
static void bn_backward(ae_tape *t, ae_node *n)
{
    bn_view v = bn_view_of(n);
    ae_node *xn = n->in[0];
    ae_node *gn = n->iattr[BN_GAMMA] >= 0 ? n->in[n->iattr[BN_GAMMA]] : NULL;
    ae_node *bn = n->iattr[BN_BETA] >= 0 ? n->in[n->iattr[BN_BETA]] : NULL;
    float *dx = xn->requires_grad ? ae_tape_grad(t, xn) : NULL;
    float *dg = gn && gn->requires_grad ? ae_tape_grad(t, gn) : NULL;
    float *db = bn && bn->requires_grad ? ae_tape_grad(t, bn) : NULL;
    if (t->failed)
        return;
    const float *x = xn->value.data, *dy = n->grad;
    bool train = n->iattr[BN_TRAIN];
    double m = (double)v.batch * (double)v.inner;
    for (int c = 0; c < v.channels; c++) {
        float mean = v.mean[c], r = v.invstd[c];
        double sdy = 0.0, sdyx = 0.0;
        for (int s = 0; s < v.batch; s++) {
            size_t o = at(&v, s, c, 0);
            for (size_t i = 0; i < v.inner; i++) {
                sdy += dy[o + i];
                sdyx += (double)dy[o + i] * ((x[o + i] - mean) * r);
            }
        }
        if (db)
            db[c] += (float)sdy;
        if (dg)
            dg[c] += (float)sdyx;
        if (!dx)
            continue;
        float gr = (v.gamma ? v.gamma[c] : 1.0f) * r;
        float a = train ? (float)(sdy / m) : 0.0f, b = train ? (float)(sdyx / m) : 0.0f;
        for (int s = 0; s < v.batch; s++) {
            size_t o = at(&v, s, c, 0);
            for (size_t i = 0; i < v.inner; i++)
                dx[o + i] += gr * (dy[o + i] - a - (x[o + i] - mean) * r * b);
        }
    }
}

static const ae_op_def op_batchnorm = {"batchnorm", bn_forward, bn_backward};

static bool is_vector_of(const ae_tensor *v, int c)
{
    return v->ndim == 1 && v->shape[0] == c;
}

ae_node *ae_batchnorm(ae_tape *t, ae_node *x, ae_node *gamma, ae_node *beta,
                      ae_param *running_mean, ae_param *running_var, float momentum, float eps)
{
    if (!x || t->failed)
        return NULL;
    char buf[64];
    if (x->value.ndim != 2 && x->value.ndim != 4)
        return ae_tape_fail(t, AE_ERR_SHAPE, "batchnorm: input must be N×F or N×C×H×W, got %s",
                            ae_tensor_shape_str(&x->value, buf, sizeof buf));
    int c = x->value.shape[1];
    if ((gamma && !is_vector_of(&gamma->value, c)) || (beta && !is_vector_of(&beta->value, c)))
        return ae_tape_fail(t, AE_ERR_SHAPE, "batchnorm: gamma and beta must have shape [%d]", c);
    if (!running_mean || !running_var || !is_vector_of(&running_mean->value, c) ||
        !is_vector_of(&running_var->value, c))
        return ae_tape_fail(t, AE_ERR_SHAPE,
                            "batchnorm: running mean and variance must be parameters of shape [%d]",
                            c);
    if (running_mean->trainable || running_var->trainable)
        return ae_tape_fail(t, AE_ERR_INTERNAL,
                            "batchnorm: running statistics '%s', '%s' must be non-trainable "
                            "(the optimizer would move them)",
                            running_mean->name, running_var->name);
    if (!(momentum >= 0.0f && momentum <= 1.0f) || !(eps > 0.0f) || isinf(eps))
        return ae_tape_fail(t, AE_ERR_CONFIG,
                            "batchnorm: momentum %g must lie in [0, 1] and epsilon %g be positive",
                            (double)momentum, (double)eps);
    size_t inner = x->value.size / (size_t)x->value.shape[0] / (size_t)c;
    if (inner > INT_MAX)
        return ae_tape_fail(t, AE_ERR_SHAPE, "batchnorm: %s has too many values per channel",
                            ae_tensor_shape_str(&x->value, buf, sizeof buf));
    ae_node *in[3] = {x, NULL, NULL};
    int n_in = 1, gslot = -1, bslot = -1;
    if (gamma) {
        gslot = n_in;
        in[n_in++] = gamma;
    }
    if (beta) {
        bslot = n_in;
        in[n_in++] = beta;
    }
    ae_node *y = ae_tape_record(t, &op_batchnorm, in, n_in, x->value.ndim, x->value.shape, NULL);
    if (!y)
        return NULL;
    y->iattr[BN_TRAIN] = t->training;
    y->iattr[BN_C] = c;
    y->iattr[BN_INNER] = (int)inner;
    y->iattr[BN_GAMMA] = gslot;
    y->iattr[BN_BETA] = bslot;
    y->fattr[BN_EPS] = eps;
    float *stats = ae_tape_scratch(t, 3 * (size_t)c * sizeof(float));
    if (!stats)
        return NULL;
    y->aux = stats;
    if (!t->training) {
        memcpy(stats, running_mean->value.data, (size_t)c * sizeof(float));
        memcpy(stats + c, running_var->value.data, (size_t)c * sizeof(float));
    }
    if (!ae_tape_finish(t, y))
        return NULL;
    if (t->training) /* Keras: running = momentum·running + (1 − momentum)·batch, biased variance */
        for (int i = 0; i < c; i++) {
            running_mean->value.data[i] =
                momentum * running_mean->value.data[i] + (1.0f - momentum) * stats[i];
            running_var->value.data[i] =
                momentum * running_var->value.data[i] + (1.0f - momentum) * stats[c + i];
        }
    return y;
}

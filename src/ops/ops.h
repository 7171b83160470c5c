/* Op builders: each records one node on the tape and computes its value.
 *
 * Every builder returns NULL when an input is NULL or the op fails (the tape
 * then holds the error), so graphs can be built without checking each call.
 * Shapes: dense activations N×F, images N×C×H×W, sequences N×T×F. */
#ifndef AELAB_OPS_OPS_H
#define AELAB_OPS_OPS_H

#include <stdbool.h>

#include "core/rng.h"
#include "core/tape.h"

/* ---- linear algebra (matmul.c) ---- */
/* C = op(A)·op(B) for 2-D A and B, op = transpose when the flag is set; one cblas_sgemm forward,
 * two in backward. A tied decoder reads the encoder's W with trans_b. */
ae_node *ae_matmul(ae_tape *t, ae_node *a, ae_node *b, bool trans_a, bool trans_b);
/* op(A)·op(B) + C in one node (C of the product's shape): the product accumulates onto a copy
 * of C, saving the separate add's pass (an LSTM step: h·U plus the step's input projection). */
ae_node *ae_matmul_add(ae_tape *t, ae_node *a, ae_node *b, ae_node *c, bool trans_a, bool trans_b);
/* x + b with b broadcast: x N×F and b [F], or x N×C×H×W / N×T×F and b [C] resp. [F] (last axis for 3-D). */
ae_node *ae_bias_add(ae_tape *t, ae_node *x, ae_node *b);
/* A dense layer in one node (dense.c): y = x·op(W) + b for x N×K, W K×M (M×K with trans_w, as a
 * tied decoder reads its encoder's kernel), b [M] or NULL. Same values and gradients as
 * ae_bias_add(ae_matmul(x, W, false, trans_w), b), without the two passes over y that the
 * separate bias costs: prefer it for dense layers. */
ae_node *ae_dense(ae_tape *t, ae_node *x, ae_node *w, ae_node *b, bool trans_w);

/* ---- elementwise (elementwise.c): same shapes, inputs may alias (ae_mul(t, x, x)) ---- */
ae_node *ae_add(ae_tape *t, ae_node *a, ae_node *b);
ae_node *ae_sub(ae_tape *t, ae_node *a, ae_node *b);
ae_node *ae_mul(ae_tape *t, ae_node *a, ae_node *b);
ae_node *ae_scale(ae_tape *t, ae_node *a, float s);
ae_node *ae_add_scalar(ae_tape *t, ae_node *a, float s);
ae_node *ae_square(ae_tape *t, ae_node *a);
ae_node *ae_abs(ae_tape *t, ae_node *a);
ae_node *ae_log(ae_tape *t, ae_node *a);
ae_node *ae_exp(ae_tape *t, ae_node *a);
/* View with another shape over the same values (no copy); sizes must agree. */
ae_node *ae_reshape(ae_tape *t, ae_node *a, int ndim, const int *shape);

/* ---- activations (activation.c) ---- */
typedef enum ae_act {
    AE_ACT_LINEAR,
    AE_ACT_RELU,
    AE_ACT_LEAKY_RELU, /* alpha = negative slope */
    AE_ACT_ELU,        /* alpha = saturation value */
    AE_ACT_SIGMOID,
    AE_ACT_TANH,
    AE_ACT_SOFTPLUS
} ae_act;
/* Name as written in YAML ("relu"), and the reverse lookup (-1 when unknown). */
const char *ae_act_name(ae_act a);
int ae_act_from_name(const char *name);
/* Returns x itself for AE_ACT_LINEAR (no node). */
ae_node *ae_activation(ae_tape *t, ae_node *x, ae_act kind, float alpha);

/* ---- reductions (reduce.c) ---- */
/* axis = -1: over all elements to a scalar [1]; otherwise over that axis (the axis is removed;
 * a 1-D result keeps shape [n]). */
ae_node *ae_sum(ae_tape *t, ae_node *x, int axis);
ae_node *ae_mean(ae_tape *t, ae_node *x, int axis);

/* ---- random draws (normal.c) ---- */
/* n draws of scale·N(0, 1) from r: Box-Muller in float, both values of each pair (~2 ns per
 * value; draws beyond 5.9σ do not occur). For the noise of training steps; single draws and
 * initializers use ae_rng_normal. */
void ae_normal_fill(ae_rng *r, float *out, size_t n, float scale);

/* ---- train-time corruption (noise.c): identity when !t->training ---- */
/* Inverted dropout: keep with probability keep, scale kept values by 1/keep. The mask is drawn
 * from rng at record time and stored, so replay (finite differences) reuses it. */
ae_node *ae_dropout(ae_tape *t, ae_node *x, float keep, ae_rng *rng);
/* x + std·N(0,1), then clipped to [0,1] when clip is set (clip has zero gradient outside). */
ae_node *ae_gaussian_noise(ae_tape *t, ae_node *x, float std, bool clip, ae_rng *rng);

/* ---- losses (loss.c): each returns a scalar [1] ---- */
typedef enum ae_reduction {
    AE_REDUCE_MEAN,         /* mean over every element (Keras' default for MSE/BCE) */
    AE_REDUCE_SUM_FEATURES  /* sum over each sample's features, mean over the batch */
} ae_reduction;
ae_node *ae_mse_loss(ae_tape *t, ae_node *pred, ae_node *target, ae_reduction r);
/* BCE on probabilities, clamped to [eps, 1-eps] with eps = 1e-7 (Keras' epsilon). */
ae_node *ae_bce_loss(ae_tape *t, ae_node *prob, ae_node *target, ae_reduction r);
/* BCE from logits in the stable form max(z,0) - z·x + log(1 + exp(-|z|)); gradient sigmoid(z) - x. */
ae_node *ae_bce_logits_loss(ae_tape *t, ae_node *logits, ae_node *target, ae_reduction r);
/* Σ_j KL(ρ ‖ ρ̂_j), ρ̂_j = mean over the batch of act[:, j]; act must lie in (0,1) (clamped to
 * [eps, 1-eps] inside the log). */
ae_node *ae_kl_sparsity(ae_tape *t, ae_node *act, float rho);
/* Σ|x| and Σx² over all elements. */
ae_node *ae_l1_penalty(ae_tape *t, ae_node *x);
ae_node *ae_l2_penalty(ae_tape *t, ae_node *x);

#endif

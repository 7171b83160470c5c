/* Optimizers over the parameter store: SGD (momentum, Nesterov), Adam and RMSProp, with
 * Keras' update rules and defaults.
 *
 *   SGD      m ← μ·m − lr·g;  w ← w + m, or with Nesterov w ← w + μ·m − lr·g  (μ = 0: w ← w − lr·g)
 *   Adam     m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *            w ← w − lr·sqrt(1−β2^t)/(1−β1^t) · m / (sqrt(v) + ε)
 *            (Keras' placement: ε is added to sqrt of the uncorrected v, the paper's "ε-hat";
 *            PyTorch adds ε to sqrt(v/(1−β2^t)), i.e. our ε = PyTorch's ε·sqrt(1−β2^t))
 *   RMSProp  v ← ρ·v + (1−ρ)·g²;  w ← w − lr·g / sqrt(v + ε)   (Keras: ε inside the root)
 *
 * Defaults (ae_optim_defaults): SGD lr 0.01, μ 0; Adam lr 0.001, β1 0.9, β2 0.999, ε 1e-7;
 * RMSProp lr 0.001, ρ 0.9, ε 1e-7.
 *
 * The state is plain data for checkpoints: "m" and "v" are float arrays parallel to the
 * parameter store (params->total floats; a parameter's state sits at its offset), "step" the
 * number of updates applied. An update skips frozen and non-trainable parameters and makes
 * one pass over each array (the moments, the value and the gradient are read and written
 * together). Weight decay is not here: it is a loss term (ae_l2_penalty). */
#ifndef AELAB_NN_OPTIM_H
#define AELAB_NN_OPTIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"
#include "core/params.h"

typedef enum ae_optim_kind {
    AE_OPTIM_SGD,
    AE_OPTIM_ADAM,
    AE_OPTIM_RMSPROP,
    AE_OPTIM_KIND_COUNT
} ae_optim_kind;

typedef struct ae_optim_config {
    ae_optim_kind kind;
    float lr;
    float momentum;        /* SGD, in [0, 1) */
    bool nesterov;         /* SGD */
    float beta1, beta2;    /* Adam, in [0, 1) */
    float rho;             /* RMSProp, in [0, 1) */
    float eps;             /* Adam, RMSProp, > 0 */
    /* > 0: when the joint L2 norm of all trainable gradients exceeds it, every gradient is
     * scaled by global_clipnorm/norm (Keras' global_clipnorm, PyTorch's clip_grad_norm_;
     * not Keras' per-tensor clipnorm). 0: off. */
    float global_clipnorm;
} ae_optim_config;

typedef struct ae_optim {
    ae_optim_config cfg;
    size_t size;       /* floats in each state array: the store's total at init */
    float *m;          /* Adam's first moment, SGD's velocity; NULL when the kind keeps none */
    float *v;          /* Adam's second moment, RMSProp's mean square; NULL when unused */
    int64_t step;      /* updates applied ("step" in checkpoints); Adam's t is step + 1 */
    float grad_norm;   /* joint gradient norm seen by the last update when clipping is on */
} ae_optim;

/* A named state array, for checkpoints. */
typedef struct ae_optim_buffer {
    const char *name;  /* "m" or "v" */
    float *data;       /* owned by the optimizer */
    size_t size;
} ae_optim_buffer;

ae_optim_config ae_optim_defaults(ae_optim_kind kind);
/* "sgd", "adam", "rmsprop"; the reverse lookup returns -1 when unknown. */
const char *ae_optim_name(ae_optim_kind kind);
int ae_optim_from_name(const char *name);
/* Checks ranges (the message names the field, e.g. "optimizer beta2 1.5 is not in [0, 1)"). */
ae_code ae_optim_check_config(const ae_optim_config *cfg, ae_error *err);

/* Zeroed state sized for the finalized store ps; free with ae_optim_free. */
ae_code ae_optim_init(ae_optim *o, const ae_optim_config *cfg, const ae_params *ps, ae_error *err);
void ae_optim_free(ae_optim *o);
/* Applies one update from the gradients in ps (which must be the store o was sized for:
 * AE_ERR_INTERNAL and no change otherwise). Does not zero the gradients. */
ae_code ae_optim_step(ae_optim *o, ae_params *ps);
/* Learning-rate changes between phases keep the moments and the step count. */
void ae_optim_set_lr(ae_optim *o, float lr);

/* The state arrays this kind keeps, "m" before "v"; returns how many were written (0-2). */
int ae_optim_buffers(ae_optim *o, ae_optim_buffer out[2]);
/* One state array by name, or NULL when this kind keeps none of that name. */
float *ae_optim_buffer_get(ae_optim *o, const char *name, size_t *size);

#endif

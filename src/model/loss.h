/* The loss of one forward pass, as tape expressions: the reconstruction term
 * plus the declared terms active in the phase, each kept as its own node so
 * it can be logged. Logged values are weighted: they sum to the total. */
#ifndef AELAB_MODEL_LOSS_H
#define AELAB_MODEL_LOSS_H

#include "model/model.h"

enum { AE_LOSS_MAX_TERMS = 16 };

typedef struct ae_loss_terms {
    ae_node *total;
    size_t n;
    const char *name[AE_LOSS_MAX_TERMS]; /* "recon", then the terms' names (spec-owned) */
    ae_node *value[AE_LOSS_MAX_TERMS];   /* weighted value of each term */
} ae_loss_terms;

/* True when the output layer's activation is fused into the loss (sigmoid +
 * BCE → BCE from logits), i.e. the forward should stop at its logits. */
bool ae_loss_wants_logits(const ae_model_spec *model, const ae_loss_spec *loss, int output_layer);

/* Builds the loss of the phase's output layer against target. input and ctx are
 * those of the forward that produced acts (stochastic terms run the encoder again). */
ae_code ae_loss_build(const ae_model *m, const ae_loss_spec *loss, const ae_phase_spec *phase,
                      ae_tape *t, const ae_activations *acts, ae_node *input, ae_node *target,
                      const ae_forward_ctx *ctx, ae_loss_terms *out, ae_error *err);

#endif

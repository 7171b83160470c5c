/* A model: the parameters a spec declares and a forward function that
 * instantiates the layers as ops on a tape. No layer has a backward of its
 * own: the tape differentiates whatever the layers record. */
#ifndef AELAB_MODEL_MODEL_H
#define AELAB_MODEL_MODEL_H

#include "core/params.h"
#include "core/tape.h"
#include "model/spec.h"

/* The parameters one layer uses, as indices into the store (-1: none). A tied
 * layer's kernel is its partner's index: one parameter, two uses. */
typedef struct ae_layer_params {
    int kernel, bias;
    int recurrent;       /* lstm: the recurrent kernel */
    int gamma, beta;     /* batchnorm: scale and shift */
    int mean, var;       /* batchnorm: running statistics (not trainable) */
} ae_layer_params;

enum { AE_LAYER_PARAM_SLOTS = 7 };

typedef struct ae_model {
    const ae_model_spec *spec; /* borrowed: the experiment owns it */
    ae_params params;
    ae_layer_params *lp;       /* per layer */
} ae_model;

/* The slots of a layer as an array (kernel, bias, recurrent, gamma, beta, mean, var). */
void ae_layer_param_slots(const ae_layer_params *lp, int out[AE_LAYER_PARAM_SLOTS]);

/* Declares and initialises every parameter from the stream (seed, INIT, layer).
 * On failure the model is left empty (ae_model_free is still safe). */
ae_code ae_model_init(ae_model *m, const ae_model_spec *spec, uint64_t seed, ae_error *err);
void ae_model_free(ae_model *m);

/* Where the random draws of one forward come from: (seed, purpose, epoch, batch). */
typedef struct ae_forward_ctx {
    uint64_t seed;
    uint64_t epoch, batch;
    /* The output layer's activation is left out (out[] = pre[]) when the loss
     * consumes logits, e.g. sigmoid + BCE fused into BCE-from-logits. */
    bool output_logits;
    /* The phase's wiring (which layer reads which) and the layers it needs;
     * NULL: the model as declared, every layer up to last_layer. */
    const ae_phase_spec *phase;
} ae_forward_ctx;

/* Per-layer nodes of one forward pass (arrays of n_layers, allocated in the tape's arena). */
typedef struct ae_activations {
    ae_node **pre; /* before the activation (dense), else same as out */
    ae_node **out; /* the layer's output; NULL for layers not computed */
} ae_activations;

/* Computes, in declaration order up to and including last_layer, every layer that
 * depends on `feed` (the node standing for the output of layer feed_layer, -1: the
 * model input) and that last_layer (or, in a phase, its target) needs.
 * Returns AE_OK or the tape's error. */
ae_code ae_model_forward(ae_model *m, ae_tape *t, ae_node *feed, int feed_layer, int last_layer,
                         const ae_forward_ctx *ctx, ae_activations *acts, ae_error *err);

#endif

/* The typed description of an experiment, read from the resolved config by
 * spec_read.c and checked there (names resolved, shapes chained). Everything
 * downstream (model, trainer, CLI) works from these structs, never from YAML.
 * Strings are owned by the spec; free with ae_experiment_free. */
#ifndef AELAB_MODEL_SPEC_H
#define AELAB_MODEL_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nn/optim.h"
#include "ops/conv.h"
#include "ops/ops.h"

/* Per-sample shape: [F] for vectors, [T, F] for sequences, [C, H, W] for images. */
typedef struct ae_shape {
    int ndim;
    int d[3];
} ae_shape;

typedef enum ae_layer_kind {
    AE_LAYER_DENSE,
    AE_LAYER_GAUSSIAN_NOISE,
    AE_LAYER_DROPOUT,
    AE_LAYER_FLATTEN,
    AE_LAYER_RESHAPE,
    AE_LAYER_CONV2D,
    AE_LAYER_CONV2D_TRANSPOSE,
    AE_LAYER_MAXPOOL2D,
    AE_LAYER_UPSAMPLE2D,
    AE_LAYER_BATCHNORM,
    AE_LAYER_LSTM,
    AE_LAYER_REPEAT,
    AE_LAYER_SAMPLING,
    AE_LAYER_ACTIVATION,
    AE_LAYER_KIND_COUNT
} ae_layer_kind;

typedef struct ae_layer_spec {
    char *name;
    ae_layer_kind kind;
    int input;         /* index of the layer read, or -1 for the model input */
    int input2;        /* sampling: the layer giving log σ² (or log σ); else -1 */
    ae_shape in_shape, out_shape;
    /* dense, conv2d, conv2d_transpose (units = filters), lstm */
    int units;
    ae_act act;         /* also conv layers' activation */
    float act_alpha;
    bool use_bias;
    int kernel_init, bias_init; /* ae_init_kind */
    int tied_to;       /* dense layer whose kernel this one reads transposed, or -1 */
    /* corruption */
    float noise_std;
    bool noise_clip;
    float keep;
    /* reshape */
    ae_shape target;
    /* conv2d, conv2d_transpose, maxpool2d (kernel = pool size), upsample2d (kernel = factors) */
    int kernel[2], stride[2];
    ae_padding padding;
    /* batchnorm */
    float momentum, bn_eps;
    /* lstm */
    bool return_sequences;
    int recurrent_init;
    /* repeat */
    int steps;
    /* sampling: z = μ + σ·ε, ε ~ N(0, eps_std²); σ from log σ² (Hands-On) or log σ (Keras post) */
    bool log_sigma;
    float eps_std;
    /* where it was declared, for messages about it */
    char *file;
    int line, col;
} ae_layer_spec;

typedef struct ae_model_spec {
    ae_shape input;
    ae_layer_spec *layers;
    size_t n_layers;
    int code_layer;    /* the code (bottleneck) layer: encode's output, decode's input */
    int output_layer;  /* the reconstruction */
} ae_model_spec;

typedef enum ae_recon_kind { AE_RECON_MSE, AE_RECON_BCE, AE_RECON_BCE_LOGITS } ae_recon_kind;

typedef enum ae_term_kind {
    AE_TERM_L1_ACTIVITY, /* weight · mean over the batch of Σ_j |h_j| */
    AE_TERM_KL_SPARSITY, /* weight · Σ_j KL(ρ ‖ mean over the batch of h_j) */
    AE_TERM_L2,          /* weight · Σ w² over the kernels of the chosen layers */
    AE_TERM_KL_NORMAL,   /* weight · mean over the batch of KL(N(μ, σ²) ‖ N(0, 1)) summed over dims */
    AE_TERM_CONTRACTIVE, /* weight · mean over the batch of ‖∂h/∂x‖²_F */
    AE_TERM_KIND_COUNT
} ae_term_kind;

/* A loss term beside the reconstruction, applied where its layer is computed. */
typedef struct ae_term_spec {
    char *name;          /* as logged: "l1_activity", or the term's own name */
    ae_term_kind kind;
    float weight;
    int layer;           /* activity terms: the layer whose output it reads */
    float target;        /* kl_sparsity: ρ */
    int layer2;          /* kl_normal: the log-variance (or log σ) layer; layer is the mean */
    bool log_sigma;      /* kl_normal: layer2 gives log σ instead of log σ² */
    bool stochastic;     /* contractive: estimate with input perturbations instead of the closed form */
    int samples;         /* contractive, stochastic: perturbations per step */
    float sigma;         /* contractive, stochastic: their standard deviation */
    bool *layers;        /* l2: per layer, whether its kernel is penalised (owned) */
} ae_term_spec;

typedef struct ae_loss_spec {
    ae_recon_kind recon;
    ae_reduction reduction;
    ae_term_spec *terms;
    size_t n_terms;
} ae_loss_spec;

/* One training phase: what is reconstructed from what, which layers learn,
 * which terms apply. A run without `train.phases` has one phase, "main". */
typedef struct ae_phase_spec {
    char *name;
    int output_layer;    /* the reconstruction of this phase */
    int target_layer;    /* -1: the (clean) input; else that layer's output, as a constant */
    int *input_of;       /* per layer: the layer it reads in this phase (-1: the model input) */
    bool *trainable;     /* per layer */
    bool *term_active;   /* per loss term */
    int epochs;
    ae_optim_config optim;
} ae_phase_spec;

typedef struct ae_data_spec {
    char *dataset;       /* "fashion-mnist", "mnist", "cifar10", "sines", "plane3d", "hdf5" */
    size_t train_limit;  /* first N training samples, 0 = all */
    size_t val_limit;
    double holdout;      /* > 0: validation is this fraction of the training set, not the test split */
    int resize[2];       /* > 0: bilinear resize of images to [h, w] */
    int channels;        /* > 0: convert to 1 (luma) or 3 (replicated) channels */
    /* sines: train and test sets generated from the seed */
    size_t sines_train, sines_test;
    int sines_steps, sines_features;
    double sines_noise;
    /* plane3d: points near a plane (Hands-On's PCA example); train and test from the seed */
    size_t plane_train, plane_test;
    double plane_noise;
    /* hdf5: user sequences N×T×F; validation is a held-out fraction */
    char *h5_path;       /* resolved relative to the file that names it */
    char *h5_dataset;
} ae_data_spec;

typedef struct ae_train_spec {
    ae_optim_config optim;
    int batch_size;
    int epochs;          /* total over the phases */
    int checkpoint_every;
    bool shuffle;
    ae_phase_spec *phases;
    size_t n_phases;     /* at least 1 */
} ae_train_spec;

typedef struct ae_experiment {
    char *name;
    uint64_t seed;
    ae_data_spec data;
    ae_model_spec model;
    ae_loss_spec loss;
    ae_train_spec train;
    char *output_root;   /* output.root: where run directories go (default "results") */
} ae_experiment;

void ae_experiment_free(ae_experiment *e);
size_t ae_shape_size(const ae_shape *s);
/* "[1, 28, 28]" */
const char *ae_shape_str(const ae_shape *s, char *buf, size_t size);
int ae_model_find_layer(const ae_model_spec *m, const char *name);
/* Layers with an `activation` key: dense, conv2d, conv2d_transpose, activation. */
bool ae_layer_has_activation(ae_layer_kind k);

#endif

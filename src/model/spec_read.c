#include "model/spec_read.h"

#include <ctype.h>
#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/reader.h"
#include "nn/init.h"

static const char *const datasets[] = {"fashion-mnist", "mnist", "cifar10", "sines", "hdf5",
                                       "plane3d", NULL};
enum { DATA_SINES = 3, DATA_HDF5 = 4, DATA_PLANE3D = 5 };
/* In the order of ae_layer_kind. */
static const char *const layer_types[] = {"dense",      "gaussian_noise",   "dropout",
                                          "flatten",    "reshape",          "conv2d",
                                          "conv2d_transpose", "maxpool2d",  "upsample2d",
                                          "batchnorm",  "lstm",             "repeat",
                                          "sampling",   "activation",       NULL};
static const char *const paddings[] = {"valid", "same", NULL};
static const char *const recon_kinds[] = {"mse", "bce", "bce_logits", NULL};
static const char *const reductions[] = {"mean", "sum", NULL};
static const char *const optimizers[] = {"sgd", "adam", "rmsprop", NULL};

enum { AE_MAX_TERMS = 15 }; /* the reconstruction is the 16th logged term */

enum { MAX_DIM = 1 << 16 };

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Names become directory names and parameter paths: keep them to a safe alphabet. */
static bool valid_name(const char *s)
{
    if (!s || !*s || strlen(s) > 64 || s[0] == '.')
        return false;
    for (const char *p = s; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            return false;
    return true;
}

static const char *const act_names[] = {"linear", "relu", "leaky_relu", "elu",
                                        "sigmoid", "tanh", "softplus", NULL};
static const char *const init_names[] = {"zeros", "ones", "glorot_uniform", "glorot_normal",
                                         "he_uniform", "he_normal", "lecun_uniform",
                                         "lecun_normal", "orthogonal", NULL};

static void read_dense(ae_cfg_reader *r, const ae_cfg_node *n, ae_layer_spec *l)
{
    long units = 1;
    int act = 0, kinit = AE_INIT_GLOROT_UNIFORM, binit = AE_INIT_ZEROS;
    double alpha;
    ae_cfg_get_int(r, n, "units", AE_CFG_REQUIRED, 1, 1, MAX_DIM, &units);
    ae_cfg_get_enum(r, n, "activation", AE_CFG_OPTIONAL, act_names, AE_ACT_LINEAR, &act);
    double def_alpha = act == AE_ACT_LEAKY_RELU ? 0.3 : 1.0; /* Keras' defaults */
    ae_cfg_get_double(r, n, "alpha", AE_CFG_OPTIONAL, def_alpha, 0, 100, &alpha);
    ae_cfg_get_bool(r, n, "use_bias", AE_CFG_OPTIONAL, true, &l->use_bias);
    ae_cfg_get_enum(r, n, "kernel_initializer", AE_CFG_OPTIONAL, init_names,
                    AE_INIT_GLOROT_UNIFORM, &kinit);
    ae_cfg_get_enum(r, n, "bias_initializer", AE_CFG_OPTIONAL, init_names, AE_INIT_ZEROS, &binit);
    l->units = (int)units;
    l->act = (ae_act)act;
    l->act_alpha = (float)alpha;
    l->kernel_init = kinit;
    l->bias_init = binit;
}

/* kernel_size / strides written as one integer or a pair. */
static void read_pair(ae_cfg_reader *r, const ae_cfg_node *n, const char *key, int flags, int def,
                      int out[2])
{
    const ae_cfg_node *v = ae_cfg_get(r, n, key, flags);
    out[0] = out[1] = def;
    if (!v)
        return;
    long one;
    if (ae_cfg_kind_of(v) == AE_CFG_SCALAR) {
        if (ae_cfg_as_int(r, v, 1, 4096, &one))
            out[0] = out[1] = (int)one;
        return;
    }
    long two[2];
    if (ae_cfg_get_int_list(r, n, key, flags, 1, 4096, two, 2) == 2) {
        out[0] = (int)two[0];
        out[1] = (int)two[1];
    } else {
        ae_cfg_error(r, v, "%s: expected an integer or a pair [h, w]", key);
    }
}

static void read_conv(ae_cfg_reader *r, const ae_cfg_node *n, ae_layer_spec *l)
{
    long filters = 1;
    int act = 0, pad = 0, kinit = AE_INIT_GLOROT_UNIFORM;
    double alpha;
    ae_cfg_get_int(r, n, "filters", AE_CFG_REQUIRED, 1, 1, MAX_DIM, &filters);
    read_pair(r, n, "kernel_size", AE_CFG_REQUIRED, 1, l->kernel);
    read_pair(r, n, "strides", AE_CFG_OPTIONAL, 1, l->stride);
    ae_cfg_get_enum(r, n, "padding", AE_CFG_OPTIONAL, paddings, 0, &pad);
    ae_cfg_get_enum(r, n, "activation", AE_CFG_OPTIONAL, act_names, AE_ACT_LINEAR, &act);
    ae_cfg_get_double(r, n, "alpha", AE_CFG_OPTIONAL, act == AE_ACT_LEAKY_RELU ? 0.3 : 1.0, 0, 100,
                      &alpha);
    ae_cfg_get_bool(r, n, "use_bias", AE_CFG_OPTIONAL, true, &l->use_bias);
    ae_cfg_get_enum(r, n, "kernel_initializer", AE_CFG_OPTIONAL, init_names,
                    AE_INIT_GLOROT_UNIFORM, &kinit);
    l->units = (int)filters;
    l->padding = pad ? AE_PAD_SAME : AE_PAD_VALID;
    l->act = (ae_act)act;
    l->act_alpha = (float)alpha;
    l->kernel_init = kinit;
    l->bias_init = AE_INIT_ZEROS;
}

/* Resolves a reference to an earlier layer by name; -2 (and a diagnostic) when absent. */
static int earlier_layer(ae_cfg_reader *r, const ae_cfg_node *at, const ae_model_spec *m,
                         size_t before, const char *name, const char *what)
{
    for (size_t j = 0; j < before; j++)
        if (m->layers[j].name && !strcmp(m->layers[j].name, name))
            return (int)j;
    const char *cands[256];
    size_t nc = 0;
    for (size_t j = 0; j < m->n_layers && nc < 256; j++)
        if (m->layers[j].name)
            cands[nc++] = m->layers[j].name;
    const char *hint = ae_cfg_suggest(name, cands, nc);
    if (ae_model_find_layer(m, name) >= 0)
        ae_cfg_error(r, at, "%s '%s' must name a layer declared before this one", what, name);
    else if (hint)
        ae_cfg_error(r, at, "%s '%s' is not a layer (did you mean '%s'?)", what, name, hint);
    else
        ae_cfg_error(r, at, "%s '%s' is not a layer", what, name);
    return -2;
}

/* Image layers: [C, H, W] in, TensorFlow's size rules (src/ops/conv.h). */
static bool chain_image(ae_cfg_reader *r, const ae_cfg_node *n, ae_layer_spec *l)
{
    char a[64];
    if (l->in_shape.ndim != 3) {
        ae_cfg_error(r, n, "%s layer '%s' needs an image input [channels, height, width], got %s",
                     layer_types[l->kind], l->name, ae_shape_str(&l->in_shape, a, sizeof a));
        return false;
    }
    int c = l->in_shape.d[0], size[2];
    for (int k = 0; k < 2; k++) {
        int in = l->in_shape.d[k + 1];
        switch (l->kind) {
        case AE_LAYER_CONV2D:
        case AE_LAYER_MAXPOOL2D:
            size[k] = ae_conv_out_size(in, l->kernel[k], l->stride[k], l->padding);
            break;
        case AE_LAYER_CONV2D_TRANSPOSE:
            size[k] = ae_deconv_out_size(in, l->kernel[k], l->stride[k], l->padding);
            break;
        default: /* upsample2d */
            size[k] = in * l->kernel[k];
            break;
        }
        if (size[k] < 1 || size[k] > MAX_DIM) {
            ae_cfg_error(r, n, "%s layer '%s': a %d×%d window with stride %d does not fit its "
                         "input %s", layer_types[l->kind], l->name, l->kernel[0], l->kernel[1],
                         l->stride[k], ae_shape_str(&l->in_shape, a, sizeof a));
            return false;
        }
    }
    bool pool = l->kind == AE_LAYER_MAXPOOL2D || l->kind == AE_LAYER_UPSAMPLE2D;
    l->out_shape = (ae_shape){3, {pool ? c : l->units, size[0], size[1]}};
    return true;
}

/* Output shape from the input shape; false after a diagnostic. */
static bool chain_shape(ae_cfg_reader *r, const ae_cfg_node *n, ae_model_spec *m, size_t i)
{
    ae_layer_spec *l = &m->layers[i];
    char a[64], b[64];
    switch (l->kind) {
    case AE_LAYER_DENSE:
        if (l->in_shape.ndim == 3) {
            ae_cfg_error(r, n, "dense layer '%s' needs a flat input or a sequence, got %s: add a "
                         "layer {type: flatten} before it", l->name,
                         ae_shape_str(&l->in_shape, a, sizeof a));
            return false;
        }
        /* [F] → [units]; a sequence [T, F] → [T, units] (applied at every step) */
        l->out_shape = l->in_shape;
        l->out_shape.d[l->in_shape.ndim - 1] = l->units;
        if (l->tied_to >= 0 && l->in_shape.ndim != 1) {
            ae_cfg_error(r, n, "tied layer '%s' needs a flat input", l->name);
            return false;
        }
        if (l->tied_to >= 0) {
            const ae_layer_spec *t = &m->layers[l->tied_to];
            if (t->kind != AE_LAYER_DENSE || t->tied_to >= 0) {
                ae_cfg_error(r, n, "tied_to '%s' must name an untied dense layer", t->name);
                return false;
            }
            if (t->units != l->in_shape.d[0] || t->in_shape.d[0] != l->units) {
                ae_cfg_error(r, n, "layer '%s' (%d → %d) cannot use the transpose of '%s' (%d → %d)",
                             l->name, l->in_shape.d[0], l->units, t->name, t->in_shape.d[0],
                             t->units);
                return false;
            }
        }
        return true;
    case AE_LAYER_GAUSSIAN_NOISE:
    case AE_LAYER_DROPOUT:
        l->out_shape = l->in_shape;
        return true;
    case AE_LAYER_FLATTEN:
        l->out_shape = (ae_shape){1, {(int)ae_shape_size(&l->in_shape)}};
        return true;
    case AE_LAYER_RESHAPE:
        if (ae_shape_size(&l->target) != ae_shape_size(&l->in_shape)) {
            ae_cfg_error(r, n, "reshape '%s': %s has %zu values, its input %s has %zu", l->name,
                         ae_shape_str(&l->target, a, sizeof a), ae_shape_size(&l->target),
                         ae_shape_str(&l->in_shape, b, sizeof b), ae_shape_size(&l->in_shape));
            return false;
        }
        l->out_shape = l->target;
        return true;
    case AE_LAYER_CONV2D:
    case AE_LAYER_CONV2D_TRANSPOSE:
    case AE_LAYER_MAXPOOL2D:
    case AE_LAYER_UPSAMPLE2D:
        return chain_image(r, n, l);
    case AE_LAYER_BATCHNORM:
    case AE_LAYER_ACTIVATION:
        l->out_shape = l->in_shape;
        return true;
    case AE_LAYER_LSTM:
        if (l->in_shape.ndim != 2) {
            ae_cfg_error(r, n, "lstm layer '%s' needs a sequence [steps, features], got %s",
                         l->name, ae_shape_str(&l->in_shape, a, sizeof a));
            return false;
        }
        l->out_shape = l->return_sequences ? (ae_shape){2, {l->in_shape.d[0], l->units}}
                                           : (ae_shape){1, {l->units}};
        return true;
    case AE_LAYER_REPEAT:
        if (l->in_shape.ndim != 1) {
            ae_cfg_error(r, n, "repeat layer '%s' needs a flat input, got %s", l->name,
                         ae_shape_str(&l->in_shape, a, sizeof a));
            return false;
        }
        l->out_shape = (ae_shape){2, {l->steps, l->in_shape.d[0]}};
        return true;
    case AE_LAYER_SAMPLING: {
        const ae_layer_spec *lv = &m->layers[l->input2];
        if (lv->out_shape.ndim != l->in_shape.ndim ||
            ae_shape_size(&lv->out_shape) != ae_shape_size(&l->in_shape)) {
            ae_cfg_error(r, n, "sampling layer '%s': mean %s and log-variance %s differ", l->name,
                         ae_shape_str(&l->in_shape, a, sizeof a),
                         ae_shape_str(&lv->out_shape, b, sizeof b));
            return false;
        }
        l->out_shape = l->in_shape;
        return true;
    }
    case AE_LAYER_KIND_COUNT:
        break;
    }
    return false;
}

static bool read_shape(ae_cfg_reader *r, const ae_cfg_node *map, const char *key, int flags,
                       ae_shape *out)
{
    long dims[3];
    int n = ae_cfg_get_int_list(r, map, key, flags, 1, MAX_DIM, dims, 3);
    if (n <= 0)
        return false;
    out->ndim = n;
    size_t size = 1;
    for (int i = 0; i < n; i++) {
        out->d[i] = (int)dims[i];
        size *= (size_t)dims[i];
    }
    if (size > (size_t)1 << 24) {
        ae_cfg_error(r, ae_cfg_get(r, map, key, flags), "%s: %zu values per sample is too many",
                     key, size);
        return false;
    }
    return true;
}

/* One layer: its own keys, then its input reference and shape. */
static bool read_layer(ae_cfg_reader *r, const ae_cfg_node *n, ae_model_spec *m, size_t i)
{
    ae_layer_spec *l = &m->layers[i];
    const char *file;
    ae_cfg_where(n, &file, &l->line, &l->col);
    l->file = dup_or_null(file);
    l->tied_to = -1;
    l->input = (int)i - 1;
    l->input2 = -1;
    if (!ae_cfg_expect_map(r, n, "a layer mapping such as {name: code, type: dense, units: 32}"))
        return false;
    const char *name = NULL;
    char fallback[32];
    snprintf(fallback, sizeof fallback, "layer%zu", i + 1);
    ae_cfg_get_string(r, n, "name", AE_CFG_OPTIONAL, fallback, &name);
    if (!valid_name(name)) {
        ae_cfg_error(r, ae_cfg_get(r, n, "name", AE_CFG_OPTIONAL),
                     "layer name '%s' must be 1-64 letters, digits, '-', '_' or '.'", name);
        name = fallback;
    }
    for (size_t j = 0; j < i; j++)
        if (m->layers[j].name && !strcmp(m->layers[j].name, name))
            ae_cfg_error(r, ae_cfg_get(r, n, "name", AE_CFG_OPTIONAL),
                         "layer name '%s' is used twice", name);
    free(l->name); /* the pre-scanned name */
    l->name = strdup(name);
    int kind = 0;
    bool ok = ae_cfg_get_enum(r, n, "type", AE_CFG_REQUIRED, layer_types, 0, &kind);
    l->kind = (ae_layer_kind)kind;
    const char *input = NULL;
    ae_cfg_get_string(r, n, "input", AE_CFG_OPTIONAL, NULL, &input);
    if (input)
        l->input = strcmp(input, "input") == 0
                       ? -1
                       : earlier_layer(r, ae_cfg_get(r, n, "input", 0), m, i, input, "input");
    double v;
    switch (l->kind) {
    case AE_LAYER_DENSE: {
        read_dense(r, n, l);
        const char *tied = NULL;
        ae_cfg_get_string(r, n, "tied_to", AE_CFG_OPTIONAL, NULL, &tied);
        if (tied)
            l->tied_to = earlier_layer(r, ae_cfg_get(r, n, "tied_to", 0), m, i, tied, "tied_to");
        break;
    }
    case AE_LAYER_GAUSSIAN_NOISE:
        ae_cfg_get_double(r, n, "std", AE_CFG_REQUIRED, 0.1, 0, 100, &v);
        l->noise_std = (float)v;
        ae_cfg_get_bool(r, n, "clip", AE_CFG_OPTIONAL, false, &l->noise_clip);
        break;
    case AE_LAYER_DROPOUT:
        ae_cfg_get_double(r, n, "rate", AE_CFG_REQUIRED, 0.5, 0, 0.99, &v);
        l->keep = (float)(1.0 - v);
        break;
    case AE_LAYER_RESHAPE:
        read_shape(r, n, "shape", AE_CFG_REQUIRED, &l->target);
        break;
    case AE_LAYER_CONV2D:
    case AE_LAYER_CONV2D_TRANSPOSE:
        read_conv(r, n, l);
        break;
    case AE_LAYER_MAXPOOL2D: {
        int pad = 0;
        read_pair(r, n, "pool_size", AE_CFG_OPTIONAL, 2, l->kernel);
        /* Keras: strides default to the pool size */
        read_pair(r, n, "strides", AE_CFG_OPTIONAL, 0, l->stride);
        for (int k = 0; k < 2; k++)
            if (l->stride[k] == 0)
                l->stride[k] = l->kernel[k];
        ae_cfg_get_enum(r, n, "padding", AE_CFG_OPTIONAL, paddings, 0, &pad);
        l->padding = pad ? AE_PAD_SAME : AE_PAD_VALID;
        break;
    }
    case AE_LAYER_UPSAMPLE2D:
        read_pair(r, n, "size", AE_CFG_OPTIONAL, 2, l->kernel);
        break;
    case AE_LAYER_BATCHNORM:
        ae_cfg_get_double(r, n, "momentum", AE_CFG_OPTIONAL, 0.99, 0, 1, &v);
        l->momentum = (float)v;
        ae_cfg_get_double(r, n, "epsilon", AE_CFG_OPTIONAL, 1e-3, 1e-12, 1, &v);
        l->bn_eps = (float)v;
        break;
    case AE_LAYER_LSTM: {
        long units = 1;
        int kinit = AE_INIT_GLOROT_UNIFORM, rinit = AE_INIT_ORTHOGONAL;
        ae_cfg_get_int(r, n, "units", AE_CFG_REQUIRED, 1, 1, MAX_DIM, &units);
        ae_cfg_get_bool(r, n, "return_sequences", AE_CFG_OPTIONAL, false, &l->return_sequences);
        ae_cfg_get_enum(r, n, "kernel_initializer", AE_CFG_OPTIONAL, init_names,
                        AE_INIT_GLOROT_UNIFORM, &kinit);
        ae_cfg_get_enum(r, n, "recurrent_initializer", AE_CFG_OPTIONAL, init_names,
                        AE_INIT_ORTHOGONAL, &rinit);
        l->units = (int)units;
        l->kernel_init = kinit;
        l->recurrent_init = rinit;
        l->bias_init = AE_INIT_ZEROS;
        l->use_bias = true;
        break;
    }
    case AE_LAYER_ACTIVATION: {
        int act = 0;
        ae_cfg_get_enum(r, n, "activation", AE_CFG_REQUIRED, act_names, AE_ACT_LINEAR, &act);
        ae_cfg_get_double(r, n, "alpha", AE_CFG_OPTIONAL, act == AE_ACT_LEAKY_RELU ? 0.3 : 1.0, 0,
                          100, &v);
        l->act = (ae_act)act;
        l->act_alpha = (float)v;
        break;
    }
    case AE_LAYER_REPEAT: {
        long steps = 1;
        ae_cfg_get_int(r, n, "steps", AE_CFG_REQUIRED, 1, 1, MAX_DIM, &steps);
        l->steps = (int)steps;
        break;
    }
    case AE_LAYER_SAMPLING: {
        /* {mean: mu, log_var: lv} (Hands-On) or {mean: mu, log_sigma: ls, epsilon_std: 1} (Keras) */
        const char *mean = NULL, *lv = NULL, *ls = NULL;
        ae_cfg_get_string(r, n, "mean", AE_CFG_REQUIRED, NULL, &mean);
        ae_cfg_get_string(r, n, "log_var", AE_CFG_OPTIONAL, NULL, &lv);
        ae_cfg_get_string(r, n, "log_sigma", AE_CFG_OPTIONAL, NULL, &ls);
        ae_cfg_get_double(r, n, "epsilon_std", AE_CFG_OPTIONAL, 1.0, 1e-6, 100, &v);
        l->eps_std = (float)v;
        if (!lv == !ls) {
            ae_cfg_error(r, n, "sampling layer '%s' needs exactly one of log_var and log_sigma",
                         l->name);
            ok = false;
            break;
        }
        l->log_sigma = ls != NULL;
        if (mean)
            l->input = earlier_layer(r, ae_cfg_get(r, n, "mean", 0), m, i, mean, "mean");
        const char *key = ls ? "log_sigma" : "log_var";
        l->input2 = earlier_layer(r, ae_cfg_get(r, n, key, 0), m, i, ls ? ls : lv, key);
        if (l->input2 < 0)
            ok = false;
        break;
    }
    default:
        break;
    }
    if (!ok || l->input == -2 || l->tied_to == -2)
        return false;
    l->in_shape = l->input < 0 ? m->input : m->layers[l->input].out_shape;
    if (l->in_shape.ndim == 0)
        return false; /* its input already failed */
    return chain_shape(r, n, m, i);
}

static int pick_layer(ae_cfg_reader *r, const ae_cfg_node *map, const char *key,
                      const ae_model_spec *m, int def)
{
    const char *name = NULL;
    ae_cfg_get_string(r, map, key, AE_CFG_OPTIONAL, NULL, &name);
    if (!name)
        return def;
    int i = earlier_layer(r, ae_cfg_get(r, map, key, 0), m, m->n_layers, name, key);
    return i < 0 ? def : i;
}

static void read_model(ae_cfg_reader *r, const ae_cfg_node *root, ae_model_spec *m)
{
    const ae_cfg_node *model = ae_cfg_get_map(r, root, "model", AE_CFG_REQUIRED);
    if (!model)
        return;
    if (!read_shape(r, model, "input", AE_CFG_REQUIRED, &m->input))
        m->input = (ae_shape){0};
    const ae_cfg_node *layers = ae_cfg_get_seq(r, model, "layers", AE_CFG_REQUIRED);
    size_t n = ae_cfg_len(layers);
    if (layers && n == 0)
        ae_cfg_error(r, layers, "model.layers is empty");
    if (n == 0 || n > 4096)
        return;
    m->layers = calloc(n, sizeof *m->layers);
    if (!m->layers)
        return;
    m->n_layers = n;
    /* Names first, so a reference to a later layer gets the precise message. */
    for (size_t i = 0; i < n; i++) {
        const char *name = ae_cfg_scalar(ae_cfg_lookup(ae_cfg_at(layers, i), "name"));
        m->layers[i].name = name && valid_name(name) ? strdup(name) : NULL;
    }
    bool chained = m->input.ndim > 0;
    for (size_t i = 0; i < n; i++)
        if (!read_layer(r, ae_cfg_at(layers, i), m, i))
            chained = false;
    m->output_layer = pick_layer(r, model, "output", m, (int)n - 1);
    /* The code layer defaults to the narrowest layer: the bottleneck. */
    int narrowest = 0;
    for (size_t i = 1; i < n; i++)
        if (ae_shape_size(&m->layers[i].out_shape) < ae_shape_size(&m->layers[narrowest].out_shape))
            narrowest = (int)i;
    m->code_layer = pick_layer(r, model, "code", m, narrowest);
    if (chained && ae_shape_size(&m->layers[m->output_layer].out_shape) != ae_shape_size(&m->input)) {
        char a[64], b[64];
        ae_cfg_error(r, model, "the output layer '%s' produces %s but the input is %s: an "
                     "autoencoder must reconstruct its input",
                     m->layers[m->output_layer].name,
                     ae_shape_str(&m->layers[m->output_layer].out_shape, a, sizeof a),
                     ae_shape_str(&m->input, b, sizeof b));
    }
}

static const char *const term_kinds[] = {"l1_activity", "kl_sparsity", "l2", "kl_normal",
                                         "contractive", NULL};
static const char *const contractive_methods[] = {"exact", "stochastic", NULL};

static bool has_kernel(ae_layer_kind k)
{
    return k == AE_LAYER_DENSE || k == AE_LAYER_CONV2D || k == AE_LAYER_CONV2D_TRANSPOSE ||
           k == AE_LAYER_LSTM;
}

/* layers: [a, b] as a per-layer mask; absent → every dense layer. */
static bool *read_layer_set(ae_cfg_reader *r, const ae_cfg_node *map, const char *key,
                            const ae_model_spec *m, bool dense_default)
{
    bool *set = calloc(m->n_layers ? m->n_layers : 1, sizeof *set);
    if (!set)
        return NULL;
    const ae_cfg_node *list = ae_cfg_get_seq(r, map, key, AE_CFG_OPTIONAL);
    if (!list) {
        for (size_t i = 0; i < m->n_layers; i++)
            set[i] = dense_default ? has_kernel(m->layers[i].kind) : true;
        return set;
    }
    for (size_t k = 0; k < ae_cfg_len(list); k++) {
        const char *name;
        if (!ae_cfg_as_string(r, ae_cfg_at(list, k), &name))
            continue;
        int i = earlier_layer(r, ae_cfg_at(list, k), m, m->n_layers, name, "layer");
        if (i >= 0)
            set[i] = true;
    }
    return set;
}

static void read_term(ae_cfg_reader *r, const ae_cfg_node *n, const ae_model_spec *m,
                      ae_term_spec *t)
{
    t->layer = -1;
    if (!ae_cfg_expect_map(r, n, "a loss term such as {type: l1_activity, layer: code, weight: 1e-5}"))
        return;
    int kind = 0;
    double v;
    ae_cfg_get_enum(r, n, "type", AE_CFG_REQUIRED, term_kinds, 0, &kind);
    t->kind = (ae_term_kind)kind;
    const char *name = NULL;
    ae_cfg_get_string(r, n, "name", AE_CFG_OPTIONAL, term_kinds[kind], &name);
    t->name = strdup(name ? name : term_kinds[kind]);
    ae_cfg_get_double(r, n, "weight", AE_CFG_REQUIRED, 0, 0, 1e9, &v);
    t->weight = (float)v;
    if (t->kind == AE_TERM_L2) {
        t->layers = read_layer_set(r, n, "layers", m, true);
        return;
    }
    const char *layer = NULL;
    ae_cfg_get_string(r, n, "layer", AE_CFG_REQUIRED, NULL, &layer);
    if (layer && m->n_layers)
        t->layer = earlier_layer(r, ae_cfg_get(r, n, "layer", 0), m, m->n_layers, layer, "layer");
    if (t->kind == AE_TERM_KL_NORMAL) {
        const char *lv = NULL, *ls = NULL;
        ae_cfg_get_string(r, n, "log_var", AE_CFG_OPTIONAL, NULL, &lv);
        ae_cfg_get_string(r, n, "log_sigma", AE_CFG_OPTIONAL, NULL, &ls);
        t->layer2 = -1;
        if (!lv == !ls) {
            ae_cfg_error(r, n, "kl_normal needs its mean 'layer' and exactly one of log_var and "
                         "log_sigma");
            return;
        }
        t->log_sigma = ls != NULL;
        const char *key = ls ? "log_sigma" : "log_var";
        t->layer2 = earlier_layer(r, ae_cfg_get(r, n, key, 0), m, m->n_layers, ls ? ls : lv, key);
    }
    if (t->kind == AE_TERM_CONTRACTIVE) {
        int method = 0;
        long samples = 1;
        ae_cfg_get_enum(r, n, "method", AE_CFG_OPTIONAL, contractive_methods, 0, &method);
        t->stochastic = method == 1;
        ae_cfg_get_int(r, n, "samples", AE_CFG_OPTIONAL, 1, 1, 64, &samples);
        t->samples = (int)samples;
        ae_cfg_get_double(r, n, "sigma", AE_CFG_OPTIONAL, 0.01, 1e-6, 10, &v);
        t->sigma = (float)v;
        if (t->layer >= 0 && !t->stochastic) {
            const ae_layer_spec *l = &m->layers[t->layer];
            bool one_layer = l->kind == AE_LAYER_DENSE && l->input == -1 && l->tied_to < 0 &&
                             l->in_shape.ndim == 1;
            bool act_ok = l->act == AE_ACT_SIGMOID || l->act == AE_ACT_TANH ||
                          l->act == AE_ACT_LINEAR;
            if (!one_layer || !act_ok)
                ae_cfg_error(r, ae_cfg_get(r, n, "layer", 0),
                             "the exact contractive term needs a code layer that is one untied "
                             "dense layer on the flat input with a sigmoid, tanh or linear "
                             "activation; '%s' is not: set method: stochastic", l->name);
        }
    }
    if (t->kind == AE_TERM_KL_SPARSITY) {
        ae_cfg_get_double(r, n, "target", AE_CFG_REQUIRED, 0.1, 1e-6, 1 - 1e-6, &v);
        t->target = (float)v;
        if (t->layer >= 0) {
            const ae_layer_spec *l = &m->layers[t->layer];
            if (!(l->kind == AE_LAYER_DENSE && l->act == AE_ACT_SIGMOID))
                ae_cfg_error(r, ae_cfg_get(r, n, "layer", 0),
                             "kl_sparsity needs activations in (0, 1): layer '%s' must have "
                             "activation: sigmoid", l->name);
        }
    }
}

static void read_loss(ae_cfg_reader *r, const ae_cfg_node *root, ae_experiment *e)
{
    const ae_cfg_node *loss = ae_cfg_get_map(r, root, "loss", AE_CFG_REQUIRED);
    int recon = AE_RECON_MSE, red = AE_REDUCE_MEAN;
    ae_cfg_get_enum(r, loss, "reconstruction", AE_CFG_REQUIRED, recon_kinds, AE_RECON_MSE, &recon);
    ae_cfg_get_enum(r, loss, "reduction", AE_CFG_OPTIONAL, reductions, 0, &red);
    e->loss.recon = (ae_recon_kind)recon;
    e->loss.reduction = red ? AE_REDUCE_SUM_FEATURES : AE_REDUCE_MEAN;
    const ae_model_spec *m = &e->model;
    const ae_cfg_node *terms = ae_cfg_get_seq(r, loss, "terms", AE_CFG_OPTIONAL);
    size_t nt = ae_cfg_len(terms);
    if (nt > AE_MAX_TERMS) {
        ae_cfg_error(r, terms, "at most %d loss terms", AE_MAX_TERMS);
        nt = 0;
    }
    if (nt && (e->loss.terms = calloc(nt, sizeof *e->loss.terms)) != NULL) {
        e->loss.n_terms = nt;
        for (size_t k = 0; k < nt; k++)
            read_term(r, ae_cfg_at(terms, k), m, &e->loss.terms[k]);
    }
    if (!loss || m->n_layers == 0)
        return;
    const ae_layer_spec *out = &m->layers[m->output_layer];
    if (recon != AE_RECON_MSE && (!ae_layer_has_activation(out->kind) || out->act != AE_ACT_SIGMOID))
        ae_cfg_error(r, ae_cfg_get(r, loss, "reconstruction", 0),
                     "%s needs outputs in (0, 1): give the output layer '%s' activation: sigmoid",
                     recon_kinds[recon], out->name);
}

static void read_optimizer(ae_cfg_reader *r, const ae_cfg_node *train, ae_optim_config *o)
{
    const ae_cfg_node *opt = ae_cfg_get_map(r, train, "optimizer", AE_CFG_REQUIRED);
    int kind = AE_OPTIM_ADAM;
    ae_cfg_get_enum(r, opt, "type", AE_CFG_OPTIONAL, optimizers, AE_OPTIM_ADAM, &kind);
    *o = ae_optim_defaults((ae_optim_kind)kind);
    double v;
    bool b;
    if (ae_cfg_get_double(r, opt, "lr", AE_CFG_OPTIONAL, o->lr, 1e-12, 100, &v))
        o->lr = (float)v;
    if (ae_cfg_get_double(r, opt, "clipnorm", AE_CFG_OPTIONAL, 0, 0, 1e12, &v))
        o->global_clipnorm = (float)v;
    /* Keys of the other optimizers are not known to this one: a typo-safe schema. */
    switch ((ae_optim_kind)kind) {
    case AE_OPTIM_SGD:
        if (ae_cfg_get_double(r, opt, "momentum", AE_CFG_OPTIONAL, o->momentum, 0, 0.999999, &v))
            o->momentum = (float)v;
        if (ae_cfg_get_bool(r, opt, "nesterov", AE_CFG_OPTIONAL, o->nesterov, &b))
            o->nesterov = b;
        break;
    case AE_OPTIM_ADAM:
        if (ae_cfg_get_double(r, opt, "beta1", AE_CFG_OPTIONAL, o->beta1, 0, 0.999999, &v))
            o->beta1 = (float)v;
        if (ae_cfg_get_double(r, opt, "beta2", AE_CFG_OPTIONAL, o->beta2, 0, 0.999999999, &v))
            o->beta2 = (float)v;
        if (ae_cfg_get_double(r, opt, "epsilon", AE_CFG_OPTIONAL, o->eps, 1e-30, 1, &v))
            o->eps = (float)v;
        break;
    case AE_OPTIM_RMSPROP:
        if (ae_cfg_get_double(r, opt, "rho", AE_CFG_OPTIONAL, o->rho, 0, 0.999999, &v))
            o->rho = (float)v;
        if (ae_cfg_get_double(r, opt, "epsilon", AE_CFG_OPTIONAL, o->eps, 1e-30, 1, &v))
            o->eps = (float)v;
        break;
    default:
        break;
    }
}

static bool phase_alloc(ae_phase_spec *p, const ae_model_spec *m, const ae_loss_spec *loss)
{
    size_t n = m->n_layers ? m->n_layers : 1;
    p->input_of = calloc(n, sizeof *p->input_of);
    p->trainable = calloc(n, sizeof *p->trainable);
    p->term_active = calloc(loss->n_terms ? loss->n_terms : 1, sizeof *p->term_active);
    if (!p->input_of || !p->trainable || !p->term_active)
        return false;
    for (size_t i = 0; i < m->n_layers; i++) {
        p->input_of[i] = m->layers[i].input;
        p->trainable[i] = true;
    }
    for (size_t k = 0; k < loss->n_terms; k++)
        p->term_active[k] = true;
    p->output_layer = m->output_layer;
    p->target_layer = -1;
    return true;
}

/* A layer name, or "input" (-1); -2 after a diagnostic. */
static int layer_or_input(ae_cfg_reader *r, const ae_cfg_node *map, const char *key,
                          const ae_model_spec *m, int def)
{
    const char *name = NULL;
    ae_cfg_get_string(r, map, key, AE_CFG_OPTIONAL, NULL, &name);
    if (!name)
        return def;
    if (!strcmp(name, "input"))
        return -1;
    int i = earlier_layer(r, ae_cfg_get(r, map, key, 0), m, m->n_layers, name, key);
    return i < 0 ? -2 : i;
}

/* One entry of train.phases (see docs/config.md, "Phases"). */
static void read_phase(ae_cfg_reader *r, const ae_cfg_node *n, size_t index,
                       const ae_experiment *e, ae_phase_spec *p)
{
    const ae_model_spec *m = &e->model;
    if (!ae_cfg_expect_map(r, n, "a phase mapping such as {name: p1, output: out, epochs: 5}"))
        return;
    char fallback[32];
    snprintf(fallback, sizeof fallback, "phase%zu", index + 1);
    const char *name = NULL;
    ae_cfg_get_string(r, n, "name", AE_CFG_OPTIONAL, fallback, &name);
    if (!valid_name(name)) {
        ae_cfg_error(r, ae_cfg_get(r, n, "name", 0),
                     "phase name '%s' must be 1-64 letters, digits, '-', '_' or '.'", name);
        name = fallback;
    }
    p->name = strdup(name);
    long v;
    ae_cfg_get_int(r, n, "epochs", AE_CFG_REQUIRED, 1, 1, 1000000, &v);
    p->epochs = (int)v;
    int out = layer_or_input(r, n, "output", m, m->output_layer);
    int target = layer_or_input(r, n, "target", m, -1);
    p->output_layer = out >= 0 ? out : m->output_layer;
    p->target_layer = target >= -1 ? target : -1;
    /* rewire: {layer: new_input} — e.g. the output layer reading hidden1 directly */
    const ae_cfg_node *rewire = ae_cfg_get_map(r, n, "rewire", AE_CFG_OPTIONAL);
    for (size_t k = 0; k < ae_cfg_len(rewire); k++) {
        const char *layer = ae_cfg_key_at(rewire, k), *from;
        const ae_cfg_node *val = ae_cfg_value_at(rewire, k);
        int li = ae_model_find_layer(m, layer);
        if (li < 0) {
            ae_cfg_error(r, val, "rewire: '%s' is not a layer", layer);
            continue;
        }
        if (!ae_cfg_as_string(r, val, &from))
            continue;
        int fi = strcmp(from, "input") ? earlier_layer(r, val, m, (size_t)li, from, "rewire input")
                                       : -1;
        if (fi < -1)
            continue;
        const ae_shape *want = &m->layers[li].in_shape;
        const ae_shape *got = fi < 0 ? &m->input : &m->layers[fi].out_shape;
        if (ae_shape_size(want) != ae_shape_size(got) || want->ndim != got->ndim) {
            char a[64], b[64];
            ae_cfg_error(r, val, "rewire: layer '%s' takes %s, '%s' gives %s", layer,
                         ae_shape_str(want, a, sizeof a), from, ae_shape_str(got, b, sizeof b));
            continue;
        }
        p->input_of[li] = fi;
    }
    const ae_cfg_node *train_list = ae_cfg_get(r, n, "train", AE_CFG_OPTIONAL);
    if (train_list) {
        bool *set = read_layer_set(r, n, "train", m, false);
        if (set) {
            memcpy(p->trainable, set, m->n_layers * sizeof *set);
            free(set);
        }
    }
    const ae_cfg_node *terms = ae_cfg_get_seq(r, n, "terms", AE_CFG_OPTIONAL);
    if (terms) {
        for (size_t k = 0; k < e->loss.n_terms; k++)
            p->term_active[k] = false;
        for (size_t j = 0; j < ae_cfg_len(terms); j++) {
            const char *tn;
            if (!ae_cfg_as_string(r, ae_cfg_at(terms, j), &tn))
                continue;
            bool found = false;
            for (size_t k = 0; k < e->loss.n_terms; k++)
                if (!strcmp(e->loss.terms[k].name, tn))
                    p->term_active[k] = found = true;
            if (!found)
                ae_cfg_error(r, ae_cfg_at(terms, j), "'%s' is not a loss term (see loss.terms)", tn);
        }
    }
    p->optim = e->train.optim;
    if (ae_cfg_get(r, n, "optimizer", AE_CFG_OPTIONAL))
        read_optimizer(r, n, &p->optim);
    double lr;
    if (ae_cfg_get_double(r, n, "lr", AE_CFG_OPTIONAL, p->optim.lr, 1e-12, 100, &lr))
        p->optim.lr = (float)lr;
    if (p->target_layer >= 0 && p->output_layer >= 0 && m->n_layers &&
        ae_shape_size(&m->layers[p->target_layer].out_shape) !=
            ae_shape_size(&m->layers[p->output_layer].out_shape))
        ae_cfg_error(r, n, "phase '%s': output '%s' and target '%s' differ in size", p->name,
                     m->layers[p->output_layer].name, m->layers[p->target_layer].name);
}

static void read_phases(ae_cfg_reader *r, const ae_cfg_node *train, ae_experiment *e)
{
    ae_train_spec *t = &e->train;
    const ae_cfg_node *list = ae_cfg_get_seq(r, train, "phases", AE_CFG_OPTIONAL);
    size_t n = list ? ae_cfg_len(list) : 1;
    if (list && n == 0) {
        ae_cfg_error(r, list, "train.phases is empty");
        return;
    }
    const ae_cfg_node *flat = ae_cfg_lookup(train, "epochs");
    if (list && flat && ae_cfg_kind_of(flat) != AE_CFG_NULL) { /* null: absent */
        long ignored; /* read, so that it is not reported as an unknown key too */
        ae_cfg_get_int(r, train, "epochs", AE_CFG_OPTIONAL, 1, 1, 1000000, &ignored);
        ae_cfg_error(r, flat,
                     "train.epochs: this experiment trains in phases, each with its own epochs: "
                     "set train.phases.N.epochs (N from 0) instead");
    }
    if (n > 64) {
        ae_cfg_error(r, list, "at most 64 phases");
        return;
    }
    t->phases = calloc(n, sizeof *t->phases);
    if (!t->phases)
        return;
    t->n_phases = n;
    for (size_t i = 0; i < n; i++)
        if (!phase_alloc(&t->phases[i], &e->model, &e->loss)) {
            ae_cfg_error(r, train, "out of memory");
            return;
        }
    if (!list) {
        long v;
        ae_cfg_get_int(r, train, "epochs", AE_CFG_REQUIRED, 1, 1, 1000000, &v);
        t->phases[0].name = strdup("main");
        t->phases[0].epochs = (int)v;
        t->phases[0].optim = t->optim;
        t->epochs = (int)v;
        return;
    }
    t->epochs = 0;
    for (size_t i = 0; i < n; i++) {
        read_phase(r, ae_cfg_at(list, i), i, e, &t->phases[i]);
        t->epochs += t->phases[i].epochs;
        for (size_t j = 0; j < i; j++)
            if (t->phases[i].name && t->phases[j].name &&
                !strcmp(t->phases[i].name, t->phases[j].name))
                ae_cfg_error(r, ae_cfg_at(list, i), "phase name '%s' is used twice",
                             t->phases[i].name);
    }
}

static void read_train(ae_cfg_reader *r, const ae_cfg_node *root, ae_experiment *e)
{
    ae_train_spec *t = &e->train;
    const ae_cfg_node *train = ae_cfg_get_map(r, root, "train", AE_CFG_REQUIRED);
    long v;
    read_optimizer(r, train, &t->optim);
    ae_cfg_get_int(r, train, "batch_size", AE_CFG_OPTIONAL, 32, 1, 1 << 20, &v);
    t->batch_size = (int)v;
    /* Read even without layers, so train's keys are known and only real errors show. */
    read_phases(r, train, e);
    ae_cfg_get_int(r, train, "checkpoint_every", AE_CFG_OPTIONAL, 1, 1, 1000000, &v);
    t->checkpoint_every = (int)v;
    ae_cfg_get_bool(r, train, "shuffle", AE_CFG_OPTIONAL, true, &t->shuffle);
}

static void read_data(ae_cfg_reader *r, const ae_cfg_node *root, ae_data_spec *d)
{
    const ae_cfg_node *data = ae_cfg_get_map(r, root, "data", AE_CFG_REQUIRED);
    int which = 0;
    long v;
    ae_cfg_get_enum(r, data, "dataset", AE_CFG_REQUIRED, datasets, 0, &which);
    d->dataset = strdup(datasets[which]);
    ae_cfg_get_int(r, data, "train_limit", AE_CFG_OPTIONAL, 0, 0, LONG_MAX, &v);
    d->train_limit = (size_t)v;
    ae_cfg_get_int(r, data, "val_limit", AE_CFG_OPTIONAL, 0, 0, LONG_MAX, &v);
    d->val_limit = (size_t)v;
    ae_cfg_get_double(r, data, "holdout", AE_CFG_OPTIONAL, which == DATA_HDF5 ? 0.1 : 0, 0, 0.9,
                      &d->holdout);
    long pair[2];
    if (ae_cfg_get_int_list(r, data, "resize", AE_CFG_OPTIONAL, 1, 4096, pair, 2) == 1)
        ae_cfg_error(r, ae_cfg_get(r, data, "resize", 0), "resize: expected [height, width]");
    else if (ae_cfg_get(r, data, "resize", AE_CFG_OPTIONAL)) {
        d->resize[0] = (int)pair[0];
        d->resize[1] = (int)pair[1];
    }
    ae_cfg_get_int(r, data, "channels", AE_CFG_OPTIONAL, 0, 0, 3, &v);
    if (v == 2)
        ae_cfg_error(r, ae_cfg_get(r, data, "channels", 0), "channels: expected 1 or 3");
    d->channels = (int)v;
    if (which == DATA_SINES) {
        const ae_cfg_node *sn = ae_cfg_get_map(r, data, "sines", AE_CFG_OPTIONAL);
        ae_cfg_get_int(r, sn, "train", AE_CFG_OPTIONAL, 2000, 1, 10000000, &v);
        d->sines_train = (size_t)v;
        ae_cfg_get_int(r, sn, "test", AE_CFG_OPTIONAL, 500, 1, 10000000, &v);
        d->sines_test = (size_t)v;
        ae_cfg_get_int(r, sn, "steps", AE_CFG_OPTIONAL, 50, 1, 100000, &v);
        d->sines_steps = (int)v;
        ae_cfg_get_int(r, sn, "features", AE_CFG_OPTIONAL, 1, 1, 4096, &v);
        d->sines_features = (int)v;
        ae_cfg_get_double(r, sn, "noise", AE_CFG_OPTIONAL, 0.1, 0, 100, &d->sines_noise);
    }
    if (which == DATA_PLANE3D) {
        const ae_cfg_node *pn = ae_cfg_get_map(r, data, "plane3d", AE_CFG_OPTIONAL);
        ae_cfg_get_int(r, pn, "train", AE_CFG_OPTIONAL, 100, 2, 10000000, &v);
        d->plane_train = (size_t)v;
        ae_cfg_get_int(r, pn, "test", AE_CFG_OPTIONAL, 100, 2, 10000000, &v);
        d->plane_test = (size_t)v;
        ae_cfg_get_double(r, pn, "noise", AE_CFG_OPTIONAL, 0.1, 0, 100, &d->plane_noise);
    }
    if (which == DATA_HDF5) {
        const ae_cfg_node *hn = ae_cfg_get_map(r, data, "hdf5", AE_CFG_REQUIRED);
        const char *path = NULL, *ds = NULL, *file = NULL;
        ae_cfg_get_string(r, hn, "path", AE_CFG_REQUIRED, NULL, &path);
        ae_cfg_get_string(r, hn, "dataset", AE_CFG_REQUIRED, NULL, &ds);
        if (path && ds) {
            /* relative to the file that wrote it, like includes */
            ae_cfg_where(ae_cfg_get(r, hn, "path", 0), &file, NULL, NULL);
            const char *slash = file ? strrchr(file, '/') : NULL;
            size_t len = strlen(path) + (slash ? (size_t)(slash - file) + 2 : 1);
            d->h5_path = malloc(len);
            if (d->h5_path) {
                if (path[0] != '/' && slash)
                    snprintf(d->h5_path, len, "%.*s/%s", (int)(slash - file), file, path);
                else
                    snprintf(d->h5_path, len, "%s", path);
            }
            d->h5_dataset = strdup(ds);
        }
    }
}

ae_code ae_experiment_read(const ae_cfg_doc *doc, ae_experiment *e, ae_diags *diags)
{
    memset(e, 0, sizeof *e);
    ae_cfg_reader r;
    ae_cfg_reader_init(&r, doc, diags);
    const ae_cfg_node *root = ae_cfg_root(doc);
    const char *name = NULL, *out_root = NULL;
    long seed = 1;
    if (ae_cfg_get_string(&r, root, "name", AE_CFG_REQUIRED, "experiment", &name) &&
        !valid_name(name))
        ae_cfg_error(&r, ae_cfg_get(&r, root, "name", 0),
                     "name '%s' must be 1-64 letters, digits, '-', '_' or '.' (it names the "
                     "results directory)", name);
    e->name = strdup(name ? name : "experiment");
    ae_cfg_get_int(&r, root, "seed", AE_CFG_OPTIONAL, 1, 0, LONG_MAX, &seed);
    e->seed = (uint64_t)seed;
    const ae_cfg_node *output = ae_cfg_get_map(&r, root, "output", AE_CFG_OPTIONAL);
    ae_cfg_get_string(&r, output, "root", AE_CFG_OPTIONAL, "results", &out_root);
    e->output_root = strdup(out_root ? out_root : "results");
    read_data(&r, root, &e->data);
    read_model(&r, root, &e->model);
    read_loss(&r, root, e);
    read_train(&r, root, e);
    ae_cfg_report_unknown_all(&r, root);
    bool failed = r.errors > 0 || !e->name || !e->data.dataset || !e->output_root ||
                  e->train.n_phases == 0;
    ae_cfg_reader_free(&r);
    if (failed) {
        ae_experiment_free(e);
        return AE_ERR_CONFIG;
    }
    return AE_OK;
}

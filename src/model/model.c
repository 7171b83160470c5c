/* The graph builder: parameters of each layer kind, and the forward pass as
 * tape ops. A layer is a few op calls; none has a backward of its own. */
#include "model/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "nn/init.h"
#include "ops/seq.h"

void ae_layer_param_slots(const ae_layer_params *lp, int out[AE_LAYER_PARAM_SLOTS])
{
    int s[AE_LAYER_PARAM_SLOTS] = {lp->kernel, lp->bias, lp->recurrent, lp->gamma,
                                   lp->beta,   lp->mean, lp->var};
    memcpy(out, s, sizeof s);
}

void ae_model_free(ae_model *m)
{
    ae_params_free(&m->params);
    free(m->lp);
    memset(m, 0, sizeof *m);
}

static int declare(ae_model *m, const char *layer, const char *what, int ndim, const int *shape,
                   ae_error *err)
{
    char name[256];
    snprintf(name, sizeof name, "%s/%s", layer, what);
    return ae_params_declare(&m->params, name, ndim, shape, err);
}

/* Declares a layer's parameters; their shapes follow Keras' conventions
 * transposed to our layouts (dense W [in, out], conv W [out, in, kh, kw]). */
static ae_code declare_layer(ae_model *m, size_t i, ae_error *err)
{
    const ae_layer_spec *l = &m->spec->layers[i];
    ae_layer_params *lp = &m->lp[i];
    int cin = l->in_shape.d[0];
    int last_in = l->in_shape.d[l->in_shape.ndim - 1]; /* features of a [T, F] input */
    bool has_bias = l->use_bias;
    switch (l->kind) {
    case AE_LAYER_DENSE:
        if (l->tied_to < 0 && (lp->kernel = declare(m, l->name, "W", 2, (int[]){last_in, l->units},
                                                    err)) < 0)
            return err->code;
        break;
    case AE_LAYER_CONV2D:
        if ((lp->kernel = declare(m, l->name, "W", 4,
                                  (int[]){l->units, cin, l->kernel[0], l->kernel[1]}, err)) < 0)
            return err->code;
        break;
    case AE_LAYER_CONV2D_TRANSPOSE:
        if ((lp->kernel = declare(m, l->name, "W", 4,
                                  (int[]){cin, l->units, l->kernel[0], l->kernel[1]}, err)) < 0)
            return err->code;
        break;
    case AE_LAYER_LSTM:
        if ((lp->kernel = declare(m, l->name, "W", 2, (int[]){last_in, 4 * l->units}, err)) < 0 ||
            (lp->recurrent = declare(m, l->name, "U", 2, (int[]){l->units, 4 * l->units}, err)) < 0)
            return err->code;
        break;
    case AE_LAYER_BATCHNORM:
        if ((lp->gamma = declare(m, l->name, "gamma", 1, (int[]){cin}, err)) < 0 ||
            (lp->beta = declare(m, l->name, "beta", 1, (int[]){cin}, err)) < 0 ||
            (lp->mean = declare(m, l->name, "running_mean", 1, (int[]){cin}, err)) < 0 ||
            (lp->var = declare(m, l->name, "running_var", 1, (int[]){cin}, err)) < 0)
            return err->code;
        has_bias = false;
        break;
    default:
        has_bias = false;
        break;
    }
    if (has_bias) {
        int n = l->kind == AE_LAYER_LSTM ? 4 * l->units : l->units;
        if ((lp->bias = declare(m, l->name, "b", 1, (int[]){n}, err)) < 0)
            return err->code;
    }
    return AE_OK;
}

/* Fans of a kernel as Keras computes them (receptive field × channels). */
static void fans(const ae_layer_spec *l, int *fan_in, int *fan_out)
{
    int rf = l->kernel[0] * l->kernel[1];
    int cin = l->in_shape.d[0], last_in = l->in_shape.d[l->in_shape.ndim - 1];
    switch (l->kind) {
    case AE_LAYER_CONV2D:
        *fan_in = cin * rf;
        *fan_out = l->units * rf;
        break;
    case AE_LAYER_CONV2D_TRANSPOSE: /* Keras' kernel is (kh, kw, filters, in) */
        *fan_in = l->units * rf;
        *fan_out = cin * rf;
        break;
    case AE_LAYER_LSTM:
        *fan_in = last_in;
        *fan_out = 4 * l->units;
        break;
    default:
        *fan_in = last_in;
        *fan_out = l->units;
        break;
    }
}

/* Each layer draws from its own stream, so adding a layer does not change the others. */
static ae_code init_layer(ae_model *m, size_t i, uint64_t seed, ae_error *err)
{
    const ae_layer_spec *l = &m->spec->layers[i];
    const ae_layer_params *lp = &m->lp[i];
    ae_param *ps = m->params.items;
    ae_rng rng = ae_rng_stream(seed, AE_RNG_INIT, i, 0);
    int fan_in, fan_out;
    fans(l, &fan_in, &fan_out);
    if (l->tied_to < 0 && lp->kernel >= 0 &&
        ae_init_fill(&ps[lp->kernel], l->kernel_init, fan_in, fan_out, &rng, err))
        return err->code;
    if (lp->recurrent >= 0 &&
        ae_init_fill(&ps[lp->recurrent], l->recurrent_init, l->units, 4 * l->units, &rng, err))
        return err->code;
    if (lp->bias >= 0) {
        if (ae_init_fill(&ps[lp->bias], l->bias_init, fan_in, fan_out, &rng, err))
            return err->code;
        if (l->kind == AE_LAYER_LSTM) /* Keras' unit_forget_bias: the forget gate starts open */
            for (int u = 0; u < l->units; u++)
                ps[lp->bias].value.data[l->units + u] = 1.0f;
    }
    if (l->kind == AE_LAYER_BATCHNORM) {
        for (size_t c = 0; c < ps[lp->gamma].value.size; c++) {
            ps[lp->gamma].value.data[c] = 1.0f;
            ps[lp->var].value.data[c] = 1.0f;
        }
        ps[lp->mean].trainable = ps[lp->var].trainable = false;
        ps[lp->gamma].decay = ps[lp->beta].decay = false;
    }
    if (lp->bias >= 0)
        ps[lp->bias].decay = false;
    return AE_OK;
}

ae_code ae_model_init(ae_model *m, const ae_model_spec *spec, uint64_t seed, ae_error *err)
{
    memset(m, 0, sizeof *m);
    ae_params_init(&m->params);
    m->spec = spec;
    m->lp = malloc(spec->n_layers * sizeof *m->lp);
    if (!m->lp) {
        ae_model_free(m);
        return ae_error_set(err, AE_ERR_NOMEM, "out of memory creating the model");
    }
    for (size_t i = 0; i < spec->n_layers; i++)
        m->lp[i] = (ae_layer_params){-1, -1, -1, -1, -1, -1, -1};
    for (size_t i = 0; i < spec->n_layers; i++)
        if (declare_layer(m, i, err) != AE_OK) {
            ae_model_free(m);
            return err->code;
        }
    /* A tied layer reads its partner's kernel: same parameter, second use. */
    for (size_t i = 0; i < spec->n_layers; i++)
        if (spec->layers[i].tied_to >= 0)
            m->lp[i].kernel = m->lp[spec->layers[i].tied_to].kernel;
    if (ae_params_finalize(&m->params, err) != AE_OK) {
        ae_model_free(m);
        return err->code;
    }
    for (size_t i = 0; i < spec->n_layers; i++)
        if (init_layer(m, i, seed, err) != AE_OK) {
            ae_model_free(m);
            return err->code;
        }
    return AE_OK;
}

static ae_node *param(ae_model *m, ae_tape *t, int index)
{
    return index >= 0 ? ae_tape_param(t, &m->params.items[index]) : NULL;
}

/* A node viewed as [N, per-sample shape]. */
static ae_node *as_batch(ae_tape *t, ae_node *x, const ae_shape *s)
{
    int shape[4] = {x->value.shape[0]};
    for (int k = 0; k < s->ndim; k++)
        shape[k + 1] = s->d[k];
    return ae_reshape(t, x, s->ndim + 1, shape);
}

/* Dense over the last axis: [N, F] directly, [N, T, F] as N·T rows (Keras' Dense on sequences). */
static ae_node *dense_forward(ae_model *m, ae_tape *t, size_t i, ae_node *x)
{
    const ae_layer_spec *l = &m->spec->layers[i];
    ae_node *w = param(m, t, m->lp[i].kernel), *b = param(m, t, m->lp[i].bias);
    if (x->value.ndim == 2)
        return ae_dense(t, x, w, b, l->tied_to >= 0);
    int n = x->value.shape[0], steps = x->value.shape[1];
    ae_node *rows = ae_reshape(t, x, 2, (int[]){n * steps, x->value.shape[2]});
    ae_node *y = ae_dense(t, rows, w, b, l->tied_to >= 0);
    return ae_reshape(t, y, 3, (int[]){n, steps, l->units});
}

/* Keras' LSTM from tape ops. The input projection of all steps is one product over the
 * sequence laid out step-major, so that step s's pre-activations are a contiguous block of
 * rows (a view, no copy); each step adds one more product h·U for the four gates (i, f, c, o)
 * onto that block, then elementwise ops. Backward through time is the tape's. */
static ae_node *lstm_forward(ae_model *m, ae_tape *t, size_t i, ae_node *x)
{
    const ae_layer_spec *l = &m->spec->layers[i];
    int n = x->value.shape[0], steps = x->value.shape[1], u = l->units;
    ae_node *w = param(m, t, m->lp[i].kernel), *rec = param(m, t, m->lp[i].recurrent);
    ae_node *rows = ae_reshape(t, ae_swap_leading(t, x), 2, (int[]){steps * n, x->value.shape[2]});
    ae_node *proj = ae_dense(t, rows, w, param(m, t, m->lp[i].bias), false); /* [T·N, 4U] */
    ae_node **hs = l->return_sequences ? ae_tape_scratch(t, (size_t)steps * sizeof *hs) : NULL;
    if (l->return_sequences && !hs)
        return NULL;
    ae_node *h = NULL, *c = NULL;
    for (int s = 0; s < steps; s++) {
        ae_node *z = ae_slice(t, proj, 0, s * n, n);
        if (h)
            z = ae_matmul_add(t, h, rec, z, false, false);
        ae_node *ig = ae_activation(t, ae_slice(t, z, 1, 0, u), AE_ACT_SIGMOID, 0);
        ae_node *gg = ae_activation(t, ae_slice(t, z, 1, 2 * u, u), AE_ACT_TANH, 0);
        ae_node *og = ae_activation(t, ae_slice(t, z, 1, 3 * u, u), AE_ACT_SIGMOID, 0);
        if (!c) { /* the first step's state is zero: no forget gate term */
            c = ae_mul(t, ig, gg);
        } else {
            ae_node *fg = ae_activation(t, ae_slice(t, z, 1, u, u), AE_ACT_SIGMOID, 0);
            c = ae_add(t, ae_mul(t, fg, c), ae_mul(t, ig, gg));
        }
        h = ae_mul(t, og, ae_activation(t, c, AE_ACT_TANH, 0));
        if (hs)
            hs[s] = h;
    }
    return hs ? ae_stack_steps(t, hs, steps) : h;
}

/* z = μ + σ·ε in training; μ in evaluation (codes are the means). */
static ae_node *sampling_forward(ae_tape *t, const ae_layer_spec *l, size_t i, ae_node *mu,
                                 ae_node *logvar, const ae_forward_ctx *ctx)
{
    if (!t->training)
        return mu;
    ae_tensor eps = mu->value;
    eps.data = ae_tape_scratch(t, eps.size * sizeof(float));
    if (!eps.data)
        return NULL;
    ae_rng rng = ae_rng_stream(ctx->seed, AE_RNG_SAMPLING + 256 * (i + 1), ctx->epoch, ctx->batch);
    ae_normal_fill(&rng, eps.data, eps.size, l->eps_std);
    ae_node *sigma = ae_exp(t, l->log_sigma ? logvar : ae_scale(t, logvar, 0.5f));
    return ae_add(t, mu, ae_mul(t, sigma, ae_tape_input(t, &eps)));
}

/* The layer's output before its activation (layers without one: the output itself). */
static ae_node *layer_forward(ae_model *m, ae_tape *t, size_t i, ae_node *x, ae_node *x2,
                              const ae_forward_ctx *ctx)
{
    const ae_layer_spec *l = &m->spec->layers[i];
    const ae_layer_params *lp = &m->lp[i];
    ae_rng rng;
    switch (l->kind) {
    case AE_LAYER_DENSE:
        return dense_forward(m, t, i, x);
    case AE_LAYER_GAUSSIAN_NOISE:
        rng = ae_rng_stream(ctx->seed, AE_RNG_NOISE + 256 * (i + 1), ctx->epoch, ctx->batch);
        return ae_gaussian_noise(t, x, l->noise_std, l->noise_clip, &rng);
    case AE_LAYER_DROPOUT:
        rng = ae_rng_stream(ctx->seed, AE_RNG_DROPOUT + 256 * (i + 1), ctx->epoch, ctx->batch);
        return ae_dropout(t, x, l->keep, &rng);
    case AE_LAYER_FLATTEN:
    case AE_LAYER_RESHAPE:
        return as_batch(t, x, &l->out_shape);
    case AE_LAYER_CONV2D:
        return ae_conv2d(t, x, param(m, t, lp->kernel), param(m, t, lp->bias), l->stride[0],
                         l->stride[1], l->padding);
    case AE_LAYER_CONV2D_TRANSPOSE:
        return ae_conv2d_transpose(t, x, param(m, t, lp->kernel), param(m, t, lp->bias),
                                   l->stride[0], l->stride[1], l->padding);
    case AE_LAYER_MAXPOOL2D:
        return ae_maxpool2d(t, x, l->kernel[0], l->kernel[1], l->stride[0], l->stride[1],
                            l->padding);
    case AE_LAYER_UPSAMPLE2D:
        return ae_upsample2d(t, x, l->kernel[0], l->kernel[1]);
    case AE_LAYER_BATCHNORM:
        return ae_batchnorm(t, x, param(m, t, lp->gamma), param(m, t, lp->beta),
                            &m->params.items[lp->mean], &m->params.items[lp->var], l->momentum,
                            l->bn_eps);
    case AE_LAYER_LSTM:
        return lstm_forward(m, t, i, x);
    case AE_LAYER_REPEAT:
        return ae_repeat(t, x, l->steps);
    case AE_LAYER_SAMPLING:
        return sampling_forward(t, l, i, x, x2, ctx);
    case AE_LAYER_ACTIVATION:
        return x; /* the activation itself is applied by the caller, like any layer's */
    case AE_LAYER_KIND_COUNT:
        break;
    }
    return ae_tape_fail(t, AE_ERR_INTERNAL, "layer '%s': unknown kind", l->name);
}

/* Which layers the outputs need: walk the inputs back from last_layer (and the target). */
static void mark_needed(const ae_model_spec *spec, const int *input_of, int last_layer,
                        int target_layer, bool *needed)
{
    memset(needed, 0, spec->n_layers * sizeof *needed);
    if (target_layer >= 0)
        needed[target_layer] = true;
    needed[last_layer] = true;
    for (int i = last_layer; i >= 0; i--) {
        if (!needed[i])
            continue;
        if (input_of[i] >= 0)
            needed[input_of[i]] = true;
        if (spec->layers[i].input2 >= 0)
            needed[spec->layers[i].input2] = true;
    }
}

ae_code ae_model_forward(ae_model *m, ae_tape *t, ae_node *feed, int feed_layer, int last_layer,
                         const ae_forward_ctx *ctx, ae_activations *acts, ae_error *err)
{
    const ae_model_spec *spec = m->spec;
    size_t n = spec->n_layers;
    acts->pre = ae_tape_scratch(t, n * sizeof *acts->pre);
    acts->out = ae_tape_scratch(t, n * sizeof *acts->out);
    int *input_of = ae_tape_scratch(t, n * sizeof *input_of);
    bool *needed = ae_tape_scratch(t, n * sizeof *needed);
    if (!acts->pre || !acts->out || !input_of || !needed)
        return ae_error_set(err, t->err.code, "%s", t->err.msg);
    memset(acts->pre, 0, n * sizeof *acts->pre);
    memset(acts->out, 0, n * sizeof *acts->out);
    for (size_t i = 0; i < n; i++)
        input_of[i] = ctx->phase ? ctx->phase->input_of[i] : spec->layers[i].input;
    mark_needed(spec, input_of, last_layer, ctx->phase ? ctx->phase->target_layer : -1, needed);
    if (feed_layer >= 0)
        acts->out[feed_layer] = acts->pre[feed_layer] = feed;
    int output_layer = ctx->phase ? ctx->phase->output_layer : spec->output_layer;
    for (int i = feed_layer + 1; i <= last_layer; i++) {
        const ae_layer_spec *l = &spec->layers[i];
        ae_node *x = input_of[i] < 0 ? (feed_layer < 0 ? feed : NULL) : acts->out[input_of[i]];
        ae_node *x2 = l->input2 >= 0 ? acts->out[l->input2] : NULL;
        if (!x || !needed[i] || (l->input2 >= 0 && !x2))
            continue; /* not fed from here, or not needed for this output */
        ae_node *pre = layer_forward(m, t, (size_t)i, x, x2, ctx), *y = pre;
        if (pre && ae_layer_has_activation(l->kind)) {
            bool logits = ctx->output_logits && i == output_layer;
            y = logits ? pre : ae_activation(t, pre, l->act, l->act_alpha);
        }
        acts->pre[i] = pre;
        acts->out[i] = y;
        if (!y)
            return ae_error_set(err, t->err.code ? t->err.code : AE_ERR_INTERNAL,
                                "layer '%s': %s", l->name, t->err.msg);
    }
    return AE_OK;
}

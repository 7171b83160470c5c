#include "model/loss.h"

#include <string.h>

#include "core/rng.h"

bool ae_loss_wants_logits(const ae_model_spec *model, const ae_loss_spec *loss, int output_layer)
{
    const ae_layer_spec *out = &model->layers[output_layer];
    return ae_layer_has_activation(out->kind) && out->act == AE_ACT_SIGMOID &&
           (loss->recon == AE_RECON_BCE || loss->recon == AE_RECON_BCE_LOGITS);
}

static ae_node *reconstruction(const ae_model *m, const ae_loss_spec *loss, int output_layer,
                               ae_tape *t, ae_node *pred, ae_node *target)
{
    if (ae_loss_wants_logits(m->spec, loss, output_layer))
        return ae_bce_logits_loss(t, pred, target, loss->reduction);
    if (loss->recon != AE_RECON_MSE)
        return ae_bce_loss(t, pred, target, loss->reduction);
    return ae_mse_loss(t, pred, target, loss->reduction);
}

/* weight · Σ w² over the distinct kernels of the chosen layers (a tied kernel counts once). */
static ae_node *l2_term(const ae_model *m, const ae_term_spec *term, ae_tape *t)
{
    ae_node *sum = NULL;
    for (size_t p = 0; p < m->params.count; p++) {
        bool chosen = false;
        for (size_t i = 0; i < m->spec->n_layers && !chosen; i++)
            chosen = term->layers[i] && m->lp[i].kernel == (int)p;
        if (!chosen)
            continue;
        ae_node *w2 = ae_l2_penalty(t, ae_tape_param(t, &m->params.items[p]));
        sum = sum ? ae_add(t, sum, w2) : w2;
    }
    return sum;
}

/* KL(N(μ, σ²) ‖ N(0, 1)) = −½ Σ_j (1 + log σ²_j − μ_j² − σ²_j), summed over the latent
 * dimensions, averaged over the batch. */
static ae_node *kl_normal(ae_tape *t, ae_node *mu, ae_node *lv, bool log_sigma)
{
    if (log_sigma)
        lv = ae_scale(t, lv, 2.0f);
    ae_node *inner = ae_sub(t, ae_sub(t, ae_add_scalar(t, lv, 1.0f), ae_square(t, mu)), ae_exp(t, lv));
    return ae_scale(t, ae_sum(t, inner, -1), -0.5f / (float)mu->value.shape[0]);
}

/* The closed form for h = f(x·W + b), one dense layer on the input:
 * ‖J‖²_F = Σ_j f'(a_j)² Σ_i W_ij², with f' written in terms of h. */
static ae_node *contractive_exact(const ae_model *m, const ae_term_spec *term, ae_tape *t,
                                  ae_node *h)
{
    const ae_layer_spec *l = &m->spec->layers[term->layer];
    ae_node *d; /* f'(a) */
    if (l->act == AE_ACT_SIGMOID)
        d = ae_sub(t, h, ae_square(t, h));
    else if (l->act == AE_ACT_TANH)
        d = ae_add_scalar(t, ae_scale(t, ae_square(t, h), -1.0f), 1.0f);
    else
        d = ae_add_scalar(t, ae_scale(t, h, 0.0f), 1.0f); /* linear: f' = 1 */
    ae_node *w = ae_tape_param(t, (ae_param *)&m->params.items[m->lp[term->layer].kernel]);
    ae_node *col = ae_sum(t, ae_square(t, w), 0); /* Σ_i W_ij² per unit j */
    ae_node *colv = ae_reshape(t, col, 2, (int[]){l->units, 1});
    ae_node *per_sample = ae_matmul(t, ae_square(t, d), colv, false, false);
    return ae_scale(t, ae_sum(t, per_sample, -1), 1.0f / (float)h->value.shape[0]);
}

/* The stochastic estimate of CAE+H: E‖h(x + σε) − h(x)‖² / σ² → ‖J‖²_F as σ → 0, with
 * `samples` draws per step from the stream (seed, NOISE, epoch, batch) of the term. */
static ae_node *contractive_stochastic(const ae_model *m, const ae_term_spec *term, ae_tape *t,
                                       ae_node *h, ae_node *input, const ae_forward_ctx *ctx,
                                       int index)
{
    ae_node *sum = NULL;
    ae_rng rng = ae_rng_stream(ctx->seed, AE_RNG_NOISE + 256 * 4096 + (uint64_t)index, ctx->epoch,
                               ctx->batch);
    for (int k = 0; k < term->samples; k++) {
        ae_tensor eps = input->value;
        eps.data = ae_tape_scratch(t, eps.size * sizeof(float));
        if (!eps.data)
            return NULL;
        ae_normal_fill(&rng, eps.data, eps.size, term->sigma);
        for (size_t i = 0; i < eps.size; i++)
            eps.data[i] += input->value.data[i];
        ae_activations acts2;
        ae_error err;
        ae_forward_ctx c2 = *ctx;
        c2.output_logits = false;
        if (ae_model_forward((ae_model *)m, t, ae_tape_input(t, &eps), -1, term->layer, &c2, &acts2,
                             &err) != AE_OK)
            return NULL;
        ae_node *diff = ae_sum(t, ae_square(t, ae_sub(t, acts2.out[term->layer], h)), -1);
        sum = sum ? ae_add(t, sum, diff) : diff;
    }
    float scale = 1.0f / (term->sigma * term->sigma * (float)term->samples *
                          (float)h->value.shape[0]);
    return ae_scale(t, sum, scale);
}

static ae_node *term_value(const ae_model *m, const ae_term_spec *term, int index, ae_tape *t,
                           const ae_activations *acts, ae_node *input, const ae_forward_ctx *ctx)
{
    if (term->kind == AE_TERM_L2)
        return l2_term(m, term, t);
    ae_node *h = acts->out[term->layer];
    if (!h)
        return NULL; /* its layer is not computed in this phase */
    switch (term->kind) {
    case AE_TERM_KL_SPARSITY:
        return ae_kl_sparsity(t, h, term->target);
    case AE_TERM_KL_NORMAL:
        return acts->out[term->layer2] ? kl_normal(t, h, acts->out[term->layer2], term->log_sigma)
                                       : NULL;
    case AE_TERM_CONTRACTIVE:
        return term->stochastic ? contractive_stochastic(m, term, t, h, input, ctx, index)
                                : contractive_exact(m, term, t, h);
    default: /* L1 activity: per-sample Σ|h|, averaged over the batch */
        return ae_scale(t, ae_l1_penalty(t, h), 1.0f / (float)h->value.shape[0]);
    }
}

ae_code ae_loss_build(const ae_model *m, const ae_loss_spec *loss, const ae_phase_spec *phase,
                      ae_tape *t, const ae_activations *acts, ae_node *input, ae_node *target,
                      const ae_forward_ctx *ctx, ae_loss_terms *out, ae_error *err)
{
    memset(out, 0, sizeof *out);
    ae_node *pred = acts->out[phase->output_layer];
    if (!pred || !target)
        return ae_error_set(err, AE_ERR_INTERNAL, "loss: the output layer was not computed");
    /* The prediction is viewed with the target's shape: [N, 784] against [N, 1, 28, 28]. */
    if (pred->value.size != target->value.size)
        return ae_error_set(err, AE_ERR_SHAPE, "loss: output has %zu values, target %zu",
                            pred->value.size, target->value.size);
    target = ae_reshape(t, target, pred->value.ndim, pred->value.shape);
    ae_node *total = reconstruction(m, loss, phase->output_layer, t, pred, target);
    out->name[0] = "recon";
    out->value[0] = total;
    out->n = 1;
    for (size_t k = 0; k < loss->n_terms && out->n < AE_LOSS_MAX_TERMS; k++) {
        if (!phase->term_active[k])
            continue;
        const ae_term_spec *term = &loss->terms[k];
        ae_node *v = term_value(m, term, (int)k, t, acts, input, ctx);
        if (!v)
            continue;
        v = ae_scale(t, v, term->weight);
        out->name[out->n] = term->name;
        out->value[out->n++] = v;
        total = ae_add(t, total, v);
    }
    out->total = total;
    if (!total || t->failed)
        return ae_error_set(err, t->err.code ? t->err.code : AE_ERR_INTERNAL, "loss: %s",
                            t->err.msg);
    return AE_OK;
}

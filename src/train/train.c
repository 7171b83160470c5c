#include "train/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "train/batch.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void wall_time(char *buf, size_t size)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Each phase starts a fresh optimizer (its own moments and step count). */
static ae_code begin_phase(ae_session *s, ae_error *err)
{
    const ae_phase_spec *phase = &s->exp->train.phases[s->phase];
    ae_optim_free(&s->optim);
    ae_phase_apply_freeze(&s->model, phase);
    return ae_optim_init(&s->optim, &phase->optim, &s->model.params, err);
}

ae_code ae_session_start(ae_session *s, bool resume, ae_error *err)
{
    const ae_experiment *exp = s->exp;
    memset(&s->optim, 0, sizeof s->optim);
    s->phase = 0;
    s->epochs_done = 0;
    if (ae_model_init(&s->model, &exp->model, exp->seed, err) != AE_OK)
        return err->code;
    ae_code code = AE_OK;
    if (resume)
        code = ae_checkpoint_restore(s->rf, &s->model, NULL, &s->phase, &s->epochs_done, err);
    if (code == AE_OK && s->phase >= exp->train.n_phases)
        code = ae_error_set(err, AE_ERR_FORMAT, "checkpoint names phase %zu of %zu", s->phase + 1,
                            exp->train.n_phases);
    /* A checkpoint at the end of a phase resumes at the start of the next one. */
    if (code == AE_OK && s->phase + 1 < exp->train.n_phases &&
        s->epochs_done == exp->train.phases[s->phase].epochs) {
        s->phase++;
        s->epochs_done = 0;
    }
    if (code == AE_OK)
        code = begin_phase(s, err);
    if (code == AE_OK && resume && s->epochs_done > 0) {
        size_t phase;
        int epochs;
        code = ae_checkpoint_restore(s->rf, &s->model, &s->optim, &phase, &epochs, err);
    }
    if (code != AE_OK) {
        ae_session_free(s);
        return code;
    }
    /* Metrics after the checkpoint belong to epochs that will run again. */
    for (size_t p = s->phase; p < exp->train.n_phases; p++)
        ae_runfile_metric_truncate(s->rf, exp->train.phases[p].name,
                                   p == s->phase ? (size_t)s->epochs_done : 0);
    return AE_OK;
}

void ae_session_free(ae_session *s)
{
    ae_optim_free(&s->optim);
    ae_model_free(&s->model);
}

static bool params_finite(const ae_params *ps)
{
    for (size_t i = 0; i < ps->total; i++)
        if (!isfinite(ps->values[i]))
            return false;
    return true;
}

/* The phase's forward and loss on the batch x (the target is the clean input,
 * or a layer's output taken as a constant). */
ae_code ae_phase_loss(ae_model *m, const ae_experiment *exp, const ae_phase_spec *phase,
                      ae_tape *t, const ae_tensor *x, uint64_t epoch, uint64_t batch,
                      ae_loss_terms *terms, ae_error *err)
{
    ae_node *in = ae_tape_input(t, x);
    ae_forward_ctx ctx = {.seed = exp->seed, .epoch = epoch, .batch = batch, .phase = phase,
                          .output_logits = ae_loss_wants_logits(&exp->model, &exp->loss,
                                                                phase->output_layer)};
    ae_activations acts;
    if (ae_model_forward(m, t, in, -1, phase->output_layer > phase->target_layer
                                           ? phase->output_layer
                                           : phase->target_layer,
                         &ctx, &acts, err) != AE_OK)
        return err->code;
    ae_node *target = in;
    if (phase->target_layer >= 0)
        target = ae_tape_input(t, &acts.out[phase->target_layer]->value);
    return ae_loss_build(m, &exp->loss, phase, t, &acts, in, target, &ctx, terms, err);
}

static ae_code train_batch(ae_session *s, ae_tape *t, const ae_tensor *x, uint64_t epoch,
                           uint64_t batch, ae_loss_terms *terms, ae_error *err)
{
    const ae_phase_spec *phase = &s->exp->train.phases[s->phase];
    ae_tape_reset(t);
    t->training = true;
    if (ae_phase_loss(&s->model, s->exp, phase, t, x, epoch, batch, terms, err) != AE_OK)
        return err->code;
    ae_params_zero_grad(&s->model.params);
    if (ae_tape_backward(t, terms->total, err) != AE_OK)
        return err->code;
    return ae_optim_step(&s->optim, &s->model.params) == AE_OK
               ? AE_OK
               : ae_error_set(err, AE_ERR_INTERNAL, "optimizer step failed");
}

static void record_epoch(ae_runfile *rf, const char *phase, const char *split,
                         const ae_epoch_losses *l)
{
    char key[128];
    snprintf(key, sizeof key, "%s/loss", split);
    ae_runfile_append_metric(rf, phase, key, l->total);
    for (size_t i = 0; i < l->n; i++) {
        snprintf(key, sizeof key, "%s/%s", split, l->name[i]);
        ae_runfile_append_metric(rf, phase, key, l->value[i]);
    }
}

static ae_code finish(ae_session *s, const char *status, ae_code code, ae_error *err)
{
    char when[32];
    wall_time(when, sizeof when);
    ae_runfile_set_attr(s->rf, "status", status);
    ae_runfile_set_attr(s->rf, "end_time", when);
    ae_error save_err;
    if (ae_runfile_save(s->rf, s->run_path, &save_err) != AE_OK) {
        *err = save_err;
        return save_err.code;
    }
    return code;
}

/* The epoch index that addresses random streams: global over the phases, so
 * two phases never share a shuffle or noise draw. */
static uint64_t stream_epoch(const ae_session *s, int epoch)
{
    uint64_t e = (uint64_t)epoch;
    for (size_t p = 0; p < s->phase; p++)
        e += (uint64_t)s->exp->train.phases[p].epochs;
    return e;
}

static ae_code run_epoch(ae_session *s, ae_tape *t, ae_batcher *b, int epoch,
                         const ae_train_hooks *hooks, ae_epoch_losses *train, ae_error *err)
{
    const ae_experiment *exp = s->exp;
    const ae_phase_spec *phase = &exp->train.phases[s->phase];
    ae_progress p = {.phase = phase->name, .epoch = epoch + 1, .epochs = phase->epochs,
                     .batches = ae_batcher_count(b)};
    uint64_t se = stream_epoch(s, epoch);
    double start = now_seconds();
    ae_batcher_shuffle(b, exp->train.shuffle, exp->seed, se);
    memset(train, 0, sizeof *train);
    for (size_t k = 0; k < p.batches; k++) {
        if (hooks && hooks->stop && *hooks->stop)
            return ae_error_set(err, AE_ERR_INTERRUPTED, "interrupted");
        ae_tensor x = ae_batcher_get(b, k);
        ae_loss_terms terms;
        if (train_batch(s, t, &x, se, k, &terms, err) != AE_OK)
            return err->code;
        double loss = terms.total->value.data[0];
        if (!isfinite(loss))
            return ae_error_set(err, AE_ERR_DIVERGED,
                                "loss is %g in phase %s, epoch %d, batch %zu: training diverged",
                                loss, phase->name, epoch + 1, k + 1);
        size_t bsz = (size_t)x.shape[0];
        train->n = terms.n;
        train->total += loss * (double)bsz;
        for (size_t i = 0; i < terms.n; i++) {
            train->name[i] = terms.name[i];
            train->value[i] += terms.value[i]->value.data[0] * (double)bsz;
        }
        p.batch = k + 1;
        p.samples += bsz;
        p.loss = train->total / (double)p.samples;
        p.seconds = now_seconds() - start;
        if (hooks && hooks->on_batch)
            hooks->on_batch(hooks->user, &p);
    }
    train->total /= (double)p.samples;
    for (size_t i = 0; i < train->n; i++)
        train->value[i] /= (double)p.samples;
    if (!params_finite(&s->model.params))
        return ae_error_set(err, AE_ERR_DIVERGED, "a parameter is NaN or Inf after epoch %d",
                            epoch + 1);
    return AE_OK;
}

/* Runs the current phase's remaining epochs, saving the run file after each. */
static ae_code run_phase(ae_session *s, ae_tape *t, ae_batcher *b, const ae_train_hooks *hooks,
                         ae_error *err)
{
    const ae_experiment *exp = s->exp;
    const ae_phase_spec *phase = &exp->train.phases[s->phase];
    bool last_phase = s->phase + 1 == exp->train.n_phases;
    for (int epoch = s->epochs_done; epoch < phase->epochs; epoch++) {
        double start = now_seconds();
        ae_epoch_losses train, val;
        if (run_epoch(s, t, b, epoch, hooks, &train, err) != AE_OK ||
            ae_evaluate_on(t, &s->model, exp, phase, s->val, &val, err) != AE_OK)
            return err->code;
        if (!isfinite(val.total))
            return ae_error_set(err, AE_ERR_DIVERGED, "validation loss is %g after epoch %d",
                                val.total, epoch + 1);
        double seconds = now_seconds() - start;
        record_epoch(s->rf, phase->name, "train", &train);
        record_epoch(s->rf, phase->name, "val", &val);
        ae_runfile_append_metric(s->rf, phase->name, "epoch_seconds", seconds);
        s->epochs_done = epoch + 1;
        bool phase_end = s->epochs_done == phase->epochs;
        if (phase_end || s->epochs_done % exp->train.checkpoint_every == 0)
            if (ae_checkpoint_put(s->rf, &s->model, &s->optim, s->phase, phase->name,
                                  s->epochs_done, err) != AE_OK)
                return err->code;
        /* The final save happens with status "completed" in finish(). */
        if (!(phase_end && last_phase) && ae_runfile_save(s->rf, s->run_path, err) != AE_OK)
            return err->code;
        if (hooks && hooks->on_epoch) {
            ae_progress p = {.phase = phase->name, .epoch = epoch + 1, .epochs = phase->epochs,
                             .batches = ae_batcher_count(b), .batch = ae_batcher_count(b),
                             .samples = s->train->n, .loss = train.total, .seconds = seconds,
                             .train = &train, .val = &val};
            hooks->on_epoch(hooks->user, &p);
        }
    }
    return AE_OK;
}

ae_code ae_session_train(ae_session *s, const ae_train_hooks *hooks, ae_error *err)
{
    const ae_experiment *exp = s->exp;
    ae_batcher b;
    if (ae_batcher_init(&b, s->train, &exp->model.input, exp->train.batch_size, err) != AE_OK)
        return err->code;
    ae_tape t;
    ae_tape_init(&t);
    ae_runfile_set_attr(s->rf, "status", "running");
    ae_code code = AE_OK;
    while ((code = run_phase(s, &t, &b, hooks, err)) == AE_OK &&
           s->phase + 1 < exp->train.n_phases) {
        s->phase++;
        s->epochs_done = 0;
        if ((code = begin_phase(s, err)) != AE_OK)
            break;
    }
    ae_tape_free(&t);
    ae_batcher_free(&b);
    switch (code) {
    case AE_OK:
        return finish(s, "completed", code, err);
    case AE_ERR_INTERRUPTED:
        return finish(s, "interrupted", code, err);
    case AE_ERR_DIVERGED:
        return finish(s, "diverged", code, err);
    default:
        return finish(s, "failed", code, err);
    }
}

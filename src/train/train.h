/* Training: epochs of shuffled mini-batches through the tape, validation
 * each epoch, divergence detection, checkpoints into the run file after
 * every epoch. Reproducible: the shuffle of epoch e is the stream
 * (seed, SHUFFLE, e), the noise of batch b of epoch e is (seed, NOISE+layer,
 * e, b), so a resumed run replays exactly what an uninterrupted one does. */
#ifndef AELAB_TRAIN_TRAIN_H
#define AELAB_TRAIN_TRAIN_H

#include <signal.h>
#include <stdbool.h>

#include "data/data.h"
#include "model/loss.h"
#include "model/model.h"
#include "nn/optim.h"
#include "runfile/runfile.h"

/* Averages of each loss term over one pass of a dataset. */
typedef struct ae_epoch_losses {
    size_t n;
    const char *name[AE_LOSS_MAX_TERMS];
    double value[AE_LOSS_MAX_TERMS];
    double total;
} ae_epoch_losses;

typedef struct ae_progress {
    const char *phase;
    int epoch, epochs;          /* 1-based epoch being run */
    size_t batch, batches;      /* batches done in this epoch */
    size_t samples;             /* samples done in this epoch */
    double loss;                /* running mean of the training loss this epoch */
    double seconds;             /* since the epoch began */
    const ae_epoch_losses *train, *val; /* at epoch end only */
} ae_progress;

typedef struct ae_train_hooks {
    void (*on_batch)(void *user, const ae_progress *p);
    void (*on_epoch)(void *user, const ae_progress *p);
    void *user;
    /* Set asynchronously (SIGINT): training stops at the next batch boundary. */
    const volatile sig_atomic_t *stop;
} ae_train_hooks;

/* Everything one training run holds. The caller fills exp, train, val, rf and
 * run_path; ae_session_start builds model and optimizer (fresh, or from the
 * run file's checkpoint when resuming). */
typedef struct ae_session {
    const ae_experiment *exp;
    const ae_dataset *train, *val;
    ae_runfile *rf;
    const char *run_path;
    ae_model model;
    ae_optim optim;             /* the current phase's optimizer */
    size_t phase;               /* index of the phase being trained */
    int epochs_done;            /* epochs of that phase completed so far */
} ae_session;

ae_code ae_session_start(ae_session *s, bool resume, ae_error *err);
void ae_session_free(ae_session *s);

/* Runs the remaining epochs. Returns AE_OK when all completed,
 * AE_ERR_INTERRUPTED when stopped by hooks->stop, AE_ERR_DIVERGED on NaN/Inf;
 * the run file's status attribute says the same. */
ae_code ae_session_train(ae_session *s, const ae_train_hooks *hooks, ae_error *err);

/* Mean loss terms of the phase's objective over a dataset, in evaluation mode. */
ae_code ae_evaluate(ae_model *m, const ae_experiment *exp, const ae_phase_spec *phase,
                    const ae_dataset *data, ae_epoch_losses *out, ae_error *err);
/* The same on the caller's tape (reset before and after), so that training reuses its
 * step memory for validation instead of faulting in fresh pages every epoch. */
ae_code ae_evaluate_on(ae_tape *t, ae_model *m, const ae_experiment *exp,
                      const ae_phase_spec *phase, const ae_dataset *data, ae_epoch_losses *out,
                      ae_error *err);

/* The phase's forward pass and loss on the batch x, recorded on t. */
ae_code ae_phase_loss(ae_model *m, const ae_experiment *exp, const ae_phase_spec *phase,
                      ae_tape *t, const ae_tensor *x, uint64_t epoch, uint64_t batch,
                      ae_loss_terms *terms, ae_error *err);

/* Runs the model in evaluation mode over data and stores the output of layer
 * `layer` for every sample into out (n × layer size floats, caller-allocated). */
ae_code ae_model_outputs(ae_model *m, const ae_experiment *exp, const ae_dataset *data,
                         int layer, float *out, ae_error *err);

/* Decodes n codes (n × the code layer's size) through the layers after the code layer
 * into out (n × the output's size), in evaluation mode: generation from a prior, latent
 * manifolds. */
ae_code ae_model_decode(ae_model *m, const ae_experiment *exp, const float *codes, size_t n,
                        float *out, ae_error *err);

/* Checkpoint <-> run file: parameters, optimizer state and the position
 * (phase index and name, epochs of that phase done). */
ae_code ae_checkpoint_put(ae_runfile *rf, const ae_model *m, const ae_optim *o, size_t phase,
                          const char *phase_name, int epochs_done, ae_error *err);
/* Parameters always; the optimizer state when o is not NULL. Without a
 * checkpoint in rf: *phase = 0, *epochs_done = 0 and nothing is changed. */
ae_code ae_checkpoint_restore(const ae_runfile *rf, ae_model *m, ae_optim *o, size_t *phase,
                              int *epochs_done, ae_error *err);
/* Freezes every parameter no layer trainable in the phase uses. */
void ae_phase_apply_freeze(ae_model *m, const ae_phase_spec *phase);

#endif

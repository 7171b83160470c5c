/* Greedy layer-wise training (Hands-On ML, "Training One Autoencoder at a Time";
 * handson/greedy.yaml), run by the real trainer (ae_session_train):
 *   - what a phase does not train is bit-identical before and after it (phase 1 trains
 *     hidden1 and out, phase 2 hidden2 and hidden3 with hidden1 frozen although hidden1's
 *     gradient flows in phase 2), and what it trains does change;
 *   - the greedy stack ends within 10 % of the test MSE of the same stack trained end to
 *     end (handson/stacked-elu-l2.yaml) for the same total number of epochs. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"
#include "test_reg_util.h"

typedef struct freeze_watch {
    ae_session *s;
    float *before;          /* the store's values at the start of the current phase */
    int phases_checked;
    char failure[512];      /* the first violation, if any */
} freeze_watch;

static bool param_equal(const ae_param *p, const float *before)
{
    return memcmp(p->value.data, before + p->offset, p->value.size * sizeof(float)) == 0;
}

/* At the end of each phase: the parameters of layers the phase does not train are
 * unchanged, those of layers it trains have moved. */
static void on_epoch(void *user, const ae_progress *p)
{
    freeze_watch *w = user;
    if (p->epoch != p->epochs)
        return;
    const ae_experiment *exp = w->s->exp;
    const ae_phase_spec *phase = NULL;
    for (size_t k = 0; k < exp->train.n_phases; k++)
        if (!strcmp(exp->train.phases[k].name, p->phase))
            phase = &exp->train.phases[k];
    ae_model *m = &w->s->model;
    for (size_t i = 0; i < exp->model.n_layers && phase; i++) {
        int slots[2] = {m->lp[i].kernel, m->lp[i].bias};
        for (int k = 0; k < 2; k++) {
            const ae_param *prm = &m->params.items[slots[k]];
            bool same = param_equal(prm, w->before);
            if (same == phase->trainable[i] && !w->failure[0])
                snprintf(w->failure, sizeof w->failure, "phase %s: %s %s", p->phase, prm->name,
                         same ? "did not change although trained" : "changed although frozen");
        }
    }
    memcpy(w->before, m->params.values, m->params.total * sizeof(float));
    w->phases_checked++;
}

Test(reg_greedy, frozen_parameters_are_bit_identical)
{
    reg_one_thread();
    ae_dataset train, val;
    reg_fashion("train", 1500, &train);
    reg_fashion("test", 300, &val);
    reg_exp e;
    reg_exp_load(&e, "experiments/handson/greedy.yaml",
                 (const char *const[]){"train.phases.0.epochs=2", "train.phases.1.epochs=2",
                                       NULL});
    /* the file trains hidden1 + out, then hidden2 + hidden3 */
    const ae_phase_spec *ph = e.exp.train.phases;
    cr_assert_eq(e.exp.train.n_phases, 2);
    cr_assert(ph[0].trainable[0] && !ph[0].trainable[1] && !ph[0].trainable[2] &&
              ph[0].trainable[3]);
    cr_assert(!ph[1].trainable[0] && ph[1].trainable[1] && ph[1].trainable[2] &&
              !ph[1].trainable[3]);
    char dir[4096], path[4200];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/run.h5", dir);
    ae_session s = {.exp = &e.exp, .train = &train, .val = &val, .rf = ae_runfile_new(),
                    .run_path = path};
    ae_error err = {0};
    cr_assert_eq(ae_session_start(&s, false, &err), AE_OK, "%s", err.msg);
    freeze_watch w = {.s = &s};
    w.before = malloc(s.model.params.total * sizeof(float));
    memcpy(w.before, s.model.params.values, s.model.params.total * sizeof(float));
    ae_train_hooks hooks = {.on_epoch = on_epoch, .user = &w};
    cr_assert_eq(ae_session_train(&s, &hooks, &err), AE_OK, "%s", err.msg);
    cr_assert_eq(w.phases_checked, 2);
    cr_assert(!w.failure[0], "%s", w.failure);
    free(w.before);
    ae_session_free(&s);
    ae_runfile_free(s.rf);
    remove(path);
    remove(dir);
    reg_exp_free(&e);
    ae_dataset_free(&train);
    ae_dataset_free(&val);
}

/* The claim needs each phase to have had a few hundred steps: with 80 steps per phase
 * (3000 images, the book's batch 150, 4 + 4 epochs) greedy is 15-43 % worse than end to
 * end over seeds 1-3, while at full scale (60,000 images, 1600 steps per phase,
 * docs/results.md) it is 6 % better. In test time that step count is reached by batches
 * of 50 over 3000 images on a narrower stack of the same shape (784-100-50-100-784, a
 * third of the work per sample); there the ratio measured 0.965-0.993 over seeds 1-4. */
Test(reg_greedy, within_ten_percent_of_end_to_end)
{
    reg_one_thread();
    ae_dataset train, test;
    reg_fashion("train", 3000, &train);
    reg_fashion("test", 1000, &test);
    reg_exp greedy, joint;
    reg_exp_load(&greedy, "experiments/handson/greedy.yaml",
                 (const char *const[]){"train.phases.0.epochs=4", "train.phases.1.epochs=4",
                                       "train.batch_size=50", "model.layers.0.units=100",
                                       "model.layers.1.units=50", "model.layers.2.units=100",
                                       NULL});
    reg_exp_load(&joint, "experiments/handson/stacked-elu-l2.yaml",
                 (const char *const[]){"train.epochs=8", "train.batch_size=50",
                                       "model.layers.0.units=100", "model.layers.1.units=50",
                                       "model.layers.2.units=100", NULL});
    /* the same stack, the same total epochs */
    cr_assert_eq(greedy.exp.train.epochs, joint.exp.train.epochs);
    cr_assert_eq(greedy.exp.model.n_layers, joint.exp.model.n_layers);
    double mse[2];
    reg_exp *es[2] = {&greedy, &joint};
    for (int k = 0; k < 2; k++) {
        ae_model m;
        ae_error err = {0};
        cr_assert_eq(ae_model_init(&m, &es[k]->exp.model, es[k]->exp.seed, &err), AE_OK, "%s",
                     err.msg);
        reg_fit(&m, &es[k]->exp, &train);
        mse[k] = reg_mse(&m, &es[k]->exp, &test, &test);
        ae_model_free(&m);
    }
    cr_log_info("test MSE of the whole stack: greedy %.5f, end to end %.5f (ratio %.3f)", mse[0],
                mse[1], mse[0] / mse[1]);
    cr_assert(mse[0] <= 1.1 * mse[1], "greedy %g is not within 10 %% of end to end %g", mse[0],
              mse[1]);
    reg_exp_free(&greedy);
    reg_exp_free(&joint);
    ae_dataset_free(&train);
    ae_dataset_free(&test);
}

/* Sweep declarations: trial expansion (grid, zip, seeded random search,
 * seeds per point), the trial configs it resolves, and the config errors
 * found before any trial starts, located at the sweep entry at fault. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "config/cfg.h"
#include "helpers.h"
#include "sweep/sweep.h"

static const char base_yaml[] =
    "name: sweep-test\n"
    "seed: 5\n"
    "data: {dataset: fashion-mnist, train_limit: 1000, val_limit: 200}\n"
    "model:\n"
    "  input: [784]\n"
    "  code: code\n"
    "  layers:\n"
    "    - {name: code, type: dense, units: 32, activation: relu}\n"
    "    - {name: out, type: dense, units: 784, activation: sigmoid}\n"
    "loss: {reconstruction: bce}\n"
    "train:\n"
    "  optimizer: {type: adam, lr: 0.001}\n"
    "  batch_size: 100\n"
    "  epochs: 2\n";

typedef struct loaded {
    char dir[4096];
    char path[4200];
    ae_sweep s;
    ae_diags diags;
    ae_code rc;
} loaded;

/* Writes base.yaml and sweep.yaml (text) into a fresh directory and loads the latter. */
static void load(loaded *l, const char *text, const char *const *sets, size_t n_sets)
{
    test_tmpdir(l->dir, sizeof l->dir);
    char base[4200];
    cli_write_file(l->dir, "base.yaml", base_yaml, base, sizeof base);
    cli_write_file(l->dir, "sweep.yaml", text, l->path, sizeof l->path);
    ae_diags_init(&l->diags);
    l->rc = ae_sweep_load(l->path, sets, n_sets, &l->s, &l->diags);
}

static void unload(loaded *l)
{
    ae_sweep_free(&l->s);
    ae_diags_free(&l->diags);
    cli_rm_rf(l->dir);
}

static void load_ok(loaded *l, const char *text)
{
    load(l, text, NULL, 0);
    for (size_t i = 0; i < l->diags.count; i++)
        cr_log_error("%s:%d:%d: %s", l->diags.items[i].file, l->diags.items[i].line,
                     l->diags.items[i].col, l->diags.items[i].msg);
    cr_assert_eq(l->rc, AE_OK, "ae_sweep_load failed");
    cr_assert_eq(l->diags.count, 0);
}

/* The trial's resolved config, loaded as `aelab run trial.yaml` would. */
static ae_cfg_doc *trial_doc(const ae_sweep_trial *t)
{
    ae_cfg_doc *doc;
    ae_diags d;
    ae_diags_init(&d);
    cr_assert_eq(ae_cfg_load_string(t->yaml, "trial.yaml", &doc, &d), 0, "trial %s: %s", t->id,
                 d.count ? d.items[0].msg : "?");
    ae_diags_free(&d);
    return doc;
}

static const char *value_at(const ae_cfg_doc *doc, const char *path)
{
    const char *v = ae_cfg_scalar(ae_cfg_path(ae_cfg_root(doc), path));
    cr_assert_not_null(v, "no scalar at %s", path);
    return v;
}

static double double_at(const ae_cfg_doc *doc, const char *path)
{
    return strtod(value_at(doc, path), NULL);
}

Test(sweep_expand, grid_over_one_path)
{
    loaded l;
    load_ok(&l, "include: base.yaml\n"
                "sweep:\n"
                "  grid: {train.optimizer.lr: [0.01, 0.001, 1.0e-4]}\n");
    cr_assert_eq(l.s.n_trials, 3);
    cr_assert_str_eq(l.s.name, "sweep-test"); /* the experiment's name by default */
    cr_assert_str_eq(l.s.metric, "val/loss");
    const char *ids[] = {"t000", "t001", "t002"};
    const char *over[] = {"train.optimizer.lr=0.01", "train.optimizer.lr=0.001",
                          "train.optimizer.lr=1.0e-4"};
    const char *labels[] = {"lr=0.01", "lr=0.001", "lr=1.0e-4"};
    const double lrs[] = {0.01, 0.001, 1e-4};
    for (size_t i = 0; i < 3; i++) {
        const ae_sweep_trial *t = &l.s.trials[i];
        cr_assert_eq(t->index, i);
        cr_assert_str_eq(t->id, ids[i]);
        cr_assert_str_eq(t->overrides, over[i]);
        cr_assert_str_eq(t->label, labels[i]);
        cr_assert_eq(t->epochs, 2);
        ae_cfg_doc *doc = trial_doc(t);
        /* no sweep: left, the value set, everything else kept */
        cr_assert_null(ae_cfg_lookup(ae_cfg_root(doc), "sweep"));
        cr_assert_eq(double_at(doc, "train.optimizer.lr"), lrs[i]);
        cr_assert_str_eq(value_at(doc, "train.batch_size"), "100");
        cr_assert_str_eq(value_at(doc, "model.layers.0.units"), "32");
        /* the hash is the one its run file will record */
        char sha[65];
        ae_cfg_sha256_hex(ae_cfg_root(doc), sha);
        cr_assert_str_eq(sha, t->sha);
        ae_cfg_free(doc);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(l.s.trials[j].sha, t->sha);
    }
    cr_assert_eq(ae_sweep_find_trial(&l.s, "t002"), &l.s.trials[2]);
    cr_assert_null(ae_sweep_find_trial(&l.s, "t003"));
    unload(&l);
}

Test(sweep_expand, grid_product_first_key_slowest)
{
    loaded l;
    load_ok(&l, "include: base.yaml\n"
                "sweep:\n"
                "  name: prod\n"
                "  grid:\n"
                "    train.optimizer.lr: [0.1, 0.2]\n"
                "    model.layers.0.units: [8, 16, 24]\n");
    cr_assert_str_eq(l.s.name, "prod");
    cr_assert_eq(l.s.n_trials, 6);
    for (size_t i = 0; i < 6; i++) {
        ae_cfg_doc *doc = trial_doc(&l.s.trials[i]);
        cr_assert_eq(double_at(doc, "train.optimizer.lr"), i < 3 ? 0.1 : 0.2);
        cr_assert_eq(double_at(doc, "model.layers.0.units"), 8.0 * (double)(i % 3 + 1));
        ae_cfg_free(doc);
    }
    cr_assert_str_eq(l.s.trials[4].overrides, "train.optimizer.lr=0.2 model.layers.0.units=16");
    cr_assert_str_eq(l.s.trials[4].label, "lr=0.2 units=16");
    unload(&l);
}

Test(sweep_expand, zip_advances_lists_together)
{
    loaded l;
    load_ok(&l, "include: base.yaml\n"
                "sweep:\n"
                "  zip:\n"
                "    model.layers.0.units: [8, 16, 64]\n"
                "    model.layers.0.activation: [relu, tanh, \"sigmoid\"]\n"
                "  grid: {train.batch_size: [50, 100]}\n");
    /* grid axes come first, then the zip: 2 x 3 */
    cr_assert_eq(l.s.n_trials, 6);
    const char *acts[] = {"relu", "tanh", "sigmoid"}, *units[] = {"8", "16", "64"};
    for (size_t i = 0; i < 6; i++) {
        ae_cfg_doc *doc = trial_doc(&l.s.trials[i]);
        cr_assert_str_eq(value_at(doc, "train.batch_size"), i < 3 ? "50" : "100");
        cr_assert_str_eq(value_at(doc, "model.layers.0.units"), units[i % 3]);
        cr_assert_str_eq(value_at(doc, "model.layers.0.activation"), acts[i % 3]);
        ae_cfg_free(doc);
    }
    cr_assert_str_eq(l.s.trials[2].label, "batch_size=50 units=64 activation=sigmoid");
    unload(&l);
}

/* Same seed: the same samples; within bounds; the kinds right. */
static const char random_yaml[] =
    "include: base.yaml\n"
    "sweep:\n"
    "  random:\n"
    "    trials: %d\n"
    "    seed: %d\n"
    "    params:\n"
    "      train.optimizer.lr: {log_uniform: [1.0e-4, 1.0e-1]}\n"
    "      train.optimizer.beta1: {uniform: [0.5, 0.9]}\n"
    "      model.layers.0.units: {int_uniform: [4, 12]}\n"
    "      model.layers.0.activation: {choice: [relu, tanh, elu]}\n";

static void load_random(loaded *l, int trials, int seed)
{
    char text[1024];
    snprintf(text, sizeof text, random_yaml, trials, seed);
    load_ok(l, text);
    cr_assert_eq(l->s.n_trials, (size_t)trials);
}

Test(sweep_expand, random_search_is_seeded)
{
    loaded a, b, c, d;
    load_random(&a, 12, 7);
    load_random(&b, 12, 7);
    load_random(&c, 12, 8);
    load_random(&d, 20, 7);
    size_t same_as_other_seed = 0, log_low = 0;
    bool acts_seen[3] = {0};
    for (size_t i = 0; i < 12; i++) {
        const ae_sweep_trial *t = &a.s.trials[i];
        cr_assert_str_eq(t->overrides, b.s.trials[i].overrides, "same seed, same samples");
        cr_assert_str_eq(t->sha, b.s.trials[i].sha);
        /* more trials keep the earlier samples (each has its own stream) */
        cr_assert_str_eq(t->overrides, d.s.trials[i].overrides);
        same_as_other_seed += !strcmp(t->overrides, c.s.trials[i].overrides);
        ae_cfg_doc *doc = trial_doc(t);
        double lr = double_at(doc, "train.optimizer.lr");
        double beta1 = double_at(doc, "train.optimizer.beta1");
        const ae_cfg_node *units = ae_cfg_path(ae_cfg_root(doc), "model.layers.0.units");
        cr_assert(lr >= 1e-4 && lr <= 0.1, "lr %g", lr);
        log_low += lr < 1e-2; /* log-uniform: 2/3 of the mass below 0.01 */
        cr_assert(beta1 >= 0.5 && beta1 <= 0.9, "beta1 %g", beta1);
        cr_assert_eq(ae_cfg_type_of(ae_cfg_path(ae_cfg_root(doc), "train.optimizer.lr")),
                     AE_CFG_T_FLOAT);
        cr_assert_eq(ae_cfg_type_of(units), AE_CFG_T_INT);
        long u = strtol(ae_cfg_scalar(units), NULL, 10);
        cr_assert(u >= 4 && u <= 12, "units %ld", u);
        const char *act = value_at(doc, "model.layers.0.activation");
        int k = !strcmp(act, "relu") ? 0 : !strcmp(act, "tanh") ? 1 : !strcmp(act, "elu") ? 2 : -1;
        cr_assert_geq(k, 0, "activation %s", act);
        acts_seen[k] = true;
        ae_cfg_free(doc);
    }
    cr_assert_lt(same_as_other_seed, 2, "another seed gives other samples");
    cr_assert_geq(log_low, 4, "log-uniform draws favour small values (%zu of 12 below 0.01)",
                  log_low);
    cr_assert(acts_seen[0] || acts_seen[1] || acts_seen[2]);
    unload(&a);
    unload(&b);
    unload(&c);
    unload(&d);
}

Test(sweep_expand, seeds_repeat_each_point)
{
    loaded l;
    load_ok(&l, "include: base.yaml\n"
                "sweep:\n"
                "  grid: {train.optimizer.lr: [0.01, 0.001]}\n"
                "  seeds: 3\n");
    cr_assert_eq(l.s.n_trials, 6);
    const char *seeds[] = {"5", "6", "7"};
    for (size_t i = 0; i < 6; i++) {
        ae_cfg_doc *doc = trial_doc(&l.s.trials[i]);
        /* seeds vary fastest, starting at the experiment's seed (5) */
        cr_assert_str_eq(value_at(doc, "seed"), seeds[i % 3]);
        cr_assert_eq(double_at(doc, "train.optimizer.lr"), i < 3 ? 0.01 : 0.001);
        ae_cfg_free(doc);
    }
    cr_assert_str_eq(l.s.trials[1].overrides, "train.optimizer.lr=0.01 seed=6");
    unload(&l);

    load_ok(&l, "include: base.yaml\nsweep: {seeds: [11, 42]}\n");
    cr_assert_eq(l.s.n_trials, 2);
    cr_assert_str_eq(l.s.trials[1].overrides, "seed=42");
    unload(&l);
}

Test(sweep_expand, set_applies_to_every_trial_and_trials_win)
{
    loaded l;
    const char *sets[] = {"train.epochs=3", "train.optimizer.lr=0.5", "sweep.seeds=2"};
    load(&l, "include: base.yaml\nsweep: {grid: {train.optimizer.lr: [0.01, 0.001]}}\n", sets, 3);
    cr_assert_eq(l.rc, AE_OK);
    cr_assert_eq(l.s.n_trials, 4, "--set can change the sweep: section too");
    for (size_t i = 0; i < 4; i++) {
        ae_cfg_doc *doc = trial_doc(&l.s.trials[i]);
        cr_assert_str_eq(value_at(doc, "train.epochs"), "3");
        cr_assert_eq(l.s.trials[i].epochs, 3);
        cr_assert_eq(double_at(doc, "train.optimizer.lr"), i < 2 ? 0.01 : 0.001);
        ae_cfg_free(doc);
    }
    unload(&l);
}

Test(sweep_expand, slurm_options_read)
{
    loaded l;
    load_ok(&l, "include: base.yaml\n"
                "sweep:\n"
                "  grid: {train.optimizer.lr: [0.01]}\n"
                "  jobs: 2\n"
                "  metric: train/loss\n"
                "  slurm: {partition: gpu, time: \"01:30:00\", mem: 4G, cpus_per_task: 3,\n"
                "          max_parallel: 5, extra: [--qos=short]}\n");
    cr_assert_eq(l.s.jobs, 2);
    cr_assert_str_eq(l.s.metric, "train/loss");
    cr_assert_str_eq(l.s.slurm.partition, "gpu");
    cr_assert_str_eq(l.s.slurm.time, "01:30:00");
    cr_assert_str_eq(l.s.slurm.mem, "4G");
    cr_assert_eq(l.s.slurm.cpus_per_task, 3);
    cr_assert_eq(l.s.slurm.max_parallel, 5);
    cr_assert_eq(l.s.slurm.n_extra, 1);
    cr_assert_str_eq(l.s.slurm.extra[0], "--qos=short");
    char dir[4096];
    cr_assert(ae_sweep_dir(&l.s, NULL, dir, sizeof dir));
    cr_assert_str_eq(dir, "results/sweep-test");
    cr_assert(ae_sweep_dir(&l.s, "/x/out", dir, sizeof dir));
    cr_assert_str_eq(dir, "/x/out/sweep-test");
    unload(&l);
}

/* ---- errors: all of them, located, before anything runs ---- */

static bool has_diag(const loaded *l, int line, int col, const char *needle)
{
    for (size_t i = 0; i < l->diags.count; i++) {
        const ae_diag *d = &l->diags.items[i];
        if (d->file && !strcmp(d->file, l->path) && d->line == line && d->col == col &&
            strstr(d->msg, needle))
            return true;
    }
    return false;
}

static void dump(const loaded *l)
{
    for (size_t i = 0; i < l->diags.count; i++)
        cr_log_info("%s:%d:%d: %s", l->diags.items[i].file, l->diags.items[i].line,
                    l->diags.items[i].col, l->diags.items[i].msg);
}

Test(sweep_errors, bad_paths_and_values_at_their_sweep_entries)
{
    loaded l;
    load(&l,
         "include: base.yaml\n"                                 /* 1 */
         "sweep:\n"                                             /* 2 */
         "  grid:\n"                                            /* 3 */
         "    train.optimizer.lrr: [0.1, 0.01]\n"               /* 4: col 26 */
         "    train.batch_size: [100, -5, abc]\n"               /* 5: cols 29, 33 */
         "    seed.x: [1]\n"                                    /* 6: col 13 */
         "  random:\n"                                          /* 7 */
         "    trials: 2\n"                                      /* 8 */
         "    params:\n"                                        /* 9 */
         "      train.optimizer.beta1: {uniform: [2.0, 3.0]}\n", /* 10: col 30 */
         NULL, 0);
    dump(&l);
    cr_assert_eq(l.rc, AE_ERR_CONFIG);
    cr_assert_eq(l.s.n_trials, 0, "nothing is returned on error");
    /* a path error once, at the list, however many trials use it */
    cr_assert(has_diag(&l, 4, 26, "unknown key 'lrr' in train.optimizer (did you mean 'lr'?)"));
    cr_assert(has_diag(&l, 5, 29, "train.batch_size: -5 is out of range"));
    cr_assert(has_diag(&l, 5, 33, "train.batch_size: expected an integer"));
    cr_assert(has_diag(&l, 6, 13, "cannot set seed.x"));
    cr_assert(has_diag(&l, 10, 30, "train.optimizer.beta1"));
    size_t lrr = 0;
    for (size_t i = 0; i < l.diags.count; i++)
        lrr += strstr(l.diags.items[i].msg, "'lrr'") != NULL;
    cr_assert_eq(lrr, 1, "one report per problem, not one per trial");
    /* sorted by position */
    for (size_t i = 1; i < l.diags.count; i++)
        cr_assert_leq(l.diags.items[i - 1].line, l.diags.items[i].line);
    unload(&l);
}

Test(sweep_errors, section_shape)
{
    loaded l;
    load(&l,
         "include: base.yaml\n"                                   /* 1 */
         "sweep:\n"                                               /* 2 */
         "  zip:\n"                                               /* 3 */
         "    model.layers.0.units: [8, 16]\n"                    /* 4 */
         "    model.layers.0.activation: [relu]\n"                /* 5: col 32 */
         "  grid: {train.epochs: [], train.batch_size: 5}\n"      /* 6: cols 24, 46 */
         "  seedz: 3\n"                                           /* 7: col 3 */
         "  random: {trials: 0, params: {a.b: {normal: [0, 1]}}}\n" /* 8 */
         "  slurm: {time: \"1 hour\", cpus_per_task: 0}\n",       /* 9 */
         NULL, 0);
    dump(&l);
    cr_assert_eq(l.rc, AE_ERR_CONFIG);
    cr_assert(has_diag(&l, 5, 32, "zipped lists must have the same length"));
    cr_assert(has_diag(&l, 6, 24, "the list of values is empty"));
    cr_assert(has_diag(&l, 6, 46, "expected a list of values"));
    cr_assert(has_diag(&l, 7, 3, "unknown key 'seedz' in sweep (did you mean 'seeds'?)"));
    cr_assert(has_diag(&l, 8, 20, "sweep.random.trials: 0 is out of range"));
    cr_assert(has_diag(&l, 8, 38, "unknown key 'normal'"));
    cr_assert(has_diag(&l, 9, 17, "sweep.slurm.time: '1 hour' is not a single sbatch value"));
    for (size_t i = 1; i < l.diags.count; i++)
        cr_assert_leq(l.diags.items[i - 1].line, l.diags.items[i].line, "sorted by line");
    cr_assert(has_diag(&l, 9, 42, "cpus_per_task: 0 is out of range"));
    unload(&l);
}

Test(sweep_errors, missing_section_duplicates_and_forbidden_paths)
{
    loaded l;
    load(&l, "include: base.yaml\n", NULL, 0);
    cr_assert_eq(l.rc, AE_ERR_CONFIG);
    cr_assert_eq(l.diags.count, 1);
    cr_assert(strstr(l.diags.items[0].msg, "no sweep: section"));
    unload(&l);

    load(&l,
         "include: base.yaml\n"
         "sweep:\n"
         "  grid: {seed: [1, 2], include: [x.yaml], sweep.seeds: [2]}\n"
         "  seeds: 2\n"
         "  name: \"bad/name\"\n",
         NULL, 0);
    dump(&l);
    cr_assert_eq(l.rc, AE_ERR_CONFIG);
    cr_assert(has_diag(&l, 4, 10, "'seed' is swept twice"));
    cr_assert(has_diag(&l, 3, 33, "'include' cannot be swept"));
    cr_assert(has_diag(&l, 3, 56, "'sweep.seeds' cannot be swept"));
    cr_assert(has_diag(&l, 5, 9, "sweep name 'bad/name'"));
    unload(&l);

    /* the experiment's own errors are reported once, at their place */
    load(&l, "include: base.yaml\ntrain: {epochs: -1}\nsweep: {seeds: 3}\n", NULL, 0);
    dump(&l);
    cr_assert_eq(l.rc, AE_ERR_CONFIG);
    cr_assert_eq(l.diags.count, 1);
    cr_assert(has_diag(&l, 2, 17, "train.epochs: -1 is out of range"));
    unload(&l);
}

Test(sweep_errors, too_many_trials)
{
    loaded l;
    load(&l, "include: base.yaml\nsweep: {random: {trials: 5000, params: {train.batch_size: "
             "{int_uniform: [10, 90]}}}, seeds: 3}\n",
         NULL, 0);
    cr_assert_eq(l.rc, AE_ERR_CONFIG);
    cr_assert(has_diag(&l, 2, 8, "more than 10000 trials"));
    unload(&l);
}

/* The variational model's commands on a tiny trained VAE (784-32-2-32-784, one epoch of
 * 1000 Fashion-MNIST images): `aelab generate`, `plot manifold` and `plot latent` write
 * pictures of the sizes their layouts imply (read from the PNG header), and `aelab encode`
 * writes the means of the posterior: equal to z_mean recomputed here in double from the
 * checkpoint, and the same on a second call. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "data/data.h"
#include "helpers.h"
#include "runfile/h5file.h"
#include "test_zoo_util.h"
#include "train/datasets.h"

enum { IN = 784, HID = 32, LAT = 2, LIMIT = 200 };

static const char vae_yaml[] =
    "include: [%s]\n"
    "name: zoo-vae\n"
    "seed: 3\n"
    "model:\n"
    "  input: [784]\n"
    "  code: z\n"
    "  layers:\n"
    "    - {name: h, type: dense, units: 32, activation: relu}\n"
    "    - {name: z_mean, type: dense, units: 2}\n"
    "    - {name: z_log_var, type: dense, units: 2, input: h}\n"
    "    - {name: z, type: sampling, mean: z_mean, log_var: z_log_var}\n"
    "    - {name: dec, type: dense, units: 32, activation: relu}\n"
    "    - {name: out, type: dense, units: 784, activation: sigmoid}\n"
    "loss:\n"
    "  reconstruction: bce\n"
    "  reduction: sum\n"
    "  terms: [{type: kl_normal, layer: z_mean, log_var: z_log_var, weight: 1}]\n"
    "train: {optimizer: {type: adam, lr: 0.001}, batch_size: 100, epochs: 1}\n";

/* Width and height from a PNG's IHDR (the first chunk, right after the signature). */
static void png_size(const char *path, unsigned *w, unsigned *h)
{
    size_t len = 0;
    char *data = cli_read_file(path, &len);
    cr_assert_not_null(data, "%s was not written", path);
    const unsigned char *b = (const unsigned char *)data;
    cr_assert(len > 24 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8) && !memcmp(b + 12, "IHDR", 4),
              "%s is not a PNG", path);
    *w = (unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19];
    *h = (unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23];
    free(data);
}

static void run_ok(const char *dir, const char *tag, const char *const *args)
{
    cli_result r;
    cli_run(&r, dir, tag, args, NULL);
    cr_assert_eq(r.status, 0, "%s failed:\n%s", tag, r.err);
    cli_result_free(&r);
}

static void assert_png(const char *dir, const char *name, unsigned w, unsigned h)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    unsigned gw, gh;
    png_size(path, &gw, &gh);
    cr_assert(gw == w && gh == h, "%s is %u×%u, expected %u×%u", name, gw, gh, w, h);
}

static const float *ckpt(const ae_runfile *rf, const char *name, int64_t d0, int64_t d1)
{
    int ndim;
    int64_t s[AE_RUNFILE_MAX_DIMS];
    const float *t = ae_runfile_ckpt_tensor(rf, name, &ndim, s);
    cr_assert(t && s[0] == d0 && (ndim == 1 || s[1] == d1), "checkpoint tensor %s", name);
    return t;
}

Test(zoo_cli, vae_pictures_and_encode_means, .timeout = 300)
{
    if (!test_fashion_mnist_dir())
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    char tmp[4096], cfg[4096], text[8192], path[4400], run_dir[4400];
    test_tmpdir(tmp, sizeof tmp);
    test_srcpath(cfg, sizeof cfg, "configs/data/fashion-mnist.yaml");
    snprintf(text, sizeof text, vae_yaml, cfg);
    cli_write_file(tmp, "vae.yaml", text, path, sizeof path);
    run_ok(tmp, "run",
           CLI_ARGS("run", "vae.yaml", "--set", "data.train_limit=1000", "--set",
                    "data.val_limit=200", "--threads", "1", "--quiet", "--out", "out"));
    snprintf(path, sizeof path, "%s/out", tmp);
    cli_find_run_dir(path, "zoo-vae", run_dir, sizeof run_dir);

    /* generate: 12 draws in rows of 10 → 2 rows of 28×28 tiles with 1-pixel borders:
     * width 1 + 10·29 = 291, height 1 + 2·29 = 59; by default into the run directory */
    run_ok(tmp, "gen", CLI_ARGS("generate", run_dir, "--n", "12", "--seed", "5", "--output",
                                "gen.png"));
    assert_png(tmp, "gen.png", 291, 59);
    run_ok(tmp, "gen-default", CLI_ARGS("generate", run_dir));
    assert_png(run_dir, "generated.png", 291, 1 + 6 * 29); /* 60 draws: 6 rows of 10 */
    /* manifold: a 5×5 grid of decoded points → 1 + 5·29 = 146 square */
    run_ok(tmp, "manifold", CLI_ARGS("plot", "manifold", run_dir, "--grid", "5", "--range", "-3,3",
                                     "--output", "manifold.png"));
    assert_png(tmp, "manifold.png", 146, 146);
    /* latent: the scatter chart's fixed 800×700 canvas */
    run_ok(tmp, "latent", CLI_ARGS("plot", "latent", run_dir, "--limit", "300", "--output",
                                   "latent.png"));
    assert_png(tmp, "latent.png", 800, 700);
    /* the sequence chart is for sequence models */
    cli_result bad;
    cli_run(&bad, tmp, "seq", CLI_ARGS("plot", "sequences", run_dir, "--output", "s.png"), NULL);
    cr_assert_eq(bad.status, 1);
    cr_assert(strstr(bad.err, "needs a sequence model"), "%s", bad.err);
    cli_result_free(&bad);

    /* encode twice: identical codes, equal to z_mean = (relu(x·W_h + b_h))·W_μ + b_μ */
    char limit[16];
    snprintf(limit, sizeof limit, "%d", LIMIT);
    run_ok(tmp, "enc1", CLI_ARGS("encode", run_dir, "--limit", limit, "--output", "c1.h5"));
    run_ok(tmp, "enc2", CLI_ARGS("encode", run_dir, "--limit", limit, "--output", "c2.h5"));
    float *c[2];
    for (int k = 0; k < 2; k++) {
        int ndim;
        int64_t shape[4];
        ae_error err = {0};
        snprintf(path, sizeof path, "%s/c%d.h5", tmp, k + 1);
        cr_assert_eq(ae_h5_read_tensor_file(path, "codes", &ndim, shape, &c[k], &err), AE_OK, "%s",
                     err.msg);
        cr_assert(ndim == 2 && shape[0] == LIMIT && shape[1] == LAT);
    }
    cr_assert_eq(memcmp(c[0], c[1], (size_t)LIMIT * LAT * sizeof(float)), 0,
                 "two encodes of the same run differ");

    snprintf(path, sizeof path, "%s/run.h5", run_dir);
    ae_runfile *rf = cli_load_run(path);
    const float *wh = ckpt(rf, "params/h/W", IN, HID), *bh = ckpt(rf, "params/h/b", HID, 1);
    const float *wm = ckpt(rf, "params/z_mean/W", HID, LAT);
    const float *bm = ckpt(rf, "params/z_mean/b", LAT, 1);
    const float *wv = ckpt(rf, "params/z_log_var/W", HID, LAT),
                *bv = ckpt(rf, "params/z_log_var/b", LAT, 1);
    char img[4096];
    snprintf(img, sizeof img, "%s/t10k-images-idx3-ubyte.gz", test_fashion_mnist_dir());
    ae_dataset d;
    ae_error err = {0};
    cr_assert_eq(ae_idx_load(img, NULL, LIMIT, &d, &err), AE_OK, "%s", err.msg);
    double max_err = 0, min_sigma = INFINITY;
    for (int s = 0; s < LIMIT; s++) {
        double h[HID];
        for (int j = 0; j < HID; j++) {
            double a = bh[j];
            for (int i = 0; i < IN; i++)
                a += (double)d.x[s * IN + i] * wh[i * HID + j];
            h[j] = a > 0 ? a : 0;
        }
        for (int k = 0; k < LAT; k++) {
            double mu = bm[k], lv = bv[k];
            for (int j = 0; j < HID; j++) {
                mu += h[j] * wm[j * LAT + k];
                lv += h[j] * wv[j * LAT + k];
            }
            max_err = fmax(max_err, fabs(c[0][s * LAT + k] - mu));
            min_sigma = fmin(min_sigma, exp(0.5 * lv));
        }
    }
    /* a sample z = μ + σ·ε would be off by about σ, far more than float rounding */
    cr_assert(max_err < 1e-4, "codes differ from z_mean by up to %g (smallest σ %g)", max_err,
              min_sigma);
    cr_assert_gt(min_sigma, 100 * 1e-4, "σ too small for the check to tell means from samples");
    ae_dataset_free(&d);
    ae_runfile_free(rf);
    free(c[0]);
    free(c[1]);
    cli_rm_rf(tmp);
}

/* ---- aelab plot sequences ---- */

static const char sines_yaml[] =
    "name: zoo-sines\n"
    "seed: 2\n"
    "data: {dataset: sines, sines: {train: 100, test: 20, steps: 12, features: 2, noise: 0.1}}\n"
    "model:\n"
    "  input: [12, 2]\n"
    "  code: enc\n"
    "  layers:\n"
    "    - {name: enc, type: lstm, units: 4}\n"
    "    - {name: rep, type: repeat, steps: 12}\n"
    "    - {name: dec, type: lstm, units: 6, return_sequences: true}\n"
    "    - {name: out, type: dense, units: 2}\n"
    "loss: {reconstruction: mse}\n"
    "train: {optimizer: {type: adam, lr: 0.01}, batch_size: 20, epochs: 1}\n";

/* The chart of 3 test sequences (feature 1) against their reconstructions: a 1000×400 PNG,
 * an SVG on request, and the printed MSE equal to the one computed here from `aelab
 * reconstruct` and the test sequences regenerated from the experiment. */
Test(zoo_cli, plot_sequences_chart_and_mse, .timeout = 120)
{
    char tmp[4096], path[4400], run_dir[4400];
    test_tmpdir(tmp, sizeof tmp);
    cli_write_file(tmp, "sines.yaml", sines_yaml, path, sizeof path);
    run_ok(tmp, "run", CLI_ARGS("run", "sines.yaml", "--threads", "1", "--quiet", "--out", "out"));
    snprintf(path, sizeof path, "%s/out", tmp);
    cli_find_run_dir(path, "zoo-sines", run_dir, sizeof run_dir);

    cli_result r;
    cli_run(&r, tmp, "seq",
            CLI_ARGS("plot", "sequences", run_dir, "--n", "3", "--feature", "1", "--output",
                     "seq.png"),
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *mse_text = cli_line_after(r.out, "mse of the drawn values: ");
    cr_assert_not_null(mse_text, "no mse line in:\n%s", r.out);
    double printed = strtod(mse_text, NULL);
    free(mse_text);
    cli_result_free(&r);
    assert_png(tmp, "seq.png", 1000, 400);

    run_ok(tmp, "svg", CLI_ARGS("plot", "sequences", run_dir, "--output", "seq.svg"));
    snprintf(path, sizeof path, "%s/seq.svg", tmp);
    char *svg = cli_read_file(path, NULL);
    cr_assert(svg && strstr(svg, "<svg"), "seq.svg is not an SVG");
    free(svg);

    run_ok(tmp, "rec", CLI_ARGS("reconstruct", run_dir, "--limit", "3", "--output", "rec.h5"));
    snprintf(path, sizeof path, "%s/rec.h5", tmp);
    int ndim;
    int64_t shape[4];
    float *rec;
    ae_error err = {0};
    cr_assert_eq(ae_h5_read_tensor_file(path, "reconstructions", &ndim, shape, &rec, &err), AE_OK,
                 "%s", err.msg);
    cr_assert(ndim == 3 && shape[0] == 3 && shape[1] == 12 && shape[2] == 2);
    /* the test sequences, from the experiment as the run stored it */
    snprintf(path, sizeof path, "%s/sines.yaml", tmp);
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_doc *doc = NULL;
    ae_experiment exp;
    cr_assert_eq(ae_cfg_load(path, &doc, &d), 0);
    cr_assert_eq(ae_experiment_read(doc, &exp, &d), AE_OK);
    ae_dataset test;
    cr_assert_eq(ae_experiment_split(&exp, "test", 3, &test, &err), AE_OK, "%s", err.msg);
    double sq = 0;
    for (int s = 0; s < 3; s++)
        for (int t = 0; t < 12; t++) {
            double e = (double)rec[(s * 12 + t) * 2 + 1] - test.x[(s * 12 + t) * 2 + 1];
            sq += e * e;
        }
    cr_assert(fabs(printed - sq / 36) < 2e-6, "printed mse %.7f, from the reconstructions %.7f",
              printed, sq / 36);
    cr_assert_gt(printed, 1e-4, "a zero mse would make the comparison empty");
    ae_dataset_free(&test);
    ae_experiment_free(&exp);
    ae_cfg_free(doc);
    ae_diags_free(&d);
    free(rec);

    /* a feature the sequences do not have, and a model that is not a sequence model */
    cli_run(&r, tmp, "bad-feature",
            CLI_ARGS("plot", "sequences", run_dir, "--feature", "2", "--output", "x.png"), NULL);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "2 features"), "%s", r.err);
    cli_result_free(&r);
    cli_run(&r, tmp, "gen", CLI_ARGS("generate", run_dir, "--output", "g.png"), NULL);
    cr_assert_eq(r.status, 1);
    cr_assert(strstr(r.err, "not a sampling layer"), "%s", r.err);
    cli_result_free(&r);
    cli_rm_rf(tmp);
}

/* `aelab encode`, `aelab reconstruct` and `aelab plot recon` on a finished
 * run: the files they write, checked against the model recomputed here from
 * the checkpoint's parameters and the dataset. */
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

enum { IN = 784, CODE = 32 };

/* A finished one-epoch run of the dense experiment under tmp/out. */
static void finished_run(char *tmp, size_t size, char *run_dir, size_t dsize)
{
    if (!test_fashion_mnist_dir())
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    test_tmpdir(tmp, size);
    char dense[4096], text[4300], path[4400];
    test_srcpath(dense, sizeof dense, "experiments/keras-blog/dense.yaml");
    snprintf(text, sizeof text, "include: %s\nname: cli-run\n", dense);
    cli_write_file(tmp, "x.yaml", text, path, sizeof path);
    cli_result r;
    cli_run(&r, tmp, "run",
            CLI_ARGS("run", "x.yaml", CLI_FAST_SETS, "--set", "train.epochs=1", "--out", "out"),
            NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    cli_result_free(&r);
    snprintf(path, sizeof path, "%s/out", tmp);
    cli_find_run_dir(path, "cli-run", run_dir, dsize);
}

static const float *param(const ae_runfile *rf, const char *name, int64_t d0, int64_t d1)
{
    int ndim;
    int64_t s[AE_RUNFILE_MAX_DIMS];
    const float *t = ae_runfile_ckpt_tensor(rf, name, &ndim, s);
    cr_assert(t && s[0] == d0 && s[1] == d1, "checkpoint tensor %s", name);
    return t;
}

/* The first n images of a Fashion-MNIST split, straight from Debian's files. */
static void load_split(const char *split, size_t n, ae_dataset *d)
{
    char img[4096], lab[4096];
    const char *base = !strcmp(split, "train") ? "train" : "t10k";
    snprintf(img, sizeof img, "%s/%s-images-idx3-ubyte.gz", test_fashion_mnist_dir(), base);
    snprintf(lab, sizeof lab, "%s/%s-labels-idx1-ubyte.gz", test_fashion_mnist_dir(), base);
    ae_error err = {0};
    cr_assert_eq(ae_idx_load(img, lab, n, d, &err), AE_OK, "%s", err.msg);
    cr_assert_eq(d->n, n);
}

/* code = relu(x·W1 + b1); out = sigmoid(code·W2 + b2), in double. */
static void forward(const ae_runfile *rf, const float *x, double code[CODE], double out[IN])
{
    const float *w1 = param(rf, "params/code/W", IN, CODE), *b1 = param(rf, "params/code/b", CODE, 1);
    const float *w2 = param(rf, "params/out/W", CODE, IN), *b2 = param(rf, "params/out/b", IN, 1);
    for (int j = 0; j < CODE; j++) {
        double s = b1[j];
        for (int i = 0; i < IN; i++)
            s += (double)x[i] * w1[i * CODE + j];
        code[j] = s > 0 ? s : 0;
    }
    for (int k = 0; k < IN; k++) {
        double s = b2[k];
        for (int j = 0; j < CODE; j++)
            s += code[j] * w2[j * IN + k];
        out[k] = 1 / (1 + exp(-s));
    }
}

/* Reads dataset `name` of an output file: shape [n, width], labels of the split. */
static float *read_output(const char *path, const char *name, size_t n, int64_t width,
                          const ae_dataset *d)
{
    int ndim;
    int64_t shape[4];
    float *data = NULL;
    ae_error err = {0};
    cr_assert_eq(ae_h5_read_tensor_file(path, name, &ndim, shape, &data, &err), AE_OK, "%s",
                 err.msg);
    cr_assert_eq(ndim, 2, "%s: %d dimensions", path, ndim);
    cr_assert(shape[0] == (int64_t)n && shape[1] == width, "%s: shape [%lld, %lld], expected "
              "[%zu, %lld]", path, (long long)shape[0], (long long)shape[1], n, (long long)width);
    int64_t nl;
    int32_t *labels = NULL;
    cr_assert_eq(ae_h5_read_labels_file(path, &nl, &labels, &err), AE_OK, "%s", err.msg);
    cr_assert_eq(nl, (int64_t)n);
    for (size_t i = 0; i < n && d; i++)
        cr_assert_eq(labels[i], d->labels[i], "label %zu", i);
    free(labels);
    return data;
}

static void assert_close(double got, double want, const char *what, size_t i, size_t j)
{
    cr_assert(fabs(got - want) <= 1e-4 + 1e-4 * fabs(want), "%s[%zu][%zu]: %.7g, expected %.7g",
              what, i, j, got, want);
}

Test(cli_tools, encode_and_reconstruct_match_the_checkpoint, .timeout = 600)
{
    char tmp[4096], run_dir[4400], path[4600];
    finished_run(tmp, sizeof tmp, run_dir, sizeof run_dir);
    snprintf(path, sizeof path, "%s/run.h5", run_dir);
    ae_runfile *rf = cli_load_run(path);

    /* encode: the test split by default, --limit respected. */
    cli_result r;
    cli_run(&r, tmp, "encode", CLI_ARGS("encode", run_dir, "--limit", "50"), NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    char *codes_path = cli_line_after(r.out, "codes: ");
    snprintf(path, sizeof path, "%s/codes-test.h5", run_dir);
    cr_assert(codes_path && !strcmp(codes_path, path), "stdout:\n%s", r.out);
    cr_assert_not_null(strstr(r.out, "mean code activation: "), "stdout:\n%s", r.out);
    ae_dataset test;
    load_split("test", 50, &test);
    float *codes = read_output(codes_path, "codes", 50, CODE, &test);
    double code[CODE], out[IN], mean = 0;
    for (size_t i = 0; i < 50; i++) {
        forward(rf, test.x + i * IN, code, out);
        for (size_t j = 0; j < CODE; j++) {
            cr_assert_geq(codes[i * CODE + j], 0.0f, "relu codes are never negative");
            assert_close(codes[i * CODE + j], code[j], "code", i, j);
            mean += codes[i * CODE + j];
        }
    }
    char stat[64];
    snprintf(stat, sizeof stat, "mean code activation: %.6f", mean / (50 * CODE));
    cr_assert_not_null(strstr(r.out, stat), "no '%s' in:\n%s", stat, r.out);
    free(codes);
    free(codes_path);
    cli_result_free(&r);

    /* reconstruct: the train split into a file of our choosing. */
    snprintf(path, sizeof path, "%s/recon-train.h5", tmp);
    cli_run(&r, tmp, "reconstruct",
            CLI_ARGS("reconstruct", run_dir, "--split", "train", "--limit", "20", "--output", path),
            NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    char *rec_path = cli_line_after(r.out, "reconstructions: ");
    cr_assert(rec_path && !strcmp(rec_path, path), "stdout:\n%s", r.out);
    free(rec_path);
    ae_dataset train;
    load_split("train", 20, &train);
    float *rec = read_output(path, "reconstructions", 20, IN, &train);
    double sq = 0;
    for (size_t i = 0; i < 20; i++) {
        forward(rf, train.x + i * IN, code, out);
        for (size_t k = 0; k < IN; k++) {
            float v = rec[i * IN + k];
            cr_assert(v >= 0 && v <= 1, "reconstruction[%zu][%zu] = %g outside [0, 1]", i, k, v);
            assert_close(v, out[k], "reconstruction", i, k);
            sq += (out[k] - train.x[i * IN + k]) * (out[k] - train.x[i * IN + k]);
        }
    }
    /* The error it reports is the mean squared error to these images. */
    char *mse_line = cli_line_after(r.out, "reconstruction mse: ");
    cr_assert_not_null(mse_line, "stdout:\n%s", r.out);
    double mse = strtod(mse_line, NULL);
    cr_assert(fabs(mse - sq / (20.0 * IN)) < 5e-6, "reported mse %s, computed %.7f", mse_line,
              sq / (20.0 * IN));
    cr_assert_not_null(strstr(mse_line, " over 20 samples"), "%s", mse_line);
    free(mse_line);
    free(rec);
    cli_result_free(&r);

    /* Corrupted inputs: one fixed draw per --seed, scored against the clean images. */
    const char *clean_args[] = {"reconstruct", run_dir, "--limit", "50", "--output", "clean.h5",
                                NULL};
    const char *noisy_args[][11] = {
        {"reconstruct", run_dir, "--limit", "50", "--noise", "0.5", "--clip", "--seed", "3",
         "--output", "n3a.h5"},
        {"reconstruct", run_dir, "--limit", "50", "--noise", "0.5", "--clip", "--seed", "3",
         "--output", "n3b.h5"},
        {"reconstruct", run_dir, "--limit", "50", "--noise", "0.5", "--clip", "--seed", "4",
         "--output", "n4.h5"},
    };
    double mses[4];
    float *recs[4];
    for (int k = 0; k < 4; k++) {
        const char *argv[12] = {0};
        memcpy(argv, k ? (const char **)noisy_args[k - 1] : clean_args,
               (k ? 11 : 6) * sizeof *argv);
        cli_run(&r, tmp, "noise", argv, NULL);
        cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
        char *line = cli_line_after(r.out, "reconstruction mse: ");
        cr_assert_not_null(line, "stdout:\n%s", r.out);
        mses[k] = strtod(line, NULL);
        if (k)
            cr_assert_not_null(strstr(line, "(inputs x + 0.5·N(0, 1) clipped to [0, 1], seed "),
                               "%s", line);
        free(line);
        snprintf(path, sizeof path, "%s/%s", tmp, argv[k ? 10 : 5]);
        recs[k] = read_output(path, "reconstructions", 50, IN, NULL);
        cli_result_free(&r);
    }
    cr_assert_eq(memcmp(recs[1], recs[2], 50 * IN * sizeof(float)), 0, "same seed, other noise");
    cr_assert_neq(memcmp(recs[1], recs[3], 50 * IN * sizeof(float)), 0, "seeds 3 and 4 agree");
    cr_assert_neq(memcmp(recs[0], recs[1], 50 * IN * sizeof(float)), 0, "--noise had no effect");
    cr_assert_eq(mses[1], mses[2]);
    /* Each reported error is to the clean images (the first 50 of the test split). */
    for (int k = 0; k < 4; k++) {
        double err2 = 0;
        for (size_t i = 0; i < 50 * IN; i++)
            err2 += ((double)recs[k][i] - test.x[i]) * ((double)recs[k][i] - test.x[i]);
        cr_assert(fabs(mses[k] - err2 / (50.0 * IN)) < 5e-6, "run %d: reported mse %.6f, "
                  "computed %.7f", k, mses[k], err2 / (50.0 * IN));
    }
    for (int k = 0; k < 4; k++)
        free(recs[k]);

    /* Without --limit: the whole split. */
    cli_run(&r, tmp, "encode-all", CLI_ARGS("encode", run_dir), NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    snprintf(path, sizeof path, "%s/codes-test.h5", run_dir);
    free(read_output(path, "codes", 10000, CODE, NULL));
    cli_result_free(&r);

    ae_dataset_free(&test);
    ae_dataset_free(&train);
    ae_runfile_free(rf);
    cli_rm_rf(tmp);
}

static uint32_t png_width(const char *path)
{
    size_t len;
    unsigned char *b = (unsigned char *)cli_read_file(path, &len);
    cr_assert_not_null(b, "cannot read %s", path);
    cr_assert(len > 24 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8), "%s is not a PNG", path);
    uint32_t w = (uint32_t)b[16] << 24 | (uint32_t)b[17] << 16 | (uint32_t)b[18] << 8 | b[19];
    free(b);
    return w;
}

Test(cli_tools, plot_recon_writes_a_png_as_wide_as_asked)
{
    char tmp[4096], run_dir[4400], path[4600], p5[4600];
    finished_run(tmp, sizeof tmp, run_dir, sizeof run_dir);
    snprintf(path, sizeof path, "%s/recon.png", run_dir);
    cr_assert_eq(remove(path), 0, "run did not write %s", path);

    cli_result r;
    cli_run(&r, tmp, "plot10", CLI_ARGS("plot", "recon", run_dir), NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    char expect[4700];
    snprintf(expect, sizeof expect, "%s\n", path);
    cr_assert_str_eq(r.out, expect);
    uint32_t w10 = png_width(path);
    cli_result_free(&r);

    snprintf(p5, sizeof p5, "%s/five.png", tmp);
    cli_run(&r, tmp, "plot5", CLI_ARGS("plot", "recon", run_dir, "--n", "5", "--output", p5), NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    uint32_t w5 = png_width(p5);
    cr_assert(w5 >= 5 * 28 && w10 >= 10 * 28 && w5 < w10, "widths: 5 images %u, 10 images %u", w5,
              w10);
    cli_result_free(&r);
    cli_rm_rf(tmp);
}

/* A run directory that does not exist: exit 1, and the message names it. */
Test(cli_tools, missing_run_directory_is_named)
{
    char tmp[4096];
    test_tmpdir(tmp, sizeof tmp);
    const char *const *cmds[] = {
        CLI_ARGS("encode", "results/nope/20990101-000000-deadbeef"),
        CLI_ARGS("reconstruct", "results/nope/20990101-000000-deadbeef", "--limit", "3"),
        CLI_ARGS("plot", "recon", "results/nope/20990101-000000-deadbeef"),
        CLI_ARGS("resume", "results/nope/20990101-000000-deadbeef"),
    };
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        cli_result r;
        cli_run(&r, tmp, "missing", cmds[i], NULL);
        cr_assert_eq(r.status, 1, "%s: exit %d, stderr:\n%s", cmds[i][0], r.status, r.err);
        cr_assert_not_null(strstr(r.err, "results/nope/20990101-000000-deadbeef"),
                           "%s: the message does not name the run:\n%s", cmds[i][0], r.err);
        cr_assert_str_empty(r.out);
        cli_result_free(&r);
    }
    char results[4200];
    snprintf(results, sizeof results, "%s/results", tmp);
    cr_assert(cli_absent_or_empty(results), "%s was created", results);
    cli_rm_rf(tmp);
}

/* A run that diverged in its first epoch has no checkpoint: its parameters
 * are lost, so encode, reconstruct and plot must refuse (exit 1, saying why)
 * rather than write the outputs of the untrained initial model. */
Test(cli_tools, a_run_without_a_checkpoint_is_refused)
{
    if (!test_fashion_mnist_dir())
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    char tmp[4096], dense[4096], text[4600], path[4600], run_dir[4400];
    test_tmpdir(tmp, sizeof tmp);
    test_srcpath(dense, sizeof dense, "experiments/keras-blog/dense.yaml");
    snprintf(text, sizeof text,
             "include: %s\nname: cli-run\n"
             "model:\n  layers:\n"
             "    - {name: code, type: dense, units: 32, activation: linear}\n"
             "    - {name: out, type: dense, units: 784, activation: linear}\n"
             "loss: {reconstruction: mse, reduction: sum}\n",
             dense);
    cli_write_file(tmp, "x.yaml", text, path, sizeof path);
    cli_result r;
    cli_run(&r, tmp, "run",
            CLI_ARGS("run", "x.yaml", CLI_FAST_SETS, "--set", "train.epochs=1", "--set",
                     "train.optimizer={type: sgd, lr: 100}", "--out", "out"),
            NULL);
    cr_assert_eq(r.status, 1, "the run was meant to diverge: exit %d\n%s", r.status, r.err);
    cli_result_free(&r);
    snprintf(path, sizeof path, "%s/out", tmp);
    cli_find_run_dir(path, "cli-run", run_dir, sizeof run_dir);
    snprintf(path, sizeof path, "%s/run.h5", run_dir);
    ae_runfile *rf = cli_load_run(path);
    cr_assert_eq(ae_runfile_ckpt_count(rf), 0, "the run was meant to stop before a checkpoint");
    ae_runfile_free(rf);

    const char *const *cmds[] = {
        CLI_ARGS("encode", run_dir, "--limit", "5"),
        CLI_ARGS("reconstruct", run_dir, "--limit", "5"),
        CLI_ARGS("plot", "recon", run_dir),
    };
    const char *outputs[] = {"codes-test.h5", "reconstructions-test.h5", "recon.png"};
    for (size_t i = 0; i < 3; i++) {
        cli_run(&r, tmp, "tool", cmds[i], NULL);
        cr_assert_eq(r.status, 1, "%s on a run without a checkpoint: exit %d, stdout:\n%s",
                     cmds[i][0], r.status, r.out);
        cr_assert_not_null(strstr(r.err, "checkpoint"), "%s: stderr does not say why:\n%s",
                           cmds[i][0], r.err);
        snprintf(path, sizeof path, "%s/%s", run_dir, outputs[i]);
        cr_assert_null(cli_read_file(path, NULL), "%s wrote %s", cmds[i][0], path);
        cli_result_free(&r);
    }
    cli_rm_rf(tmp);
}

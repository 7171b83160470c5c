/* The statistics the regularized family is measured by, through the real binary:
 *   aelab reconstruct RUN prints the MSE of its reconstructions to the clean images, and
 *   --noise STD [--clip] / --drop RATE corrupt the inputs first with one fixed draw per
 *   --seed (the same images for a denoiser and its baseline);
 *   aelab encode RUN prints the mean code activation and the spread of the units' means. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "data/data.h"
#include "helpers.h"

/* Runs `reconstruct` with the extra arguments; returns the printed MSE and checks it
 * against the reconstructions it wrote to dir/<tag>.h5 and the clean test images. */
static double reconstruct(const char *dir, const char *run, const char *tag,
                          const char *const *extra, const ae_dataset *clean, ae_dataset *recon)
{
    char out[4200];
    snprintf(out, sizeof out, "%s/%s.h5", dir, tag);
    const char *args[16] = {"reconstruct", run, "--limit", "200", "--output", out};
    int n = 6;
    for (size_t i = 0; extra[i] && n < 15; i++)
        args[n++] = extra[i];
    args[n] = NULL;
    cli_result r;
    cli_run(&r, dir, tag, args, NULL);
    cr_assert_eq(r.status, 0, "reconstruct: %s", r.err);
    char *line = cli_line_after(r.out, "reconstruction mse: ");
    cr_assert_not_null(line, "no MSE in: %s", r.out);
    double printed = strtod(line, NULL);
    free(line);
    cli_result_free(&r);
    ae_error err = {0};
    cr_assert_eq(ae_h5seq_load(out, "reconstructions", 0, recon, &err), AE_OK, "%s", err.msg);
    cr_assert_eq(recon->n, 200);
    double sum = 0;
    for (size_t i = 0; i < 200 * 784; i++)
        sum += pow((double)recon->x[i] - clean->x[i], 2);
    cr_assert(fabs(printed - sum / (200 * 784)) < 1e-5 + 1e-4 * printed,
              "printed MSE %g, the file's %g", printed, sum / (200 * 784));
    return printed;
}

Test(reg_cli, reconstruct_and_encode_statistics)
{
    if (!test_fashion_mnist_dir())
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    char dir[4096], path[4096], run[4096];
    test_tmpdir(dir, sizeof dir);
    test_srcpath(path, sizeof path, "experiments/keras-blog/denoise-dense.yaml");
    cli_result r;
    cli_run(&r, dir, "run",
            CLI_ARGS("run", path, "--set", "data.train_limit=500", "--set", "data.val_limit=100",
                     "--set", "train.epochs=2", "--out", dir, "--quiet", "--threads", "1"),
            NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    cli_result_free(&r);
    cli_find_run_dir(dir, "keras-blog-denoise-dense", run, sizeof run);
    ae_dataset clean, plain, noisy, again, other, dropped;
    ae_error err = {0};
    cr_assert_eq(ae_data_load_named("fashion-mnist", "test", 200, &clean, &err), AE_OK, "%s",
                 err.msg);
    double m0 = reconstruct(dir, run, "plain", (const char *const[]){NULL}, &clean, &plain);
    double m1 = reconstruct(dir, run, "noisy", CLI_ARGS("--noise", "0.5", "--clip"), &clean,
                            &noisy);
    reconstruct(dir, run, "again", CLI_ARGS("--noise", "0.5", "--clip"), &clean, &again);
    reconstruct(dir, run, "other", CLI_ARGS("--noise", "0.5", "--clip", "--seed", "2"), &clean,
                &other);
    reconstruct(dir, run, "dropped", CLI_ARGS("--drop", "0.3"), &clean, &dropped);
    size_t n = 200 * 784;
    cr_assert(m1 != m0, "--noise left the MSE at %g", m0);
    cr_assert(!memcmp(noisy.x, again.x, n * sizeof(float)), "the same seed, another draw");
    cr_assert(memcmp(noisy.x, other.x, n * sizeof(float)), "--seed 2 drew the same noise");
    cr_assert(memcmp(noisy.x, plain.x, n * sizeof(float)), "--noise changed nothing");
    cr_assert(memcmp(dropped.x, plain.x, n * sizeof(float)), "--drop changed nothing");
    ae_dataset_free(&clean);
    ae_dataset_free(&plain);
    ae_dataset_free(&noisy);
    ae_dataset_free(&again);
    ae_dataset_free(&other);
    ae_dataset_free(&dropped);

    /* usage errors: exit 2, nothing else */
    const char *const *bad[] = {
        CLI_ARGS("reconstruct", run, "--clip"),
        CLI_ARGS("reconstruct", run, "--noise", "0.5", "--drop", "0.3"),
        CLI_ARGS("reconstruct", run, "--noise", "-1"),
        CLI_ARGS("reconstruct", run, "--drop", "1.5"),
        CLI_ARGS("reconstruct", run, "--seed", "x"),
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cli_run(&r, dir, "bad", bad[i], NULL);
        cr_assert_eq(r.status, 2, "case %zu: status %d, %s", i, r.status, r.err);
        cli_result_free(&r);
    }

    cli_run(&r, dir, "encode", CLI_ARGS("encode", run, "--limit", "200"), NULL);
    cr_assert_eq(r.status, 0, "%s", r.err);
    char *mean = cli_line_after(r.out, "mean code activation: ");
    char *units = cli_line_after(r.out, "unit means: min ");
    cr_assert(mean && units, "%s", r.out);
    double lo, med, hi, avg = strtod(mean, NULL);
    size_t quiet, width;
    cr_assert_eq(sscanf(units, "%lf, median %lf, max %lf; %zu of %zu units", &lo, &med, &hi,
                        &quiet, &width),
                 5, "%s", units);
    cr_assert_eq(width, 32);
    cr_assert(lo <= med && med <= hi && lo <= avg && avg <= hi, "%s / %s", mean, units);
    free(mean);
    free(units);
    cli_result_free(&r);
    cli_rm_rf(dir);
}

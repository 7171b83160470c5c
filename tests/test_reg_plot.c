/* The pictures of the regularized family, through the real binary:
 *   aelab plot features: tile t of a layer reading the image is column t of its kernel,
 *   of the output layer row t, each normalised on its own; a tied output layer draws
 *   exactly its partner's features;
 *   aelab plot recon: three rows (noisy input, reconstruction, clean) for a model with a
 *   noise layer, two for the same model with the noise switched off. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_util.h"
#include "helpers.h"
#include "test_viz.h"

enum { SCALE = 2, PAD = 1, SIDE = 28 };

/* Trains file for one tiny epoch; the run directory into run. */
static void tiny_run(const char *dir, const char *file, const char *name, const char *extra,
                     char *run, size_t size)
{
    char path[4096];
    test_srcpath(path, sizeof path, file);
    cli_result r;
    cli_run(&r, dir, name,
            CLI_ARGS("run", path, "--set", "data.train_limit=300", "--set", "data.val_limit=100",
                     "--set", "train.epochs=1", "--set", extra ? extra : "seed=1", "--out", dir,
                     "--quiet", "--threads", "1"),
            NULL);
    cr_assert_eq(r.status, 0, "aelab run %s: %s", file, r.err);
    cli_result_free(&r);
    cli_find_run_dir(dir, name, run, size);
}

static test_png plot(const char *dir, const char *const *args, const char *png)
{
    cli_result r;
    cli_run(&r, dir, "plot", args, NULL);
    cr_assert_eq(r.status, 0, "aelab plot: %s", r.err);
    cr_assert(strstr(r.out, png), "plot printed '%s', not the path %s", r.out, png);
    cli_result_free(&r);
    return test_png_read(png);
}

/* Every tile's pixels against the kernel entries it should show: kernel k has `cols`
 * columns; tile t is column t (columns) or row t, normalised to 0..255 on its own. */
static void check_tiles(const test_png *p, const float *k, int cols, int n, bool columns)
{
    for (int t = 0; t < n; t++) {
        float mn = INFINITY, mx = -INFINITY;
        for (int q = 0; q < SIDE * SIDE; q++) {
            float v = columns ? k[q * cols + t] : k[t * cols + q];
            mn = fminf(mn, v);
            mx = fmaxf(mx, v);
        }
        int x0 = PAD + (t % 10) * (SIDE * SCALE + PAD), y0 = PAD + (t / 10) * (SIDE * SCALE + PAD);
        for (int q = 0; q < SIDE * SIDE; q++) {
            float v = columns ? k[q * cols + t] : k[t * cols + q];
            double want = 255.0 * (v - mn) / (mx - mn);
            const uint8_t *px = test_png_at(p, x0 + (q % SIDE) * SCALE, y0 + (q / SIDE) * SCALE);
            cr_assert(fabs(px[0] - want) <= 1.0, "tile %d pixel %d: %d, want %.1f", t, q, px[0],
                      want);
        }
    }
}

Test(reg_plot, features_are_kernel_columns_and_rows)
{
    if (!test_fashion_mnist_dir())
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    char dir[4096], run[4096], h5[4200], png[4200], png2[4200];
    test_tmpdir(dir, sizeof dir);
    tiny_run(dir, "experiments/handson/stacked-elu-l2.yaml", "handson-stacked-elu-l2", NULL, run,
             sizeof run);
    snprintf(h5, sizeof h5, "%s/run.h5", run);
    ae_runfile *rf = cli_load_run(h5);
    int ndim;
    int64_t s1[4], s2[4];
    const float *w1 = ae_runfile_ckpt_tensor(rf, "params/hidden1/W", &ndim, s1);
    const float *w4 = ae_runfile_ckpt_tensor(rf, "params/out/W", &ndim, s2);
    cr_assert(w1 && w4 && s1[0] == 784 && s1[1] == 300 && s2[0] == 300 && s2[1] == 784);

    snprintf(png, sizeof png, "%s/f1.png", dir);
    test_png p = plot(dir, CLI_ARGS("plot", "features", run, "--layer", "hidden1", "--n", "12",
                                    "--output", png), png);
    /* 12 tiles in rows of 10 */
    cr_assert_eq(p.w, PAD + 10 * (SIDE * SCALE + PAD));
    cr_assert_eq(p.h, PAD + 2 * (SIDE * SCALE + PAD));
    check_tiles(&p, w1, 300, 12, true);
    free(p.rgb);

    snprintf(png2, sizeof png2, "%s/f4.png", dir);
    p = plot(dir, CLI_ARGS("plot", "features", run, "--layer", "out", "--n", "3", "--output", png2),
             png2);
    cr_assert_eq(p.w, PAD + 3 * (SIDE * SCALE + PAD));
    check_tiles(&p, w4, 784, 3, false);
    free(p.rgb);
    ae_runfile_free(rf);

    /* a layer whose sides are not the image, and an unknown layer: usage errors */
    cli_result r;
    cli_run(&r, dir, "bad", CLI_ARGS("plot", "features", run, "--layer", "hidden2"), NULL);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "hidden2"), "%s", r.err);
    cli_result_free(&r);
    cli_run(&r, dir, "bad2", CLI_ARGS("plot", "features", run, "--layer", "hiden1"), NULL);
    cr_assert_eq(r.status, 2);
    cr_assert(strstr(r.err, "hidden1"), "the message should list the layers: %s", r.err);
    cli_result_free(&r);
    cli_rm_rf(dir);
}

Test(reg_plot, tied_output_layer_draws_its_partner)
{
    if (!test_fashion_mnist_dir())
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    char dir[4096], run[4096], a[4200], b[4200];
    test_tmpdir(dir, sizeof dir);
    tiny_run(dir, "experiments/handson/tied.yaml", "handson-tied", NULL, run, sizeof run);
    snprintf(a, sizeof a, "%s/h1.png", dir);
    snprintf(b, sizeof b, "%s/out.png", dir);
    test_png p1 = plot(dir, CLI_ARGS("plot", "features", run, "--layer", "hidden1", "--output", a),
                       a);
    test_png p2 = plot(dir, CLI_ARGS("plot", "features", run, "--layer", "out", "--output", b), b);
    cr_assert_eq(p1.w, p2.w);
    cr_assert_eq(p1.h, p2.h);
    cr_assert_eq(p1.h, PAD + 2 * (SIDE * SCALE + PAD), "20 tiles by default");
    cr_assert(!memcmp(p1.rgb, p2.rgb, (size_t)p1.w * p1.h * 3),
              "out (tied to hidden1) should draw hidden1's kernel columns");
    free(p1.rgb);
    free(p2.rgb);
    cli_rm_rf(dir);
}

/* Rows of plot recon: the grid's height is PAD + rows·(28·2 + PAD) with pad 2. */
static int recon_rows(const test_png *p)
{
    return (p->h - 2) / (SIDE * 2 + 2);
}

Test(reg_plot, recon_shows_noisy_reconstruction_clean)
{
    if (!test_fashion_mnist_dir())
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    char dir[4096], noisy_run[4096], plain_run[4096], a[4200], b[4200];
    test_tmpdir(dir, sizeof dir);
    tiny_run(dir, "experiments/keras-blog/denoise-dense.yaml", "keras-blog-denoise-dense", NULL,
             noisy_run, sizeof noisy_run);
    char plain_dir[4200];
    snprintf(plain_dir, sizeof plain_dir, "%s/plain", dir);
    cr_assert_eq(mkdir(plain_dir, 0700), 0);
    tiny_run(plain_dir, "experiments/keras-blog/denoise-dense.yaml", "keras-blog-denoise-dense",
             "model.layers.0.std=0", plain_run, sizeof plain_run);
    snprintf(a, sizeof a, "%s/noisy.png", dir);
    snprintf(b, sizeof b, "%s/plain.png", dir);
    test_png p3 = plot(dir, CLI_ARGS("plot", "recon", noisy_run, "--n", "4", "--output", a), a);
    test_png p2 = plot(dir, CLI_ARGS("plot", "recon", plain_run, "--n", "4", "--output", b), b);
    cr_assert_eq(recon_rows(&p3), 3);
    cr_assert_eq(recon_rows(&p2), 2);
    cr_assert_eq(p3.h, 2 + 3 * (SIDE * 2 + 2));
    /* the images are right-aligned after the label margin: compare the last tile's top row
     * (noisy) with its bottom row (clean), which must differ, and the clean row with the
     * plain picture's input row, which must match */
    int x0 = p3.w - (SIDE * 2 + 2), y_noisy = 2, y_clean = 2 + 2 * (SIDE * 2 + 2);
    size_t differ = 0, same = 0;
    for (int y = 0; y < SIDE * 2; y++)
        for (int x = 0; x < SIDE * 2; x++) {
            const uint8_t *n = test_png_at(&p3, x0 + x, y_noisy + y);
            const uint8_t *c = test_png_at(&p3, x0 + x, y_clean + y);
            const uint8_t *in = test_png_at(&p2, p2.w - (SIDE * 2 + 2) + x, 2 + y);
            differ += n[0] != c[0];
            same += c[0] == in[0];
        }
    cr_assert(differ > SIDE * SIDE, "the noisy row looks like the clean one (%zu pixels differ)",
              differ);
    cr_assert_eq(same, (size_t)(SIDE * 2 * SIDE * 2), "the clean row is not the input image");
    free(p3.rgb);
    free(p2.rgb);
    cli_rm_rf(dir);
}

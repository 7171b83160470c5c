/* The Keras blog's convolutional autoencoder learns from real data in one epoch. */
#include <criterion/criterion.h>
#include <stdio.h>

#include "cli_util.h"
#include "helpers.h"

/* One epoch of experiments/keras-blog/conv.yaml as written (but on the first 3,000
 * training images, batch 32: 94 Adam steps) must beat the best input-independent
 * predictor by a third of its gap to the entropy floor, on the first 1,000 test images:
 *   floor < val BCE < C − (C − floor)/3,
 * the same derivation as cli_run's dense test (tests/cli_util.h). Measured ≈ 0.36
 * against a bound ≈ 0.41. */
Test(conv_real, one_epoch_of_the_keras_conv_model_learns)
{
    if (!test_fashion_mnist_dir())
        cr_skip_test("Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)");
    double floor, c;
    cli_fashion_bce_bounds(3000, 1000, &floor, &c);
    double bound = c - (c - floor) / 3;
    char tmp[4096], exp_path[4096], root[4200], run_dir[4400], path[4600];
    test_tmpdir(tmp, sizeof tmp);
    test_srcpath(exp_path, sizeof exp_path, "experiments/keras-blog/conv.yaml");
    snprintf(root, sizeof root, "%s/out", tmp);
    cli_result r;
    cli_run(&r, tmp, "conv",
            CLI_ARGS("run", exp_path, "--set", "data.train_limit=3000", "--set",
                     "data.val_limit=1000", "--set", "train.batch_size=32", "--set",
                     "train.epochs=1", "--threads", "1", "--out", root),
            NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    cli_find_run_dir(root, "keras-blog-conv", run_dir, sizeof run_dir);
    snprintf(path, sizeof path, "%s/run.h5", run_dir);
    ae_runfile *rf = cli_load_run(path);
    size_t n;
    const double *vl = ae_runfile_metric(rf, "main", "val/loss", &n);
    cr_assert(vl && n == 1);
    cr_assert_gt(vl[0], floor, "val BCE %.4f below the entropy floor %.4f", vl[0], floor);
    cr_assert_lt(vl[0], bound,
                 "val BCE %.4f does not beat the mean image (%.4f) by a third of its gap to the "
                 "floor %.4f (bound %.4f)",
                 vl[0], c, floor, bound);
    ae_runfile_free(rf);
    cli_result_free(&r);
}

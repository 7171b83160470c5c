/* Named datasets: cache resolution order and the error when nothing is there.
 * Criterion runs each test in its own process, so setenv stays local. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/data.h"
#include "helpers.h"
#include "test_data_fixtures.h"

static char root[PATH_MAX], env_dir[PATH_MAX], xdg_dir[PATH_MAX], home_dir[PATH_MAX];

/* Empty candidate directories, so the user's real cache never interferes. */
static void setup(void)
{
    test_tmpdir(root, sizeof root);
    fx_path(env_dir, sizeof env_dir, root, "env");
    fx_path(xdg_dir, sizeof xdg_dir, root, "xdg");
    fx_path(home_dir, sizeof home_dir, root, "home");
    fx_mkdirs(env_dir);
    fx_mkdirs(xdg_dir);
    fx_mkdirs(home_dir);
    setenv("AELAB_DATA_DIR", env_dir, 1);
    setenv("XDG_CACHE_HOME", xdg_dir, 1);
    setenv("HOME", home_dir, 1);
}

static void teardown(void)
{
    fx_rmtree(root);
}

TestSuite(data_named, .init = setup, .fini = teardown);

/* Writes an MNIST-style split with n samples into base/name/. */
static void put_idx(const char *base, const char *name, const char *split, uint32_t n, int gz)
{
    char d[PATH_MAX], img[4096], lab[4096];
    snprintf(d, sizeof d, "%s/%s", base, name);
    fx_mkdirs(d);
    int train = strcmp(split, "train") == 0;
    fx_write_idx_pair(d, train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte",
                      train ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte", n, 28, 28,
                      gz, img, lab);
}

static size_t load_n(const char *name, const char *split)
{
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_data_load_named(name, split, 0, &d, &e), AE_OK, "%s", e.msg);
    size_t n = d.n;
    cr_assert_not_null(d.labels);
    ae_dataset_free(&d);
    return n;
}

Test(data_named, honours_aelab_data_dir_first)
{
    put_idx(env_dir, "mnist", "train", 7, 1);
    put_idx(env_dir, "mnist", "test", 3, 0);
    char xdg_base[PATH_MAX];
    fx_path(xdg_base, sizeof xdg_base, xdg_dir, "aelab/data");
    put_idx(xdg_base, "mnist", "train", 5, 0);
    cr_assert_eq(load_n("mnist", "train"), 7);
    cr_assert_eq(load_n("mnist", "test"), 3);
    char dir[PATH_MAX], want[PATH_MAX];
    ae_error e;
    cr_assert_eq(ae_data_find_named("mnist", dir, sizeof dir, &e), AE_OK, "%s", e.msg);
    cr_assert_str_eq(dir, fx_path(want, sizeof want, env_dir, "mnist"));
}

Test(data_named, then_xdg_cache_then_home_cache)
{
    char xdg_base[PATH_MAX], home_base[PATH_MAX];
    fx_path(xdg_base, sizeof xdg_base, xdg_dir, "aelab/data");
    fx_path(home_base, sizeof home_base, home_dir, ".cache/aelab/data");
    put_idx(xdg_base, "mnist", "train", 5, 0);
    put_idx(home_base, "mnist", "train", 4, 1);
    put_idx(home_base, "fashion-mnist", "test", 6, 1);
    cr_assert_eq(load_n("mnist", "train"), 5, "empty $AELAB_DATA_DIR/mnist is skipped");
    unsetenv("AELAB_DATA_DIR");
    cr_assert_eq(load_n("mnist", "train"), 5);
    unsetenv("XDG_CACHE_HOME");
    cr_assert_eq(load_n("mnist", "train"), 4, "$HOME/.cache when XDG_CACHE_HOME is unset");
    cr_assert_eq(load_n("fashion-mnist", "test"), 6, "the cache wins over Debian's copy");
}

Test(data_named, helpful_error_when_missing)
{
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_data_load_named("mnist", "train", 0, &d, &e), AE_ERR_IO);
    char a[PATH_MAX], b[PATH_MAX];
    snprintf(a, sizeof a, "%s/mnist/", env_dir);
    snprintf(b, sizeof b, "%s/aelab/data/mnist/", xdg_dir);
    cr_assert_not_null(strstr(e.msg, "not found"), "%s", e.msg);
    cr_assert_not_null(strstr(e.msg, a), "names $AELAB_DATA_DIR/mnist/: %s", e.msg);
    cr_assert_not_null(strstr(e.msg, b), "names the XDG cache: %s", e.msg);
    cr_assert_not_null(strstr(e.msg, "scripts/fetch-data mnist"), "%s", e.msg);
    cr_assert_null(d.x);
    unsetenv("AELAB_DATA_DIR");
    cr_assert_neq(ae_data_load_named("cifar10", "test", 0, &d, &e), AE_OK);
    cr_assert_not_null(strstr(e.msg, "AELAB_DATA_DIR is not set"), "%s", e.msg);
    cr_assert_not_null(strstr(e.msg, "scripts/fetch-data cifar10"), "%s", e.msg);
}

Test(data_named, split_missing_and_labels_missing)
{
    put_idx(env_dir, "mnist", "train", 7, 1);
    ae_dataset d;
    ae_error e;
    cr_assert_neq(ae_data_load_named("mnist", "test", 0, &d, &e), AE_OK);
    cr_assert_not_null(strstr(e.msg, "dataset 'mnist' (test split) not found"), "%s", e.msg);
    char lab[PATH_MAX];
    snprintf(lab, sizeof lab, "%s/mnist/train-labels-idx1-ubyte.gz", env_dir);
    cr_assert_eq(remove(lab), 0);
    cr_assert_neq(ae_data_load_named("mnist", "train", 0, &d, &e), AE_OK);
    cr_assert_not_null(strstr(e.msg, "train-labels-idx1-ubyte: cannot open"), "%s", e.msg);
}

Test(data_named, cifar10_in_tarball_subdirectory)
{
    char d[PATH_MAX], p[PATH_MAX];
    snprintf(d, sizeof d, "%s/cifar10/cifar-10-batches-bin", env_dir);
    fx_mkdirs(d);
    size_t len;
    uint8_t *b = fx_cifar_batch(4, 0, &len);
    fx_write(fx_path(p, sizeof p, d, "test_batch.bin"), b, len);
    for (int k = 1; k <= 5; k++) {
        char name[32];
        snprintf(name, sizeof name, "data_batch_%d.bin", k);
        fx_write(fx_path(p, sizeof p, d, name), b, len);
    }
    free(b);
    ae_dataset ds;
    ae_error e;
    cr_assert_eq(ae_data_load_named("cifar10", "test", 0, &ds, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(ds.n, 4);
    cr_assert_eq(ds.c, 3);
    ae_dataset_free(&ds);
    cr_assert_eq(ae_data_load_named("cifar10", "train", 10, &ds, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(ds.n, 10, "limit across the five batches");
    ae_dataset_free(&ds);
    char dir[PATH_MAX];
    cr_assert_eq(ae_data_find_named("cifar10", dir, sizeof dir, &e), AE_OK);
    cr_assert_str_eq(dir, d);
}

Test(data_named, unknown_name_or_split)
{
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_data_load_named("imagenet", "train", 0, &d, &e), AE_ERR_CONFIG);
    cr_assert_not_null(strstr(e.msg, "unknown dataset 'imagenet'"), "%s", e.msg);
    cr_assert_not_null(strstr(e.msg, "fashion-mnist"), "%s", e.msg);
    cr_assert_eq(ae_data_load_named("mnist", "validation", 0, &d, &e), AE_ERR_CONFIG);
    cr_assert_not_null(strstr(e.msg, "unknown split 'validation'"), "%s", e.msg);
}

Test(data_named, fashion_mnist_falls_back_to_debian)
{
    if (!test_fashion_mnist_dir())
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    char dir[PATH_MAX];
    ae_error e;
    cr_assert_eq(ae_data_find_named("fashion-mnist", dir, sizeof dir, &e), AE_OK, "%s", e.msg);
    cr_assert_str_eq(dir, "/usr/share/datasets/fashion-mnist");
    ae_dataset d;
    cr_assert_eq(ae_data_load_named("fashion-mnist", "test", 100, &d, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(d.n, 100);
    ae_dataset_free(&d);
}

/* scripts/fetch-data, offline: Debian's Fashion-MNIST as the source, file://
 * mirrors for the download path, and corrupted files that must be rejected. */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "data/data.h"
#include "helpers.h"
#include "test_data_fixtures.h"

static const char *const idx_files[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

static char tmp[PATH_MAX], base[PATH_MAX], mirror[PATH_MAX], output[PATH_MAX];
static char log_text[65536];

static void setup(void)
{
    if (fx_under_valgrind())
        return;
    test_tmpdir(tmp, sizeof tmp);
    fx_path(base, sizeof base, tmp, "cache");
    fx_path(mirror, sizeof mirror, tmp, "mirror");
    fx_path(output, sizeof output, tmp, "output.txt");
    cr_assert_eq(mkdir(mirror, 0755), 0);
}

static void teardown(void)
{
    fx_rmtree(tmp);
}

TestSuite(data_fetch, .init = setup, .fini = teardown);

/* The script's tools (sh, curl, sha256sum, gzip) are not ours to
 * memory-check, and traced by valgrind they take minutes. */
#define SKIP_UNDER_VALGRIND()                                                                  \
    do {                                                                                       \
        if (fx_under_valgrind())                                                               \
            cr_skip_test("shell-script tests are skipped under valgrind");                     \
    } while (0)

/* Runs `env ENV sh scripts/fetch-data ARGS`; returns its exit status and
 * leaves its stdout+stderr in log_text. */
static int run_fetch(const char *env, const char *args)
{
    char script[PATH_MAX], cmd[4 * PATH_MAX];
    test_srcpath(script, sizeof script, "scripts/fetch-data");
    snprintf(cmd, sizeof cmd, "env %s sh '%s' %s >'%s' 2>&1", env, script, args, output);
    int st = system(cmd);
    cr_assert(WIFEXITED(st), "fetch-data did not exit normally");
    FILE *f = fopen(output, "r");
    cr_assert_not_null(f);
    size_t n = fread(log_text, 1, sizeof log_text - 1, f);
    log_text[n] = '\0';
    fclose(f);
    return WEXITSTATUS(st);
}

static int count(const char *hay, const char *needle)
{
    int k = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        k++;
    return k;
}

static int is_link(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void need_curl(void)
{
    if (system("command -v curl >/dev/null 2>&1") != 0)
        cr_skip_test("curl is not installed (needed for file:// mirrors)");
}

Test(data_fetch, debian_fashion_mnist_then_nothing_to_do)
{
    SKIP_UNDER_VALGRIND();
    const char *deb = test_fashion_mnist_dir();
    if (!deb)
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    char args[2 * PATH_MAX], env[PATH_MAX + 64];
    snprintf(args, sizeof args, "fashion-mnist --dir '%s'", base);
    /* A mirror that does not exist: any download attempt would fail. */
    snprintf(env, sizeof env, "AELAB_FETCH_MIRROR=file://%s/none", tmp);
    cr_assert_eq(run_fetch(env, args), 0, "%s", log_text);
    for (int i = 0; i < 4; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/fashion-mnist/%s.gz", base, idx_files[i]);
        cr_assert(is_link(p), "%s should link to Debian's copy\n%s", p, log_text);
    }
    cr_assert_eq(count(log_text, "Debian package dataset-fashion-mnist, verified"), 4, "%s",
                 log_text);
    cr_assert_eq(count(log_text, "downloading"), 0);

    cr_assert_eq(run_fetch(env, args), 0, "%s", log_text);
    cr_assert_eq(count(log_text, "already present, verified"), 4, "%s", log_text);
    cr_assert_eq(count(log_text, "downloading"), 0);

    /* And the loader finds it there. */
    setenv("AELAB_DATA_DIR", base, 1);
    char dir[PATH_MAX], want[PATH_MAX];
    ae_error e;
    cr_assert_eq(ae_data_find_named("fashion-mnist", dir, sizeof dir, &e), AE_OK, "%s", e.msg);
    cr_assert_str_eq(dir, fx_path(want, sizeof want, base, "fashion-mnist"));
}

Test(data_fetch, corrupted_file_in_cache_is_replaced)
{
    SKIP_UNDER_VALGRIND();
    if (!test_fashion_mnist_dir())
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    char d[PATH_MAX], p[PATH_MAX], args[2 * PATH_MAX], env[PATH_MAX + 64];
    snprintf(d, sizeof d, "%s/fashion-mnist", base);
    fx_mkdirs(d);
    fx_write(fx_path(p, sizeof p, d, "t10k-labels-idx1-ubyte.gz"), "corrupted", 9);
    snprintf(args, sizeof args, "fashion-mnist --dir '%s'", base);
    snprintf(env, sizeof env, "AELAB_FETCH_MIRROR=file://%s/none", tmp);
    cr_assert_eq(run_fetch(env, args), 0, "%s", log_text);
    cr_assert_not_null(strstr(log_text, "checksum mismatch"), "%s", log_text);
    cr_assert_not_null(strstr(log_text, "removing it"), "%s", log_text);
    cr_assert(is_link(p), "replaced by the verified Debian file\n%s", log_text);
}

Test(data_fetch, bad_download_is_rejected_and_removed)
{
    SKIP_UNDER_VALGRIND();
    need_curl();
    /* The mirror serves garbage under the right names. */
    for (int i = 0; i < 4; i++) {
        char p[PATH_MAX], name[64];
        snprintf(name, sizeof name, "%s.gz", idx_files[i]);
        fx_write_gz(fx_path(p, sizeof p, mirror, name), "not the real data", 17);
    }
    char args[2 * PATH_MAX], env[2 * PATH_MAX];
    snprintf(args, sizeof args, "mnist --dir '%s'", base);
    snprintf(env, sizeof env, "AELAB_FETCH_DEBIAN_DIR= AELAB_FETCH_MIRROR=file://%s", mirror);
    cr_assert_eq(run_fetch(env, args), 1, "%s", log_text);
    cr_assert_eq(count(log_text, "checksum mismatch"), 4, "%s", log_text);
    cr_assert_not_null(strstr(log_text, "FAILED"), "%s", log_text);
    for (int i = 0; i < 4; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/mnist/%s.gz", base, idx_files[i]);
        cr_assert(!exists(p), "%s must be removed", p);
        strcat(p, ".part");
        cr_assert(!exists(p), "%s must be removed", p);
    }
    /* A missing mirror file is a failed download, not a pass. */
    snprintf(env, sizeof env, "AELAB_FETCH_DEBIAN_DIR= AELAB_FETCH_MIRROR=file://%s/none", tmp);
    cr_assert_eq(run_fetch(env, args), 1, "%s", log_text);
    cr_assert_not_null(strstr(log_text, "could not download"), "%s", log_text);
}

Test(data_fetch, verified_download_from_a_mirror)
{
    SKIP_UNDER_VALGRIND();
    need_curl();
    const char *deb = test_fashion_mnist_dir();
    if (!deb)
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    /* Images as Debian ships them; labels re-compressed, so they match by
     * the content checksum only. */
    char cmd[4 * PATH_MAX];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && ln -s %s/train-images-idx3-ubyte.gz %s/t10k-images-idx3-ubyte.gz . && "
             "gzip -dc %s/train-labels-idx1-ubyte.gz | gzip -1 > train-labels-idx1-ubyte.gz && "
             "gzip -dc %s/t10k-labels-idx1-ubyte.gz | gzip -1 > t10k-labels-idx1-ubyte.gz",
             mirror, deb, deb, deb, deb);
    cr_assert_eq(system(cmd), 0);
    char args[2 * PATH_MAX], env[2 * PATH_MAX];
    snprintf(args, sizeof args, "fashion-mnist --dir '%s'", base);
    snprintf(env, sizeof env, "AELAB_FETCH_DEBIAN_DIR= AELAB_FETCH_MIRROR=file://%s", mirror);
    cr_assert_eq(run_fetch(env, args), 0, "%s", log_text);
    cr_assert_eq(count(log_text, "downloaded, sha256 verified"), 4, "%s", log_text);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/fashion-mnist/t10k-labels-idx1-ubyte.gz", base);
    cr_assert(exists(p) && !is_link(p));
    /* The downloaded files load. */
    setenv("AELAB_DATA_DIR", base, 1);
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_data_load_named("fashion-mnist", "test", 0, &d, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(d.n, 10000);
    ae_dataset_free(&d);
}

Test(data_fetch, cifar10_bad_archive)
{
    SKIP_UNDER_VALGRIND();
    need_curl();
    char p[PATH_MAX];
    fx_write(fx_path(p, sizeof p, mirror, "cifar-10-binary.tar.gz"), "fake tarball", 12);
    char args[2 * PATH_MAX], env[2 * PATH_MAX];
    snprintf(args, sizeof args, "cifar10 --dir '%s'", base);
    snprintf(env, sizeof env, "AELAB_FETCH_MIRROR=file://%s", mirror);
    cr_assert_eq(run_fetch(env, args), 1, "%s", log_text);
    cr_assert_not_null(strstr(log_text, "checksum mismatch for cifar-10-binary.tar.gz"), "%s",
                       log_text);
    snprintf(p, sizeof p, "%s/cifar10/cifar-10-binary.tar.gz", base);
    cr_assert(!exists(p), "the bad archive is removed");
    /* A corrupted batch already in the cache is removed too. */
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%s/cifar10/cifar-10-batches-bin", base);
    fx_mkdirs(d);
    size_t len;
    uint8_t *b = fx_cifar_batch(2, 0, &len);
    fx_write(fx_path(p, sizeof p, d, "test_batch.bin"), b, len);
    free(b);
    snprintf(args, sizeof args, "cifar10 --dir '%s'", base);
    cr_assert_eq(run_fetch(env, args), 1, "%s", log_text);
    cr_assert_not_null(strstr(log_text, "checksum mismatch: "), "%s", log_text);
    cr_assert(!exists(p), "the bad batch is removed");
}

Test(data_fetch, usage_errors)
{
    SKIP_UNDER_VALGRIND();
    cr_assert_eq(run_fetch("", ""), 2, "%s", log_text);
    cr_assert_not_null(strstr(log_text, "usage"), "%s", log_text);
    cr_assert_eq(run_fetch("", "imagenet --dir /nonexistent"), 2, "%s", log_text);
    cr_assert_not_null(strstr(log_text, "unknown dataset 'imagenet'"), "%s", log_text);
    cr_assert_eq(run_fetch("", "mnist --bogus"), 2, "%s", log_text);
}

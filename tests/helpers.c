#include "config.h"

#include "helpers.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void test_srcpath(char *out, size_t size, const char *relative)
{
    snprintf(out, size, "%s/%s", AELAB_SRCDIR, relative);
}

/* Temporary directories of this test process, removed when it exits (each
 * Criterion test runs in a process of its own, so this list is per test). */
enum { MAX_TMPDIRS = 64 };
static char tmpdirs[MAX_TMPDIRS][256];
static int n_tmpdirs;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static void remove_tmpdirs(void)
{
    if (getenv("AELAB_KEEP_TEST_TMP"))
        return; /* for debugging a failure */
    for (int i = 0; i < n_tmpdirs; i++)
        nftw(tmpdirs[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void test_tmpdir(char *out, size_t size)
{
    const char *base = getenv("TMPDIR");
    snprintf(out, size, "%s/aelab-test-XXXXXX", base && *base ? base : "/tmp");
    cr_assert_not_null(mkdtemp(out), "mkdtemp failed");
    if (n_tmpdirs < MAX_TMPDIRS && strlen(out) < sizeof tmpdirs[0]) {
        if (n_tmpdirs == 0)
            atexit(remove_tmpdirs);
        strcpy(tmpdirs[n_tmpdirs++], out);
    }
}

const char *test_fashion_mnist_dir(void)
{
    static const char *dir = "/usr/share/datasets/fashion-mnist";
    return access("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", R_OK) == 0 ? dir
                                                                                            : NULL;
}

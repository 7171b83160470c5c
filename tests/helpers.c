#include "helpers.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void test_srcpath(char *out, size_t size, const char *relative)
{
    snprintf(out, size, "%s/%s", AELAB_SRCDIR, relative);
}

void test_tmpdir(char *out, size_t size)
{
    const char *base = getenv("TMPDIR");
    snprintf(out, size, "%s/aelab-test-XXXXXX", base && *base ? base : "/tmp");
    cr_assert_not_null(mkdtemp(out), "mkdtemp failed");
}

const char *test_fashion_mnist_dir(void)
{
    static const char *dir = "/usr/share/datasets/fashion-mnist";
    return access("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz", R_OK) == 0 ? dir
                                                                                            : NULL;
}

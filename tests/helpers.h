/* Shared helpers for the Criterion suites. */
#ifndef AELAB_TESTS_HELPERS_H
#define AELAB_TESTS_HELPERS_H

#include <stddef.h>

/* Absolute path of a file in the source tree (tests/data/..., experiments/...).
 * Returns a pointer to a static per-call buffer owned by the caller's stack frame copy. */
void test_srcpath(char *out, size_t size, const char *relative);

/* Creates a fresh empty temporary directory and writes its path to out; it is removed
 * when the test process exits (set AELAB_KEEP_TEST_TMP to keep it). */
void test_tmpdir(char *out, size_t size);

/* The Fashion-MNIST directory from Debian's dataset-fashion-mnist package, or NULL. */
const char *test_fashion_mnist_dir(void);

#endif

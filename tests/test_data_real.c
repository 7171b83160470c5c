/* Real data: Debian's Fashion-MNIST (package dataset-fashion-mnist). */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>

#include "data/data.h"
#include "helpers.h"

Test(data_real, fashion_mnist_test_split)
{
    const char *dir = test_fashion_mnist_dir();
    if (!dir)
        cr_skip_test("Debian package dataset-fashion-mnist is not installed");
    char img[PATH_MAX], lab[PATH_MAX];
    snprintf(img, sizeof img, "%s/t10k-images-idx3-ubyte.gz", dir);
    snprintf(lab, sizeof lab, "%s/t10k-labels-idx1-ubyte.gz", dir);
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_idx_load(img, lab, 0, &d, &e), AE_OK, "%s", e.msg);
    cr_assert_eq(d.n, 10000);
    cr_assert_eq(d.c, 1);
    cr_assert_eq(d.h, 28);
    cr_assert_eq(d.w, 28);
    cr_assert_eq(d.n_classes, 10);
    int per_class[10] = {0};
    for (size_t i = 0; i < d.n; i++) {
        cr_assert(d.labels[i] >= 0 && d.labels[i] <= 9);
        per_class[d.labels[i]]++;
    }
    for (int k = 0; k < 10; k++)
        cr_assert_eq(per_class[k], 1000, "class %d", k);
    double sum = 0;
    float lo = 1, hi = 0;
    for (size_t i = 0; i < d.n * 784; i++) {
        sum += d.x[i];
        lo = d.x[i] < lo ? d.x[i] : lo;
        hi = d.x[i] > hi ? d.x[i] : hi;
    }
    cr_assert_float_eq(sum / (d.n * 784.0), 0.286, 0.002, "mean pixel %g", sum / (d.n * 784.0));
    cr_assert_eq(lo, 0.0f);
    cr_assert_eq(hi, 1.0f);
    ae_dataset_free(&d);
}

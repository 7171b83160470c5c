/* Train/holdout split: a deterministic partition. */
#include <criterion/criterion.h>
#include <string.h>

#include "data/data.h"

/* n samples of 2 values each; sample i holds (i, -i) and label i. */
static ae_dataset numbered(size_t n, int labelled)
{
    ae_dataset d;
    ae_error e;
    cr_assert_eq(ae_dataset_alloc(&d, n, 1, 1, 2, labelled, "test", &e), AE_OK, "%s", e.msg);
    for (size_t i = 0; i < n; i++) {
        d.x[2 * i] = (float)i;
        d.x[2 * i + 1] = -(float)i;
        if (labelled)
            d.labels[i] = (int32_t)i;
    }
    d.n_classes = labelled ? (int)n : 0;
    return d;
}

static void split(const ae_dataset *d, double f, uint64_t seed, ae_dataset *tr, ae_dataset *ho)
{
    ae_error e;
    cr_assert_eq(ae_dataset_split(d, f, seed, tr, ho, &e), AE_OK, "%s", e.msg);
}

Test(data_split, partition_in_original_order)
{
    ae_dataset d = numbered(100, 1), tr, ho;
    split(&d, 0.2, 5, &tr, &ho);
    cr_assert_eq(tr.n, 80);
    cr_assert_eq(ho.n, 20);
    int seen[100] = {0};
    const ae_dataset *parts[2] = {&tr, &ho};
    for (int k = 0; k < 2; k++) {
        const ae_dataset *p = parts[k];
        cr_assert_eq(p->n_classes, 100);
        for (size_t j = 0; j < p->n; j++) {
            int i = p->labels[j];
            cr_assert_eq(p->x[2 * j], (float)i, "sample moved whole with its label");
            cr_assert_eq(p->x[2 * j + 1], -(float)i);
            if (j)
                cr_assert_gt(i, p->labels[j - 1], "original order kept");
            seen[i]++;
        }
    }
    for (int i = 0; i < 100; i++)
        cr_assert_eq(seen[i], 1, "sample %d in exactly one part", i);
    /* Not a trivial cut: the holdout is spread over the whole range. */
    cr_assert_lt(ho.labels[0], 50);
    cr_assert_geq(ho.labels[19], 50);
    ae_dataset_free(&d);
    ae_dataset_free(&tr);
    ae_dataset_free(&ho);
}

Test(data_split, deterministic_from_seed)
{
    ae_dataset d = numbered(500, 1), a1, b1, a2, b2, a3, b3;
    split(&d, 0.3, 11, &a1, &b1);
    split(&d, 0.3, 11, &a2, &b2);
    split(&d, 0.3, 12, &a3, &b3);
    cr_assert_eq(b1.n, 150);
    cr_assert_eq(memcmp(b1.labels, b2.labels, 150 * sizeof(int32_t)), 0);
    cr_assert_eq(memcmp(a1.x, a2.x, a1.n * 2 * sizeof(float)), 0);
    cr_assert_neq(memcmp(b1.labels, b3.labels, 150 * sizeof(int32_t)), 0, "another seed");
    ae_dataset *all[] = {&d, &a1, &b1, &a2, &b2, &a3, &b3};
    for (size_t i = 0; i < 7; i++)
        ae_dataset_free(all[i]);
}

Test(data_split, rounding_edges_and_no_labels)
{
    ae_dataset d = numbered(10, 0), tr, ho;
    split(&d, 0.25, 1, &tr, &ho); /* 2.5 rounds half up */
    cr_assert_eq(ho.n, 3);
    cr_assert_eq(tr.n, 7);
    cr_assert_null(tr.labels);
    ae_dataset_free(&tr);
    ae_dataset_free(&ho);
    split(&d, 0.0, 1, &tr, &ho);
    cr_assert_eq(tr.n, 10);
    cr_assert_eq(ho.n, 0);
    cr_assert_eq(memcmp(tr.x, d.x, 20 * sizeof(float)), 0);
    ae_dataset_free(&tr);
    ae_dataset_free(&ho);
    split(&d, 1.0, 1, &tr, &ho);
    cr_assert_eq(tr.n, 0);
    cr_assert_eq(ho.n, 10);
    ae_dataset_free(&tr);
    ae_dataset_free(&ho);
    ae_error e;
    cr_assert_neq(ae_dataset_split(&d, 1.5, 1, &tr, &ho, &e), AE_OK);
    cr_assert_not_null(strstr(e.msg, "holdout fraction"), "%s", e.msg);
    cr_assert_neq(ae_dataset_split(&d, -0.1, 1, &tr, &ho, &e), AE_OK);
    cr_assert_null(tr.x);
    ae_dataset_free(&d);
}

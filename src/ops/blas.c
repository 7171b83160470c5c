#include "ops/blas.h"

#include <cblas.h>

void ae_ops_sgemm(bool ta, bool tb, int m, int n, int k, const float *a, const float *b,
                  float beta, float *c)
{
    int lda = ta ? m : k, ldb = tb ? k : n;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m,
                n, k, 1.0f, a, lda, b, ldb, beta, c, n);
}

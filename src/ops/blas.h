/* Internal: the one BLAS entry point of the ops; leading dimensions are derived here. */
#ifndef AELAB_OPS_BLAS_H
#define AELAB_OPS_BLAS_H

#include <stdbool.h>

/* C[m×n] = op(A)·op(B) + beta·C, row-major, op = transpose when the flag is set; leading
 * dimensions follow from the shapes. */
void ae_ops_sgemm(bool ta, bool tb, int m, int n, int k, const float *a, const float *b,
                  float beta, float *c);

#endif

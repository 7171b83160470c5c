/* Finite-difference gradient checks for tape ops and whole graphs.
 *
 * gc_check builds a graph once over variable leaves, takes a fixed random
 * projection L = Σ r_i·out_i of its output (so every output element is
 * checked), and compares the tape's dL/dx with central differences
 * (L(x+h) − L(x−h)) / 2h, accumulated in double over replays of the recorded
 * graph. Error metric: |analytic − numeric| / max(|analytic|, |numeric|, 1),
 * so tiny gradients are compared absolutely and large ones relatively. */
#ifndef AELAB_TESTS_GRADCHECK_H
#define AELAB_TESTS_GRADCHECK_H

#include "core/tape.h"

typedef ae_node *(*gc_build_fn)(ae_tape *t, ae_node **vars, void *ctx);

typedef struct gc_result {
    double max_err;  /* worst error over all checked elements */
    int worst_var;   /* where it occurred */
    size_t worst_index;
    double analytic, numeric;
} gc_result;

/* vars: n_vars tensors with data (perturbed in place and restored). params, if not
 * NULL, are also checked: their gradients are read from the store (zero it first).
 * h: the finite-difference step. */
gc_result gc_check(ae_tensor *vars, int n_vars, ae_params *params, gc_build_fn build, void *ctx,
                   float h);

/* Fills t->data (caller-owned) with uniform values in [lo, hi) from a fixed seed. */
void gc_fill_uniform(ae_tensor *t, float lo, float hi, unsigned seed);

/* Asserts (Criterion) that r.max_err < tol, with a message naming the worst element. */
void gc_assert(gc_result r, double tol, const char *what);

#endif

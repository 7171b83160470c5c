/* The tape: a Wengert list recorded during the forward pass.
 *
 * Builders (src/ops) record a node per op and run its forward at once, so the
 * tape is define-by-run: whatever the graph builder calls, in that order, is
 * the graph. ae_tape_backward walks the list in reverse and calls each op's
 * backward, which ADDS into its inputs' gradients; fan-out, aliasing inputs
 * and a tied weight read as W and as Wᵀ therefore need no code of their own.
 *
 * Per-step values, gradients and op scratch live in the tape's arena and are
 * released together by ae_tape_reset; parameter nodes point into the
 * parameter store instead, so their gradients persist for the optimizer.
 *
 * Errors: a builder that fails (shape mismatch, out of memory) records the
 * first error in the tape and returns NULL; every builder returns NULL when
 * an input is NULL, so one bad op gives one message, not a crash later. */
#ifndef AELAB_CORE_TAPE_H
#define AELAB_CORE_TAPE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/error.h"
#include "core/params.h"
#include "core/tensor.h"

enum { AE_NODE_FATTR = 6, AE_NODE_IATTR = 12 };

typedef struct ae_tape ae_tape;
typedef struct ae_node ae_node;

/* One op: its forward computes n->value from n->in[] (it may be replayed, so it
 * must read random draws from n->aux, never draw them itself); its backward
 * adds n->grad's contribution into the grads of the inputs that require one. */
typedef struct ae_op_def {
    const char *name;
    void (*forward)(ae_tape *t, ae_node *n);
    void (*backward)(ae_tape *t, ae_node *n);
} ae_op_def;

struct ae_node {
    const ae_op_def *op; /* NULL for leaves (inputs, parameters) */
    ae_tensor value;
    float *grad;         /* NULL until a gradient reaches the node */
    ae_node **in;        /* n_in inputs, in the arena (any count: stacks of time steps) */
    int n_in;
    bool requires_grad;
    ae_param *param;     /* set for parameter leaves */
    float fattr[AE_NODE_FATTR]; /* op attributes (scale, slope, probability, ...) */
    int iattr[AE_NODE_IATTR];   /* op attributes (axis, flags, kernel geometry, ...) */
    void *aux;           /* op-owned per-step data in the arena (masks, indices, saved statistics) */
    ae_node *view_of;    /* views: value and gradient alias this node's, at the same offset */
};

struct ae_tape {
    ae_arena arena;
    ae_node **nodes;
    size_t n_nodes, cap_nodes;
    bool training;       /* train-time ops (dropout, noise, batch statistics) are active */
    bool failed;
    ae_error err;        /* the first failure since the last reset */
};

void ae_tape_init(ae_tape *t);
void ae_tape_free(ae_tape *t);
/* Forgets every node and rewinds the arena; the memory is kept for the next step. */
void ae_tape_reset(ae_tape *t);

/* A constant input: the value aliases data (not copied, must outlive the step); no gradient. */
ae_node *ae_tape_input(ae_tape *t, const ae_tensor *value);
/* A leaf that wants a gradient (tests, finite differences): aliases value like ae_tape_input. */
ae_node *ae_tape_variable(ae_tape *t, const ae_tensor *value);
/* A parameter: value and gradient are the store's slices; frozen parameters get no gradient. */
ae_node *ae_tape_param(ae_tape *t, ae_param *p);

/* For op builders: records a node of op over inputs with an output of the given
 * shape, its value allocated in the arena (or aliasing alias_data when not NULL,
 * for views). Returns NULL (error recorded) on bad shape or out of memory, and
 * NULL without a new error when an input is NULL. The builder then fills attrs
 * and aux and calls ae_tape_finish. */
ae_node *ae_tape_record(ae_tape *t, const ae_op_def *op, ae_node *const *in, int n_in, int ndim,
                        const int *shape, float *alias_data);
/* For op builders: a view of x with the given shape over x's values from offset on (no copy).
 * Its gradient aliases the same range of x's gradient, so consumers of the view add straight
 * into x's and the view's op needs no backward of its own (and its forward nothing to do). */
ae_node *ae_tape_view(ae_tape *t, const ae_op_def *op, ae_node *x, int ndim, const int *shape,
                      size_t offset);
/* The forward and the backward of a view op: values and gradients alias, nothing to compute. */
void ae_tape_view_noop(ae_tape *t, ae_node *n);
/* Runs the node's forward and returns it (NULL if the tape has failed). */
ae_node *ae_tape_finish(ae_tape *t, ae_node *n);
/* Records err as the tape's failure (first one wins) and returns NULL. */
ae_node *ae_tape_fail(ae_tape *t, ae_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Per-step scratch memory (64-byte aligned); NULL and a recorded failure when out of memory. */
void *ae_tape_scratch(ae_tape *t, size_t bytes);
/* The gradient buffer of n, allocated zeroed on first use (a view's: its range of the viewed
 * node's buffer). */
float *ae_tape_grad(ae_tape *t, ae_node *n);

/* Seeds d(loss)/d(loss) = 1 and runs every backward in reverse order.
 * loss must hold one value. Returns AE_OK or the tape's error. */
ae_code ae_tape_backward(ae_tape *t, ae_node *loss, ae_error *err);
/* Like ae_tape_backward from a node of any shape, seeding its gradient with seed
 * (out->value.size values): the vector-Jacobian product that gradient checks use. */
ae_code ae_tape_backward_seeded(ae_tape *t, ae_node *out, const float *seed, ae_error *err);
/* Zeroes the gradients of every non-parameter node (parameters: ae_params_zero_grad; views
 * share their node's). */
void ae_tape_zero_node_grads(ae_tape *t);
/* Re-runs every forward in order over the recorded graph (finite differences
 * perturb a leaf and replay; stochastic ops reuse their recorded draws). */
void ae_tape_replay(ae_tape *t);

#endif

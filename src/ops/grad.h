/* Internal: helpers shared by the backward passes of the ops.
 *
 * A backward adds its contribution into each input's gradient. When the input has no
 * gradient buffer yet, zero-filling one only to add into it wastes a pass over memory, so
 * ae_ops_grad_begin attaches an uninitialised buffer and tells the caller to assign instead;
 * the result is the same as ae_tape_grad followed by +=. An aliasing second input (ae_mul(t,
 * x, x)) then finds the buffer in place and adds, as it must; so does a view, whose buffer is
 * part of the viewed node's. */
#ifndef AELAB_OPS_GRAD_H
#define AELAB_OPS_GRAD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/tape.h"

/* n's gradient buffer; *assign is true when it was just attached uninitialised, in which case
 * the caller must write every element. NULL (tape failed) when out of memory. */
static inline float *ae_ops_grad_begin(ae_tape *t, ae_node *n, bool *assign)
{
    if (n->view_of) { /* the viewed node's other elements must stay: add */
        *assign = false;
        return ae_tape_grad(t, n);
    }
    *assign = n->grad == NULL;
    if (*assign)
        n->grad = ae_tape_scratch(t, n->value.size * sizeof(float));
    return n->grad;
}

/* g = d or g += d */
void ae_ops_acc(float *g, const float *d, size_t n, bool assign);
/* g = s·d or g += s·d */
void ae_ops_acc_scaled(float *g, const float *d, float s, size_t n, bool assign);
/* g = s·d·m or g += s·d·m, elementwise */
void ae_ops_acc_mul(float *g, const float *d, const float *m, float s, size_t n, bool assign);

#endif

/* Ops that cut and assemble tensors along one axis: what an LSTM built from
 * tape ops needs (the gates of one product, the steps of a sequence) and
 * Keras' RepeatVector. */
#ifndef AELAB_OPS_SEQ_H
#define AELAB_OPS_SEQ_H

#include "core/tape.h"

/* x[..., start:start+len, ...] along axis (the axis keeps its place, with size len). */
ae_node *ae_slice(ae_tape *t, ae_node *x, int axis, int start, int len);
/* Step s of a sequence x [N, T, F] as [N, F]. */
ae_node *ae_time_step(ae_tape *t, ae_node *x, int step);
/* x [A, B, ...] as [B, A, ...]: a sequence [N, T, F] step-major, so that each step's rows are
 * contiguous (and slicing them a view). */
ae_node *ae_swap_leading(ae_tape *t, ae_node *x);
/* n nodes of equal shape [N, F] stacked into [N, n, F] (the steps of a sequence). */
ae_node *ae_stack_steps(ae_tape *t, ae_node *const *xs, int n);
/* x [N, F] repeated T times: [N, T, F] (RepeatVector). */
ae_node *ae_repeat(ae_tape *t, ae_node *x, int steps);

#endif

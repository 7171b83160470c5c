/* Convolutional ops over N×C×H×W images: convolution and its transpose,
 * max pooling, nearest upsampling, batch normalisation.
 *
 * Sizes and padding follow TensorFlow/Keras exactly (docs/conv.md has the
 * formulas and a worked table), so a Keras architecture rebuilt here has the
 * same shapes layer by layer. Convolution is cross-correlation (no kernel
 * flip), as in every deep-learning framework.
 *
 * Weight layouts:
 *   conv2d            w [Cout, Cin, kh, kw]   (x has Cin channels, y has Cout)
 *   conv2d_transpose  w [Cin, Cout, kh, kw]   (x has Cin channels, y has Cout)
 * so a conv2d from B to A channels and a conv2d_transpose from A to B channels
 * read the same tensor [A, B, kh, kw], and the transpose is exactly the
 * adjoint (input gradient) of that convolution.
 * Biases are optional inputs of the op itself (b [Cout] or NULL): the add is
 * fused into the output initialisation and costs one pass less than a
 * separate ae_bias_add node. */
#ifndef AELAB_OPS_CONV_H
#define AELAB_OPS_CONV_H

#include "core/params.h"
#include "core/tape.h"

typedef enum ae_padding {
    AE_PAD_VALID, /* no padding: windows lie inside the input */
    AE_PAD_SAME   /* out = ceil(in/s); the odd padding row/column goes at the bottom/right */
} ae_padding;

/* "valid"/"same" as written in YAML, and the reverse lookup (-1 when unknown; case-sensitive). */
const char *ae_padding_name(ae_padding p);
int ae_padding_from_name(const char *name);

/* ---- size rules (TensorFlow's), shared with the graph builder ----
 * All return -1 when the arguments are out of range (in, k or s < 1), when the
 * window does not fit (VALID with k > in) or when the result overflows int. */
/* VALID: ceil((in − k + 1)/s); SAME: ceil(in/s). Also the size rule of max pooling. */
int ae_conv_out_size(int in, int k, int s, ae_padding p);
/* Padding before the first row/column: SAME floor(max((out−1)·s + k − in, 0)/2); VALID 0. */
int ae_conv_pad_before(int in, int k, int s, ae_padding p);
/* Transposed convolution (Keras Conv2DTranspose without output_padding):
 * VALID in·s + max(k − s, 0); SAME in·s. */
int ae_deconv_out_size(int in, int k, int s, ae_padding p);

/* ---- convolution (conv2d.c, conv2d_transpose.c) ---- */
/* y[N, Cout, Ho, Wo] = x[N, Cin, H, W] ⋆ w[Cout, Cin, kh, kw] (+ b[Cout]); b may be NULL.
 * Sizes by ae_conv_out_size per axis. */
ae_node *ae_conv2d(ae_tape *t, ae_node *x, ae_node *w, ae_node *b, int stride_h, int stride_w,
                   ae_padding padding);
/* y[N, Cout, Ho, Wo] from x[N, Cin, H, W] with w[Cin, Cout, kh, kw] (+ b[Cout]); b may be NULL.
 * Sizes by ae_deconv_out_size; y is what the input gradient of ae_conv2d with the same w,
 * strides and padding would be for an output gradient x (plus the bias). */
ae_node *ae_conv2d_transpose(ae_tape *t, ae_node *x, ae_node *w, ae_node *b, int stride_h,
                             int stride_w, ae_padding padding);

/* ---- pooling and resizing (pool.c, upsample.c) ---- */
/* Max over pool_h×pool_w windows; sizes as ae_conv_out_size. SAME padding cells count as −inf
 * (never chosen). Ties go to the first maximum in row-major window order, and so does the
 * gradient: it flows only to the chosen cell (argmax saved at forward). */
ae_node *ae_maxpool2d(ae_tape *t, ae_node *x, int pool_h, int pool_w, int stride_h, int stride_w,
                      ae_padding padding);
/* Nearest-neighbour upsampling (Keras UpSampling2D): y[n,c,i,j] = x[n,c,i/fy,j/fx]. */
ae_node *ae_upsample2d(ae_tape *t, ae_node *x, int fy, int fx);

/* ---- batch normalisation (batchnorm.c) ----
 * Per channel over N,H,W (x [N,C,H,W]) or per feature over N (x [N,F]); gamma, beta [C] nodes,
 * either may be NULL (scale 1, shift 0). running_mean/running_var are [C] parameters that must
 * be non-trainable (state saved with checkpoints, never touched by the optimizer).
 *   training (t->training when built): y = gamma·(x − μ_B)/sqrt(σ²_B + eps) + beta with the
 *     batch mean and biased variance, and the gradient flows through μ_B and σ²_B. The builder
 *     (not the forward, so replay never moves them) then updates
 *       running = momentum·running + (1 − momentum)·batch
 *     with the biased batch variance, as Keras does (PyTorch uses the unbiased one).
 *   evaluation: the running statistics replace μ_B, σ²_B; they are constants for the gradient.
 * Keras defaults: momentum 0.99, eps 1e-3. */
ae_node *ae_batchnorm(ae_tape *t, ae_node *x, ae_node *gamma, ae_node *beta,
                      ae_param *running_mean, ae_param *running_var, float momentum, float eps);

#endif

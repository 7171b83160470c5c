/* Internal to the convolutional ops: window geometry, im2col / col2im, sgemm.
 *
 * A geometry relates an "image" side [c, h, w] to a "column" side of oh×ow
 * window positions. For conv2d the image is the input and the columns are the
 * output; for conv2d_transpose it is the other way round, which is what makes
 * one the adjoint of the other with the same code.
 *
 * The column matrix of one image is [c·kh·kw, oh·ow], row (ci·kh + i)·kw + j,
 * column oy·ow + ox, holding img[ci, oy·sh − pt + i, ox·sw − pl + j] (0 outside). */
#ifndef AELAB_OPS_IM2COL_H
#define AELAB_OPS_IM2COL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/tape.h"
#include "ops/conv.h"

typedef struct ae_conv_geom {
    int c, h, w;  /* image side */
    int kh, kw, sh, sw;
    int pt, pl;   /* padding before the first row / column */
    int oh, ow;   /* column side: window positions */
} ae_conv_geom;

enum { AE_CONV_GEOM_INTS = 11 };

/* Fills g for an image [c, h, w] and the window; false when a size is out of range, the
 * window does not fit, or the column matrix (rows, columns, floats) would overflow. */
bool ae_conv_geom_init(ae_conv_geom *g, int c, int h, int w, int kh, int kw, int sh, int sw,
                       ae_padding p);
/* Rows (c·kh·kw) and columns (oh·ow) of one column matrix; their product fits size_t/4. */
size_t ae_conv_geom_rows(const ae_conv_geom *g);
size_t ae_conv_geom_cols(const ae_conv_geom *g);
/* Packs into / unpacks from a node's integer attributes (AE_CONV_GEOM_INTS entries). */
void ae_conv_geom_store(const ae_conv_geom *g, int *iattr);
ae_conv_geom ae_conv_geom_load(const int *iattr);

/* col = im2col(img) for one image. img and col must not overlap. */
void ae_conv_im2col(const ae_conv_geom *g, const float *img, float *col);
/* img += col2im(col): the adjoint of ae_conv_im2col (overlapping windows sum); no overlap. */
void ae_conv_col2im_add(const ae_conv_geom *g, const float *col, float *img);

/* C[m×n] = op(A)·op(B) + beta·C, row-major, dense leading dimensions (sgemv when m = 1). */
void ae_conv_sgemm(bool ta, bool tb, int m, int n, int k, const float *a, const float *b,
                   float beta, float *c);

/* y[c, :] = b[c] for the channels of one sample (sgemm then accumulates with beta = 1). */
void ae_conv_fill_bias(float *y, const float *b, int channels, size_t plane);
/* db[c] += Σ over samples and positions of dy[n, c, :]. */
void ae_conv_bias_grad(const float *dy, float *db, int batch, int channels, size_t plane);
/* Builder checks shared by conv2d and its transpose: 4-D x and w, w's axis w_in_axis equals x's
 * channels, b [Cout] or NULL (Cout = the other channel axis of w), positive strides, a known
 * padding. On failure records the error in t and returns false. */
bool ae_conv_check_operands(ae_tape *t, const char *op, const ae_node *x, const ae_node *w,
                            const ae_node *b, int w_in_axis, int stride_h, int stride_w,
                            ae_padding padding);

/* One pass of conv2d or conv2d_transpose over a batch, shared by the workers that split it
 * (ops/parallel.h): each takes a chunk of samples, column buffer col + worker·col_size and
 * its own weight-gradient accumulator. filters = w's first axis: the output channels of the
 * convolution the geometry describes (conv2d's; the transpose's adjoint conv2d's). */
typedef struct ae_conv_pass {
    ae_conv_geom g, f; /* f: conv2d's input gradient as a full convolution, when wf is set */
    const float *x, *w, *b, *dy, *wf;
    float *y, *col, *dw, *dw_partials, *dx;
    int filters, rows, cols;
    size_t xs, ys, col_size;
} ae_conv_pass;

/* Node attribute slot after the geometry: how many workers (and column buffers) the op has. */
enum { AE_CONV_WORKERS_SLOT = AE_CONV_GEOM_INTS };

/* Stores g and the worker count of a batch in y's attributes and allocates the workers'
 * column buffers as y->aux (once, at record time, so replays do not grow the arena). */
bool ae_conv_record_geometry(ae_tape *t, ae_node *y, const ae_conv_geom *g, int batch);
/* The forward view of node n's pass (dy, dw, dx unset: backward fills them). */
ae_conv_pass ae_conv_pass_of(const ae_node *n);
/* The weight-gradient accumulator of a worker. */
float *ae_conv_pass_dw(const ae_conv_pass *p, int worker);

#endif

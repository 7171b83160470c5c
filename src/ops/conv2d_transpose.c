/* Transposed convolution: the input gradient of conv2d run forward.
 *
 * With the geometry taken from the output side (image = y, columns = x's
 * positions), forward is col2im(Wᵀ·x_s) and backward is conv2d's forward:
 * dx_s += W·col(dy_s), dW += x_s·col(dy_s)ᵀ. So the op is exactly the adjoint
 * of ae_conv2d with the same weights, strides and padding. */
#include "ops/im2col.h"
#include "ops/parallel.h"

#include <string.h>

static void forward_chunk(void *ctx, int worker, int first, int last)
{
    const ae_conv_pass *p = ctx;
    float *col = p->col + (size_t)worker * p->col_size;
    for (int s = first; s < last; s++) {
        float *y = p->y + (size_t)s * p->ys;
        ae_conv_sgemm(true, false, p->rows, p->cols, p->filters, p->w, p->x + (size_t)s * p->xs,
                      0.0f, col);
        if (p->b)
            ae_conv_fill_bias(y, p->b, p->g.c, (size_t)p->g.h * p->g.w);
        else
            memset(y, 0, p->ys * sizeof *y);
        ae_conv_col2im_add(&p->g, col, y);
    }
}

static void deconv_forward(ae_tape *t, ae_node *n)
{
    ae_conv_pass p = ae_conv_pass_of(n);
    ae_parallel_chunks(n->value.shape[0], n->iattr[AE_CONV_WORKERS_SLOT], forward_chunk, &p);
}

static void backward_chunk(void *ctx, int worker, int first, int last)
{
    const ae_conv_pass *p = ctx;
    float *col = p->col + (size_t)worker * p->col_size;
    float *dw = ae_conv_pass_dw(p, worker);
    for (int s = first; s < last; s++) {
        ae_conv_im2col(&p->g, p->dy + (size_t)s * p->ys, col);
        if (p->dx)
            ae_conv_sgemm(false, false, p->filters, p->cols, p->rows, p->w, col, 1.0f,
                          p->dx + (size_t)s * p->xs);
        if (dw)
            ae_conv_sgemm(false, true, p->filters, p->rows, p->cols, p->x + (size_t)s * p->xs, col,
                          1.0f, dw);
    }
}

static void deconv_backward(ae_tape *t, ae_node *n)
{
    ae_conv_pass p = ae_conv_pass_of(n); /* the forward's column buffers, free again */
    ae_node *xn = n->in[0], *wn = n->in[1], *bn = n->n_in > 2 ? n->in[2] : NULL;
    int batch = xn->value.shape[0], workers = n->iattr[AE_CONV_WORKERS_SLOT];
    p.dy = n->grad;
    if (bn && bn->requires_grad) {
        float *db = ae_tape_grad(t, bn);
        if (!db)
            return;
        ae_conv_bias_grad(p.dy, db, batch, p.g.c, (size_t)p.g.h * p.g.w);
    }
    p.dw = wn->requires_grad ? ae_tape_grad(t, wn) : NULL;
    p.dx = xn->requires_grad ? ae_tape_grad(t, xn) : NULL;
    if (p.dw)
        p.dw_partials = ae_parallel_partials(t, workers, wn->value.size);
    if (t->failed || (!p.dw && !p.dx))
        return;
    ae_parallel_chunks(batch, workers, backward_chunk, &p);
    if (p.dw)
        ae_parallel_reduce(p.dw, p.dw_partials, workers, wn->value.size);
}

static const ae_op_def op_deconv = {"conv2d_transpose", deconv_forward, deconv_backward};

ae_node *ae_conv2d_transpose(ae_tape *t, ae_node *x, ae_node *w, ae_node *b, int stride_h,
                             int stride_w, ae_padding padding)
{
    if (!x || !w || t->failed)
        return NULL;
    if (!ae_conv_check_operands(t, "conv2d_transpose", x, w, b, 0, stride_h, stride_w, padding))
        return NULL;
    const int *xs = x->value.shape, *ws = w->value.shape;
    int oh = ae_deconv_out_size(xs[2], ws[2], stride_h, padding);
    int ow = ae_deconv_out_size(xs[3], ws[3], stride_w, padding);
    ae_conv_geom g;
    /* the output sizes are chosen so that conv2d maps them back onto x's size */
    if (oh < 1 || ow < 1 ||
        !ae_conv_geom_init(&g, ws[1], oh, ow, ws[2], ws[3], stride_h, stride_w, padding) ||
        g.oh != xs[2] || g.ow != xs[3])
        return ae_tape_fail(t, AE_ERR_SHAPE,
                            "conv2d_transpose: a %d×%d kernel with stride %d×%d and %s padding "
                            "makes a %d×%d input too large",
                            ws[2], ws[3], stride_h, stride_w, ae_padding_name(padding), xs[2],
                            xs[3]);
    ae_node *in[3] = {x, w, b};
    int shape[4] = {xs[0], ws[1], oh, ow};
    ae_node *y = ae_tape_record(t, &op_deconv, in, b ? 3 : 2, 4, shape, NULL);
    if (!y)
        return NULL;
    if (!ae_conv_record_geometry(t, y, &g, xs[0]))
        return NULL;
    return ae_tape_finish(t, y);
}

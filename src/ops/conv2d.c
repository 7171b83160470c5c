/* 2-D convolution: im2col then one sgemm per sample.
 *
 * Per sample rather than one sgemm over the batch: a batched product's output
 * is [Cout, N·P] and needs a transpose into NCHW, its column matrix grows with
 * the batch (hundreds of MB for wide layers), and for the Keras conv AE's
 * shapes the batched sgemm was no faster (docs/conv.md has the measurement).
 * The column buffer of one sample is small enough to stay in cache between
 * im2col and the product that reads it. */
#include <limits.h>

#include "ops/im2col.h"
#include "ops/parallel.h"

static void forward_chunk(void *ctx, int worker, int first, int last)
{
    const ae_conv_pass *p = ctx;
    float *col = p->col + (size_t)worker * p->col_size;
    for (int s = first; s < last; s++) {
        float *y = p->y + (size_t)s * p->ys;
        ae_conv_im2col(&p->g, p->x + (size_t)s * p->xs, col);
        if (p->b)
            ae_conv_fill_bias(y, p->b, p->filters, (size_t)p->cols);
        ae_conv_sgemm(false, false, p->filters, p->cols, p->rows, p->w, col,
                      p->b ? 1.0f : 0.0f, y);
    }
}

static void conv2d_forward(ae_tape *t, ae_node *n)
{
    ae_conv_pass p = ae_conv_pass_of(n);
    ae_parallel_chunks(n->value.shape[0], n->iattr[AE_CONV_WORKERS_SLOT], forward_chunk, &p);
}

/* For stride 1 the input gradient is itself a convolution: of dy, "full"-padded, with the
 * kernel flipped and its channel axes swapped. dx_s += W̃·col(dy_s) then accumulates straight
 * into dx (no zeroed K×P buffer, no col2im), and its column matrix has Cout·kh·kw·H·W values
 * instead of Cin·kh·kw·Ho·Wo: the path to take when Cout < Cin, e.g. a decoder's last layer
 * mapping 16 channels to one. Returns false when it does not pay. */
static bool full_conv_geom(const ae_conv_geom *g, int cout, ae_conv_geom *f)
{
    size_t in_plane = (size_t)g->h * (size_t)g->w;
    if (g->sh != 1 || g->sw != 1 || in_plane > INT_MAX ||
        (size_t)cout * in_plane >= (size_t)g->c * ae_conv_geom_cols(g))
        return false;
    /* output row yy reads dy row yy + pt − i = yy − (kh − 1 − pt) + (kh − 1 − i) */
    *f = (ae_conv_geom){.c = cout, .h = g->oh, .w = g->ow, .kh = g->kh, .kw = g->kw, .sh = 1,
                        .sw = 1, .pt = g->kh - 1 - g->pt, .pl = g->kw - 1 - g->pl, .oh = g->h,
                        .ow = g->w};
    return true;
}

/* W̃[c, o, i, j] = W[o, c, kh − 1 − i, kw − 1 − j] */
static void flip_kernel(const float *w, float *wf, int cout, int cin, int kh, int kw)
{
    for (int o = 0; o < cout; o++)
        for (int c = 0; c < cin; c++)
            for (int i = 0; i < kh; i++)
                for (int j = 0; j < kw; j++)
                    wf[(((size_t)c * cout + o) * kh + i) * kw + j] =
                        w[(((size_t)o * cin + c) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)];
}

static void backward_chunk(void *ctx, int worker, int first, int last)
{
    const ae_conv_pass *p = ctx;
    float *col = p->col + (size_t)worker * p->col_size;
    float *dw = ae_conv_pass_dw(p, worker);
    for (int s = first; s < last; s++) {
        const float *dys = p->dy + (size_t)s * p->ys;
        if (dw) {
            ae_conv_im2col(&p->g, p->x + (size_t)s * p->xs, col);
            ae_conv_sgemm(false, true, p->filters, p->rows, p->cols, dys, col, 1.0f, dw);
        }
        if (p->dx && p->wf) { /* f's column matrix is smaller than g's: it fits in col */
            ae_conv_im2col(&p->f, dys, col);
            ae_conv_sgemm(false, false, p->g.c, (int)ae_conv_geom_cols(&p->f),
                          (int)ae_conv_geom_rows(&p->f), p->wf, col, 1.0f,
                          p->dx + (size_t)s * p->xs);
        } else if (p->dx) {
            ae_conv_sgemm(true, false, p->rows, p->cols, p->filters, p->w, dys, 0.0f, col);
            ae_conv_col2im_add(&p->g, col, p->dx + (size_t)s * p->xs);
        }
    }
}

/* y_s = W·col(x_s) ⇒ dW += dy_s·col(x_s)ᵀ and dx_s += col2im(Wᵀ·dy_s) (or the full
 * convolution above). The forward's column buffers are free again and serve both. */
static void conv2d_backward(ae_tape *t, ae_node *n)
{
    ae_conv_pass p = ae_conv_pass_of(n);
    ae_node *xn = n->in[0], *wn = n->in[1], *bn = n->n_in > 2 ? n->in[2] : NULL;
    int batch = xn->value.shape[0], workers = n->iattr[AE_CONV_WORKERS_SLOT];
    p.dy = n->grad;
    if (bn && bn->requires_grad) {
        float *db = ae_tape_grad(t, bn);
        if (!db)
            return;
        ae_conv_bias_grad(p.dy, db, batch, p.filters, (size_t)p.cols);
    }
    p.dw = wn->requires_grad ? ae_tape_grad(t, wn) : NULL;
    p.dx = xn->requires_grad ? ae_tape_grad(t, xn) : NULL;
    if (p.dw)
        p.dw_partials = ae_parallel_partials(t, workers, wn->value.size);
    if (p.dx && full_conv_geom(&p.g, p.filters, &p.f)) {
        float *wf = ae_tape_scratch(t, wn->value.size * sizeof *wf);
        if (wf)
            flip_kernel(wn->value.data, wf, p.filters, p.g.c, p.g.kh, p.g.kw);
        p.wf = wf;
    }
    if (t->failed)
        return;
    ae_parallel_chunks(batch, workers, backward_chunk, &p);
    if (p.dw)
        ae_parallel_reduce(p.dw, p.dw_partials, workers, wn->value.size);
}

static const ae_op_def op_conv2d = {"conv2d", conv2d_forward, conv2d_backward};

ae_node *ae_conv2d(ae_tape *t, ae_node *x, ae_node *w, ae_node *b, int stride_h, int stride_w,
                   ae_padding padding)
{
    if (!x || !w || t->failed)
        return NULL;
    if (!ae_conv_check_operands(t, "conv2d", x, w, b, 1, stride_h, stride_w, padding))
        return NULL;
    const int *xs = x->value.shape, *ws = w->value.shape;
    ae_conv_geom g;
    if (!ae_conv_geom_init(&g, xs[1], xs[2], xs[3], ws[2], ws[3], stride_h, stride_w, padding))
        return ae_tape_fail(t, AE_ERR_SHAPE,
                            "conv2d: a %d×%d kernel with stride %d×%d and %s padding gives no "
                            "output for a %d×%d input (or one too large)",
                            ws[2], ws[3], stride_h, stride_w, ae_padding_name(padding), xs[2],
                            xs[3]);
    ae_node *in[3] = {x, w, b};
    int shape[4] = {xs[0], ws[0], g.oh, g.ow};
    ae_node *y = ae_tape_record(t, &op_conv2d, in, b ? 3 : 2, 4, shape, NULL);
    if (!y)
        return NULL;
    if (!ae_conv_record_geometry(t, y, &g, xs[0]))
        return NULL;
    return ae_tape_finish(t, y);
}

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

static void conv2d_forward(ae_tape *t, ae_node *n)
{
    ae_conv_geom g = ae_conv_geom_load(n->iattr);
    const ae_tensor *x = &n->in[0]->value, *w = &n->in[1]->value;
    const float *b = n->n_in > 2 ? n->in[2]->value.data : NULL;
    int batch = x->shape[0], cout = w->shape[0];
    int rows = (int)ae_conv_geom_rows(&g), cols = (int)ae_conv_geom_cols(&g);
    size_t xs = ae_tensor_row_size(x), ys = ae_tensor_row_size(&n->value);
    float *col = n->aux;
    for (int s = 0; s < batch; s++) {
        float *y = n->value.data + (size_t)s * ys;
        ae_conv_im2col(&g, x->data + (size_t)s * xs, col);
        if (b)
            ae_conv_fill_bias(y, b, cout, (size_t)cols);
        ae_conv_sgemm(false, false, cout, cols, rows, w->data, col, b ? 1.0f : 0.0f, y);
    }
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

/* y_s = W·col(x_s) ⇒ dW += dy_s·col(x_s)ᵀ and dx_s += col2im(Wᵀ·dy_s) (or the full
 * convolution above). The forward's column buffer is free again and serves both. */
static void conv2d_backward(ae_tape *t, ae_node *n)
{
    ae_conv_geom g = ae_conv_geom_load(n->iattr);
    ae_node *xn = n->in[0], *wn = n->in[1], *bn = n->n_in > 2 ? n->in[2] : NULL;
    int batch = xn->value.shape[0], cout = wn->value.shape[0];
    int rows = (int)ae_conv_geom_rows(&g), cols = (int)ae_conv_geom_cols(&g);
    size_t xs = ae_tensor_row_size(&xn->value), ys = ae_tensor_row_size(&n->value);
    float *col = n->aux;
    const float *dy = n->grad;
    if (bn && bn->requires_grad) {
        float *db = ae_tape_grad(t, bn);
        if (!db)
            return;
        ae_conv_bias_grad(dy, db, batch, cout, (size_t)cols);
    }
    float *dw = wn->requires_grad ? ae_tape_grad(t, wn) : NULL;
    float *dx = xn->requires_grad ? ae_tape_grad(t, xn) : NULL;
    ae_conv_geom f;
    float *wf = NULL;
    if (dx && full_conv_geom(&g, cout, &f)) {
        wf = ae_tape_scratch(t, wn->value.size * sizeof *wf);
        if (wf)
            flip_kernel(wn->value.data, wf, cout, g.c, g.kh, g.kw);
    }
    if (t->failed)
        return;
    for (int s = 0; s < batch; s++) {
        const float *dys = dy + (size_t)s * ys;
        if (dw) {
            ae_conv_im2col(&g, xn->value.data + (size_t)s * xs, col);
            ae_conv_sgemm(false, true, cout, rows, cols, dys, col, 1.0f, dw);
        }
        if (dx && wf) { /* f's column matrix is smaller than g's: it fits in col */
            ae_conv_im2col(&f, dys, col);
            ae_conv_sgemm(false, false, g.c, (int)ae_conv_geom_cols(&f),
                          (int)ae_conv_geom_rows(&f), wf, col, 1.0f, dx + (size_t)s * xs);
        } else if (dx) {
            ae_conv_sgemm(true, false, rows, cols, cout, wn->value.data, dys, 0.0f, col);
            ae_conv_col2im_add(&g, col, dx + (size_t)s * xs);
        }
    }
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
    ae_conv_geom_store(&g, y->iattr);
    /* allocated once here, so replays reuse it instead of growing the arena */
    y->aux = ae_tape_scratch(t, ae_conv_geom_rows(&g) * ae_conv_geom_cols(&g) * sizeof(float));
    if (!y->aux)
        return NULL;
    return ae_tape_finish(t, y);
}

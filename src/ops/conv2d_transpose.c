/* Transposed convolution: the input gradient of conv2d run forward.
 *
 * With the geometry taken from the output side (image = y, columns = x's
 * positions), forward is col2im(Wᵀ·x_s) and backward is conv2d's forward:
 * dx_s += W·col(dy_s), dW += x_s·col(dy_s)ᵀ. So the op is exactly the adjoint
 * of ae_conv2d with the same weights, strides and padding. */
#include "ops/im2col.h"

#include <string.h>

static void deconv_forward(ae_tape *t, ae_node *n)
{
    ae_conv_geom g = ae_conv_geom_load(n->iattr);
    const ae_tensor *x = &n->in[0]->value, *w = &n->in[1]->value;
    const float *b = n->n_in > 2 ? n->in[2]->value.data : NULL;
    int batch = x->shape[0], cin = w->shape[0];
    int rows = (int)ae_conv_geom_rows(&g), cols = (int)ae_conv_geom_cols(&g);
    size_t xs = ae_tensor_row_size(x), ys = ae_tensor_row_size(&n->value);
    float *col = n->aux;
    for (int s = 0; s < batch; s++) {
        float *y = n->value.data + (size_t)s * ys;
        ae_conv_sgemm(true, false, rows, cols, cin, w->data, x->data + (size_t)s * xs, 0.0f, col);
        if (b)
            ae_conv_fill_bias(y, b, g.c, (size_t)g.h * g.w);
        else
            memset(y, 0, ys * sizeof *y);
        ae_conv_col2im_add(&g, col, y);
    }
}

static void deconv_backward(ae_tape *t, ae_node *n)
{
    ae_conv_geom g = ae_conv_geom_load(n->iattr);
    ae_node *xn = n->in[0], *wn = n->in[1], *bn = n->n_in > 2 ? n->in[2] : NULL;
    int batch = xn->value.shape[0], cin = wn->value.shape[0];
    int rows = (int)ae_conv_geom_rows(&g), cols = (int)ae_conv_geom_cols(&g);
    size_t xs = ae_tensor_row_size(&xn->value), ys = ae_tensor_row_size(&n->value);
    float *col = n->aux; /* the forward's buffer, free again */
    const float *dy = n->grad;
    if (bn && bn->requires_grad) {
        float *db = ae_tape_grad(t, bn);
        if (!db)
            return;
        ae_conv_bias_grad(dy, db, batch, g.c, (size_t)g.h * g.w);
    }
    float *dw = wn->requires_grad ? ae_tape_grad(t, wn) : NULL;
    float *dx = xn->requires_grad ? ae_tape_grad(t, xn) : NULL;
    if (t->failed || (!dw && !dx))
        return;
    for (int s = 0; s < batch; s++) {
        ae_conv_im2col(&g, dy + (size_t)s * ys, col);
        if (dx)
            ae_conv_sgemm(false, false, cin, cols, rows, wn->value.data, col, 1.0f,
                          dx + (size_t)s * xs);
        if (dw)
            ae_conv_sgemm(false, true, cin, rows, cols, xn->value.data + (size_t)s * xs, col,
                          1.0f, dw);
    }
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
    ae_conv_geom_store(&g, y->iattr);
    y->aux = ae_tape_scratch(t, ae_conv_geom_rows(&g) * ae_conv_geom_cols(&g) * sizeof(float));
    if (!y->aux)
        return NULL;
    return ae_tape_finish(t, y);
}

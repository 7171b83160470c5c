/* Max pooling with TensorFlow's window rules; the argmax of every window is
 * saved at forward so backward is a scatter. */
#include <stdint.h>

#include "ops/im2col.h"
#include "ops/parallel.h"

/* The planes of samples [first, last): threads take whole samples (ops/parallel.h). */
static void forward_chunk(void *ctx, int worker, int first, int last)
{
    const ae_node *n = ctx;
    ae_conv_geom g = ae_conv_geom_load(n->iattr);
    const float *x = n->in[0]->value.data;
    float *y = n->value.data;
    int32_t *arg = n->aux;
    size_t in_plane = (size_t)g.h * g.w, out_plane = (size_t)g.oh * g.ow;
    for (size_t p = (size_t)first * (size_t)g.c; p < (size_t)last * (size_t)g.c; p++) {
        const float *xp = x + p * in_plane;
        float *yp = y + p * out_plane;
        int32_t *ap = arg + p * out_plane;
        for (int oy = 0; oy < g.oh; oy++) {
            /* padding cells are simply skipped: they are −inf and can never win */
            int y0 = oy * g.sh - g.pt, y1 = y0 + g.kh;
            y0 = y0 < 0 ? 0 : y0;
            y1 = y1 > g.h ? g.h : y1;
            for (int ox = 0; ox < g.ow; ox++) {
                int x0 = ox * g.sw - g.pl, x1 = x0 + g.kw;
                x0 = x0 < 0 ? 0 : x0;
                x1 = x1 > g.w ? g.w : x1;
                /* every TF window holds at least one input cell (pad_before < k) */
                int32_t best_i = y0 * g.w + x0;
                float best = xp[best_i];
                for (int iy = y0; iy < y1; iy++)
                    for (int ix = x0; ix < x1; ix++) {
                        float v = xp[iy * g.w + ix];
                        if (v > best) { /* strict: ties keep the first maximum */
                            best = v;
                            best_i = iy * g.w + ix;
                        }
                    }
                yp[oy * g.ow + ox] = best;
                ap[oy * g.ow + ox] = best_i;
            }
        }
    }
}

static void maxpool_forward(ae_tape *t, ae_node *n)
{
    int batch = n->value.shape[0];
    ae_parallel_chunks(batch, ae_parallel_workers(batch), forward_chunk, n);
}

typedef struct pool_grad {
    const ae_node *n;
    float *dx;
} pool_grad;

/* Each window's gradient goes to its argmax, inside the same sample's plane. */
static void backward_chunk(void *ctx, int worker, int first, int last)
{
    const pool_grad *pg = ctx;
    ae_conv_geom g = ae_conv_geom_load(pg->n->iattr);
    const float *dy = pg->n->grad;
    const int32_t *arg = pg->n->aux;
    size_t in_plane = (size_t)g.h * g.w, out_plane = (size_t)g.oh * g.ow;
    for (size_t p = (size_t)first * (size_t)g.c; p < (size_t)last * (size_t)g.c; p++)
        for (size_t i = 0; i < out_plane; i++)
            pg->dx[p * in_plane + (size_t)arg[p * out_plane + i]] += dy[p * out_plane + i];
}

static void maxpool_backward(ae_tape *t, ae_node *n)
{
    pool_grad pg = {n, ae_tape_grad(t, n->in[0])};
    int batch = n->value.shape[0];
    if (pg.dx)
        ae_parallel_chunks(batch, ae_parallel_workers(batch), backward_chunk, &pg);
}

static const ae_op_def op_maxpool = {"maxpool2d", maxpool_forward, maxpool_backward};

ae_node *ae_maxpool2d(ae_tape *t, ae_node *x, int pool_h, int pool_w, int stride_h, int stride_w,
                      ae_padding padding)
{
    if (!x || t->failed)
        return NULL;
    char buf[64];
    const int *xs = x->value.shape;
    if (x->value.ndim != 4)
        return ae_tape_fail(t, AE_ERR_SHAPE, "maxpool2d: input must be N×C×H×W, got %s",
                            ae_tensor_shape_str(&x->value, buf, sizeof buf));
    if (pool_h < 1 || pool_w < 1 || stride_h < 1 || stride_w < 1)
        return ae_tape_fail(t, AE_ERR_SHAPE,
                            "maxpool2d: pool %d×%d and stride %d×%d must be positive", pool_h,
                            pool_w, stride_h, stride_w);
    ae_conv_geom g;
    if ((padding != AE_PAD_SAME && padding != AE_PAD_VALID) ||
        !ae_conv_geom_init(&g, xs[1], xs[2], xs[3], pool_h, pool_w, stride_h, stride_w, padding) ||
        (size_t)xs[2] * (size_t)xs[3] > INT32_MAX)
        return ae_tape_fail(t, AE_ERR_SHAPE,
                            "maxpool2d: a %d×%d pool with stride %d×%d and %s padding gives no "
                            "output for a %d×%d input (or one too large)",
                            pool_h, pool_w, stride_h, stride_w, ae_padding_name(padding), xs[2],
                            xs[3]);
    int shape[4] = {xs[0], xs[1], g.oh, g.ow};
    ae_node *y = ae_tape_record(t, &op_maxpool, &x, 1, 4, shape, NULL);
    if (!y)
        return NULL;
    ae_conv_geom_store(&g, y->iattr);
    y->aux = ae_tape_scratch(t, y->value.size * sizeof(int32_t));
    if (!y->aux)
        return NULL;
    return ae_tape_finish(t, y);
}

/* Nearest-neighbour upsampling (Keras UpSampling2D, interpolation "nearest"). */
#include <limits.h>
#include <string.h>

#include "ops/conv.h"
#include "ops/parallel.h"

enum { UP_FY, UP_FX };

/* The planes of samples [first, last): threads take whole samples (ops/parallel.h). */
static void forward_chunk(void *ctx, int worker, int first, int last)
{
    const ae_node *n = ctx;
    const ae_tensor *x = &n->in[0]->value;
    int fy = n->iattr[UP_FY], fx = n->iattr[UP_FX];
    int h = x->shape[2], w = x->shape[3], ow = w * fx;
    size_t channels = (size_t)x->shape[1];
    for (size_t p = (size_t)first * channels; p < (size_t)last * channels; p++)
        for (int iy = 0; iy < h; iy++) {
            const float *src = x->data + (p * (size_t)h + (size_t)iy) * (size_t)w;
            float *dst = n->value.data + (p * (size_t)h + (size_t)iy) * (size_t)fy * (size_t)ow;
            for (int ix = 0; ix < w; ix++)
                for (int r = 0; r < fx; r++)
                    dst[ix * fx + r] = src[ix];
            for (int r = 1; r < fy; r++) /* the other fy − 1 rows repeat the first */
                memcpy(dst + (size_t)r * ow, dst, (size_t)ow * sizeof *dst);
        }
}

static void upsample_forward(ae_tape *t, ae_node *n)
{
    int batch = n->value.shape[0];
    ae_parallel_chunks(batch, ae_parallel_workers(batch), forward_chunk, n);
}

typedef struct upsample_grad {
    const ae_node *n;
    float *dx;
} upsample_grad;

/* Each input cell fed an fy×fx block: its gradient is the block's sum. */
static void backward_chunk(void *ctx, int worker, int first, int last)
{
    const upsample_grad *ug = ctx;
    const ae_node *n = ug->n, *xn = n->in[0];
    float *dx = ug->dx;
    int fy = n->iattr[UP_FY], fx = n->iattr[UP_FX];
    int h = xn->value.shape[2], w = xn->value.shape[3], ow = w * fx;
    size_t channels = (size_t)xn->value.shape[1];
    for (size_t p = (size_t)first * channels; p < (size_t)last * channels; p++)
        for (int iy = 0; iy < h; iy++) {
            float *d = dx + (p * (size_t)h + (size_t)iy) * (size_t)w;
            const float *g = n->grad + (p * (size_t)h + (size_t)iy) * (size_t)fy * (size_t)ow;
            for (int r = 0; r < fy; r++, g += ow)
                for (int ix = 0; ix < w; ix++) {
                    float s = 0.0f;
                    for (int c = 0; c < fx; c++)
                        s += g[ix * fx + c];
                    d[ix] += s;
                }
        }
}

static void upsample_backward(ae_tape *t, ae_node *n)
{
    upsample_grad ug = {n, ae_tape_grad(t, n->in[0])};
    int batch = n->value.shape[0];
    if (ug.dx)
        ae_parallel_chunks(batch, ae_parallel_workers(batch), backward_chunk, &ug);
}

static const ae_op_def op_upsample = {"upsample2d", upsample_forward, upsample_backward};

ae_node *ae_upsample2d(ae_tape *t, ae_node *x, int fy, int fx)
{
    if (!x || t->failed)
        return NULL;
    char buf[64];
    if (x->value.ndim != 4)
        return ae_tape_fail(t, AE_ERR_SHAPE, "upsample2d: input must be N×C×H×W, got %s",
                            ae_tensor_shape_str(&x->value, buf, sizeof buf));
    const int *xs = x->value.shape;
    if (fy < 1 || fx < 1 || xs[2] > INT_MAX / fy || xs[3] > INT_MAX / fx)
        return ae_tape_fail(t, AE_ERR_SHAPE,
                            "upsample2d: factors %d×%d must be positive and keep a %d×%d input's "
                            "size within int",
                            fy, fx, xs[2], xs[3]);
    int shape[4] = {xs[0], xs[1], xs[2] * fy, xs[3] * fx};
    ae_node *y = ae_tape_record(t, &op_upsample, &x, 1, 4, shape, NULL);
    if (!y)
        return NULL;
    y->iattr[UP_FY] = fy;
    y->iattr[UP_FX] = fx;
    return ae_tape_finish(t, y);
}

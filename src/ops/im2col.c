/* Window geometry (TensorFlow's size and padding rules), im2col and col2im. */
#include "ops/im2col.h"
#include "ops/parallel.h"

#include <cblas.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

const char *ae_padding_name(ae_padding p)
{
    return p == AE_PAD_SAME ? "same" : "valid";
}

int ae_padding_from_name(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "same") == 0)
        return AE_PAD_SAME;
    if (strcmp(name, "valid") == 0)
        return AE_PAD_VALID;
    return -1;
}

static bool valid_args(int in, int k, int s, ae_padding p)
{
    return in >= 1 && k >= 1 && s >= 1 && (p == AE_PAD_SAME || p == AE_PAD_VALID);
}

int ae_conv_out_size(int in, int k, int s, ae_padding p)
{
    if (!valid_args(in, k, s, p))
        return -1;
    if (p == AE_PAD_SAME)
        return (in - 1) / s + 1; /* ceil(in/s) without overflow */
    if (k > in)
        return -1;
    return (in - k) / s + 1; /* = ceil((in − k + 1)/s) */
}

int ae_conv_pad_before(int in, int k, int s, ae_padding p)
{
    int out = ae_conv_out_size(in, k, s, p);
    if (out < 0)
        return -1;
    if (p == AE_PAD_VALID)
        return 0;
    long long total = (long long)(out - 1) * s + k - in;
    return total > 0 ? (int)(total / 2) : 0; /* the odd row goes after: TF's asymmetric SAME */
}

int ae_deconv_out_size(int in, int k, int s, ae_padding p)
{
    if (!valid_args(in, k, s, p))
        return -1;
    long long out = (long long)in * s;
    if (p == AE_PAD_VALID && k > s)
        out += k - s;
    return out > INT_MAX ? -1 : (int)out;
}

bool ae_conv_geom_init(ae_conv_geom *g, int c, int h, int w, int kh, int kw, int sh, int sw,
                       ae_padding p)
{
    int oh = ae_conv_out_size(h, kh, sh, p), ow = ae_conv_out_size(w, kw, sw, p);
    if (c < 1 || oh < 1 || ow < 1)
        return false;
    size_t rows = (size_t)c * (size_t)kh * (size_t)kw, cols = (size_t)oh * (size_t)ow;
    /* sgemm takes int dimensions; the column matrix must be addressable in bytes */
    if ((size_t)c > INT_MAX / (size_t)kh / (size_t)kw || cols > INT_MAX ||
        rows > SIZE_MAX / 4 / cols)
        return false;
    *g = (ae_conv_geom){.c = c, .h = h, .w = w, .kh = kh, .kw = kw, .sh = sh, .sw = sw,
                        .pt = ae_conv_pad_before(h, kh, sh, p),
                        .pl = ae_conv_pad_before(w, kw, sw, p), .oh = oh, .ow = ow};
    return true;
}

size_t ae_conv_geom_rows(const ae_conv_geom *g)
{
    return (size_t)g->c * (size_t)g->kh * (size_t)g->kw;
}

size_t ae_conv_geom_cols(const ae_conv_geom *g)
{
    return (size_t)g->oh * (size_t)g->ow;
}

void ae_conv_geom_store(const ae_conv_geom *g, int *ia)
{
    int v[AE_CONV_GEOM_INTS] = {g->c, g->h, g->w, g->kh, g->kw, g->sh, g->sw, g->pt, g->pl, g->oh,
                                g->ow};
    memcpy(ia, v, sizeof v);
}

ae_conv_geom ae_conv_geom_load(const int *ia)
{
    return (ae_conv_geom){.c = ia[0], .h = ia[1], .w = ia[2], .kh = ia[3], .kw = ia[4],
                          .sh = ia[5], .sw = ia[6], .pt = ia[7], .pl = ia[8], .oh = ia[9],
                          .ow = ia[10]};
}

/* The window positions ox in [*lo, *hi) whose tap at offset j lands inside [0, w):
 * 0 ≤ ox·s − pad + j < w. Computed once per kernel tap, so the pixel loops have no tests. */
static void inside_range(int w, int s, int pad, int j, int n_out, int *lo, int *hi)
{
    int first = pad - j; /* smallest ox·s allowed */
    int a = first <= 0 ? 0 : (first + s - 1) / s;
    int last = w - 1 + pad - j; /* largest ox·s allowed */
    int b = last < 0 ? 0 : last / s + 1;
    if (b > n_out)
        b = n_out;
    if (a > b)
        a = b;
    *lo = a;
    *hi = b;
}

/* Stride 1 with ow == w (SAME, or a 1-wide kernel): for a fixed tap the whole column-matrix
 * row is the image plane shifted by (i − pt)·w + (j − pl), so one memcpy covers every valid
 * output row; the few border cells it fills with wrapped-around pixels are then zeroed column
 * by column. */
static void im2col_row_shifted(const ae_conv_geom *g, const float *plane, float *row, int i,
                               int j, int lo, int hi)
{
    const int ow = g->ow, oh = g->oh;
    int ya = g->pt - i, yb = g->h + g->pt - i; /* output rows whose input row is inside */
    ya = ya < 0 ? 0 : ya;
    yb = yb > oh ? oh : yb;
    if (ya >= yb || lo >= hi) {
        memset(row, 0, (size_t)oh * ow * sizeof *row);
        return;
    }
    size_t first = (size_t)ya * ow + lo, end = (size_t)(yb - 1) * ow + hi;
    ptrdiff_t shift = (ptrdiff_t)(i - g->pt) * g->w + (j - g->pl);
    memset(row, 0, first * sizeof *row);
    memcpy(row + first, plane + ((ptrdiff_t)first + shift), (end - first) * sizeof *row);
    memset(row + end, 0, ((size_t)oh * ow - end) * sizeof *row);
    for (int x = 0; x < lo; x++)
        for (int oy = ya; oy < yb; oy++)
            row[(size_t)oy * ow + x] = 0.0f;
    for (int x = hi; x < ow; x++)
        for (int oy = ya; oy < yb; oy++)
            row[(size_t)oy * ow + x] = 0.0f;
}

void ae_conv_im2col(const ae_conv_geom *g, const float *restrict img, float *restrict col)
{
    const size_t ncols = ae_conv_geom_cols(g);
    const int ow = g->ow, sw = g->sw;
    const bool shifted = g->sh == 1 && sw == 1 && ow == g->w;
    for (int c = 0; c < g->c; c++)
        for (int i = 0; i < g->kh; i++)
            for (int j = 0; j < g->kw; j++) {
                float *row = col + ((size_t)(c * g->kh + i) * g->kw + j) * ncols;
                int lo, hi;
                inside_range(g->w, sw, g->pl, j, ow, &lo, &hi);
                if (shifted) {
                    im2col_row_shifted(g, img + (size_t)c * g->h * g->w, row, i, j, lo, hi);
                    continue;
                }
                for (int oy = 0; oy < g->oh; oy++) {
                    float *restrict dst = row + (size_t)oy * ow;
                    int iy = oy * g->sh - g->pt + i;
                    if (iy < 0 || iy >= g->h) {
                        for (int ox = 0; ox < ow; ox++)
                            dst[ox] = 0.0f;
                        continue;
                    }
                    const float *restrict src = img + ((size_t)c * g->h + iy) * g->w;
                    int x0 = lo * sw - g->pl + j; /* first tapped pixel, ≥ 0 */
                    for (int ox = 0; ox < lo; ox++)
                        dst[ox] = 0.0f;
                    if (sw == 1) {
                        for (int ox = lo; ox < hi; ox++)
                            dst[ox] = src[x0 + (ox - lo)];
                    } else {
                        for (int ox = lo; ox < hi; ox++)
                            dst[ox] = src[x0 + (ox - lo) * sw];
                    }
                    for (int ox = hi; ox < ow; ox++)
                        dst[ox] = 0.0f;
                }
            }
}

void ae_conv_col2im_add(const ae_conv_geom *g, const float *restrict col, float *restrict img)
{
    const size_t ncols = ae_conv_geom_cols(g);
    const int ow = g->ow, sw = g->sw;
    for (int c = 0; c < g->c; c++)
        for (int i = 0; i < g->kh; i++)
            for (int j = 0; j < g->kw; j++) {
                const float *row = col + ((size_t)(c * g->kh + i) * g->kw + j) * ncols;
                int lo, hi;
                inside_range(g->w, sw, g->pl, j, ow, &lo, &hi);
                if (lo == hi)
                    continue;
                for (int oy = 0; oy < g->oh; oy++) {
                    int iy = oy * g->sh - g->pt + i;
                    if (iy < 0 || iy >= g->h)
                        continue;
                    const float *restrict src = row + (size_t)oy * ow;
                    float *restrict dst = img + ((size_t)c * g->h + iy) * g->w +
                                 (ptrdiff_t)(lo * sw - g->pl + j);
                    if (sw == 1) {
                        for (int ox = lo; ox < hi; ox++)
                            dst[ox - lo] += src[ox];
                    } else {
                        for (int ox = lo; ox < hi; ox++)
                            dst[(size_t)(ox - lo) * sw] += src[ox];
                    }
                }
            }
}

void ae_conv_sgemm(bool ta, bool tb, int m, int n, int k, const float *a, const float *b,
                   float beta, float *c)
{
    if (m == 1) {
        /* One output channel (a grayscale reconstruction layer): a matrix-vector product, which
         * OpenBLAS runs about twice as fast as sgemm with m = 1. a is a contiguous k-vector
         * either way; c = op(B)ᵀ·a. */
        if (tb)
            cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1.0f, b, k, a, 1, beta, c, 1);
        else
            cblas_sgemv(CblasRowMajor, CblasTrans, k, n, 1.0f, b, n, a, 1, beta, c, 1);
        return;
    }
    int lda = ta ? m : k, ldb = tb ? k : n;
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m,
                n, k, 1.0f, a, lda, b, ldb, beta, c, n);
}

void ae_conv_fill_bias(float *y, const float *b, int channels, size_t plane)
{
    for (int c = 0; c < channels; c++)
        for (size_t p = 0; p < plane; p++)
            y[(size_t)c * plane + p] = b[c];
}

/* Σ of a row with eight partial sums: the compiler may not reorder a float reduction itself,
 * so this is what lets it use vector adds. */
static float row_sum(const float *x, size_t n)
{
    float acc[8] = {0};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            acc[k] += x[i + k];
    float s = 0.0f;
    for (; i < n; i++)
        s += x[i];
    for (int k = 0; k < 8; k++)
        s += acc[k];
    return s;
}

void ae_conv_bias_grad(const float *dy, float *db, int batch, int channels, size_t plane)
{
    for (int n = 0; n < batch; n++)
        for (int c = 0; c < channels; c++)
            db[c] += row_sum(dy + ((size_t)n * channels + c) * plane, plane);
}

bool ae_conv_check_operands(ae_tape *t, const char *op, const ae_node *x, const ae_node *w,
                            const ae_node *b, int w_in_axis, int stride_h, int stride_w,
                            ae_padding padding)
{
    char xs[64], ws[64];
    if (x->value.ndim != 4) {
        ae_tape_fail(t, AE_ERR_SHAPE, "%s: input must be N×C×H×W, got %s", op,
                     ae_tensor_shape_str(&x->value, xs, sizeof xs));
        return false;
    }
    if (w->value.ndim != 4 || w->value.shape[w_in_axis] != x->value.shape[1]) {
        ae_tape_fail(t, AE_ERR_SHAPE,
                     "%s: kernel %s does not match an input with %d channels (layout %s)", op,
                     ae_tensor_shape_str(&w->value, ws, sizeof ws), x->value.shape[1],
                     w_in_axis == 1 ? "[Cout, Cin, kh, kw]" : "[Cin, Cout, kh, kw]");
        return false;
    }
    int cout = w->value.shape[1 - w_in_axis];
    if (b && (b->value.ndim != 1 || b->value.shape[0] != cout)) {
        ae_tape_fail(t, AE_ERR_SHAPE, "%s: bias %s does not match %d output channels", op,
                     ae_tensor_shape_str(&b->value, ws, sizeof ws), cout);
        return false;
    }
    if (stride_h < 1 || stride_w < 1) {
        ae_tape_fail(t, AE_ERR_SHAPE, "%s: strides must be positive, got %d×%d", op, stride_h,
                     stride_w);
        return false;
    }
    if (padding != AE_PAD_SAME && padding != AE_PAD_VALID) {
        ae_tape_fail(t, AE_ERR_SHAPE, "%s: unknown padding %d", op, (int)padding);
        return false;
    }
    return true;
}

bool ae_conv_record_geometry(ae_tape *t, ae_node *y, const ae_conv_geom *g, int batch)
{
    ae_conv_geom_store(g, y->iattr);
    int workers = ae_parallel_workers(batch);
    y->iattr[AE_CONV_WORKERS_SLOT] = workers;
    y->aux = ae_tape_scratch(t, (size_t)workers * ae_conv_geom_rows(g) * ae_conv_geom_cols(g) *
                                    sizeof(float));
    return y->aux != NULL;
}

ae_conv_pass ae_conv_pass_of(const ae_node *n)
{
    ae_conv_pass p = {.g = ae_conv_geom_load(n->iattr)};
    const ae_tensor *x = &n->in[0]->value, *w = &n->in[1]->value;
    p.x = x->data;
    p.w = w->data;
    p.b = n->n_in > 2 ? n->in[2]->value.data : NULL;
    p.y = n->value.data;
    p.col = n->aux;
    p.filters = w->shape[0];
    p.rows = (int)ae_conv_geom_rows(&p.g);
    p.cols = (int)ae_conv_geom_cols(&p.g);
    p.xs = ae_tensor_row_size(x);
    p.ys = ae_tensor_row_size(&n->value);
    p.col_size = (size_t)p.rows * (size_t)p.cols;
    return p;
}

float *ae_conv_pass_dw(const ae_conv_pass *p, int worker)
{
    return p->dw ? ae_parallel_acc(p->dw, p->dw_partials, worker,
                                   (size_t)p->filters * (size_t)p->rows)
                 : NULL;
}

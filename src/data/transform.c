/* Transforms that make a new dataset from an old one: bilinear resize and
 * channel conversion. Labels and n_classes are copied unchanged. */
#include "data/data.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A new dataset of the given sample shape with in's labels. */
static int transform_alloc(const ae_dataset *in, int c, int h, int w, const char *what,
                           ae_dataset *out, ae_error *err)
{
    int rc = ae_dataset_alloc(out, in->n, c, h, w, in->labels != NULL, what, err);
    if (rc)
        return rc;
    if (in->labels)
        memcpy(out->labels, in->labels, in->n * sizeof *in->labels);
    out->n_classes = in->n_classes;
    return AE_OK;
}

/* Source taps for one output axis under the half-pixel rule: output index o
 * reads src = (o + 0.5)·in/out − 0.5, clamped below at 0 (as PyTorch does for
 * align_corners=False; TensorFlow's clamping of both taps gives the same
 * values), between lo = floor(src) and hi = min(lo + 1, in − 1). */
static void resize_taps(int in_size, int out_size, int *lo, int *hi, float *frac)
{
    double scale = (double)in_size / out_size;
    for (int o = 0; o < out_size; o++) {
        double src = (o + 0.5) * scale - 0.5;
        if (src < 0)
            src = 0;
        int l = (int)floor(src);
        if (l > in_size - 1)
            l = in_size - 1;
        lo[o] = l;
        hi[o] = l + 1 < in_size ? l + 1 : in_size - 1;
        frac[o] = (float)(src - l);
    }
}

int ae_dataset_resize(const ae_dataset *in, int h, int w, ae_dataset *out, ae_error *err)
{
    memset(out, 0, sizeof *out);
    if (h < 1 || w < 1 || h > AE_DATA_MAX_SIDE || w > AE_DATA_MAX_SIDE)
        return ae_error_set(err, AE_ERR_SHAPE, "resize: target size %d×%d is outside 1..%d",
                            h, w, AE_DATA_MAX_SIDE);
    int rc = transform_alloc(in, in->c, h, w, "resize", out, err);
    if (rc)
        return rc;
    if (h == in->h && w == in->w) {
        memcpy(out->x, in->x, in->n * ae_dataset_sample_size(in) * sizeof(float));
        return AE_OK;
    }
    int *ylo = malloc((size_t)h * sizeof *ylo), *yhi = malloc((size_t)h * sizeof *yhi);
    int *xlo = malloc((size_t)w * sizeof *xlo), *xhi = malloc((size_t)w * sizeof *xhi);
    float *yf = malloc((size_t)h * sizeof *yf), *xf = malloc((size_t)w * sizeof *xf);
    if (!ylo || !yhi || !xlo || !xhi || !yf || !xf) {
        rc = ae_error_set(err, AE_ERR_NOMEM, "resize: out of memory");
        ae_dataset_free(out);
        goto done;
    }
    resize_taps(in->h, h, ylo, yhi, yf);
    resize_taps(in->w, w, xlo, xhi, xf);
    size_t planes = in->n * (size_t)in->c;
    for (size_t p = 0; p < planes; p++) {
        const float *src = in->x + p * (size_t)in->h * in->w;
        float *dst = out->x + p * (size_t)h * w;
        for (int y = 0; y < h; y++) {
            const float *r0 = src + (size_t)ylo[y] * in->w, *r1 = src + (size_t)yhi[y] * in->w;
            float fy = yf[y];
            for (int x = 0; x < w; x++) {
                float fx = xf[x];
                float top = r0[xlo[x]] + fx * (r0[xhi[x]] - r0[xlo[x]]);
                float bot = r1[xlo[x]] + fx * (r1[xhi[x]] - r1[xlo[x]]);
                dst[(size_t)y * w + x] = top + fy * (bot - top);
            }
        }
    }
done:
    free(ylo);
    free(yhi);
    free(xlo);
    free(xhi);
    free(yf);
    free(xf);
    return rc;
}

int ae_dataset_to_channels(const ae_dataset *in, int c, ae_dataset *out, ae_error *err)
{
    memset(out, 0, sizeof *out);
    if (!(c == in->c || (in->c == 1 && c == 3) || (in->c == 3 && c == 1)))
        return ae_error_set(err, AE_ERR_SHAPE,
                            "channels: cannot convert %d channels to %d (supported: 1→3, 3→1, "
                            "or the same count)",
                            in->c, c);
    int rc = transform_alloc(in, c, in->h, in->w, "channels", out, err);
    if (rc)
        return rc;
    size_t plane = (size_t)in->h * in->w;
    if (c == in->c) {
        memcpy(out->x, in->x, in->n * ae_dataset_sample_size(in) * sizeof(float));
    } else if (c == 3) {
        for (size_t i = 0; i < in->n; i++)
            for (int k = 0; k < 3; k++)
                memcpy(out->x + (i * 3 + k) * plane, in->x + i * plane, plane * sizeof(float));
    } else {
        for (size_t i = 0; i < in->n; i++) {
            const float *r = in->x + i * 3 * plane, *g = r + plane, *b = g + plane;
            float *y = out->x + i * plane;
            for (size_t p = 0; p < plane; p++)
                y[p] = 0.299f * r[p] + 0.587f * g[p] + 0.114f * b[p];
        }
    }
    return AE_OK;
}

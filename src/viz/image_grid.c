/* Image grids: tiles composed into an RGB8 buffer and written with libpng.
 * Row labels, when asked for, are drawn into a left margin with cairo. */
#include "viz/viz_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct grid_geom {
    int tile_w, tile_h; /* scaled image size */
    int margin;         /* left label margin */
    int width, height;
} grid_geom;

/* Validates the grid parameters and computes the output size without
 * overflow: every intermediate is bounded by AE_VIZ_MAX_SIDE first. */
static ae_code grid_geometry(const char *path, int n_rows, int n_cols, int h, int w, int scale,
                             int pad, int margin, grid_geom *g, ae_error *err)
{
    if (n_rows < 1 || n_cols < 1 || h < 1 || w < 1)
        return ae_error_set(err, AE_ERR_SHAPE,
                            "%s: grid needs positive sizes (rows %d, cols %d, image %dx%d)", path,
                            n_rows, n_cols, h, w);
    if (scale < 1 || scale > 64 || pad < 0 || pad > 256)
        return ae_error_set(err, AE_ERR_CONFIG,
                            "%s: grid scale %d (want 1..64) or pad %d (want 0..256) out of range",
                            path, scale, pad);
    long long tw = (long long)w * scale, th = (long long)h * scale;
    long long width = -1, height = -1;
    if (tw <= AE_VIZ_MAX_SIDE && th <= AE_VIZ_MAX_SIDE && n_cols <= AE_VIZ_MAX_SIDE &&
        n_rows <= AE_VIZ_MAX_SIDE) {
        width = margin + pad + n_cols * (tw + pad);
        height = pad + n_rows * (th + pad);
    }
    if (width < 0 || width > AE_VIZ_MAX_SIDE || height > AE_VIZ_MAX_SIDE ||
        (size_t)width * (size_t)height > AE_VIZ_MAX_PIXELS)
        return ae_error_set(err, AE_ERR_SHAPE,
                            "%s: grid of %dx%d images of %dx%d at scale %d is too large "
                            "(limit %d pixels per side, %zu pixels)",
                            path, n_rows, n_cols, h, w, scale, AE_VIZ_MAX_SIDE, AE_VIZ_MAX_PIXELS);
    g->tile_w = (int)tw;
    g->tile_h = (int)th;
    g->margin = margin;
    g->width = (int)width;
    g->height = (int)height;
    return AE_OK;
}

static uint8_t *grid_canvas(const char *path, const grid_geom *g, ae_error *err)
{
    size_t bytes = (size_t)g->width * (size_t)g->height * 3;
    uint8_t *rgb = malloc(bytes);
    if (!rgb)
        ae_error_set(err, AE_ERR_NOMEM, "%s: cannot allocate %zu bytes for the grid", path, bytes);
    else
        memset(rgb, AE_VIZ_GRID_BORDER, bytes);
    return rgb;
}

static uint8_t to_byte(double t)
{
    if (!(t > 0.0)) /* also -Inf */
        return 0;
    if (t >= 255.0)
        return 255;
    return (uint8_t)(t + 0.5);
}

/* Draws one c*h*w image at cell (x0, y0): byte = bias + (v - lo) * gain,
 * clamped; infinities clamp to their end even when gain is 0. */
static void blit(uint8_t *rgb, const grid_geom *g, int x0, int y0, const float *img, int c, int h,
                 int w, int scale, double lo, double gain, double bias)
{
    static const uint8_t nan_rgb[3] = {AE_VIZ_NAN_RGB};
    size_t plane = (size_t)h * (size_t)w;
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint8_t px[3];
            int bad = 0;
            for (int k = 0; k < 3; k++) {
                float v = img[(size_t)(c == 3 ? k : 0) * plane + (size_t)y * w + x];
                bad |= isnan(v);
                px[k] = isinf(v) ? (v > 0 ? 255 : 0) : to_byte(bias + ((double)v - lo) * gain);
            }
            if (bad)
                memcpy(px, nan_rgb, 3);
            for (int dy = 0; dy < scale; dy++) {
                uint8_t *row =
                    rgb + ((size_t)(y0 + y * scale + dy) * g->width + x0 + x * scale) * 3;
                for (int dx = 0; dx < scale; dx++)
                    memcpy(row + (size_t)dx * 3, px, 3);
            }
        }
    }
}

static void cell_origin(const grid_geom *g, int pad, int r, int col, int *x0, int *y0)
{
    *x0 = g->margin + pad + col * (g->tile_w + pad);
    *y0 = pad + r * (g->tile_h + pad);
}

/* ---- row labels ---- */

static double label_font(const grid_geom *g)
{
    double s = g->tile_h * 0.4;
    return s < 9 ? 9 : s > 16 ? 16 : s;
}

/* Width of the left margin for the labels; 0 without a usable font. */
static int label_margin(const char *const *labels, int n_rows, double font)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
    cairo_t *cr = cairo_create(s);
    double wmax = 0;
    if (ae_viz_font_usable(cr)) {
        cairo_set_font_size(cr, font);
        for (int r = 0; r < n_rows; r++) {
            cairo_text_extents_t te;
            char clean[AE_VIZ_TEXT_MAX];
            if (!labels[r])
                continue;
            ae_viz_text_clean(labels[r], clean, sizeof clean);
            cairo_text_extents(cr, clean, &te);
            if (te.x_advance > wmax)
                wmax = te.x_advance;
        }
    }
    int ok = cairo_status(cr) == CAIRO_STATUS_SUCCESS;
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    if (!ok || wmax <= 0)
        return 0;
    if (wmax > 400) /* very long labels are clipped, not allowed to widen forever */
        wmax = 400;
    return (int)ceil(wmax) + 2 * (int)ceil(font * 0.6);
}

/* Copies the grid into a cairo surface, draws the labels, copies back. */
static ae_code draw_labels(const char *path, uint8_t *rgb, const grid_geom *g, int pad, int n_rows,
                           const char *const *labels, double font, ae_error *err)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, g->width, g->height);
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(s);
        return ae_error_set(err, AE_ERR_NOMEM, "%s: cannot create a %dx%d label surface", path,
                            g->width, g->height);
    }
    cairo_surface_flush(s);
    unsigned char *data = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s);
    for (int y = 0; y < g->height; y++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)y * stride);
        const uint8_t *src = rgb + (size_t)y * g->width * 3;
        for (int x = 0; x < g->width; x++)
            row[x] = (uint32_t)src[3 * x] << 16 | (uint32_t)src[3 * x + 1] << 8 | src[3 * x + 2];
    }
    cairo_surface_mark_dirty(s);

    cairo_t *cr = cairo_create(s);
    if (ae_viz_font_usable(cr)) {
        double gap = ceil(font * 0.6);
        cairo_set_font_size(cr, font);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_font_extents_t fe;
        cairo_font_extents(cr, &fe);
        cairo_rectangle(cr, 0, 0, g->margin - gap, g->height);
        cairo_clip(cr);
        for (int r = 0; r < n_rows; r++) {
            if (!labels[r])
                continue;
            cairo_text_extents_t te;
            char clean[AE_VIZ_TEXT_MAX];
            ae_viz_text_clean(labels[r], clean, sizeof clean);
            cairo_text_extents(cr, clean, &te);
            int x0, y0;
            cell_origin(g, pad, r, 0, &x0, &y0);
            double cy = y0 + g->tile_h / 2.0;
            double x = g->margin - gap - te.x_advance;
            cairo_move_to(cr, x < 2 ? 2 : x, cy + (fe.ascent - fe.descent) / 2);
            cairo_show_text(cr, clean);
        }
    }
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_flush(s);
    for (int y = 0; y < g->height; y++) {
        const uint32_t *row = (const uint32_t *)(const void *)(data + (size_t)y * stride);
        uint8_t *dst = rgb + (size_t)y * g->width * 3;
        for (int x = 0; x < g->width; x++) {
            dst[3 * x] = (uint8_t)(row[x] >> 16);
            dst[3 * x + 1] = (uint8_t)(row[x] >> 8);
            dst[3 * x + 2] = (uint8_t)row[x];
        }
    }
    cairo_surface_destroy(s);
    if (st != CAIRO_STATUS_SUCCESS)
        return ae_error_set(err, AE_ERR_INTERNAL, "%s: drawing row labels: %s", path,
                            cairo_status_to_string(st));
    return AE_OK;
}

/* ---- public ---- */

ae_code ae_viz_image_grid_labeled(const char *png_path, const float *images, int n_rows, int n_cols,
                                  int c, int h, int w, float lo, float hi, int scale, int pad,
                                  const char *const *row_labels, ae_error *err)
{
    if (!png_path)
        return ae_error_set(err, AE_ERR_IO, "image grid: no output path");
    if (c != 1 && c != 3)
        return ae_error_set(err, AE_ERR_SHAPE, "%s: images need 1 or 3 channels, not %d", png_path,
                            c);
    if (!isfinite(lo) || !isfinite(hi) || !(lo < hi))
        return ae_error_set(err, AE_ERR_CONFIG,
                            "%s: value range [%g, %g] must be finite with lo < hi", png_path,
                            (double)lo, (double)hi);
    grid_geom g;
    ae_code rc = grid_geometry(png_path, n_rows, n_cols, h, w, scale, pad, 0, &g, err);
    if (rc != AE_OK)
        return rc;
    if (!images)
        return ae_error_set(err, AE_ERR_SHAPE, "%s: no image data", png_path);
    double font = label_font(&g);
    if (row_labels) {
        rc = grid_geometry(png_path, n_rows, n_cols, h, w, scale, pad,
                           label_margin(row_labels, n_rows, font), &g, err);
        if (rc != AE_OK)
            return rc;
    }
    uint8_t *rgb = grid_canvas(png_path, &g, err);
    if (!rgb)
        return AE_ERR_NOMEM;
    size_t image = (size_t)c * h * w;
    double gain = 255.0 / ((double)hi - (double)lo);
    for (int r = 0; r < n_rows; r++) {
        for (int col = 0; col < n_cols; col++) {
            int x0, y0;
            cell_origin(&g, pad, r, col, &x0, &y0);
            blit(rgb, &g, x0, y0, images + ((size_t)r * n_cols + col) * image, c, h, w, scale, lo,
                 gain, 0.0);
        }
    }
    if (row_labels && g.margin > 0)
        rc = draw_labels(png_path, rgb, &g, pad, n_rows, row_labels, font, err);
    if (rc == AE_OK)
        rc = ae_viz_write_rgb_png(png_path, rgb, g.width, g.height, err);
    free(rgb);
    return rc;
}

ae_code ae_viz_image_grid(const char *png_path, const float *images, int n_rows, int n_cols, int c,
                          int h, int w, float lo, float hi, int scale, int pad, ae_error *err)
{
    return ae_viz_image_grid_labeled(png_path, images, n_rows, n_cols, c, h, w, lo, hi, scale, pad,
                                     NULL, err);
}

ae_code ae_viz_feature_grid(const char *png_path, const float *tiles, int n_tiles, int n_cols,
                            int h, int w, int scale, ae_error *err)
{
    if (!png_path)
        return ae_error_set(err, AE_ERR_IO, "feature grid: no output path");
    if (n_tiles < 1 || n_cols < 1)
        return ae_error_set(err, AE_ERR_SHAPE, "%s: feature grid needs tiles (%d) and columns (%d)",
                            png_path, n_tiles, n_cols);
    int cols = n_cols < n_tiles ? n_cols : n_tiles;
    int rows = n_tiles / cols + (n_tiles % cols != 0);
    grid_geom g;
    ae_code rc = grid_geometry(png_path, rows, cols, h, w, scale, AE_VIZ_FEATURE_PAD, 0, &g, err);
    if (rc != AE_OK)
        return rc;
    if (!tiles)
        return ae_error_set(err, AE_ERR_SHAPE, "%s: no tile data", png_path);
    uint8_t *rgb = grid_canvas(png_path, &g, err);
    if (!rgb)
        return AE_ERR_NOMEM;
    size_t plane = (size_t)h * w;
    for (int t = 0; t < n_tiles; t++) {
        const float *tile = tiles + (size_t)t * plane;
        double mn = INFINITY, mx = -INFINITY;
        for (size_t i = 0; i < plane; i++) {
            if (isfinite(tile[i])) {
                mn = fmin(mn, tile[i]);
                mx = fmax(mx, tile[i]);
            }
        }
        double lo = mn, gain = 255.0 / (mx - mn), bias = 0.0;
        if (!(mx > mn) || !isfinite(gain)) { /* constant (or all non-finite) tile: mid-gray */
            lo = isfinite(mn) ? mn : 0.0;
            gain = 0.0;
            bias = 128.0;
        }
        int x0, y0;
        cell_origin(&g, AE_VIZ_FEATURE_PAD, t / cols, t % cols, &x0, &y0);
        blit(rgb, &g, x0, y0, tile, 1, h, w, scale, lo, gain, bias);
    }
    rc = ae_viz_write_rgb_png(png_path, rgb, g.width, g.height, err);
    free(rgb);
    return rc;
}

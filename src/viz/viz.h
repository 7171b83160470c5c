/* Pictures drawn from run data: image grids (libpng) and charts (cairo).
 *
 * Everything here is data in, file out: no knowledge of models or run files.
 * Every function writes one file and returns AE_OK, or an error code with a
 * message in err that names the file. On failure no partial file is left
 * behind. Inputs are borrowed; nothing returned needs freeing. */
#ifndef AELAB_VIZ_VIZ_H
#define AELAB_VIZ_VIZ_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Output size limits: larger requests are refused with AE_ERR_SHAPE rather
 * than attempting a huge allocation. */
enum { AE_VIZ_MAX_SIDE = 16384 };           /* pixels per side */
#define AE_VIZ_MAX_PIXELS ((size_t)1 << 26) /* pixels per picture (64 Mi) */

/* ---- image grids (PNG through libpng) ---------------------------------- */

/* Colours used by the grids (RGB). */
#define AE_VIZ_GRID_BORDER 255u       /* pad and empty cells: white */
#define AE_VIZ_NAN_RGB 255u, 0u, 255u /* NaN pixels: magenta */

/* A grid of n_rows*n_cols images, laid out row-major by cell. Each image is
 * c*h*w floats (c = 1 gray or 3 RGB, channel-major as in NCHW). Values map
 * linearly from [lo, hi] to 0..255 (rounded, clamped; lo < hi, both finite);
 * NaN is drawn magenta. Every image pixel becomes a scale*scale block
 * (1 <= scale <= 64); pad >= 0 border pixels surround every cell.
 * Output size: width  = pad + n_cols*(w*scale + pad),
 *              height = pad + n_rows*(h*scale + pad). */
ae_code ae_viz_image_grid(const char *png_path, const float *images, int n_rows, int n_cols, int c,
                          int h, int w, float lo, float hi, int scale, int pad, ae_error *err);

/* As ae_viz_image_grid, with row_labels[r] (n_rows strings, entries may be
 * NULL) drawn right-aligned in a left margin, e.g. "input" / "recon".
 * row_labels == NULL gives exactly ae_viz_image_grid. The grid is composed in
 * memory, the labels rendered with cairo's text API, and the result written
 * with libpng; the width grows by the margin (which depends on the font; no
 * margin is added if no font is available). */
ae_code ae_viz_image_grid_labeled(const char *png_path, const float *images, int n_rows, int n_cols,
                                  int c, int h, int w, float lo, float hi, int scale, int pad,
                                  const char *const *row_labels, ae_error *err);

/* Gray tiles (each h*w floats) normalised one by one from their own finite
 * min..max to 0..255, for weights and feature maps; a constant tile is drawn
 * mid-gray (128), NaN magenta. Cells are laid out row-major in
 * min(n_cols, n_tiles) columns and ceil(n_tiles / columns) rows, with a
 * 1-pixel border (AE_VIZ_FEATURE_PAD); unused cells are border-coloured. */
enum { AE_VIZ_FEATURE_PAD = 1 };
ae_code ae_viz_feature_grid(const char *png_path, const float *tiles, int n_tiles, int n_cols,
                            int h, int w, int scale, ae_error *err);

/* ---- charts (cairo; PNG or SVG chosen by the path's extension) --------- */

/* One curve. x may be NULL: then x[i] = i. Points whose x or y is NaN/Inf
 * (or y <= 0 on a log axis) are skipped and break the line, so a diverged
 * trial's curve simply stops. An isolated point is drawn as a dot. label may
 * be NULL (the series is left out of the legend; no legend if no labels). */
typedef struct ae_viz_series {
    const char *label;
    const double *x;
    const double *y;
    size_t n;
} ae_viz_series;

/* Titles may be NULL (omitted). width/height in pixels (SVG: px units);
 * 0 means 800 x 500; otherwise 64..AE_VIZ_MAX_SIDE. log_y: logarithmic y axis
 * (decade ticks, or 1-2-5 ticks over a few decades). Ticks are "nice" 1-2-5
 * steps; very large or small values get one "x10^k" per axis. A NULL chart
 * means all defaults. */
typedef struct ae_viz_chart {
    const char *title, *xlabel, *ylabel;
    int log_y;
    int width, height;
} ae_viz_chart;

/* Line chart of n_series curves in the tab10 palette (dashed after the
 * tenth, dotted after the twentieth), with a legend placed in the first plot
 * corner free of data, else outside on the right (in columns and smaller
 * type if needed; left out only if even that cannot fit). Series may differ
 * in length. Error (AE_ERR_SHAPE) when there is no finite point at all. */
ae_code ae_viz_line_chart(const char *path, const ae_viz_chart *chart, const ae_viz_series *series,
                          size_t n_series, ae_error *err);

/* Scatter of points (x[i], y[i]) coloured by labels[i] in 0..n_classes-1
 * (1 <= n_classes <= AE_VIZ_MAX_CLASSES; a label out of range is an error),
 * with a legend of class_names (NULL: "0", "1", ...). Non-finite points are
 * skipped; points are drawn in input order so no class hides another. */
enum { AE_VIZ_MAX_CLASSES = 256 };
ae_code ae_viz_scatter(const char *path, const ae_viz_chart *chart, const float *x, const float *y,
                       const int32_t *labels, size_t n, int n_classes,
                       const char *const *class_names, ae_error *err);

/* The chart colour of index i (tab10 for 0..9, tab20's light partners for
 * 10..19, then spread hues) as 0..255 RGB, so callers and tests can match
 * legend colours. */
void ae_viz_palette_rgb(size_t i, uint8_t rgb[3]);

/* Drops cairo's and fontconfig's process-wide caches. Call once before a
 * program that drew text exits, so leak checkers see no unreachable caches
 * (fontconfig keeps pointers in a form LeakSanitizer cannot follow). */
void ae_viz_release_fonts(void);

#endif

/* Shared pieces of the viz module: PNG writing, the cairo canvas, axes and
 * legends. Not part of the public API. */
#ifndef AELAB_VIZ_INTERNAL_H
#define AELAB_VIZ_INTERNAL_H

#include <cairo.h>
#include <stdint.h>
#include <stdio.h>

#include "viz/viz.h"

/* ---- png_write.c ---- */

/* Writes width*height packed RGB8 pixels (rows top to bottom) to path. */
ae_code ae_viz_write_rgb_png(const char *path, const uint8_t *rgb, int width, int height,
                             ae_error *err);

/* ---- palette.c ---- */

/* Palette colour i as cairo 0..1 components. */
void ae_viz_palette_color(size_t i, double rgb[3]);

/* ---- chart_canvas.c: a cairo surface bound to an output file ---- */

typedef struct ae_viz_canvas {
    const char *path; /* borrowed */
    FILE *fp;         /* the output file, open from open to close */
    int is_svg;
    int width, height;
    double unit;     /* size scale for fonts and strokes (1 at 800x500) */
    int text_ok;     /* 0 when no usable font: text is skipped */
    int write_errno; /* first write failure, for the message */
    cairo_surface_t *surface;
    cairo_t *cr;
} ae_viz_canvas;

/* Opens path for writing and creates a width*height surface (PNG or SVG by
 * the extension). On error nothing needs closing. */
ae_code ae_viz_canvas_open(ae_viz_canvas *cv, const char *path, int width, int height,
                           ae_error *err);
/* Finishes the drawing and writes the file; removes it on failure. */
ae_code ae_viz_canvas_close(ae_viz_canvas *cv, ae_error *err);
/* Drops the drawing and removes the file. */
void ae_viz_canvas_abort(ae_viz_canvas *cv);

/* Probes a cairo context for a usable "sans-serif" toy font. */
int ae_viz_font_usable(cairo_t *cr);

/* Copies text as valid UTF-8 (cairo refuses anything else and would fail
 * the whole drawing): invalid bytes become '?', and text longer than size
 * is cut at a character boundary. */
enum { AE_VIZ_TEXT_MAX = 512 };
void ae_viz_text_clean(const char *in, char *out, size_t size);

typedef enum { AE_VIZ_FONT_NORMAL, AE_VIZ_FONT_BOLD } ae_viz_weight;

/* Text width and (ascent + descent) at a pixel size; 0 when text is off. */
void ae_viz_text_size(ae_viz_canvas *cv, double size, ae_viz_weight wt, const char *text,
                      double *width, double *height);
/* Draws text anchored at (x, y): ha 0 left, 0.5 centre, 1 right; va 0 top,
 * 0.5 middle, 1 bottom of the font's ascent..descent box; angle in radians
 * (the anchor box rotates with the text). */
void ae_viz_text_draw(ae_viz_canvas *cv, double x, double y, double ha, double va, double angle,
                      double size, ae_viz_weight wt, const char *text);

/* ---- chart_axes.c: scales and tick values (pure computation) ---- */

enum { AE_VIZ_MAX_TICKS = 24, AE_VIZ_MAX_MINOR = 96 };

typedef struct ae_viz_axis {
    int log;       /* lo/hi are log10 values when set */
    double lo, hi; /* shown range, lo < hi */
    double major[AE_VIZ_MAX_TICKS];
    int n_major;
    double minor[AE_VIZ_MAX_MINOR];
    int n_minor;
    double step; /* linear major step; 0 for log axes */
    int exp10;   /* linear labels are in units of 10^exp10 (0: plain) */
} ae_viz_axis;

/* Builds an axis showing the data range [dmin, dmax] (finite, and > 0 for a
 * log axis) with a small margin and about `target` labelled ticks on 1-2-5
 * steps (log: decades, or 1-2-5 mantissas within a decade or two). */
void ae_viz_axis_build(ae_viz_axis *a, double dmin, double dmax, int log, int target);

/* Position of v along the axis as a fraction 0..1 of its length; NaN when v
 * cannot be shown (non-finite, or <= 0 on a log axis). */
double ae_viz_axis_frac(const ae_viz_axis *a, double v);

/* A tick label: text, plus a superscript exponent when exp[0] != 0
 * ("2×10" "-5"). */
typedef struct ae_viz_label {
    char text[40];
    char exp[8];
} ae_viz_label;
void ae_viz_axis_label(const ae_viz_axis *a, double v, ae_viz_label *out);
/* The axis multiplier ("×10" "7") when exp10 != 0; returns 0 when none. */
int ae_viz_axis_multiplier(const ae_viz_axis *a, ae_viz_label *out);

/* ---- chart_frame.c: layout, axes drawing, titles ---- */

typedef struct ae_viz_rect {
    double x0, y0, x1, y1;
} ae_viz_rect;

typedef struct ae_viz_plot {
    ae_viz_rect area; /* the data area in device pixels */
    ae_viz_axis x, y;
} ae_viz_plot;

/* Device coordinates of a data point; NaN when it cannot be shown. */
double ae_viz_plot_px(const ae_viz_plot *p, double x);
double ae_viz_plot_py(const ae_viz_plot *p, double y);

typedef struct ae_viz_legend ae_viz_legend;

/* How many data marks would a legend at rectangle r hide. */
typedef size_t (*ae_viz_hits_fn)(const void *ctx, const ae_viz_plot *p, const ae_viz_rect *r);

/* Chooses margins, ticks and the legend's size and place (lg may be NULL;
 * its entries must be filled in). */
void ae_viz_chart_layout(ae_viz_canvas *cv, const ae_viz_chart *chart, double xmin, double xmax,
                         double ymin, double ymax, int log_y, ae_viz_legend *lg,
                         ae_viz_hits_fn hits, const void *ctx, ae_viz_plot *out);
/* Background and grid lines, drawn before the data. */
void ae_viz_chart_draw_under(ae_viz_canvas *cv, const ae_viz_plot *p);
/* Frame, ticks, tick labels, axis labels and title, drawn after the data. */
void ae_viz_chart_draw_over(ae_viz_canvas *cv, const ae_viz_chart *chart, const ae_viz_plot *p);
/* Restricts drawing to the plot area (undo with cairo_restore). */
void ae_viz_chart_clip(ae_viz_canvas *cv, const ae_viz_plot *p);

/* ---- legend.c ---- */

typedef enum { AE_VIZ_KEY_LINE, AE_VIZ_KEY_MARKER } ae_viz_key;

typedef struct ae_viz_legend_entry {
    const char *label; /* borrowed */
    double rgb[3];
    ae_viz_key key;
    int dash; /* line style, see ae_viz_set_dash */
} ae_viz_legend_entry;

struct ae_viz_legend {
    ae_viz_legend_entry *entries; /* borrowed array */
    size_t n;
    double font; /* type scale, set by the layout (0 means 1) */
    /* measured by ae_viz_legend_measure: */
    double pad, row_h, key_w, text_w, col_w;
    /* placed by the layout: */
    size_t rows; /* rows per column */
    size_t cols; /* 0: the legend could not fit and is hidden */
    ae_viz_rect box;
    int outside;             /* right of the plot, else inside corner: */
    int corner;              /* 0 upper right, 1 upper left, 2 lower left, 3 lower right */
};

/* Measures entry sizes (no placement yet); max_text_w caps label widths. */
void ae_viz_legend_measure(ae_viz_canvas *cv, ae_viz_legend *lg, double max_text_w);
/* Box size when entries are split into columns of at most max_rows rows. */
void ae_viz_legend_shape(ae_viz_legend *lg, double max_h, double *w, double *h);
void ae_viz_legend_draw(ae_viz_canvas *cv, const ae_viz_legend *lg);
/* Line style k: 0 solid, 1 dashed, 2 dotted, 3 dash-dot (k wraps). */
void ae_viz_set_dash(cairo_t *cr, int k, double unit);

/* ---- shared helpers ---- */

/* The chart's size with defaults applied and limits checked. */
ae_code ae_viz_chart_size(const char *path, const ae_viz_chart *chart, int *width, int *height,
                          ae_error *err);

#endif

/* Legend boxes: one entry per series or class, split into columns when
 * taller than the plot. Placement is decided by the chart layout. */
#include "viz/viz_internal.h"

#include <math.h>

void ae_viz_set_dash(cairo_t *cr, int k, double unit)
{
    static const double pat[4][4] = {{0}, {6, 3.5}, {1, 3}, {7, 3, 1, 3}};
    static const int len[4] = {0, 2, 2, 4};
    double d[4];
    k = (k % 4 + 4) % 4;
    for (int i = 0; i < len[k]; i++)
        d[i] = pat[k][i] * unit;
    cairo_set_dash(cr, d, len[k], 0);
}

void ae_viz_legend_measure(ae_viz_canvas *cv, ae_viz_legend *lg, double max_text_w)
{
    double u = cv->unit * (lg->font > 0 ? lg->font : 1.0), h = 0;
    lg->pad = 6 * u;
    lg->key_w = 24 * u;
    lg->text_w = 0;
    for (size_t i = 0; i < lg->n; i++) {
        double w, th;
        ae_viz_text_size(cv, 11 * u, AE_VIZ_FONT_NORMAL, lg->entries[i].label, &w, &th);
        lg->text_w = fmax(lg->text_w, fmin(w, max_text_w));
        h = fmax(h, th);
    }
    if (h <= 0) /* no font: keys alone still tell the colours apart */
        h = 11 * u;
    lg->row_h = ceil(h * 1.3);
    lg->col_w = lg->key_w + (lg->text_w > 0 ? lg->pad + lg->text_w : 0) + 2 * lg->pad;
}

void ae_viz_legend_shape(ae_viz_legend *lg, double max_h, double *w, double *h)
{
    size_t fit = max_h > 2 * lg->pad ? (size_t)((max_h - 2 * lg->pad) / lg->row_h) : 1;
    if (fit < 1)
        fit = 1;
    lg->cols = (lg->n + fit - 1) / fit;
    if (lg->cols < 1)
        lg->cols = 1;
    lg->rows = (lg->n + lg->cols - 1) / lg->cols; /* balance the columns */
    *w = lg->cols * lg->col_w;
    *h = 2 * lg->pad + lg->rows * lg->row_h;
}

static void key_draw(cairo_t *cr, const ae_viz_legend_entry *e, double x, double y, double kw,
                     double u)
{
    cairo_set_source_rgb(cr, e->rgb[0], e->rgb[1], e->rgb[2]);
    if (e->key == AE_VIZ_KEY_MARKER) {
        cairo_arc(cr, x + kw / 2, y, 4.0 * u, 0, 2 * M_PI);
        cairo_fill(cr);
        return;
    }
    cairo_set_line_width(cr, 2.2 * u);
    ae_viz_set_dash(cr, e->dash, u);
    cairo_move_to(cr, x, y);
    cairo_line_to(cr, x + kw, y);
    cairo_stroke(cr);
    cairo_set_dash(cr, NULL, 0, 0);
}

void ae_viz_legend_draw(ae_viz_canvas *cv, const ae_viz_legend *lg)
{
    if (!lg || lg->n == 0 || lg->cols == 0)
        return;
    cairo_t *cr = cv->cr;
    double u = cv->unit * (lg->font > 0 ? lg->font : 1.0);
    const ae_viz_rect *b = &lg->box;
    double r = 3 * cv->unit;
    if (!lg->outside) {
        /* rounded, mostly opaque box so it reads over grid lines */
        cairo_new_sub_path(cr);
        cairo_arc(cr, b->x1 - r, b->y0 + r, r, -M_PI / 2, 0);
        cairo_arc(cr, b->x1 - r, b->y1 - r, r, 0, M_PI / 2);
        cairo_arc(cr, b->x0 + r, b->y1 - r, r, M_PI / 2, M_PI);
        cairo_arc(cr, b->x0 + r, b->y0 + r, r, M_PI, 1.5 * M_PI);
        cairo_close_path(cr);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.9);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.8, 0.8, 0.8);
        cairo_set_line_width(cr, fmax(1.0, 0.8 * cv->unit));
        cairo_stroke(cr);
    }
    for (size_t i = 0; i < lg->n; i++) {
        const ae_viz_legend_entry *e = &lg->entries[i];
        size_t col = i / lg->rows, row = i % lg->rows;
        double x = b->x0 + col * lg->col_w + lg->pad;
        double y = b->y0 + lg->pad + (row + 0.5) * lg->row_h;
        key_draw(cr, e, x, y, lg->key_w, u);
        if (lg->text_w <= 0)
            continue;
        double tx = x + lg->key_w + lg->pad;
        cairo_save(cr);
        cairo_rectangle(cr, tx, y - lg->row_h, lg->text_w + 1, 2 * lg->row_h);
        cairo_clip(cr); /* over-long labels are cut at the measured width */
        cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
        ae_viz_text_draw(cv, tx, y, 0, 0.5, 0, 11 * u, AE_VIZ_FONT_NORMAL, e->label);
        cairo_restore(cr);
    }
}

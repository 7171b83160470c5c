/* Line charts: loss curves per trial, sequence target vs. reconstruction. */
#include "viz/viz_internal.h"

#include <math.h>
#include <stdlib.h>

typedef struct line_data {
    const ae_viz_series *s;
    size_t n;
    int log_y;
} line_data;

static double x_at(const ae_viz_series *s, size_t i)
{
    return s->x ? s->x[i] : (double)i;
}

/* Skipped points (NaN, Inf, non-positive on a log axis) break the line. */
static int shown(const ae_viz_series *s, size_t i, int log_y)
{
    double x = x_at(s, i), y = s->y[i];
    return isfinite(x) && isfinite(y) && (!log_y || y > 0);
}

static int in_rect(const ae_viz_rect *r, double x, double y)
{
    return x >= r->x0 && x <= r->x1 && y >= r->y0 && y <= r->y1;
}

/* Liang-Barsky: does segment a-b cross rectangle r? */
static int segment_hits(const ae_viz_rect *r, double ax, double ay, double bx, double by)
{
    double t0 = 0, t1 = 1, dx = bx - ax, dy = by - ay;
    const double p[4] = {-dx, dx, -dy, dy};
    const double q[4] = {ax - r->x0, r->x1 - ax, ay - r->y0, r->y1 - ay};
    for (int k = 0; k < 4; k++) {
        if (p[k] == 0) {
            if (q[k] < 0)
                return 0;
            continue;
        }
        double t = q[k] / p[k];
        if (p[k] < 0)
            t0 = fmax(t0, t);
        else
            t1 = fmin(t1, t);
        if (t0 > t1)
            return 0;
    }
    return 1;
}

static size_t line_hits(const void *ctx, const ae_viz_plot *p, const ae_viz_rect *r)
{
    const line_data *d = ctx;
    size_t hits = 0;
    for (size_t k = 0; k < d->n; k++) {
        const ae_viz_series *s = &d->s[k];
        int have = 0;
        double px = 0, py = 0;
        for (size_t i = 0; i < s->n; i++) {
            if (!shown(s, i, d->log_y)) {
                have = 0;
                continue;
            }
            double x = ae_viz_plot_px(p, x_at(s, i)), y = ae_viz_plot_py(p, s->y[i]);
            hits += have ? segment_hits(r, px, py, x, y) : in_rect(r, x, y);
            have = 1;
            px = x;
            py = y;
        }
    }
    return hits;
}

static void draw_series(ae_viz_canvas *cv, const ae_viz_plot *p, const ae_viz_series *s, int log_y)
{
    cairo_t *cr = cv->cr;
    for (int dots = 0; dots < 2; dots++) {
        for (size_t i = 0; i < s->n; i++) {
            if (!shown(s, i, log_y))
                continue;
            double x = ae_viz_plot_px(p, x_at(s, i)), y = ae_viz_plot_py(p, s->y[i]);
            int prev = i > 0 && shown(s, i - 1, log_y);
            int next = i + 1 < s->n && shown(s, i + 1, log_y);
            if (dots && !prev && !next) { /* an isolated point would be invisible as a line */
                cairo_new_sub_path(cr);
                cairo_arc(cr, x, y, 2.6 * cv->unit, 0, 2 * M_PI);
            } else if (!dots && (prev || next)) {
                if (prev)
                    cairo_line_to(cr, x, y);
                else
                    cairo_move_to(cr, x, y);
            }
        }
        if (dots)
            cairo_fill(cr);
        else
            cairo_stroke(cr);
    }
}

ae_code ae_viz_line_chart(const char *path, const ae_viz_chart *chart, const ae_viz_series *series,
                          size_t n_series, ae_error *err)
{
    if (!path)
        return ae_error_set(err, AE_ERR_IO, "line chart: no output path");
    if (n_series == 0 || !series)
        return ae_error_set(err, AE_ERR_SHAPE, "%s: line chart has no series", path);
    int log_y = chart && chart->log_y, width, height;
    ae_code rc = ae_viz_chart_size(path, chart, &width, &height, err);
    if (rc != AE_OK)
        return rc;
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    size_t n_labels = 0;
    for (size_t k = 0; k < n_series; k++) {
        const ae_viz_series *s = &series[k];
        if (s->n > 0 && !s->y)
            return ae_error_set(err, AE_ERR_SHAPE, "%s: series %zu ('%s') has %zu points but no y",
                                path, k, s->label ? s->label : "", s->n);
        n_labels += s->label != NULL;
        for (size_t i = 0; i < s->n; i++) {
            if (!shown(s, i, log_y))
                continue;
            xmin = fmin(xmin, x_at(s, i));
            xmax = fmax(xmax, x_at(s, i));
            ymin = fmin(ymin, s->y[i]);
            ymax = fmax(ymax, s->y[i]);
        }
    }
    if (!(xmin <= xmax))
        return ae_error_set(err, AE_ERR_SHAPE, "%s: no finite%s data points in %zu series", path,
                            log_y ? ", positive (log axis)" : "", n_series);

    ae_viz_legend_entry *entries = n_labels ? calloc(n_labels, sizeof *entries) : NULL;
    if (n_labels && !entries)
        return ae_error_set(err, AE_ERR_NOMEM, "%s: no memory for the legend", path);
    ae_viz_legend lg = {.entries = entries};
    for (size_t k = 0; k < n_series; k++) {
        if (!series[k].label)
            continue;
        ae_viz_legend_entry *e = &entries[lg.n++];
        e->label = series[k].label;
        ae_viz_palette_color(k % 10, e->rgb);
        e->key = AE_VIZ_KEY_LINE;
        e->dash = (int)(k / 10);
    }

    ae_viz_canvas cv;
    rc = ae_viz_canvas_open(&cv, path, width, height, err);
    if (rc != AE_OK) {
        free(entries);
        return rc;
    }
    line_data data = {series, n_series, log_y};
    ae_viz_plot plot;
    ae_viz_chart_layout(&cv, chart, xmin, xmax, ymin, ymax, log_y, &lg, line_hits, &data, &plot);
    ae_viz_chart_draw_under(&cv, &plot);

    cairo_t *cr = cv.cr;
    ae_viz_chart_clip(&cv, &plot);
    cairo_set_line_width(cr, 1.8 * cv.unit);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    for (size_t k = 0; k < n_series; k++) {
        double rgb[3];
        ae_viz_palette_color(k % 10, rgb);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        ae_viz_set_dash(cr, (int)(k / 10), cv.unit);
        draw_series(&cv, &plot, &series[k], log_y);
    }
    cairo_restore(cr);

    ae_viz_chart_draw_over(&cv, chart, &plot);
    ae_viz_legend_draw(&cv, &lg);
    free(entries);
    return ae_viz_canvas_close(&cv, err);
}

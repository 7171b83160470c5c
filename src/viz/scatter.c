/* Scatter of 2-D latent codes coloured by class, with a class legend. */
#include "viz/viz_internal.h"

#include <math.h>
#include <stdio.h>

typedef struct scatter_data {
    const float *x, *y;
    size_t n;
} scatter_data;

static size_t scatter_hits(const void *ctx, const ae_viz_plot *p, const ae_viz_rect *r)
{
    const scatter_data *d = ctx;
    size_t hits = 0;
    for (size_t i = 0; i < d->n; i++) {
        double px = ae_viz_plot_px(p, d->x[i]), py = ae_viz_plot_py(p, d->y[i]);
        hits += px >= r->x0 && px <= r->x1 && py >= r->y0 && py <= r->y1; /* NaN compares false */
    }
    return hits;
}

ae_code ae_viz_scatter(const char *path, const ae_viz_chart *chart, const float *x, const float *y,
                       const int32_t *labels, size_t n, int n_classes,
                       const char *const *class_names, ae_error *err)
{
    if (!path)
        return ae_error_set(err, AE_ERR_IO, "scatter: no output path");
    if (n == 0 || !x || !y || !labels)
        return ae_error_set(err, AE_ERR_SHAPE, "%s: scatter has no points", path);
    if (n_classes < 1 || n_classes > AE_VIZ_MAX_CLASSES)
        return ae_error_set(err, AE_ERR_SHAPE, "%s: %d classes (want 1..%d)", path, n_classes,
                            AE_VIZ_MAX_CLASSES);
    int width, height;
    ae_code rc = ae_viz_chart_size(path, chart, &width, &height, err);
    if (rc != AE_OK)
        return rc;
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (labels[i] < 0 || labels[i] >= n_classes)
            return ae_error_set(err, AE_ERR_SHAPE, "%s: point %zu has class %d, outside 0..%d",
                                path, i, (int)labels[i], n_classes - 1);
        if (!isfinite(x[i]) || !isfinite(y[i]))
            continue;
        xmin = fmin(xmin, x[i]);
        xmax = fmax(xmax, x[i]);
        ymin = fmin(ymin, y[i]);
        ymax = fmax(ymax, y[i]);
    }
    if (!(xmin <= xmax))
        return ae_error_set(err, AE_ERR_SHAPE, "%s: none of the %zu points is finite", path, n);

    char numbers[AE_VIZ_MAX_CLASSES][12];
    ae_viz_legend_entry entries[AE_VIZ_MAX_CLASSES];
    for (int k = 0; k < n_classes; k++) {
        snprintf(numbers[k], sizeof numbers[k], "%d", k);
        entries[k].label = class_names && class_names[k] ? class_names[k] : numbers[k];
        ae_viz_palette_color((size_t)k, entries[k].rgb);
        entries[k].key = AE_VIZ_KEY_MARKER;
        entries[k].dash = 0;
    }
    ae_viz_legend lg = {.entries = entries, .n = (size_t)n_classes};

    ae_viz_canvas cv;
    rc = ae_viz_canvas_open(&cv, path, width, height, err);
    if (rc != AE_OK)
        return rc;
    /* don't log-scale a scatter: latent codes are signed */
    ae_viz_chart plain = chart ? *chart : (ae_viz_chart){0};
    plain.log_y = 0;
    scatter_data data = {x, y, n};
    ae_viz_plot plot;
    ae_viz_chart_layout(&cv, &plain, xmin, xmax, ymin, ymax, 0, &lg, scatter_hits, &data, &plot);
    ae_viz_chart_draw_under(&cv, &plot);

    /* denser clouds get smaller, lighter dots so structure stays visible */
    double u = cv.unit;
    double r = u * (n > 20000 ? 1.3 : n > 5000 ? 1.7 : n > 1000 ? 2.2 : 3.0);
    double alpha = n > 5000 ? 0.55 : n > 1000 ? 0.7 : 0.85;
    cairo_t *cr = cv.cr;
    ae_viz_chart_clip(&cv, &plot);
    /* input order, so no class is buried under another; runs of one class
     * share a fill */
    for (size_t i = 0; i < n;) {
        int32_t k = labels[i];
        for (; i < n && labels[i] == k; i++) {
            double px = ae_viz_plot_px(&plot, x[i]), py = ae_viz_plot_py(&plot, y[i]);
            if (isnan(px) || isnan(py))
                continue;
            cairo_new_sub_path(cr);
            cairo_arc(cr, px, py, r, 0, 2 * M_PI);
        }
        const double *c = entries[k].rgb;
        cairo_set_source_rgba(cr, c[0], c[1], c[2], alpha);
        cairo_fill(cr);
    }
    cairo_restore(cr);

    ae_viz_chart_draw_over(&cv, &plain, &plot);
    ae_viz_legend_draw(&cv, &lg);
    return ae_viz_canvas_close(&cv, err);
}

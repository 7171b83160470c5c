/* Chart layout (margins from measured text, ticks from the room left, the
 * legend's place) and the drawing of everything but the data. */
#include "viz/viz_internal.h"

#include <math.h>

/* Font sizes and lengths in units of cv->unit (pixels at 800x500). */
#define TICK_FONT 11.0
#define LABEL_FONT 13.0
#define TITLE_FONT 15.0
#define TICK_LEN 5.0
#define GAP 6.0

static const double INK[3] = {0.15, 0.15, 0.15};

double ae_viz_plot_px(const ae_viz_plot *p, double x)
{
    return p->area.x0 + ae_viz_axis_frac(&p->x, x) * (p->area.x1 - p->area.x0);
}

double ae_viz_plot_py(const ae_viz_plot *p, double y)
{
    return p->area.y1 - ae_viz_axis_frac(&p->y, y) * (p->area.y1 - p->area.y0);
}

/* ---- tick labels with optional superscript ---- */

static void label_size(ae_viz_canvas *cv, const ae_viz_label *l, double *w, double *h)
{
    double font = TICK_FONT * cv->unit, ew, eh;
    ae_viz_text_size(cv, font, AE_VIZ_FONT_NORMAL, l->text, w, h);
    ae_viz_text_size(cv, font * 0.75, AE_VIZ_FONT_NORMAL, l->exp, &ew, &eh);
    *w += ew;
    if (l->exp[0])
        *h += font * 0.3;
}

static void label_draw(ae_viz_canvas *cv, const ae_viz_label *l, double x, double y, double ha,
                       double va)
{
    double font = TICK_FONT * cv->unit, w, h, tw, th;
    label_size(cv, l, &w, &h);
    ae_viz_text_size(cv, font, AE_VIZ_FONT_NORMAL, l->text, &tw, &th);
    double left = x - ha * w;
    double top = y - va * h + (h - th); /* base text sits at the bottom of the box */
    ae_viz_text_draw(cv, left, top, 0, 0, 0, font, AE_VIZ_FONT_NORMAL, l->text);
    if (l->exp[0])
        ae_viz_text_draw(cv, left + tw, top - font * 0.3, 0, 0, 0, font * 0.75, AE_VIZ_FONT_NORMAL,
                         l->exp);
}

static double max_label_width(ae_viz_canvas *cv, const ae_viz_axis *a)
{
    double wmax = 0;
    for (int i = 0; i < a->n_major; i++) {
        ae_viz_label l;
        double w, h;
        ae_viz_axis_label(a, a->major[i], &l);
        label_size(cv, &l, &w, &h);
        wmax = fmax(wmax, w);
    }
    return wmax;
}

/* ---- layout ---- */

/* The legend box in corner lg->corner: upper right, upper left, lower
 * left, lower right. */
static void corner_box(const ae_viz_legend *lg, const ae_viz_plot *p, double inset, double w,
                       double h, ae_viz_rect *r)
{
    static const int right[4] = {1, 0, 0, 1}, lower[4] = {0, 0, 1, 1};
    r->x0 = right[lg->corner] ? p->area.x1 - inset - w : p->area.x0 + inset;
    r->y0 = lower[lg->corner] ? p->area.y1 - inset - h : p->area.y0 + inset;
    r->x1 = r->x0 + w;
    r->y1 = r->y0 + h;
}

static void place_legend(ae_viz_canvas *cv, ae_viz_legend *lg, ae_viz_plot *p, ae_viz_hits_fn hits,
                         const void *ctx, double *right)
{
    double u = cv->unit, inset = 8 * u, w, h;
    double pw = p->area.x1 - p->area.x0, ph = p->area.y1 - p->area.y0;
    ae_viz_legend_shape(lg, ph - 2 * inset, &w, &h);
    lg->outside = 1;
    if (w <= 0.45 * pw && h <= ph - 2 * inset) {
        /* corners in matplotlib's order of preference */
        for (int i = 0; i < 4 && lg->outside; i++) {
            ae_viz_rect r;
            lg->corner = i;
            corner_box(lg, p, inset, w, h, &r);
            ae_viz_rect probe = {r.x0 - 3 * u, r.y0 - 3 * u, r.x1 + 3 * u, r.y1 + 3 * u};
            if (!hits || hits(ctx, p, &probe) == 0)
                lg->outside = 0;
        }
    }
    if (!lg->outside)
        return;
    ae_viz_legend_shape(lg, ph, &w, &h);
    *right = 2 * GAP * u + w;
}

/* Inside a free corner if there is one, else to the right of the plot with
 * smaller type if needed; dropped when even that cannot fit. */
static void layout_legend(ae_viz_canvas *cv, ae_viz_legend *lg, ae_viz_plot *p, ae_viz_hits_fn hits,
                          const void *ctx, double *right)
{
    double W = cv->width, x1 = p->area.x1, right0 = *right;
    for (lg->font = 1.0;; lg->font *= 0.85) {
        ae_viz_legend_measure(cv, lg, 0.25 * W);
        *right = right0;
        place_legend(cv, lg, p, hits, ctx, right);
        if (!lg->outside || *right <= 0.4 * W || lg->font < 0.6)
            break;
    }
    if (lg->outside && *right > 0.45 * W) {
        lg->cols = 0; /* hidden */
        *right = right0;
    }
    p->area.x1 = lg->outside ? round(W - *right) : x1;
}

static void build_x(ae_viz_canvas *cv, ae_viz_plot *p, double xmin, double xmax)
{
    double pw = p->area.x1 - p->area.x0;
    ae_viz_axis_build(&p->x, xmin, xmax, 0, (int)(pw / (90 * cv->unit)));
    /* keep labels from running into each other */
    for (int tries = 0; tries < 4; tries++) {
        double lw = max_label_width(cv, &p->x);
        if (p->x.n_major < 3 || lw * p->x.n_major < 0.6 * pw)
            break;
        ae_viz_axis_build(&p->x, xmin, xmax, 0, p->x.n_major / 2);
    }
}

void ae_viz_chart_layout(ae_viz_canvas *cv, const ae_viz_chart *chart, double xmin, double xmax,
                         double ymin, double ymax, int log_y, ae_viz_legend *lg,
                         ae_viz_hits_fn hits, const void *ctx, ae_viz_plot *out)
{
    double u = cv->unit, W = cv->width, H = cv->height, w, th, lh = 0, tth = 0;
    const char *title = chart ? chart->title : NULL;
    const char *xl = chart ? chart->xlabel : NULL, *yl = chart ? chart->ylabel : NULL;
    ae_viz_text_size(cv, TICK_FONT * u, AE_VIZ_FONT_NORMAL, "0", &w, &th);
    ae_viz_text_size(cv, LABEL_FONT * u, AE_VIZ_FONT_NORMAL, "Ag", &w, &lh);
    ae_viz_text_size(cv, TITLE_FONT * u, AE_VIZ_FONT_BOLD, title, &w, &tth);

    ae_viz_plot *p = out;
    /* an "x10^k" axis multiplier takes the x label's row, or the room above
     * the plot for y; the x one can be known before the final tick count */
    ae_viz_axis_build(&p->x, xmin, xmax, 0, 6);
    int x_row = (xl && *xl) || p->x.exp10 != 0;
    double top = title && *title && tth > 0 ? tth + 2.5 * GAP * u : th + 2 * GAP * u;
    double bottom = TICK_LEN * u + GAP * u + th + (x_row ? GAP * u + lh : 0) + 2 * GAP * u;
    p->area.y0 = round(top);
    p->area.y1 = round(H - bottom);
    ae_viz_axis_build(&p->y, ymin, ymax, log_y, (int)((p->area.y1 - p->area.y0) / (55 * u)));
    double left = 2 * GAP * u + (yl && *yl ? lh + GAP * u : 0) + max_label_width(cv, &p->y) +
                  GAP * u + TICK_LEN * u;
    double right = 3 * GAP * u;
    p->area.x0 = round(left);
    p->area.x1 = round(W - right);
    int outside = 0;
    if (lg && lg->n) {
        build_x(cv, p, xmin, xmax);
        layout_legend(cv, lg, p, hits, ctx, &right);
        outside = lg->outside && lg->cols > 0;
    }
    /* the last x tick label may stick out of the plot area */
    build_x(cv, p, xmin, xmax);
    if (p->x.n_major > 0 && !outside) {
        ae_viz_label l;
        double lw, lhh;
        ae_viz_axis_label(&p->x, p->x.major[p->x.n_major - 1], &l);
        label_size(cv, &l, &lw, &lhh);
        double need =
            GAP * u + lw / 2 - (p->area.x1 - ae_viz_plot_px(p, p->x.major[p->x.n_major - 1]));
        if (need > right) {
            p->area.x1 = round(W - need);
            build_x(cv, p, xmin, xmax);
        }
    }
    /* very small charts: keep a usable (if tiny) plot area */
    p->area.x1 = fmax(p->area.x1, p->area.x0 + 8);
    p->area.y1 = fmax(p->area.y1, p->area.y0 + 8);
    /* final box, against the final plot area */
    if (lg && lg->n && lg->cols > 0) {
        double lw, lhh, inset = 8 * u;
        if (outside) {
            ae_viz_legend_shape(lg, p->area.y1 - p->area.y0, &lw, &lhh);
            lg->box.x0 = p->area.x1 + GAP * u * 1.5;
            lg->box.y0 = p->area.y0;
            lg->box.x1 = lg->box.x0 + lw;
            lg->box.y1 = lg->box.y0 + lhh;
        } else {
            ae_viz_legend_shape(lg, p->area.y1 - p->area.y0 - 2 * inset, &lw, &lhh);
            corner_box(lg, p, inset, lw, lhh, &lg->box);
        }
    }
}

/* ---- drawing ---- */

/* Crisp 1-pixel lines: centre them on pixel centres. */
static double crisp(double v)
{
    return floor(v) + 0.5;
}

void ae_viz_chart_draw_under(ae_viz_canvas *cv, const ae_viz_plot *p)
{
    cairo_t *cr = cv->cr;
    double u = cv->unit;
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    cairo_set_line_width(cr, fmax(1.0, 0.8 * u));
    cairo_set_source_rgb(cr, 0.95, 0.95, 0.95);
    for (int i = 0; i < p->y.n_minor; i++) {
        double y = crisp(ae_viz_plot_py(p, p->y.minor[i]));
        cairo_move_to(cr, p->area.x0, y);
        cairo_line_to(cr, p->area.x1, y);
    }
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.87, 0.87, 0.87);
    for (int i = 0; i < p->y.n_major; i++) {
        double y = crisp(ae_viz_plot_py(p, p->y.major[i]));
        cairo_move_to(cr, p->area.x0, y);
        cairo_line_to(cr, p->area.x1, y);
    }
    for (int i = 0; i < p->x.n_major; i++) {
        double x = crisp(ae_viz_plot_px(p, p->x.major[i]));
        cairo_move_to(cr, x, p->area.y0);
        cairo_line_to(cr, x, p->area.y1);
    }
    cairo_stroke(cr);
}

void ae_viz_chart_clip(ae_viz_canvas *cv, const ae_viz_plot *p)
{
    cairo_save(cv->cr);
    cairo_rectangle(cv->cr, p->area.x0, p->area.y0, p->area.x1 - p->area.x0,
                    p->area.y1 - p->area.y0);
    cairo_clip(cv->cr);
}

void ae_viz_chart_draw_over(ae_viz_canvas *cv, const ae_viz_chart *chart, const ae_viz_plot *p)
{
    cairo_t *cr = cv->cr;
    double u = cv->unit, tick = TICK_LEN * u, gap = GAP * u;
    const ae_viz_rect *a = &p->area;
    cairo_set_source_rgb(cr, INK[0], INK[1], INK[2]);
    cairo_set_line_width(cr, fmax(1.0, 0.9 * u));
    double x0 = crisp(a->x0), y0 = crisp(a->y0), x1 = crisp(a->x1 - 1), y1 = crisp(a->y1 - 1);
    cairo_rectangle(cr, x0, y0, x1 - x0, y1 - y0);
    for (int i = 0; i < p->x.n_major; i++) {
        double x = crisp(ae_viz_plot_px(p, p->x.major[i]));
        cairo_move_to(cr, x, y1);
        cairo_line_to(cr, x, y1 + tick);
    }
    for (int i = 0; i < p->y.n_major; i++) {
        double y = crisp(ae_viz_plot_py(p, p->y.major[i]));
        cairo_move_to(cr, x0, y);
        cairo_line_to(cr, x0 - tick, y);
    }
    for (int i = 0; i < p->y.n_minor; i++) {
        double y = crisp(ae_viz_plot_py(p, p->y.minor[i]));
        cairo_move_to(cr, x0, y);
        cairo_line_to(cr, x0 - tick * 0.6, y);
    }
    cairo_stroke(cr);

    double label_bottom = y1 + tick + gap * 0.5;
    for (int i = 0; i < p->x.n_major; i++) {
        ae_viz_label l;
        ae_viz_axis_label(&p->x, p->x.major[i], &l);
        label_draw(cv, &l, ae_viz_plot_px(p, p->x.major[i]), y1 + tick + gap * 0.5, 0.5, 0);
        double lw, lh;
        label_size(cv, &l, &lw, &lh);
        label_bottom = fmax(label_bottom, y1 + tick + gap * 0.5 + lh);
    }
    double y_left = x0 - tick - gap * 0.7;
    for (int i = 0; i < p->y.n_major; i++) {
        ae_viz_label l;
        ae_viz_axis_label(&p->y, p->y.major[i], &l);
        label_draw(cv, &l, y_left, ae_viz_plot_py(p, p->y.major[i]), 1, 0.5);
    }
    ae_viz_label m;
    if (ae_viz_axis_multiplier(&p->x, &m))
        label_draw(cv, &m, a->x1, label_bottom + gap * 0.5, 1, 0);
    if (ae_viz_axis_multiplier(&p->y, &m))
        label_draw(cv, &m, a->x0, a->y0 - gap * 0.5, 0, 1);
    if (!chart)
        return;
    double cx = (a->x0 + a->x1) / 2, cy = (a->y0 + a->y1) / 2;
    ae_viz_text_draw(cv, cx, label_bottom + gap * 0.5, 0.5, 0, 0, LABEL_FONT * u,
                     AE_VIZ_FONT_NORMAL, chart->xlabel);
    ae_viz_text_draw(cv, 2 * gap, cy, 0.5, 0, -M_PI / 2, LABEL_FONT * u, AE_VIZ_FONT_NORMAL,
                     chart->ylabel);
    ae_viz_text_draw(cv, cx, a->y0 - gap * 1.2, 0.5, 1, 0, TITLE_FONT * u, AE_VIZ_FONT_BOLD,
                     chart->title);
}

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"
#include "test_viz.h"
#include "viz/viz_internal.h"

static void out_path(char *buf, size_t size, const char *name)
{
    char dir[512];
    test_tmpdir(dir, sizeof dir);
    snprintf(buf, size, "%s/%s", dir, name);
}

static int has_palette_colour(const test_png *p, size_t i, size_t min_pixels)
{
    uint8_t c[3];
    ae_viz_palette_rgb(i, c);
    return test_png_count(p, c[0], c[1], c[2]) >= min_pixels;
}

/* Three loss curves of different lengths; the third diverges (NaN, Inf). */
typedef struct curves {
    double x[3][60], y[3][60];
    ae_viz_series s[3];
} curves;

static void make_curves(curves *c)
{
    const size_t len[3] = {60, 45, 30};
    const char *names[3] = {"lr=1e-3", "lr=3e-3", "lr=1e-2 (diverged)"};
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < len[k]; i++) {
            c->x[k][i] = (double)i + 1;
            c->y[k][i] = 0.05 + (0.6 + 0.1 * k) * exp(-(double)i / (8.0 + 4 * k));
        }
        c->s[k] = (ae_viz_series){names[k], c->x[k], c->y[k], len[k]};
    }
    c->y[2][20] = NAN;
    c->y[2][25] = INFINITY;
}

Test(viz_chart, line_png_size_and_colours, .fini = test_viz_release_fonts)
{
    char path[600];
    out_path(path, sizeof path, "loss.png");
    curves c;
    make_curves(&c);
    ae_viz_chart ch = {"Training loss", "epoch", "loss", 0, 640, 400};
    ae_error err = {0};
    cr_assert_eq(ae_viz_line_chart(path, &ch, c.s, 3, &err), AE_OK, "%s", err.msg);
    test_png p = test_png_read(path);
    cr_assert_eq(p.w, 640);
    cr_assert_eq(p.h, 400);
    cr_assert_gt(test_png_distinct(&p), 20, "antialiased lines and text: many colours");
    for (size_t k = 0; k < 3; k++)
        cr_assert(has_palette_colour(&p, k, 30), "series %zu colour missing", k);
    cr_assert(!has_palette_colour(&p, 3, 1), "no fourth series colour");
    /* mostly white background, and dark ink (frame, text) present */
    cr_assert_gt(test_png_count(&p, 255, 255, 255), (size_t)(640 * 400) / 2);
    size_t dark = 0;
    for (size_t i = 0; i < (size_t)p.w * p.h; i++)
        dark += p.rgb[3 * i] < 80 && p.rgb[3 * i + 1] < 80 && p.rgb[3 * i + 2] < 80;
    cr_assert_gt(dark, 1000, "frame and labels should be drawn");
    free(p.rgb);
}

Test(viz_chart, line_svg_is_xml_with_legend_colours, .fini = test_viz_release_fonts)
{
    char path[600];
    out_path(path, sizeof path, "loss.SVG");
    curves c;
    make_curves(&c);
    ae_viz_chart ch = {"Training loss", "epoch", "loss", 1, 0, 0};
    ae_error err = {0};
    cr_assert_eq(ae_viz_line_chart(path, &ch, c.s, 3, &err), AE_OK, "%s", err.msg);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    cr_assert(strncmp(buf, "<?xml", 5) == 0);
    cr_assert_not_null(strstr(buf, "<svg"));
    cr_assert_not_null(strstr(buf, "width=\"800px\""), "document in px at the default size");
    cr_assert_not_null(strstr(buf, "</svg>"), "document complete");
    /* tab10 blue, orange, green as cairo writes them */
    cr_assert_not_null(strstr(buf, "rgb(12.156863%,46.666667%,70.588235%)"));
    cr_assert_not_null(strstr(buf, "rgb(100%,49.803922%,5.490196%)"));
    cr_assert_not_null(strstr(buf, "rgb(17.254902%,62.745098%,17.254902%)"));
    /* text is emitted as glyphs */
    cr_assert_not_null(strstr(buf, "glyph"));
}

Test(viz_chart, hard_series_still_draw, .fini = test_viz_release_fonts)
{
    char path[600];
    out_path(path, sizeof path, "edge.png");
    double one_x = 3, one_y = 0.5;
    double flat[5] = {2, 2, 2, 2, 2};
    double gaps[5] = {1, NAN, 3, NAN, 5}; /* all isolated points */
    double nan_only[2] = {NAN, NAN};
    ae_viz_series s[4] = {
        {"single", &one_x, &one_y, 1},
        {"flat", NULL, flat, 5},
        {"gaps", NULL, gaps, 5},
        {"diverged at once", NULL, nan_only, 2},
    };
    ae_error err = {0};
    cr_assert_eq(ae_viz_line_chart(path, NULL, s, 4, &err), AE_OK, "%s", err.msg);
    test_png p = test_png_read(path);
    cr_assert_eq(p.w, 800);
    cr_assert_eq(p.h, 500);
    for (size_t k = 0; k < 4; k++) /* drawn (or a legend key for the all-NaN one) */
        cr_assert(has_palette_colour(&p, k, 10), "series %zu not visible", k);
    free(p.rgb);

    /* all values equal and a single point alone */
    cr_assert_eq(ae_viz_line_chart(path, NULL, &s[1], 1, &err), AE_OK, "%s", err.msg);
    cr_assert_eq(ae_viz_line_chart(path, NULL, &s[0], 1, &err), AE_OK, "%s", err.msg);
    ae_viz_chart logc = {NULL, NULL, NULL, 1, 300, 200};
    double with_zero[4] = {0, -1, 1e-3, 10};
    ae_viz_series z = {NULL, NULL, with_zero, 4};
    cr_assert_eq(ae_viz_line_chart(path, &logc, &z, 1, &err), AE_OK, "%s", err.msg);
    /* the smallest chart allowed, with every decoration asked for */
    ae_viz_chart smallest = {"a long title for a small chart", "x", "y", 0, 64, 64};
    cr_assert_eq(ae_viz_line_chart(path, &smallest, s, 4, &err), AE_OK, "%s", err.msg);
    test_png q = test_png_read(path);
    cr_assert(q.w == 64 && q.h == 64);
    free(q.rgb);
}

Test(viz_chart, many_series_wrap_palette_with_dashes, .fini = test_viz_release_fonts)
{
    char path[600];
    out_path(path, sizeof path, "many.png");
    enum { K = 14, N = 50 };
    static double y[K][N];
    ae_viz_series s[K];
    char names[K][16];
    for (int k = 0; k < K; k++) {
        for (int i = 0; i < N; i++)
            y[k][i] = (k + 1) * exp(-i / 10.0) + 0.1;
        snprintf(names[k], sizeof names[k], "trial %d", k);
        s[k] = (ae_viz_series){names[k], NULL, y[k], N};
    }
    ae_viz_chart ch = {"Sweep", "epoch", "loss", 1, 0, 0};
    ae_error err = {0};
    cr_assert_eq(ae_viz_line_chart(path, &ch, s, K, &err), AE_OK, "%s", err.msg);
    test_png p = test_png_read(path);
    for (size_t k = 0; k < 10; k++)
        cr_assert(has_palette_colour(&p, k, 10), "colour %zu", k);
    free(p.rgb);
}

Test(viz_chart, scatter_ten_classes, .fini = test_viz_release_fonts)
{
    char path[600];
    out_path(path, sizeof path, "latent.png");
    enum { N = 2000 };
    static float x[N], y[N];
    static int32_t lab[N];
    for (int i = 0; i < N; i++) {
        lab[i] = i % 10;
        double a = lab[i] * 2 * M_PI / 10, r = 2 + 0.5 * sin(i * 0.37);
        x[i] = (float)(r * cos(a) + 0.3 * cos(i * 1.3));
        y[i] = (float)(r * sin(a) + 0.3 * sin(i * 2.1));
    }
    x[5] = NAN;
    y[7] = INFINITY;
    const char *names[10] = {"T-shirt", "Trouser", "Pullover", "Dress", "Coat",
                             "Sandal",  "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
    ae_viz_chart ch = {"Latent space", "z1", "z2", 0, 700, 500};
    ae_error err = {0};
    cr_assert_eq(ae_viz_scatter(path, &ch, x, y, lab, N, 10, names, &err), AE_OK, "%s", err.msg);
    test_png p = test_png_read(path);
    cr_assert_eq(p.w, 700);
    cr_assert_eq(p.h, 500);
    for (size_t k = 0; k < 10; k++) /* opaque legend markers */
        cr_assert(has_palette_colour(&p, k, 10), "class %zu colour missing", k);
    cr_assert_geq(test_png_distinct(&p), 10);
    free(p.rgb);

    /* default names, SVG, one class */
    out_path(path, sizeof path, "latent.svg");
    cr_assert_eq(ae_viz_scatter(path, NULL, x, y, lab, N, 10, NULL, &err), AE_OK, "%s", err.msg);
    int32_t zero[3] = {0, 0, 0};
    cr_assert_eq(ae_viz_scatter(path, NULL, x, y, zero, 3, 1, NULL, &err), AE_OK, "%s", err.msg);
}

Test(viz_chart, errors_are_clear, .fini = test_viz_release_fonts)
{
    char path[600];
    out_path(path, sizeof path, "bad.png");
    ae_error err = {0};
    double v[2] = {1, 2};
    ae_viz_series s = {"a", NULL, v, 2};
    cr_assert_eq(ae_viz_line_chart(path, NULL, &s, 0, &err), AE_ERR_SHAPE);
    cr_assert(strstr(err.msg, path), "%s", err.msg);
    double nan2[2] = {NAN, INFINITY};
    ae_viz_series sn = {"a", NULL, nan2, 2};
    cr_assert_eq(ae_viz_line_chart(path, NULL, &sn, 1, &err), AE_ERR_SHAPE);
    cr_assert(strstr(err.msg, "finite"), "%s", err.msg);
    ae_viz_series empty = {"a", NULL, NULL, 0};
    cr_assert_eq(ae_viz_line_chart(path, NULL, &empty, 1, &err), AE_ERR_SHAPE);
    ae_viz_series noy = {"a", NULL, NULL, 3};
    cr_assert_eq(ae_viz_line_chart(path, NULL, &noy, 1, &err), AE_ERR_SHAPE);
    double neg[2] = {-1, 0};
    ae_viz_series sneg = {"a", NULL, neg, 2};
    ae_viz_chart logc = {.log_y = 1};
    cr_assert_eq(ae_viz_line_chart(path, &logc, &sneg, 1, &err), AE_ERR_SHAPE);

    float x[2] = {0, 1}, y[2] = {0, 1};
    int32_t lab[2] = {0, 3};
    cr_assert_eq(ae_viz_scatter(path, NULL, x, y, lab, 0, 10, NULL, &err), AE_ERR_SHAPE);
    cr_assert_eq(ae_viz_scatter(path, NULL, x, y, lab, 2, 3, NULL, &err), AE_ERR_SHAPE);
    cr_assert(strstr(err.msg, "class 3"), "%s", err.msg);
    cr_assert_eq(ae_viz_scatter(path, NULL, x, y, lab, 2, 0, NULL, &err), AE_ERR_SHAPE);

    ae_viz_chart huge = {.width = 1 << 30, .height = 1 << 30};
    cr_assert_eq(ae_viz_line_chart(path, &huge, &s, 1, &err), AE_ERR_SHAPE);
    ae_viz_chart tiny = {.width = 3, .height = 3};
    cr_assert_eq(ae_viz_line_chart(path, &tiny, &s, 1, &err), AE_ERR_SHAPE);
    cr_assert(strstr(err.msg, "3x3"), "%s", err.msg);
    struct stat st;
    cr_assert_neq(stat(path, &st), 0, "no file written on errors");

    char other[600];
    out_path(other, sizeof other, "chart.jpg");
    cr_assert_eq(ae_viz_line_chart(other, NULL, &s, 1, &err), AE_ERR_CONFIG);
    cr_assert(strstr(err.msg, ".jpg"), "%s", err.msg);

    const char *missing = "/nonexistent-aelab-dir/loss.svg";
    cr_assert_eq(ae_viz_line_chart(missing, NULL, &s, 1, &err), AE_ERR_IO);
    cr_assert(strstr(err.msg, missing), "%s", err.msg);
    cr_assert_eq(ae_viz_scatter("/nonexistent-aelab-dir/z.png", NULL, x, y, lab, 1, 1, NULL, &err),
                 AE_ERR_IO);
    cr_assert(strstr(err.msg, "/nonexistent-aelab-dir/z.png"), "%s", err.msg);
}

/* ---- legend placement ---- */

static size_t right_half_busy(const void *ctx, const ae_viz_plot *p, const ae_viz_rect *r)
{
    (void)ctx;
    return r->x1 > (p->area.x0 + p->area.x1) / 2;
}

static size_t everywhere_busy(const void *ctx, const ae_viz_plot *p, const ae_viz_rect *r)
{
    (void)ctx;
    (void)p;
    (void)r;
    return 1;
}

Test(viz_chart, legend_avoids_data, .fini = test_viz_release_fonts)
{
    char path[600];
    out_path(path, sizeof path, "layout.png");
    ae_viz_canvas cv;
    ae_error err = {0};
    cr_assert_eq(ae_viz_canvas_open(&cv, path, 800, 500, &err), AE_OK, "%s", err.msg);
    ae_viz_legend_entry e[2] = {{"train", {0, 0, 1}, AE_VIZ_KEY_LINE, 0},
                                {"validation", {1, 0, 0}, AE_VIZ_KEY_LINE, 0}};
    ae_viz_legend lg = {.entries = e, .n = 2};
    ae_viz_plot p;
    ae_viz_chart_layout(&cv, NULL, 0, 10, 0, 1, 0, &lg, right_half_busy, NULL, &p);
    cr_assert(!lg.outside && lg.cols == 1);
    cr_assert_lt(lg.box.x1, (p.area.x0 + p.area.x1) / 2,
                 "legend should move to the free left side");
    cr_assert(lg.box.x0 >= p.area.x0 && lg.box.y0 >= p.area.y0 && lg.box.y1 <= p.area.y1);

    ae_viz_plot q;
    ae_viz_chart_layout(&cv, NULL, 0, 10, 0, 1, 0, &lg, everywhere_busy, NULL, &q);
    cr_assert(lg.outside);
    cr_assert_geq(lg.box.x0, q.area.x1, "legend right of the plot when no corner is free");
    cr_assert_leq(lg.box.x1, 800);
    cr_assert_lt(q.area.x1, p.area.x1, "plot narrows to make room");
    ae_viz_canvas_abort(&cv);
    struct stat st;
    cr_assert_neq(stat(path, &st), 0, "abort removes the file");
}

Test(viz_chart, no_fonts_no_crash, .fini = test_viz_release_fonts)
{
    /* an empty fontconfig configuration: no fonts at all */
    char dir[512], conf[600], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(conf, sizeof conf, "%s/fonts.conf", dir);
    FILE *f = fopen(conf, "w");
    cr_assert_not_null(f);
    fputs("<?xml version=\"1.0\"?>\n<fontconfig></fontconfig>\n", f);
    fclose(f);
    setenv("FONTCONFIG_FILE", conf, 1);
    snprintf(path, sizeof path, "%s/nofont.png", dir);
    curves c;
    make_curves(&c);
    ae_viz_chart ch = {"Title", "x", "y", 0, 0, 0};
    ae_error err = {0};
    cr_assert_eq(ae_viz_line_chart(path, &ch, c.s, 3, &err), AE_OK, "%s", err.msg);
    test_png p = test_png_read(path);
    cr_assert(has_palette_colour(&p, 0, 30));
    free(p.rgb);
    float img[4] = {0, 1, 0, 1};
    const char *labels[1] = {"row"};
    snprintf(path, sizeof path, "%s/nofont-grid.png", dir);
    cr_assert_eq(ae_viz_image_grid_labeled(path, img, 1, 1, 1, 2, 2, 0, 1, 4, 1, labels, &err),
                 AE_OK, "%s", err.msg);
}

Test(viz_chart, invalid_utf8_labels_still_draw, .fini = test_viz_release_fonts)
{
    char path[600];
    out_path(path, sizeof path, "utf8.svg");
    double v[3] = {1, 3, 2};
    ae_viz_series s = {"bad \xff\xfe label", NULL, v, 3};
    ae_viz_chart ch = {"t\xc0\xaf", "\xed\xa0\x80", "ok", 0, 0, 0};
    ae_error err = {0};
    cr_assert_eq(ae_viz_line_chart(path, &ch, &s, 1, &err), AE_OK, "%s", err.msg);
    out_path(path, sizeof path, "utf8.png");
    float img[4] = {0, 1, 0, 1};
    const char *labels[1] = {"\xff row"};
    cr_assert_eq(ae_viz_image_grid_labeled(path, img, 1, 1, 1, 2, 2, 0, 1, 8, 1, labels, &err),
                 AE_OK, "%s", err.msg);
}

/* The path taken when no font is usable at all: everything but text. */
Test(viz_chart, text_off_draws_the_rest, .fini = test_viz_release_fonts)
{
    char path[600];
    out_path(path, sizeof path, "notext.png");
    ae_viz_canvas cv;
    ae_error err = {0};
    cr_assert_eq(ae_viz_canvas_open(&cv, path, 400, 300, &err), AE_OK, "%s", err.msg);
    cv.text_ok = 0;
    ae_viz_legend_entry e[1] = {{"train", {1, 0, 0}, AE_VIZ_KEY_LINE, 0}};
    ae_viz_legend lg = {.entries = e, .n = 1};
    ae_viz_chart ch = {"Title", "x", "y", 0, 400, 300};
    ae_viz_plot p;
    ae_viz_chart_layout(&cv, &ch, 0, 1, 0, 1, 0, &lg, NULL, NULL, &p);
    cr_assert(p.area.x0 > 0 && p.area.x1 < 400 && p.area.y0 > 0 && p.area.y1 < 300);
    cr_assert_lt(p.area.x0, p.area.x1);
    ae_viz_chart_draw_under(&cv, &p);
    ae_viz_chart_draw_over(&cv, &ch, &p);
    ae_viz_legend_draw(&cv, &lg);
    cr_assert_eq(ae_viz_canvas_close(&cv, &err), AE_OK, "%s", err.msg);
    test_png png = test_png_read(path);
    size_t red = 0; /* the key line is antialiased: count strongly red pixels */
    for (size_t i = 0; i < (size_t)png.w * png.h; i++)
        red += png.rgb[3 * i] > 200 && png.rgb[3 * i + 1] < 120 && png.rgb[3 * i + 2] < 120;
    cr_assert_gt(red, 10, "legend key drawn without text");
    free(png.rgb);
}

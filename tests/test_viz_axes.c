#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "viz/viz_internal.h"

/* 1, 2 or 5 times a power of ten. */
static int is_nice(double step)
{
    double m = step / pow(10.0, floor(log10(step) + 1e-9));
    return fabs(m - 1) < 1e-9 || fabs(m - 2) < 1e-9 || fabs(m - 5) < 1e-9;
}

static void check_linear(double dmin, double dmax, int target)
{
    ae_viz_axis a;
    ae_viz_axis_build(&a, dmin, dmax, 0, target);
    cr_assert_lt(a.lo, a.hi);
    cr_assert(a.lo <= dmin && a.hi >= dmax, "[%g,%g] must show [%g,%g]", a.lo, a.hi, dmin, dmax);
    cr_assert_geq(a.n_major, 2, "[%g,%g]: %d ticks", dmin, dmax, a.n_major);
    cr_assert_leq(a.n_major, 2 * target + 1);
    cr_assert(is_nice(a.step), "step %g is not 1-2-5", a.step);
    for (int i = 0; i < a.n_major; i++) {
        cr_assert(a.major[i] >= a.lo && a.major[i] <= a.hi);
        double k = a.major[i] / a.step;
        cr_assert(fabs(k - round(k)) < 1e-6, "tick %g not a multiple of %g", a.major[i], a.step);
        if (i)
            cr_assert(fabs(a.major[i] - a.major[i - 1] - a.step) <
                      1e-9 * fmax(1, fabs(a.major[i])));
    }
}

Test(viz_axes, linear_ticks_are_nice)
{
    check_linear(0, 1, 5);
    check_linear(0.0123, 0.0789, 6);
    check_linear(-3.7, 12.2, 8);
    check_linear(1, 100, 5);
    check_linear(0.25, 0.2501, 4);
    check_linear(-2e7, 3e8, 5);
    check_linear(1e-9, 3e-9, 5);

    ae_viz_axis a;
    ae_viz_axis_build(&a, 0, 1, 0, 5);
    cr_assert_eq(a.step, 0.2);
    cr_assert_eq(a.major[0], 0.0);
    cr_assert(fabs(a.major[a.n_major - 1] - 1.0) < 1e-12);
}

Test(viz_axes, equal_values_get_a_range)
{
    ae_viz_axis a;
    ae_viz_axis_build(&a, 3, 3, 0, 5);
    cr_assert(a.lo < 3 && a.hi > 3 && a.n_major >= 2);
    ae_viz_axis_build(&a, 0, 0, 0, 5);
    cr_assert(a.lo < 0 && a.hi > 0 && a.n_major >= 2);
    ae_viz_axis_build(&a, 1e300, 1e300, 0, 5); /* no overflow to inf */
    cr_assert(isfinite(a.lo) && isfinite(a.hi) && a.lo < a.hi);
    ae_viz_axis_build(&a, -1.7e308, 1.7e308, 0, 5);
    cr_assert(isfinite(a.lo) && isfinite(a.hi) && a.n_major >= 2);
    ae_viz_axis_build(&a, 0.5, 0.5, 1, 5);
    cr_assert(a.lo < log10(0.5) && a.hi > log10(0.5) && a.n_major >= 2);
}

Test(viz_axes, log_ticks_are_decades)
{
    ae_viz_axis a;
    ae_viz_axis_build(&a, 1e-4, 10, 1, 6);
    cr_assert_eq(a.n_major, 6);
    for (int i = 0; i < a.n_major; i++)
        cr_assert(fabs(log10(a.major[i]) - (i - 4)) < 1e-12, "tick %d = %g", i, a.major[i]);
    cr_assert_gt(a.n_minor, 20, "2..9 minor ticks per decade");
    /* 12 decades with room for ~4 labels: every third decade */
    ae_viz_axis_build(&a, 1e-6, 1e6, 1, 4);
    cr_assert_leq(a.n_major, 5);
    for (int i = 1; i < a.n_major; i++)
        cr_assert(fabs(log10(a.major[i] / a.major[i - 1]) - log10(a.major[1] / a.major[0])) < 1e-9);
    /* within a decade: 1-2-5 mantissas */
    ae_viz_axis_build(&a, 0.15, 0.9, 1, 5);
    cr_assert_geq(a.n_major, 2);
    for (int i = 0; i < a.n_major; i++)
        cr_assert(is_nice(a.major[i]), "%g", a.major[i]);
    /* very short range still has labelled ticks */
    ae_viz_axis_build(&a, 0.31, 0.34, 1, 5);
    cr_assert_geq(a.n_major, 2);
    cr_assert(isnan(ae_viz_axis_frac(&a, 0.0)) && isnan(ae_viz_axis_frac(&a, -1)));
    cr_assert(ae_viz_axis_frac(&a, 0.31) > 0 && ae_viz_axis_frac(&a, 0.34) < 1);
}

Test(viz_axes, labels)
{
    ae_viz_axis a;
    ae_viz_label l;
    ae_viz_axis_build(&a, 0, 1, 0, 5);
    ae_viz_axis_label(&a, 0.4, &l);
    cr_assert_str_eq(l.text, "0.4");
    ae_viz_axis_label(&a, 0.0, &l);
    cr_assert_str_eq(l.text, "0.0", "same decimals as its neighbours");
    ae_viz_axis_build(&a, -1.5, 1.5, 0, 6);
    ae_viz_axis_label(&a, -1.0, &l);
    cr_assert_str_eq(l.text, "\xe2\x88\x92"
                             "1.0");
    ae_viz_axis_build(&a, 0, 1000, 0, 5);
    ae_viz_axis_label(&a, 400, &l);
    cr_assert_str_eq(l.text, "400");
    ae_viz_axis_build(&a, 1e-5, 1e1, 1, 7);
    ae_viz_axis_label(&a, 1e-5, &l);
    cr_assert_str_eq(l.text, "10");
    cr_assert_str_eq(l.exp, "\xe2\x88\x92"
                            "5");
    ae_viz_axis_build(&a, 0.01, 10, 1, 5);
    ae_viz_axis_label(&a, 0.01, &l);
    cr_assert_str_eq(l.text, "0.01");
    cr_assert_str_eq(l.exp, "");
    /* large values: short labels and one multiplier for the axis */
    ae_viz_axis_build(&a, 0, 3e7, 0, 4);
    ae_viz_axis_label(&a, 2e7, &l);
    cr_assert_str_eq(l.text, "2");
    cr_assert_str_eq(l.exp, "");
    cr_assert(ae_viz_axis_multiplier(&a, &l));
    cr_assert_str_eq(l.text, "\xc3\x97"
                             "10");
    cr_assert_str_eq(l.exp, "7");
    ae_viz_axis_build(&a, 1e-6, 2e-6, 0, 6);
    ae_viz_axis_label(&a, a.major[1], &l);
    cr_assert(strchr(l.text, '.') && strlen(l.text) == 3, "mantissa with one decimal: %s", l.text);
    cr_assert(ae_viz_axis_multiplier(&a, &l));
    cr_assert_str_eq(l.exp, "\xe2\x88\x92"
                            "6");
    ae_viz_axis_build(&a, 0, 1, 0, 5);
    cr_assert(!ae_viz_axis_multiplier(&a, &l));
    /* log axes over many decades: 2×10^-5 style */
    ae_viz_axis_build(&a, 1e-9, 1e-1, 1, 5);
    ae_viz_axis_label(&a, 2e-5, &l);
    cr_assert_str_eq(l.text, "2\xc3\x97"
                             "10");
    /* a two-decade log axis labels 1-2-5 mantissas */
    ae_viz_axis_build(&a, 0.01, 0.9, 1, 7);
    int has_02 = 0;
    for (int i = 0; i < a.n_major; i++)
        has_02 |= fabs(a.major[i] - 0.2) < 1e-12;
    cr_assert(has_02);
}

Test(viz_axes, palette_is_tab10_then_distinct)
{
    uint8_t c[3], d[3];
    ae_viz_palette_rgb(0, c);
    cr_assert(c[0] == 31 && c[1] == 119 && c[2] == 180);
    ae_viz_palette_rgb(9, c);
    cr_assert(c[0] == 23 && c[1] == 190 && c[2] == 207);
    for (size_t i = 0; i < AE_VIZ_MAX_CLASSES; i++)
        for (size_t j = 0; j < i; j++) {
            ae_viz_palette_rgb(i, c);
            ae_viz_palette_rgb(j, d);
            int dist = abs(c[0] - d[0]) + abs(c[1] - d[1]) + abs(c[2] - d[2]);
            /* the first 20 clearly apart; all classes at least not identical */
            cr_assert_gt(dist, i < 20 ? 30 : 0, "colours %zu and %zu too close", i, j);
        }
}

Test(viz_text, clean_keeps_utf8_and_replaces_garbage)
{
    char out[16];
    ae_viz_text_clean("z\xe2\x82\x81 ok", out, sizeof out);
    cr_assert_str_eq(out, "z\xe2\x82\x81 ok");
    ae_viz_text_clean("a\xff" "b\xc0\xaf" "c\xed\xa0\x80", out, sizeof out); /* overlong, surrogate */
    cr_assert_str_eq(out, "a?b??c???");
    ae_viz_text_clean("\xe2\x82", out, sizeof out); /* truncated sequence at the end */
    cr_assert_str_eq(out, "??");
    ae_viz_text_clean("abcdefgh\xe2\x82\x81xyz", out, 10); /* cut on a character boundary */
    cr_assert_str_eq(out, "abcdefgh");
    ae_viz_text_clean(NULL, out, sizeof out);
    cr_assert_str_eq(out, "");
}

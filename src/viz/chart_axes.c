/* Axis scales and tick values: "nice" 1-2-5 steps on linear axes, decades
 * (or 1-2-5 mantissas on short ranges) on log axes, and their labels. */
#include "viz/viz_internal.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char MINUS[] = "\xe2\x88\x92"; /* U+2212, typographic minus */
static const char TIMES[] = "\xc3\x97";     /* U+00D7 */

static double nice_step(double raw)
{
    double mag = pow(10.0, floor(log10(raw)));
    double f = raw / mag;
    return (f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0) * mag;
}

/* Multiples of a nice step inside [lo, hi]; returns the step. Ticks are
 * computed as index*step so tiny steps on large values cannot stall. */
static double linear_ticks(double lo, double hi, int target, double *out, int *n, int max)
{
    double step = nice_step((hi - lo) / target);
    double first = ceil(lo / step - 1e-9);
    *n = 0;
    for (int i = 0; *n < max; i++) {
        double t = (first + i) * step;
        if (t > hi + step * 1e-9)
            break;
        if (fabs(t) < step * 1e-9)
            t = 0.0; /* no "-0" or 1e-17 labels */
        out[(*n)++] = t;
    }
    return step;
}

static void build_linear(ae_viz_axis *a, double dmin, double dmax, int target)
{
    if (!(dmax - dmin > 1e-9 * fmax(fabs(dmin), fabs(dmax)))) {
        /* all values equal: show a small range around them */
        double c = dmin / 2 + dmax / 2, d = c != 0.0 ? fabs(c) * 0.1 : 1.0;
        dmin = c - d;
        dmax = c + d;
    }
    double pad = (dmax - dmin) * 0.04;
    a->lo = dmin - pad;
    a->hi = dmax + pad;
    a->step = linear_ticks(a->lo, a->hi, target, a->major, &a->n_major, AE_VIZ_MAX_TICKS);
    /* very large or small values: short labels and one "x10^k" for the axis */
    double big = 0;
    for (int i = 0; i < a->n_major; i++)
        big = fmax(big, fabs(a->major[i]));
    if (big >= 1e6 || (big > 0 && big < 1e-3))
        a->exp10 = (int)floor(log10(big) + 1e-9);
}

static void add_minor(ae_viz_axis *a, double v)
{
    if (a->n_minor < AE_VIZ_MAX_MINOR && v >= a->lo && v <= a->hi)
        a->minor[a->n_minor++] = pow(10.0, v);
}

static void build_log(ae_viz_axis *a, double dmin, double dmax, int target)
{
    double l0 = log10(dmin), l1 = log10(dmax);
    if (!(l1 - l0 > 1e-9)) {
        l0 -= 0.3;
        l1 += 0.3;
    }
    double pad = (l1 - l0) * 0.04;
    a->lo = l0 - pad;
    a->hi = l1 + pad;
    a->step = 0.0;
    double k0 = ceil(a->lo), k1 = floor(a->hi);
    int decades = k1 >= k0 ? (int)(k1 - k0) + 1 : 0;
    /* 1-2-5 labels while they fit (about three per decade), else decades */
    if (decades >= 2 && 3.0 * (a->hi - a->lo) > target + 1.5) {
        int stride = (decades + target - 1) / target;
        for (double k = k0; k <= k1 && a->n_major < AE_VIZ_MAX_TICKS; k++) {
            if (fmod(fabs(k), stride) == 0)
                a->major[a->n_major++] = pow(10.0, k);
            else
                add_minor(a, k);
        }
        if (stride == 1 && decades <= 12)
            for (double k = floor(a->lo); k <= k1; k++)
                for (int m = 2; m <= 9; m++)
                    add_minor(a, k + log10(m));
        return;
    }
    /* a few decades: label 1, 2 and 5 times powers of ten */
    for (double k = floor(a->lo); k <= k1 + 1; k++) {
        for (int m = 1; m <= 9; m++) {
            double v = k + log10(m);
            if (v < a->lo || v > a->hi)
                continue;
            if ((m == 1 || m == 2 || m == 5) && a->n_major < AE_VIZ_MAX_TICKS)
                a->major[a->n_major++] = pow(10.0, v);
            else
                add_minor(a, v);
        }
    }
    if (a->n_major >= 2)
        return;
    /* under half a decade: plain nice steps, placed on the log scale */
    a->n_minor = 0;
    linear_ticks(pow(10.0, a->lo), pow(10.0, a->hi), target, a->major, &a->n_major,
                 AE_VIZ_MAX_TICKS);
}

void ae_viz_axis_build(ae_viz_axis *a, double dmin, double dmax, int log, int target)
{
    memset(a, 0, sizeof *a);
    a->log = log;
    if (target < 2)
        target = 2;
    if (target > 12)
        target = 12;
    /* keep spans and margins finite even for values near DBL_MAX */
    dmin = fmax(dmin, -1e300);
    dmax = fmin(dmax, 1e300);
    if (dmax < dmin)
        dmax = dmin;
    if (log) {
        dmin = fmax(dmin, 1e-300);
        dmax = fmax(dmax, dmin);
        build_log(a, dmin, dmax, target);
    } else {
        build_linear(a, dmin, dmax, target);
    }
}

double ae_viz_axis_frac(const ae_viz_axis *a, double v)
{
    if (!isfinite(v) || (a->log && !(v > 0.0)))
        return NAN;
    double t = a->log ? log10(v) : v;
    return (t - a->lo) / (a->hi - a->lo);
}

/* "-3" with a typographic minus. */
static void put_int(char *out, size_t size, int e)
{
    if (e < 0)
        snprintf(out, size, "%s%d", MINUS, -e);
    else
        snprintf(out, size, "%d", e);
}

/* Replaces a leading '-' with the typographic minus. */
static void put_num(char *out, size_t size, const char *num)
{
    if (num[0] == '-')
        snprintf(out, size, "%s%s", MINUS, num + 1);
    else
        snprintf(out, size, "%s", num);
}

/* m x 10^e form: "10" with exponent when the mantissa is 1. */
static void put_sci(ae_viz_label *out, double v)
{
    int e = (int)floor(log10(fabs(v)) + 1e-9);
    double m = v / pow(10.0, e);
    if (fabs(fabs(m) - 1.0) < 1e-9) {
        snprintf(out->text, sizeof out->text, "%s10", m < 0 ? MINUS : "");
    } else {
        char num[32], sgn[40];
        snprintf(num, sizeof num, "%.6g", m);
        put_num(sgn, sizeof sgn, num);
        snprintf(out->text, sizeof out->text, "%s%s10", sgn, TIMES);
    }
    put_int(out->exp, sizeof out->exp, e);
}

int ae_viz_axis_multiplier(const ae_viz_axis *a, ae_viz_label *out)
{
    out->text[0] = out->exp[0] = '\0';
    if (a->log || a->exp10 == 0)
        return 0;
    snprintf(out->text, sizeof out->text, "%s10", TIMES);
    put_int(out->exp, sizeof out->exp, a->exp10);
    return 1;
}

void ae_viz_axis_label(const ae_viz_axis *a, double v, ae_viz_label *out)
{
    out->text[0] = out->exp[0] = '\0';
    char num[32];
    if (a->log) {
        /* one style per axis: plain numbers when every tick reads well so */
        if (a->lo >= -3.5 && a->hi <= 4.5) {
            snprintf(num, sizeof num, "%.6g", v);
            put_num(out->text, sizeof out->text, num);
        } else {
            put_sci(out, v);
        }
        return;
    }
    double unit = pow(10.0, a->exp10), step = a->step / unit;
    int d = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);
    snprintf(num, sizeof num, "%.*f", d > 9 ? 9 : d, v / unit);
    put_num(out->text, sizeof out->text, num);
}

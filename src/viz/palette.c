/* Chart colours: matplotlib's tab10 (distinct, colour-blind friendlier than
 * pure hues), then tab20's light partners, then hues spread by the golden
 * ratio for larger class counts. */
#include "viz/viz_internal.h"

#include <math.h>

static const uint8_t tab10[10][3] = {
    {31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
    {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207},
};

static const uint8_t tab20_light[10][3] = {
    {174, 199, 232}, {255, 187, 120}, {152, 223, 138}, {255, 152, 150}, {197, 176, 213},
    {196, 156, 148}, {247, 182, 210}, {199, 199, 199}, {219, 219, 141}, {158, 218, 229},
};

/* HSV to RGB with h in [0, 1). */
static void hsv(double h, double s, double v, double out[3])
{
    double f = h * 6.0;
    int i = (int)f % 6;
    f -= floor(f);
    double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
    const double tbl[6][3] = {{v, t, p}, {q, v, p}, {p, v, t}, {p, q, v}, {t, p, v}, {v, p, q}};
    for (int k = 0; k < 3; k++)
        out[k] = tbl[i][k];
}

void ae_viz_palette_rgb(size_t i, uint8_t rgb[3])
{
    if (i < 10) {
        for (int k = 0; k < 3; k++)
            rgb[k] = tab10[i][k];
        return;
    }
    if (i < 20) {
        for (int k = 0; k < 3; k++)
            rgb[k] = tab20_light[i - 10][k];
        return;
    }
    double c[3];
    size_t j = i - 20;
    double hue = fmod(0.07 + (double)j * 0.618033988749895, 1.0);
    /* alternate saturation/brightness so neighbours in hue still differ */
    hsv(hue, j % 2 ? 0.45 : 0.8, j % 3 == 1 ? 0.6 : 0.85, c);
    for (int k = 0; k < 3; k++)
        rgb[k] = (uint8_t)lround(c[k] * 255.0);
}

void ae_viz_palette_color(size_t i, double rgb[3])
{
    uint8_t b[3];
    ae_viz_palette_rgb(i, b);
    for (int k = 0; k < 3; k++)
        rgb[k] = b[k] / 255.0;
}

/* A cairo surface bound to an output file: PNG (image surface written at the
 * end) or SVG (streamed), chosen by the file name's extension. Text goes
 * through cairo's toy font API; when no usable font exists the chart is still
 * drawn, just without text. */
#include "viz/viz_internal.h"

#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char FONT_FAMILY[] = "sans-serif";

ae_code ae_viz_chart_size(const char *path, const ae_viz_chart *chart, int *width, int *height,
                          ae_error *err)
{
    int w = chart && chart->width ? chart->width : 800;
    int h = chart && chart->height ? chart->height : 500;
    if (w < 64 || h < 64 || w > AE_VIZ_MAX_SIDE || h > AE_VIZ_MAX_SIDE ||
        (size_t)w * (size_t)h > AE_VIZ_MAX_PIXELS)
        return ae_error_set(err, AE_ERR_SHAPE,
                            "%s: chart size %dx%d outside 64..%d pixels per side (%zu in all)",
                            path, w, h, AE_VIZ_MAX_SIDE, AE_VIZ_MAX_PIXELS);
    *width = w;
    *height = h;
    return AE_OK;
}

static cairo_status_t write_cb(void *closure, const unsigned char *data, unsigned int len)
{
    ae_viz_canvas *cv = closure;
    if (fwrite(data, 1, len, cv->fp) != len) {
        if (!cv->write_errno)
            cv->write_errno = errno ? errno : EIO;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

int ae_viz_font_usable(cairo_t *cr)
{
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        return 0;
    cairo_select_font_face(cr, FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, 12);
    cairo_text_extents_t te;
    cairo_text_extents(cr, "0Ag", &te);
    return cairo_status(cr) == CAIRO_STATUS_SUCCESS &&
           cairo_scaled_font_status(cairo_get_scaled_font(cr)) == CAIRO_STATUS_SUCCESS &&
           te.x_advance > 0;
}

/* Probed on a scratch context: a font failure puts a context in an error
 * state for good, and we must not lose the real drawing to it. */
static int probe_font(void)
{
    cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, 1, 1);
    cairo_t *cr = cairo_create(s);
    int ok = ae_viz_font_usable(cr);
    cairo_destroy(cr);
    cairo_surface_destroy(s);
    return ok;
}

ae_code ae_viz_canvas_open(ae_viz_canvas *cv, const char *path, int width, int height,
                           ae_error *err)
{
    memset(cv, 0, sizeof *cv);
    if (!path)
        return ae_error_set(err, AE_ERR_IO, "chart: no output path");
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (dot && strcasecmp(dot, ".svg") == 0)
        cv->is_svg = 1;
    else if (!dot || strcasecmp(dot, ".png") != 0)
        return ae_error_set(err, AE_ERR_CONFIG,
                            "%s: unsupported chart format '%s' (use .png or .svg)", path,
                            dot ? dot : "");
    cv->path = path;
    cv->width = width;
    cv->height = height;
    double u = fmin(width / 800.0, height / 500.0);
    cv->unit = u < 0.75 ? 0.75 : u > 3 ? 3 : u;
    cv->fp = fopen(path, "wb");
    if (!cv->fp)
        return ae_error_set(err, AE_ERR_IO, "cannot write '%s': %s", path, strerror(errno));
    if (cv->is_svg) {
        cv->surface = cairo_svg_surface_create_for_stream(write_cb, cv, width, height);
        cairo_svg_surface_set_document_unit(cv->surface, CAIRO_SVG_UNIT_PX);
    } else {
        cv->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    }
    cv->cr = cairo_create(cv->surface);
    if (cairo_status(cv->cr) != CAIRO_STATUS_SUCCESS) {
        cairo_status_t st = cairo_status(cv->cr);
        ae_viz_canvas_abort(cv);
        return ae_error_set(err, st == CAIRO_STATUS_NO_MEMORY ? AE_ERR_NOMEM : AE_ERR_INTERNAL,
                            "%s: cannot create a %dx%d drawing: %s", path, width, height,
                            cairo_status_to_string(st));
    }
    cv->text_ok = probe_font();
    return AE_OK;
}

static void release(ae_viz_canvas *cv)
{
    if (cv->cr)
        cairo_destroy(cv->cr);
    if (cv->surface) {
        cairo_surface_finish(cv->surface);
        cairo_surface_destroy(cv->surface);
    }
    cv->cr = NULL;
    cv->surface = NULL;
}

void ae_viz_canvas_abort(ae_viz_canvas *cv)
{
    release(cv);
    if (cv->fp) {
        fclose(cv->fp);
        cv->fp = NULL;
        unlink(cv->path);
    }
}

ae_code ae_viz_canvas_close(ae_viz_canvas *cv, ae_error *err)
{
    cairo_status_t st = cairo_status(cv->cr);
    if (st == CAIRO_STATUS_SUCCESS && !cv->is_svg)
        st = cairo_surface_write_to_png_stream(cv->surface, write_cb, cv);
    if (st == CAIRO_STATUS_SUCCESS && cv->is_svg) {
        cairo_destroy(cv->cr);
        cv->cr = NULL;
        cairo_surface_finish(cv->surface); /* flushes the SVG document */
        st = cairo_surface_status(cv->surface);
    }
    release(cv);
    int werr = cv->write_errno;
    if (fflush(cv->fp) != 0 && !werr)
        werr = errno;
    if (fclose(cv->fp) != 0 && !werr)
        werr = errno;
    cv->fp = NULL;
    if (st == CAIRO_STATUS_SUCCESS && !werr)
        return AE_OK;
    unlink(cv->path);
    if (werr)
        return ae_error_set(err, AE_ERR_IO, "cannot write '%s': %s", cv->path, strerror(werr));
    return ae_error_set(err, st == CAIRO_STATUS_NO_MEMORY ? AE_ERR_NOMEM : AE_ERR_INTERNAL,
                        "%s: drawing failed: %s", cv->path, cairo_status_to_string(st));
}

/* Length of the valid UTF-8 sequence at s, or 0 when it is not one
 * (overlong forms and surrogates included). */
static size_t utf8_len(const unsigned char *s)
{
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    size_t n;
    uint32_t cp;
    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xE0) == 0xC0)
        n = 2, cp = s[0] & 0x1Fu;
    else if ((s[0] & 0xF0) == 0xE0)
        n = 3, cp = s[0] & 0x0Fu;
    else if ((s[0] & 0xF8) == 0xF0)
        n = 4, cp = s[0] & 0x07u;
    else
        return 0;
    for (size_t i = 1; i < n; i++) { /* stops at the terminator: '\0' is no continuation */
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if (cp < min_cp[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

void ae_viz_text_clean(const char *in, char *out, size_t size)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    while (s && *s && o + 1 < size) {
        size_t len = utf8_len(s);
        if (len == 0) {
            out[o++] = '?';
            s++;
            continue;
        }
        if (o + len >= size)
            break;
        memcpy(out + o, s, len);
        o += len;
        s += len;
    }
    out[o] = '\0';
}

static void set_font(cairo_t *cr, double size, ae_viz_weight wt)
{
    cairo_select_font_face(cr, FONT_FAMILY, CAIRO_FONT_SLANT_NORMAL,
                           wt == AE_VIZ_FONT_BOLD ? CAIRO_FONT_WEIGHT_BOLD
                                                  : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

void ae_viz_text_size(ae_viz_canvas *cv, double size, ae_viz_weight wt, const char *text,
                      double *width, double *height)
{
    *width = *height = 0;
    if (!cv->text_ok || !text || !*text)
        return;
    char clean[AE_VIZ_TEXT_MAX];
    ae_viz_text_clean(text, clean, sizeof clean);
    set_font(cv->cr, size, wt);
    cairo_text_extents_t te;
    cairo_font_extents_t fe;
    cairo_text_extents(cv->cr, clean, &te);
    cairo_font_extents(cv->cr, &fe);
    *width = te.x_advance;
    *height = fe.ascent + fe.descent;
}

void ae_viz_text_draw(ae_viz_canvas *cv, double x, double y, double ha, double va, double angle,
                      double size, ae_viz_weight wt, const char *text)
{
    if (!cv->text_ok || !text || !*text)
        return;
    cairo_t *cr = cv->cr;
    char clean[AE_VIZ_TEXT_MAX];
    ae_viz_text_clean(text, clean, sizeof clean);
    set_font(cr, size, wt);
    cairo_text_extents_t te;
    cairo_font_extents_t fe;
    cairo_text_extents(cr, clean, &te);
    cairo_font_extents(cr, &fe);
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, angle);
    cairo_move_to(cr, -ha * te.x_advance, -va * (fe.ascent + fe.descent) + fe.ascent);
    cairo_show_text(cr, clean);
    cairo_restore(cr);
}

void ae_viz_release_fonts(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}

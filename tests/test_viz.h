/* PNG reading and pixel queries shared by the viz suites. */
#ifndef AELAB_TESTS_TEST_VIZ_H
#define AELAB_TESTS_TEST_VIZ_H

#include <cairo.h>
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <png.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct test_png {
    int w, h;
    uint8_t *rgb; /* w*h*3, free with free() */
} test_png;

/* Reads a PNG as RGB8 through libpng; fails the test when unreadable. */
static inline test_png test_png_read(const char *path)
{
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    cr_assert(png_image_begin_read_from_file(&img, path), "cannot read %s: %s", path, img.message);
    img.format = PNG_FORMAT_RGB;
    test_png p = {(int)img.width, (int)img.height, malloc(PNG_IMAGE_SIZE(img))};
    cr_assert_not_null(p.rgb);
    cr_assert(png_image_finish_read(&img, NULL, p.rgb, 0, NULL), "%s: %s", path, img.message);
    return p;
}

static inline const uint8_t *test_png_at(const test_png *p, int x, int y)
{
    return p->rgb + ((size_t)y * p->w + x) * 3;
}

/* Number of pixels of exactly this colour. */
static inline size_t test_png_count(const test_png *p, uint8_t r, uint8_t g, uint8_t b)
{
    size_t n = 0;
    for (size_t i = 0; i < (size_t)p->w * p->h; i++)
        n += p->rgb[3 * i] == r && p->rgb[3 * i + 1] == g && p->rgb[3 * i + 2] == b;
    return n;
}

/* Number of distinct colours (exact RGB triples). */
static inline size_t test_png_distinct(const test_png *p)
{
    uint8_t *seen = calloc(1u << 21, 1); /* one bit per 24-bit colour */
    size_t n = 0;
    for (size_t i = 0; i < (size_t)p->w * p->h; i++) {
        uint32_t c =
            (uint32_t)p->rgb[3 * i] << 16 | (uint32_t)p->rgb[3 * i + 1] << 8 | p->rgb[3 * i + 2];
        if (!(seen[c >> 3] & (1u << (c & 7)))) {
            seen[c >> 3] |= (uint8_t)(1u << (c & 7));
            n++;
        }
    }
    free(seen);
    return n;
}

/* Test .fini for suites that draw text: drops cairo's and fontconfig's
 * process-wide caches so LeakSanitizer does not report them (fontconfig
 * stores pointers in an encoded form LSan cannot follow). FcFini is looked up
 * at run time because the tests do not link fontconfig directly. */
static inline void test_viz_release_fonts(void)
{
    cairo_debug_reset_static_data();
    void *sym = dlsym(RTLD_DEFAULT, "FcFini");
    if (sym)
        ((void (*)(void))sym)();
}

#endif

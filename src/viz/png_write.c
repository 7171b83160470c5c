/* RGB8 buffers to PNG files through libpng's simplified write API, which
 * reports errors as values instead of longjmp-ing through our frames. */
#include "viz/viz_internal.h"

#include <errno.h>
#include <png.h>
#include <string.h>
#include <unistd.h>

ae_code ae_viz_write_rgb_png(const char *path, const uint8_t *rgb, int width, int height,
                             ae_error *err)
{
    if (width <= 0 || height <= 0 || width > AE_VIZ_MAX_SIDE || height > AE_VIZ_MAX_SIDE)
        return ae_error_set(err, AE_ERR_SHAPE, "%s: image size %dx%d outside 1..%d", path, width,
                            height, AE_VIZ_MAX_SIDE);
    FILE *fp = fopen(path, "wb");
    if (!fp)
        return ae_error_set(err, AE_ERR_IO, "cannot write '%s': %s", path, strerror(errno));

    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)width;
    img.height = (png_uint_32)height;
    img.format = PNG_FORMAT_RGB;
    int ok = png_image_write_to_stdio(&img, fp, 0, rgb, 0, NULL);
    char why[128];
    snprintf(why, sizeof why, "%s", ok ? "" : img.message);
    png_image_free(&img);

    int werr = 0;
    if (ok && fflush(fp) != 0)
        werr = errno;
    if (ferror(fp) && !werr)
        werr = EIO;
    if (fclose(fp) != 0 && !werr)
        werr = errno;
    if (ok && !werr)
        return AE_OK;
    unlink(path);
    if (!ok && !werr)
        return ae_error_set(err, AE_ERR_IO, "cannot write PNG '%s': %s", path, why);
    return ae_error_set(err, AE_ERR_IO, "cannot write '%s': %s", path, strerror(werr));
}

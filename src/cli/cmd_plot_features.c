/* aelab plot features RUN --layer NAME [--n N] [--output FILE.png]: what the units of a
 * dense layer respond to (Hands-On ML, "Visualizing Features"). For a layer reading the
 * image, tile j is column j of its kernel (the weights from every pixel to unit j); for a
 * layer writing the image (a decoder's output layer), tile j is row j (what input unit j
 * adds to every pixel). A tied layer's kernel is its partner's transposed. Each tile is
 * normalised on its own (ae_viz_feature_grid), so its sign pattern and shape show, not
 * its scale. */
#include "cli/cmd_plot_features.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/run_load.h"
#include "train/datasets.h"
#include "viz/viz.h"

static const char usage[] =
    "usage: aelab plot features RUN --layer NAME [--n N] [--output FILE.png]\n"
    "  the first N (default 20) units of the dense layer NAME as image tiles\n";

/* The height and width of one gray image of `size` values: from the model's input shape
 * [1, H, W], else from the dataset's images, else a square. False when none fits. */
static bool tile_shape(cli_run *r, size_t size, int *h, int *w)
{
    const ae_shape *in = &r->exp.model.input;
    if (in->ndim == 3 && in->d[0] == 1 && (size_t)in->d[1] * (size_t)in->d[2] == size) {
        *h = in->d[1];
        *w = in->d[2];
        return true;
    }
    ae_dataset one = {0};
    ae_error err = {0};
    bool ok = false;
    if (ae_experiment_split(&r->exp, "test", 1, &one, &err) == AE_OK && one.c == 1 &&
        (size_t)one.h * (size_t)one.w == size) {
        *h = one.h;
        *w = one.w;
        ok = true;
    }
    ae_dataset_free(&one);
    for (int s = 1; !ok && (size_t)s * (size_t)s <= size; s++)
        if ((size_t)s * (size_t)s == size) {
            *h = *w = s;
            ok = true;
        }
    return ok;
}

/* The tiles of layer li: n_tiles × image values (caller frees), or NULL after a message. */
static float *layer_tiles(cli_run *r, int li, int n, int *n_tiles, size_t *image)
{
    const ae_model_spec *ms = &r->exp.model;
    const ae_layer_spec *l = &ms->layers[li];
    if (l->kind != AE_LAYER_DENSE || l->in_shape.ndim != 1) {
        fprintf(stderr, "aelab: layer '%s' is not a dense layer on flat vectors\n", l->name);
        return NULL;
    }
    size_t in = (size_t)l->in_shape.d[0], units = (size_t)l->units;
    size_t pixels = ae_shape_size(&ms->input);
    bool columns = in == pixels; /* reads the image: one tile per unit */
    if (!columns && units != pixels) {
        fprintf(stderr,
                "aelab: layer '%s' maps %zu values to %zu; neither side is the %zu-value image, "
                "so its weights do not draw as images (pick the first encoder layer or the "
                "output layer)\n",
                l->name, in, units, pixels);
        return NULL;
    }
    const float *k = r->model.params.items[r->model.lp[li].kernel].value.data;
    size_t count = columns ? units : in;
    *n_tiles = (size_t)n < count ? n : (int)count;
    *image = pixels;
    float *tiles = malloc((size_t)*n_tiles * pixels * sizeof *tiles);
    if (!tiles) {
        fprintf(stderr, "aelab: out of memory\n");
        return NULL;
    }
    /* kernel entry (a, b), a < in, b < units: K[a][b], or Wᵀ for a tied layer */
    bool tied = l->tied_to >= 0;
    for (int t = 0; t < *n_tiles; t++)
        for (size_t p = 0; p < pixels; p++) {
            size_t a = columns ? p : (size_t)t, b = columns ? (size_t)t : p;
            tiles[(size_t)t * pixels + p] = tied ? k[b * in + a] : k[a * units + b];
        }
    return tiles;
}

int cmd_plot_features(int argc, char **argv)
{
    const char *run = NULL, *layer = NULL, *output = NULL;
    int n = 20;
    const cli_option options[] = {
        CLI_STRING("RUN", &run),
        CLI_STRING("--layer", &layer),
        CLI_INT("--n", &n, 1, 1000),
        CLI_STRING("--output", &output),
        CLI_END,
    };
    if (!cli_args_parse(argc, argv, 3, options, usage))
        return EXIT_USAGE;
    if (!layer) {
        cli_usage_error(usage, "plot features needs --layer NAME");
        return EXIT_USAGE;
    }
    cli_run r;
    int status = EXIT_RUNTIME;
    float *tiles = NULL;
    if (!cli_run_open(run, true, &r))
        goto done;
    int li = ae_model_find_layer(&r.exp.model, layer);
    if (li < 0) {
        fprintf(stderr, "aelab: %s: no layer named '%s'; the layers are:", r.path, layer);
        for (size_t i = 0; i < r.exp.model.n_layers; i++)
            fprintf(stderr, " %s", r.exp.model.layers[i].name);
        fprintf(stderr, "\n");
        status = EXIT_USAGE;
        goto done;
    }
    int n_tiles, h, w;
    size_t image;
    if (!(tiles = layer_tiles(&r, li, n, &n_tiles, &image))) {
        status = EXIT_USAGE;
        goto done;
    }
    if (!tile_shape(&r, image, &h, &w)) {
        fprintf(stderr, "aelab: %s: cannot lay out %zu values as a gray image\n", r.path, image);
        status = EXIT_USAGE;
        goto done;
    }
    char path[4200];
    if (output)
        snprintf(path, sizeof path, "%s", output);
    else
        snprintf(path, sizeof path, "%s/features-%s.png", r.dir, layer);
    ae_error err = {0};
    if (ae_viz_feature_grid(path, tiles, n_tiles, n_tiles < 10 ? n_tiles : 10, h, w, 2, &err) !=
        AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        goto done;
    }
    printf("%s\n", path);
    status = 0;
done:
    free(tiles);
    cli_run_close(&r);
    return status;
}

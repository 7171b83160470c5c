/* aelab generate RUN: decode draws from the prior N(0, I) into an image grid.
 * aelab plot manifold RUN: decode a regular grid of a 2-D latent plane into one image
 * (the Keras post's "2D manifold"). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/run_load.h"
#include "core/rng.h"
#include "train/train.h"
#include "viz/viz.h"

/* How a sample of the output is drawn: images as they are, flat vectors as squares
 * (784 → 28×28, 3072 → 3×32×32), sequences as T×F pictures. */
static void display_shape(const ae_shape *s, int *c, int *h, int *w)
{
    *c = 1;
    if (s->ndim == 3) {
        *c = s->d[0], *h = s->d[1], *w = s->d[2];
    } else if (s->ndim == 2) {
        *h = s->d[0], *w = s->d[1];
    } else if (s->d[0] == 3072) {
        *c = 3, *h = 32, *w = 32;
    } else {
        int side = (int)lround(sqrt((double)s->d[0]));
        *h = side * side == s->d[0] ? side : 1;
        *w = side * side == s->d[0] ? side : s->d[0];
    }
}

/* "LO,HI" with LO < HI, both finite. */
static bool parse_range(const char *text, double *lo, double *hi)
{
    char end;
    return sscanf(text, "%lf,%lf%c", lo, hi, &end) == 2 && *lo < *hi && isfinite(*lo) &&
           isfinite(*hi);
}

/* Decodes n codes and draws them as rows × cols tiles. */
static int decode_grid(cli_run *r, const float *codes, int n, int cols, const char *path)
{
    const ae_model_spec *ms = &r->exp.model;
    const ae_shape *os = &ms->layers[ms->output_layer].out_shape;
    size_t out_w = ae_shape_size(os);
    /* the whole grid (rows × cols cells), zeroed: a short last row ends in black cells */
    float *out = calloc((size_t)((n + cols - 1) / cols) * (size_t)cols * out_w, sizeof *out);
    ae_error err = {0};
    int c, h, w, status = EXIT_RUNTIME;
    display_shape(os, &c, &h, &w);
    if (!out)
        fprintf(stderr, "aelab: out of memory\n");
    else if (ae_model_decode(&r->model, &r->exp, codes, (size_t)n, out, &err) != AE_OK ||
             ae_viz_image_grid(path, out, (n + cols - 1) / cols, cols, c, h, w, 0.0f, 1.0f, 1, 1,
                               &err) != AE_OK)
        fprintf(stderr, "aelab: %s\n", err.msg);
    else {
        printf("%s\n", path);
        status = 0;
    }
    free(out);
    return status;
}

int cmd_generate(int argc, char **argv)
{
    static const char usage[] = "usage: aelab generate RUN [--n 60] [--seed S] [--output F.png]\n";
    const char *run = NULL, *output = NULL;
    int n = 60;
    uint64_t seed = 0;
    const cli_option options[] = {
        CLI_STRING("RUN", &run),
        CLI_INT("--n", &n, 1, 400),
        CLI_U64("--seed", &seed, 0, CLI_NO_MAX),
        CLI_STRING("--output", &output),
        CLI_END,
    };
    if (!cli_args_parse(argc, argv, 2, options, usage))
        return EXIT_USAGE;
    cli_run r;
    int status = EXIT_RUNTIME;
    float *z = NULL;
    if (!cli_run_open(run, true, &r))
        goto done;
    const ae_model_spec *ms = &r.exp.model;
    if (ms->layers[ms->code_layer].kind != AE_LAYER_SAMPLING)
        fprintf(stderr, "aelab: generate needs a variational model: the code layer '%s' is not a "
                "sampling layer\n", ms->layers[ms->code_layer].name);
    size_t dim = ae_shape_size(&ms->layers[ms->code_layer].out_shape);
    if (ms->layers[ms->code_layer].kind != AE_LAYER_SAMPLING ||
        !(z = malloc((size_t)n * dim * sizeof *z)))
        goto done;
    /* draws from the prior, from their own stream so a seed names a picture */
    ae_rng rng = ae_rng_stream(seed, AE_RNG_SAMPLING, 0xfeed, 0);
    for (size_t i = 0; i < (size_t)n * dim; i++)
        z[i] = ae_rng_normal(&rng);
    char path[4200];
    snprintf(path, sizeof path, "%s/generated.png", r.dir);
    int cols = n < 10 ? n : 10;
    status = decode_grid(&r, z, n, cols, output ? output : path);
done:
    free(z);
    cli_run_close(&r);
    return status;
}

int cmd_plot_manifold(int argc, char **argv)
{
    static const char usage[] =
        "usage: aelab plot manifold RUN [--grid 15] [--range -15,15] [--output F.png]\n";
    const char *run = NULL, *output = NULL, *range = "-15,15";
    int g = 15; /* the grid's side */
    const cli_option options[] = {
        CLI_STRING("RUN", &run),
        CLI_INT("--grid", &g, 1, 400),
        CLI_STRING("--range", &range),
        CLI_STRING("--output", &output),
        CLI_END,
    };
    if (!cli_args_parse(argc, argv, 3, options, usage))
        return EXIT_USAGE;
    double lo, hi;
    if (!parse_range(range, &lo, &hi)) {
        cli_usage_error(usage, "--range: expected LO,HI with LO < HI, got '%s'", range);
        return EXIT_USAGE;
    }
    cli_run r;
    int status = EXIT_RUNTIME;
    float *z = NULL;
    if (!cli_run_open(run, true, &r))
        goto done;
    const ae_model_spec *ms = &r.exp.model;
    if (ae_shape_size(&ms->layers[ms->code_layer].out_shape) != 2) {
        fprintf(stderr, "aelab: plot manifold needs a 2-D code; '%s' has %zu dimensions\n",
                ms->layers[ms->code_layer].name,
                ae_shape_size(&ms->layers[ms->code_layer].out_shape));
        goto done;
    }
    if (!(z = malloc((size_t)g * (size_t)g * 2 * sizeof *z)))
        goto done;
    /* row i from the top holds y = hi … lo, column j x = lo … hi: the plane as plotted */
    for (int i = 0; i < g; i++)
        for (int j = 0; j < g; j++) {
            double fx = g > 1 ? (double)j / (g - 1) : 0.5, fy = g > 1 ? (double)i / (g - 1) : 0.5;
            z[2 * (i * g + j)] = (float)(lo + fx * (hi - lo));
            z[2 * (i * g + j) + 1] = (float)(hi - fy * (hi - lo));
        }
    char path[4200];
    snprintf(path, sizeof path, "%s/manifold.png", r.dir);
    status = decode_grid(&r, z, g * g, g, output ? output : path);
done:
    free(z);
    cli_run_close(&r);
    return status;
}

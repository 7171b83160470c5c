/* aelab encode RUN / aelab reconstruct RUN: the codes (the code layer's
 * outputs) or the reconstructions of a dataset split, as an HDF5 file with
 * the labels beside them. Evaluation mode: noise and dropout are off.
 * --noise / --drop corrupt the inputs first (one fixed draw from --seed), so a
 * denoiser and a plain model can be compared on the same corrupted images;
 * reconstruct then prints the MSE to the clean images. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/run_load.h"
#include "core/rng.h"
#include "runfile/h5file.h"
#include "train/datasets.h"
#include "train/train.h"

static const char usage[] =
    "usage: aelab encode|reconstruct RUN [--split test|train] [--limit N] [--output FILE]\n"
    "                                    [--noise STD [--clip] | --drop RATE] [--seed N]\n";

typedef struct encode_opts {
    const char *run, *split, *output;
    size_t limit;       /* 0: the whole split */
    double noise, drop; /* input corruption: x + noise·N(0, 1), or inverted dropout */
    bool clip;          /* clip noisy inputs to [0, 1] */
    uint64_t seed;
} encode_opts;

static bool parse(int argc, char **argv, encode_opts *o)
{
    *o = (encode_opts){.split = "test", .seed = 1};
    const cli_option options[] = {
        CLI_STRING("RUN", &o->run),
        CLI_CHOICE("--split", &o->split, "test|train"),
        CLI_SIZE("--limit", &o->limit, 1, CLI_NO_MAX),
        CLI_STRING("--output", &o->output),
        CLI_REAL("--noise", &o->noise, 0, 100),
        CLI_FLAG("--clip", &o->clip),
        CLI_REAL("--drop", &o->drop, 0, 0.99),
        CLI_U64("--seed", &o->seed, 0, UINT32_MAX),
        CLI_END,
    };
    if (!cli_args_parse(argc, argv, 2, options, usage))
        return false;
    if (o->noise > 0 && o->drop > 0)
        return cli_usage_error(usage, "--noise and --drop cannot be combined");
    if (o->clip && !(o->noise > 0))
        return cli_usage_error(usage, "--clip goes with --noise");
    return true;
}

/* The corrupted copy of data's inputs (caller frees), or NULL when out of memory. One
 * stream (seed, DATA) for the whole split, so the same images get the same corruption
 * whichever model reads them. */
static float *corrupt(const encode_opts *o, const ae_dataset *data)
{
    size_t count = data->n * ae_dataset_sample_size(data);
    float *x = malloc(count * sizeof *x);
    if (!x)
        return NULL;
    ae_rng r = ae_rng_stream(o->seed, AE_RNG_DATA, 0, 0);
    float keep = (float)(1.0 - o->drop);
    for (size_t i = 0; i < count; i++) {
        float v = data->x[i];
        if (o->noise > 0) {
            v += (float)o->noise * ae_rng_normal(&r);
            if (o->clip)
                v = fminf(fmaxf(v, 0.0f), 1.0f);
        } else {
            v = ae_rng_uniform(&r) < keep ? v / keep : 0.0f;
        }
        x[i] = v;
    }
    return x;
}

/* Mean squared error of the reconstructions against the clean inputs. */
static void print_recon_stats(const encode_opts *o, const float *recon, const float *clean,
                              size_t n, size_t width)
{
    double total = 0;
    for (size_t i = 0; i < n * width; i++) {
        double e = (double)recon[i] - clean[i];
        total += e * e;
    }
    printf("reconstruction mse: %.6f over %zu samples", total / (double)(n * width), n);
    if (o->noise > 0)
        printf(" (inputs x + %g·N(0, 1)%s, seed %" PRIu64 "; error to the clean images)",
               o->noise, o->clip ? " clipped to [0, 1]" : "", o->seed);
    else if (o->drop > 0)
        printf(" (inputs with %g of the values dropped, the rest scaled by 1/%g, seed %" PRIu64
               "; error to the clean images)", o->drop, 1 - o->drop, o->seed);
    printf("\n");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Mean activation of each unit and of the whole code: the statistic sparse models exist to show. */
static void print_code_stats(const float *codes, size_t n, size_t width)
{
    double total = 0;
    for (size_t i = 0; i < n * width; i++)
        total += codes[i];
    printf("mean code activation: %.6f over %zu samples × %zu units\n",
           total / (double)(n * width), n, width);
    /* the spread of the units' means: one average can hide dead and always-on units */
    double *unit = calloc(width, sizeof *unit);
    if (!unit || n == 0) {
        free(unit);
        return;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < width; j++)
            unit[j] += codes[i * width + j];
    size_t quiet = 0;
    for (size_t j = 0; j < width; j++) {
        unit[j] /= (double)n;
        quiet += unit[j] < 0.01;
    }
    qsort(unit, width, sizeof *unit, cmp_double);
    printf("unit means: min %.6f, median %.6f, max %.6f; %zu of %zu units below 0.01\n", unit[0],
           unit[width / 2], unit[width - 1], quiet, width);
    free(unit);
}

int cmd_encode(int argc, char **argv)
{
    bool encode = !strcmp(argv[1], "encode");
    encode_opts o;
    if (!parse(argc, argv, &o))
        return EXIT_USAGE;
    cli_run r;
    int status = EXIT_RUNTIME;
    ae_dataset data = {0};
    float *out = NULL, *noisy = NULL;
    ae_error err = {0};
    if (!cli_run_open(o.run, true, &r))
        goto done;
    if (ae_experiment_split(&r.exp, o.split, o.limit, &data, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        goto done;
    }
    if (o.noise > 0 || o.drop > 0) {
        if (!(noisy = corrupt(&o, &data))) {
            fprintf(stderr, "aelab: out of memory\n");
            goto done;
        }
    }
    ae_dataset input = data;
    if (noisy)
        input.x = noisy;
    const ae_model_spec *ms = &r.exp.model;
    int layer = encode ? ms->code_layer : ms->output_layer;
    size_t width = ae_shape_size(&ms->layers[layer].out_shape);
    out = malloc(data.n * width * sizeof *out);
    if (!out) {
        fprintf(stderr, "aelab: out of memory\n");
        goto done;
    }
    if (ae_model_outputs(&r.model, &r.exp, &input, layer, out, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        goto done;
    }
    char path[4200];
    if (o.output)
        snprintf(path, sizeof path, "%s", o.output);
    else
        snprintf(path, sizeof path, "%s/%s-%s.h5", r.dir, encode ? "codes" : "reconstructions",
                 o.split);
    const ae_shape *s = &ms->layers[layer].out_shape;
    int64_t shape[4] = {(int64_t)data.n};
    for (int d = 0; d < s->ndim; d++)
        shape[d + 1] = s->d[d];
    if (ae_h5_write_tensor_file(path, encode ? "codes" : "reconstructions", s->ndim + 1, shape,
                                out, data.labels, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        goto done;
    }
    if (encode)
        print_code_stats(out, data.n, width);
    else if (width == ae_dataset_sample_size(&data))
        print_recon_stats(&o, out, data.x, data.n, width);
    printf("%s: %s\n", encode ? "codes" : "reconstructions", path);
    status = 0;
done:
    free(out);
    free(noisy);
    ae_dataset_free(&data);
    cli_run_close(&r);
    return status;
}

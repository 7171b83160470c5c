/* aelab encode RUN / aelab reconstruct RUN: the codes (the code layer's
 * outputs) or the reconstructions of a dataset split, as an HDF5 file with
 * the labels beside them. Evaluation mode: noise and dropout are off. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/run_load.h"
#include "runfile/h5file.h"
#include "train/datasets.h"
#include "train/train.h"

static const char usage[] =
    "usage: aelab encode|reconstruct RUN [--split test|train] [--limit N] [--output FILE]\n";

typedef struct encode_opts {
    const char *run, *split, *output;
    size_t limit;
} encode_opts;

static bool parse(int argc, char **argv, encode_opts *o)
{
    memset(o, 0, sizeof *o);
    o->split = "test";
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if ((!strcmp(a, "--split") || !strcmp(a, "--limit") || !strcmp(a, "--output")) && !v) {
            fprintf(stderr, "aelab: %s needs a value\n", a);
            return false;
        }
        if (!strcmp(a, "--split")) {
            o->split = argv[++i];
            if (strcmp(o->split, "test") && strcmp(o->split, "train")) {
                fprintf(stderr, "aelab: --split: expected test or train, got '%s'\n", o->split);
                return false;
            }
        } else if (!strcmp(a, "--limit")) {
            char *end;
            long long n = strtoll(argv[++i], &end, 10);
            if (*end || n < 1) {
                fprintf(stderr, "aelab: --limit: expected a positive count, got '%s'\n", argv[i]);
                return false;
            }
            o->limit = (size_t)n;
        } else if (!strcmp(a, "--output")) {
            o->output = argv[++i];
        } else if (a[0] != '-' && !o->run) {
            o->run = a;
        } else {
            fprintf(stderr, "aelab: unexpected argument '%s'\n", a);
            return false;
        }
    }
    return o->run != NULL;
}

/* Mean activation of each unit and of the whole code: the statistic sparse models exist to show. */
static void print_code_stats(const float *codes, size_t n, size_t width)
{
    double total = 0;
    for (size_t i = 0; i < n * width; i++)
        total += codes[i];
    printf("mean code activation: %.6f over %zu samples × %zu units\n",
           total / (double)(n * width), n, width);
}

int cmd_encode(int argc, char **argv)
{
    bool encode = !strcmp(argv[1], "encode");
    encode_opts o;
    if (!parse(argc, argv, &o)) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    cli_run r;
    int status = EXIT_RUNTIME;
    ae_dataset data = {0};
    float *out = NULL;
    ae_error err = {0};
    if (!cli_run_open(o.run, true, &r))
        goto done;
    if (ae_experiment_split(&r.exp, o.split, o.limit, &data, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        goto done;
    }
    const ae_model_spec *ms = &r.exp.model;
    int layer = encode ? ms->code_layer : ms->output_layer;
    size_t width = ae_shape_size(&ms->layers[layer].out_shape);
    out = malloc(data.n * width * sizeof *out);
    if (!out) {
        fprintf(stderr, "aelab: out of memory\n");
        goto done;
    }
    if (ae_model_outputs(&r.model, &r.exp, &data, layer, out, &err) != AE_OK) {
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
    printf("%s: %s\n", encode ? "codes" : "reconstructions", path);
    status = 0;
done:
    free(out);
    ae_dataset_free(&data);
    cli_run_close(&r);
    return status;
}

/* aelab plot sequences RUN [--n N] [--feature F] [--output FILE.png|FILE.svg]: the first N
 * test sequences of a sequence model ([T, F] samples) and their reconstructions (evaluation
 * mode), one feature of each, drawn one after another along the x axis as two series,
 * "target" and "reconstruction" (a NaN between sequences breaks the lines). Prints the MSE
 * of the drawn values. */
#include "cli/cmd_plot_sequences.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/run_load.h"
#include "train/datasets.h"
#include "train/train.h"
#include "viz/viz.h"

static const char usage[] =
    "usage: aelab plot sequences RUN [--n 4] [--feature 0] [--output FILE.png|FILE.svg]\n"
    "  the first N test sequences (feature F of each) and their reconstructions\n";

int cmd_plot_sequences(int argc, char **argv)
{
    const char *run = NULL, *output = NULL;
    int count = 4, feature = 0;
    const cli_option options[] = {
        CLI_STRING("RUN", &run),
        CLI_INT("--n", &count, 1, 50),
        CLI_INT("--feature", &feature, 0, 1000000),
        CLI_STRING("--output", &output),
        CLI_END,
    };
    if (!cli_args_parse(argc, argv, 3, options, usage))
        return EXIT_USAGE;
    cli_run r;
    ae_dataset test = {0};
    float *recon = NULL;
    double *xs = NULL, *target = NULL, *rec = NULL;
    ae_error err = {0};
    int status = EXIT_RUNTIME;
    if (!cli_run_open(run, true, &r))
        goto done;
    const ae_model_spec *ms = &r.exp.model;
    const ae_shape *os = &ms->layers[ms->output_layer].out_shape;
    if (ms->input.ndim != 2 || os->ndim != 2) {
        char buf[64];
        fprintf(stderr, "aelab: plot sequences needs a sequence model ([steps, features]); the "
                "input of '%s' is %s\n", r.exp.name, ae_shape_str(&ms->input, buf, sizeof buf));
        goto done;
    }
    int steps = ms->input.d[0], feats = ms->input.d[1];
    if (feature >= feats) {
        fprintf(stderr, "aelab: --feature %d: the sequences have %d features (0 to %d)\n",
                feature, feats, feats - 1);
        goto done;
    }
    if (ae_experiment_split(&r.exp, "test", (size_t)count, &test, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        goto done;
    }
    size_t n = test.n, per = ae_dataset_sample_size(&test);
    /* one point per step, then a NaN that ends the sequence's line */
    size_t points = n * (size_t)(steps + 1);
    recon = malloc(n * per * sizeof *recon);
    xs = malloc(points * sizeof *xs);
    target = malloc(points * sizeof *target);
    rec = malloc(points * sizeof *rec);
    if (!recon || !xs || !target || !rec) {
        fprintf(stderr, "aelab: out of memory\n");
        goto done;
    }
    if (ae_model_outputs(&r.model, &r.exp, &test, ms->output_layer, recon, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        goto done;
    }
    double sq = 0;
    int gap = steps / 10 > 1 ? steps / 10 : 1;
    for (size_t s = 0; s < n; s++)
        for (int t = 0; t <= steps; t++) {
            size_t p = s * (size_t)(steps + 1) + (size_t)t;
            xs[p] = (double)(s * (size_t)(steps + gap) + (size_t)t);
            if (t == steps) {
                target[p] = rec[p] = NAN;
                continue;
            }
            size_t k = s * per + (size_t)t * (size_t)feats + (size_t)feature;
            target[p] = test.x[k];
            rec[p] = recon[k];
            sq += (rec[p] - target[p]) * (rec[p] - target[p]);
        }
    char path[4200], title[300];
    snprintf(path, sizeof path, "%s/sequences.png", r.dir);
    const char *out = output ? output : path;
    snprintf(title, sizeof title, "%s: %zu test sequences, feature %d", r.exp.name, n, feature);
    ae_viz_series series[2] = {{"target", xs, target, points}, {"reconstruction", xs, rec, points}};
    ae_viz_chart chart = {.title = title, .xlabel = "time step (sequences one after another)",
                          .ylabel = "value", .width = 1000, .height = 400};
    if (ae_viz_line_chart(out, &chart, series, 2, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        goto done;
    }
    printf("mse of the drawn values: %.6f over %zu sequences × %d steps\n",
           sq / (double)(n * (size_t)steps), n, steps);
    printf("%s\n", out);
    status = 0;
done:
    free(recon);
    free(xs);
    free(target);
    free(rec);
    ae_dataset_free(&test);
    cli_run_close(&r);
    return status;
}

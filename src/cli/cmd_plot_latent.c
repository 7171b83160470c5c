/* aelab plot latent RUN: the test set's codes (first two dimensions; means for a VAE)
 * as a scatter coloured by class, with a legend (the Keras post's "classes plane"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/run_load.h"
#include "train/datasets.h"
#include "train/train.h"
#include "viz/viz.h"

static const char *const fashion_names[] = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                            "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                            "Bag",         "Ankle boot"};
static const char *const cifar_names[] = {"airplane", "automobile", "bird",  "cat",  "deer",
                                          "dog",      "frog",       "horse", "ship", "truck"};

static const char *const *class_names(const char *dataset)
{
    if (!strcmp(dataset, "fashion-mnist"))
        return fashion_names;
    if (!strcmp(dataset, "cifar10"))
        return cifar_names;
    return NULL; /* digits: "0".."9" */
}

int cmd_plot_latent(int argc, char **argv)
{
    static const char usage[] =
        "usage: aelab plot latent RUN [--limit N] [--output F.png|F.svg]\n";
    const char *run = NULL, *output = NULL;
    size_t limit = 0; /* the whole test set */
    const cli_option options[] = {
        CLI_STRING("RUN", &run),
        CLI_SIZE("--limit", &limit, 1, CLI_NO_MAX),
        CLI_STRING("--output", &output),
        CLI_END,
    };
    if (!cli_args_parse(argc, argv, 3, options, usage))
        return EXIT_USAGE;
    cli_run r;
    ae_dataset test = {0};
    float *codes = NULL, *x = NULL, *y = NULL;
    ae_error err = {0};
    int status = EXIT_RUNTIME;
    if (!cli_run_open(run, true, &r))
        goto done;
    const ae_model_spec *ms = &r.exp.model;
    size_t dim = ae_shape_size(&ms->layers[ms->code_layer].out_shape);
    if (dim < 2) {
        fprintf(stderr, "aelab: plot latent needs a code of 2 or more dimensions\n");
        goto done;
    }
    if (ae_experiment_split(&r.exp, "test", limit, &test, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        goto done;
    }
    if (!test.labels) {
        fprintf(stderr, "aelab: the test set of %s has no labels to colour by\n", r.exp.data.dataset);
        goto done;
    }
    codes = malloc(test.n * dim * sizeof *codes);
    x = malloc(test.n * sizeof *x);
    y = malloc(test.n * sizeof *y);
    if (!codes || !x || !y) {
        fprintf(stderr, "aelab: out of memory\n");
        goto done;
    }
    if (ae_model_outputs(&r.model, &r.exp, &test, ms->code_layer, codes, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        goto done;
    }
    for (size_t i = 0; i < test.n; i++) {
        x[i] = codes[i * dim];
        y[i] = codes[i * dim + 1];
    }
    char path[4200], title[256];
    snprintf(path, sizeof path, "%s/latent.png", r.dir);
    snprintf(title, sizeof title, "%s: test codes (%s)", r.exp.name, ms->layers[ms->code_layer].name);
    ae_viz_chart chart = {.title = title, .xlabel = "z[0]", .ylabel = "z[1]", .width = 800,
                          .height = 700};
    const char *out = output ? output : path;
    if (ae_viz_scatter(out, &chart, x, y, test.labels, test.n,
                       test.n_classes > 10 ? test.n_classes : 10, class_names(r.exp.data.dataset),
                       &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        goto done;
    }
    printf("%s\n", out);
    status = 0;
done:
    free(codes);
    free(x);
    free(y);
    ae_dataset_free(&test);
    cli_run_close(&r);
    return status;
}

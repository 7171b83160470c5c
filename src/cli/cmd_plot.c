/* aelab plot recon RUN: test images above their reconstructions. */
#include <stdio.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/cmd_plot_features.h"
#include "cli/cmd_plot_sequences.h"
#include "cli/run_load.h"
#include "cli/sweep_cli.h"
#include "train/datasets.h"
#include "train/pictures.h"

static const char usage[] = "usage: aelab plot recon RUN [--n N] [--output FILE.png]\n";

int cmd_plot(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[2], "curves"))
        return cmd_plot_curves(argc, argv);
    if (argc >= 3 && !strcmp(argv[2], "features"))
        return cmd_plot_features(argc, argv);
    if (argc >= 3 && !strcmp(argv[2], "latent"))
        return cmd_plot_latent(argc, argv);
    if (argc >= 3 && !strcmp(argv[2], "sequences"))
        return cmd_plot_sequences(argc, argv);
    if (argc >= 3 && !strcmp(argv[2], "manifold"))
        return cmd_plot_manifold(argc, argv);
    if (argc < 3 || strcmp(argv[2], "recon")) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *run = NULL, *output = NULL;
    int n = 10;
    const cli_option options[] = {
        CLI_STRING("RUN", &run),
        CLI_INT("--n", &n, 1, 100),
        CLI_STRING("--output", &output),
        CLI_END,
    };
    if (!cli_args_parse(argc, argv, 3, options, usage))
        return EXIT_USAGE;
    cli_run r;
    int status = EXIT_RUNTIME;
    ae_dataset test = {0};
    ae_error err = {0};
    if (!cli_run_open(run, true, &r))
        goto done;
    if (ae_experiment_split(&r.exp, "test", (size_t)n, &test, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        goto done;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s", output ? output : "");
    if (!output)
        snprintf(path, sizeof path, "%s/recon.png", r.dir);
    if (ae_recon_png(&r.model, &r.exp, &test, n, path, &err) != AE_OK) {
        fprintf(stderr, "aelab: %s\n", err.msg);
        goto done;
    }
    printf("%s\n", path);
    status = 0;
done:
    ae_dataset_free(&test);
    cli_run_close(&r);
    return status;
}

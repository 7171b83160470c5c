#include "config.h"

#include <stdio.h>
#include <string.h>

#include "aelab.h"
#include "cli/cli.h"
#include "viz/viz.h"
#include "cli/sweep_cli.h"

static const char usage[] =
    "usage: aelab COMMAND [ARGS]\n"
    "\n"
    "  run FILE [--set KEY=VALUE]... [--out DIR | --run-dir DIR] [--quiet] [--threads N]\n"
    "                          train the experiment FILE; writes results/<name>/<run-id>/run.h5\n"
    "  validate FILE [--set KEY=VALUE]...\n"
    "                          check FILE and print the resolved config\n"
    "  resume RUN [--quiet] [--threads N]\n"
    "                          continue an interrupted run from its last checkpoint\n"
    "  encode RUN [--split test|train] [--limit N] [--output FILE]\n"
    "                          write the codes of a dataset to HDF5, with unit statistics\n"
    "  reconstruct RUN [--split test|train] [--limit N] [--output FILE]\n"
    "              [--noise STD [--clip] | --drop RATE] [--seed N]\n"
    "                          write reconstructions (of corrupted inputs) and their MSE\n"
    "  plot recon RUN [--n N] [--output FILE.png]\n"
    "                          test images above their reconstructions, as a PNG grid\n"
    "  plot features RUN --layer NAME [--n N] [--output FILE.png]\n"
    "                          a dense layer's weights as image tiles\n"
    "  plot sequences RUN [--n 4] [--feature 0] [--output F.png|F.svg]\n"
    "                          test sequences against their reconstructions\n"
    "  plot latent RUN [--limit N] [--output F.png|F.svg]\n"
    "                          the test codes' first two dimensions coloured by class\n"
    "  plot manifold RUN [--grid 15] [--range -15,15] [--output F.png]\n"
    "                          decode a grid of a 2-D latent plane into one image\n"
    "  generate RUN [--n 60] [--seed S] [--output F.png]\n"
    "                          decode draws from the prior of a variational model\n"
    "  plot curves RUN... [--metric NAME] [--output FILE]\n"
    "                          a metric against epoch, one curve per run (PNG and SVG)\n"
    "  sweep FILE [--set KEY=VALUE]... [--out DIR] [-j N] [--backend local|slurm] [--dry-run]\n"
    "                          run the trials of FILE's sweep: section (docs/sweeps.md)\n"
    "  sweep status FILE | sweep report FILE\n"
    "                          each trial's state; the trials ranked, with a chart\n"
    "  --version, --help\n"
    "\n"
    "RUN is a run directory or its run.h5. Exit status: 0 ok, 1 runtime failure, 2 bad usage\n"
    "or config. Documentation: docs/ in the source tree.\n";

static int dispatch(int argc, char **argv);

int main(int argc, char **argv)
{
    int status = dispatch(argc, argv);
    ae_viz_release_fonts();
    return status;
}

static int dispatch(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("aelab %s (%s)\n", aelab_version(), AELAB_GIT_COMMIT);
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "help") || !strcmp(cmd, "-h")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "run"))
        return cmd_run(argc, argv);
    if (!strcmp(cmd, "validate"))
        return cmd_validate(argc, argv);
    if (!strcmp(cmd, "resume"))
        return cmd_resume(argc, argv);
    if (!strcmp(cmd, "encode") || !strcmp(cmd, "reconstruct"))
        return cmd_encode(argc, argv);
    if (!strcmp(cmd, "plot"))
        return cmd_plot(argc, argv);
    if (!strcmp(cmd, "generate"))
        return cmd_generate(argc, argv);
    if (!strcmp(cmd, "sweep"))
        return cmd_sweep(argc, argv);
    fprintf(stderr, "aelab: unknown command '%s'\n\n%s", cmd, usage);
    return EXIT_USAGE;
}

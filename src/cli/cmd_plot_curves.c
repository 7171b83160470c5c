/* aelab plot curves RUN...: one metric against epoch, a curve per run, with a
 * legend, as PNG and SVG (cairo through src/viz). A run that is a sweep trial
 * is labelled with its overrides from the sweep's manifest. */
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "cli/sweep_cli.h"
#include "sweep/report.h"

static const char usage[] =
    "usage: aelab plot curves RUN... [--metric NAME] [--label TEXT]... [--title TEXT]\n"
    "                         [--log | --linear] [--output FILE[.png|.svg]]\n"
    "  one curve per run of NAME (default val/loss) against epoch; without an extension\n"
    "  --output (default: curves) writes FILE.png and FILE.svg\n";

enum { MAX_RUNS = 256 };

/* The overrides of a sweep trial run directory, from ../sweep.tsv; NULL if none. */
static char *trial_label(const char *run_dir)
{
    char *copy = strdup(run_dir), *copy2 = strdup(run_dir);
    char *label = NULL;
    if (!copy || !copy2)
        goto out;
    const char *id = basename(copy);
    char path[4200];
    snprintf(path, sizeof path, "%s/sweep.tsv", dirname(copy2));
    FILE *f = fopen(path, "r");
    if (!f)
        goto out;
    char line[8192];
    size_t idlen = strlen(id);
    while (!label && fgets(line, sizeof line, f)) {
        if (strncmp(line, id, idlen) || line[idlen] != '\t')
            continue;
        char *field = line;
        for (int k = 0; k < 4 && field; k++) /* trial, status, epochs, sha, overrides */
            if ((field = strchr(field, '\t')))
                field++;
        if (field) {
            field[strcspn(field, "\n")] = '\0';
            size_t n = strlen(id) + strlen(field) + 2;
            if ((label = malloc(n)))
                snprintf(label, n, "%s %s", id, field);
        }
    }
    fclose(f);
out:
    free(copy);
    free(copy2);
    return label;
}

static char *default_label(const char *run)
{
    char *dir = cli_run_file_path(run);
    if (!dir)
        return NULL;
    char *slash = strrchr(dir, '/');
    if (slash && !strcmp(slash, "/run.h5"))
        *slash = '\0';
    char *label = trial_label(dir);
    if (!label) {
        char *copy = strdup(dir);
        label = copy ? strdup(basename(copy)) : NULL;
        free(copy);
    }
    free(dir);
    return label;
}

static bool has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), m = strlen(ext);
    return n > m && !strcmp(path + n - m, ext);
}

int cmd_plot_curves(int argc, char **argv)
{
    const char *runs[MAX_RUNS], *labels[MAX_RUNS];
    cli_list run_list = {runs, 0, MAX_RUNS}, label_list = {labels, 0, MAX_RUNS};
    const char *metric = "val/loss", *output = "curves", *title = NULL;
    bool log_scale = false, linear_scale = false;
    const cli_option options[] = {
        CLI_LIST("RUN", &run_list, 1),
        CLI_STRING("--metric", &metric),
        CLI_LIST("--label", &label_list, 0),
        CLI_STRING("--title", &title),
        CLI_FLAG("--log", &log_scale),
        CLI_FLAG("--linear", &linear_scale),
        CLI_STRING("--output", &output),
        CLI_END,
    };
    if (!cli_args_parse(argc, argv, 3, options, usage))
        return EXIT_USAGE;
    if (label_list.count > run_list.count) {
        cli_usage_error(usage, "more --label than runs");
        return EXIT_USAGE;
    }
    if (log_scale && linear_scale) {
        cli_usage_error(usage, "--log and --linear cannot be combined");
        return EXIT_USAGE;
    }
    size_t n_runs = run_list.count, n_labels = label_list.count;
    int status = EXIT_RUNTIME;
    ae_sweep_summary sums[MAX_RUNS] = {{0}}; /* freed all, filled or not */
    char *own_labels[MAX_RUNS] = {0};
    ae_viz_series series[MAX_RUNS];
    double *x = NULL;
    size_t loaded = 0, maxlen = 0, k = 0;
    ae_error err = {0};
    for (; loaded < n_runs; loaded++) {
        char *path = cli_run_file_path(runs[loaded]);
        ae_runfile *rf = NULL;
        ae_code rc = path ? ae_runfile_load(path, &rf, &err) : AE_ERR_NOMEM;
        if (rc == AE_OK)
            rc = ae_sweep_summarize(rf, metric, &sums[loaded]);
        const char *st = rf ? ae_runfile_attr(rf, "status") : NULL;
        if (rc == AE_OK && !sums[loaded].n_curve)
            fprintf(stderr, "aelab plot curves: %s records no %s; it is left out\n", path, metric);
        if (rc == AE_OK && n_labels <= loaded && !(own_labels[loaded] = default_label(runs[loaded])))
            rc = AE_ERR_NOMEM;
        if (rc == AE_OK)
            printf("%-40s %-11s best %s %.6g at epoch %zu, final %.6g\n",
                   n_labels > loaded ? labels[loaded] : own_labels[loaded], st ? st : "?", metric,
                   sums[loaded].best, sums[loaded].best_epoch, sums[loaded].final);
        ae_runfile_free(rf);
        free(path);
        if (rc != AE_OK) {
            fprintf(stderr, "aelab plot curves: %s\n", rc == AE_ERR_NOMEM ? "out of memory" : err.msg);
            goto out;
        }
        if (sums[loaded].n_curve > maxlen)
            maxlen = sums[loaded].n_curve;
    }
    if (!maxlen) {
        fprintf(stderr, "aelab plot curves: no run records %s\n", metric);
        goto out;
    }
    if (!(x = malloc(maxlen * sizeof *x)))
        goto out;
    for (size_t e = 0; e < maxlen; e++)
        x[e] = (double)(e + 1);
    for (size_t i = 0; i < n_runs; i++)
        if (sums[i].n_curve)
            series[k++] = (ae_viz_series){i < n_labels ? labels[i] : own_labels[i], x,
                                          sums[i].curve, sums[i].n_curve};
    char auto_title[256];
    snprintf(auto_title, sizeof auto_title, "%s per epoch", metric);
    ae_viz_chart chart = {.title = title ? title : auto_title, .xlabel = "epoch", .ylabel = metric,
                          .log_y = log_scale || (!linear_scale && ae_sweep_wants_log_y(series, k))};
    bool one = has_ext(output, ".png") || has_ext(output, ".svg");
    status = 0;
    for (int f = 0; f < (one ? 1 : 2) && status == 0; f++) {
        char path[4200];
        snprintf(path, sizeof path, one ? "%s" : f ? "%s.svg" : "%s.png", output);
        if (ae_viz_line_chart(path, &chart, series, k, &err) != AE_OK) {
            fprintf(stderr, "aelab plot curves: %s\n", err.msg);
            status = EXIT_RUNTIME;
        } else {
            printf("%s\n", path);
        }
    }
out:
    for (size_t i = 0; i < n_runs; i++)
        ae_sweep_summary_free(&sums[i]);
    for (size_t i = 0; i < n_runs; i++)
        free(own_labels[i]);
    free(x);
    return status;
}

/* Comparing runs: one metric (default val/loss, lower is better) summarised
 * per run file, a sweep's trials ranked by it as text, CSV and Markdown
 * tables, and a chart of the metric against epoch with a curve per trial
 * (cairo through src/viz, PNG or SVG). */
#ifndef AELAB_SWEEP_REPORT_H
#define AELAB_SWEEP_REPORT_H

#include <stddef.h>

#include "core/error.h"
#include "runfile/runfile.h"
#include "sweep/sweep.h"
#include "sweep/trial.h"
#include "viz/viz.h"

/* What a run file says about one metric. The curve is the metric's series in
 * the last phase that records it (the one that is trained last: for layer-wise
 * pretraining, the fine-tuning); best and final come from that curve. */
typedef struct ae_sweep_summary {
    double *curve;        /* value per epoch (owned; NaN where missing), n_curve values */
    size_t n_curve;
    double best, final;   /* lowest and last finite values; NaN when there is none */
    size_t best_epoch;    /* 1-based epoch of best; 0 when none */
    size_t epochs;        /* epochs recorded over all phases */
    double seconds;       /* the sum of epoch_seconds over all phases */
} ae_sweep_summary;

/* AE_OK (an absent metric gives an empty curve and NaNs) or AE_ERR_NOMEM. */
ae_code ae_sweep_summarize(const ae_runfile *rf, const char *metric, ae_sweep_summary *out);
void ae_sweep_summary_free(ae_sweep_summary *s);

typedef struct ae_sweep_row {
    const ae_sweep_trial *trial;
    ae_sweep_status status;
    ae_sweep_summary sum;  /* zeroed (NaNs) when there is no readable run file */
} ae_sweep_row;

typedef struct ae_sweep_report {
    const ae_sweep *sweep;
    ae_sweep_row *rows;    /* by best value, lowest first; rows without one last; ties by trial */
    size_t n_rows;
    long best;             /* the row of the best completed trial; -1 when none completed */
} ae_sweep_report;

/* Reads every trial's run file under sweep_dir. AE_OK or AE_ERR_NOMEM; run
 * files that are missing or unreadable only leave their rows empty. */
ae_code ae_sweep_report_build(const ae_sweep *s, const char *sweep_dir, ae_sweep_report *out,
                              ae_error *err);
void ae_sweep_report_free(ae_sweep_report *r);

/* The table: aligned text for a terminal, CSV (header row first; columns rank,
 * trial, status, epochs, epochs_total, best_<metric>, best_epoch,
 * final_<metric>, seconds, overrides) and Markdown with a closing "Best:"
 * line. Caller frees; NULL when out of memory. */
char *ae_sweep_report_text(const ae_sweep_report *r);
char *ae_sweep_report_csv(const ae_sweep_report *r);
char *ae_sweep_report_markdown(const ae_sweep_report *r);

/* Chart of the rows' curves (labelled by trial label, "(diverged)" marked), y
 * logarithmic when the finite values span more than a factor of 50. */
ae_code ae_sweep_report_chart(const ae_sweep_report *r, const char *path, ae_error *err);

/* Writes report.csv, report.md, curves.png and curves.svg into sweep_dir. */
ae_code ae_sweep_report_write(const ae_sweep_report *r, const char *sweep_dir, ae_error *err);

/* Whether to draw series on a log axis: all finite values positive and
 * spanning more than a factor of 50. */
int ae_sweep_wants_log_y(const ae_viz_series *series, size_t n);

#endif

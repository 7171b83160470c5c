#include "sweep/report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep/sweep_impl.h"

ae_code ae_sweep_summarize(const ae_runfile *rf, const char *metric, ae_sweep_summary *out)
{
    memset(out, 0, sizeof *out);
    out->best = out->final = NAN;
    size_t nph = ae_runfile_phase_count(rf);
    const double *y = NULL;
    size_t n = 0;
    for (size_t i = 0; i < nph; i++) {
        const char *ph = ae_runfile_phase_at(rf, i);
        size_t len;
        const double *v = ae_runfile_metric(rf, ph, metric, &len);
        if (v) {
            y = v;
            n = len;
        }
        out->epochs += ae_runfile_metric_epochs(rf, ph);
        const double *sec = ae_runfile_metric(rf, ph, "epoch_seconds", &len);
        for (size_t e = 0; sec && e < len; e++)
            if (isfinite(sec[e]))
                out->seconds += sec[e];
    }
    if (n) {
        out->curve = malloc(n * sizeof *out->curve);
        if (!out->curve)
            return AE_ERR_NOMEM;
        memcpy(out->curve, y, n * sizeof *y);
        out->n_curve = n;
    }
    for (size_t e = 0; e < n; e++) {
        if (!isfinite(y[e]))
            continue;
        out->final = y[e];
        if (!(y[e] >= out->best)) { /* also when best is still NaN */
            out->best = y[e];
            out->best_epoch = e + 1;
        }
    }
    return AE_OK;
}

void ae_sweep_summary_free(ae_sweep_summary *s)
{
    free(s->curve);
    memset(s, 0, sizeof *s);
    s->best = s->final = NAN;
}

static int by_best(const void *pa, const void *pb)
{
    const ae_sweep_row *a = pa, *b = pb;
    bool ha = isfinite(a->sum.best), hb = isfinite(b->sum.best);
    if (ha != hb)
        return ha ? -1 : 1;
    if (ha && a->sum.best != b->sum.best)
        return a->sum.best < b->sum.best ? -1 : 1;
    return a->trial->index < b->trial->index ? -1 : a->trial->index > b->trial->index;
}

ae_code ae_sweep_report_build(const ae_sweep *s, const char *sweep_dir, ae_sweep_report *out,
                              ae_error *err)
{
    memset(out, 0, sizeof *out);
    out->sweep = s;
    out->best = -1;
    out->rows = calloc(s->n_trials ? s->n_trials : 1, sizeof *out->rows);
    if (!out->rows)
        return ae_error_set(err, AE_ERR_NOMEM, "out of memory building the sweep report");
    for (size_t i = 0; i < s->n_trials; i++) {
        ae_sweep_row *row = &out->rows[out->n_rows++];
        row->trial = &s->trials[i];
        row->sum.best = row->sum.final = NAN;
        char dir[4200];
        ae_sweep_probe probe;
        ae_runfile *rf;
        if (!ae_sweep_trial_dir(sweep_dir, row->trial, dir, sizeof dir)) {
            row->status = AE_SWEEP_UNREADABLE;
            continue;
        }
        ae_sweep_probe_trial(dir, row->trial, &probe, &rf);
        row->status = probe.status;
        if (!rf)
            continue;
        ae_code rc = ae_sweep_summarize(rf, s->metric, &row->sum);
        ae_runfile_free(rf);
        if (rc != AE_OK) {
            ae_sweep_report_free(out);
            return ae_error_set(err, rc, "out of memory building the sweep report");
        }
    }
    qsort(out->rows, out->n_rows, sizeof *out->rows, by_best);
    for (size_t i = 0; i < out->n_rows && out->best < 0; i++)
        if (out->rows[i].status == AE_SWEEP_COMPLETED && isfinite(out->rows[i].sum.best))
            out->best = (long)i;
    return AE_OK;
}

void ae_sweep_report_free(ae_sweep_report *r)
{
    for (size_t i = 0; i < r->n_rows; i++)
        ae_sweep_summary_free(&r->rows[i].sum);
    free(r->rows);
    memset(r, 0, sizeof *r);
    r->best = -1;
}

/* The cells of one row, as text. */
typedef struct cells {
    char rank[16], epochs[32], best[48], final[32], seconds[32];
} cells;

static void fill_cells(const ae_sweep_row *row, size_t i, cells *c)
{
    snprintf(c->rank, sizeof c->rank, "%zu", i + 1);
    snprintf(c->epochs, sizeof c->epochs, "%zu/%d", row->sum.epochs, row->trial->epochs);
    if (isfinite(row->sum.best))
        snprintf(c->best, sizeof c->best, "%.6g (%zu)", row->sum.best, row->sum.best_epoch);
    else
        snprintf(c->best, sizeof c->best, "-");
    if (isfinite(row->sum.final))
        snprintf(c->final, sizeof c->final, "%.6g", row->sum.final);
    else
        snprintf(c->final, sizeof c->final, "-");
    snprintf(c->seconds, sizeof c->seconds, "%.1f", row->sum.seconds);
}

static void best_line(const ae_sweep_report *r, sw_buf *b, bool markdown)
{
    if (r->best < 0) {
        sw_buf_puts(b, "No trial has completed yet.\n");
        return;
    }
    const ae_sweep_row *row = &r->rows[r->best];
    sw_buf_printf(b, "Best: %s%s%s (%s), %s %.6g at epoch %zu.\n", markdown ? "**" : "",
                  row->trial->id, markdown ? "**" : "", row->trial->overrides, r->sweep->metric,
                  row->sum.best, row->sum.best_epoch);
}

char *ae_sweep_report_text(const ae_sweep_report *r)
{
    const char *head[] = {"rank", "trial", "overrides", "status", "epochs", "best (epoch)",
                          "final", "seconds"};
    enum { NCOL = 8 };
    size_t w[NCOL];
    for (int j = 0; j < NCOL; j++)
        w[j] = strlen(head[j]);
    cells *c = calloc(r->n_rows ? r->n_rows : 1, sizeof *c);
    if (!c)
        return NULL;
    for (size_t i = 0; i < r->n_rows; i++) {
        const ae_sweep_row *row = &r->rows[i];
        fill_cells(row, i, &c[i]);
        const char *v[NCOL] = {c[i].rank, row->trial->id, row->trial->overrides,
                               ae_sweep_status_name(row->status), c[i].epochs, c[i].best,
                               c[i].final, c[i].seconds};
        for (int j = 0; j < NCOL; j++)
            if (strlen(v[j]) > w[j])
                w[j] = strlen(v[j]);
    }
    sw_buf b = {0};
    sw_buf_printf(&b, "%s: %s per trial, lowest first\n", r->sweep->name, r->sweep->metric);
    for (int j = 0; j < NCOL; j++)
        sw_buf_printf(&b, "%s%-*s", j ? "  " : "", j == NCOL - 1 ? 0 : (int)w[j], head[j]);
    sw_buf_puts(&b, "\n");
    for (size_t i = 0; i < r->n_rows; i++) {
        const ae_sweep_row *row = &r->rows[i];
        const char *v[NCOL] = {c[i].rank, row->trial->id, row->trial->overrides,
                               ae_sweep_status_name(row->status), c[i].epochs, c[i].best,
                               c[i].final, c[i].seconds};
        for (int j = 0; j < NCOL; j++) {
            bool right = j == 0 || j >= 4;
            if (right)
                sw_buf_printf(&b, "%s%*s", j ? "  " : "", (int)w[j], v[j]);
            else
                sw_buf_printf(&b, "%s%-*s", j ? "  " : "", (int)w[j], v[j]);
        }
        sw_buf_puts(&b, "\n");
    }
    free(c);
    best_line(r, &b, false);
    return sw_buf_finish(&b);
}

/* RFC 4180: quoted when it holds a comma, quote or line break. */
static void csv_field(sw_buf *b, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        sw_buf_puts(b, s);
        return;
    }
    sw_buf_puts(b, "\"");
    for (; *s; s++)
        if (*s == '"')
            sw_buf_puts(b, "\"\"");
        else
            sw_buf_printf(b, "%c", *s);
    sw_buf_puts(b, "\"");
}

static void csv_number(sw_buf *b, double v, const char *fmt)
{
    if (isfinite(v))
        sw_buf_printf(b, fmt, v);
}

char *ae_sweep_report_csv(const ae_sweep_report *r)
{
    sw_buf b = {0};
    sw_buf_puts(&b, "rank,trial,status,epochs,epochs_total,best_");
    csv_field(&b, r->sweep->metric);
    sw_buf_puts(&b, ",best_epoch,final_");
    csv_field(&b, r->sweep->metric);
    sw_buf_puts(&b, ",seconds,overrides\n");
    for (size_t i = 0; i < r->n_rows; i++) {
        const ae_sweep_row *row = &r->rows[i];
        sw_buf_printf(&b, "%zu,%s,%s,%zu,%d,", i + 1, row->trial->id,
                      ae_sweep_status_name(row->status), row->sum.epochs, row->trial->epochs);
        csv_number(&b, row->sum.best, "%.9g");
        sw_buf_puts(&b, ",");
        if (row->sum.best_epoch)
            sw_buf_printf(&b, "%zu", row->sum.best_epoch);
        sw_buf_puts(&b, ",");
        csv_number(&b, row->sum.final, "%.9g");
        sw_buf_printf(&b, ",%.3f,", row->sum.seconds);
        csv_field(&b, row->trial->overrides);
        sw_buf_puts(&b, "\n");
    }
    return sw_buf_finish(&b);
}

/* Markdown cells: a '|' would split the cell. */
static void md_cell(sw_buf *b, const char *s)
{
    sw_buf_puts(b, " ");
    for (; *s; s++)
        if (*s == '|')
            sw_buf_puts(b, "\\|");
        else
            sw_buf_printf(b, "%c", *s);
    sw_buf_puts(b, " |");
}

char *ae_sweep_report_markdown(const ae_sweep_report *r)
{
    sw_buf b = {0};
    const char *m = r->sweep->metric;
    sw_buf_printf(&b, "| rank | trial | overrides | status | epochs | best %s (epoch) | final %s "
                      "| time (s) |\n", m, m);
    sw_buf_puts(&b, "| ---: | --- | --- | --- | ---: | ---: | ---: | ---: |\n");
    for (size_t i = 0; i < r->n_rows; i++) {
        const ae_sweep_row *row = &r->rows[i];
        cells c;
        fill_cells(row, i, &c);
        sw_buf_puts(&b, "|");
        md_cell(&b, c.rank);
        md_cell(&b, row->trial->id);
        md_cell(&b, row->trial->overrides);
        md_cell(&b, ae_sweep_status_name(row->status));
        md_cell(&b, c.epochs);
        md_cell(&b, c.best);
        md_cell(&b, c.final);
        md_cell(&b, c.seconds);
        sw_buf_puts(&b, "\n");
    }
    sw_buf_puts(&b, "\n");
    best_line(r, &b, true);
    return sw_buf_finish(&b);
}

int ae_sweep_wants_log_y(const ae_viz_series *series, size_t n)
{
    double lo = INFINITY, hi = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < series[i].n; k++) {
            double v = series[i].y[k];
            if (!isfinite(v))
                continue;
            if (v <= 0)
                return 0;
            lo = fmin(lo, v);
            hi = fmax(hi, v);
        }
    return hi > 0 && hi > 50 * lo;
}

ae_code ae_sweep_report_chart(const ae_sweep_report *r, const char *path, ae_error *err)
{
    size_t n = r->n_rows;
    ae_viz_series *series = calloc(n ? n : 1, sizeof *series);
    char **labels = calloc(n ? n : 1, sizeof *labels);
    double *x = NULL;
    size_t maxlen = 0;
    for (size_t i = 0; i < n; i++)
        if (r->rows[i].sum.n_curve > maxlen)
            maxlen = r->rows[i].sum.n_curve;
    x = malloc((maxlen ? maxlen : 1) * sizeof *x);
    ae_code rc = AE_OK;
    if (!series || !labels || !x) {
        rc = ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    for (size_t e = 0; e < maxlen; e++)
        x[e] = (double)(e + 1);
    /* Curves in trial order, so a trial keeps its colour whatever its rank. */
    size_t k = 0;
    for (size_t t = 0; t < r->sweep->n_trials; t++)
        for (size_t i = 0; i < n; i++) {
            const ae_sweep_row *row = &r->rows[i];
            if (row->trial->index != t || !row->sum.n_curve)
                continue;
            sw_buf b = {0};
            sw_buf_printf(&b, "%s%s", row->trial->label,
                          row->status == AE_SWEEP_DIVERGED ? " (diverged)" : "");
            labels[k] = sw_buf_finish(&b);
            if (!labels[k]) {
                rc = ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory", path);
                goto out;
            }
            series[k] = (ae_viz_series){labels[k], x, row->sum.curve, row->sum.n_curve};
            k++;
        }
    if (k == 0) {
        rc = ae_error_set(err, AE_ERR_SHAPE, "%s: no trial has recorded %s yet", path,
                          r->sweep->metric);
        goto out;
    }
    char title[512];
    snprintf(title, sizeof title, "%s: %s per epoch", r->sweep->name, r->sweep->metric);
    ae_viz_chart chart = {.title = title, .xlabel = "epoch", .ylabel = r->sweep->metric,
                          .log_y = ae_sweep_wants_log_y(series, k)};
    rc = ae_viz_line_chart(path, &chart, series, k, err);
out:
    for (size_t i = 0; labels && i < n; i++)
        free(labels[i]);
    free(labels);
    free(series);
    free(x);
    return rc;
}

ae_code ae_sweep_report_write(const ae_sweep_report *r, const char *sweep_dir, ae_error *err)
{
    char path[4200];
    char *csv = ae_sweep_report_csv(r), *md = ae_sweep_report_markdown(r);
    ae_code rc = AE_OK;
    if (!csv || !md)
        rc = ae_error_set(err, AE_ERR_NOMEM, "out of memory writing the sweep report");
    if (rc == AE_OK) {
        snprintf(path, sizeof path, "%s/report.csv", sweep_dir);
        rc = sw_write_atomic(path, csv, strlen(csv), err);
    }
    if (rc == AE_OK) {
        snprintf(path, sizeof path, "%s/report.md", sweep_dir);
        rc = sw_write_atomic(path, md, strlen(md), err);
    }
    free(csv);
    free(md);
    bool any = false; /* nothing to draw yet is not an error */
    for (size_t i = 0; i < r->n_rows; i++)
        any |= r->rows[i].sum.n_curve > 0;
    const char *ext[] = {"png", "svg"};
    for (int i = 0; i < 2 && rc == AE_OK && any; i++) {
        snprintf(path, sizeof path, "%s/curves.%s", sweep_dir, ext[i]);
        rc = ae_sweep_report_chart(r, path, err);
    }
    return rc;
}

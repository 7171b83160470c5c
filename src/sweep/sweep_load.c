/* Loading a sweep: the file, the --set overrides, the sweep: section, then
 * every trial's resolved config checked by the experiment's own reader before
 * anything runs.
 *
 * The experiment reader reports unknown top-level keys, and `sweep` is one.
 * So a trial is checked on a clone of the loaded document (where every node
 * still has its file:line:col) and exactly that one diagnostic is dropped;
 * the config the trial runs is that clone emitted without its sweep: entry
 * (trial.yaml), reloaded and read again, which must succeed without a word. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/spec_read.h"
#include "sweep/sweep_impl.h"

static bool is_sweep_key_diag(const ae_diag *d)
{
    return d->msg && (!strcmp(d->msg, "unknown key 'sweep'") ||
                      !strncmp(d->msg, "unknown key 'sweep' (", 21));
}

static bool same_diag(const ae_diag *a, const char *file, int line, int col, const char *msg)
{
    return a->line == line && a->col == col && !strcmp(a->msg ? a->msg : "", msg) &&
           ((!a->file && !file) || (a->file && file && !strcmp(a->file, file)));
}

static void add_unique(ae_diags *out, const char *file, int line, int col, const char *msg)
{
    for (size_t i = 0; i < out->count; i++)
        if (same_diag(&out->items[i], file, line, col, msg))
            return;
    ae_diags_add(out, file, line, col, "%s", msg);
}

/* Copies the diagnostics of checking trial t into out. Those located at one
 * of the trial's own overrides ("--set path=value") move to the sweep entry
 * that produced it: the value, or for a bad path (unknown key, or the
 * override itself failing: n_path of the first diagnostics) the axis. */
static void remap_diags(const ae_diags *tmp, size_t n_path, const ae_sweep_trial *t,
                        ae_diags *out)
{
    for (size_t i = 0; i < tmp->count; i++) {
        const ae_diag *d = &tmp->items[i];
        if (is_sweep_key_diag(d))
            continue;
        const char *file = d->file;
        int line = d->line, col = d->col;
        for (size_t k = 0; t && file && k < t->n_assigns; k++) {
            const ae_sweep_assign *a = &t->assigns[k];
            size_t pl = strlen(a->path);
            if (strncmp(file, "--set ", 6) || strncmp(file + 6, a->path, pl) ||
                file[6 + pl] != '=' || strcmp(file + 7 + pl, a->value))
                continue;
            bool path_problem = i < n_path || (d->msg && !strncmp(d->msg, "unknown key", 11));
            ae_cfg_where(path_problem ? a->axis : a->at, &file, &line, &col);
            break;
        }
        add_unique(out, file, line, col, d->msg ? d->msg : "");
    }
}

/* The emitted tree without its top-level "sweep: 0" line (set just before). */
static char *strip_sweep_line(char *yaml)
{
    static const char line[] = "sweep: 0\n";
    char *at = !strncmp(yaml, line, sizeof line - 1) ? yaml : strstr(yaml, "\nsweep: 0\n");
    if (!at)
        return NULL;
    if (at != yaml)
        at++;
    memmove(at, at + sizeof line - 1, strlen(at + sizeof line - 1) + 1);
    return yaml;
}

/* Resolves doc (a clone the trial's overrides were applied to, holding
 * sweep:) into its sweep-free YAML, hash and experiment. Diagnostics here
 * would be a bug: they are reported as internal errors. */
static ae_code emit_trial(ae_cfg_doc *doc, const char *where, char **yaml, char sha[65],
                          ae_experiment *exp, ae_diags *diags)
{
    ae_diags tmp;
    ae_diags_init(&tmp);
    ae_cfg_doc *clean = NULL;
    ae_code rc = AE_ERR_INTERNAL;
    *yaml = NULL;
    if (ae_cfg_apply_override(doc, "sweep=0", &tmp) != 0)
        goto out;
    char *text = ae_cfg_emit_yaml(ae_cfg_root(doc));
    if (!text) {
        rc = AE_ERR_NOMEM;
        goto out;
    }
    if (!strip_sweep_line(text)) {
        free(text);
        goto out;
    }
    *yaml = text;
    if (ae_cfg_load_string(text, where, &clean, &tmp) != 0 ||
        ae_cfg_lookup(ae_cfg_root(clean), "sweep") ||
        ae_experiment_read(clean, exp, &tmp) != AE_OK || tmp.count)
        goto out;
    ae_cfg_sha256_hex(ae_cfg_root(clean), sha);
    rc = sha[0] ? AE_OK : AE_ERR_NOMEM;
    if (rc != AE_OK)
        ae_experiment_free(exp);
out:
    if (rc == AE_ERR_INTERNAL) {
        ae_diags_add(diags, where, 0, 0, "internal error: the trial's config does not survive "
                                         "being written out without its sweep: section%s%s",
                     tmp.count && tmp.items[0].msg ? ": " : "",
                     tmp.count && tmp.items[0].msg ? tmp.items[0].msg : "");
    }
    if (rc != AE_OK) {
        free(*yaml);
        *yaml = NULL;
    }
    ae_cfg_free(clean);
    ae_diags_free(&tmp);
    return rc;
}

/* Checks one trial (t NULL: the experiment without overrides) and resolves
 * it. Returns AE_OK with exp filled, AE_ERR_CONFIG after adding diagnostics to
 * out, or another code. */
static ae_code check_trial(const ae_sweep *s, ae_sweep_trial *t, ae_experiment *exp,
                           char **yaml, char sha[65], ae_diags *out)
{
    ae_cfg_doc *doc = ae_cfg_clone(s->doc);
    if (!doc)
        return AE_ERR_NOMEM;
    ae_diags tmp;
    ae_diags_init(&tmp);
    size_t n = t ? t->n_assigns : 0;
    for (size_t k = 0; k < n; k++) {
        const ae_sweep_assign *a = &t->assigns[k];
        size_t len = strlen(a->path) + strlen(a->value) + 2;
        char *assignment = malloc(len);
        if (!assignment) {
            ae_cfg_free(doc);
            ae_diags_free(&tmp);
            return AE_ERR_NOMEM;
        }
        snprintf(assignment, len, "%s=%s", a->path, a->value);
        ae_cfg_apply_override(doc, assignment, &tmp);
        free(assignment);
    }
    size_t n_path = tmp.count;
    /* Fails (sweep: is unknown to it); what matters is what else it says. A
     * failed override left the tree as it was, so the others are still checked. */
    ae_experiment probe;
    if (ae_experiment_read(doc, &probe, &tmp) == AE_OK)
        ae_experiment_free(&probe);
    remap_diags(&tmp, n_path, t, out);
    bool failed = false;
    for (size_t i = 0; i < tmp.count; i++)
        failed |= !is_sweep_key_diag(&tmp.items[i]);
    ae_diags_free(&tmp);
    ae_code rc = AE_ERR_CONFIG;
    if (!failed) {
        char where[512];
        snprintf(where, sizeof where, "%s (trial %s)", s->file, t ? t->id : "base");
        rc = emit_trial(doc, where, yaml, sha, exp, out);
    }
    ae_cfg_free(doc);
    return rc;
}

void ae_sweep_free(ae_sweep *s)
{
    for (size_t i = 0; i < s->n_trials; i++) {
        ae_sweep_trial *t = &s->trials[i];
        for (size_t k = 0; k < t->n_assigns; k++) {
            free(t->assigns[k].path);
            free(t->assigns[k].value);
            free(t->assigns[k].shown);
        }
        free(t->assigns);
        free(t->overrides);
        free(t->label);
        free(t->yaml);
    }
    free(s->trials);
    free(s->slurm.partition);
    free(s->slurm.time);
    free(s->slurm.mem);
    free(s->slurm.account);
    for (size_t i = 0; i < s->slurm.n_extra; i++)
        free(s->slurm.extra[i]);
    free(s->slurm.extra);
    free(s->file);
    free(s->name);
    free(s->metric);
    free(s->output_root);
    ae_cfg_free(s->doc);
    memset(s, 0, sizeof *s);
}

/* Diagnostics from..count in file, line, column order (insertion sort: stable, few). */
static void sort_diags(ae_diags *d, size_t from)
{
    for (size_t i = from + 1; i < d->count; i++) {
        ae_diag x = d->items[i];
        size_t j = i;
        for (; j > from; j--) {
            const ae_diag *p = &d->items[j - 1];
            int c = strcmp(p->file ? p->file : "", x.file ? x.file : "");
            if (c < 0 || (c == 0 && (p->line < x.line || (p->line == x.line && p->col <= x.col))))
                break;
            d->items[j] = *p;
        }
        d->items[j] = x;
    }
}

/* Fills every trial: assignments, labels, config checked and resolved. */
static ae_code expand_all(ae_sweep *s, const sw_section *sec, ae_diags *diags)
{
    s->n_trials = sw_count(sec);
    s->trials = calloc(s->n_trials, sizeof *s->trials);
    if (!s->trials)
        return AE_ERR_NOMEM;
    for (size_t i = 0; i < s->n_trials; i++) {
        s->trials[i].index = i;
        if (sw_expand_trial(sec, &s->trials[i]) != AE_OK)
            return AE_ERR_NOMEM;
    }
    if (sw_label_trials(sec, s) != AE_OK)
        return AE_ERR_NOMEM;
    ae_code worst = AE_OK;
    for (size_t i = 0; i < s->n_trials; i++) {
        ae_sweep_trial *t = &s->trials[i];
        ae_experiment exp;
        ae_code rc = check_trial(s, t, &exp, &t->yaml, t->sha, diags);
        if (rc == AE_OK) {
            t->epochs = exp.train.epochs;
            ae_experiment_free(&exp);
        } else if (rc == AE_ERR_NOMEM) {
            return rc;
        } else {
            worst = AE_ERR_CONFIG;
        }
    }
    return worst;
}

ae_code ae_sweep_load(const char *path, const char *const *sets, size_t n_sets, ae_sweep *s,
                      ae_diags *diags)
{
    memset(s, 0, sizeof *s);
    ae_code rc = AE_ERR_CONFIG;
    sw_section sec = {0};
    size_t first = diags->count;
    if (!(s->file = strdup(path))) {
        rc = AE_ERR_NOMEM;
        goto fail;
    }
    if (ae_cfg_load(path, &s->doc, diags) != 0)
        goto fail;
    bool ok = true;
    for (size_t i = 0; i < n_sets; i++)
        ok &= ae_cfg_apply_override(s->doc, sets[i], diags) == 0;
    if (!ok)
        goto fail;
    const ae_cfg_node *root = ae_cfg_root(s->doc);
    const ae_cfg_node *node = ae_cfg_lookup(root, "sweep");
    if (!node) {
        const char *file;
        int line, col;
        ae_cfg_where(root, &file, &line, &col);
        ae_diags_add(diags, file, line, col, "no sweep: section: a sweep file has one (see "
                                             "docs/sweeps.md)");
        goto fail;
    }
    /* The experiment itself and the section first: their own errors are
     * reported once, not once per trial. */
    ae_experiment exp;
    char *yaml = NULL, sha[65];
    rc = check_trial(s, NULL, &exp, &yaml, sha, diags);
    if (rc == AE_OK) {
        free(yaml);
        s->output_root = strdup(exp.output_root);
        ae_experiment_free(&exp);
        if (!s->output_root)
            rc = AE_ERR_NOMEM;
    }
    if (rc == AE_ERR_NOMEM)
        goto fail;
    ae_cfg_reader r;
    ae_cfg_reader_init(&r, s->doc, diags);
    ok = sw_read_section(&r, s->doc, node, &sec, s);
    ae_cfg_reader_free(&r);
    if (!ok || rc != AE_OK) {
        rc = AE_ERR_CONFIG;
        goto fail;
    }
    if ((rc = expand_all(s, &sec, diags)) != AE_OK)
        goto fail;
    sw_section_free(&sec);
    return AE_OK;
fail:
    if (rc == AE_ERR_NOMEM)
        ae_diags_add(diags, path, 0, 0, "out of memory while expanding the sweep");
    sort_diags(diags, first);
    sw_section_free(&sec);
    ae_sweep_free(s);
    return rc;
}

bool ae_sweep_dir(const ae_sweep *s, const char *out_root, char *out, size_t size)
{
    int n = snprintf(out, size, "%s/%s", out_root ? out_root : s->output_root, s->name);
    return n > 0 && (size_t)n < size;
}

const ae_sweep_trial *ae_sweep_find_trial(const ae_sweep *s, const char *id)
{
    for (size_t i = 0; i < s->n_trials; i++)
        if (!strcmp(s->trials[i].id, id))
            return &s->trials[i];
    return NULL;
}

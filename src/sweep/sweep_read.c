/* Reading the sweep: section into axes. Only the section's own shape is
 * checked here (types, ranges, list lengths, duplicate paths); whether a path
 * and its values suit the experiment is decided per trial in sweep_load.c, by
 * the experiment's own reader. */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sweep/sweep_impl.h"

static const char *const dist_names[] = {"uniform", "log_uniform", "int_uniform", "choice", NULL};

static bool push_axis(sw_section *sec, sw_axis_kind kind, const ae_cfg_node *at, size_t n_params,
                      sw_axis **out)
{
    sw_axis *a = realloc(sec->axes, (sec->n_axes + 1) * sizeof *a);
    if (!a)
        return false;
    sec->axes = a;
    sw_axis *ax = &a[sec->n_axes];
    memset(ax, 0, sizeof *ax);
    ax->kind = kind;
    ax->at = at;
    ax->params = n_params ? calloc(n_params, sizeof *ax->params) : NULL;
    if (n_params && !ax->params)
        return false;
    sec->n_axes++;
    *out = ax;
    return true;
}

/* Drops the last axis (all of its entries were bad, and reported). */
static void pop_axis(sw_section *sec)
{
    sw_axis *ax = &sec->axes[--sec->n_axes];
    free(ax->params);
    free(ax->seeds);
    memset(ax, 0, sizeof *ax);
}

void sw_section_free(sw_section *sec)
{
    for (size_t i = 0; i < sec->n_axes; i++) {
        free(sec->axes[i].params);
        free(sec->axes[i].seeds);
    }
    free(sec->axes);
    memset(sec, 0, sizeof *sec);
}

/* A dotted config path: non-empty components, not inside sweep: or include:. */
static bool check_path(ae_cfg_reader *r, const ae_cfg_node *at, const char *path)
{
    size_t first = strcspn(path, ".");
    size_t len = strlen(path);
    bool empty = !len || path[0] == '.' || path[len - 1] == '.' || strstr(path, "..");
    if (empty || strchr(path, '=') || strpbrk(path, " \t\n")) {
        ae_cfg_error(r, at, "'%s' is not a config path such as train.optimizer.lr", path);
        return false;
    }
    if ((first == 5 && !strncmp(path, "sweep", 5)) || (first == 7 && !strncmp(path, "include", 7))) {
        ae_cfg_error(r, at, "'%s' cannot be swept", path);
        return false;
    }
    return true;
}

/* Every path once over all axes ("seed" counts when seeds: is given). */
static void check_duplicates(ae_cfg_reader *r, const sw_section *sec)
{
    for (size_t a = 0; a < sec->n_axes; a++)
        for (size_t p = 0; p < sec->axes[a].n_params; p++) {
            const sw_param *x = &sec->axes[a].params[p];
            bool dup = false;
            for (size_t b = 0; b <= a && !dup; b++)
                for (size_t q = 0; q < (b == a ? p : sec->axes[b].n_params) && !dup; q++)
                    dup = !strcmp(x->path, sec->axes[b].params[q].path);
            if (dup)
                ae_cfg_error(r, x->at, "'%s' is swept twice", x->path);
        }
}

/* A non-empty list of values for a grid or zip path. */
static const ae_cfg_node *value_list(ae_cfg_reader *r, const ae_cfg_node *v)
{
    if (!ae_cfg_expect_seq(r, v, "a list of values such as [0.01, 0.001]"))
        return NULL;
    if (ae_cfg_len(v) == 0) {
        ae_cfg_error(r, v, "the list of values is empty");
        return NULL;
    }
    return v;
}

static bool read_grid(ae_cfg_reader *r, const ae_cfg_node *grid, sw_section *sec)
{
    for (size_t i = 0; i < ae_cfg_len(grid); i++) {
        const char *path = ae_cfg_key_at(grid, i);
        const ae_cfg_node *v = value_list(r, ae_cfg_value_at(grid, i));
        if (!v || !check_path(r, v, path))
            continue;
        sw_axis *ax;
        if (!push_axis(sec, SW_GRID, v, 1, &ax))
            return false;
        ax->params[0] = (sw_param){.path = path, .at = v, .values = v};
        ax->n_params = 1;
        ax->n_points = ae_cfg_len(v);
    }
    return true;
}

static bool read_zip(ae_cfg_reader *r, const ae_cfg_node *zip, sw_section *sec)
{
    size_t n = ae_cfg_len(zip);
    if (n == 0) {
        ae_cfg_error(r, zip, "zip: expected lists of equal length keyed by config path");
        return true;
    }
    sw_axis *ax;
    if (!push_axis(sec, SW_ZIP, zip, n, &ax))
        return false;
    for (size_t i = 0; i < n; i++) {
        const char *path = ae_cfg_key_at(zip, i);
        const ae_cfg_node *v = value_list(r, ae_cfg_value_at(zip, i));
        if (!v || !check_path(r, v, path))
            continue;
        if (ax->n_params && ae_cfg_len(v) != ax->n_points) {
            ae_cfg_error(r, v, "zip: %zu values for %s, but %zu for %s: zipped lists must have "
                               "the same length", ae_cfg_len(v), path, ax->n_points,
                         ax->params[0].path);
            continue;
        }
        ax->params[ax->n_params++] = (sw_param){.path = path, .at = v, .values = v};
        ax->n_points = ae_cfg_len(v);
    }
    if (ax->n_params == 0) /* every list was bad (reported): an empty axis would zero the product */
        pop_axis(sec);
    return true;
}

/* Two numbers [lo, hi] for a distribution. */
static bool read_bounds(ae_cfg_reader *r, const ae_cfg_node *v, sw_param *p)
{
    if (!ae_cfg_expect_seq(r, v, "[low, high]"))
        return false;
    if (ae_cfg_len(v) != 2) {
        ae_cfg_error(r, v, "expected [low, high], got %zu values", ae_cfg_len(v));
        return false;
    }
    if (p->dist == SW_INT_UNIFORM) {
        if (!ae_cfg_as_int(r, ae_cfg_at(v, 0), LONG_MIN / 2, LONG_MAX / 2, &p->ilo) ||
            !ae_cfg_as_int(r, ae_cfg_at(v, 1), LONG_MIN / 2, LONG_MAX / 2, &p->ihi))
            return false;
        if (p->ilo > p->ihi) {
            ae_cfg_error(r, v, "int_uniform: low %ld is above high %ld", p->ilo, p->ihi);
            return false;
        }
        return true;
    }
    double lo = p->dist == SW_LOG_UNIFORM ? 0x1p-1022 : -HUGE_VAL;
    if (!ae_cfg_as_double(r, ae_cfg_at(v, 0), lo, HUGE_VAL, &p->lo) ||
        !ae_cfg_as_double(r, ae_cfg_at(v, 1), lo, HUGE_VAL, &p->hi))
        return false;
    if (!isfinite(p->lo) || !isfinite(p->hi) || !(p->lo < p->hi)) {
        ae_cfg_error(r, v, "%s: expected finite low < high, got [%g, %g]", dist_names[p->dist],
                     p->lo, p->hi);
        return false;
    }
    return true;
}

/* path: {log_uniform: [1e-4, 1e-1]} and the like: exactly one distribution. */
static bool read_dist(ae_cfg_reader *r, const char *path, const ae_cfg_node *spec, sw_param *p)
{
    *p = (sw_param){.path = path, .at = spec};
    if (!ae_cfg_expect_map(r, spec, "a distribution such as {log_uniform: [1.0e-4, 1.0e-1]}"))
        return false;
    int found = -1, count = 0;
    const ae_cfg_node *v = NULL;
    for (int d = 0; dist_names[d]; d++) {
        const ae_cfg_node *x = ae_cfg_get(r, spec, dist_names[d], AE_CFG_OPTIONAL);
        if (x) {
            found = d;
            v = x;
            count++;
        }
    }
    ae_cfg_report_unknown(r, spec);
    if (count != 1) {
        ae_cfg_error(r, spec, "%s: expected exactly one of uniform, log_uniform, int_uniform, "
                              "choice", path);
        return false;
    }
    p->dist = (sw_dist)found;
    if (p->dist != SW_CHOICE)
        return read_bounds(r, v, p);
    if (!ae_cfg_expect_seq(r, v, "a list of choices"))
        return false;
    if (ae_cfg_len(v) == 0) {
        ae_cfg_error(r, v, "choice: the list is empty");
        return false;
    }
    p->values = v;
    return true;
}

static bool read_random(ae_cfg_reader *r, const ae_cfg_node *rnd, long exp_seed, sw_section *sec)
{
    long trials = 1, seed = exp_seed;
    ae_cfg_get_int(r, rnd, "trials", AE_CFG_REQUIRED, 1, 1, AE_SWEEP_MAX_TRIALS, &trials);
    ae_cfg_get_int(r, rnd, "seed", AE_CFG_OPTIONAL, exp_seed, 0, LONG_MAX, &seed);
    const ae_cfg_node *params = ae_cfg_get_map(r, rnd, "params", AE_CFG_REQUIRED);
    ae_cfg_report_unknown(r, rnd);
    size_t n = ae_cfg_len(params);
    if (!params)
        return true;
    if (n == 0) {
        ae_cfg_error(r, params, "random.params: expected distributions keyed by config path");
        return true;
    }
    sw_axis *ax;
    if (!push_axis(sec, SW_RANDOM, rnd, n, &ax))
        return false;
    ax->n_points = (size_t)trials;
    ax->seed = (uint64_t)seed;
    for (size_t i = 0; i < n; i++) {
        const char *path = ae_cfg_key_at(params, i);
        sw_param p;
        if (read_dist(r, path, ae_cfg_value_at(params, i), &p) && check_path(r, p.at, path))
            ax->params[ax->n_params++] = p;
    }
    if (ax->n_params == 0)
        pop_axis(sec);
    return true;
}

/* seeds: N (seed, seed+1, ...) or a list of seeds. */
static bool read_seeds(ae_cfg_reader *r, const ae_cfg_node *node, long exp_seed, sw_section *sec)
{
    const ae_cfg_node *v = ae_cfg_get(r, node, "seeds", AE_CFG_OPTIONAL);
    if (!v)
        return true;
    size_t n;
    long count = 1;
    bool list = ae_cfg_kind_of(v) == AE_CFG_SEQ;
    if (list) {
        n = ae_cfg_len(v);
        if (n == 0 || n > 1000) {
            ae_cfg_error(r, v, "seeds: expected 1 to 1000 seeds, got %zu", n);
            return true;
        }
    } else {
        if (!ae_cfg_get_int(r, node, "seeds", AE_CFG_OPTIONAL, 1, 1, 1000, &count))
            return true;
        if (count == 1)
            return true; /* one seed: the experiment's own, nothing to sweep */
        if (exp_seed > LONG_MAX - count) {
            ae_cfg_error(r, v, "seeds: seed %ld + %ld overflows", exp_seed, count);
            return true;
        }
        n = (size_t)count;
    }
    long *seeds = malloc(n * sizeof *seeds);
    sw_axis *ax;
    if (!seeds || !push_axis(sec, SW_SEEDS, v, 1, &ax)) {
        free(seeds);
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < n; i++) {
        seeds[i] = exp_seed + (long)i;
        if (list && !ae_cfg_as_int(r, ae_cfg_at(v, i), 0, LONG_MAX, &seeds[i]))
            ok = false;
    }
    ax->seeds = seeds;
    ax->params[0] = (sw_param){.path = "seed", .at = v};
    ax->n_params = 1;
    ax->n_points = n;
    if (!ok)
        pop_axis(sec);
    return true;
}

/* Text that becomes part of an sbatch script or a directory name: one line,
 * printable, no shell-special surprises. */
static bool script_safe(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f || *s == '\'' || *s == '"' || *s == '\\' ||
            *s == '$' || *s == '`')
            return false;
    return true;
}

static bool get_script_string(ae_cfg_reader *r, const ae_cfg_node *map, const char *key,
                              char **out)
{
    const char *v = NULL;
    if (!ae_cfg_get_string(r, map, key, AE_CFG_OPTIONAL, NULL, &v) || !v)
        return true;
    if (!*v || !script_safe(v) || strchr(v, ' ')) {
        ae_cfg_error(r, ae_cfg_get(r, map, key, 0),
                     "sweep.slurm.%s: '%s' is not a single sbatch value", key, v);
        return true;
    }
    return (*out = strdup(v)) != NULL;
}

static bool read_slurm(ae_cfg_reader *r, const ae_cfg_node *sl, ae_sweep_slurm *o)
{
    long v;
    bool ok = get_script_string(r, sl, "partition", &o->partition) &&
              get_script_string(r, sl, "time", &o->time) &&
              get_script_string(r, sl, "mem", &o->mem) &&
              get_script_string(r, sl, "account", &o->account);
    if (ae_cfg_get_int(r, sl, "cpus_per_task", AE_CFG_OPTIONAL, 0, 1, 4096, &v))
        o->cpus_per_task = (int)v;
    if (ae_cfg_get_int(r, sl, "max_parallel", AE_CFG_OPTIONAL, 0, 1, 1000000, &v))
        o->max_parallel = (int)v;
    const ae_cfg_node *extra = ae_cfg_get_seq(r, sl, "extra", AE_CFG_OPTIONAL);
    size_t n = ae_cfg_len(extra);
    if (ok && n) {
        o->extra = calloc(n, sizeof *o->extra);
        ok = o->extra != NULL;
    }
    for (size_t i = 0; ok && i < n; i++) {
        const char *s;
        if (!ae_cfg_as_string(r, ae_cfg_at(extra, i), &s))
            continue;
        if (strncmp(s, "--", 2) || !script_safe(s)) {
            ae_cfg_error(r, ae_cfg_at(extra, i),
                         "slurm.extra: '%s' is not one sbatch option such as --qos=short", s);
            continue;
        }
        ok = (o->extra[o->n_extra++] = strdup(s)) != NULL;
    }
    ae_cfg_report_unknown(r, sl);
    return ok;
}

/* 1-64 letters, digits, '-', '_' or '.', not "." or "..": a directory name. */
static bool valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || !strcmp(s, ".") || !strcmp(s, ".."))
        return false;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_' || *s == '.'))
            return false;
    return true;
}

bool sw_read_section(ae_cfg_reader *r, const ae_cfg_doc *doc, const ae_cfg_node *node,
                     sw_section *sec, ae_sweep *s)
{
    size_t errors = r->errors;
    const ae_cfg_node *root = ae_cfg_root(doc);
    long exp_seed = 1;
    const ae_cfg_node *seed_node = ae_cfg_lookup(root, "seed");
    if (seed_node && ae_cfg_type_of(seed_node) == AE_CFG_T_INT) /* else the experiment reports it */
        ae_cfg_as_int(r, seed_node, LONG_MIN, LONG_MAX, &exp_seed);
    if (!ae_cfg_expect_map(r, node, "a mapping with grid:, zip:, random: or seeds:"))
        return false;

    const char *name = NULL, *metric = NULL;
    const char *exp_name = ae_cfg_scalar(ae_cfg_lookup(root, "name"));
    ae_cfg_get_string(r, node, "name", AE_CFG_OPTIONAL, exp_name ? exp_name : "sweep", &name);
    if (name && !valid_name(name))
        ae_cfg_error(r, ae_cfg_get(r, node, "name", 0),
                     "sweep name '%s' must be 1-64 letters, digits, '-', '_' or '.' (it names "
                     "the results directory)", name);
    ae_cfg_get_string(r, node, "metric", AE_CFG_OPTIONAL, "val/loss", &metric);
    if (metric && (!*metric || !script_safe(metric)))
        ae_cfg_error(r, ae_cfg_get(r, node, "metric", 0), "metric: '%s' is not a metric name "
                                                         "such as val/loss", metric);
    long jobs = 0;
    ae_cfg_get_int(r, node, "jobs", AE_CFG_OPTIONAL, 0, 1, 1024, &jobs);
    s->jobs = (int)jobs;
    s->name = strdup(name ? name : "sweep");
    s->metric = strdup(metric ? metric : "val/loss");
    if (!s->name || !s->metric)
        return false;

    const ae_cfg_node *grid = ae_cfg_get_map(r, node, "grid", AE_CFG_OPTIONAL);
    const ae_cfg_node *zip = ae_cfg_get_map(r, node, "zip", AE_CFG_OPTIONAL);
    const ae_cfg_node *rnd = ae_cfg_get_map(r, node, "random", AE_CFG_OPTIONAL);
    const ae_cfg_node *sl = ae_cfg_get_map(r, node, "slurm", AE_CFG_OPTIONAL);
    bool mem_ok = (!grid || read_grid(r, grid, sec)) && (!zip || read_zip(r, zip, sec)) &&
                  (!rnd || read_random(r, rnd, exp_seed, sec)) &&
                  read_seeds(r, node, exp_seed, sec) && (!sl || read_slurm(r, sl, &s->slurm));
    ae_cfg_report_unknown(r, node);
    if (!mem_ok) {
        ae_cfg_error(r, node, "out of memory reading the sweep");
        return false;
    }
    if (r->errors == errors && sec->n_axes == 0)
        ae_cfg_error(r, node, "the sweep sets nothing: give grid:, zip:, random: or seeds: (> 1)");
    check_duplicates(r, sec);
    if (r->errors == errors && sw_count(sec) == 0)
        ae_cfg_error(r, node, "the sweep expands to more than %d trials", AE_SWEEP_MAX_TRIALS);
    return r->errors == errors;
}

size_t sw_count(const sw_section *sec)
{
    size_t n = 1;
    for (size_t i = 0; i < sec->n_axes; i++) {
        if (sec->axes[i].n_points == 0 || n > AE_SWEEP_MAX_TRIALS / sec->axes[i].n_points)
            return 0;
        n *= sec->axes[i].n_points;
    }
    return n;
}

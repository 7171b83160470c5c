/* Trials from axes: trial i is a mixed-radix number over the axes (the first
 * axis varies slowest, seeds fastest), so ids are stable as long as the
 * sweep: section is. A random trial's sample j is drawn from its own stream
 * (seed, SWEEP, point, j): raising random.trials keeps the earlier samples. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "sweep/sweep_impl.h"

void sw_format_double(double v, char out[32])
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(out, 32, "%.*g", prec, v);
        if (strtod(out, NULL) == v)
            break;
    }
    if (!strpbrk(out, ".eEn")) /* "3" would read back as an integer */
        strcat(out, ".0");
}

static ae_code set_assign(ae_sweep_assign *a, const char *path, const char *value,
                          const char *shown, const ae_cfg_node *at, const ae_cfg_node *axis)
{
    a->path = strdup(path);
    a->value = strdup(value);
    a->shown = strdup(shown);
    a->at = at;
    a->axis = axis;
    return a->path && a->value && a->shown ? AE_OK : AE_ERR_NOMEM;
}

/* A value node of a list: canonical YAML for the override, source text to show. */
static ae_code assign_node(ae_sweep_assign *a, const char *path, const ae_cfg_node *v,
                           const ae_cfg_node *axis)
{
    char *canon = ae_cfg_emit_canonical(v);
    if (!canon)
        return AE_ERR_NOMEM;
    const char *shown = ae_cfg_kind_of(v) == AE_CFG_SCALAR ? ae_cfg_scalar(v) : canon;
    ae_code rc = set_assign(a, path, canon, shown, v, axis);
    free(canon);
    return rc;
}

static ae_code assign_random(ae_sweep_assign *a, const sw_axis *ax, size_t j, size_t point)
{
    const sw_param *p = &ax->params[j];
    ae_rng rng = ae_rng_stream(ax->seed, AE_RNG_SWEEP, point, j);
    char value[32], shown[32];
    double x;
    switch (p->dist) {
    case SW_CHOICE:
        return assign_node(a, p->path, ae_cfg_at(p->values, ae_rng_below(&rng, ae_cfg_len(p->values))),
                           p->at);
    case SW_INT_UNIFORM: {
        long v = p->ilo + (long)ae_rng_below(&rng, (uint64_t)(p->ihi - p->ilo) + 1);
        snprintf(value, sizeof value, "%ld", v);
        return set_assign(a, p->path, value, value, p->at, p->at);
    }
    case SW_LOG_UNIFORM:
        x = exp(log(p->lo) + ae_rng_uniform_open(&rng) * (log(p->hi) - log(p->lo)));
        break;
    default:
        x = p->lo + ae_rng_uniform_open(&rng) * (p->hi - p->lo);
        break;
    }
    x = fmin(fmax(x, p->lo), p->hi); /* rounding of exp/log must not leave the range */
    sw_format_double(x, value);
    snprintf(shown, sizeof shown, "%.4g", x);
    return set_assign(a, p->path, value, shown, p->at, p->at);
}

static char *join_assigns(const ae_sweep_trial *t, const char *const *names)
{
    sw_buf b = {0};
    for (size_t i = 0; i < t->n_assigns; i++)
        sw_buf_printf(&b, "%s%s=%s", i ? " " : "", names ? names[i] : t->assigns[i].path,
                      t->assigns[i].shown);
    return sw_buf_finish(&b);
}

ae_code sw_expand_trial(const sw_section *sec, ae_sweep_trial *t)
{
    size_t n = 0;
    for (size_t a = 0; a < sec->n_axes; a++)
        n += sec->axes[a].n_params;
    t->assigns = calloc(n ? n : 1, sizeof *t->assigns);
    if (!t->assigns)
        return AE_ERR_NOMEM;
    snprintf(t->id, sizeof t->id, "t%03zu", t->index);
    /* positions: the last axis varies fastest */
    size_t rem = t->index, pos[64];
    if (sec->n_axes > 64)
        return AE_ERR_INTERNAL;
    for (size_t a = sec->n_axes; a-- > 0;) {
        pos[a] = rem % sec->axes[a].n_points;
        rem /= sec->axes[a].n_points;
    }
    for (size_t a = 0; a < sec->n_axes; a++) {
        const sw_axis *ax = &sec->axes[a];
        for (size_t j = 0; j < ax->n_params; j++) {
            const sw_param *p = &ax->params[j];
            ae_sweep_assign *as = &t->assigns[t->n_assigns];
            ae_code rc;
            if (ax->kind == SW_RANDOM) {
                rc = assign_random(as, ax, j, pos[a]);
            } else if (ax->kind == SW_SEEDS) {
                char v[32];
                snprintf(v, sizeof v, "%ld", ax->seeds[pos[a]]);
                rc = set_assign(as, "seed", v, v, p->at, p->at);
            } else {
                rc = assign_node(as, p->path, ae_cfg_at(p->values, pos[a]), p->at);
            }
            t->n_assigns++; /* counted even when partly filled, so it is freed */
            if (rc != AE_OK)
                return rc;
        }
    }
    t->overrides = join_assigns(t, NULL);
    return t->overrides ? AE_OK : AE_ERR_NOMEM;
}

/* Components of path from the end: the suffix made of its last k components. */
static const char *suffix_of(const char *path, size_t k)
{
    const char *s = path + strlen(path);
    while (s > path) {
        if (s[-1] == '.' && --k == 0)
            return s;
        s--;
    }
    return path;
}

static bool ends_with_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), m = strlen(suffix);
    return n >= m && !strcmp(path + n - m, suffix) && (n == m || path[n - m - 1] == '.');
}

ae_code sw_label_trials(const sw_section *sec, ae_sweep *s)
{
    size_t n = 0;
    for (size_t a = 0; a < sec->n_axes; a++)
        n += sec->axes[a].n_params;
    const char **paths = calloc(n ? n : 1, sizeof *paths), **names = calloc(n ? n : 1, sizeof *names);
    ae_code rc = paths && names ? AE_OK : AE_ERR_NOMEM;
    size_t k = 0;
    for (size_t a = 0; a < sec->n_axes && rc == AE_OK; a++)
        for (size_t j = 0; j < sec->axes[a].n_params; j++)
            paths[k++] = sec->axes[a].params[j].path;
    for (size_t i = 0; i < n && rc == AE_OK; i++) {
        for (size_t depth = 1;; depth++) {
            const char *suf = suffix_of(paths[i], depth);
            bool unique = true;
            for (size_t j = 0; j < n && unique; j++)
                unique = j == i || !ends_with_suffix(paths[j], suf);
            if (unique || suf == paths[i]) {
                names[i] = suf;
                break;
            }
        }
    }
    /* Trials list their assignments in the same axis order as paths[]. */
    for (size_t t = 0; t < s->n_trials && rc == AE_OK; t++) {
        if (s->trials[t].n_assigns != n)
            rc = AE_ERR_INTERNAL;
        else if (!(s->trials[t].label = join_assigns(&s->trials[t], names)))
            rc = AE_ERR_NOMEM;
    }
    free(paths);
    free(names);
    return rc;
}

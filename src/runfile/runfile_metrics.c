/* Per-phase metric series of the in-memory run file. */
#include "runfile/runfile_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static rf_phase *find_phase(const ae_runfile *rf, const char *phase)
{
    if (!phase)
        return NULL;
    for (size_t i = 0; i < rf->nphases; i++)
        if (strcmp(rf->phases[i].name, phase) == 0)
            return &rf->phases[i];
    return NULL;
}

static rf_series *find_series(const rf_phase *ph, const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; ph && i < ph->count; i++)
        if (strcmp(ph->series[i].name, name) == 0)
            return &ph->series[i];
    return NULL;
}

static const rf_series *lookup(const ae_runfile *rf, const char *phase, const char *name)
{
    return find_series(find_phase(rf, phase), name);
}

rf_series *ae_rf_series_get(ae_runfile *rf, const char *phase, const char *name, int *code)
{
    rf_phase *ph = find_phase(rf, phase);
    rf_series *s = find_series(ph, name);
    if (s)
        return s;
    *code = AE_ERR_CONFIG;
    if (!ae_rf_valid_name(phase, false) || !ae_rf_valid_name(name, true))
        return NULL;
    for (size_t i = 0; ph && i < ph->count; i++)
        if (ae_rf_path_collides(ph->series[i].name, name))
            return NULL;
    *code = AE_ERR_NOMEM;
    bool new_phase = !ph;
    if (new_phase) {
        rf_phase *items = ae_rf_grow(rf->phases, &rf->cphases, rf->nphases, sizeof *items);
        if (!items)
            return NULL;
        rf->phases = items;
        char *pname = strdup(phase);
        if (!pname)
            return NULL;
        ph = &rf->phases[rf->nphases++];
        *ph = (rf_phase){.name = pname};
    }
    rf_series *items = ae_rf_grow(ph->series, &ph->cap, ph->count, sizeof *items);
    char *sname = items ? strdup(name) : NULL;
    if (items)
        ph->series = items;
    if (!sname) {
        if (new_phase) { /* leave no empty phase behind */
            free(ph->series);
            free(ph->name);
            rf->nphases--;
        }
        return NULL;
    }
    s = &ph->series[ph->count++];
    *s = (rf_series){.name = sname};
    return s;
}

int ae_runfile_put_metric(ae_runfile *rf, const char *phase, const char *name, size_t epoch,
                          double value)
{
    if (epoch >= AE_RUNFILE_MAX_EPOCHS)
        return AE_ERR_CONFIG;
    int code = AE_OK;
    rf_series *s = ae_rf_series_get(rf, phase, name, &code);
    if (!s)
        return code;
    if (epoch >= s->cap) {
        size_t cap = s->cap ? s->cap : 16;
        while (cap <= epoch)
            cap *= 2;
        double *v = realloc(s->v, cap * sizeof *v);
        if (!v)
            return AE_ERR_NOMEM;
        s->v = v;
        s->cap = cap;
    }
    for (; s->n < epoch; s->n++)
        s->v[s->n] = NAN;
    s->v[epoch] = value;
    if (s->n <= epoch)
        s->n = epoch + 1;
    return AE_OK;
}

int ae_runfile_append_metric(ae_runfile *rf, const char *phase, const char *name, double value)
{
    const rf_series *s = lookup(rf, phase, name);
    return ae_runfile_put_metric(rf, phase, name, s ? s->n : 0, value);
}

int ae_rf_series_adopt(ae_runfile *rf, const char *phase, const char *name, double *v, size_t n)
{
    int code = AE_OK;
    rf_series *s = ae_rf_series_get(rf, phase, name, &code);
    if (!s) {
        free(v);
        return code;
    }
    free(s->v);
    s->v = v;
    s->n = s->cap = n;
    return AE_OK;
}

const double *ae_runfile_metric(const ae_runfile *rf, const char *phase, const char *name,
                                size_t *n)
{
    const rf_series *s = lookup(rf, phase, name);
    if (n)
        *n = s ? s->n : 0;
    return s ? s->v : NULL;
}

size_t ae_runfile_metric_len(const ae_runfile *rf, const char *phase, const char *name)
{
    const rf_series *s = lookup(rf, phase, name);
    return s ? s->n : 0;
}

size_t ae_runfile_metric_epochs(const ae_runfile *rf, const char *phase)
{
    const rf_phase *ph = find_phase(rf, phase);
    size_t n = 0;
    for (size_t i = 0; ph && i < ph->count; i++)
        if (ph->series[i].n > n)
            n = ph->series[i].n;
    return n;
}

void ae_runfile_metric_truncate(ae_runfile *rf, const char *phase, size_t n)
{
    rf_phase *ph = find_phase(rf, phase);
    for (size_t i = 0; ph && i < ph->count; i++)
        if (ph->series[i].n > n)
            ph->series[i].n = n;
}

size_t ae_runfile_phase_count(const ae_runfile *rf)
{
    return rf->nphases;
}

const char *ae_runfile_phase_at(const ae_runfile *rf, size_t i)
{
    return i < rf->nphases ? rf->phases[i].name : NULL;
}

size_t ae_runfile_metric_count(const ae_runfile *rf, const char *phase)
{
    const rf_phase *ph = find_phase(rf, phase);
    return ph ? ph->count : 0;
}

const char *ae_runfile_metric_name_at(const ae_runfile *rf, const char *phase, size_t i)
{
    const rf_phase *ph = find_phase(rf, phase);
    return ph && i < ph->count ? ph->series[i].name : NULL;
}

#include "sweep/slurm.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sweep/sweep_impl.h"

char *ae_sweep_array_spec(const size_t *ids, size_t n, int max_parallel)
{
    sw_buf b = {0};
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && ids[j + 1] == ids[j] + 1)
            j++;
        if (j == i)
            sw_buf_printf(&b, "%s%zu", i ? "," : "", ids[i]);
        else
            sw_buf_printf(&b, "%s%zu-%zu", i ? "," : "", ids[i], ids[j]);
        i = j + 1;
    }
    if (max_parallel > 0)
        sw_buf_printf(&b, "%%%d", max_parallel);
    return sw_buf_finish(&b);
}

bool ae_sweep_array_contains(const char *spec, size_t id)
{
    const char *p = spec;
    while (*p && *p != '%') {
        char *end;
        errno = 0;
        unsigned long lo = strtoul(p, &end, 10), hi = lo;
        if (end == p || errno)
            return false;
        p = end;
        if (*p == '-') {
            hi = strtoul(p + 1, &end, 10);
            if (end == p + 1)
                return false;
            p = end;
        }
        if (id >= lo && id <= hi)
            return true;
        if (*p == ',')
            p++;
        else if (*p && *p != '%')
            return false;
    }
    return false;
}

size_t ae_sweep_array_chunks(const size_t *idx, size_t n, size_t max_array_size,
                             ae_sweep_chunk *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        size_t offset = idx[i] < max_array_size ? 0 : idx[i];
        size_t j = i;
        while (j < n && idx[j] - offset < max_array_size)
            j++;
        out[k++] = (ae_sweep_chunk){.first = i, .count = j - i, .offset = offset};
        i = j;
    }
    return k;
}

/* Values on #SBATCH lines are split on whitespace by sbatch: refuse what
 * would not survive that. */
static bool sbatch_safe(const char *s)
{
    for (; s && *s; s++)
        if (isspace((unsigned char)*s) || *s == '\'' || *s == '"' || (unsigned char)*s < 0x20)
            return false;
    return true;
}

static void put_quoted(sw_buf *b, const char *s)
{
    sw_buf_puts(b, "'");
    for (; *s; s++)
        if (*s == '\'')
            sw_buf_puts(b, "'\\''");
        else
            sw_buf_printf(b, "%c", *s);
    sw_buf_puts(b, "'");
}

char *ae_sweep_sbatch_script(const ae_sweep_sbatch *x)
{
    const ae_sweep_slurm *o = x->opts;
    const char *checked[] = {x->job_name, x->array, x->output, o->partition, o->time, o->mem,
                             o->account};
    for (size_t i = 0; i < sizeof checked / sizeof *checked; i++)
        if (!sbatch_safe(checked[i])) {
            errno = EINVAL;
            return NULL;
        }
    for (size_t i = 0; i < o->n_extra; i++)
        if (!sbatch_safe(o->extra[i])) {
            errno = EINVAL;
            return NULL;
        }
    int cpus = x->cpus_per_task > 0 ? x->cpus_per_task : 1;
    sw_buf b = {0};
    sw_buf_printf(&b, "#!/bin/bash\n"
                      "# Written by aelab sweep: array task k runs trial %zu + k, which resumes\n"
                      "# from its checkpoint when the task is requeued.\n"
                      "#SBATCH --job-name=%s\n"
                      "#SBATCH --array=%s\n"
                      "#SBATCH --output=%s\n"
                      "#SBATCH --open-mode=append\n"
                      "#SBATCH --requeue\n"
                      "#SBATCH --ntasks=1\n"
                      "#SBATCH --cpus-per-task=%d\n",
                  x->offset, x->job_name, x->array, x->output, cpus);
    if (o->partition)
        sw_buf_printf(&b, "#SBATCH --partition=%s\n", o->partition);
    if (o->time)
        sw_buf_printf(&b, "#SBATCH --time=%s\n", o->time);
    if (o->mem)
        sw_buf_printf(&b, "#SBATCH --mem=%s\n", o->mem);
    if (o->account)
        sw_buf_printf(&b, "#SBATCH --account=%s\n", o->account);
    for (size_t i = 0; i < o->n_extra; i++)
        sw_buf_printf(&b, "#SBATCH %s\n", o->extra[i]);
    sw_buf_puts(&b, "cd ");
    put_quoted(&b, x->workdir);
    sw_buf_puts(&b, " || exit 1\nexec");
    for (size_t i = 0; i < x->n_command; i++) {
        sw_buf_puts(&b, " ");
        put_quoted(&b, x->command[i]);
    }
    sw_buf_printf(&b, " --trial \"$((%zu + SLURM_ARRAY_TASK_ID))\" --threads %d\n", x->offset,
                  cpus);
    return sw_buf_finish(&b);
}

/* ---- jobs.tsv ---- */

void ae_sweep_jobs_free(ae_sweep_jobs *jobs)
{
    for (size_t i = 0; i < jobs->n; i++)
        free(jobs->items[i].array);
    free(jobs->items);
    memset(jobs, 0, sizeof *jobs);
}

ae_code ae_sweep_jobs_read(const char *path, ae_sweep_jobs *out, ae_error *err)
{
    memset(out, 0, sizeof *out);
    char *text = sw_read_text(path, (size_t)16 << 20, NULL);
    if (!text) {
        if (errno == ENOENT)
            return AE_OK;
        return ae_error_set(err, AE_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    }
    ae_code rc = AE_OK;
    for (char *line = text, *next; line && *line && rc == AE_OK; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        char id[32], array[4096];
        size_t offset;
        if (line[0] == '#' || sscanf(line, "%31[^\t]\t%zu\t%4095[^\t\n]", id, &offset, array) != 3)
            continue;
        ae_sweep_job *items = realloc(out->items, (out->n + 1) * sizeof *items);
        char *a = strdup(array);
        if (!items || !a) {
            free(a);
            if (items)
                out->items = items;
            rc = ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory", path);
            break;
        }
        out->items = items;
        ae_sweep_job *j = &items[out->n++];
        snprintf(j->id, sizeof j->id, "%s", id);
        j->offset = offset;
        j->array = a;
    }
    free(text);
    if (rc != AE_OK)
        ae_sweep_jobs_free(out);
    return rc;
}

ae_code ae_sweep_jobs_append(const char *path, const char *job_id, size_t offset,
                             const char *array, ae_error *err)
{
    char *old = sw_read_text(path, (size_t)16 << 20, NULL);
    if (!old && errno != ENOENT)
        return ae_error_set(err, AE_ERR_IO, "cannot read %s: %s", path, strerror(errno));
    sw_buf b = {0};
    sw_buf_puts(&b, old ? old : "# job\toffset\tarray\n");
    sw_buf_printf(&b, "%s\t%zu\t%s\n", job_id, offset, array);
    free(old);
    char *text = sw_buf_finish(&b);
    if (!text)
        return ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory", path);
    ae_code rc = sw_write_atomic(path, text, strlen(text), err);
    free(text);
    return rc;
}

bool ae_sweep_jobs_task(const ae_sweep_jobs *jobs, size_t i, char *out, size_t size)
{
    for (size_t k = jobs->n; k-- > 0;) {
        const ae_sweep_job *j = &jobs->items[k];
        if (i >= j->offset && ae_sweep_array_contains(j->array, i - j->offset)) {
            snprintf(out, size, "%s_%zu", j->id, i - j->offset);
            return true;
        }
    }
    return false;
}

/* ---- states ---- */

void ae_sweep_states_free(ae_sweep_states *s)
{
    free(s->items);
    memset(s, 0, sizeof *s);
}

const char *ae_sweep_states_get(const ae_sweep_states *s, const char *task)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->items[i].task, task))
            return s->items[i].state;
    return NULL;
}

static ae_code put_state(ae_sweep_states *s, const char *task, size_t task_len, const char *state,
                         size_t state_len)
{
    char t[48], st[32];
    if (!task_len || task_len >= sizeof t || !state_len)
        return AE_OK;
    snprintf(t, sizeof t, "%.*s", (int)task_len, task);
    snprintf(st, sizeof st, "%.*s", (int)(state_len < sizeof st ? state_len : sizeof st - 1),
             state);
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->items[i].task, t)) {
            snprintf(s->items[i].state, sizeof s->items[i].state, "%s", st);
            return AE_OK;
        }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        ae_sweep_task_state *p = realloc(s->items, cap * sizeof *p);
        if (!p)
            return AE_ERR_NOMEM;
        s->items = p;
        s->cap = cap;
    }
    ae_sweep_task_state *x = &s->items[s->n++];
    snprintf(x->task, sizeof x->task, "%s", t);
    snprintf(x->state, sizeof x->state, "%s", st);
    return AE_OK;
}

/* The value of " key=" in a jobcomp line (up to the next space). */
static const char *kv(const char *line, const char *key, size_t *len)
{
    size_t kl = strlen(key);
    for (const char *p = line; (p = strstr(p, key)); p++)
        if ((p == line || p[-1] == ' ') && p[kl] == '=') {
            p += kl + 1;
            *len = strcspn(p, " \n");
            return p;
        }
    return NULL;
}

static ae_code parse_line(ae_sweep_states *s, ae_sweep_states_source src, const char *line)
{
    if (src == AE_SWEEP_JOBCOMP) {
        size_t jl, tl, sl;
        const char *job = kv(line, "ArrayJobId", &jl), *task = kv(line, "ArrayTaskId", &tl);
        const char *state = kv(line, "JobState", &sl);
        if (!job || !task || !state || !jl || !tl || strspn(task, "0123456789") < tl)
            return AE_OK;
        if (jl == 1 && job[0] == '0') /* not an array job */
            return AE_OK;
        char t[48];
        int n = snprintf(t, sizeof t, "%.*s_%.*s", (int)jl, job, (int)tl, task);
        return n > 0 && (size_t)n < sizeof t ? put_state(s, t, (size_t)n, state, sl) : AE_OK;
    }
    /* "123_4|STATE[ by 0]|..." */
    size_t tl = strcspn(line, "|");
    if (line[tl] != '|')
        return AE_OK;
    const char *task = line, *state = line + tl + 1;
    while (tl && task[tl - 1] == ' ')
        tl--;
    while (tl && *task == ' ')
        task++, tl--;
    if (memchr(task, '[', tl)) /* "123_[5-7]": pending tasks not yet split out */
        return AE_OK;
    size_t sl = strcspn(state, "| \n");
    return put_state(s, task, tl, state, sl);
}

ae_code ae_sweep_states_parse(ae_sweep_states *s, ae_sweep_states_source src, const char *text)
{
    const char *line = text;
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char *copy = strndup(line, len);
        if (!copy)
            return AE_ERR_NOMEM;
        ae_code rc = parse_line(s, src, copy);
        free(copy);
        if (rc != AE_OK)
            return rc;
        line = end ? end + 1 : NULL;
    }
    return AE_OK;
}

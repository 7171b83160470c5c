/* The Slurm backend as text: the sbatch script of a job array whose task k
 * runs trial offset + k (`aelab sweep FILE --trial N`), the record of
 * submitted arrays (results/<sweep>/slurm/jobs.tsv), and what squeue, sacct
 * and a jobcomp/filetxt file say about array tasks. Running sbatch and
 * friends is the command line's business (src/cli/sweep_slurm.c). */
#ifndef AELAB_SWEEP_SLURM_H
#define AELAB_SWEEP_SLURM_H

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"
#include "sweep/sweep.h"

enum { AE_SWEEP_DEFAULT_MAX_ARRAY_SIZE = 1001 }; /* Slurm's default MaxArraySize */

/* A compact --array value for ascending ids: "0-2,5,7-9", then "%M" when
 * max_parallel > 0. Caller frees; NULL when out of memory. */
char *ae_sweep_array_spec(const size_t *ids, size_t n, int max_parallel);
/* Whether the --array value spec lists id (a "%M" suffix is ignored). */
bool ae_sweep_array_contains(const char *spec, size_t id);

/* Consecutive runs of the ascending trial indexes idx[] that fit one array:
 * every idx[j] - offset below max_array_size. The offset is 0 while that
 * works (so array task ids are trial indexes), else the chunk's first index. */
typedef struct ae_sweep_chunk {
    size_t first, count;   /* idx[first .. first + count) */
    size_t offset;         /* trial index = offset + SLURM_ARRAY_TASK_ID */
} ae_sweep_chunk;
/* Fills out (room for n chunks) and returns the number of chunks. */
size_t ae_sweep_array_chunks(const size_t *idx, size_t n, size_t max_array_size,
                             ae_sweep_chunk *out);

typedef struct ae_sweep_sbatch {
    const char *job_name;
    const char *array;           /* the --array value */
    const char *output;          /* --output pattern, e.g. /abs/results/x/slurm/%A_%a.out */
    const char *workdir;         /* the script cds here first */
    const char *const *command;  /* argv before the trial number: {exe, "sweep", FILE, ...} */
    size_t n_command;
    size_t offset;
    int cpus_per_task;           /* also the trial's --threads */
    const ae_sweep_slurm *opts;  /* partition, time, mem, account, extra */
} ae_sweep_sbatch;

/* The script: #SBATCH lines (--requeue and --open-mode=append included, so a
 * requeued task resumes its trial and appends to its log), then
 *   exec COMMAND... --trial $((offset + SLURM_ARRAY_TASK_ID)) --threads CPUS
 * with every argument single-quoted. NULL when out of memory, or when a value
 * that goes on an #SBATCH line holds whitespace or a quote (errno = EINVAL). */
char *ae_sweep_sbatch_script(const ae_sweep_sbatch *b);

/* ---- submitted arrays: results/<sweep>/slurm/jobs.tsv ----
 * One line per submission: job id, offset, --array value. */
typedef struct ae_sweep_job {
    char id[32];
    size_t offset;
    char *array;
} ae_sweep_job;

typedef struct ae_sweep_jobs {
    ae_sweep_job *items;
    size_t n;
} ae_sweep_jobs;

/* Reads path; a missing file is no jobs (AE_OK). Malformed lines are skipped. */
ae_code ae_sweep_jobs_read(const char *path, ae_sweep_jobs *out, ae_error *err);
/* Appends one submission (rewriting the file atomically). */
ae_code ae_sweep_jobs_append(const char *path, const char *job_id, size_t offset,
                             const char *array, ae_error *err);
/* The array task of the latest submission that includes trial index i:
 * "<job>_<i - offset>" into out; false when no submission includes it. */
bool ae_sweep_jobs_task(const ae_sweep_jobs *jobs, size_t i, char *out, size_t size);
void ae_sweep_jobs_free(ae_sweep_jobs *jobs);

/* ---- task states ---- */

typedef enum ae_sweep_states_source {
    AE_SWEEP_SQUEUE,  /* `squeue -h -r -o %i|%T`: "123_4|RUNNING" */
    AE_SWEEP_SACCT,   /* `sacct -n -P -X -o JobID,State`: "123_4|CANCELLED by 0" */
    AE_SWEEP_JOBCOMP  /* jobcomp/filetxt lines: "... JobState=COMPLETED ... ArrayJobId=123 ArrayTaskId=4 ..." */
} ae_sweep_states_source;

typedef struct ae_sweep_task_state {
    char task[48];    /* "123_4" */
    char state[32];   /* "RUNNING", "COMPLETED", "TIMEOUT", ... (first word) */
} ae_sweep_task_state;

typedef struct ae_sweep_states {
    ae_sweep_task_state *items;
    size_t n, cap;
} ae_sweep_states;

/* Adds what text says; a task seen again takes its later state (jobcomp
 * files list requeued tasks once per run). Lines it cannot parse are
 * skipped. AE_OK or AE_ERR_NOMEM. */
ae_code ae_sweep_states_parse(ae_sweep_states *s, ae_sweep_states_source src, const char *text);
/* The state of "<job>_<task>", or NULL. */
const char *ae_sweep_states_get(const ae_sweep_states *s, const char *task);
void ae_sweep_states_free(ae_sweep_states *s);

#endif

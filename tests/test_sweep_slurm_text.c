/* The Slurm backend's text, without a cluster: --array lists, chunks under
 * MaxArraySize, the sbatch script (run through bash to check quoting and the
 * trial arithmetic), the record of submitted arrays, and task states as
 * squeue, sacct and a jobcomp/filetxt file print them. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_util.h"
#include "helpers.h"
#include "sweep/slurm.h"

Test(sweep_slurm_text, array_spec_and_membership)
{
    size_t ids[] = {0, 1, 2, 5, 7, 8, 9};
    char *spec = ae_sweep_array_spec(ids, 7, 0);
    cr_assert_str_eq(spec, "0-2,5,7-9");
    free(spec);
    spec = ae_sweep_array_spec(ids, 7, 4);
    cr_assert_str_eq(spec, "0-2,5,7-9%4");
    for (size_t i = 0; i < 12; i++)
        cr_assert_eq(ae_sweep_array_contains(spec, i), i <= 2 || i == 5 || (i >= 7 && i <= 9),
                     "%zu", i);
    free(spec);
    size_t one = 3;
    spec = ae_sweep_array_spec(&one, 1, 0);
    cr_assert_str_eq(spec, "3");
    free(spec);
    cr_assert_not(ae_sweep_array_contains("x", 0));
    cr_assert_not(ae_sweep_array_contains("", 0));
}

Test(sweep_slurm_text, chunks_stay_below_max_array_size)
{
    enum { N = 2500 };
    size_t *idx = malloc(N * sizeof *idx);
    for (size_t i = 0; i < N; i++)
        idx[i] = i + (i >= 2000 ? 300 : 0); /* a gap too */
    ae_sweep_chunk ch[N];
    size_t n = ae_sweep_array_chunks(idx, N, 1001, ch);
    size_t covered = 0;
    for (size_t k = 0; k < n; k++) {
        cr_assert_eq(ch[k].first, covered);
        for (size_t j = ch[k].first; j < ch[k].first + ch[k].count; j++) {
            cr_assert_geq(idx[j], ch[k].offset);
            cr_assert_lt(idx[j] - ch[k].offset, 1001);
        }
        covered += ch[k].count;
    }
    cr_assert_eq(covered, N);
    cr_assert_eq(ch[0].offset, 0, "array task ids are trial indexes while they fit");
    cr_assert_eq(ch[0].count, 1001);
    cr_assert_eq(n, 3);
    /* small sweeps: one array, task id = trial index */
    n = ae_sweep_array_chunks(idx, 10, 1001, ch);
    cr_assert_eq(n, 1);
    cr_assert_eq(ch[0].offset, 0);
    free(idx);
}

Test(sweep_slurm_text, script_quotes_and_offsets)
{
    char dir[4096];
    test_tmpdir(dir, sizeof dir);
    char *extra[] = {"--qos=short"};
    ae_sweep_slurm o = {.partition = "debug", .time = "00:10:00", .mem = "2G",
                        .account = "proj", .extra = extra, .n_extra = 1};
    const char *command[] = {"/bin/echo", "it's", "$HOME", "a b"};
    ae_sweep_sbatch sb = {.job_name = "aelab-x", .array = "0-2%2", .output = "/r/x/%A_%a.out",
                          .workdir = dir, .command = command, .n_command = 4, .offset = 10,
                          .cpus_per_task = 2, .opts = &o};
    char *script = ae_sweep_sbatch_script(&sb);
    cr_assert_not_null(script);
    const char *lines[] = {"#!/bin/bash\n", "#SBATCH --job-name=aelab-x\n",
                           "#SBATCH --array=0-2%2\n", "#SBATCH --output=/r/x/%A_%a.out\n",
                           "#SBATCH --requeue\n", "#SBATCH --open-mode=append\n",
                           "#SBATCH --cpus-per-task=2\n", "#SBATCH --partition=debug\n",
                           "#SBATCH --time=00:10:00\n", "#SBATCH --mem=2G\n",
                           "#SBATCH --account=proj\n", "#SBATCH --qos=short\n"};
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        cr_assert(strstr(script, lines[i]), "missing %s", lines[i]);
    /* run it as Slurm would start array task 4: trial 14, arguments intact */
    char path[4200], cmd[8600];
    cli_write_file(dir, "job.sbatch", script, path, sizeof path);
    snprintf(cmd, sizeof cmd, "SLURM_ARRAY_TASK_ID=4 bash '%s' > '%s/out.txt'", path, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(path, sizeof path, "%s/out.txt", dir);
    char *out = cli_read_file(path, NULL);
    cr_assert_str_eq(out, "it's $HOME a b --trial 14 --threads 2\n");
    free(out);
    free(script);

    /* what sbatch would split on is refused */
    sb.output = "/r/with space/%A_%a.out";
    errno = 0;
    cr_assert_null(ae_sweep_sbatch_script(&sb));
    cr_assert_eq(errno, EINVAL);
    cli_rm_rf(dir);
}

Test(sweep_slurm_text, submitted_jobs_record)
{
    char dir[4096], path[4200];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/slurm/jobs.tsv", dir);
    ae_sweep_jobs jobs;
    ae_error err = {0};
    cr_assert_eq(ae_sweep_jobs_read(path, &jobs, &err), AE_OK, "a missing record is no jobs");
    cr_assert_eq(jobs.n, 0);
    cr_assert_eq(ae_sweep_write_text(path, "# job\toffset\tarray\n", &err), AE_OK);
    cr_assert_eq(ae_sweep_jobs_append(path, "41", 0, "0-4%2", &err), AE_OK);
    cr_assert_eq(ae_sweep_jobs_append(path, "57", 0, "1,3", &err), AE_OK);
    cr_assert_eq(ae_sweep_jobs_append(path, "60", 1001, "0-1", &err), AE_OK);
    cr_assert_eq(ae_sweep_jobs_read(path, &jobs, &err), AE_OK);
    cr_assert_eq(jobs.n, 3);
    char task[48];
    cr_assert(ae_sweep_jobs_task(&jobs, 0, task, sizeof task));
    cr_assert_str_eq(task, "41_0");
    cr_assert(ae_sweep_jobs_task(&jobs, 3, task, sizeof task));
    cr_assert_str_eq(task, "57_3", "the latest submission of a trial wins");
    cr_assert(ae_sweep_jobs_task(&jobs, 1002, task, sizeof task));
    cr_assert_str_eq(task, "60_1", "array task = trial - offset");
    cr_assert_not(ae_sweep_jobs_task(&jobs, 7, task, sizeof task));
    ae_sweep_jobs_free(&jobs);
    cli_rm_rf(dir);
}

Test(sweep_slurm_text, task_states_from_every_source)
{
    ae_sweep_states s = {0};
    /* slurmctld's jobcomp/filetxt: one line per finished run, requeues included */
    const char *jobcomp =
        "JobId=13 UserId=root(0) GroupId=root(0) Name=aelab-x JobState=COMPLETED Partition=debug "
        "TimeLimit=UNLIMITED StartTime=2026-11-26T12:00:00 EndTime=2026-11-26T12:00:02 "
        "NodeList=vm NodeCnt=1 ProcCnt=1 WorkDir=/tmp ReservationName= Tres=cpu=1 "
        "Account= QOS= WcKey= Cluster=unknown SubmitTime=2026-11-26T11:59:59 "
        "EligibleTime=2026-11-26T11:59:59 ArrayJobId=12 ArrayTaskId=1 DerivedExitCode=0:0 "
        "ExitCode=0:0\n"
        "JobId=14 UserId=root(0) JobState=REQUEUED ArrayJobId=12 ArrayTaskId=2 ExitCode=0:15\n"
        "JobId=14 UserId=root(0) JobState=TIMEOUT ArrayJobId=12 ArrayTaskId=2 ExitCode=0:15\n"
        "JobId=20 UserId=root(0) JobState=FAILED ArrayJobId=0 ArrayTaskId=4294967294\n"
        "garbage line\n";
    cr_assert_eq(ae_sweep_states_parse(&s, AE_SWEEP_JOBCOMP, jobcomp), AE_OK);
    cr_assert_str_eq(ae_sweep_states_get(&s, "12_1"), "COMPLETED");
    cr_assert_str_eq(ae_sweep_states_get(&s, "12_2"), "TIMEOUT", "the later line wins");
    cr_assert_null(ae_sweep_states_get(&s, "0_4294967294"), "not an array job");
    const char *sacct = "12_0|OUT_OF_MEMORY\n12_3|CANCELLED by 0\n12_[5-7]|PENDING\n";
    cr_assert_eq(ae_sweep_states_parse(&s, AE_SWEEP_SACCT, sacct), AE_OK);
    cr_assert_str_eq(ae_sweep_states_get(&s, "12_0"), "OUT_OF_MEMORY");
    cr_assert_str_eq(ae_sweep_states_get(&s, "12_3"), "CANCELLED");
    cr_assert_null(ae_sweep_states_get(&s, "12_5"));
    /* squeue's live view last: a requeued task running again */
    cr_assert_eq(ae_sweep_states_parse(&s, AE_SWEEP_SQUEUE, "12_2|RUNNING\n12_6|PENDING\n"),
                 AE_OK);
    cr_assert_str_eq(ae_sweep_states_get(&s, "12_2"), "RUNNING");
    cr_assert_str_eq(ae_sweep_states_get(&s, "12_6"), "PENDING");
    ae_sweep_states_free(&s);
}

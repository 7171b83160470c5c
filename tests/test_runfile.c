/* The run file: in-memory accessors and a full save/load round trip. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "helpers.h"
#include "runfile/runfile.h"

static float *iota_f(int64_t n, float scale)
{
    float *v = malloc((size_t)n * sizeof *v);
    cr_assert_not_null(v);
    for (int64_t i = 0; i < n; i++)
        v[i] = scale * (float)i - 0.5f;
    return v;
}

/* A run with every kind of content, as the trainer would build it. */
static ae_runfile *sample_run(void)
{
    ae_runfile *rf = ae_runfile_new();
    cr_assert_not_null(rf);
    cr_assert_eq(ae_runfile_set_attr(rf, "status", "running"), AE_OK);
    cr_assert_eq(ae_runfile_set_attr(rf, "hostname", "n\xc3\xa9ud-1"), AE_OK); /* UTF-8 */
    cr_assert_eq(ae_runfile_set_attr_int(rf, "seed", -42), AE_OK);
    cr_assert_eq(ae_runfile_set_attr_int(rf, "started_unix", INT64_C(1700000000123)), AE_OK);
    cr_assert_eq(ae_runfile_set_attr(rf, "git/commit", "abc123"), AE_OK);
    cr_assert_eq(ae_runfile_set_config(rf, "model:\n  kind: dense\n",
                                       "0123456789abcdef0123456789abcdef"
                                       "0123456789abcdef0123456789abcdef"),
                 AE_OK);
    const char *names[] = {"train/loss", "train/recon", "val/loss", "epoch_seconds"};
    for (int e = 0; e < 5; e++)
        for (int k = 0; k < 4; k++)
            cr_assert_eq(ae_runfile_append_metric(rf, "main", names[k], e + 0.25 * k), AE_OK);
    for (int e = 0; e < 3; e++)
        cr_assert_eq(ae_runfile_append_metric(rf, "pretrain1", "train/loss", 10.0 - e), AE_OK);

    int64_t s1[1] = {7}, s2[2] = {3, 5}, s3[3] = {2, 3, 4}, s4[4] = {2, 1, 3, 2};
    const int64_t *shapes[4] = {s1, s2, s3, s4};
    const char *tnames[4] = {"params/enc/b", "params/enc/W", "optim/enc/W/m", "conv/k"};
    for (int i = 0; i < 4; i++) {
        int64_t n = 1;
        for (int d = 0; d <= i; d++)
            n *= shapes[i][d];
        float *v = iota_f(n, (float)(i + 1));
        cr_assert_eq(ae_runfile_ckpt_put_tensor(rf, tnames[i], i + 1, shapes[i], v), AE_OK);
        free(v);
    }
    uint64_t rng[4] = {1, UINT64_MAX, UINT64_C(0x8000000000000000), 42};
    cr_assert_eq(ae_runfile_ckpt_put_u64(rf, "rng/shuffle", 4, rng), AE_OK);
    cr_assert_eq(ae_runfile_ckpt_put_int(rf, "step", 1234), AE_OK);
    cr_assert_eq(ae_runfile_ckpt_put_int(rf, "best_epoch", -1), AE_OK);
    cr_assert_eq(ae_runfile_ckpt_set_position(rf, "main", 5), AE_OK);
    return rf;
}

static void assert_same_run(const ae_runfile *a, const ae_runfile *b)
{
    cr_assert_eq(ae_runfile_attr_count(a), ae_runfile_attr_count(b));
    for (size_t i = 0; i < ae_runfile_attr_count(a); i++) {
        bool ia, ib;
        const char *key = ae_runfile_attr_key_at(a, i, &ia);
        cr_assert_str_eq(ae_runfile_attr_key_at(b, i, &ib), key, "attribute order kept");
        cr_assert_eq(ia, ib, "type of %s", key);
        if (ia) {
            int64_t va, vb;
            cr_assert_eq(ae_runfile_attr_int(a, key, &va), AE_OK);
            cr_assert_eq(ae_runfile_attr_int(b, key, &vb), AE_OK);
            cr_assert_eq(va, vb, "%s", key);
        } else {
            cr_assert_str_eq(ae_runfile_attr(b, key), ae_runfile_attr(a, key));
        }
    }
    if (ae_runfile_config_yaml(a)) {
        cr_assert_str_eq(ae_runfile_config_yaml(b), ae_runfile_config_yaml(a));
        cr_assert_str_eq(ae_runfile_config_sha256(b), ae_runfile_config_sha256(a));
    } else {
        cr_assert_null(ae_runfile_config_yaml(b));
        cr_assert_null(ae_runfile_config_sha256(b));
    }

    cr_assert_eq(ae_runfile_phase_count(a), ae_runfile_phase_count(b));
    for (size_t p = 0; p < ae_runfile_phase_count(a); p++) {
        const char *phase = ae_runfile_phase_at(a, p);
        cr_assert_str_eq(ae_runfile_phase_at(b, p), phase);
        cr_assert_eq(ae_runfile_metric_count(a, phase), ae_runfile_metric_count(b, phase));
        for (size_t m = 0; m < ae_runfile_metric_count(a, phase); m++) {
            const char *name = ae_runfile_metric_name_at(a, phase, m);
            cr_assert_str_eq(ae_runfile_metric_name_at(b, phase, m), name, "metric order kept");
            size_t na, nb;
            const double *va = ae_runfile_metric(a, phase, name, &na);
            const double *vb = ae_runfile_metric(b, phase, name, &nb);
            cr_assert_eq(na, nb, "%s/%s", phase, name);
            for (size_t i = 0; i < na; i++)
                cr_assert(va[i] == vb[i] || (isnan(va[i]) && isnan(vb[i])), "%s/%s[%zu]", phase,
                          name, i);
        }
    }

    cr_assert_eq(ae_runfile_ckpt_count(a), ae_runfile_ckpt_count(b));
    for (size_t i = 0; i < ae_runfile_ckpt_count(a); i++) {
        const char *name = ae_runfile_ckpt_name_at(a, i);
        int nda, ndb;
        int64_t sa[4], sb[4];
        const float *da = ae_runfile_ckpt_tensor(a, name, &nda, sa);
        const float *db = ae_runfile_ckpt_tensor(b, name, &ndb, sb);
        cr_assert_not_null(db, "tensor %s missing after load", name);
        cr_assert_eq(nda, ndb, "%s", name);
        int64_t n = 1;
        for (int d = 0; d < 4; d++) {
            cr_assert_eq(sa[d], sb[d], "%s dim %d", name, d);
            n *= sa[d];
        }
        cr_assert_eq(memcmp(da, db, (size_t)n * sizeof *da), 0, "%s data", name);
    }
    cr_assert_eq(ae_runfile_ckpt_u64_count(a), ae_runfile_ckpt_u64_count(b));
    for (size_t i = 0; i < ae_runfile_ckpt_u64_count(a); i++) {
        const char *name = ae_runfile_ckpt_u64_name_at(a, i);
        size_t na, nb;
        const uint64_t *ua = ae_runfile_ckpt_u64(a, name, &na);
        const uint64_t *ub = ae_runfile_ckpt_u64(b, name, &nb);
        cr_assert_eq(na, nb);
        cr_assert_eq(memcmp(ua, ub, na * sizeof *ua), 0, "%s data", name);
    }
    cr_assert_eq(ae_runfile_ckpt_int_count(a), ae_runfile_ckpt_int_count(b));
    for (size_t i = 0; i < ae_runfile_ckpt_int_count(a); i++) {
        const char *name = ae_runfile_ckpt_int_name_at(a, i);
        int64_t va, vb;
        cr_assert_eq(ae_runfile_ckpt_int(a, name, &va), AE_OK);
        cr_assert_eq(ae_runfile_ckpt_int(b, name, &vb), AE_OK, "int %s missing", name);
        cr_assert_eq(va, vb);
    }
    const char *pa = NULL, *pb = NULL;
    int64_t ea = -1, eb = -2;
    cr_assert_eq(ae_runfile_ckpt_position(a, &pa, &ea), ae_runfile_ckpt_position(b, &pb, &eb));
    if (pa) {
        cr_assert_str_eq(pa, pb);
        cr_assert_eq(ea, eb);
    }
}

static void run_path(char *out, size_t size, const char *dir)
{
    snprintf(out, size, "%s/run.h5", dir);
}

Test(runfile, round_trip_everything)
{
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    run_path(path, sizeof path, dir);
    ae_runfile *rf = sample_run();
    ae_error err = {0};
    cr_assert_eq(ae_runfile_save(rf, path, &err), AE_OK, "%s", err.msg);
    ae_runfile *back = NULL;
    cr_assert_eq(ae_runfile_load(path, &back, &err), AE_OK, "%s", err.msg);
    cr_assert_not_null(back);
    assert_same_run(rf, back);

    /* Spot checks that do not rely on assert_same_run's symmetry. */
    int64_t seed = 0;
    cr_assert_eq(ae_runfile_attr_int(back, "seed", &seed), AE_OK);
    cr_assert_eq(seed, -42);
    cr_assert_str_eq(ae_runfile_attr(back, "hostname"), "n\xc3\xa9ud-1");
    size_t n = 0;
    const double *loss = ae_runfile_metric(back, "main", "train/loss", &n);
    cr_assert_eq(n, 5);
    cr_assert_eq(loss[3], 3.0);
    cr_assert_eq(ae_runfile_metric(back, "main", "val/loss", NULL)[4], 4.5);
    int nd = 0;
    int64_t shape[4];
    const float *w = ae_runfile_ckpt_tensor(back, "params/enc/W", &nd, shape);
    cr_assert_eq(nd, 2);
    cr_assert_eq(shape[0], 3);
    cr_assert_eq(shape[1], 5);
    cr_assert_eq(shape[2], 1, "unused dims are 1");
    cr_assert_eq(w[7], 2.0f * 7 - 0.5f);
    size_t nu = 0;
    cr_assert_eq(ae_runfile_ckpt_u64(back, "rng/shuffle", &nu)[1], UINT64_MAX);
    const char *phase = NULL;
    int64_t epoch = 0;
    cr_assert(ae_runfile_ckpt_position(back, &phase, &epoch));
    cr_assert_str_eq(phase, "main");
    cr_assert_eq(epoch, 5);

    /* A loaded run saves to a file that loads to the same run again. */
    char path2[700];
    snprintf(path2, sizeof path2, "%s/again.h5", dir);
    cr_assert_eq(ae_runfile_save(back, path2, &err), AE_OK, "%s", err.msg);
    ae_runfile *again = NULL;
    cr_assert_eq(ae_runfile_load(path2, &again, &err), AE_OK, "%s", err.msg);
    assert_same_run(rf, again);
    ae_runfile_free(again);
    ae_runfile_free(back);
    ae_runfile_free(rf);
}

Test(runfile, empty_run_round_trips)
{
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    run_path(path, sizeof path, dir);
    ae_runfile *rf = ae_runfile_new();
    ae_error err = {0};
    cr_assert_eq(ae_runfile_save(rf, path, &err), AE_OK, "%s", err.msg);
    ae_runfile *back = NULL;
    cr_assert_eq(ae_runfile_load(path, &back, &err), AE_OK, "%s", err.msg);
    cr_assert_eq(ae_runfile_attr_count(back), 0);
    cr_assert_null(ae_runfile_config_yaml(back));
    cr_assert_eq(ae_runfile_phase_count(back), 0);
    cr_assert_eq(ae_runfile_ckpt_count(back), 0);
    cr_assert_not(ae_runfile_ckpt_position(back, NULL, NULL));
    ae_runfile_free(back);
    ae_runfile_free(rf);
}

Test(runfile, second_save_fully_replaces_first)
{
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    run_path(path, sizeof path, dir);
    ae_error err = {0};
    ae_runfile *big = sample_run();
    cr_assert_eq(ae_runfile_save(big, path, &err), AE_OK, "%s", err.msg);

    ae_runfile *small = ae_runfile_new();
    cr_assert_eq(ae_runfile_set_attr(small, "status", "completed"), AE_OK);
    cr_assert_eq(ae_runfile_append_metric(small, "other", "x", 1.5), AE_OK);
    cr_assert_eq(ae_runfile_save(small, path, &err), AE_OK, "%s", err.msg);

    ae_runfile *back = NULL;
    cr_assert_eq(ae_runfile_load(path, &back, &err), AE_OK, "%s", err.msg);
    assert_same_run(small, back);
    cr_assert_null(ae_runfile_attr(back, "hostname"), "old attribute survived");
    cr_assert_eq(ae_runfile_metric_len(back, "main", "train/loss"), 0, "old metric survived");
    cr_assert_eq(ae_runfile_ckpt_count(back), 0, "old checkpoint survived");

    /* No temporary is left behind by successful saves. */
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s/.run.h5.tmp-%ld", dir, (long)getpid());
    struct stat st;
    cr_assert_neq(stat(tmp, &st), 0, "temporary %s left behind", tmp);
    ae_runfile_free(back);
    ae_runfile_free(small);
    ae_runfile_free(big);
}

Test(runfile, attrs_replace_and_reserved_names)
{
    ae_runfile *rf = ae_runfile_new();
    cr_assert_eq(ae_runfile_set_attr(rf, "k", "v1"), AE_OK);
    cr_assert_eq(ae_runfile_set_attr(rf, "k", "v2"), AE_OK);
    cr_assert_str_eq(ae_runfile_attr(rf, "k"), "v2");
    cr_assert_eq(ae_runfile_set_attr_int(rf, "k", 7), AE_OK, "a key may change type");
    cr_assert_null(ae_runfile_attr(rf, "k"));
    int64_t v = 0;
    cr_assert_eq(ae_runfile_attr_int(rf, "k", &v), AE_OK);
    cr_assert_eq(v, 7);
    cr_assert_eq(ae_runfile_attr_count(rf), 1);
    cr_assert_eq(ae_runfile_attr_int(rf, "absent", &v), AE_ERR_CONFIG);
    cr_assert_eq(ae_runfile_set_attr(rf, "format", "x"), AE_ERR_CONFIG);
    cr_assert_eq(ae_runfile_set_attr_int(rf, "format_version", 2), AE_ERR_CONFIG);
    cr_assert_eq(ae_runfile_set_attr(rf, "", "x"), AE_ERR_CONFIG);
    cr_assert_eq(ae_runfile_set_attr(rf, "a//b", "x"), AE_ERR_CONFIG);
    cr_assert_eq(ae_runfile_set_attr(rf, "k", NULL), AE_ERR_CONFIG);
    char longkey[AE_RUNFILE_NAME_MAX + 2];
    memset(longkey, 'k', sizeof longkey - 1);
    longkey[sizeof longkey - 1] = '\0';
    cr_assert_eq(ae_runfile_set_attr(rf, longkey, "x"), AE_ERR_CONFIG);
    longkey[AE_RUNFILE_NAME_MAX] = '\0';
    cr_assert_eq(ae_runfile_set_attr(rf, longkey, "x"), AE_OK);
    ae_runfile_free(rf);
}

Test(runfile, metrics_align_by_epoch)
{
    ae_runfile *rf = ae_runfile_new();
    /* val/loss only every other epoch, set by explicit epoch */
    for (size_t e = 0; e < 5; e++) {
        cr_assert_eq(ae_runfile_append_metric(rf, "main", "train/loss", (double)e), AE_OK);
        if (e % 2 == 0)
            cr_assert_eq(ae_runfile_put_metric(rf, "main", "val/loss", e, 100.0 + e), AE_OK);
    }
    size_t n = 0;
    const double *val = ae_runfile_metric(rf, "main", "val/loss", &n);
    cr_assert_eq(n, 5);
    cr_assert_eq(val[2], 102.0);
    cr_assert(isnan(val[1]) && isnan(val[3]));
    cr_assert_eq(ae_runfile_metric_epochs(rf, "main"), 5);
    /* overwrite */
    cr_assert_eq(ae_runfile_put_metric(rf, "main", "train/loss", 1, -1.0), AE_OK);
    cr_assert_eq(ae_runfile_metric(rf, "main", "train/loss", NULL)[1], -1.0);
    cr_assert_eq(ae_runfile_metric_len(rf, "main", "train/loss"), 5);
    /* a shorter series is padded with NaN in the file */
    cr_assert_eq(ae_runfile_append_metric(rf, "main", "late", 9.0), AE_OK);
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    run_path(path, sizeof path, dir);
    ae_error err = {0};
    cr_assert_eq(ae_runfile_save(rf, path, &err), AE_OK, "%s", err.msg);
    ae_runfile *back = NULL;
    cr_assert_eq(ae_runfile_load(path, &back, &err), AE_OK, "%s", err.msg);
    const double *late = ae_runfile_metric(back, "main", "late", &n);
    cr_assert_eq(n, 5);
    cr_assert_eq(late[0], 9.0);
    cr_assert(isnan(late[4]));
    /* truncate for resume */
    ae_runfile_metric_truncate(back, "main", 2);
    cr_assert_eq(ae_runfile_metric_epochs(back, "main"), 2);
    cr_assert_eq(ae_runfile_append_metric(back, "main", "train/loss", 7.0), AE_OK);
    cr_assert_eq(ae_runfile_metric(back, "main", "train/loss", &n)[2], 7.0);
    cr_assert_eq(n, 3);
    ae_runfile_free(back);
    ae_runfile_free(rf);
}

Test(runfile, metric_and_phase_names_checked)
{
    ae_runfile *rf = ae_runfile_new();
    cr_assert_eq(ae_runfile_append_metric(rf, "a/b", "x", 1), AE_ERR_CONFIG, "phase with /");
    cr_assert_eq(ae_runfile_append_metric(rf, "main", "/x", 1), AE_ERR_CONFIG);
    cr_assert_eq(ae_runfile_append_metric(rf, "main", "x/", 1), AE_ERR_CONFIG);
    cr_assert_eq(ae_runfile_append_metric(rf, "main", "x/../y", 1), AE_ERR_CONFIG);
    cr_assert_eq(ae_runfile_append_metric(rf, "main", "train", 1), AE_OK);
    cr_assert_eq(ae_runfile_append_metric(rf, "main", "train/loss", 1), AE_ERR_CONFIG,
                 "a group and a dataset cannot share a path");
    cr_assert_eq(ae_runfile_append_metric(rf, "other", "train/loss", 1), AE_OK,
                 "other phases are separate");
    cr_assert_eq(ae_runfile_put_metric(rf, "main", "big", AE_RUNFILE_MAX_EPOCHS, 1),
                 AE_ERR_CONFIG);
    cr_assert_null(ae_runfile_metric(rf, "main", "absent", NULL));
    cr_assert_eq(ae_runfile_metric_count(rf, "absent"), 0);
    ae_runfile_free(rf);
}

Test(runfile, ckpt_names_shapes_and_replace)
{
    ae_runfile *rf = ae_runfile_new();
    float v[6] = {1, 2, 3, 4, 5, 6};
    int64_t s23[2] = {2, 3}, s6[1] = {6}, s5[5] = {1, 1, 1, 1, 6}, bad[2] = {2, 0};
    cr_assert_eq(ae_runfile_ckpt_put_tensor(rf, "params/enc/W", 2, s23, v), AE_OK);
    cr_assert_eq(ae_runfile_ckpt_put_tensor(rf, "params/enc", 1, s6, v), AE_ERR_CONFIG);
    cr_assert_eq(ae_runfile_ckpt_put_tensor(rf, "params/enc/W/m", 1, s6, v), AE_ERR_CONFIG);
    cr_assert_eq(ae_runfile_ckpt_put_tensor(rf, "x", 5, s5, v), AE_ERR_SHAPE);
    cr_assert_eq(ae_runfile_ckpt_put_tensor(rf, "x", 2, bad, v), AE_ERR_SHAPE);
    cr_assert_eq(ae_runfile_ckpt_put_tensor(rf, "x", 0, s6, v), AE_ERR_SHAPE);
    int64_t huge[2] = {INT64_C(1) << 40, INT64_C(1) << 40};
    cr_assert_eq(ae_runfile_ckpt_put_tensor(rf, "x", 2, huge, v), AE_ERR_SHAPE, "overflow");
    /* replace: new shape and data; the caller's buffer was copied */
    v[0] = 100;
    cr_assert_eq(ae_runfile_ckpt_put_tensor(rf, "params/enc/W", 1, s6, v), AE_OK);
    v[0] = -1;
    int nd = 0;
    int64_t shape[4];
    const float *w = ae_runfile_ckpt_tensor(rf, "params/enc/W", &nd, shape);
    cr_assert_eq(nd, 1);
    cr_assert_eq(shape[0], 6);
    cr_assert_eq(w[0], 100);
    cr_assert_eq(ae_runfile_ckpt_count(rf), 1);
    /* u64 arrays share the namespace */
    uint64_t u[2] = {1, 2};
    cr_assert_eq(ae_runfile_ckpt_put_u64(rf, "params/enc/W/x", 2, u), AE_ERR_CONFIG);
    cr_assert_eq(ae_runfile_ckpt_put_u64(rf, "rng/a", 2, u), AE_OK);
    cr_assert_eq(ae_runfile_ckpt_put_u64(rf, "rng/b", 0, u), AE_ERR_SHAPE);
    cr_assert_null(ae_runfile_ckpt_tensor(rf, "rng/a", NULL, NULL), "kinds are separate");
    /* ints */
    cr_assert_eq(ae_runfile_ckpt_put_int(rf, "epoch", 1), AE_ERR_CONFIG, "reserved");
    cr_assert_eq(ae_runfile_ckpt_put_int(rf, "phase", 1), AE_ERR_CONFIG, "reserved");
    cr_assert_eq(ae_runfile_ckpt_put_int(rf, "step", 1), AE_OK);
    cr_assert_eq(ae_runfile_ckpt_put_int(rf, "step", 2), AE_OK);
    int64_t step = 0;
    cr_assert_eq(ae_runfile_ckpt_int(rf, "step", &step), AE_OK);
    cr_assert_eq(step, 2);
    cr_assert_eq(ae_runfile_ckpt_int_count(rf), 1);
    cr_assert_eq(ae_runfile_ckpt_set_position(rf, "a/b", 1), AE_ERR_CONFIG);
    cr_assert_eq(ae_runfile_ckpt_set_position(rf, "main", 3), AE_OK);
    /* clear */
    ae_runfile_ckpt_clear(rf);
    cr_assert_eq(ae_runfile_ckpt_count(rf), 0);
    cr_assert_eq(ae_runfile_ckpt_u64_count(rf), 0);
    cr_assert_eq(ae_runfile_ckpt_int_count(rf), 0);
    cr_assert_not(ae_runfile_ckpt_position(rf, NULL, NULL));
    cr_assert_eq(ae_runfile_ckpt_put_tensor(rf, "params/enc", 1, s6, v), AE_OK,
                 "names are free again after clear");
    ae_runfile_free(rf);
}

Test(runfile, large_config_text)
{
    size_t len = 3u << 20;
    char *yaml = malloc(len + 1);
    cr_assert_not_null(yaml);
    for (size_t i = 0; i < len; i++)
        yaml[i] = i % 64 == 63 ? '\n' : (char)('a' + i % 26);
    yaml[len] = '\0';
    ae_runfile *rf = ae_runfile_new();
    cr_assert_eq(ae_runfile_set_config(rf, yaml, "ff"), AE_OK);
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    run_path(path, sizeof path, dir);
    ae_error err = {0};
    cr_assert_eq(ae_runfile_save(rf, path, &err), AE_OK, "%s", err.msg);
    ae_runfile *back = NULL;
    cr_assert_eq(ae_runfile_load(path, &back, &err), AE_OK, "%s", err.msg);
    cr_assert_str_eq(ae_runfile_config_yaml(back), yaml);
    ae_runfile_free(back);
    ae_runfile_free(rf);
    free(yaml);
    unlink(path);
    rmdir(dir);
}

static unsigned char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)size);
    cr_assert_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *n = (size_t)size;
    return buf;
}

/* No modification times are stored: the same run saved a second later is the
 * same bytes, so run files can be compared by checksum. */
Test(runfile, same_run_same_bytes)
{
    char dir[512], a[600], b[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(a, sizeof a, "%s/a.h5", dir);
    snprintf(b, sizeof b, "%s/b.h5", dir);
    ae_runfile *rf = sample_run();
    ae_error err = {0};
    cr_assert_eq(ae_runfile_save(rf, a, &err), AE_OK, "%s", err.msg);
    struct timespec ts = {1, 100000000L}; /* HDF5 times have 1 s resolution */
    nanosleep(&ts, NULL);
    cr_assert_eq(ae_runfile_save(rf, b, &err), AE_OK, "%s", err.msg);
    size_t na, nb;
    unsigned char *ba = slurp(a, &na), *bb = slurp(b, &nb);
    cr_assert_eq(na, nb);
    cr_assert_eq(memcmp(ba, bb, na), 0, "files differ");
    free(ba);
    free(bb);
    ae_runfile_free(rf);
}

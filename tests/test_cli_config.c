/* `aelab run` and `aelab validate` on bad experiment files: exit status 2,
 * every error of a file reported at once as `file:line:col: error: ...`, and
 * nothing created under the results root. Then `aelab validate` on good
 * files: the resolved config, its hash, and include / --set precedence. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "config/cfg.h"
#include "helpers.h"

/* A complete, valid experiment; the bad files include it and break one thing. */
static const char base_yaml[] =
    "name: cli-test\n"
    "seed: 1\n"
    "data: {dataset: fashion-mnist, train_limit: 2000, val_limit: 500}\n"
    "model:\n"
    "  input: [784]\n"
    "  code: code\n"
    "  layers:\n"
    "    - {name: code, type: dense, units: 32, activation: relu}\n"
    "    - {name: out, type: dense, units: 784, activation: sigmoid}\n"
    "loss: {reconstruction: bce}\n"
    "train:\n"
    "  optimizer: {type: adam, lr: 0.001}\n"
    "  batch_size: 100\n"
    "  epochs: 3\n";

enum { MAX_FILES = 4, MAX_SETS = 3, MAX_LINES = 6 };

typedef struct bad_case {
    const char *what;
    /* {name, text}: the first is the file given to aelab; base.yaml is always there */
    const char *files[MAX_FILES][2];
    const char *sets[MAX_SETS];
    /* exact stderr lines; with n_errors, the whole of what is reported */
    const char *lines[MAX_LINES];
    int n_errors;
} bad_case;

#define INC "include: base.yaml\n"
/* The sections of a complete file, for files that leave one out. */
#define SECTION_NAME "name: x\n"
#define SECTION_DATA "data: {dataset: fashion-mnist}\n"
#define SECTION_MODEL                                                                          \
    "model:\n  input: [784]\n  layers:\n"                                                     \
    "    - {name: code, type: dense, units: 32, activation: relu}\n"                          \
    "    - {name: out, type: dense, units: 784, activation: sigmoid}\n"
#define SECTION_LOSS "loss: {reconstruction: bce}\n"
#define SECTION_TRAIN "train: {epochs: 1, batch_size: 10, optimizer: {type: adam}}\n"

static const bad_case bad_cases[] = {
    {"unknown key, with a suggestion",
     {{"x.yaml", INC "train: {optimizer: {lrr: 0.01}}\n"}},
     {0},
     {"x.yaml:2:21: error: unknown key 'lrr' in train.optimizer (did you mean 'lr'?)"},
     1},
    {"unknown top-level key, no near candidate",
     {{"x.yaml", INC "frobnicate: 3\n"}},
     {0},
     {"x.yaml:2:1: error: unknown key 'frobnicate'"},
     1},
    {"a sweep file given to run or validate names the command that takes it",
     {{"x.yaml", INC "sweep:\n  grid: {train.optimizer.lr: [0.1, 0.01]}\n"}},
     {0},
     {"x.yaml:3:3: error: this file defines a sweep: run it with 'aelab sweep x.yaml' ('aelab "
      "sweep x.yaml --dry-run' checks every trial's config without running any)"},
     1},
    {"flat epochs beside phases says where epochs belong",
     {{"x.yaml", SECTION_NAME SECTION_DATA SECTION_MODEL SECTION_LOSS
       "train: {epochs: 2, batch_size: 10, optimizer: {type: adam}, phases: [{name: a, epochs: 1}]}\n"}},
     {0},
     {"x.yaml:9:17: error: train.epochs: this experiment trains in phases, each with its own "
      "epochs: set train.phases.N.epochs (N from 0) instead"},
     1},
    {"wrong type",
     {{"x.yaml", INC "train: {batch_size: abc}\n"}},
     {0},
     {"x.yaml:2:21: error: train.batch_size: expected an integer, got 'abc'"},
     1},
    {"out of range",
     {{"x.yaml", INC "train: {epochs: 0}\n"}},
     {0},
     {"x.yaml:2:17: error: train.epochs: 0 is out of range [1, 1000000]"},
     1},
    {"unknown choice, with a suggestion",
     {{"x.yaml", INC "model:\n  layers:\n"
                     "    - {name: code, type: dense, units: 32, activation: rleu}\n"
                     "    - {name: out, type: dense, units: 784, activation: sigmoid}\n"}},
     {0},
     {"x.yaml:4:56: error: model.layers.0.activation: unknown value 'rleu' (did you mean "
      "'relu'?)"},
     1},
    {"missing field in a section (emptied by --set)",
     {{"x.yaml", INC}},
     {"train.epochs=null"},
     {"--set train.epochs=null: error: missing value for 'epochs' in train"},
     1},
    /* A missing section is one error: the fields it would hold are not
     * reported again one by one (nor are their siblings "unknown"). */
    {"missing section 'data'",
     {{"x.yaml", SECTION_NAME SECTION_MODEL SECTION_LOSS SECTION_TRAIN}},
     {0},
     {"x.yaml:1:1: error: missing field 'data'"},
     1},
    {"missing section 'model'",
     {{"x.yaml", SECTION_NAME SECTION_DATA SECTION_LOSS SECTION_TRAIN}},
     {0},
     {"x.yaml:1:1: error: missing field 'model'"},
     1},
    {"missing section 'loss'",
     {{"x.yaml", SECTION_NAME SECTION_DATA SECTION_MODEL SECTION_TRAIN}},
     {0},
     {"x.yaml:1:1: error: missing field 'loss'"},
     1},
    {"missing section 'train'",
     {{"x.yaml", SECTION_NAME SECTION_DATA SECTION_MODEL SECTION_LOSS}},
     {0},
     {"x.yaml:1:1: error: missing field 'train'"},
     1},
    {"missing field of a layer",
     {{"x.yaml", INC "model:\n  layers:\n"
                     "    - {name: code, type: dense, activation: relu}\n"
                     "    - {name: out, type: dense, units: 784, activation: sigmoid}\n"}},
     {0},
     {"x.yaml:4:7: error: missing field 'units' in model.layers.0"},
     1},
    {"tied_to names no layer",
     {{"x.yaml", INC "model:\n  layers:\n"
                     "    - {name: code, type: dense, units: 32, activation: relu}\n"
                     "    - {name: out, type: dense, units: 784, activation: sigmoid, tied_to: "
                     "cod}\n"}},
     {0},
     {"x.yaml:5:74: error: tied_to 'cod' is not a layer (did you mean 'code'?)"},
     1},
    {"input names no layer",
     {{"x.yaml", INC "model:\n  layers:\n"
                     "    - {name: code, type: dense, units: 32, activation: relu}\n"
                     "    - {name: out, type: dense, units: 784, activation: sigmoid, input: "
                     "nothing}\n"}},
     {0},
     {"x.yaml:5:72: error: input 'nothing' is not a layer"},
     1},
    {"input names a later layer",
     {{"x.yaml", INC "model:\n  layers:\n"
                     "    - {name: code, type: dense, units: 32, activation: relu, input: out}\n"
                     "    - {name: out, type: dense, units: 784, activation: sigmoid}\n"}},
     {0},
     {"x.yaml:4:69: error: input 'out' must name a layer declared before this one"},
     1},
    {"code names no layer",
     {{"x.yaml", INC "model: {code: bottleneck}\n"}},
     {0},
     {"x.yaml:2:15: error: code 'bottleneck' is not a layer"},
     1},
    {"dense after an image input without flatten",
     {{"x.yaml", INC "model:\n  input: [1, 28, 28]\n  layers:\n"
                     "    - {name: code, type: dense, units: 32, activation: relu}\n"
                     "    - {name: out, type: dense, units: 784, activation: sigmoid}\n"}},
     {0},
     {"x.yaml:5:7: error: dense layer 'code' needs a flat input or a sequence, got [1, 28, 28]: add a layer "
      "{type: flatten} before it"},
     1},
    {"output size differs from the input size",
     {{"x.yaml", INC "model:\n  layers:\n"
                     "    - {name: code, type: dense, units: 32, activation: relu}\n"
                     "    - {name: out, type: dense, units: 700, activation: sigmoid}\n"}},
     {0},
     {"x.yaml:3:3: error: the output layer 'out' produces [700] but the input is [784]: an "
      "autoencoder must reconstruct its input"},
     1},
    {"tied layer of an incompatible shape",
     {{"x.yaml", INC "model:\n  layers:\n"
                     "    - {name: enc, type: dense, units: 64, activation: relu}\n"
                     "    - {name: code, type: dense, units: 32, activation: relu}\n"
                     "    - {name: out, type: dense, units: 784, activation: sigmoid, tied_to: "
                     "enc}\n"}},
     {0},
     {"x.yaml:6:7: error: layer 'out' (32 → 784) cannot use the transpose of 'enc' (784 → 64)"},
     1},
    {"reshape of the wrong size",
     {{"x.yaml", INC "model:\n  layers:\n"
                     "    - {name: code, type: dense, units: 32, activation: relu}\n"
                     "    - {name: out, type: dense, units: 784, activation: sigmoid}\n"
                     "    - {name: img, type: reshape, shape: [1, 28, 27]}\n"
                     "loss: {reconstruction: mse}\n"}},
     {0},
     {"x.yaml:6:7: error: reshape 'img': [1, 28, 27] has 756 values, its input [784] has 784"},
     1},
    {"include cycle",
     {{"a.yaml", "include: b.yaml\nname: a\n"}, {"b.yaml", "include: a.yaml\nseed: 3\n"}},
     {0},
     {"b.yaml:1:10: error: include cycle: a.yaml -> b.yaml -> a.yaml"},
     1},
    {"include that does not exist",
     {{"x.yaml", "include: [base.yaml, nonexistent.yaml]\n"}},
     {0},
     {"x.yaml:1:22: error: cannot open include 'nonexistent.yaml': No such file or directory"},
     1},
    {"include that cannot be read (a directory)",
     {{"x.yaml", "include: [base.yaml, adir]\n"}, {"adir/", ""}},
     {0},
     {"adir: error: cannot read: Is a directory"},
     1},
    {"malformed YAML",
     {{"x.yaml", INC "train: {epochs: [1, 2}\n"}},
     {0},
     {"x.yaml:2:22: error: did not find expected ',' or ']' while parsing a flow sequence that "
      "started at line 2, column 17"},
     1},
    {"--set through a scalar",
     {{"x.yaml", INC}},
     {"train.epochs.x=3"},
     {"--set train.epochs.x=3: error: cannot set train.epochs.x: train.epochs is '3', not a "
      "mapping"},
     1},
    {"--set with a sequence index that is not a number",
     {{"x.yaml", INC}},
     {"model.layers.abc=3"},
     {"--set model.layers.abc=3: error: model.layers is a sequence: 'abc' is not an index"},
     1},
    {"--set of an unknown key",
     {{"x.yaml", INC}},
     {"trian.epochs=3"},
     {"--set trian.epochs=3: error: unknown key 'trian' (did you mean 'train'?)"},
     1},
    {"--set of a value out of range",
     {{"x.yaml", INC}},
     {"train.epochs=0"},
     {"--set train.epochs=0: error: train.epochs: 0 is out of range [1, 1000000]"},
     1},
    {"--set without '='",
     {{"x.yaml", INC}},
     {"train.epochs"},
     {"--set train.epochs: error: expected dotted.key=value"},
     1},
    {"several errors of one file, all at once",
     {{"x.yaml", INC "train: {batch_size: abc, epochs: 0, optimizer: {lrr: 0.1}}\n"
                     "model:\n  layers:\n"
                     "    - {name: code, type: dense, units: 32, activation: rleu}\n"
                     "    - {name: out, type: dense, units: 784, activation: sigmoid, tied_to: "
                     "cod}\n"}},
     {0},
     {"x.yaml:2:21: error: train.batch_size: expected an integer, got 'abc'",
      "x.yaml:2:34: error: train.epochs: 0 is out of range [1, 1000000]",
      "x.yaml:2:49: error: unknown key 'lrr' in train.optimizer (did you mean 'lr'?)",
      "x.yaml:5:56: error: model.layers.0.activation: unknown value 'rleu' (did you mean "
      "'relu'?)",
      "x.yaml:6:74: error: tied_to 'cod' is not a layer (did you mean 'code'?)"},
     5},
};

/* Whether text has line as one of its lines, exactly. */
static bool has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return true;
    return false;
}

static void write_case(const char *dir, const bad_case *c)
{
    char path[4096];
    cli_write_file(dir, "base.yaml", base_yaml, path, sizeof path);
    for (int i = 0; i < MAX_FILES && c->files[i][0]; i++) {
        const char *name = c->files[i][0];
        size_t len = strlen(name);
        if (name[len - 1] == '/') {
            snprintf(path, sizeof path, "%s/%.*s", dir, (int)len - 1, name);
            cr_assert_eq(mkdir(path, 0755), 0);
        } else {
            cli_write_file(dir, name, c->files[i][1], path, sizeof path);
        }
    }
}

enum { N_BAD_CASES = sizeof bad_cases / sizeof bad_cases[0] };

/* Criterion copies parameters by value into a re-executed worker, where
 * pointers into this process would dangle: pass each case's index. */
ParameterizedTestParameters(cli_config, bad_file)
{
    static size_t index[N_BAD_CASES];
    for (size_t i = 0; i < N_BAD_CASES; i++)
        index[i] = i;
    return cr_make_param_array(size_t, index, N_BAD_CASES);
}

/* One process per case: `aelab run FILE [--set S]... --out out`, then
 * `aelab validate FILE [--set S]...`, in a fresh directory. */
ParameterizedTest(size_t *index, cli_config, bad_file)
{
    const bad_case *c = &bad_cases[*index];
    char dir[4096];
    test_tmpdir(dir, sizeof dir);
    write_case(dir, c);
    const char *file = c->files[0][0];
    /* aelab run FILE [--set S]... --out out */
    const char *args[4 + 2 * MAX_SETS + 4];
    size_t n = 0;
    args[n++] = "run";
    args[n++] = file;
    for (int i = 0; i < MAX_SETS && c->sets[i]; i++) {
        args[n++] = "--set";
        args[n++] = c->sets[i];
    }
    size_t n_common = n;
    args[n++] = "--out";
    args[n++] = "out";
    args[n] = NULL;
    cli_result r;
    cli_run(&r, dir, "run", args, NULL);
    cr_assert_eq(r.status, 2, "[%s] exit status %d, stderr:\n%s", c->what, r.status, r.err);
    for (int i = 0; i < MAX_LINES && c->lines[i]; i++)
        cr_assert(has_line(r.err, c->lines[i]), "[%s] expected the line\n%s\nin stderr:\n%s",
                  c->what, c->lines[i], r.err);
    /* Exactly n_errors diagnostics, announced by the summary line. */
    cr_assert_eq(cli_count_lines_with(r.err, ": error: "), (size_t)c->n_errors,
                 "[%s] expected %d error(s), stderr:\n%s", c->what, c->n_errors, r.err);
    char summary[256];
    snprintf(summary, sizeof summary, "aelab: %d error%s in %s", c->n_errors,
             c->n_errors == 1 ? "" : "s", file);
    cr_assert(has_line(r.err, summary), "[%s] no summary line '%s' in:\n%s", c->what, summary,
              r.err);
    cr_assert_str_empty(r.out, "[%s] stdout: %s", c->what, r.out);
    /* Nothing under --out, nor under the default root. */
    char out[4200];
    snprintf(out, sizeof out, "%s/out", dir);
    cr_assert(cli_absent_or_empty(out), "[%s] %s was created", c->what, out);
    snprintf(out, sizeof out, "%s/results", dir);
    cr_assert(cli_absent_or_empty(out), "[%s] %s was created", c->what, out);

    /* validate reports the same, word for word. */
    args[0] = "validate";
    args[n_common] = NULL;
    cli_result v;
    cli_run(&v, dir, "validate", args, NULL);
    cr_assert_eq(v.status, 2, "[%s] validate exit status %d", c->what, v.status);
    cr_assert_str_eq(v.err, r.err, "[%s] validate and run report differently", c->what);
    cr_assert_str_empty(v.out);
    cli_result_free(&r);
    cli_result_free(&v);
    cli_rm_rf(dir);
}

/* A file the superuser can read anyway: only meaningful for other users. */
Test(cli_config, unreadable_include_names_the_file)
{
    if (geteuid() == 0)
        cr_skip_test("running as root: a mode-000 file is still readable");
    char tmp[4096], path[4200], secret[4200];
    test_tmpdir(tmp, sizeof tmp);
    cli_write_file(tmp, "base.yaml", base_yaml, path, sizeof path);
    cli_write_file(tmp, "secret.yaml", "seed: 2\n", secret, sizeof secret);
    cr_assert_eq(chmod(secret, 0), 0);
    cli_write_file(tmp, "x.yaml", "include: [base.yaml, secret.yaml]\n", path, sizeof path);
    cli_result r;
    cli_run(&r, tmp, "run", CLI_ARGS("run", "x.yaml", "--out", "out"), NULL);
    cr_assert_eq(r.status, 2, "stderr:\n%s", r.err);
    cr_assert(has_line(r.err, "x.yaml:1:22: error: cannot open include 'secret.yaml': Permission "
                              "denied"),
              "stderr:\n%s", r.err);
    snprintf(path, sizeof path, "%s/out", tmp);
    cr_assert(cli_absent_or_empty(path));
    cli_result_free(&r);
    cli_rm_rf(tmp);
}

Test(cli_config, usage_errors_exit_2)
{
    char tmp[4096];
    test_tmpdir(tmp, sizeof tmp);
    const struct {
        const char *const *args;
        const char *needle;
    } cases[] = {
        {CLI_ARGS("frobnicate"), "aelab: unknown command 'frobnicate'"},
        {CLI_ARGS("run"), "usage: aelab run FILE"},
        {CLI_ARGS("validate", "a.yaml", "b.yaml"), "aelab: unexpected argument 'b.yaml'"},
        {CLI_ARGS("run", "x.yaml", "--frob"), "aelab: unknown option '--frob'"},
        {CLI_ARGS("run", "x.yaml", "--threads", "0"),
         "aelab: --threads: expected a count from 1 to 1024, got '0'"},
        {CLI_ARGS("run", "x.yaml", "--set"), "aelab: --set needs a value"},
        {CLI_ARGS("resume", "somewhere", "--set", "seed=2"),
         "--set and --out do not apply to a resumed run"},
        {CLI_ARGS("encode", "somewhere", "--split", "val"),
         "aelab: --split: expected test or train, got 'val'"},
        {CLI_ARGS("plot", "recon", "somewhere", "--n", "0"),
         "aelab: --n: expected an integer from 1 to 100, got '0'"},
        {CLI_ARGS("reconstruct", "somewhere", "--noise", "0.1", "--drop", "0.5"),
         "aelab: --noise and --drop cannot be combined"},
        {CLI_ARGS("reconstruct", "somewhere", "--clip"), "aelab: --clip goes with --noise"},
        {CLI_ARGS("encode", "somewhere", "--limit", "0"),
         "aelab: --limit: expected a positive integer, got '0'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cli_result r;
        cli_run(&r, tmp, "usage", cases[i].args, NULL);
        cr_assert_eq(r.status, 2, "case %zu: exit %d, stderr:\n%s", i, r.status, r.err);
        cr_assert_not_null(strstr(r.err, cases[i].needle), "case %zu: no '%s' in:\n%s", i,
                           cases[i].needle, r.err);
        cli_result_free(&r);
    }
    cli_rm_rf(tmp);
}

Test(cli_config, missing_experiment_file_is_named)
{
    char tmp[4096];
    test_tmpdir(tmp, sizeof tmp);
    cli_result r;
    cli_run(&r, tmp, "run", CLI_ARGS("run", "nowhere.yaml", "--out", "out"), NULL);
    cr_assert_eq(r.status, 2);
    cr_assert_not_null(strstr(r.err, "nowhere.yaml"), "stderr:\n%s", r.err);
    cr_assert_not_null(strstr(r.err, "No such file or directory"), "stderr:\n%s", r.err);
    char out[4200];
    snprintf(out, sizeof out, "%s/out", tmp);
    cr_assert(cli_absent_or_empty(out));
    cli_result_free(&r);
    cli_rm_rf(tmp);
}

/* ---- validate on good files ---- */

/* The body of validate's output (after its two comment lines) and the hash it states. */
static void split_validate(const char *out, char sha[65], const char **body)
{
    char *s = cli_line_after(out, "# sha256 of its canonical form: ");
    cr_assert_not_null(s, "no hash line in:\n%s", out);
    cr_assert_eq(strlen(s), 64, "hash '%s'", s);
    memcpy(sha, s, 65);
    free(s);
    cr_assert_eq(strncmp(out, "# resolved config of ", 21), 0, "output:\n%s", out);
    const char *p = strchr(out, '\n');
    p = p ? strchr(p + 1, '\n') : NULL;
    cr_assert_not_null(p);
    *body = p + 1;
}

static ae_cfg_doc *parse(const char *text)
{
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_doc *doc = NULL;
    cr_assert_eq(ae_cfg_load_string(text, "validate-output.yaml", &doc, &d), 0,
                 "validate's output does not load:\n%s", text);
    ae_diags_free(&d);
    return doc;
}

static const char *scalar_at(const ae_cfg_doc *doc, const char *path)
{
    const char *s = ae_cfg_scalar(ae_cfg_path(ae_cfg_root(doc), path));
    cr_assert_not_null(s, "no %s", path);
    return s;
}

Test(cli_config, validate_round_trips_and_shows_overrides)
{
    char tmp[4096], dense[4096], path[4200];
    test_tmpdir(tmp, sizeof tmp);
    test_srcpath(dense, sizeof dense, "experiments/keras-blog/dense.yaml");
    cli_result a, b, c;
    cli_run(&a, tmp, "a", CLI_ARGS("validate", dense), NULL);
    cr_assert_eq(a.status, 0, "stderr:\n%s", a.err);
    char sha_a[65], sha_b[65], sha_c[65];
    const char *body_a, *body_b, *body_c;
    split_validate(a.out, sha_a, &body_a);
    ae_cfg_doc *doc = parse(body_a);
    cr_assert_str_eq(scalar_at(doc, "name"), "keras-blog-dense");
    cr_assert_str_eq(scalar_at(doc, "data.dataset"), "fashion-mnist"); /* from an include */
    cr_assert_str_eq(scalar_at(doc, "train.optimizer.type"), "adam");
    cr_assert_null(ae_cfg_lookup(ae_cfg_root(doc), "include"), "includes are resolved");
    /* The stated hash is the hash of the printed tree. */
    char sha[65];
    ae_cfg_sha256_hex(ae_cfg_root(doc), sha);
    cr_assert_str_eq(sha, sha_a);
    ae_cfg_free(doc);

    /* Round trip: the printed config validates to the same config and hash. */
    cli_write_file(tmp, "resolved.yaml", a.out, path, sizeof path);
    cli_run(&b, tmp, "b", CLI_ARGS("validate", "resolved.yaml"), NULL);
    cr_assert_eq(b.status, 0, "the resolved config does not validate:\n%s", b.err);
    split_validate(b.out, sha_b, &body_b);
    cr_assert_str_eq(body_b, body_a);
    cr_assert_str_eq(sha_b, sha_a);

    /* --set shows up, and changes the hash. */
    cli_run(&c, tmp, "c", CLI_ARGS("validate", dense, "--set", "train.optimizer.lr=0.01"), NULL);
    cr_assert_eq(c.status, 0, "stderr:\n%s", c.err);
    split_validate(c.out, sha_c, &body_c);
    doc = parse(body_c);
    cr_assert_str_eq(scalar_at(doc, "train.optimizer.lr"), "0.01");
    cr_assert_str_eq(scalar_at(doc, "train.optimizer.beta1"), "0.9"); /* siblings kept */
    ae_cfg_free(doc);
    cr_assert_str_neq(sha_c, sha_a);
    cli_result_free(&a);
    cli_result_free(&b);
    cli_result_free(&c);
    cli_rm_rf(tmp);
}

/* Precedence: later include > earlier include; the including file > its
 * includes; --set > everything; mappings merge key by key, sequences and
 * scalars are replaced whole. */
Test(cli_config, include_and_set_precedence)
{
    char tmp[4096], path[4200];
    test_tmpdir(tmp, sizeof tmp);
    cli_write_file(tmp, "base.yaml", base_yaml, path, sizeof path);
    cli_write_file(tmp, "first.yaml",
                   "seed: 11\n"
                   "train: {batch_size: 10, epochs: 7, optimizer: {type: adam, lr: 0.5, beta1: "
                   "0.8}}\n"
                   "data: {train_limit: 111, val_limit: 11}\n",
                   path, sizeof path);
    cli_write_file(tmp, "second.yaml",
                   "seed: 22\n"
                   "train: {batch_size: 20, optimizer: {lr: 0.25}}\n"
                   "data: {train_limit: 222}\n",
                   path, sizeof path);
    cli_write_file(tmp, "x.yaml",
                   "include: [base.yaml, first.yaml, second.yaml]\n"
                   "seed: 33\n"
                   "data: {val_limit: 33}\n",
                   path, sizeof path);
    cli_result r;
    cli_run(&r, tmp, "a",
            CLI_ARGS("validate", "x.yaml", "--set", "train.batch_size=44", "--set",
                     "train.batch_size=45"),
            NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    char sha[65];
    const char *body;
    split_validate(r.out, sha, &body);
    ae_cfg_doc *doc = parse(body);
    cr_assert_str_eq(scalar_at(doc, "seed"), "33");               /* the including file */
    cr_assert_str_eq(scalar_at(doc, "data.train_limit"), "222");  /* the later include */
    cr_assert_str_eq(scalar_at(doc, "data.val_limit"), "33");     /* the including file */
    cr_assert_str_eq(scalar_at(doc, "data.dataset"), "fashion-mnist"); /* kept from base */
    cr_assert_str_eq(scalar_at(doc, "train.epochs"), "7");        /* only first sets it */
    cr_assert_str_eq(scalar_at(doc, "train.optimizer.lr"), "0.25");
    cr_assert_str_eq(scalar_at(doc, "train.optimizer.beta1"), "0.8"); /* merged key by key */
    cr_assert_str_eq(scalar_at(doc, "train.batch_size"), "45");   /* the last --set */
    ae_cfg_free(doc);
    cli_result_free(&r);

    /* --set wins over the including file too, and a sequence is replaced whole. */
    cli_run(&r, tmp, "b",
            CLI_ARGS("validate", "x.yaml", "--set", "seed=55", "--set",
                     "model.layers=[{name: code, type: dense, units: 16, activation: relu}, "
                     "{name: out, type: dense, units: 784, activation: sigmoid}]"),
            NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    split_validate(r.out, sha, &body);
    doc = parse(body);
    cr_assert_str_eq(scalar_at(doc, "seed"), "55");
    cr_assert_str_eq(scalar_at(doc, "model.layers.0.units"), "16");
    cr_assert_eq(ae_cfg_len(ae_cfg_path(ae_cfg_root(doc), "model.layers")), 2);
    ae_cfg_free(doc);
    cli_result_free(&r);
    cli_rm_rf(tmp);
}

/* A null value counts as absent (docs/config-syntax.md, config/reader.h), so
 * an including file can drop a key an include set: here, switch the Adam of
 * configs/optim/adam.yaml to SGD by nulling Adam's own keys, and replace
 * train.epochs by train.phases. Neither may be reported as an unknown key. */
Test(cli_config, null_in_the_including_file_drops_an_included_key)
{
    char tmp[4096], dense[4096], text[8192], path[4400];
    test_tmpdir(tmp, sizeof tmp);
    test_srcpath(dense, sizeof dense, "experiments/keras-blog/dense.yaml");
    snprintf(text, sizeof text,
             "include: %s\n"
             "train:\n"
             "  optimizer: {type: sgd, lr: 0.1, beta1: ~, beta2: ~, epsilon: ~}\n"
             "  epochs: ~\n"
             "  phases:\n"
             "    - {name: warmup, epochs: 1, lr: 0.01}\n"
             "    - {name: rest, epochs: 2}\n",
             dense);
    cli_write_file(tmp, "x.yaml", text, path, sizeof path);
    cli_result r;
    cli_run(&r, tmp, "validate", CLI_ARGS("validate", "x.yaml"), NULL);
    cr_assert_eq(r.status, 0, "stderr:\n%s", r.err);
    cr_assert_str_empty(r.err);
    cli_result_free(&r);
    cli_rm_rf(tmp);
}

/* The complete example of docs/config.md is a valid experiment, and says what
 * it says: the resolved config keeps its values. */
Test(cli_config, the_documented_example_validates)
{
    char doc_path[4096], tmp[4096], path[4400];
    test_srcpath(doc_path, sizeof doc_path, "docs/config.md");
    char *doc = cli_read_file(doc_path, NULL);
    cr_assert_not_null(doc, "cannot read %s", doc_path);
    const char *section = strstr(doc, "\n## A complete example\n");
    cr_assert_not_null(section, "docs/config.md has no 'A complete example' section");
    const char *start = strstr(section, "```yaml\n");
    cr_assert_not_null(start);
    start += strlen("```yaml\n");
    const char *end = strstr(start, "\n```");
    cr_assert_not_null(end);
    char *yaml = strndup(start, (size_t)(end - start) + 1);
    test_tmpdir(tmp, sizeof tmp);
    cli_write_file(tmp, "example.yaml", yaml, path, sizeof path);
    cli_result r;
    cli_run(&r, tmp, "validate", CLI_ARGS("validate", "example.yaml"), NULL);
    cr_assert_eq(r.status, 0, "the documented example does not validate:\n%s", r.err);
    char sha[65];
    const char *body;
    split_validate(r.out, sha, &body);
    ae_cfg_doc *d = parse(body);
    cr_assert_str_eq(scalar_at(d, "name"), "denoise-sparse");
    cr_assert_str_eq(scalar_at(d, "model.layers.3.name"), "code");
    cr_assert_str_eq(scalar_at(d, "loss.terms.1.name"), "decay");
    ae_cfg_free(d);
    cli_result_free(&r);
    free(yaml);
    free(doc);
    cli_rm_rf(tmp);
}

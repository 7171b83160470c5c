/* The schema reader, driven the way the model builder drives it: typed reads,
 * defaults, ranges, unknown keys with suggestions, all errors of a file at once. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "config/reader.h"
#include "helpers.h"
#include "test_config_util.h"

static const char *const ACTS[] = {"relu", "sigmoid", "tanh", "linear", NULL};
static const char *const OPTS[] = {"sgd", "adam", "rmsprop", NULL};

typedef struct spec {
    const char *name;
    long input[4];
    int ninput;
    int act;
    long units[8];
    size_t nlayers;
    long epochs, batch;
    bool shuffle;
    int opt;
    double lr, clip;
} spec;

/* A miniature experiment schema. */
static void read_spec(ae_cfg_reader *r, const ae_cfg_node *root, spec *s)
{
    ae_cfg_get_string(r, root, "name", AE_CFG_OPTIONAL, "unnamed", &s->name);
    const ae_cfg_node *model = ae_cfg_get_map(r, root, "model", AE_CFG_REQUIRED);
    s->ninput = ae_cfg_get_int_list(r, model, "input", AE_CFG_REQUIRED, 1, 4096, s->input, 4);
    ae_cfg_get_enum(r, model, "activation", AE_CFG_OPTIONAL, ACTS, 0, &s->act);
    const ae_cfg_node *layers = ae_cfg_get_seq(r, model, "layers", AE_CFG_OPTIONAL);
    s->nlayers = ae_cfg_len(layers);
    for (size_t i = 0; i < s->nlayers && i < 8; i++) {
        const ae_cfg_node *layer = ae_cfg_at(layers, i);
        if (ae_cfg_expect_map(r, layer, "a layer (a mapping)"))
            ae_cfg_get_int(r, layer, "units", AE_CFG_REQUIRED, 0, 1, 100000, &s->units[i]);
    }
    const ae_cfg_node *train = ae_cfg_get_map(r, root, "train", AE_CFG_OPTIONAL);
    ae_cfg_get_int(r, train, "epochs", AE_CFG_OPTIONAL, 10, 1, 1000000, &s->epochs);
    ae_cfg_get_int(r, train, "batch_size", AE_CFG_OPTIONAL, 32, 1, 1 << 20, &s->batch);
    ae_cfg_get_bool(r, train, "shuffle", AE_CFG_OPTIONAL, true, &s->shuffle);
    ae_cfg_get_double(r, train, "clip", AE_CFG_OPTIONAL, INFINITY, 0, INFINITY, &s->clip);
    const ae_cfg_node *opt = ae_cfg_get_map(r, train, "optimizer", AE_CFG_OPTIONAL);
    ae_cfg_get_enum(r, opt, "name", AE_CFG_OPTIONAL, OPTS, 1, &s->opt);
    ae_cfg_get_double(r, opt, "lr", AE_CFG_OPTIONAL, 0.001, 1e-8, 10, &s->lr);
    ae_cfg_report_unknown_all(r, root);
}

/* Reads text with the schema; returns the printed diagnostics (caller frees). */
static char *check(const char *text, spec *s, size_t *errors)
{
    ae_cfg_doc *doc = cfgt_load_ok(text);
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_reader r;
    ae_cfg_reader_init(&r, doc, &d);
    spec local;
    read_spec(&r, ae_cfg_root(doc), s ? s : &local);
    if (errors)
        *errors = r.errors;
    cr_assert_eq(r.errors, d.count);
    char *out = cfgt_diags_text(&d);
    ae_cfg_reader_free(&r);
    ae_diags_free(&d);
    if (s) /* keep name valid: copy out of the doc */
        s->name = s->name ? strdup(s->name) : NULL;
    ae_cfg_free(doc);
    return out;
}

Test(config_reader, good_file_values_and_defaults)
{
    spec s;
    size_t errors;
    char *out = check("name: \"007\"\n"
                      "model:\n"
                      "  input: [1, 28, 28]\n"
                      "  activation: tanh\n"
                      "  layers: [{units: 64}, {units: 0x20}]\n"
                      "train:\n"
                      "  epochs: 5\n"
                      "  shuffle: False\n"
                      "  optimizer: {lr: 1, name: ~}\n",
                      &s, &errors);
    cr_assert_str_eq(out, "");
    cr_assert_eq(errors, 0);
    cr_assert_str_eq(s.name, "007");
    cr_assert_eq(s.ninput, 3);
    cr_assert_eq(s.input[2], 28);
    cr_assert_eq(s.act, 2);
    cr_assert_eq(s.nlayers, 2);
    cr_assert_eq(s.units[1], 32);
    cr_assert_eq(s.epochs, 5);
    cr_assert_eq(s.batch, 32, "absent: default");
    cr_assert_eq(s.shuffle, false);
    cr_assert(isinf(s.clip));
    cr_assert_eq(s.opt, 1, "null counts as absent: default");
    cr_assert_eq(s.lr, 1.0, "an int is a fine double");
    free((char *)s.name);
    free(out);
}

typedef struct bad_case {
    const char *what;
    const char *text;
    const char *expected;
} bad_case;

#define MODEL "model: {input: [1]}\n"

static const bad_case BAD[] = {
    {"unknown key with a suggestion", MODEL "train:\n  optimizer:\n    lrr: 0.1\n",
     "test.yaml:4:5: error: unknown key 'lrr' in train.optimizer (did you mean 'lr'?)\n"},
    {"unknown top-level key, transposed", MODEL "trian: {}\n",
     "test.yaml:2:1: error: unknown key 'trian' (did you mean 'train'?)\n"},
    {"unknown key, nothing close", MODEL "train: {colour: red}\n",
     "test.yaml:2:9: error: unknown key 'colour' in train\n"},
    {"unknown key inside a list item", "model:\n  input: [1]\n  layers:\n    - {units: 3, unit: 4}\n",
     "test.yaml:4:18: error: unknown key 'unit' in model.layers.0 (did you mean 'units'?)\n"},
    {"wrong type", MODEL "train:\n  batch_size: abc\n",
     "test.yaml:3:15: error: train.batch_size: expected an integer, got 'abc'\n"},
    {"quoted number is a string", MODEL "train: {epochs: \"5\"}\n",
     "test.yaml:2:17: error: train.epochs: expected an integer, got the string \"5\"\n"},
    {"float where an int is needed", MODEL "train: {epochs: 5.0}\n",
     "test.yaml:2:17: error: train.epochs: expected an integer, got '5.0'\n"},
    {"out of range", MODEL "train:\n  epochs: 0\n",
     "test.yaml:3:11: error: train.epochs: 0 is out of range [1, 1000000]\n"},
    {"int overflow is out of range", MODEL "train: {epochs: 99999999999999999999}\n",
     "test.yaml:2:17: error: train.epochs: 99999999999999999999 is out of range [1, 1000000]\n"},
    {"double out of range", MODEL "train: {optimizer: {lr: 1e-12}}\n",
     "test.yaml:2:25: error: train.optimizer.lr: 1e-12 is out of range [1e-08, 10]\n"},
    {"infinity where finite", MODEL "train: {optimizer: {lr: .inf}}\n",
     "test.yaml:2:25: error: train.optimizer.lr: .inf is out of range [1e-08, 10]\n"},
    {"nan is never a number", MODEL "train: {clip: .nan}\n",
     "test.yaml:2:15: error: train.clip: expected a number, got '.nan'\n"},
    {"bool", MODEL "train: {shuffle: yes}\n",
     "test.yaml:2:18: error: train.shuffle: expected true or false, got 'yes'\n"},
    {"missing top-level field", "train: {}\n", "test.yaml:1:1: error: missing field 'model'\n"},
    {"missing nested field", "model: {activation: relu}\n",
     "test.yaml:1:8: error: missing field 'input' in model\n"},
    {"null for a required field", "model:\n  input: ~\n",
     "test.yaml:2:10: error: missing value for 'input' in model\n"},
    {"enum near miss", "model: {input: [1], activation: rellu}\n",
     "test.yaml:1:33: error: model.activation: unknown value 'rellu' (did you mean 'relu'?)\n"},
    {"enum far miss", "model: {input: [1], activation: swish}\n",
     "test.yaml:1:33: error: model.activation: unknown value 'swish' (expected one of: relu, "
     "sigmoid, tanh, linear)\n"},
    {"section of the wrong kind, reported once", MODEL "train: 5\n",
     "test.yaml:2:8: error: train: expected a mapping, got '5'\n"},
    {"list too long", "model: {input: [1, 2, 3, 4, 5]}\n",
     "test.yaml:1:16: error: model.input: expected at most 4 items, got 5\n"},
    {"bad list items, each reported", "model: {input: [1, x, 0]}\n",
     "test.yaml:1:20: error: model.input.1: expected an integer, got 'x'\n"
     "test.yaml:1:23: error: model.input.2: 0 is out of range [1, 4096]\n"},
    {"list expected", "model: {input: 28}\n",
     "test.yaml:1:16: error: model.input: expected a list of integers, got '28'\n"},
    {"list item of the wrong kind", "model: {input: [1], layers: [{units: 1}, [2]]}\n",
     "test.yaml:1:42: error: model.layers.1: expected a layer (a mapping), got a sequence\n"},
};

Test(config_reader, one_error_each_exact_messages)
{
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        size_t errors;
        char *got = check(BAD[i].text, NULL, &errors);
        cr_expect_str_eq(got, BAD[i].expected, "%s:\n got: %s want: %s", BAD[i].what, got,
                         BAD[i].expected);
        free(got);
    }
}

Test(config_reader, all_errors_of_a_file_at_once)
{
    size_t errors;
    char *got = check("name: [x]\n"
                      "model:\n"
                      "  input: [1, 28, 28]\n"
                      "  activaton: relu\n"
                      "  layers:\n"
                      "    - {units: 0}\n"
                      "    - {}\n"
                      "train:\n"
                      "  epochs: -3\n"
                      "  batch_size: abc\n"
                      "  optimizer:\n"
                      "    name: adamw\n"
                      "    lrr: 0.1\n"
                      "extra: 1\n",
                      NULL, &errors);
    cr_assert_str_eq(got, "test.yaml:1:7: error: name: expected a string, got a sequence\n"
                          "test.yaml:6:15: error: model.layers.0.units: 0 is out of range [1, 100000]\n"
                          "test.yaml:7:7: error: missing field 'units' in model.layers.1\n"
                          "test.yaml:9:11: error: train.epochs: -3 is out of range [1, 1000000]\n"
                          "test.yaml:10:15: error: train.batch_size: expected an integer, got 'abc'\n"
                          "test.yaml:12:11: error: train.optimizer.name: unknown value 'adamw' (did "
                          "you mean 'adam'?)\n"
                          "test.yaml:14:1: error: unknown key 'extra'\n"
                          "test.yaml:4:3: error: unknown key 'activaton' in model (did you mean "
                          "'activation'?)\n"
                          "test.yaml:13:5: error: unknown key 'lrr' in train.optimizer (did you mean "
                          "'lr'?)\n");
    cr_assert_eq(errors, 9);
    free(got);
}

Test(config_reader, absent_sections_and_explicit_unknown_report)
{
    ae_cfg_doc *doc = cfgt_load_ok("a: 1\n");
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_reader r;
    ae_cfg_reader_init(&r, doc, &d);
    const ae_cfg_node *root = ae_cfg_root(doc);
    const ae_cfg_node *sec = ae_cfg_get_map(&r, root, "section", AE_CFG_OPTIONAL);
    cr_assert_null(sec);
    long v = 0;
    cr_assert(ae_cfg_get_int(&r, sec, "x", AE_CFG_OPTIONAL, 42, 0, 100, &v));
    cr_assert_eq(v, 42);
    cr_assert_not(ae_cfg_get_int(&r, sec, "y", AE_CFG_REQUIRED, 0, 0, 100, &v));
    cr_assert_eq(d.count, 0, "fields of an absent section do not cascade");
    ae_cfg_get(&r, root, "y", AE_CFG_REQUIRED);
    ae_cfg_report_unknown(&r, root);
    ae_cfg_report_unknown(&r, root); /* once per mapping */
    ae_cfg_error(&r, ae_cfg_lookup(root, "a"), "layer '%s' is not defined", "enc");
    char *got = cfgt_diags_text(&d);
    cr_assert_str_eq(got, "test.yaml:1:1: error: missing field 'y'\n"
                          "test.yaml:1:1: error: unknown key 'a'\n"
                          "test.yaml:1:4: error: layer 'enc' is not defined\n");
    cr_assert_eq(r.errors, 3);
    free(got);
    ae_cfg_reader_free(&r);

    /* a second reader over the same doc starts clean: marks live in the reader */
    ae_diags_free(&d);
    ae_cfg_reader_init(&r, doc, &d);
    ae_cfg_get_int(&r, root, "a", AE_CFG_REQUIRED, 0, 0, 10, &v);
    ae_cfg_report_unknown_all(&r, root);
    cr_assert_eq(d.count, 0);
    cr_assert_eq(v, 1);
    ae_cfg_reader_free(&r);
    ae_diags_free(&d);
    ae_cfg_free(doc);
}

Test(config_reader, errors_in_included_files_point_there)
{
    char dir[256], path[300];
    test_tmpdir(dir, sizeof dir);
    cfgt_write(dir, "base.yaml", "train:\n  epochs: 0\n  optimiser: {}\n");
    cfgt_write(dir, "exp.yaml", "include: base.yaml\nmodel: {input: [1]}\n");
    snprintf(path, sizeof path, "%s/exp.yaml", dir);
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_doc *doc;
    cr_assert_eq(ae_cfg_load(path, &doc, &d), 0);
    ae_cfg_reader r;
    ae_cfg_reader_init(&r, doc, &d);
    spec s;
    read_spec(&r, ae_cfg_root(doc), &s);
    char *got = cfgt_diags_text(&d);
    char want[2048];
    snprintf(want, sizeof want,
             "%s/base.yaml:2:11: error: train.epochs: 0 is out of range [1, 1000000]\n"
             "%s/base.yaml:3:3: error: unknown key 'optimiser' in train (did you mean "
             "'optimizer'?)\n",
             dir, dir);
    cr_assert_str_eq(got, want);
    free(got);
    ae_cfg_reader_free(&r);
    ae_diags_free(&d);
    ae_cfg_free(doc);
}

Test(config_reader, suggest)
{
    const char *keys[] = {"lr", "epochs", "batch_size", "optimizer", "type"};
    cr_assert_str_eq(ae_cfg_suggest("lrr", keys, 5), "lr");
    cr_assert_str_eq(ae_cfg_suggest("epoch", keys, 5), "epochs");
    cr_assert_str_eq(ae_cfg_suggest("batchsize", keys, 5), "batch_size");
    cr_assert_str_eq(ae_cfg_suggest("optimiser", keys, 5), "optimizer");
    cr_assert_str_eq(ae_cfg_suggest("tpye", keys, 5), "type"); /* transposition = 1 */
    cr_assert_str_eq(ae_cfg_suggest("LR", keys, 5), "lr");     /* case */
    cr_assert_null(ae_cfg_suggest("x", keys, 5));
    const char *single[] = {"y"};
    cr_assert_null(ae_cfg_suggest("a", single, 1)); /* replacing every letter is no near miss */
    cr_assert_null(ae_cfg_suggest("learning_rate", keys, 5));
    cr_assert_null(ae_cfg_suggest("ty", keys, 5)); /* 2 edits on a 4-letter word is too many */
    cr_assert_null(ae_cfg_suggest("lr", keys, 0));
}

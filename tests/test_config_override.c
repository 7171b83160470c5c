/* --set overrides: values parsed as YAML, dotted paths, sequence indices,
 * created keys, and errors that leave the tree untouched. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "config/reader.h"
#include "test_config_util.h"

static const char *BASE = "train:\n"
                          "  optimizer: {name: adam, lr: 0.001}\n"
                          "  epochs: 10\n"
                          "model:\n"
                          "  layers:\n"
                          "    - {units: 32}\n"
                          "    - {units: 16}\n"
                          "  note: ~\n";

static void set_ok(ae_cfg_doc *doc, const char *assignment)
{
    ae_diags d;
    ae_diags_init(&d);
    int rc = ae_cfg_apply_override(doc, assignment, &d);
    if (rc != 0) {
        char *msg = cfgt_diags_text(&d);
        cr_assert_fail("--set %s failed:\n%s", assignment, msg);
    }
    cr_assert_eq(d.count, 0);
    ae_diags_free(&d);
}

static char *set_err(ae_cfg_doc *doc, const char *assignment)
{
    char *before = ae_cfg_emit_yaml(ae_cfg_root(doc));
    ae_diags d;
    ae_diags_init(&d);
    cr_assert_eq(ae_cfg_apply_override(doc, assignment, &d), -1, "--set %s should fail",
                 assignment);
    char *msg = cfgt_diags_text(&d);
    ae_diags_free(&d);
    char *after = ae_cfg_emit_yaml(ae_cfg_root(doc));
    cr_assert_str_eq(before, after, "a failed override must not change the tree");
    free(before);
    free(after);
    return msg;
}

static const ae_cfg_node *at(const ae_cfg_doc *doc, const char *path)
{
    return ae_cfg_path(ae_cfg_root(doc), path);
}

Test(config_override, scalar_replaces_and_is_located_on_the_command_line)
{
    ae_cfg_doc *doc = cfgt_load_ok(BASE);
    set_ok(doc, "train.optimizer.lr=0.01");
    const ae_cfg_node *lr = at(doc, "train.optimizer.lr");
    cr_assert_str_eq(ae_cfg_scalar(lr), "0.01");
    cr_assert_eq(ae_cfg_type_of(lr), AE_CFG_T_FLOAT);
    const char *file;
    int line, col;
    ae_cfg_where(lr, &file, &line, &col);
    cr_assert_str_eq(file, "--set train.optimizer.lr=0.01");
    cr_assert_eq(line, 0);
    cr_assert_eq(col, 0);
    /* siblings untouched, position kept */
    cr_assert_str_eq(ae_cfg_scalar(at(doc, "train.optimizer.name")), "adam");
    cr_assert_str_eq(ae_cfg_key_at(at(doc, "train.optimizer"), 1), "lr");
    char *path = ae_cfg_path_of(lr);
    cr_assert_str_eq(path, "train.optimizer.lr");
    free(path);

    set_ok(doc, "train.optimizer.name=\"sgd\"");
    cr_assert(ae_cfg_is_quoted(at(doc, "train.optimizer.name")));
    set_ok(doc, "train.epochs=\"7\"");
    cr_assert_eq(ae_cfg_type_of(at(doc, "train.epochs")), AE_CFG_T_STRING);
    set_ok(doc, "train.epochs=relu");
    cr_assert_str_eq(ae_cfg_scalar(at(doc, "train.epochs")), "relu");
    set_ok(doc, "train.epochs=");
    cr_assert_eq(ae_cfg_kind_of(at(doc, "train.epochs")), AE_CFG_NULL);
    ae_cfg_free(doc);
}

Test(config_override, lists_maps_and_created_keys)
{
    ae_cfg_doc *doc = cfgt_load_ok(BASE);
    set_ok(doc, "model.input=[1, 28, 28]");
    const ae_cfg_node *input = at(doc, "model.input");
    cr_assert_eq(ae_cfg_kind_of(input), AE_CFG_SEQ);
    cr_assert_eq(ae_cfg_len(input), 3);
    cr_assert_str_eq(ae_cfg_scalar(ae_cfg_at(input, 2)), "28");

    /* a mapping value replaces (does not merge into) the old mapping */
    set_ok(doc, "train.optimizer={name: sgd, momentum: 0.9}");
    cr_assert_null(at(doc, "train.optimizer.lr"));
    cr_assert_str_eq(ae_cfg_scalar(at(doc, "train.optimizer.momentum")), "0.9");

    /* missing intermediate keys are created, a null on the way is replaced */
    set_ok(doc, "data.noise.kind=gaussian");
    cr_assert_str_eq(ae_cfg_scalar(at(doc, "data.noise.kind")), "gaussian");
    char *p = ae_cfg_path_of(at(doc, "data.noise.kind"));
    cr_assert_str_eq(p, "data.noise.kind");
    free(p);
    set_ok(doc, "model.note.text=hi");
    cr_assert_str_eq(ae_cfg_scalar(at(doc, "model.note.text")), "hi");

    /* sequence index */
    set_ok(doc, "model.layers.1.units=64");
    cr_assert_str_eq(ae_cfg_scalar(at(doc, "model.layers.1.units")), "64");
    cr_assert_str_eq(ae_cfg_scalar(at(doc, "model.layers.0.units")), "32");
    set_ok(doc, "model.layers.0=null");
    cr_assert_eq(ae_cfg_kind_of(at(doc, "model.layers.0")), AE_CFG_NULL);
    cr_assert_eq(ae_cfg_len(at(doc, "model.layers")), 2);

    char *yaml = ae_cfg_emit_yaml(ae_cfg_root(doc));
    cr_assert_str_eq(yaml, "train:\n"
                           "  optimizer:\n"
                           "    name: sgd\n"
                           "    momentum: 0.9\n"
                           "  epochs: 10\n"
                           "model:\n"
                           "  layers:\n"
                           "    - null\n"
                           "    - units: 64\n"
                           "  note:\n"
                           "    text: hi\n"
                           "  input:\n"
                           "    - 1\n"
                           "    - 28\n"
                           "    - 28\n"
                           "data:\n"
                           "  noise:\n"
                           "    kind: gaussian\n");
    free(yaml);
    ae_cfg_free(doc);
}

typedef struct bad_set {
    const char *assignment;
    const char *expected;
} bad_set;

static const bad_set BAD[] = {
    {"train.epochs", "--set train.epochs: error: expected dotted.key=value\n"},
    {"=3", "--set =3: error: expected dotted.key=value\n"},
    {"train..epochs=3", "--set train..epochs=3: error: empty key in 'train..epochs'\n"},
    {"train.=3", "--set train.=3: error: empty key in 'train.'\n"},
    {"model.layers.5.units=64",
     "--set model.layers.5.units=64: error: index 5 is out of range for model.layers (2 items)\n"},
    {"model.layers.first.units=64",
     "--set model.layers.first.units=64: error: model.layers is a sequence: 'first' is not an "
     "index\n"},
    {"train.epochs.max=3",
     "--set train.epochs.max=3: error: cannot set train.epochs.max: train.epochs is '10', not a "
     "mapping\n"},
    {"train.optimizer.lr=[1, 2",
     "--set train.optimizer.lr=[1, 2: error: did not find expected ',' or ']' while parsing a "
     "flow sequence that started at column 20 (at the end of the value)\n"},
    {"x={a: 1, a: 2}",
     "--set x={a: 1, a: 2}: error: duplicate key 'a' (first defined at column 4) (at column "
     "10)\n"},
    {"x=[1,\n  2", "--set x=[1,\n  2: error: did not find expected ',' or ']' while parsing a "
                   "flow sequence that started at column 3 (at line 3, column 1 of the value)\n"},
    {"x=*nope", "--set x=*nope: error: undefined alias '*nope' (at column 3)\n"},
    {"include=base.yaml",
     "--set include=base.yaml: error: 'include' is resolved when the file is loaded; it cannot be "
     "set from the command line\n"},
};

Test(config_override, errors_name_the_override_and_change_nothing)
{
    ae_cfg_doc *doc = cfgt_load_ok(BASE);
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        char *got = set_err(doc, BAD[i].assignment);
        cr_expect_str_eq(got, BAD[i].expected, "--set %s\n got: %s want: %s", BAD[i].assignment,
                         got, BAD[i].expected);
        free(got);
    }
    ae_cfg_free(doc);
}

Test(config_override, remove_keys)
{
    ae_cfg_doc *doc = cfgt_load_ok(BASE);
    cr_assert(ae_cfg_remove(doc, "train.optimizer.lr"));
    cr_assert_null(at(doc, "train.optimizer.lr"));
    cr_assert_str_eq(ae_cfg_scalar(at(doc, "train.optimizer.name")), "adam");
    cr_assert(ae_cfg_remove(doc, "model.layers.1.units"));
    cr_assert_eq(ae_cfg_len(at(doc, "model.layers.1")), 0);
    cr_assert(ae_cfg_remove(doc, "train"));
    cr_assert_not(ae_cfg_remove(doc, "train"));
    cr_assert_not(ae_cfg_remove(doc, "model.layers.0"), "sequence items are not keys");
    cr_assert_not(ae_cfg_remove(doc, "model.nope.x"));
    char *yaml = ae_cfg_emit_yaml(ae_cfg_root(doc));
    cr_assert_str_eq(yaml, "model:\n  layers:\n    - units: 32\n    - {}\n  note: null\n");
    free(yaml);
    /* the remaining pairs keep consistent parent slots */
    char *p = ae_cfg_path_of(at(doc, "model.note"));
    cr_assert_str_eq(p, "model.note");
    free(p);
    ae_cfg_free(doc);
}

Test(config_override, depth_limit_covers_path_plus_value)
{
    ae_cfg_doc *doc = cfgt_load_ok("a: 1\n");
    char assignment[512] = "";
    for (int i = 0; i < 60; i++)
        strcat(assignment, "k.");
    strcat(assignment, "k=[[[[1]]]]");
    char *got = set_err(doc, assignment);
    cr_assert(strstr(got, "error: the result would nest deeper than 64 levels\n"), "%s", got);
    free(got);
    ae_cfg_free(doc);
}

Test(config_override, reader_errors_point_at_the_override)
{
    ae_cfg_doc *doc = cfgt_load_ok(BASE);
    set_ok(doc, "train.epochs=abc");
    set_ok(doc, "train.epoch=3");
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_reader r;
    ae_cfg_reader_init(&r, doc, &d);
    long epochs;
    const ae_cfg_node *train = ae_cfg_get_map(&r, ae_cfg_root(doc), "train", AE_CFG_REQUIRED);
    cr_assert_not(ae_cfg_get_int(&r, train, "epochs", AE_CFG_REQUIRED, 1, 1, 100, &epochs));
    ae_cfg_report_unknown(&r, train);
    char *got = cfgt_diags_text(&d);
    cr_assert_str_eq(got, "--set train.epochs=abc: error: train.epochs: expected an integer, got "
                          "'abc'\n"
                          "test.yaml:2:3: error: unknown key 'optimizer' in train\n"
                          "--set train.epoch=3: error: unknown key 'epoch' in train (did you mean "
                          "'epochs'?)\n");
    free(got);
    ae_cfg_reader_free(&r);
    ae_diags_free(&d);
    ae_cfg_free(doc);
}

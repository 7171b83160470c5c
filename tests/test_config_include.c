/* include: composition and deep merge, with fixtures under tests/data/config/include. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/cfg.h"
#include "helpers.h"
#include "test_config_util.h"

static ae_cfg_doc *load_fixture(const char *rel)
{
    char path[1024];
    test_srcpath(path, sizeof path, rel);
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_doc *doc = NULL;
    if (ae_cfg_load(path, &doc, &d) != 0) {
        char *msg = cfgt_diags_text(&d);
        cr_assert_fail("loading %s:\n%s", rel, msg);
    }
    ae_diags_free(&d);
    return doc;
}

static char *fixture_errors(const char *rel)
{
    char path[1024];
    test_srcpath(path, sizeof path, rel);
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_doc *doc = NULL;
    cr_assert_eq(ae_cfg_load(path, &doc, &d), -1, "%s should fail", rel);
    cr_assert_null(doc);
    char *text = cfgt_diags_text(&d);
    ae_diags_free(&d);
    return text;
}

static const char *text_at(const ae_cfg_doc *doc, const char *path)
{
    const ae_cfg_node *n = ae_cfg_path(ae_cfg_root(doc), path);
    cr_assert_not_null(n, "no %s", path);
    return ae_cfg_scalar(n);
}

Test(config_include, later_wins_maps_merge_lists_replace)
{
    ae_cfg_doc *doc = load_fixture("tests/data/config/include/main.yaml");
    const ae_cfg_node *root = ae_cfg_root(doc);
    /* the including file wins over what it includes, later includes over earlier */
    cr_assert_str_eq(text_at(doc, "train.epochs"), "20");        /* main over defaults */
    cr_assert_str_eq(text_at(doc, "train.batch_size"), "128");   /* common over defaults */
    cr_assert_str_eq(text_at(doc, "train.optimizer.lr"), "0.01"); /* nested map merged ... */
    cr_assert_str_eq(text_at(doc, "train.optimizer.name"), "adam"); /* ... keeping the rest */
    cr_assert_str_eq(text_at(doc, "train.optimizer.betas.1"), "0.999");
    cr_assert_str_eq(text_at(doc, "seed"), "1");  /* from an include of an include */
    cr_assert_str_eq(text_at(doc, "model.activation"), "relu");
    const ae_cfg_node *layers = ae_cfg_path(root, "model.layers");
    cr_assert_eq(ae_cfg_len(layers), 2, "lists are replaced, not concatenated");
    cr_assert_str_eq(ae_cfg_scalar(ae_cfg_at(layers, 0)), "64");
    cr_assert_null(ae_cfg_lookup(root, "include"), "include does not appear in the result");
    /* key order: first written wins the position */
    cr_assert_str_eq(ae_cfg_key_at(root, 0), "seed");
    cr_assert_str_eq(ae_cfg_key_at(root, 1), "train");
    cr_assert_str_eq(ae_cfg_key_at(root, 2), "model");
    ae_cfg_free(doc);
}

Test(config_include, nodes_remember_their_own_file)
{
    char dir[1024], want[1200];
    test_srcpath(dir, sizeof dir, "tests/data/config/include");
    ae_cfg_doc *doc = load_fixture("tests/data/config/include/main.yaml");
    const char *file;
    int line, col;

    ae_cfg_where(ae_cfg_path(ae_cfg_root(doc), "train.epochs"), &file, &line, &col);
    snprintf(want, sizeof want, "%s/main.yaml", dir);
    cr_assert_str_eq(file, want);
    cr_assert_eq(line, 4);
    cr_assert_eq(col, 11);

    /* relative to the including file's directory, through nested dirs */
    ae_cfg_where(ae_cfg_path(ae_cfg_root(doc), "train.optimizer.name"), &file, &line, &col);
    snprintf(want, sizeof want, "%s/base/../defaults/train.yaml", dir);
    cr_assert_str_eq(file, want);
    cr_assert_eq(line, 6);
    cr_assert_eq(col, 11);

    ae_cfg_where(ae_cfg_path(ae_cfg_root(doc), "train.optimizer.lr"), &file, &line, &col);
    snprintf(want, sizeof want, "%s/base/common.yaml", dir);
    cr_assert_str_eq(file, want);
    cr_assert_eq(line, 5);
    cr_assert_eq(col, 9);
    ae_cfg_free(doc);
}

Test(config_include, composed_equals_flat_and_hashes_the_same)
{
    ae_cfg_doc *a = load_fixture("tests/data/config/include/main.yaml");
    ae_cfg_doc *b = load_fixture("tests/data/config/include/flat.yaml");
    cr_assert(ae_cfg_equal(ae_cfg_root(a), ae_cfg_root(b)));
    char ha[65], hb[65];
    ae_cfg_sha256_hex(ae_cfg_root(a), ha);
    ae_cfg_sha256_hex(ae_cfg_root(b), hb);
    cr_assert_str_eq(ha, hb);
    cr_assert_eq(strlen(ha), 64);
    ae_cfg_free(a);
    ae_cfg_free(b);
}

Test(config_include, cycles_are_errors_naming_the_chain)
{
    char dir[1024], want[4096];
    test_srcpath(dir, sizeof dir, "tests/data/config/include/bad");
    char *got = fixture_errors("tests/data/config/include/bad/cycle_a.yaml");
    snprintf(want, sizeof want,
             "%s/cycle_b.yaml:3:5: error: include cycle: %s/cycle_a.yaml -> %s/cycle_b.yaml -> "
             "%s/./cycle_a.yaml\n",
             dir, dir, dir, dir);
    cr_assert_str_eq(got, want);
    free(got);

    got = fixture_errors("tests/data/config/include/bad/self.yaml");
    snprintf(want, sizeof want,
             "%s/self.yaml:1:10: error: include cycle: %s/self.yaml -> %s/self.yaml\n", dir, dir,
             dir);
    cr_assert_str_eq(got, want);
    free(got);
}

Test(config_include, missing_include_and_bad_entries_at_their_line)
{
    char dir[1024], want[4096];
    test_srcpath(dir, sizeof dir, "tests/data/config/include/bad");
    char *got = fixture_errors("tests/data/config/include/bad/missing.yaml");
    snprintf(want, sizeof want,
             "%s/missing.yaml:4:5: error: cannot open include '%s/nothere.yaml': No such file or "
             "directory\n"
             "%s/missing.yaml:5:5: error: include: expected a file path, got a mapping\n",
             dir, dir, dir);
    cr_assert_str_eq(got, want);
    free(got);
}

Test(config_include, errors_of_every_included_file_are_reported)
{
    char dir[1024], want[4096];
    test_srcpath(dir, sizeof dir, "tests/data/config/include/bad");
    char *got = fixture_errors("tests/data/config/include/bad/two_bad.yaml");
    snprintf(want, sizeof want,
             "%s/broken.yaml:2:1: error: did not find expected ',' or ']' while parsing a flow "
             "sequence that started at line 1, column 4\n"
             "%s/dup.yaml:2:1: error: duplicate key 'k' (first defined at line 1, column 1)\n",
             dir, dir);
    cr_assert_str_eq(got, want);
    free(got);
}

Test(config_include, tmpdir_nested_relative_absolute_and_string_loads)
{
    char dir[256], abs_inc[600], text[1024];
    test_tmpdir(dir, sizeof dir);
    cfgt_write(dir, "exp/deep/run.yaml", "include:\n  - ../shared/net.yaml\n  - extra.yaml\n"
                                         "net: {units: 8}\n");
    cfgt_write(dir, "exp/shared/net.yaml", "include: ../../root.yaml\nnet: {units: 4, act: tanh}\n");
    cfgt_write(dir, "exp/deep/extra.yaml", "include:\nnotes: {include: not-special-here}\n");
    cfgt_write(dir, "root.yaml", "net: {units: 2, act: relu, bias: true}\nname: base\n");

    char path[600];
    snprintf(path, sizeof path, "%s/exp/deep/run.yaml", dir);
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_doc *doc;
    cr_assert_eq(ae_cfg_load(path, &doc, &d), 0);
    cr_assert_str_eq(text_at(doc, "net.units"), "8");
    cr_assert_str_eq(text_at(doc, "net.act"), "tanh");
    cr_assert_str_eq(text_at(doc, "net.bias"), "true");
    cr_assert_str_eq(text_at(doc, "name"), "base");
    /* only the top-level include is special */
    cr_assert_str_eq(text_at(doc, "notes.include"), "not-special-here");
    ae_cfg_free(doc);

    /* An absolute include from a string config; relative ones resolve from the
     * directory of the pseudo path. */
    snprintf(abs_inc, sizeof abs_inc, "%s/root.yaml", dir);
    snprintf(text, sizeof text, "include: [\"%s\", exp/shared/net.yaml]\nname: mine\n", abs_inc);
    char pseudo[600];
    snprintf(pseudo, sizeof pseudo, "%s/virtual.yaml", dir);
    cr_assert_eq(ae_cfg_load_string(text, pseudo, &doc, &d), 0);
    cr_assert_str_eq(text_at(doc, "net.act"), "tanh");
    cr_assert_str_eq(text_at(doc, "name"), "mine");
    ae_cfg_free(doc);
    cr_assert_eq(d.count, 0);
    ae_diags_free(&d);
}

Test(config_include, include_must_be_paths)
{
    char *got = cfgt_load_errors("include: {a: b}\n", "x.yaml");
    cr_assert_str_eq(got,
                     "x.yaml:1:10: error: include: expected a file path or a list of file paths, "
                     "got a mapping\n");
    free(got);
    got = cfgt_load_errors("include: [\"\"]\n", "x.yaml");
    cr_assert_str_eq(got, "x.yaml:1:11: error: include: expected a file path, got the string \"\"\n");
    free(got);
}

Test(config_include, deep_merge_semantics)
{
    /* Merge through the public path: an include written to a tmpdir. */
    char dir[256], pseudo[300];
    test_tmpdir(dir, sizeof dir);
    cfgt_write(dir, "base.yaml",
               "a: {x: 1, y: {p: 1, q: 2}, l: [1, 2, 3]}\n"
               "b: {k: v}\n"
               "c: 5\n"
               "d: [1]\n");
    snprintf(pseudo, sizeof pseudo, "%s/top.yaml", dir);
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_doc *doc;
    cr_assert_eq(ae_cfg_load_string("include: base.yaml\n"
                                    "a: {y: {q: 3, r: 4}, l: [9], z: new}\n"
                                    "b: scalar-replaces-map\n"
                                    "c: {map: replaces-scalar}\n"
                                    "d: ~\n",
                                    pseudo, &doc, &d),
                 0);
    ae_cfg_doc *want = cfgt_load_ok("a: {x: 1, y: {p: 1, q: 3, r: 4}, l: [9], z: new}\n"
                                    "b: scalar-replaces-map\n"
                                    "c: {map: replaces-scalar}\n"
                                    "d: null\n");
    char *got_c = ae_cfg_emit_canonical(ae_cfg_root(doc));
    char *want_c = ae_cfg_emit_canonical(ae_cfg_root(want));
    cr_assert_str_eq(got_c, want_c);
    /* merged maps keep the base's key order and append new keys */
    char *yaml = ae_cfg_emit_yaml(ae_cfg_root(doc));
    cr_assert_str_eq(yaml, "a:\n  x: 1\n  \"y\":\n    p: 1\n    q: 3\n    r: 4\n  l:\n    - 9\n"
                           "  z: new\nb: scalar-replaces-map\nc:\n  map: replaces-scalar\n"
                           "d: null\n");
    free(yaml);
    free(got_c);
    free(want_c);
    ae_cfg_free(doc);
    ae_cfg_free(want);
    ae_diags_free(&d);
}

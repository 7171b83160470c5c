/* Loading YAML into the located node tree: kinds, types, locations, and the
 * exact file:line:col diagnostics for bad input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/cfg.h"
#include "helpers.h"
#include "test_config_util.h"

Test(config_load, kinds_types_and_locations)
{
    ae_cfg_doc *doc = cfgt_load_ok("name: demo\n"
                                   "n: 12\n"
                                   "s: \"12\"\n"
                                   "f: 1e-3\n"
                                   "b: true\n"
                                   "e:\n"
                                   "t: ~\n"
                                   "u: null\n"
                                   "hex: 0x1F\n"
                                   "list: [1, two, 3.5]\n"
                                   "map:\n"
                                   "  inner: {k: v}\n");
    const ae_cfg_node *root = ae_cfg_root(doc);
    cr_assert_eq(ae_cfg_kind_of(root), AE_CFG_MAP);
    cr_assert_eq(ae_cfg_len(root), 11);
    /* key order is file order */
    const char *keys[] = {"name", "n", "s", "f", "b", "e", "t", "u", "hex", "list", "map"};
    for (size_t i = 0; i < 11; i++)
        cr_assert_str_eq(ae_cfg_key_at(root, i), keys[i]);
    cr_assert_eq(ae_cfg_type_of(ae_cfg_lookup(root, "name")), AE_CFG_T_STRING);
    cr_assert_eq(ae_cfg_type_of(ae_cfg_lookup(root, "n")), AE_CFG_T_INT);
    cr_assert_eq(ae_cfg_type_of(ae_cfg_lookup(root, "s")), AE_CFG_T_STRING);
    cr_assert(ae_cfg_is_quoted(ae_cfg_lookup(root, "s")));
    cr_assert_str_eq(ae_cfg_scalar(ae_cfg_lookup(root, "s")), "12");
    cr_assert_eq(ae_cfg_type_of(ae_cfg_lookup(root, "f")), AE_CFG_T_FLOAT);
    cr_assert_eq(ae_cfg_type_of(ae_cfg_lookup(root, "b")), AE_CFG_T_BOOL);
    cr_assert_eq(ae_cfg_kind_of(ae_cfg_lookup(root, "e")), AE_CFG_NULL);
    cr_assert_eq(ae_cfg_kind_of(ae_cfg_lookup(root, "t")), AE_CFG_NULL);
    cr_assert_eq(ae_cfg_kind_of(ae_cfg_lookup(root, "u")), AE_CFG_NULL);
    cr_assert_null(ae_cfg_scalar(ae_cfg_lookup(root, "u")));
    cr_assert_eq(ae_cfg_type_of(ae_cfg_lookup(root, "hex")), AE_CFG_T_INT);

    const ae_cfg_node *list = ae_cfg_lookup(root, "list");
    cr_assert_eq(ae_cfg_kind_of(list), AE_CFG_SEQ);
    cr_assert_eq(ae_cfg_len(list), 3);
    cr_assert_str_eq(ae_cfg_scalar(ae_cfg_at(list, 1)), "two");
    cr_assert_null(ae_cfg_at(list, 3));

    const char *file;
    int line, col;
    ae_cfg_where(ae_cfg_at(list, 2), &file, &line, &col);
    cr_assert_str_eq(file, "test.yaml");
    cr_assert_eq(line, 10);
    cr_assert_eq(col, 16);
    const ae_cfg_node *k = ae_cfg_path(root, "map.inner.k");
    cr_assert_str_eq(ae_cfg_scalar(k), "v");
    ae_cfg_where(k, NULL, &line, &col);
    cr_assert_eq(line, 12);
    cr_assert_eq(col, 14);
    char *path = ae_cfg_path_of(k);
    cr_assert_str_eq(path, "map.inner.k");
    free(path);
    path = ae_cfg_path_of(ae_cfg_at(list, 1));
    cr_assert_str_eq(path, "list.1");
    free(path);
    path = ae_cfg_path_of(root);
    cr_assert_str_eq(path, "");
    free(path);
    cr_assert_eq(ae_cfg_path(root, "list.2"), ae_cfg_at(list, 2));
    cr_assert_null(ae_cfg_path(root, "list.9"));
    cr_assert_null(ae_cfg_path(root, "map.nope"));
    ae_cfg_free(doc);
}

Test(config_load, empty_file_is_empty_mapping)
{
    ae_cfg_doc *doc = cfgt_load_ok("# only a comment\n");
    cr_assert_eq(ae_cfg_kind_of(ae_cfg_root(doc)), AE_CFG_MAP);
    cr_assert_eq(ae_cfg_len(ae_cfg_root(doc)), 0);
    ae_cfg_free(doc);
}

Test(config_load, anchors_expand_to_copies)
{
    ae_cfg_doc *doc = cfgt_load_ok("base: &b {act: relu, units: 32}\n"
                                   "enc: *b\n"
                                   "dec: [*b, *b]\n");
    const ae_cfg_node *root = ae_cfg_root(doc);
    const ae_cfg_node *enc = ae_cfg_lookup(root, "enc");
    cr_assert_neq(enc, ae_cfg_lookup(root, "base"), "an alias must be a copy");
    cr_assert_str_eq(ae_cfg_scalar(ae_cfg_path(root, "dec.1.units")), "32");
    char *path = ae_cfg_path_of(ae_cfg_path(root, "dec.1.units"));
    cr_assert_str_eq(path, "dec.1.units", "parent links of the copy point into the copy");
    free(path);
    ae_cfg_free(doc);
}

Test(config_load, clone_is_deep_and_keeps_locations)
{
    ae_cfg_doc *doc = cfgt_load_ok("train:\n  lr: 0.1\n  layers: [1, 2]\n");
    ae_cfg_doc *copy = ae_cfg_clone(doc);
    cr_assert_not_null(copy);
    cr_assert(ae_cfg_equal(ae_cfg_root(doc), ae_cfg_root(copy)));
    ae_diags d;
    ae_diags_init(&d);
    cr_assert_eq(ae_cfg_apply_override(copy, "train.lr=0.5", &d), 0);
    cr_assert_str_eq(ae_cfg_scalar(ae_cfg_path(ae_cfg_root(doc), "train.lr")), "0.1");
    cr_assert_str_eq(ae_cfg_scalar(ae_cfg_path(ae_cfg_root(copy), "train.lr")), "0.5");
    const char *file;
    int line, col;
    ae_cfg_where(ae_cfg_path(ae_cfg_root(copy), "train.layers.1"), &file, &line, &col);
    cr_assert_str_eq(file, "test.yaml");
    cr_assert_eq(line, 3);
    cr_assert_eq(col, 15);
    ae_cfg_free(doc); /* the copy owns its own strings */
    cr_assert_str_eq(file, "test.yaml");
    ae_cfg_free(copy);
    ae_diags_free(&d);
}

/* ---- bad input: exact diagnostics ---- */

typedef struct bad_case {
    const char *what;
    const char *text;
    const char *expected; /* everything ae_diags_print writes */
} bad_case;

static const bad_case BAD[] = {
    {"unclosed flow sequence", "a: [1, 2\nb: 3\n",
     "bad.yaml:2:2: error: did not find expected ',' or ']' while parsing a flow sequence that "
     "started at line 1, column 4\n"},
    {"bad indentation", "a: 1\n b: 2\n",
     "bad.yaml:2:3: error: mapping values are not allowed in this context\n"},
    {"tab indentation", "a:\n\t- 1\n",
     "bad.yaml:2:1: error: found character that cannot start any token while scanning for the "
     "next token that started at line 2, column 1 (YAML does not allow tabs for indentation)\n"},
    {"unterminated string", "a: \"open\n",
     "bad.yaml:2:1: error: found unexpected end of stream while scanning a quoted scalar that "
     "started at line 1, column 4\n"},
    {"invalid UTF-8", "a: 1\nb: x\xff\n", "bad.yaml:2:5: error: invalid leading UTF-8 octet (0xFF)\n"},
    {"duplicate keys, all of them, in file order",
     "train:\n  lr: 1\n  lr: 2\nx: {a: 1, a: 2}\ntrain: 3\n",
     "bad.yaml:3:3: error: duplicate key 'lr' in train (first defined at line 2, column 3)\n"
     "bad.yaml:4:11: error: duplicate key 'a' in x (first defined at line 4, column 5)\n"
     "bad.yaml:5:1: error: duplicate key 'train' (first defined at line 1, column 1)\n"},
    {"duplicate key in a list item", "l:\n  - {a: 1}\n  - {b: 1, b: 2}\n",
     "bad.yaml:3:12: error: duplicate key 'b' in l.1 (first defined at line 3, column 6)\n"},
    {"top level is a list", "- 1\n- 2\n",
     "bad.yaml:1:1: error: the top level must be a mapping, got a sequence\n"},
    {"top level is a scalar", "hello\n",
     "bad.yaml:1:1: error: the top level must be a mapping, got 'hello'\n"},
    {"two documents", "a: 1\n---\nb: 2\n",
     "bad.yaml:2:1: error: a config holds one YAML document; found a second one\n"},
    {"non-scalar key", "? [a]\n: 1\n",
     "bad.yaml:1:3: error: mapping keys must be scalars, got a sequence\n"},
    {"empty key", "\"\": 1\n", "bad.yaml:1:1: error: empty mapping key\n"},
    {"merge key", "base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n",
     "bad.yaml:3:3: error: merge keys ('<<') are not supported; use include: or an alias\n"},
    {"alias cycle", "a: &x [1, *x]\n",
     "bad.yaml:1:11: error: alias '*x' refers to a node that contains it (a cycle)\n"},
    {"undefined alias", "a: *nope\nb: *nope\n",
     "bad.yaml:1:4: error: undefined alias '*nope'\nbad.yaml:2:4: error: undefined alias '*nope'\n"},
    {"unsupported tags", "a: !!int 3\nb: !!str 3\nc: !foo x\n",
     "bad.yaml:1:4: error: unsupported tag 'tag:yaml.org,2002:int' (only !!str is supported)\n"
     "bad.yaml:3:4: error: unsupported tag '!foo' (only !!str is supported)\n"},
    {"NUL in a scalar", "a: \"x\\0y\"\n", "bad.yaml:1:4: error: a scalar contains a NUL character\n"},
};

Test(config_load, bad_files_exact_messages)
{
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        char *got = cfgt_load_errors(BAD[i].text, "bad.yaml");
        cr_expect_str_eq(got, BAD[i].expected, "%s:\n got: %s want: %s", BAD[i].what, got,
                         BAD[i].expected);
        free(got);
    }
}

static char *repeat(const char *unit, size_t n, const char *tail)
{
    size_t u = strlen(unit), t = strlen(tail);
    char *s = malloc(u * n + t + 1);
    cr_assert_not_null(s);
    for (size_t i = 0; i < n; i++)
        memcpy(s + i * u, unit, u);
    memcpy(s + u * n, tail, t + 1);
    return s;
}

Test(config_load, nesting_depth_is_bounded)
{
    /* 64 levels (the top mapping plus 63 sequences) load; 65 do not. */
    char *ok = repeat("[", 63, "");
    char *okfull = malloc(200);
    snprintf(okfull, 200, "a: %s1", ok);
    char *close = repeat("]", 63, "\n");
    char *text = malloc(400);
    snprintf(text, 400, "%s%s", okfull, close);
    ae_cfg_doc *doc = cfgt_load_ok(text);
    ae_cfg_free(doc);
    free(ok);
    free(okfull);
    free(close);
    free(text);

    char *deep = repeat("[", 64, "1\n");
    char *full = malloc(strlen(deep) + 8);
    sprintf(full, "a: %s", deep);
    char *got = cfgt_load_errors(full, "bad.yaml");
    cr_assert_str_eq(got, "bad.yaml:1:67: error: nesting deeper than 64 levels\n");
    free(got);
    free(deep);
    free(full);

    /* Block nesting counts the same way. */
    char *block = malloc(70 * 140);
    size_t used = 0;
    for (int i = 0; i < 70; i++)
        used += (size_t)sprintf(block + used, "%*sk%d:\n", 2 * i, "", i);
    got = cfgt_load_errors(block, "bad.yaml");
    cr_assert_str_eq(got, "bad.yaml:65:129: error: nesting deeper than 64 levels\n");
    free(got);
    free(block);
}

Test(config_load, million_open_brackets_fail_fast)
{
    char *text = repeat("[", 1000000, "");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char *got = cfgt_load_errors(text, "bad.yaml");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    cr_assert_str_eq(got, "bad.yaml:1:65: error: nesting deeper than 64 levels\n");
    cr_assert_lt(secs, 1.0, "took %.3f s", secs);
    free(got);
    free(text);
}

Test(config_load, alias_bomb_hits_the_node_budget)
{
    /* "billion laughs": 10^9 leaves if expanded; stops at the node budget. */
    const char *text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
                       "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                       "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
                       "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
                       "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n";
    char *got = cfgt_load_errors(text, "bad.yaml");
    cr_assert_str_eq(got, "bad.yaml:6:12: error: alias '*e' expands the config beyond 262144 "
                          "nodes\n");
    free(got);
}

Test(config_load, input_size_is_bounded)
{
    size_t n = (size_t)AE_CFG_MAX_BYTES + 10;
    char *text = malloc(n + 1);
    memset(text, ' ', n);
    memcpy(text, "a: 1\n", 5);
    text[n] = '\0';
    char *got = cfgt_load_errors(text, "big.yaml");
    cr_assert_str_eq(got, "big.yaml: error: larger than the 4 MiB limit\n");
    free(got);

    char dir[256], path[300];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/big.yaml", dir);
    FILE *f = fopen(path, "w");
    fwrite(text, 1, n, f);
    fclose(f);
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_doc *doc;
    cr_assert_eq(ae_cfg_load(path, &doc, &d), -1);
    cr_assert_eq(d.count, 1);
    cr_assert_str_eq(d.items[0].file, path);
    cr_assert_str_eq(d.items[0].msg, "larger than the 4 MiB limit");
    ae_diags_free(&d);
    free(text);
}

Test(config_load, node_count_is_bounded)
{
    /* 300k one-character items: well under 4 MiB, over the node budget. */
    size_t n = 300000;
    char *items = repeat("1,", n, "1]\n");
    char *text = malloc(strlen(items) + 8);
    sprintf(text, "a: [%s", items);
    char *got = cfgt_load_errors(text, "bad.yaml");
    cr_assert(strstr(got, "error: the config has more than 262144 nodes\n"), "%s", got);
    free(got);
    free(items);
    free(text);
}

Test(config_load, unreadable_files)
{
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_doc *doc = (ae_cfg_doc *)1;
    cr_assert_eq(ae_cfg_load("/nonexistent/x.yaml", &doc, &d), -1);
    cr_assert_null(doc);
    char *got = cfgt_diags_text(&d);
    cr_assert_str_eq(got, "/nonexistent/x.yaml: error: cannot open: No such file or directory\n");
    free(got);
    ae_diags_free(&d);

    char dir[256];
    test_tmpdir(dir, sizeof dir);
    cr_assert_eq(ae_cfg_load(dir, &doc, &d), -1);
    cr_assert_eq(d.count, 1);
    cr_assert_str_eq(d.items[0].msg, "cannot read: Is a directory");
    ae_diags_free(&d);
}

Test(config_load, file_locations_name_the_file)
{
    char dir[256], path[300];
    test_tmpdir(dir, sizeof dir);
    cfgt_write(dir, "x.yaml", "a: 1\nb: [1,\n");
    snprintf(path, sizeof path, "%s/x.yaml", dir);
    ae_diags d;
    ae_diags_init(&d);
    ae_cfg_doc *doc;
    cr_assert_eq(ae_cfg_load(path, &doc, &d), -1);
    cr_assert_eq(d.count, 1);
    cr_assert_str_eq(d.items[0].file, path);
    cr_assert_eq(d.items[0].line, 3);
    ae_diags_free(&d);
}

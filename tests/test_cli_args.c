/* The table-driven option parser of src/cli/args.c, called directly: what each kind of
 * option accepts at its edges, and the one message it prints for each kind of bad input
 * (stderr is captured, so the exact wording is checked). */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/args.h"
#include "cli_util.h"

static const char usage[] = "usage: aelab test RUN [options]\n";

/* Everything a command may ask for, with its defaults. */
typedef struct parsed {
    const char *run, *output, *split;
    int n, offset;
    size_t limit;
    uint64_t seed;
    double rate;
    bool clip;
} parsed;

/* stderr into a temporary file, from capture_start to capture_end. */
typedef struct capture {
    FILE *file;
    int saved_fd;
} capture;

static capture capture_start(void)
{
    capture c = {tmpfile(), -1};
    cr_assert_not_null(c.file);
    fflush(stderr);
    c.saved_fd = dup(2);
    cr_assert(c.saved_fd >= 0 && dup2(fileno(c.file), 2) == 2);
    return c;
}

/* Restores stderr; what was written to it goes to text. */
static void capture_end(capture c, char *text, size_t size)
{
    fflush(stderr);
    dup2(c.saved_fd, 2);
    close(c.saved_fd);
    rewind(c.file);
    text[fread(text, 1, size - 1, c.file)] = '\0';
    fclose(c.file);
}

/* Runs the parser on {"aelab", "test", args...}; its messages go to err. */
static bool run_parser(const char *const *args, const cli_option *options, char *err,
                       size_t size)
{
    char *argv[32] = {"aelab", "test"};
    int argc = 2;
    for (; args[argc - 2]; argc++)
        argv[argc] = (char *)args[argc - 2];
    capture c = capture_start();
    bool ok = cli_args_parse(argc, argv, 2, options, usage);
    capture_end(c, err, size);
    return ok;
}

/* Parses args with a table of every kind into p (defaults first). */
static bool parse(const char *const *args, parsed *p, char *err, size_t size)
{
    *p = (parsed){.split = "test", .n = 10, .seed = 1};
    const cli_option options[] = {
        CLI_STRING("RUN", &p->run),
        CLI_STRING("--output", &p->output),
        CLI_CHOICE("--split", &p->split, "test|train"),
        CLI_INT("--n", &p->n, 1, 100),
        CLI_INT("--offset", &p->offset, -5, 5),
        CLI_SIZE("--limit", &p->limit, 1, CLI_NO_MAX),
        CLI_U64("--seed", &p->seed, 0, CLI_NO_MAX),
        CLI_REAL("--rate", &p->rate, 0, 0.99),
        CLI_FLAG("--clip", &p->clip),
        CLI_END,
    };
    return run_parser(args, options, err, size);
}

/* args must be accepted, silently. */
static parsed accepted(const char *const *args)
{
    parsed p;
    char err[1024];
    cr_assert(parse(args, &p, err, sizeof err), "rejected: %s", err);
    cr_assert_str_empty(err);
    return p;
}

/* args must be rejected with exactly "aelab: MESSAGE\n" and the usage. */
static void rejected(const char *const *args, const char *message)
{
    parsed p;
    char err[1024], want[1024];
    snprintf(want, sizeof want, "aelab: %s\n%s", message, usage);
    cr_assert_not(parse(args, &p, err, sizeof err), "accepted: %s", message);
    cr_assert_str_eq(err, want);
}

Test(cli_args, defaults_stay_and_every_kind_stores)
{
    parsed p = accepted(CLI_ARGS("somewhere"));
    cr_assert_str_eq(p.run, "somewhere");
    cr_assert(!p.output && !strcmp(p.split, "test") && p.n == 10 && p.limit == 0 && p.seed == 1);
    cr_assert(p.rate == 0 && !p.clip);

    p = accepted(CLI_ARGS("--n", "7", "--output", "o.png", "--split", "train", "--limit", "3",
                          "--seed", "0", "--rate", "0.25", "--clip", "--offset", "-2",
                          "somewhere"));
    cr_assert_str_eq(p.run, "somewhere");
    cr_assert_str_eq(p.output, "o.png");
    cr_assert_str_eq(p.split, "train");
    cr_assert_eq(p.n, 7);
    cr_assert_eq(p.offset, -2);
    cr_assert_eq(p.limit, 3);
    cr_assert_eq(p.seed, 0);
    cr_assert_eq(p.rate, 0.25);
    cr_assert(p.clip);
}

Test(cli_args, integer_range_edges)
{
    cr_assert_eq(accepted(CLI_ARGS("r", "--n", "1")).n, 1);
    cr_assert_eq(accepted(CLI_ARGS("r", "--n", "100")).n, 100);
    rejected(CLI_ARGS("r", "--n", "0"), "--n: expected an integer from 1 to 100, got '0'");
    rejected(CLI_ARGS("r", "--n", "101"), "--n: expected an integer from 1 to 100, got '101'");
    cr_assert_eq(accepted(CLI_ARGS("r", "--offset", "-5")).offset, -5);
    cr_assert_eq(accepted(CLI_ARGS("r", "--offset", "+5")).offset, 5);
    rejected(CLI_ARGS("r", "--offset", "-6"),
             "--offset: expected an integer from -5 to 5, got '-6'");
    /* values far beyond the range, or beyond 64 bits, are not wrapped into it */
    rejected(CLI_ARGS("r", "--n", "4294967297"),
             "--n: expected an integer from 1 to 100, got '4294967297'");
    rejected(CLI_ARGS("r", "--n", "99999999999999999999"),
             "--n: expected an integer from 1 to 100, got '99999999999999999999'");
}

Test(cli_args, unbounded_integers_stop_at_their_type)
{
    cr_assert_eq(accepted(CLI_ARGS("r", "--limit", "1")).limit, 1);
    rejected(CLI_ARGS("r", "--limit", "0"), "--limit: expected a positive integer, got '0'");
    cr_assert_eq(accepted(CLI_ARGS("r", "--seed", "18446744073709551615")).seed, UINT64_MAX);
    rejected(CLI_ARGS("r", "--seed", "18446744073709551616"),
             "--seed: expected a non-negative integer, got '18446744073709551616'");
    /* strtoull alone would turn -1 into 2^64 - 1 */
    rejected(CLI_ARGS("r", "--seed", "-1"), "--seed: expected a non-negative integer, got '-1'");
}

/* A table's bounds may exceed what the variable holds (or be infinite): the type decides. */
Test(cli_args, values_the_variable_cannot_hold)
{
    size_t size = 7;
    double scale = 1;
    int whole = 0;
    const cli_option options[] = {
        CLI_SIZE("--size", &size, -10, 10),
        CLI_REAL("--scale", &scale, 0, CLI_NO_MAX),
        CLI_INT("--whole", &whole, 0, CLI_NO_MAX),
        CLI_END,
    };
    char err[1024];
    cr_assert_not(run_parser(CLI_ARGS("--size", "-1"), options, err, sizeof err));
    cr_assert_str_eq(err, "aelab: --size: expected an integer from -10 to 10, got '-1'\n"
                          "usage: aelab test RUN [options]\n");
    cr_assert_eq(size, 7);
    cr_assert_not(run_parser(CLI_ARGS("--scale", "inf"), options, err, sizeof err));
    cr_assert_str_eq(err, "aelab: --scale: expected a non-negative number, got 'inf'\n"
                          "usage: aelab test RUN [options]\n");
    cr_assert(run_parser(CLI_ARGS("--scale", "1e300"), options, err, sizeof err), "%s", err);
    cr_assert_eq(scale, 1e300);
    cr_assert(run_parser(CLI_ARGS("--whole", "2147483647"), options, err, sizeof err), "%s", err);
    cr_assert_eq(whole, 2147483647);
    cr_assert_not(run_parser(CLI_ARGS("--whole", "2147483648"), options, err, sizeof err));
    cr_assert_str_eq(err, "aelab: --whole: expected a non-negative integer, got '2147483648'\n"
                          "usage: aelab test RUN [options]\n");
}

Test(cli_args, real_range_edges)
{
    cr_assert_eq(accepted(CLI_ARGS("r", "--rate", "0")).rate, 0);
    cr_assert_eq(accepted(CLI_ARGS("r", "--rate", "0.99")).rate, 0.99);
    cr_assert_eq(accepted(CLI_ARGS("r", "--rate", "5e-1")).rate, 0.5);
    rejected(CLI_ARGS("r", "--rate", "0.991"),
             "--rate: expected a number from 0 to 0.99, got '0.991'");
    rejected(CLI_ARGS("r", "--rate", "-0.01"),
             "--rate: expected a number from 0 to 0.99, got '-0.01'");
    rejected(CLI_ARGS("r", "--rate", "nan"), "--rate: expected a number from 0 to 0.99, got 'nan'");
}

Test(cli_args, non_numbers_and_trailing_garbage)
{
    rejected(CLI_ARGS("r", "--n", "abc"), "--n: expected an integer from 1 to 100, got 'abc'");
    rejected(CLI_ARGS("r", "--n", ""), "--n: expected an integer from 1 to 100, got ''");
    rejected(CLI_ARGS("r", "--n", "12x"), "--n: expected an integer from 1 to 100, got '12x'");
    rejected(CLI_ARGS("r", "--n", "1.5"), "--n: expected an integer from 1 to 100, got '1.5'");
    rejected(CLI_ARGS("r", "--n", " 5"), "--n: expected an integer from 1 to 100, got ' 5'");
    rejected(CLI_ARGS("r", "--n", "--5"), "--n: expected an integer from 1 to 100, got '--5'");
    rejected(CLI_ARGS("r", "--rate", "abc"), "--rate: expected a number from 0 to 0.99, got 'abc'");
    rejected(CLI_ARGS("r", "--rate", "0.5x"),
             "--rate: expected a number from 0 to 0.99, got '0.5x'");
    rejected(CLI_ARGS("r", "--rate", ""), "--rate: expected a number from 0 to 0.99, got ''");
}

Test(cli_args, a_value_is_taken_whatever_it_looks_like)
{
    parsed p = accepted(CLI_ARGS("--output", "--n", "r"));
    cr_assert_str_eq(p.output, "--n");
    cr_assert_eq(p.n, 10);
    cr_assert_str_eq(accepted(CLI_ARGS("--output", "-", "r")).output, "-");
}

Test(cli_args, valued_option_at_the_end_needs_its_value)
{
    rejected(CLI_ARGS("r", "--n"), "--n needs a value");
    rejected(CLI_ARGS("r", "--output"), "--output needs a value");
}

Test(cli_args, flag_takes_no_value)
{
    parsed p = accepted(CLI_ARGS("--clip", "r"));
    cr_assert(p.clip);
    cr_assert_str_eq(p.run, "r", "the flag swallowed the argument after it");
    cr_assert(accepted(CLI_ARGS("r", "--clip")).clip);
    cr_assert_not(accepted(CLI_ARGS("r")).clip);
}

Test(cli_args, choice)
{
    cr_assert_str_eq(accepted(CLI_ARGS("r", "--split", "train")).split, "train");
    cr_assert_str_eq(accepted(CLI_ARGS("r", "--split", "test")).split, "test");
    rejected(CLI_ARGS("r", "--split", "val"), "--split: expected test or train, got 'val'");
    rejected(CLI_ARGS("r", "--split", "tes"), "--split: expected test or train, got 'tes'");
    rejected(CLI_ARGS("r", "--split", "testtrain"),
             "--split: expected test or train, got 'testtrain'");
    rejected(CLI_ARGS("r", "--split", ""), "--split: expected test or train, got ''");
}

Test(cli_args, choice_of_three_in_words)
{
    const char *mode = "b";
    const cli_option options[] = {CLI_CHOICE("--mode", &mode, "a|bb|c"), CLI_END};
    char err[1024];
    cr_assert(run_parser(CLI_ARGS("--mode", "c"), options, err, sizeof err), "%s", err);
    cr_assert_str_eq(mode, "c");
    cr_assert(run_parser(CLI_ARGS("--mode", "bb"), options, err, sizeof err), "%s", err);
    cr_assert_not(run_parser(CLI_ARGS("--mode", "b"), options, err, sizeof err));
    cr_assert_str_eq(err, "aelab: --mode: expected a, bb or c, got 'b'\n"
                          "usage: aelab test RUN [options]\n");
}

Test(cli_args, unknown_option)
{
    rejected(CLI_ARGS("r", "--bogus"), "unexpected argument '--bogus'");
    rejected(CLI_ARGS("--bogus", "r"), "unexpected argument '--bogus'");
    rejected(CLI_ARGS("r", "-n", "5"), "unexpected argument '-n'");
    rejected(CLI_ARGS("r", "--n=5"), "unexpected argument '--n=5'");
}

Test(cli_args, one_positional_only)
{
    rejected(CLI_ARGS("r", "y"), "unexpected argument 'y'");
    rejected(CLI_ARGS("r", "--n", "5", "y"), "unexpected argument 'y'");
}

Test(cli_args, missing_positional)
{
    rejected(CLI_ARGS(NULL), "missing RUN");
    rejected(CLI_ARGS("--n", "5", "--clip"), "missing RUN");
}

/* A repeatable option (plot curves' --label): every value, in order, up to the capacity. */
Test(cli_args, repeated_option)
{
    const char *items[2], *run = NULL;
    cli_list labels = {items, 0, 2};
    const cli_option options[] = {
        CLI_STRING("RUN", &run),
        CLI_LIST("--label", &labels, 0),
        CLI_END,
    };
    char err[1024];
    cr_assert(run_parser(CLI_ARGS("r"), options, err, sizeof err), "%s", err);
    cr_assert_eq(labels.count, 0);
    cr_assert(run_parser(CLI_ARGS("--label", "a", "r", "--label", "b"), options, err, sizeof err),
              "%s", err);
    cr_assert_eq(labels.count, 2);
    cr_assert(!strcmp(items[0], "a") && !strcmp(items[1], "b") && !strcmp(run, "r"));

    labels.count = 0;
    cr_assert_not(run_parser(CLI_ARGS("r", "--label"), options, err, sizeof err));
    cr_assert_str_eq(err, "aelab: --label needs a value\nusage: aelab test RUN [options]\n");
    cr_assert_not(run_parser(CLI_ARGS("r", "--label", "a", "--label", "b", "--label", "c"),
                             options, err, sizeof err));
    cr_assert_str_eq(err, "aelab: too many --label (at most 2)\nusage: aelab test RUN [options]\n");
}

/* A positional list (plot curves' RUN...): at least its min, at most its capacity, in order. */
Test(cli_args, positional_list)
{
    const char *items[3];
    cli_list runs = {items, 0, 3};
    const char *output = NULL;
    const cli_option options[] = {
        CLI_LIST("RUN", &runs, 1),
        CLI_STRING("--output", &output),
        CLI_END,
    };
    char err[1024];
    cr_assert(run_parser(CLI_ARGS("a", "--output", "o", "b"), options, err, sizeof err), "%s",
              err);
    cr_assert_eq(runs.count, 2);
    cr_assert(!strcmp(items[0], "a") && !strcmp(items[1], "b") && !strcmp(output, "o"));

    runs.count = 0;
    cr_assert_not(run_parser(CLI_ARGS("--output", "o"), options, err, sizeof err));
    cr_assert_str_eq(err, "aelab: missing RUN\nusage: aelab test RUN [options]\n");

    runs.count = 0;
    cr_assert_not(run_parser(CLI_ARGS("a", "b", "c", "d"), options, err, sizeof err));
    cr_assert_str_eq(err, "aelab: too many RUN (at most 3)\nusage: aelab test RUN [options]\n");
}

/* Positionals fill in table order; each is required. */
Test(cli_args, two_positionals_in_order)
{
    const char *from = NULL, *to = NULL;
    const cli_option options[] = {CLI_STRING("FROM", &from), CLI_STRING("TO", &to), CLI_END};
    char err[1024];
    cr_assert(run_parser(CLI_ARGS("x", "y"), options, err, sizeof err), "%s", err);
    cr_assert(!strcmp(from, "x") && !strcmp(to, "y"));
    cr_assert_not(run_parser(CLI_ARGS("x"), options, err, sizeof err));
    cr_assert_str_eq(err, "aelab: missing TO\nusage: aelab test RUN [options]\n");
}

Test(cli_args, usage_error_for_the_checks_after_the_table)
{
    char err[1024];
    capture c = capture_start();
    bool ok = cli_usage_error(usage, "--%s and --%s cannot be combined", "noise", "drop");
    capture_end(c, err, sizeof err);
    cr_assert_not(ok);
    cr_assert_str_eq(err, "aelab: --noise and --drop cannot be combined\n"
                          "usage: aelab test RUN [options]\n");
}

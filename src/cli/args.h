/* A table-driven parser for the commands that read a run (encode, plot, generate...). A
 * command lists what it accepts, options and positionals alike, and its variables hold
 * the defaults (an absent option leaves its variable as it was):
 *
 *     const char *run = NULL, *output = NULL;
 *     int n = 10;
 *     const cli_option options[] = {
 *         CLI_STRING("RUN", &run),
 *         CLI_INT("--n", &n, 1, 100),
 *         CLI_STRING("--output", &output),
 *         CLI_END,
 *     };
 *     if (!cli_args_parse(argc, argv, 3, options, usage))
 *         return EXIT_USAGE;
 *
 * A name starting with '-' is an option, any other name a positional argument; positionals
 * are filled in table order and are all required (a list: at least its min). */
#ifndef AELAB_CLI_ARGS_H
#define AELAB_CLI_ARGS_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum cli_arg_kind {
    CLI_ARG_STRING, /* any text */
    CLI_ARG_CHOICE, /* one of the words of choices, "test|train" */
    CLI_ARG_INT,    /* an int in [min, max] */
    CLI_ARG_SIZE,   /* a size_t in [min, max] */
    CLI_ARG_U64,    /* a uint64_t in [min, max] */
    CLI_ARG_REAL,   /* a finite double in [min, max] */
    CLI_ARG_FLAG,   /* takes no value: sets a bool */
    CLI_ARG_LIST,   /* every occurrence appended to a cli_list */
} cli_arg_kind;

/* The values of a repeatable option or of several positionals, in order. */
typedef struct cli_list {
    const char **items;
    size_t count, capacity;
} cli_list;

typedef struct cli_option {
    const char *name; /* "--n", or "RUN" for a positional; NULL ends a table */
    cli_arg_kind kind;
    union {
        const char **text; /* CLI_ARG_STRING, CLI_ARG_CHOICE */
        int *integer;
        size_t *size;
        uint64_t *u64;
        double *real;
        bool *flag;
        cli_list *list;
    } dest;
    double min, max;     /* numbers (bounds exact up to 2^53); a positional list: min count */
    const char *choices; /* CLI_ARG_CHOICE */
} cli_option;

/* As the upper bound of a number: only its C type limits it. */
#define CLI_NO_MAX INFINITY

/* Table entries. Uppercase parameters: `dest` and `name` are also designators. */
#define CLI_STRING(NAME, VAR) {.name = (NAME), .kind = CLI_ARG_STRING, .dest.text = (VAR)}
#define CLI_CHOICE(NAME, VAR, CHOICES)                                                             \
    {.name = (NAME), .kind = CLI_ARG_CHOICE, .dest.text = (VAR), .choices = (CHOICES)}
#define CLI_INT(NAME, VAR, LO, HI)                                                                 \
    {.name = (NAME), .kind = CLI_ARG_INT, .dest.integer = (VAR), .min = (LO), .max = (HI)}
#define CLI_SIZE(NAME, VAR, LO, HI)                                                                \
    {.name = (NAME), .kind = CLI_ARG_SIZE, .dest.size = (VAR), .min = (LO), .max = (HI)}
#define CLI_U64(NAME, VAR, LO, HI)                                                                 \
    {.name = (NAME), .kind = CLI_ARG_U64, .dest.u64 = (VAR), .min = (LO), .max = (HI)}
#define CLI_REAL(NAME, VAR, LO, HI)                                                                \
    {.name = (NAME), .kind = CLI_ARG_REAL, .dest.real = (VAR), .min = (LO), .max = (HI)}
#define CLI_FLAG(NAME, VAR) {.name = (NAME), .kind = CLI_ARG_FLAG, .dest.flag = (VAR)}
#define CLI_LIST(NAME, LIST, MIN_COUNT)                                                            \
    {.name = (NAME), .kind = CLI_ARG_LIST, .dest.list = (LIST), .min = (MIN_COUNT)}
#define CLI_END {.name = NULL}

/* Parses argv[first..argc) against options (ending with CLI_END) into their variables.
 * On bad input prints one message naming the option and what it expected, then usage, to
 * stderr, and returns false: the command exits with EXIT_USAGE. */
bool cli_args_parse(int argc, char **argv, int first, const cli_option *options,
                    const char *usage);

/* Prints "aelab: MESSAGE" and usage to stderr, for the checks a table cannot express
 * (options that exclude each other). Returns false. */
bool cli_usage_error(const char *usage, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

#endif

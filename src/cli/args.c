/* The table-driven parser of args.h: every command that uses it words its usage errors
 * the same way ("aelab: --n: expected an integer from 1 to 100, got 'abc'"). */
#include "cli/args.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool cli_usage_error(const char *usage, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    fputs("aelab: ", stderr);
    vfprintf(stderr, format, ap);
    va_end(ap);
    fprintf(stderr, "\n%s", usage);
    return false;
}

static bool is_positional(const cli_option *o)
{
    return o->name[0] != '-';
}

static const cli_option *find_option(const cli_option *options, const char *name)
{
    for (const cli_option *o = options; o->name; o++)
        if (!is_positional(o) && !strcmp(o->name, name))
            return o;
    return NULL;
}

/* The first positional entry from o on, or NULL at the end of the table. */
static const cli_option *next_positional(const cli_option *o)
{
    while (o->name && !is_positional(o))
        o++;
    return o->name ? o : NULL;
}

static bool is_choice(const char *choices, const char *word)
{
    size_t len = strlen(word);
    for (const char *c = choices;;) {
        size_t n = strcspn(c, "|");
        if (n == len && !strncmp(c, word, n))
            return true;
        if (!c[n])
            return false;
        c += n + 1;
    }
}

/* "test|train" as "test or train", "a|b|c" as "a, b or c". */
static void choices_in_words(const char *choices, char *buf, size_t size)
{
    const char *last = strrchr(choices, '|');
    size_t at = 0;
    buf[0] = '\0';
    for (const char *c = choices; at < size;) {
        size_t n = strcspn(c, "|");
        const char *sep = !c[n] ? "" : c + n == last ? " or " : ", ";
        at += (size_t)snprintf(buf + at, size - at, "%.*s%s", (int)n, c, sep);
        if (!c[n])
            break;
        c += n + 1;
    }
}

/* What a numeric option accepts, in words: "an integer from 1 to 100". */
static void describe_number(const cli_option *o, char *buf, size_t size)
{
    bool real = o->kind == CLI_ARG_REAL;
    if (!isinf(o->max))
        snprintf(buf, size, "%s from %.15g to %.15g", real ? "a number" : "an integer", o->min,
                 o->max);
    else if (o->min == 0)
        snprintf(buf, size, "a non-negative %s", real ? "number" : "integer");
    else if (o->min == 1 && !real)
        snprintf(buf, size, "a positive integer");
    else
        snprintf(buf, size, "%s of at least %.15g", real ? "a number" : "an integer", o->min);
}

/* A whole decimal integer: an optional sign, then digits only. strtoull alone would also
 * take leading spaces and negate "-5" into a huge unsigned value. */
static bool read_integer(const char *text, bool *negative, uint64_t *magnitude)
{
    const char *digits = text + (*text == '-' || *text == '+');
    if (!isdigit((unsigned char)*digits))
        return false;
    char *end;
    errno = 0;
    unsigned long long m = strtoull(digits, &end, 10);
    if (*end || errno == ERANGE)
        return false;
    *negative = *text == '-' && m > 0;
    *magnitude = m;
    return true;
}

/* Stores text if it is an integer in [o->min, o->max] that the variable's type holds. */
static bool store_integer(const cli_option *o, const char *text)
{
    bool negative;
    uint64_t m;
    if (!read_integer(text, &negative, &m))
        return false;
    double value = negative ? -(double)m : (double)m;
    if (!(value >= o->min && value <= o->max))
        return false;
    if (o->kind == CLI_ARG_INT) {
        if (value < INT_MIN || value > INT_MAX)
            return false;
        *o->dest.integer = (int)value;
        return true;
    }
    if (negative) /* the unsigned kinds */
        return false;
    if (o->kind == CLI_ARG_U64)
        *o->dest.u64 = m;
    else if ((size_t)m == m)
        *o->dest.size = (size_t)m;
    else
        return false;
    return true;
}

static bool store_real(const cli_option *o, const char *text)
{
    char *end;
    double x = strtod(text, &end);
    if (end == text || *end || !isfinite(x) || !(x >= o->min && x <= o->max))
        return false;
    *o->dest.real = x;
    return true;
}

/* Stores one value of the option or positional o; false after a message. */
static bool store(const cli_option *o, const char *text, const char *usage)
{
    char expected[256];
    switch (o->kind) {
    case CLI_ARG_STRING:
        *o->dest.text = text;
        return true;
    case CLI_ARG_FLAG:
        *o->dest.flag = true;
        return true;
    case CLI_ARG_LIST: {
        cli_list *list = o->dest.list;
        if (list->count == list->capacity)
            return cli_usage_error(usage, "too many %s (at most %zu)", o->name, list->capacity);
        list->items[list->count++] = text;
        return true;
    }
    case CLI_ARG_CHOICE:
        if (is_choice(o->choices, text)) {
            *o->dest.text = text;
            return true;
        }
        choices_in_words(o->choices, expected, sizeof expected);
        break;
    case CLI_ARG_REAL:
        if (store_real(o, text))
            return true;
        describe_number(o, expected, sizeof expected);
        break;
    case CLI_ARG_INT:
    case CLI_ARG_SIZE:
    case CLI_ARG_U64:
        if (store_integer(o, text))
            return true;
        describe_number(o, expected, sizeof expected);
        break;
    }
    return cli_usage_error(usage, "%s: expected %s, got '%s'", o->name, expected, text);
}

/* Every positional from slot on is still owed its argument(s), but a list may have its
 * minimum already. */
static bool check_positionals(const cli_option *slot, const char *usage)
{
    for (; slot; slot = next_positional(slot + 1))
        if (slot->kind != CLI_ARG_LIST || slot->dest.list->count < (size_t)slot->min)
            return cli_usage_error(usage, "missing %s", slot->name);
    return true;
}

bool cli_args_parse(int argc, char **argv, int first, const cli_option *options,
                    const char *usage)
{
    const cli_option *slot = next_positional(options); /* takes the next positional */
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (arg[0] == '-' && arg[1]) {
            const cli_option *o = find_option(options, arg);
            if (!o)
                return cli_usage_error(usage, "unexpected argument '%s'", arg);
            if (o->kind == CLI_ARG_FLAG)
                *o->dest.flag = true;
            else if (i + 1 == argc)
                return cli_usage_error(usage, "%s needs a value", arg);
            else if (!store(o, argv[++i], usage))
                return false;
        } else if (!slot) {
            return cli_usage_error(usage, "unexpected argument '%s'", arg);
        } else {
            if (!store(slot, arg, usage))
                return false;
            if (slot->kind != CLI_ARG_LIST) /* a list takes all the rest */
                slot = next_positional(slot + 1);
        }
    }
    return check_positionals(slot, usage);
}

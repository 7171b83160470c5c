/* Plain scalars under the YAML 1.2 core schema, and number conversion with
 * full endptr/errno checks. Assumes the "C" LC_NUMERIC locale (the default
 * unless the program calls setlocale). */
#include "config/internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool is_one_of(const char *s, const char *const *words)
{
    for (; *words; words++)
        if (strcmp(s, *words) == 0)
            return true;
    return false;
}

static bool all_in(const char *s, const char *set)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!strchr(set, *s))
            return false;
    return true;
}

static const char DIGITS[] = "0123456789";

/* [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool is_float_text(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    size_t ip = strspn(s, DIGITS);
    s += ip;
    size_t fp = 0;
    if (*s == '.') {
        s++;
        fp = strspn(s, DIGITS);
        s += fp;
    }
    if (ip == 0 && fp == 0)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '-' || *s == '+')
            s++;
        size_t ep = strspn(s, DIGITS);
        if (ep == 0)
            return false;
        s += ep;
    }
    return *s == '\0';
}

static bool is_inf_text(const char *s)
{
    static const char *const inf[] = {".inf", ".Inf", ".INF", NULL};
    if (*s == '-' || *s == '+')
        s++;
    return is_one_of(s, inf);
}

static bool is_nan_text(const char *s)
{
    static const char *const nan_[] = {".nan", ".NaN", ".NAN", NULL};
    return is_one_of(s, nan_);
}

ae_cfg_type ae_cfg_resolve_plain(const char *s)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE", NULL};
    if (is_one_of(s, nulls))
        return AE_CFG_T_NULL;
    if (is_one_of(s, bools))
        return AE_CFG_T_BOOL;
    const char *d = (*s == '-' || *s == '+') ? s + 1 : s;
    if (all_in(d, DIGITS))
        return AE_CFG_T_INT;
    if (s[0] == '0' && s[1] == 'o' && all_in(s + 2, "01234567"))
        return AE_CFG_T_INT;
    if (s[0] == '0' && s[1] == 'x' && all_in(s + 2, "0123456789abcdefABCDEF"))
        return AE_CFG_T_INT;
    if (is_float_text(s) || is_inf_text(s) || is_nan_text(s))
        return AE_CFG_T_FLOAT;
    return AE_CFG_T_STRING;
}

static int int_base(const char *s, const char **digits)
{
    if (s[0] == '0' && s[1] == 'o') {
        *digits = s + 2;
        return 8;
    }
    if (s[0] == '0' && s[1] == 'x') {
        *digits = s + 2;
        return 16;
    }
    *digits = s;
    return 10;
}

bool ae_cfg_parse_int(const char *text, long *out, bool *overflow)
{
    *overflow = false;
    const char *digits;
    int base = int_base(text, &digits);
    errno = 0;
    char *end;
    long v = strtol(digits, &end, base);
    if (end == digits || *end != '\0')
        return false;
    if (errno == ERANGE) {
        *overflow = true;
        return false;
    }
    *out = v;
    return true;
}

bool ae_cfg_parse_double(const char *text, double *out)
{
    if (is_nan_text(text)) {
        *out = NAN;
        return true;
    }
    if (is_inf_text(text)) {
        *out = text[0] == '-' ? -INFINITY : INFINITY;
        return true;
    }
    const char *digits;
    int base = int_base(text, &digits);
    if (base != 10) {
        /* Octal/hex ints beyond a long: accumulate in double. */
        double v = 0;
        for (const char *p = digits; *p; p++) {
            int d = *p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10;
            if (d < 0 || d >= base)
                return false;
            v = v * base + d;
        }
        *out = v;
        return *digits != '\0';
    }
    errno = 0;
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end != '\0')
        return false;
    if (errno == ERANGE && isinf(v))
        return false; /* overflow; underflow to a tiny value is accepted */
    *out = v;
    return true;
}

void ae_cfg_format_double(double v, char out[32])
{
    if (isnan(v)) {
        strcpy(out, ".nan");
        return;
    }
    if (isinf(v)) {
        strcpy(out, v > 0 ? ".inf" : "-.inf");
        return;
    }
    for (int p = 1; p <= 17; p++) {
        snprintf(out, 32, "%.*g", p, v);
        if (strtod(out, NULL) == v)
            break;
    }
    if (!strpbrk(out, ".e"))
        strcat(out, ".0");
}

void ae_cfg_describe(const ae_cfg_node *n, char *out, size_t size)
{
    if (!n || n->kind == AE_CFG_NULL) {
        snprintf(out, size, "null");
        return;
    }
    if (n->kind == AE_CFG_SEQ) {
        snprintf(out, size, "a sequence");
        return;
    }
    if (n->kind == AE_CFG_MAP) {
        snprintf(out, size, "a mapping");
        return;
    }
    /* Long or multi-line text is cut so one message stays one line. */
    char text[64];
    size_t len = strcspn(n->text, "\n\r");
    bool cut = len > 40 || n->text[len] != '\0';
    if (len > 40) {
        len = 40;
        while (len > 0 && ((unsigned char)n->text[len] & 0xC0) == 0x80)
            len--; /* do not split a UTF-8 sequence */
    }
    snprintf(text, sizeof text, "%.*s%s", (int)len, n->text, cut ? "..." : "");
    if (n->quoted)
        snprintf(out, size, "the string \"%s\"", text);
    else
        snprintf(out, size, "'%s'", text);
}

/* Typed reads with located diagnostics (see reader.h). */
#include "config/reader.h"
#include "config/seen.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Reports a problem with node n once: later reads of the same node stay quiet,
 * so one mistake gives one message. */
__attribute__((format(printf, 3, 4))) static void problem(ae_cfg_reader *r, const ae_cfg_node *n,
                                                           const char *fmt, ...)
{
    ae_cfg_rec *rec = ae_cfg_seen_rec(r, n);
    if (rec && rec->reported)
        return;
    if (rec)
        rec->reported = true;
    va_list ap;
    va_start(ap, fmt);
    ae_cfg_reader_vreport(r, n, fmt, ap);
    va_end(ap);
}

static bool wrong_type(ae_cfg_reader *r, const ae_cfg_node *n, const char *expected)
{
    char path[512], what[96];
    ae_cfg_reader_path(n, path, sizeof path);
    ae_cfg_describe(n, what, sizeof what);
    problem(r, n, "%s%sexpected %s, got %s", path, path[0] ? ": " : "", expected, what);
    return false;
}

bool ae_cfg_expect_map(ae_cfg_reader *r, const ae_cfg_node *n, const char *what)
{
    if (!n)
        return false;
    return n->kind == AE_CFG_MAP || wrong_type(r, n, what ? what : "a mapping");
}

bool ae_cfg_expect_seq(ae_cfg_reader *r, const ae_cfg_node *n, const char *what)
{
    if (!n)
        return false;
    return n->kind == AE_CFG_SEQ || wrong_type(r, n, what ? what : "a sequence");
}

/* The value of key, NULL when absent or null; *ok false after a diagnostic. */
static const ae_cfg_node *lookup(ae_cfg_reader *r, const ae_cfg_node *map, const char *key,
                                 int flags, bool *ok)
{
    *ok = true;
    bool required = flags & AE_CFG_REQUIRED;
    if (!map) {
        /* An absent section: its absence was reported if it mattered, so its
         * fields stay quiet instead of cascading. */
        *ok = !required;
        return NULL;
    }
    if (!ae_cfg_expect_map(r, map, NULL)) {
        *ok = false;
        return NULL;
    }
    ae_cfg_seen_mark(r, map, key);
    const ae_cfg_node *v = ae_cfg_lookup(map, key);
    if (v && v->kind != AE_CFG_NULL)
        return v;
    if (required) {
        char path[512];
        ae_cfg_reader_path(map, path, sizeof path);
        if (v)
            problem(r, v, "missing value for '%s'%s%s", key, path[0] ? " in " : "", path);
        else
            ae_cfg_reader_report(r, map, "missing field '%s'%s%s", key, path[0] ? " in " : "",
                                 path);
        *ok = false;
    }
    return NULL;
}

const ae_cfg_node *ae_cfg_get(ae_cfg_reader *r, const ae_cfg_node *map, const char *key, int flags)
{
    bool ok;
    return lookup(r, map, key, flags, &ok);
}

const ae_cfg_node *ae_cfg_get_map(ae_cfg_reader *r, const ae_cfg_node *map, const char *key,
                                  int flags)
{
    const ae_cfg_node *v = ae_cfg_get(r, map, key, flags);
    return v && ae_cfg_expect_map(r, v, NULL) ? v : NULL;
}

const ae_cfg_node *ae_cfg_get_seq(ae_cfg_reader *r, const ae_cfg_node *map, const char *key,
                                  int flags)
{
    const ae_cfg_node *v = ae_cfg_get(r, map, key, flags);
    return v && ae_cfg_expect_seq(r, v, NULL) ? v : NULL;
}

/* ---- conversions of one node ---- */

static void out_of_range(ae_cfg_reader *r, const ae_cfg_node *n, const char *range)
{
    char path[512];
    ae_cfg_reader_path(n, path, sizeof path);
    problem(r, n, "%s%s%s is out of range %s", path, path[0] ? ": " : "", n->text, range);
}

bool ae_cfg_as_int(ae_cfg_reader *r, const ae_cfg_node *n, long min, long max, long *out)
{
    if (!n)
        return false;
    if (ae_cfg_type_of(n) != AE_CFG_T_INT)
        return wrong_type(r, n, "an integer");
    long v;
    bool overflow;
    if (!ae_cfg_parse_int(n->text, &v, &overflow) || v < min || v > max) {
        char range[64];
        snprintf(range, sizeof range, "[%ld, %ld]", min, max);
        out_of_range(r, n, range);
        return false;
    }
    *out = v;
    return true;
}

bool ae_cfg_as_double(ae_cfg_reader *r, const ae_cfg_node *n, double min, double max, double *out)
{
    if (!n)
        return false;
    ae_cfg_type t = ae_cfg_type_of(n);
    double v;
    if ((t != AE_CFG_T_INT && t != AE_CFG_T_FLOAT) ||
        (ae_cfg_parse_double(n->text, &v) && isnan(v)))
        return wrong_type(r, n, "a number");
    if (!ae_cfg_parse_double(n->text, &v) || !(v >= min && v <= max)) {
        char range[64];
        snprintf(range, sizeof range, "[%g, %g]", min, max);
        out_of_range(r, n, range);
        return false;
    }
    *out = v;
    return true;
}

bool ae_cfg_as_bool(ae_cfg_reader *r, const ae_cfg_node *n, bool *out)
{
    if (!n)
        return false;
    if (ae_cfg_type_of(n) != AE_CFG_T_BOOL)
        return wrong_type(r, n, "true or false");
    *out = (n->text[0] | 0x20) == 't';
    return true;
}

bool ae_cfg_as_string(ae_cfg_reader *r, const ae_cfg_node *n, const char **out)
{
    if (!n)
        return false;
    if (n->kind != AE_CFG_SCALAR)
        return wrong_type(r, n, "a string");
    *out = n->text;
    return true;
}

bool ae_cfg_as_enum(ae_cfg_reader *r, const ae_cfg_node *n, const char *const *choices, int *out)
{
    const char *text;
    if (!ae_cfg_as_string(r, n, &text))
        return false;
    size_t count = 0;
    for (; choices[count]; count++)
        if (strcmp(choices[count], text) == 0) {
            *out = (int)count;
            return true;
        }
    char path[512], hint[512];
    ae_cfg_reader_path(n, path, sizeof path);
    const char *near = ae_cfg_suggest(text, choices, count);
    if (near) {
        snprintf(hint, sizeof hint, "did you mean '%s'?", near);
    } else {
        size_t used = (size_t)snprintf(hint, sizeof hint, "expected one of:");
        for (size_t i = 0; i < count && used < sizeof hint; i++)
            used += (size_t)snprintf(hint + used, sizeof hint - used, "%s %s", i ? "," : "",
                                     choices[i]);
    }
    problem(r, n, "%s%sunknown value '%s' (%s)", path, path[0] ? ": " : "", text, hint);
    return false;
}

/* ---- by key ---- */

bool ae_cfg_get_int(ae_cfg_reader *r, const ae_cfg_node *map, const char *key, int flags,
                    long def, long min, long max, long *out)
{
    bool ok;
    *out = def;
    const ae_cfg_node *v = lookup(r, map, key, flags, &ok);
    return v ? ae_cfg_as_int(r, v, min, max, out) : ok;
}

bool ae_cfg_get_double(ae_cfg_reader *r, const ae_cfg_node *map, const char *key, int flags,
                       double def, double min, double max, double *out)
{
    bool ok;
    *out = def;
    const ae_cfg_node *v = lookup(r, map, key, flags, &ok);
    return v ? ae_cfg_as_double(r, v, min, max, out) : ok;
}

bool ae_cfg_get_bool(ae_cfg_reader *r, const ae_cfg_node *map, const char *key, int flags,
                     bool def, bool *out)
{
    bool ok;
    *out = def;
    const ae_cfg_node *v = lookup(r, map, key, flags, &ok);
    return v ? ae_cfg_as_bool(r, v, out) : ok;
}

bool ae_cfg_get_string(ae_cfg_reader *r, const ae_cfg_node *map, const char *key, int flags,
                       const char *def, const char **out)
{
    bool ok;
    *out = def;
    const ae_cfg_node *v = lookup(r, map, key, flags, &ok);
    return v ? ae_cfg_as_string(r, v, out) : ok;
}

bool ae_cfg_get_enum(ae_cfg_reader *r, const ae_cfg_node *map, const char *key, int flags,
                     const char *const *choices, int def, int *out)
{
    bool ok;
    *out = def;
    const ae_cfg_node *v = lookup(r, map, key, flags, &ok);
    return v ? ae_cfg_as_enum(r, v, choices, out) : ok;
}

int ae_cfg_get_int_list(ae_cfg_reader *r, const ae_cfg_node *map, const char *key, int flags,
                        long min, long max, long *out, int max_len)
{
    bool ok;
    const ae_cfg_node *v = lookup(r, map, key, flags, &ok);
    if (!v)
        return ok ? 0 : -1;
    if (!ae_cfg_expect_seq(r, v, "a list of integers"))
        return -1;
    if (max_len < 0 || v->len > (size_t)max_len) {
        char path[512];
        ae_cfg_reader_path(v, path, sizeof path);
        problem(r, v, "%s: expected at most %d items, got %zu", path, max_len, v->len);
        return -1;
    }
    bool all = true;
    for (size_t i = 0; i < v->len; i++)
        all &= ae_cfg_as_int(r, v->items[i], min, max, &out[i]);
    return all ? (int)v->len : -1;
}

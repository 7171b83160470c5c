/* The canonical form behind the config hash: keys sorted by bytes, every
 * scalar in one spelling of its typed value. Configs that mean the same thing
 * (key order, 0.010 vs 0.01, 0x10 vs 16, "relu" vs relu, ~ vs null, flow vs
 * block style) give the same text; 1 vs 1.0 vs "1" stay different. */
#include "config/internal.h"
#include "config/sha256.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_string(ae_cfg_buf *b, const char *s)
{
    ae_cfg_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            ae_cfg_buf_putc(b, '\\');
            ae_cfg_buf_putc(b, (char)*p);
        } else if (*p == '\n') {
            ae_cfg_buf_puts(b, "\\n");
        } else if (*p == '\t') {
            ae_cfg_buf_puts(b, "\\t");
        } else if (*p < 0x20 || *p == 0x7f) {
            char esc[8];
            snprintf(esc, sizeof esc, "\\u%04X", *p);
            ae_cfg_buf_puts(b, esc);
        } else {
            ae_cfg_buf_putc(b, (char)*p);
        }
    }
    ae_cfg_buf_putc(b, '"');
}

static void put_scalar(ae_cfg_buf *b, const ae_cfg_node *n)
{
    char num[32];
    long i;
    double d;
    bool overflow;
    switch (ae_cfg_type_of(n)) {
    case AE_CFG_T_NULL:
        ae_cfg_buf_puts(b, "null");
        return;
    case AE_CFG_T_BOOL:
        ae_cfg_buf_puts(b, (n->text[0] | 0x20) == 't' ? "true" : "false");
        return;
    case AE_CFG_T_INT:
        if (ae_cfg_parse_int(n->text, &i, &overflow)) {
            snprintf(num, sizeof num, "%ld", i);
            ae_cfg_buf_puts(b, num);
        } else {
            ae_cfg_buf_puts(b, n->text); /* beyond a long: the source digits */
        }
        return;
    case AE_CFG_T_FLOAT:
        if (ae_cfg_parse_double(n->text, &d)) {
            ae_cfg_format_double(d, num);
            ae_cfg_buf_puts(b, num);
        } else {
            ae_cfg_buf_puts(b, n->text); /* overflows a double: as written */
        }
        return;
    default:
        put_string(b, n->text);
        return;
    }
}

static int by_key(const void *a, const void *b)
{
    const ae_cfg_pair *x = *(const ae_cfg_pair *const *)a, *y = *(const ae_cfg_pair *const *)b;
    return strcmp(x->key, y->key);
}

static void put_node(ae_cfg_buf *b, const ae_cfg_node *n)
{
    if (n->kind == AE_CFG_SEQ) {
        ae_cfg_buf_putc(b, '[');
        for (size_t i = 0; i < n->len; i++) {
            if (i)
                ae_cfg_buf_putc(b, ',');
            put_node(b, n->items[i]);
        }
        ae_cfg_buf_putc(b, ']');
    } else if (n->kind == AE_CFG_MAP) {
        const ae_cfg_pair **sorted = n->len ? malloc(n->len * sizeof *sorted) : NULL;
        if (n->len && !sorted) {
            b->oom = true;
            return;
        }
        for (size_t i = 0; i < n->len; i++)
            sorted[i] = &n->pairs[i];
        if (n->len > 1)
            qsort(sorted, n->len, sizeof *sorted, by_key);
        ae_cfg_buf_putc(b, '{');
        for (size_t i = 0; i < n->len; i++) {
            if (i)
                ae_cfg_buf_putc(b, ',');
            put_string(b, sorted[i]->key);
            ae_cfg_buf_putc(b, ':');
            put_node(b, sorted[i]->value);
        }
        ae_cfg_buf_putc(b, '}');
        free(sorted);
    } else {
        put_scalar(b, n);
    }
}

char *ae_cfg_emit_canonical(const ae_cfg_node *n)
{
    if (!n)
        return NULL;
    ae_cfg_buf b = {0};
    put_node(&b, n);
    return ae_cfg_buf_finish(&b);
}

void ae_cfg_sha256_hex(const ae_cfg_node *n, char out[65])
{
    char *text = ae_cfg_emit_canonical(n);
    out[0] = '\0';
    if (text)
        ae_sha256_hex(text, strlen(text), out);
    free(text);
}

bool ae_cfg_equal(const ae_cfg_node *a, const ae_cfg_node *b)
{
    char *x = ae_cfg_emit_canonical(a), *y = ae_cfg_emit_canonical(b);
    bool eq = x && y && strcmp(x, y) == 0;
    free(x);
    free(y);
    return eq;
}

/* The resolved tree as readable block YAML (what run files record). Scalars
 * keep their source spelling; strings are written plain only when that reads
 * back as the same string, else double-quoted. */
#include "config/internal.h"

#include <stdio.h>
#include <string.h>

/* Conservative: characters that can never start or end a plain scalar, or
 * start a comment or a mapping value inside one, force quotes. */
static bool plain_safe(const char *s)
{
    unsigned char c = (unsigned char)s[0];
    if (!c || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                strchr("_./(~$^", c)))
        return false;
    for (; *s; s++) {
        c = (unsigned char)*s;
        if (c < 0x20 || c >= 0x7f || strchr(":#,[]{}\"", c))
            return false;
    }
    return s[-1] != ' ';
}

/* A string that would read back as itself here but as a bool, number or date
 * under YAML 1.1 (PyYAML, which may read run files): quote it. */
static bool yaml11_ambiguous(const char *s)
{
    static const char *const words[] = {"y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No",
                                        "NO", "on", "On", "ON", "off", "Off", "OFF", NULL};
    if ((s[0] >= '0' && s[0] <= '9') || s[0] == '+' || (s[0] == '.' && s[1] >= '0' && s[1] <= '9'))
        return true;
    for (const char *const *w = words; *w; w++)
        if (strcmp(s, *w) == 0)
            return true;
    return false;
}

/* Written without quotes, s reads back as the same string. */
static bool plain_string(const char *s)
{
    return plain_safe(s) && ae_cfg_resolve_plain(s) == AE_CFG_T_STRING && !yaml11_ambiguous(s);
}

static void put_dq(ae_cfg_buf *b, const char *s)
{
    ae_cfg_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            ae_cfg_buf_put(b, esc, 2);
        } else if (*p == '\n') {
            ae_cfg_buf_puts(b, "\\n");
        } else if (*p == '\t') {
            ae_cfg_buf_puts(b, "\\t");
        } else if (*p < 0x20 || *p == 0x7f) {
            snprintf(esc, sizeof esc, "\\x%02X", *p);
            ae_cfg_buf_puts(b, esc);
        } else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
            /* C1 controls, NEL (U+0085) among them: YAML would fold a raw NEL. */
            snprintf(esc, sizeof esc, "\\x%02X", p[1]);
            ae_cfg_buf_puts(b, esc);
            p++;
        } else if (p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
            ae_cfg_buf_puts(b, p[2] == 0xA8 ? "\\L" : "\\P"); /* line/paragraph separators */
            p += 2;
        } else if (p[0] == 0xEF && ((p[1] == 0xBB && p[2] == 0xBF) ||
                                    (p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF)))) {
            ae_cfg_buf_puts(b, p[1] == 0xBB ? "\\uFEFF" : p[2] == 0xBE ? "\\uFFFE" : "\\uFFFF");
            p += 2;
        } else {
            ae_cfg_buf_putc(b, (char)*p);
        }
    }
    ae_cfg_buf_putc(b, '"');
}

static void put_key(ae_cfg_buf *b, const char *key)
{
    if (plain_string(key))
        ae_cfg_buf_puts(b, key);
    else
        put_dq(b, key);
}

/* A node that fits on the current line: scalars and empty containers. */
static void put_inline(ae_cfg_buf *b, const ae_cfg_node *n)
{
    if (n->kind == AE_CFG_NULL)
        ae_cfg_buf_puts(b, "null");
    else if (n->kind == AE_CFG_SEQ)
        ae_cfg_buf_puts(b, "[]");
    else if (n->kind == AE_CFG_MAP)
        ae_cfg_buf_puts(b, "{}");
    else if (!n->quoted && ae_cfg_resolve_plain(n->text) != AE_CFG_T_STRING)
        ae_cfg_buf_puts(b, n->text); /* typed: keep the source spelling */
    else if (plain_string(n->text))
        ae_cfg_buf_puts(b, n->text);
    else
        put_dq(b, n->text);
}

static bool is_block(const ae_cfg_node *n)
{
    return (n->kind == AE_CFG_SEQ || n->kind == AE_CFG_MAP) && n->len > 0;
}

static void indent(ae_cfg_buf *b, int n)
{
    static const char spaces[] = "                                ";
    while (n > 0) {
        int k = n < 32 ? n : 32;
        ae_cfg_buf_put(b, spaces, (size_t)k);
        n -= k;
    }
}

static void put_seq(ae_cfg_buf *b, const ae_cfg_node *seq, int ind, bool first_inline);

/* first_inline: the first line continues after a "- " already written. */
static void put_map(ae_cfg_buf *b, const ae_cfg_node *map, int ind, bool first_inline)
{
    for (size_t i = 0; i < map->len; i++) {
        const ae_cfg_node *v = map->pairs[i].value;
        if (i > 0 || !first_inline)
            indent(b, ind);
        if (strlen(map->pairs[i].key) > 1000) {
            /* libyaml only takes implicit keys up to 1024 characters */
            ae_cfg_buf_puts(b, "? ");
            put_dq(b, map->pairs[i].key);
            ae_cfg_buf_putc(b, '\n');
            indent(b, ind);
        } else {
            put_key(b, map->pairs[i].key);
        }
        ae_cfg_buf_putc(b, ':');
        if (is_block(v)) {
            ae_cfg_buf_putc(b, '\n');
            if (v->kind == AE_CFG_MAP)
                put_map(b, v, ind + 2, false);
            else
                put_seq(b, v, ind + 2, false);
        } else {
            ae_cfg_buf_putc(b, ' ');
            put_inline(b, v);
            ae_cfg_buf_putc(b, '\n');
        }
    }
}

static void put_seq(ae_cfg_buf *b, const ae_cfg_node *seq, int ind, bool first_inline)
{
    for (size_t i = 0; i < seq->len; i++) {
        const ae_cfg_node *v = seq->items[i];
        if (i > 0 || !first_inline)
            indent(b, ind);
        ae_cfg_buf_puts(b, "- ");
        if (v->kind == AE_CFG_MAP && v->len)
            put_map(b, v, ind + 2, true);
        else if (v->kind == AE_CFG_SEQ && v->len)
            put_seq(b, v, ind + 2, true);
        else {
            put_inline(b, v);
            ae_cfg_buf_putc(b, '\n');
        }
    }
}

char *ae_cfg_emit_yaml(const ae_cfg_node *n)
{
    if (!n)
        return NULL;
    ae_cfg_buf b = {0};
    if (n->kind == AE_CFG_MAP && n->len)
        put_map(&b, n, 0, false);
    else if (n->kind == AE_CFG_SEQ && n->len)
        put_seq(&b, n, 0, false);
    else {
        put_inline(&b, n);
        ae_cfg_buf_putc(&b, '\n');
    }
    return ae_cfg_buf_finish(&b);
}

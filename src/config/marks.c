/* Positions for messages: libyaml's reader errors carry only a byte offset,
 * its marks count characters, and the diagnostics of one file read best in
 * file order. */
#include "config/internal.h"

#include <stdlib.h>
#include <string.h>

/* Line and column of a byte offset (libyaml's reader errors carry only that). */
void ae_cfg_offset_mark(const char *text, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)text[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

/* The byte at a libyaml mark (0-based line, column in characters), or 0. */
char ae_cfg_char_at(const char *text, size_t line, size_t column)
{
    const char *p = text;
    for (size_t i = 0; i < line; i++) {
        p = strchr(p, '\n');
        if (!p)
            return 0;
        p++;
    }
    for (size_t col = 0; col < column && *p && *p != '\n'; p++)
        if (((unsigned char)p[1] & 0xC0) != 0x80)
            col++;
    return *p;
}

static int by_position(const void *a, const void *b)
{
    const ae_diag *x = a, *y = b;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return 0;
}

/* Orders one file's diagnostics by position (duplicate keys are found when a
 * mapping closes, after errors inside it). A merge sort, so errors at the same
 * position keep the order they were found in. */
void ae_cfg_sort_diags(ae_diags *d, size_t start)
{
    size_t n = d->count - start;
    if (n < 2)
        return;
    ae_diag *tmp = malloc(n * sizeof *tmp);
    if (!tmp)
        return;
    ae_diag *a = d->items + start;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = by_position(&a[j], &a[i]) < 0 ? a[j++] : a[i++];
            while (i < mid)
                tmp[k++] = a[i++];
            while (j < hi)
                tmp[k++] = a[j++];
        }
        memcpy(a, tmp, n * sizeof *tmp);
    }
    free(tmp);
}

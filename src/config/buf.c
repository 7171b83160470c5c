/* A growable byte buffer for the emitters and for path strings. */
#include "config/internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void ae_cfg_buf_put(ae_cfg_buf *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (n >= SIZE_MAX / 2 - b->len) {
        b->oom = true;
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void ae_cfg_buf_puts(ae_cfg_buf *b, const char *s)
{
    ae_cfg_buf_put(b, s, strlen(s));
}

void ae_cfg_buf_putc(ae_cfg_buf *b, char c)
{
    ae_cfg_buf_put(b, &c, 1);
}

char *ae_cfg_buf_finish(ae_cfg_buf *b)
{
    if (b->oom || !b->p) {
        free(b->p);
        *b = (ae_cfg_buf){0};
        return NULL;
    }
    char *p = b->p;
    *b = (ae_cfg_buf){0};
    return p;
}

/* Training progress: a live bar on a terminal, one line per epoch otherwise. */
#include <stdio.h>
#include <unistd.h>

#include "cli/progress.h"

static void print_losses(FILE *out, const char *split, const ae_epoch_losses *l)
{
    fprintf(out, " %s_loss=%.6f", split, l->total);
    if (l->n > 1)
        for (size_t i = 0; i < l->n; i++)
            fprintf(out, " %s_%s=%.6f", split, l->name[i], l->value[i]);
}

static void on_batch(void *user, const ae_progress *p)
{
    cli_progress *c = user;
    if (!c->tty || c->quiet)
        return;
    double rate = p->seconds > 0 ? (double)p->samples / p->seconds : 0;
    double eta = p->batch ? p->seconds * (double)(p->batches - p->batch) / (double)p->batch : 0;
    int width = 24, filled = (int)((double)width * (double)p->batch / (double)p->batches);
    fprintf(stderr, "\r%s epoch %d/%d [", p->phase, p->epoch, p->epochs);
    for (int i = 0; i < width; i++)
        fputc(i < filled ? '=' : (i == filled ? '>' : ' '), stderr);
    fprintf(stderr, "] %zu/%zu  %.0f samples/s  loss %.5f  ETA %.0fs  ", p->batch, p->batches,
            rate, p->loss, eta);
    fflush(stderr);
}

static void on_epoch(void *user, const ae_progress *p)
{
    cli_progress *c = user;
    if (c->quiet)
        return;
    if (c->tty)
        fputc('\r', stderr);
    fprintf(stderr, "%s epoch %d/%d: %.1fs", p->phase, p->epoch, p->epochs, p->seconds);
    print_losses(stderr, "train", p->train);
    print_losses(stderr, "val", p->val);
    fputs(c->tty ? "\033[K\n" : "\n", stderr);
    fflush(stderr);
}

ae_train_hooks cli_progress_hooks(cli_progress *c, bool quiet,
                                  const volatile sig_atomic_t *stop)
{
    c->quiet = quiet;
    c->tty = isatty(fileno(stderr));
    ae_train_hooks h = {.on_batch = on_batch, .on_epoch = on_epoch, .user = c, .stop = stop};
    return h;
}

#ifndef AELAB_CLI_PROGRESS_H
#define AELAB_CLI_PROGRESS_H

#include <stdbool.h>

#include "train/train.h"

typedef struct cli_progress {
    bool tty, quiet;
} cli_progress;

ae_train_hooks cli_progress_hooks(cli_progress *c, bool quiet, const volatile sig_atomic_t *stop);

#endif

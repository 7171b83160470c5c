#include "config.h"
#include "aelab.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--version") == 0) {
        printf("aelab %s\n", aelab_version());
        return 0;
    }
    fprintf(stderr, "usage: aelab COMMAND ...\n");
    return 2;
}

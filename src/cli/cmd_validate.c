/* aelab validate FILE: every error of the file at once, or the resolved config. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"

static const char usage[] = "usage: aelab validate FILE [--set KEY=VALUE]...\n";

int cmd_validate(int argc, char **argv)
{
    cli_opts opts;
    const char *rest[1];
    int n = cli_parse(argc, argv, 2, &opts, rest, 1, usage);
    if (n != 1) {
        if (n == 0)
            fputs(usage, stderr);
        cli_opts_free(&opts);
        return EXIT_USAGE;
    }
    opts.file = rest[0];
    ae_cfg_doc *doc;
    ae_experiment exp;
    if (!cli_load_experiment(&opts, &doc, &exp)) {
        cli_opts_free(&opts);
        return EXIT_USAGE;
    }
    char sha[65];
    ae_cfg_sha256_hex(ae_cfg_root(doc), sha);
    char *yaml = ae_cfg_emit_yaml(ae_cfg_root(doc));
    int status = 0;
    if (yaml) {
        printf("# resolved config of %s\n# sha256 of its canonical form: %s\n%s", opts.file, sha,
               yaml);
    } else {
        fprintf(stderr, "aelab: out of memory\n");
        status = EXIT_RUNTIME;
    }
    free(yaml);
    ae_experiment_free(&exp);
    ae_cfg_free(doc);
    cli_opts_free(&opts);
    return status;
}

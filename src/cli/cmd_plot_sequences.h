/* aelab plot sequences: test sequences against their reconstructions, as a line chart. */
#ifndef AELAB_CLI_CMD_PLOT_SEQUENCES_H
#define AELAB_CLI_CMD_PLOT_SEQUENCES_H

/* argv as given to aelab: argv[1] = "plot", argv[2] = "sequences". Returns the exit status. */
int cmd_plot_sequences(int argc, char **argv);

#endif

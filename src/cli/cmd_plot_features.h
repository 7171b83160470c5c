/* aelab plot features: the features a dense layer learned, as image tiles. */
#ifndef AELAB_CLI_CMD_PLOT_FEATURES_H
#define AELAB_CLI_CMD_PLOT_FEATURES_H

/* argv as given to aelab: argv[1] = "plot", argv[2] = "features". Returns the exit status. */
int cmd_plot_features(int argc, char **argv);

#endif

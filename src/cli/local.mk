# cli: the aelab command
src_aelab_SOURCES += \
	src/cli/cli.h src/cli/main.c src/cli/common.c \
	src/cli/args.h src/cli/args.c \
	src/cli/progress.h src/cli/progress.c \
	src/cli/session.h src/cli/session.c \
	src/cli/run_load.h src/cli/run_load.c \
	src/cli/cmd_run.c src/cli/cmd_validate.c src/cli/cmd_resume.c \
	src/cli/cmd_encode.c src/cli/cmd_plot.c
src_aelab_SOURCES += src/cli/sweep_cli.h src/cli/cmd_sweep.c src/cli/sweep_local.c src/cli/sweep_slurm.c src/cli/sweep_show.c src/cli/cmd_plot_curves.c
src_aelab_SOURCES += src/cli/cmd_generate.c src/cli/cmd_plot_latent.c
src_aelab_SOURCES += src/cli/cmd_plot_features.h src/cli/cmd_plot_features.c
src_aelab_SOURCES += src/cli/cmd_plot_sequences.h src/cli/cmd_plot_sequences.c

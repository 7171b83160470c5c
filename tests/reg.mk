# regularized dense family (issue 4): suites reg_pca, reg_sparse, reg_tied, reg_denoise,
# reg_greedy, reg_plot, reg_cli
tests_unit_SOURCES += tests/test_reg_util.h tests/test_reg_util.c tests/test_reg_pca.c \
	tests/test_reg_sparse.c tests/test_reg_tied.c \
	tests/test_reg_denoise.c tests/test_reg_greedy.c \
	tests/test_reg_plot.c tests/test_reg_cli.c

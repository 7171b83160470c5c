# zoo tests: the contractive, variational and sequence autoencoders (issue 8)
tests_unit_SOURCES += tests/test_zoo_util.h tests/test_zoo_util.c tests/test_zoo_vae.c \
	tests/test_zoo_contractive.c tests/test_zoo_lstm.c tests/test_zoo_sines.c \
	tests/test_zoo_cli.c

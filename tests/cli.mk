# cli tests: suites cli_config, cli_run, cli_resume, cli_tools run the real
# aelab binary (AELAB_BUILDDIR/src/aelab, built first by EXTRA_tests_unit_DEPENDENCIES)
tests_unit_SOURCES += tests/cli_util.h tests/cli_util.c tests/test_cli_config.c \
	tests/test_cli_run.c tests/test_cli_resume.c \
	tests/test_cli_tools.c
# cli_args: the option parser itself, compiled in from the aelab binary's sources
tests_unit_SOURCES += tests/test_cli_args.c src/cli/args.h src/cli/args.c

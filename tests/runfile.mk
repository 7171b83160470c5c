# runfile tests: suites runfile, runfile_bad, runfile_atomic, runfile_tensorfile
tests_unit_SOURCES += \
	tests/test_runfile.c tests/test_runfile_bad.c tests/test_runfile_atomic.c \
	tests/test_runfile_tensorfile.c

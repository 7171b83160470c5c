# core tests
tests_unit_SOURCES += tests/test_tape.c

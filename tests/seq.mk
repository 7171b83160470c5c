# sequence op tests
tests_unit_SOURCES += tests/test_seq.c

# config tests
tests_unit_SOURCES += \
	tests/test_config_util.h \
	tests/test_config_load.c tests/test_config_include.c tests/test_config_override.c \
	tests/test_config_emit.c tests/test_config_reader.c tests/test_config_sha256.c

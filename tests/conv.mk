# convolutional ops tests (suites conv*)
tests_unit_SOURCES += tests/test_conv_real.c tests/test_conv.c tests/test_conv_pool.c tests/test_conv_bn.c

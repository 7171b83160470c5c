# nn tests: optimizers against hand-computed updates, initializer statistics
tests_unit_SOURCES += \
	tests/test_nn_optim.c \
	tests/test_nn_init.c

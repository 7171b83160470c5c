# ops tests: finite-difference gradients of every op, forward values, and a dense
# autoencoder trained end to end
tests_unit_SOURCES += \
	tests/test_ops_grad.c \
	tests/test_ops_values.c \
	tests/test_e2e_dense.c

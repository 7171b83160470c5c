# data tests: loaders, transforms, split, named datasets, scripts/fetch-data
tests_unit_SOURCES += \
	tests/test_data_fixtures.h tests/test_data_fixtures.c \
	tests/test_data_idx.c tests/test_data_cifar.c tests/test_data_sines.c \
	tests/test_data_h5seq.c tests/test_data_transform.c tests/test_data_split.c \
	tests/test_data_named.c tests/test_data_real.c tests/test_data_fetch.c

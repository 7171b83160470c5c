# test suites: one fragment per module, each adding its files to tests_unit_SOURCES
tests_unit_SOURCES += tests/test_error.c
include tests/core.mk
include tests/ops.mk
include tests/nn.mk
include tests/config.mk
include tests/model.mk
include tests/data.mk
include tests/train.mk
include tests/runfile.mk
include tests/viz.mk
include tests/sweep.mk
include tests/cli.mk
include tests/conv.mk
include tests/seq.mk
include tests/reg.mk
include tests/zoo.mk

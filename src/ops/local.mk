# ops: one file per op family; forward, backward and shape rule side by side
src_libaelab_core_la_SOURCES += \
	src/ops/ops.h \
	src/ops/matmul.c

# nn module sources
src_libaelab_core_la_SOURCES += \
	src/nn/init.h src/nn/init.c \
	src/nn/optim.h
# the optimizer kernels use src/ops/simd.h: built with the ops kernels (see src/ops/local.mk)
src_libaelab_kernels_la_SOURCES += src/nn/optim.c

# ops: one file per op family; forward, backward and shape rule side by side
src_libaelab_core_la_SOURCES += \
	src/ops/ops.h \
	src/ops/matmul.c
# dense family: bias, the fused dense layer, elementwise, activations, reductions, noise, losses.
# Their kernels pass 8-float vectors between always-inlined helpers (src/ops/simd.h); GCC's
# note that the AVX calling convention changed (-Wpsabi) cannot apply to inlined code and can
# only be silenced from the command line, so these files form a convenience library of their own.
noinst_LTLIBRARIES += src/libaelab-kernels.la
src_libaelab_kernels_la_CFLAGS = $(AM_CFLAGS) -Wno-psabi
src_libaelab_kernels_la_SOURCES = \
	src/ops/simd.h src/ops/grad.h src/ops/grad.c \
	src/ops/blas.h src/ops/blas.c \
	src/ops/bias.c \
	src/ops/dense.c \
	src/ops/elementwise.c \
	src/ops/activation.c \
	src/ops/reduce.c \
	src/ops/noise.c \
	src/ops/normal.c \
	src/ops/loss.c
src_libaelab_core_la_LIBADD += src/libaelab-kernels.la

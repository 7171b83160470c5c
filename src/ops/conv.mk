# convolutional ops: conv2d and its transpose (im2col + sgemm), pooling, upsampling, batchnorm
src_libaelab_core_la_SOURCES += \
	src/ops/conv.h \
	src/ops/im2col.h src/ops/im2col.c \
	src/ops/parallel.h src/ops/parallel.c \
	src/ops/conv2d.c \
	src/ops/conv2d_transpose.c \
	src/ops/pool.c \
	src/ops/upsample.c \
	src/ops/batchnorm.c

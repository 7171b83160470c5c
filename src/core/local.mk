# core: errors, tensors, arena, RNG, the tape
src_libaelab_core_la_SOURCES += \
	src/core/error.h src/core/error.c \
	src/version.c

# core: errors, tensors, arena, RNG, the tape
src_libaelab_core_la_SOURCES += \
	src/core/error.h src/core/error.c \
	src/version.c
src_libaelab_core_la_SOURCES += \
	src/core/rng.h src/core/rng.c \
	src/core/arena.h src/core/arena.c \
	src/core/tensor.h src/core/tensor.c \
	src/core/params.h src/core/params.c \
	src/core/tape.h src/core/tape.c

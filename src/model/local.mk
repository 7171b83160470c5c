# model: the experiment spec, the graph builder (layers as tape ops), losses
src_libaelab_core_la_SOURCES += \
	src/model/spec.h src/model/spec.c \
	src/model/spec_read.h src/model/spec_read.c \
	src/model/model.h src/model/model.c \
	src/model/loss.h src/model/loss.c

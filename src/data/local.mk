# data module sources: datasets, loaders, transforms, splits, the named-dataset cache
src_libaelab_core_la_SOURCES += \
	src/data/data.h src/data/dataset.c \
	src/data/io.h src/data/io.c \
	src/data/idx.c src/data/cifar.c src/data/sines.c src/data/plane3d.c src/data/h5seq.c \
	src/data/transform.c src/data/split.c src/data/named.c

# train: the epoch loop, batches, evaluation, checkpoints
src_libaelab_core_la_SOURCES += \
	src/train/train.h src/train/train.c \
	src/train/batch.h src/train/batch.c \
	src/train/evaluate.c \
	src/train/checkpoint.c
src_libaelab_core_la_SOURCES += \
	src/train/datasets.h src/train/datasets.c \
	src/train/pictures.h src/train/pictures.c \
	src/train/provenance.h src/train/provenance.c

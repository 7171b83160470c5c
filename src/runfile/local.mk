# runfile: the HDF5 run file (results/<experiment>/<run-id>/run.h5) and small HDF5 helpers.
# The only module that includes hdf5.h (besides data's sequence loader).
src_libaelab_core_la_SOURCES += \
	src/runfile/runfile.h src/runfile/runfile_impl.h \
	src/runfile/runfile.c src/runfile/runfile_metrics.c src/runfile/runfile_ckpt.c \
	src/runfile/runfile_save.c src/runfile/runfile_load.c \
	src/runfile/h5util.h src/runfile/h5util.c src/runfile/h5read.c src/runfile/h5atomic.c \
	src/runfile/h5heapcheck.c \
	src/runfile/h5file.h src/runfile/tensorfile.c

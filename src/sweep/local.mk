# sweep: trials expanded from a sweep: section, their directories, the local
# worker pool, the Slurm array script and the comparison report
src_libaelab_core_la_SOURCES += \
	src/sweep/sweep.h src/sweep/sweep_impl.h \
	src/sweep/sweep_read.c src/sweep/expand.c src/sweep/sweep_load.c src/sweep/util.c \
	src/sweep/trial.h src/sweep/trial.c \
	src/sweep/pool.h src/sweep/pool.c \
	src/sweep/slurm.h src/sweep/slurm.c \
	src/sweep/report.h src/sweep/report.c

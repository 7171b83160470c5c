# benchmarks: built and run by `make bench`, never by `make` or `make check`.
# bench-step times a dense autoencoder's training step against its sgemm floor, with one
# and with two OpenBLAS threads; run it by hand for other settings:
#   OPENBLAS_NUM_THREADS=1 bench/bench-step [reps]
EXTRA_PROGRAMS = bench/bench-step
bench_bench_step_SOURCES = bench/bench-step.c
bench_bench_step_LDADD = src/libaelab-core.la
CLEANFILES += $(EXTRA_PROGRAMS)

bench: $(EXTRA_PROGRAMS)
	OPENBLAS_NUM_THREADS=1 bench/bench-step$(EXEEXT)
	OPENBLAS_NUM_THREADS=2 bench/bench-step$(EXEEXT)
.PHONY: bench

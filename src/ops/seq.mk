# sequence ops: slice, stack, repeat (the parts an LSTM is built from)
src_libaelab_core_la_SOURCES += src/ops/seq.h src/ops/seq.c

# config: YAML experiment files -> located node tree, includes, --set, emit/hash, schema reader
src_libaelab_core_la_SOURCES += \
	src/config/cfg.h src/config/internal.h \
	src/config/tree.c src/config/nav.c src/config/buf.c src/config/strmap.c src/config/scalar.c \
	src/config/load.c src/config/marks.c src/config/include.c src/config/override.c \
	src/config/emit.c src/config/canon.c \
	src/config/sha256.h src/config/sha256.c \
	src/config/reader.h src/config/seen.h src/config/seen.c src/config/reader.c \
	src/config/suggest.c

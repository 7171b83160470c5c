# cli: the aelab command
src_aelab_SOURCES += src/cli/main.c

# viz tests: image grids read back with libpng, chart pixels and SVG text, axes
tests_unit_SOURCES += tests/test_viz.h tests/test_viz_grid.c tests/test_viz_chart.c \
	tests/test_viz_axes.c

# viz: image grids (libpng) and charts (cairo) drawn from run data
src_libaelab_core_la_SOURCES += \
	src/viz/viz.h src/viz/viz_internal.h \
	src/viz/png_write.c src/viz/image_grid.c src/viz/palette.c \
	src/viz/chart_canvas.c src/viz/chart_axes.c src/viz/chart_frame.c \
	src/viz/legend.c src/viz/line_chart.c src/viz/scatter.c

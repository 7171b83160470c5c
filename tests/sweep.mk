# sweep tests: expansion and validation (sweep_expand, sweep_errors), the worker pool
# (sweep_pool), the Slurm script and the parsing of Slurm's output (sweep_slurm_text), the
# command line on tiny trials (sweep_cli), and the round trip through a real local Slurm
# (sweep_slurm: tests/slurm/cluster; skipped, with the reason, when no cluster is running)
tests_unit_SOURCES += tests/test_sweep_load.c tests/test_sweep_pool.c \
	tests/test_sweep_slurm_text.c tests/test_sweep_cli.c tests/test_sweep_slurm.c

# benchmarks (built with make bench)

# viz tests

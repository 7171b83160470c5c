# runfile tests

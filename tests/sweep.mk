# sweep tests

# train tests

# nn tests

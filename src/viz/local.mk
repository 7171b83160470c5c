# viz module sources

# data module sources

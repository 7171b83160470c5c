# train module sources

# sweep module sources

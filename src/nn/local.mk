# nn module sources

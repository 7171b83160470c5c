# ops module sources

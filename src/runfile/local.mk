# runfile module sources

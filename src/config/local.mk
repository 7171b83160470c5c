# config module sources

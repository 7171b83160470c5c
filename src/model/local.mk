# model module sources

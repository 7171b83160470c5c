/* File helpers shared by the data loaders (internal to src/data). */
#ifndef AELAB_DATA_IO_H
#define AELAB_DATA_IO_H

#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

/* Opens path read-only and checks it is a regular file; on success *fd is
 * open (caller closes) and *size is the file's size in bytes. Errors name
 * the path: missing, unreadable, a directory, not a regular file. */
int ae_data_open_regular(const char *path, int *fd, off_t *size, ae_error *err);

/* Reads until n bytes or end of file, retrying on EINTR. Returns the number
 * of bytes read, or -1 with errno set on a read error. */
ssize_t ae_data_read_full(int fd, void *buf, size_t n);

#endif

#include "data/io.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int ae_data_open_regular(const char *path, int *fd, off_t *size, ae_error *err)
{
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0)
        return ae_error_set(err, AE_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(f, &st) != 0) {
        int e = errno;
        close(f);
        return ae_error_set(err, AE_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(f);
        return ae_error_set(err, AE_ERR_IO, "%s: is a directory, not a data file", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(f);
        return ae_error_set(err, AE_ERR_IO, "%s: not a regular file", path);
    }
    *fd = f;
    *size = st.st_size;
    return AE_OK;
}

ssize_t ae_data_read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

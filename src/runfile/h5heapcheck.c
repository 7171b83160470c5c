/* A guard for HDF5 1.10's global heap. Variable-length strings (our string
 * attributes) live in "global heap collections"; 1.10.8 decodes those without
 * bounds checks (it only asserts), so a corrupted object size makes H5Aread copy
 * past the heap (SIGSEGV) or loop forever. Fuzzing our own run files showed
 * these were the only crashes left once object headers carry checksums (the 1.8
 * format we write). So before reading any string, every collection in the file
 * is walked here the way HDF5 will walk it, and a collection HDF5 would
 * mis-decode is reported as corruption instead.
 *
 * Collections are found by their signature "GCOL" + version 1; a collection is
 * 16-byte header (signature, version, 3 reserved, size) followed by objects
 * (index u16, refcount u16, 4 reserved, size, data padded to 8 bytes), with
 * index 0 being the free space, whose size includes its header. Sizes are
 * "lengths" of the file's size-of-lengths (normally 8) bytes, little-endian. */
#include "config.h" /* _GNU_SOURCE for memmem */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runfile/h5util.h"

enum {
    HEAP_MIN = 4096,       /* HDF5 never writes a smaller collection */
    SCAN_BLOCK = 1 << 20,  /* bytes read at a time while looking for signatures */
    MAX_OBJECTS = 1 << 20  /* bound on the walk of one (possibly forged) collection */
};

static const unsigned char SIGNATURE[5] = {'G', 'C', 'O', 'L', 1};

/* Little-endian unsigned of n bytes; UINT64_MAX when it does not fit. */
static uint64_t decode_len(const unsigned char *p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = n; i-- > 0;) {
        if (i >= 8) {
            if (p[i])
                return UINT64_MAX;
            continue;
        }
        v = v << 8 | p[i];
    }
    return v;
}

static bool read_at(int fd, void *buf, size_t n, uint64_t off)
{
    return pread(fd, buf, n, (off_t)off) == (ssize_t)n;
}

/* false when the collection at off would be mis-decoded by HDF5. Candidates
 * HDF5 cannot even load (running past the end of the file) are left to HDF5,
 * which reports them as errors. */
static bool collection_ok(int fd, uint64_t fsize, uint64_t off, size_t lensize)
{
    unsigned char h[8 + 16];
    size_t hdr = 8 + lensize; /* also the size of an object header */
    if (!read_at(fd, h, hdr, off))
        return true;
    uint64_t size = decode_len(h + 8, lensize);
    if (size > fsize - off)
        return true;
    if (size < HEAP_MIN)
        return false;
    uint64_t p = hdr;
    for (size_t count = 0; p < size; count++) {
        if (count > MAX_OBJECTS)
            return false;
        if (size - p < hdr)
            break; /* a tail too small for an object header is free space */
        if (!read_at(fd, h, hdr, off + p))
            return false;
        unsigned idx = (unsigned)h[0] | (unsigned)h[1] << 8;
        uint64_t len = decode_len(h + 8, lensize);
        uint64_t left = size - p, need;
        if (idx > 0) {
            if (len > left - hdr)
                return false;
            need = hdr + ((len + 7) & ~(uint64_t)7);
        } else {
            need = len;
        }
        if (need < hdr || need > left)
            return false;
        p += need;
    }
    return true;
}

int ae_h5_check_global_heaps(const char *path, hid_t file, ae_error *err)
{
    hid_t fcpl = H5Fget_create_plist(file);
    size_t addrsize = 0, lensize = 0;
    herr_t rc = fcpl >= 0 ? H5Pget_sizes(fcpl, &addrsize, &lensize) : -1;
    ae_h5_close(&fcpl);
    if (rc < 0)
        return ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot read the file's parameters");
    if (lensize < 2 || lensize > 16)
        return ae_error_set(err, AE_ERR_FORMAT, "%s: unsupported size of lengths %zu", path,
                            lensize);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        return ae_error_set(err, AE_ERR_IO, "%s: cannot read: %s", path, strerror(e));
    }
    unsigned char *buf = malloc(SCAN_BLOCK);
    if (!buf) {
        close(fd);
        return ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory", path);
    }
    uint64_t fsize = (uint64_t)st.st_size, pos = 0;
    int code = AE_OK;
    while (code == AE_OK && pos < fsize) {
        ssize_t n = pread(fd, buf, SCAN_BLOCK, (off_t)pos);
        if (n <= 0) {
            code = ae_error_set(err, AE_ERR_IO, "%s: cannot read: %s", path,
                                n < 0 ? strerror(errno) : "unexpected end of file");
            break;
        }
        for (const unsigned char *p = buf, *end = buf + n; code == AE_OK;) {
            p = memmem(p, (size_t)(end - p), SIGNATURE, sizeof SIGNATURE);
            if (!p)
                break;
            uint64_t off = pos + (uint64_t)(p - buf);
            if (!collection_ok(fd, fsize, off, lensize))
                code = ae_error_set(err, AE_ERR_FORMAT,
                                    "%s: corrupt global heap (string storage) at byte %llu",
                                    path, (unsigned long long)off);
            p++;
        }
        /* overlap blocks so a signature across a boundary is seen once */
        if ((size_t)n < sizeof SIGNATURE || pos + (uint64_t)n >= fsize)
            break;
        pos += (uint64_t)n - (sizeof SIGNATURE - 1);
    }
    free(buf);
    close(fd);
    return code;
}

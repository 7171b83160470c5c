/* CIFAR-10 binary batches (data_batch_N.bin, test_batch.bin).
 *
 * A record is 1 label byte then 3072 pixel bytes: the 1024 red values, then
 * green, then blue, each plane row-major 32×32. That is already NCHW, so a
 * record maps onto one sample without reordering. Sizes come from fstat and
 * are checked (multiple of 3073, limits) before allocating. */
#include "data/data.h"
#include "data/io.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { CIFAR_PIXELS = 3 * 32 * 32, CIFAR_RECORD = 1 + CIFAR_PIXELS, CIFAR_CHUNK = 256 };

/* Opens a batch and returns its record count. */
static int cifar_open(const char *path, int *fd, size_t *records, ae_error *err)
{
    off_t size;
    int rc = ae_data_open_regular(path, fd, &size, err);
    if (rc)
        return rc;
    if (size == 0)
        rc = ae_error_set(err, AE_ERR_FORMAT, "%s: empty file", path);
    else if (size % CIFAR_RECORD != 0)
        rc = ae_error_set(err, AE_ERR_FORMAT,
                          "%s: size %lld is not a multiple of %d (1 label byte + %d pixel bytes "
                          "per record); not a CIFAR-10 binary batch, or truncated",
                          path, (long long)size, CIFAR_RECORD, CIFAR_PIXELS);
    else if ((size_t)(size / CIFAR_RECORD) > AE_DATA_MAX_SAMPLES)
        rc = ae_error_set(err, AE_ERR_FORMAT, "%s: %lld records exceed the limit of %zu", path,
                          (long long)(size / CIFAR_RECORD), AE_DATA_MAX_SAMPLES);
    if (rc) {
        close(*fd);
        return rc;
    }
    *records = (size_t)(size / CIFAR_RECORD);
    return AE_OK;
}

/* Reads `count` records of one batch into out starting at sample `first`. */
static int cifar_read(const char *path, int fd, size_t count, ae_dataset *out, size_t first,
                      unsigned char *buf, ae_error *err)
{
    for (size_t done = 0; done < count;) {
        size_t k = count - done < CIFAR_CHUNK ? count - done : CIFAR_CHUNK;
        ssize_t got = ae_data_read_full(fd, buf, k * CIFAR_RECORD);
        if (got < 0)
            return ae_error_set(err, AE_ERR_IO, "%s: read error: %s", path, strerror(errno));
        if ((size_t)got != k * CIFAR_RECORD)
            return ae_error_set(err, AE_ERR_FORMAT,
                                "%s: truncated while reading (file changed?): expected %zu "
                                "bytes, got %zu",
                                path, (done + k) * CIFAR_RECORD,
                                done * CIFAR_RECORD + (size_t)got);
        for (size_t j = 0; j < k; j++) {
            const unsigned char *rec = buf + j * CIFAR_RECORD;
            size_t i = first + done + j;
            if (rec[0] > 9)
                return ae_error_set(err, AE_ERR_FORMAT,
                                    "%s: record %zu (byte offset %zu): label %u out of range "
                                    "0..9",
                                    path, done + j, (done + j) * CIFAR_RECORD, rec[0]);
            out->labels[i] = rec[0];
            float *x = out->x + i * CIFAR_PIXELS;
            for (int p = 0; p < CIFAR_PIXELS; p++)
                x[p] = (float)rec[1 + p] / 255.0f;
        }
        done += k;
    }
    return AE_OK;
}

int ae_cifar10_load(const char *const *batch_paths, size_t n_paths, size_t limit, ae_dataset *out,
                    ae_error *err)
{
    memset(out, 0, sizeof *out);
    if (n_paths == 0 || !batch_paths)
        return ae_error_set(err, AE_ERR_CONFIG, "CIFAR-10: no batch files given");
    size_t *counts = calloc(n_paths, sizeof *counts);
    if (!counts)
        return ae_error_set(err, AE_ERR_NOMEM, "CIFAR-10: out of memory");
    unsigned char *buf = NULL;
    int rc = AE_OK;
    /* First pass: every file's size is checked before anything large is allocated. */
    size_t total = 0;
    for (size_t f = 0; f < n_paths; f++) {
        int fd;
        if ((rc = cifar_open(batch_paths[f], &fd, &counts[f], err)))
            goto done;
        close(fd);
        total += counts[f];
        if (total > AE_DATA_MAX_SAMPLES) {
            rc = ae_error_set(err, AE_ERR_FORMAT, "%s: the batches hold more than %zu records",
                              batch_paths[f], AE_DATA_MAX_SAMPLES);
            goto done;
        }
    }
    size_t keep = limit && limit < total ? limit : total;
    if ((rc = ae_dataset_alloc(out, keep, 3, 32, 32, 1, batch_paths[0], err)))
        goto done;
    out->n_classes = 10;
    buf = malloc((size_t)CIFAR_CHUNK * CIFAR_RECORD);
    if (!buf) {
        rc = ae_error_set(err, AE_ERR_NOMEM, "CIFAR-10: out of memory");
        goto done;
    }
    size_t at = 0;
    for (size_t f = 0; f < n_paths && at < keep; f++) {
        int fd;
        size_t records;
        if ((rc = cifar_open(batch_paths[f], &fd, &records, err)))
            goto done;
        size_t take = keep - at < records ? keep - at : records;
        rc = cifar_read(batch_paths[f], fd, take, out, at, buf, err);
        close(fd);
        if (rc)
            goto done;
        at += take;
    }
    if (at != keep)
        rc = ae_error_set(err, AE_ERR_FORMAT, "%s: batches changed while reading",
                          batch_paths[0]);
done:
    free(buf);
    free(counts);
    if (rc)
        ae_dataset_free(out);
    return rc;
}

/* IDX files (MNIST, Fashion-MNIST), plain or gzip-compressed.
 *
 * Layout: a big-endian magic 0x000008DD (08 = unsigned bytes, DD = number of
 * dimensions), DD big-endian uint32 sizes, then the bytes row-major. One
 * reader serves plain and gzip files (told apart by the gzip magic); the
 * size rule (header + product of dims == file size) is checked against
 * fstat for plain files before anything is allocated, and by counting the
 * decompressed bytes for .gz files, whose buffer grows only as data arrives. */
#include "data/data.h"
#include "data/io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

enum { IDX_MAGIC_IMAGES = 0x00000803, IDX_MAGIC_LABELS = 0x00000801, IDX_INBUF = 1 << 17 };

/* Reads a file's bytes, inflating them when it starts with the gzip magic.
 * inflate is driven directly (not gzread) so that a stream cut anywhere,
 * even inside the 8-byte trailer, is reported: the data only counts as
 * complete once inflate says Z_STREAM_END. */
typedef struct idx_reader {
    const char *path;
    int fd;
    off_t file_size;  /* on disk (compressed for .gz) */
    int plain;        /* not gzip-compressed */
    int in_eof;       /* no more bytes in the file */
    int stream_end;   /* inflate finished a gzip member */
    int cut;          /* the file ended inside a gzip member */
    int next_member;  /* bytes followed a complete gzip member */
    z_stream z;
    int z_ready;
    unsigned char *in; /* IDX_INBUF bytes of compressed input */
} idx_reader;

static void idx_close(idx_reader *r)
{
    if (r->z_ready)
        inflateEnd(&r->z);
    r->z_ready = 0;
    free(r->in);
    r->in = NULL;
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
}

/* Refills the input buffer; 0 at end of file, -1 on a read error. */
static ssize_t idx_fill(idx_reader *r)
{
    ssize_t k = ae_data_read_full(r->fd, r->in, IDX_INBUF);
    if (k == 0)
        r->in_eof = 1;
    if (k > 0) {
        r->z.next_in = r->in;
        r->z.avail_in = (uInt)k;
    }
    return k;
}

static int idx_open(idx_reader *r, const char *path, ae_error *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->fd = -1;
    int rc = ae_data_open_regular(path, &r->fd, &r->file_size, err);
    if (rc)
        return rc;
    if (r->file_size == 0) {
        idx_close(r);
        return ae_error_set(err, AE_ERR_FORMAT, "%s: empty file", path);
    }
    r->in = malloc(IDX_INBUF);
    if (!r->in) {
        idx_close(r);
        return ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory", path);
    }
    if (idx_fill(r) < 0) {
        idx_close(r);
        return ae_error_set(err, AE_ERR_IO, "%s: read error: %s", path, strerror(errno));
    }
    r->plain = !(r->z.avail_in >= 2 && r->in[0] == 0x1f && r->in[1] == 0x8b);
    if (!r->plain) {
        z_stream *z = &r->z;
        unsigned char *next = z->next_in;
        uInt avail = z->avail_in;
        z->zalloc = Z_NULL;
        z->zfree = Z_NULL;
        z->opaque = Z_NULL;
        if (inflateInit2(z, 15 + 16) != Z_OK) {
            idx_close(r);
            return ae_error_set(err, AE_ERR_NOMEM, "%s: cannot start decompression", path);
        }
        z->next_in = next;
        z->avail_in = avail;
        r->z_ready = 1;
    }
    return AE_OK;
}

/* Reads up to n bytes of (decompressed) data; *got is how many arrived
 * before the end of the data. */
static int idx_read(idx_reader *r, void *buf, size_t n, size_t *got, ae_error *err)
{
    unsigned char *out = buf;
    size_t total = 0;
    z_stream *z = &r->z;
    while (total < n) {
        if (z->avail_in == 0 && !r->in_eof) {
            if (idx_fill(r) < 0)
                return ae_error_set(err, AE_ERR_IO, "%s: read error: %s", r->path,
                                    strerror(errno));
            continue;
        }
        if (r->plain) {
            if (z->avail_in == 0)
                break;
            size_t k = n - total < z->avail_in ? n - total : z->avail_in;
            memcpy(out + total, z->next_in, k);
            z->next_in += k;
            z->avail_in -= (uInt)k;
            total += k;
            continue;
        }
        if (r->stream_end) {
            if (z->avail_in == 0)
                break; /* clean end of the last member */
            /* Another gzip member follows (concatenated .gz files are valid). */
            inflateReset(z);
            r->stream_end = 0;
            r->next_member = 1;
        }
        if (z->avail_in == 0) {
            r->cut = 1; /* the file ended inside a gzip member */
            break;
        }
        size_t want = n - total > (1u << 30) ? (1u << 30) : n - total;
        z->next_out = out + total;
        z->avail_out = (uInt)want;
        uInt in_before = z->avail_in;
        int ret = inflate(z, Z_NO_FLUSH);
        total += want - z->avail_out;
        if (ret == Z_STREAM_END)
            r->stream_end = 1;
        else if (ret == Z_BUF_ERROR && z->avail_in == in_before && z->avail_out == want)
            return ae_error_set(err, AE_ERR_FORMAT, "%s: corrupt gzip data: no progress",
                                r->path);
        else if (ret != Z_OK && ret != Z_BUF_ERROR)
            return ae_error_set(err, AE_ERR_FORMAT, "%s: corrupt gzip data%s: %s", r->path,
                                r->next_member ? " after the end of the compressed stream" : "",
                                z->msg ? z->msg : zError(ret));
    }
    *got = total;
    return AE_OK;
}

static int idx_truncated(idx_reader *r, size_t expected, size_t got, ae_error *err)
{
    return ae_error_set(err, AE_ERR_FORMAT, "%s: truncated: expected %zu bytes%s, got %zu%s",
                        r->path, expected, r->plain ? "" : " after decompression", got,
                        r->cut ? " (the gzip stream is cut short)" : "");
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Reads the magic and dims of a file that must have `ndims` dimensions. */
static int idx_header(idx_reader *r, uint32_t magic_expected, const char *kind, uint32_t *dims,
                      int ndims, ae_error *err)
{
    unsigned char head[16];
    size_t want = 4 + 4 * (size_t)ndims, got;
    int rc = idx_read(r, head, want, &got, err);
    if (rc)
        return rc;
    if (got == 0)
        return ae_error_set(err, AE_ERR_FORMAT, "%s: empty file (no data after decompression)",
                            r->path);
    if (got >= 4) {
        uint32_t magic = be32(head);
        if (magic != magic_expected) {
            const char *hint = "";
            if (magic == IDX_MAGIC_LABELS && magic_expected == IDX_MAGIC_IMAGES)
                hint = "; this looks like a labels file";
            else if (magic == IDX_MAGIC_IMAGES && magic_expected == IDX_MAGIC_LABELS)
                hint = "; this looks like an images file";
            return ae_error_set(err, AE_ERR_FORMAT,
                                "%s: bad magic number 0x%08x (expected 0x%08x for %s%s)", r->path,
                                magic, magic_expected, kind, hint);
        }
    }
    if (got < want)
        return ae_error_set(err, AE_ERR_FORMAT,
                            "%s: truncated header: expected %zu bytes, got %zu", r->path, want,
                            got);
    for (int i = 0; i < ndims; i++)
        dims[i] = be32(head + 4 + 4 * i);
    return AE_OK;
}

/* For plain files the size is known before reading: check it up front. */
static int idx_check_plain_size(idx_reader *r, size_t expected, const char *what,
                                ae_error *err)
{
    if (!r->plain || (off_t)expected == r->file_size)
        return AE_OK;
    if (r->file_size < (off_t)expected)
        return idx_truncated(r, expected, (size_t)r->file_size, err);
    return ae_error_set(err, AE_ERR_FORMAT,
                        "%s: size mismatch: the header describes %s (%zu bytes) but the file has "
                        "%lld bytes",
                        r->path, what, expected, (long long)r->file_size);
}

/* Reads the `total` payload bytes; keeps the first `keep` of them in *out
 * (caller frees). The kept buffer grows as bytes arrive, so a lying .gz
 * header cannot make us allocate more than about twice what it contains.
 * Checks that the data ends exactly where the header says. */
static int idx_payload(idx_reader *r, size_t header, size_t total, size_t keep, uint8_t **out,
                       ae_error *err)
{
    *out = NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, have = 0;
    uint8_t scratch[1 << 16];
    int rc = AE_OK;
    while (have < total) {
        uint8_t *dst;
        size_t want;
        if (have < keep) {
            if (have == cap) {
                size_t next = cap ? cap * 2 : ((size_t)1 << 20);
                if (r->plain || next > keep)
                    next = keep; /* plain: size already verified */
                uint8_t *grown = realloc(buf, next);
                if (!grown) {
                    rc = ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory (%zu bytes)",
                                      r->path, next);
                    goto fail;
                }
                buf = grown;
                cap = next;
            }
            dst = buf + have;
            want = cap - have;
        } else {
            dst = scratch;
            want = total - have < sizeof scratch ? total - have : sizeof scratch;
        }
        size_t got;
        if ((rc = idx_read(r, dst, want, &got, err)))
            goto fail;
        have += got;
        if (got < want) {
            rc = idx_truncated(r, header + total, header + have, err);
            goto fail;
        }
    }
    /* Nothing may follow the payload. */
    uint8_t extra;
    size_t got;
    if ((rc = idx_read(r, &extra, 1, &got, err)))
        goto fail;
    if (got) {
        rc = ae_error_set(err, AE_ERR_FORMAT,
                          "%s: size mismatch: data continues past the %zu bytes the header "
                          "describes",
                          r->path, header + total);
        goto fail;
    }
    if (r->cut) {
        rc = ae_error_set(err, AE_ERR_FORMAT,
                          "%s: truncated: the gzip stream is cut short after all %zu bytes of "
                          "data (missing end or checksum)",
                          r->path, header + total);
        goto fail;
    }
    *out = buf;
    return AE_OK;
fail:
    free(buf);
    return rc;
}

/* Reads a labels file that must hold n_images labels; *bytes (caller frees)
 * receives all of them. */
static int idx_load_labels(const char *path, uint32_t n_images, const char *images_path,
                           uint8_t **bytes, int *n_classes, ae_error *err)
{
    idx_reader r;
    int rc = idx_open(&r, path, err);
    if (rc)
        return rc;
    uint32_t count;
    if ((rc = idx_header(&r, IDX_MAGIC_LABELS, "labels", &count, 1, err)))
        goto done;
    if (count != n_images) {
        rc = ae_error_set(err, AE_ERR_FORMAT,
                          "%s: count mismatch: %u labels, but %s has %u images", path, count,
                          images_path, n_images);
        goto done;
    }
    char what[64];
    snprintf(what, sizeof what, "%u labels", count);
    if ((rc = idx_check_plain_size(&r, 8 + (size_t)count, what, err)))
        goto done;
    if ((rc = idx_payload(&r, 8, count, count, bytes, err)))
        goto done;
    int max = -1;
    for (size_t i = 0; i < count; i++)
        if ((*bytes)[i] > max)
            max = (*bytes)[i];
    *n_classes = max + 1;
done:
    idx_close(&r);
    return rc;
}

int ae_idx_load(const char *images_path, const char *labels_path, size_t limit, ae_dataset *out,
                ae_error *err)
{
    memset(out, 0, sizeof *out);
    idx_reader r;
    int rc = idx_open(&r, images_path, err);
    if (rc)
        return rc;
    uint8_t *pixels = NULL, *labels = NULL;
    int n_classes = 0;
    uint32_t dims[3];
    if ((rc = idx_header(&r, IDX_MAGIC_IMAGES, "images", dims, 3, err)))
        goto done;
    if (dims[0] < 1 || dims[0] > AE_DATA_MAX_SAMPLES || dims[1] < 1 ||
        dims[1] > AE_DATA_MAX_SIDE || dims[2] < 1 || dims[2] > AE_DATA_MAX_SIDE) {
        rc = ae_error_set(err, AE_ERR_FORMAT,
                          "%s: absurd dimensions %u images of %u×%u (allowed: 1..%zu images of "
                          "1..%d × 1..%d pixels)",
                          images_path, dims[0], dims[1], dims[2], AE_DATA_MAX_SAMPLES,
                          AE_DATA_MAX_SIDE, AE_DATA_MAX_SIDE);
        goto done;
    }
    size_t n = dims[0], pix = (size_t)dims[1] * dims[2];
    size_t keep = limit && limit < n ? limit : n;
    if (keep * pix > AE_DATA_MAX_VALUES) {
        rc = ae_error_set(err, AE_ERR_FORMAT,
                          "%s: %zu images of %u×%u exceed the limit of %zu values; load fewer "
                          "(limit)",
                          images_path, keep, dims[1], dims[2], AE_DATA_MAX_VALUES);
        goto done;
    }
    char what[96];
    snprintf(what, sizeof what, "%u images of %u×%u", dims[0], dims[1], dims[2]);
    if ((rc = idx_check_plain_size(&r, 16 + n * pix, what, err)))
        goto done;
    /* Labels first: a count mismatch is reported before the large payload. */
    if (labels_path &&
        (rc = idx_load_labels(labels_path, dims[0], images_path, &labels, &n_classes, err)))
        goto done;
    if ((rc = idx_payload(&r, 16, n * pix, keep * pix, &pixels, err)))
        goto done;
    /* Allocated only now that the data is known to be there. */
    if ((rc = ae_dataset_alloc(out, keep, 1, (int)dims[1], (int)dims[2], labels != NULL,
                               images_path, err)))
        goto done;
    for (size_t i = 0; i < keep * pix; i++)
        out->x[i] = (float)pixels[i] / 255.0f;
    if (labels) {
        for (size_t i = 0; i < keep; i++)
            out->labels[i] = labels[i];
        out->n_classes = n_classes;
    }
done:
    free(pixels);
    free(labels);
    idx_close(&r);
    if (rc)
        ae_dataset_free(out);
    return rc;
}

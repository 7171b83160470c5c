/* Small files in the real dataset formats, written by the data suites. */
#ifndef AELAB_TESTS_DATA_FIXTURES_H
#define AELAB_TESTS_DATA_FIXTURES_H

#include <stddef.h>
#include <stdint.h>

/* dir/name into out (a buffer of size bytes); returns out. */
char *fx_path(char *out, size_t size, const char *dir, const char *name);

/* Whether the process runs under valgrind (it preloads its vgpreload libraries). */
int fx_under_valgrind(void);

/* mkdir -p path; asserts on failure. */
void fx_mkdirs(const char *path);

/* rm -rf path (does not follow symbolic links); silent. */
void fx_rmtree(const char *path);

/* Appends the bytes of file src to file dst. */
void fx_append_file(const char *dst, const char *src);

/* Writes bytes to path, plainly or gzip-compressed; asserts on failure. */
void fx_write(const char *path, const void *bytes, size_t n);
void fx_write_gz(const char *path, const void *bytes, size_t n);

/* The pixel byte of image i at position p in the fixtures (covers 0 and 255). */
uint8_t fx_pixel(size_t i, size_t p);

/* An IDX images file image: magic, n×rows×cols, pixels fx_pixel. Caller frees;
 * *len receives the size. */
uint8_t *fx_idx_images(uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols, size_t *len);
/* An IDX labels file image with label i % 10. */
uint8_t *fx_idx_labels(uint32_t magic, uint32_t n, size_t *len);

/* Writes images and labels files named base-images / base-labels (".gz" added
 * when gz) into dir; paths returned in img / lab (PATH_MAX buffers). */
void fx_write_idx_pair(const char *dir, const char *img_name, const char *lab_name, uint32_t n,
                       uint32_t rows, uint32_t cols, int gz, char *img, char *lab);

/* A CIFAR-10 batch of n records: label (first + i) % 10, R plane bytes
 * (i + p) & 255, G plane (3i + 2p + 1) & 255, B plane (255 - i - p) & 255. */
uint8_t *fx_cifar_batch(size_t n, size_t first, size_t *len);
uint8_t fx_cifar_byte(size_t i, int channel, size_t p);

#endif

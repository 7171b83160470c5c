/* SHA-256 (FIPS 180-2), for the config hash recorded with every run. */
#ifndef AELAB_CONFIG_SHA256_H
#define AELAB_CONFIG_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct ae_sha256 {
    uint32_t h[8];
    uint64_t bytes;    /* message length so far */
    uint8_t block[64]; /* pending partial block */
    size_t used;
} ae_sha256;

void ae_sha256_init(ae_sha256 *s);
void ae_sha256_update(ae_sha256 *s, const void *data, size_t n);
/* Writes the 32-byte digest; s must be re-initialised before reuse. */
void ae_sha256_final(ae_sha256 *s, uint8_t out[32]);
/* One-shot digest as 64 lowercase hex digits and a NUL. */
void ae_sha256_hex(const void *data, size_t n, char out[65]);

#endif

/* Datasets for aelab experiments: loaders (IDX, CIFAR-10, HDF5 sequences), a
 * synthetic sequence generator, transforms, train/holdout splitting and named
 * datasets found through a local cache. See docs/data.md.
 *
 * Every function that fills an ae_dataset *out leaves it zeroed on failure and
 * owned by the caller on success: release it with ae_dataset_free. Errors are
 * values in *err (may be NULL) and always name the file involved. */
#ifndef AELAB_DATA_DATA_H
#define AELAB_DATA_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* A dataset: n samples of shape c×h×w (images NCHW, values in [0,1]);
 * sequences use c=1, h=T (time steps), w=F (features). x is 64-byte aligned
 * and owned; labels are owned and may be NULL (then n_classes is 0). */
typedef struct ae_dataset {
    size_t n;
    int c, h, w;
    float *x;
    int32_t *labels;
    int n_classes;
} ae_dataset;

/* Sanity limits applied before any allocation sized from a file. */
#define AE_DATA_MAX_SAMPLES ((size_t)100000000) /* 1e8 */
#define AE_DATA_MAX_SIDE 4096                   /* image height / width */
#define AE_DATA_MAX_STEPS 1000000               /* sequence length T */
#define AE_DATA_MAX_FEATURES 65536              /* sequence features F */
#define AE_DATA_MAX_VALUES ((size_t)1 << 31)    /* floats in one dataset (8 GiB) */

/* Sub-streams of AE_RNG_DATA (the rng's "epoch" coordinate), so the sine
 * generator and the split never draw the same numbers from one seed. */
enum { AE_DATA_STREAM_SINES = 0, AE_DATA_STREAM_SPLIT = 1, AE_DATA_STREAM_PLANE3D = 2 };

/* Frees x and labels and zeroes the struct; d may be NULL. */
void ae_dataset_free(ae_dataset *d);
/* c*h*w: floats per sample. */
size_t ae_dataset_sample_size(const ae_dataset *d);
/* Allocates an uninitialised dataset of n×c×h×w (labels too when with_labels;
 * n may be 0). Checks the limits above and overflow; what names the dataset
 * in error messages. */
int ae_dataset_alloc(ae_dataset *d, size_t n, int c, int h, int w, int with_labels,
                     const char *what, ae_error *err);

/* ---- loaders ---- */

/* IDX images (magic 0x00000803) with optional labels (0x00000801), plain or
 * gzip-compressed (detected from the contents). Pixels are bytes/255, c=1.
 * limit: load at most this many samples (0 = all); the whole file is still
 * checked. n_classes = largest label + 1. */
int ae_idx_load(const char *images_path, const char *labels_path, size_t limit, ae_dataset *out,
                ae_error *err);

/* CIFAR-10 binary batches, concatenated in order: each record is one label
 * byte (0..9) and 3072 pixel bytes (1024 R, 1024 G, 1024 B, row-major 32×32),
 * giving c=3, h=32, w=32, n_classes=10. */
int ae_cifar10_load(const char *const *batch_paths, size_t n_paths, size_t limit, ae_dataset *out,
                    ae_error *err);

/* Noisy sines: n sequences of `steps` steps and `features` channels,
 *   x[i][t][k] = sin(2π f t / steps + φ) + noise_std · ε,
 * f ~ U[1,3), φ ~ U[0,2π) drawn per (sample, channel), ε ~ N(0,1) per value;
 * c=1, h=steps, w=features, no labels. Sample i depends only on (seed, i). */
int ae_sines_generate(size_t n, int steps, int features, double noise_std, uint64_t seed,
                      ae_dataset *out, ae_error *err);

/* Points near a plane in 3-D (Hands-On ML's linear-autoencoder = PCA example), standardized
 * per coordinate; c=1, h=1, w=3. The law is in plane3d.c. */
int ae_plane3d_generate(size_t n, double noise, uint64_t seed, ae_dataset *out, ae_error *err);

/* Sequences from a numeric HDF5 dataset of shape N×T×F (or N×T, read as F=1),
 * converted to float; values must be finite. No labels. */
int ae_h5seq_load(const char *path, const char *dataset_name, size_t limit, ae_dataset *out,
                  ae_error *err);

/* ---- transforms (in is never modified; out is a new dataset) ---- */

/* Bilinear resize of every channel to h×w with align_corners=False (the
 * half-pixel rule of PyTorch and TensorFlow 2): source coordinate
 * (o + 0.5)·in/out − 0.5, clamped to the image; no antialiasing. */
int ae_dataset_resize(const ae_dataset *in, int h, int w, ae_dataset *out, ae_error *err);
/* 1→3 replicates the channel; 3→1 is ITU-R BT.601 luma 0.299 R + 0.587 G + 0.114 B;
 * equal counts copy. */
int ae_dataset_to_channels(const ae_dataset *in, int c, ae_dataset *out, ae_error *err);
/* Deterministic random partition: round(n·holdout_fraction) samples, chosen by
 * a shuffle from seed, go to holdout, the rest to train; each part keeps the
 * original order of its samples. */
int ae_dataset_split(const ae_dataset *in, double holdout_fraction, uint64_t seed,
                     ae_dataset *train, ae_dataset *holdout, ae_error *err);

/* ---- named datasets through the cache ---- */

/* "mnist", "fashion-mnist" or "cifar10"; split "train" or "test". The
 * directory is the first of $AELAB_DATA_DIR/<name>/,
 * ${XDG_CACHE_HOME:-$HOME/.cache}/aelab/data/<name>/ and (fashion-mnist only)
 * /usr/share/datasets/fashion-mnist/ that holds the dataset's files. */
int ae_data_load_named(const char *name, const char *split, size_t limit, ae_dataset *out,
                       ae_error *err);
/* The directory ae_data_load_named would read name from, into dir (no
 * trailing slash); an error saying where it looked when there is none. */
int ae_data_find_named(const char *name, char *dir, size_t size, ae_error *err);

#endif

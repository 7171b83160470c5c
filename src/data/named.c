/* Named datasets through the local cache, so experiment files say "mnist"
 * instead of a path that only exists on one machine.
 *
 * A dataset's directory is the first candidate that holds its files:
 *   1. $AELAB_DATA_DIR/<name>/                          (when set)
 *   2. ${XDG_CACHE_HOME:-$HOME/.cache}/aelab/data/<name>/ (scripts/fetch-data's default)
 *   3. /usr/share/datasets/fashion-mnist/                (fashion-mnist only; Debian's
 *                                                         dataset-fashion-mnist package)
 * CIFAR-10 files may also sit in a cifar-10-batches-bin/ subdirectory, as the
 * official tarball unpacks. */
#include "data/data.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum { NAMED_MAX_DIRS = 3 };

typedef enum { KIND_IDX, KIND_CIFAR } named_kind;

typedef struct named_spec {
    const char *name;
    named_kind kind;
    const char *system_dir; /* a distribution's copy, or NULL */
} named_spec;

static const named_spec named_specs[] = {
    {"mnist", KIND_IDX, NULL},
    {"fashion-mnist", KIND_IDX, "/usr/share/datasets/fashion-mnist"},
    {"cifar10", KIND_CIFAR, NULL},
};

static const char *const cifar_train[] = {"data_batch_1.bin", "data_batch_2.bin",
                                          "data_batch_3.bin", "data_batch_4.bin",
                                          "data_batch_5.bin"};
static const char *const cifar_test[] = {"test_batch.bin"};

static const named_spec *named_lookup(const char *name)
{
    for (size_t i = 0; i < sizeof named_specs / sizeof named_specs[0]; i++)
        if (strcmp(named_specs[i].name, name) == 0)
            return &named_specs[i];
    return NULL;
}

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* dir/base, or dir/base.gz when only the compressed file is there; 0 if neither. */
static int idx_file(const char *dir, const char *base, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", dir, base);
    if (is_file(out))
        return 1;
    snprintf(out, size, "%s/%s.gz", dir, base);
    return is_file(out);
}

/* Whether dir holds the dataset (split NULL: either split). For CIFAR, dir
 * may be replaced by its cifar-10-batches-bin subdirectory. */
static int dir_holds(const named_spec *spec, const char *split, char *dir, size_t size)
{
    char path[PATH_MAX + 64];
    int want_train = !split || strcmp(split, "train") == 0;
    int want_test = !split || strcmp(split, "test") == 0;
    if (spec->kind == KIND_IDX)
        return (want_train && idx_file(dir, "train-images-idx3-ubyte", path, sizeof path)) ||
               (want_test && idx_file(dir, "t10k-images-idx3-ubyte", path, sizeof path));
    for (int sub = 0; sub < 2; sub++) {
        char d[PATH_MAX];
        snprintf(d, sizeof d, sub ? "%s/cifar-10-batches-bin" : "%s", dir);
        snprintf(path, sizeof path, "%s/%s", d, cifar_train[0]);
        int has = want_train && is_file(path);
        snprintf(path, sizeof path, "%s/%s", d, cifar_test[0]);
        has = has || (want_test && is_file(path));
        if (has) {
            snprintf(dir, size, "%s", d);
            return 1;
        }
    }
    return 0;
}

/* The candidate directories in resolution order; returns their count. */
static int named_candidates(const named_spec *spec, char dirs[][PATH_MAX])
{
    int n = 0;
    const char *env = getenv("AELAB_DATA_DIR");
    if (env && *env)
        snprintf(dirs[n++], PATH_MAX, "%s/%s", env, spec->name);
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    if (xdg && *xdg)
        snprintf(dirs[n++], PATH_MAX, "%s/aelab/data/%s", xdg, spec->name);
    else if (home && *home)
        snprintf(dirs[n++], PATH_MAX, "%s/.cache/aelab/data/%s", home, spec->name);
    if (spec->system_dir)
        snprintf(dirs[n++], PATH_MAX, "%s", spec->system_dir);
    return n;
}

static int named_find(const named_spec *spec, const char *split, char *dir, size_t size,
                      ae_error *err)
{
    char dirs[NAMED_MAX_DIRS][PATH_MAX];
    int n = named_candidates(spec, dirs);
    for (int i = 0; i < n; i++)
        if (dir_holds(spec, split, dirs[i], sizeof dirs[i])) {
            snprintf(dir, size, "%s", dirs[i]);
            return AE_OK;
        }
    char looked[AE_ERROR_MSG_MAX] = "";
    size_t used = 0;
    for (int i = 0; i < n && used < sizeof looked; i++)
        used += (size_t)snprintf(looked + used, sizeof looked - used, "%s%s/", i ? ", " : "",
                                 dirs[i]);
    const char *env = getenv("AELAB_DATA_DIR");
    return ae_error_set(err, AE_ERR_IO,
                        "dataset '%s'%s%s%s not found (looked in %s%s); fetch it with: "
                        "scripts/fetch-data %s",
                        spec->name, split ? " (" : "", split ? split : "", split ? " split)" : "",
                        n ? looked : "no directory: neither AELAB_DATA_DIR nor HOME is set",
                        env && *env ? "" : "; AELAB_DATA_DIR is not set", spec->name);
}

int ae_data_find_named(const char *name, char *dir, size_t size, ae_error *err)
{
    const named_spec *spec = name ? named_lookup(name) : NULL;
    if (!spec)
        return ae_error_set(err, AE_ERR_CONFIG,
                            "unknown dataset '%s' (known: mnist, fashion-mnist, cifar10)",
                            name ? name : "(null)");
    return named_find(spec, NULL, dir, size, err);
}

int ae_data_load_named(const char *name, const char *split, size_t limit, ae_dataset *out,
                       ae_error *err)
{
    memset(out, 0, sizeof *out);
    const named_spec *spec = name ? named_lookup(name) : NULL;
    if (!spec)
        return ae_error_set(err, AE_ERR_CONFIG,
                            "unknown dataset '%s' (known: mnist, fashion-mnist, cifar10)",
                            name ? name : "(null)");
    if (!split || (strcmp(split, "train") != 0 && strcmp(split, "test") != 0))
        return ae_error_set(err, AE_ERR_CONFIG, "%s: unknown split '%s' (expected train or test)",
                            name, split ? split : "(null)");
    char dir[PATH_MAX];
    int rc = named_find(spec, split, dir, sizeof dir, err);
    if (rc)
        return rc;
    int train = strcmp(split, "train") == 0;
    if (spec->kind == KIND_IDX) {
        char images[PATH_MAX + 64], labels[PATH_MAX + 64];
        idx_file(dir, train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte", images,
                 sizeof images);
        if (!idx_file(dir, train ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte", labels,
                      sizeof labels))
            /* Keep the plain name so the loader's "cannot open" error is exact. */
            snprintf(labels, sizeof labels, "%s/%s", dir,
                     train ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte");
        return ae_idx_load(images, labels, limit, out, err);
    }
    const char *const *files = train ? cifar_train : cifar_test;
    size_t n_files = train ? 5 : 1;
    char paths[5][PATH_MAX + 32];
    const char *ptrs[5];
    for (size_t i = 0; i < n_files; i++) {
        snprintf(paths[i], sizeof paths[i], "%s/%s", dir, files[i]);
        ptrs[i] = paths[i];
    }
    return ae_cifar10_load(ptrs, n_files, limit, out, err);
}

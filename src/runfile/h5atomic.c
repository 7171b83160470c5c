/* Atomic HDF5 files: the whole file is written to a temporary sibling, fsynced
 * and renamed over the target, so readers (and a crash at any instant) see
 * either the previous complete file or the new one, never a torn one. */
#include "runfile/h5util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void atomic_free(ae_h5_atomic *a)
{
    free(a->path);
    free(a->tmp);
    free(a->dir);
    a->path = a->tmp = a->dir = NULL;
}

/* fapl whose H5Fclose really closes the file (objects left open cannot keep
 * it open behind our back before the fsync). */
static hid_t strong_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0)
        ae_h5_close(&fapl);
    return fapl;
}

/* Removes ".<base>.tmp-<pid>" siblings left by savers that were killed mid-save (their pid
 * no longer runs here). A live pid's file is left alone: one saver per path is the rule, and
 * a pid from another host that shares the directory cannot be told from a live one anyway. */
static void remove_stale_temporaries(const char *dir, const char *base)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char prefix[300];
    int plen = snprintf(prefix, sizeof prefix, ".%s.tmp-", base);
    struct dirent *e;
    while (plen > 0 && (size_t)plen < sizeof prefix && (e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, (size_t)plen) != 0)
            continue;
        char *end;
        long pid = strtol(e->d_name + plen, &end, 10);
        if (*end || pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char stale[4096];
        if ((size_t)snprintf(stale, sizeof stale, "%s/%s", dir, e->d_name) < sizeof stale)
            unlink(stale);
    }
    closedir(d);
}

int ae_h5_atomic_create(ae_h5_atomic *a, const char *path, hid_t *file, ae_error *err)
{
    hid_t fcpl = H5I_INVALID_HID, fapl = H5I_INVALID_HID;
    int code = AE_OK;
    *file = H5I_INVALID_HID;
    a->path = a->tmp = a->dir = NULL;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    size_t dirlen = slash ? (size_t)(slash - path) : 0;
    if (!*base) {
        code = ae_error_set(err, AE_ERR_IO, "%s: cannot save: not a file name", path);
        goto fail;
    }
    a->path = strdup(path);
    a->dir = slash ? strndup(path, dirlen ? dirlen : 1) : strdup(".");
    size_t tmpsize = strlen(path) + 48;
    a->tmp = malloc(tmpsize);
    if (!a->path || !a->dir || !a->tmp) {
        code = ae_error_set(err, AE_ERR_NOMEM, "%s: cannot save: out of memory", path);
        goto fail;
    }
    snprintf(a->tmp, tmpsize, "%.*s.%s.tmp-%ld", (int)(slash ? dirlen + 1 : 0), path, base,
             (long)getpid());
    struct stat st;
    if (stat(a->dir, &st) != 0) {
        code = ae_error_set(err, AE_ERR_IO, "%s: cannot save: directory %s: %s", path, a->dir,
                            strerror(errno));
        goto fail;
    }
    if (!S_ISDIR(st.st_mode)) {
        code = ae_error_set(err, AE_ERR_IO, "%s: cannot save: %s is not a directory", path,
                            a->dir);
        goto fail;
    }
    remove_stale_temporaries(a->dir, base);
    fcpl = H5Pcreate(H5P_FILE_CREATE);
    unsigned flags = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    fapl = strong_fapl();
    /* The 1.8 file format: readable by any HDF5 since 2008 (h5py, MATLAB, ...), and
     * its superblock and object headers carry checksums, so a corrupted file is
     * refused by HDF5 instead of being decoded (1.10.8 trusts some sizes it reads). */
    if (fcpl < 0 || fapl < 0 ||
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0 ||
        H5Pset_link_creation_order(fcpl, flags) < 0 || H5Pset_obj_track_times(fcpl, 0) < 0 ||
        H5Pset_attr_creation_order(fcpl, flags) < 0) {
        code = ae_h5_fail(err, AE_ERR_INTERNAL, path, "cannot set up HDF5 property lists");
        goto fail;
    }
    *file = H5Fcreate(a->tmp, H5F_ACC_TRUNC, fcpl, fapl);
    if (*file < 0)
        code = ae_h5_fail(err, AE_ERR_IO, path, "cannot create temporary file %s", a->tmp);
fail:
    ae_h5_close(&fcpl);
    ae_h5_close(&fapl);
    if (code != AE_OK)
        atomic_free(a);
    return code;
}

static int sync_path(const char *p, int flags)
{
    int fd = open(p, flags | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    /* Some file systems cannot sync a directory: nothing more can be done there. */
    if (rc != 0 && (flags & O_DIRECTORY) && (errno == EINVAL || errno == ENOTSUP))
        rc = 0;
    int saved = errno;
    close(fd);
    errno = saved;
    return rc;
}

int ae_h5_atomic_commit(ae_h5_atomic *a, hid_t *file, ae_error *err)
{
    int code = AE_OK;
    herr_t rc = H5Fclose(*file);
    *file = H5I_INVALID_HID;
    if (rc < 0) {
        code = ae_h5_fail(err, AE_ERR_IO, a->path, "cannot finish writing %s", a->tmp);
        unlink(a->tmp);
    } else if (sync_path(a->tmp, O_RDONLY) != 0) {
        code = ae_error_set(err, AE_ERR_IO, "%s: cannot sync %s: %s", a->path, a->tmp,
                            strerror(errno));
        unlink(a->tmp);
    } else if (rename(a->tmp, a->path) != 0) {
        code = ae_error_set(err, AE_ERR_IO, "%s: cannot rename %s over it: %s", a->path, a->tmp,
                            strerror(errno));
        unlink(a->tmp);
    } else if (sync_path(a->dir, O_RDONLY | O_DIRECTORY) != 0) {
        /* The new file is in place; only its durability across a power loss is unsure. */
        code = ae_error_set(err, AE_ERR_IO, "%s: saved, but cannot sync directory %s: %s",
                            a->path, a->dir, strerror(errno));
    }
    atomic_free(a);
    return code;
}

void ae_h5_atomic_abort(ae_h5_atomic *a, hid_t *file)
{
    ae_h5_close(file);
    if (a->tmp)
        unlink(a->tmp);
    atomic_free(a);
}

int ae_h5_open_read(const char *path, hid_t *file, ae_error *err)
{
    *file = H5I_INVALID_HID;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ae_error_set(err, AE_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    bool is_dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
    close(fd);
    if (is_dir)
        return ae_error_set(err, AE_ERR_IO, "%s: cannot open: is a directory", path);
    htri_t is_h5 = H5Fis_hdf5(path);
    if (is_h5 == 0) {
        H5Eclear2(H5E_DEFAULT);
        return ae_error_set(err, AE_ERR_FORMAT, "%s: not an HDF5 file", path);
    }
    hid_t fapl = strong_fapl();
    if (is_h5 > 0 && fapl >= 0)
        *file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    int code = *file < 0 ? ae_h5_fail(err, AE_ERR_FORMAT, path, "cannot open as HDF5") : AE_OK;
    ae_h5_close(&fapl);
    return code;
}

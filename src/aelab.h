/* aelab: declarative autoencoder experiments over a float32 autodiff tape.
 *
 * The one public header of libaelab. The library's stable surface is small on
 * purpose: run an experiment file, as `aelab run` does, and query the version.
 */
#ifndef AELAB_H
#define AELAB_H

#ifdef __cplusplus
extern "C" {
#endif

/* The library version, "MAJOR.MINOR.PATCH". */
const char *aelab_version(void);

#ifdef __cplusplus
}
#endif

#endif /* AELAB_H */

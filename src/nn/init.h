/* Parameter initializers, with Keras' definitions.
 *
 * Variance scaling draws values of variance scale/n, n = fan_in, fan_out or their mean:
 * uniform on [−limit, limit] with limit = sqrt(3·scale/n), or a normal truncated at two
 * standard deviations whose pre-truncation std is sqrt(scale/n)/0.87962566 (the std of a
 * standard normal truncated at ±2), so the values' std is sqrt(scale/n) as intended.
 *   glorot_uniform  scale 1, fan_avg, uniform    (limit sqrt(6/(fan_in + fan_out)))
 *   glorot_normal   scale 1, fan_avg, truncated normal
 *   he_uniform      scale 2, fan_in,  uniform    (limit sqrt(6/fan_in))
 *   he_normal       scale 2, fan_in,  truncated normal
 *   lecun_uniform   scale 1, fan_in,  uniform
 *   lecun_normal    scale 1, fan_in,  truncated normal
 * orthogonal: Q of the QR decomposition of a Gaussian matrix (LAPACK sgeqrf + sorgqr), columns
 * sign-corrected by diag(R) so Q is uniformly (Haar) distributed; the parameter is viewed as
 * prod(shape[:-1]) × shape[-1] and, when it has fewer rows than columns, is the transpose of
 * such a Q (orthonormal rows). Fans are the caller's: for a dense kernel [in, out], fan_in = in
 * and fan_out = out; for a convolution, multiply both by the receptive field size. */
#ifndef AELAB_NN_INIT_H
#define AELAB_NN_INIT_H

#include "core/error.h"
#include "core/params.h"
#include "core/rng.h"

typedef enum ae_init_kind {
    AE_INIT_ZEROS,
    AE_INIT_ONES, /* batchnorm gamma */
    AE_INIT_GLOROT_UNIFORM,
    AE_INIT_GLOROT_NORMAL,
    AE_INIT_HE_UNIFORM,
    AE_INIT_HE_NORMAL,
    AE_INIT_LECUN_UNIFORM,
    AE_INIT_LECUN_NORMAL,
    AE_INIT_ORTHOGONAL,
    AE_INIT_KIND_COUNT
} ae_init_kind;

typedef enum ae_fan_mode { AE_FAN_IN, AE_FAN_OUT, AE_FAN_AVG } ae_fan_mode;
typedef enum ae_init_dist { AE_DIST_UNIFORM, AE_DIST_TRUNCATED_NORMAL } ae_init_dist;

/* The name as written in YAML ("glorot_uniform"), and the reverse lookup (-1 when unknown). */
const char *ae_init_name(ae_init_kind kind);
int ae_init_from_name(const char *name);

/* Fills p->value. Errors (bad fans, 1-D orthogonal, out of memory, LAPACK failure) name the
 * parameter. rng advances by the draws taken. */
ae_code ae_init_fill(ae_param *p, ae_init_kind kind, int fan_in, int fan_out, ae_rng *rng,
                     ae_error *err);
ae_code ae_init_variance_scaling(ae_param *p, double scale, ae_fan_mode mode, ae_init_dist dist,
                                 int fan_in, int fan_out, ae_rng *rng, ae_error *err);
/* gain multiplies the orthogonal matrix (Keras' default 1). */
ae_code ae_init_orthogonal(ae_param *p, float gain, ae_rng *rng, ae_error *err);

#endif

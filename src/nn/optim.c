/* The update kernels are written over ae_v8f (see ops/simd.h): at -O2 GCC leaves these loops
 * scalar, and Adam then costs 2.8 ns per parameter against 0.53 with AVX2 (a dense 784-32-784
 * model has 51k parameters: 0.14 ms against 0.03 per step, next to 0.6 ms of GEMMs). */
#include "nn/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "ops/simd.h"

static const char *const optim_names[] = {
    [AE_OPTIM_SGD] = "sgd",
    [AE_OPTIM_ADAM] = "adam",
    [AE_OPTIM_RMSPROP] = "rmsprop",
};
_Static_assert(sizeof optim_names / sizeof optim_names[0] == AE_OPTIM_KIND_COUNT,
               "every optimizer has a name");

const char *ae_optim_name(ae_optim_kind kind)
{
    return (unsigned)kind < AE_OPTIM_KIND_COUNT ? optim_names[kind] : "unknown";
}

int ae_optim_from_name(const char *name)
{
    for (int i = 0; name && i < AE_OPTIM_KIND_COUNT; i++)
        if (strcmp(name, optim_names[i]) == 0)
            return i;
    return -1;
}

ae_optim_config ae_optim_defaults(ae_optim_kind kind)
{
    ae_optim_config c = {.kind = kind, .lr = 0.001f, .beta1 = 0.9f, .beta2 = 0.999f,
                         .rho = 0.9f, .eps = 1e-7f};
    if (kind == AE_OPTIM_SGD)
        c.lr = 0.01f;
    return c;
}

static bool in_unit(float x)
{
    return x >= 0.0f && x < 1.0f;
}

ae_code ae_optim_check_config(const ae_optim_config *c, ae_error *err)
{
    if ((unsigned)c->kind >= AE_OPTIM_KIND_COUNT)
        return ae_error_set(err, AE_ERR_CONFIG, "optimizer: unknown kind %d", (int)c->kind);
    const char *name = optim_names[c->kind];
    if (!(c->lr >= 0.0f) || isinf(c->lr))
        return ae_error_set(err, AE_ERR_CONFIG, "%s: learning rate %g is not a finite value >= 0",
                            name, (double)c->lr);
    if (!(c->global_clipnorm >= 0.0f) || isinf(c->global_clipnorm))
        return ae_error_set(err, AE_ERR_CONFIG, "%s: global_clipnorm %g is not a finite value >= 0",
                            name, (double)c->global_clipnorm);
    switch (c->kind) {
    case AE_OPTIM_SGD:
        if (!in_unit(c->momentum))
            return ae_error_set(err, AE_ERR_CONFIG, "sgd: momentum %g is not in [0, 1)",
                                (double)c->momentum);
        break;
    case AE_OPTIM_ADAM:
        if (!in_unit(c->beta1))
            return ae_error_set(err, AE_ERR_CONFIG, "adam: beta1 %g is not in [0, 1)",
                                (double)c->beta1);
        if (!in_unit(c->beta2))
            return ae_error_set(err, AE_ERR_CONFIG, "adam: beta2 %g is not in [0, 1)",
                                (double)c->beta2);
        break;
    default:
        if (!in_unit(c->rho))
            return ae_error_set(err, AE_ERR_CONFIG, "rmsprop: rho %g is not in [0, 1)",
                                (double)c->rho);
        break;
    }
    if (c->kind != AE_OPTIM_SGD && (!(c->eps > 0.0f) || isinf(c->eps)))
        return ae_error_set(err, AE_ERR_CONFIG, "%s: epsilon %g is not a finite value > 0", name,
                            (double)c->eps);
    return AE_OK;
}

static float *zeroed_state(size_t n)
{
    float *p = ae_aligned_alloc(n * sizeof *p);
    if (p)
        memset(p, 0, n * sizeof *p);
    return p;
}

ae_code ae_optim_init(ae_optim *o, const ae_optim_config *cfg, const ae_params *ps, ae_error *err)
{
    memset(o, 0, sizeof *o);
    ae_code code = ae_optim_check_config(cfg, err);
    if (code != AE_OK)
        return code;
    if (!ps->finalized)
        return ae_error_set(err, AE_ERR_INTERNAL, "optimizer: the parameter store is not laid out");
    o->cfg = *cfg;
    o->size = ps->total;
    bool want_m = cfg->kind == AE_OPTIM_ADAM || (cfg->kind == AE_OPTIM_SGD && cfg->momentum > 0);
    bool want_v = cfg->kind != AE_OPTIM_SGD;
    if ((want_m && !(o->m = zeroed_state(o->size))) || (want_v && !(o->v = zeroed_state(o->size)))) {
        ae_optim_free(o);
        return ae_error_set(err, AE_ERR_NOMEM, "%s: out of memory for the state of %zu parameters",
                            optim_names[cfg->kind], ps->total);
    }
    return AE_OK;
}

void ae_optim_free(ae_optim *o)
{
    free(o->m);
    free(o->v);
    memset(o, 0, sizeof *o);
}

void ae_optim_set_lr(ae_optim *o, float lr)
{
    o->cfg.lr = lr;
}

int ae_optim_buffers(ae_optim *o, ae_optim_buffer out[2])
{
    int n = 0;
    if (o->m)
        out[n++] = (ae_optim_buffer){"m", o->m, o->size};
    if (o->v)
        out[n++] = (ae_optim_buffer){"v", o->v, o->size};
    return n;
}

float *ae_optim_buffer_get(ae_optim *o, const char *name, size_t *size)
{
    float *p = strcmp(name, "m") == 0 ? o->m : strcmp(name, "v") == 0 ? o->v : NULL;
    if (size)
        *size = p ? o->size : 0;
    return p;
}

/* ---- kernels: one pass over value, gradient and state; c scales the gradient (clipping) ---- */

AE_SIMD_CLONES
static double sum_squares(const float *g, size_t n)
{
    double total = 0;
    for (size_t blk = 0; blk < n; blk += 512) {
        size_t len = n - blk < 512 ? n - blk : 512;
        ae_v8f acc = ae_v8_splat(0.0f);
        AE_V8_FOR(i, cnt, len)
        {
            ae_v8f v = ae_v8_loadn(g + blk + i, cnt);
            acc += v * v;
        }
        total += ae_v8_hsum(acc);
    }
    return total;
}

typedef struct sgd_k {
    float lr, mu, c;
    bool nesterov;
} sgd_k;

AE_SIMD_CLONES
static void sgd_kernel(float *w, const float *g, float *m, size_t n, sgd_k k)
{
    AE_V8_FOR(i, cnt, n)
    {
        ae_v8f step = ae_v8_loadn(g + i, cnt) * (k.c * k.lr);
        ae_v8f wv = ae_v8_loadn(w + i, cnt);
        if (m) {
            ae_v8f mv = ae_v8_loadn(m + i, cnt) * k.mu - step;
            ae_v8_storen(m + i, mv, cnt);
            wv += k.nesterov ? mv * k.mu - step : mv;
        } else {
            wv -= step;
        }
        ae_v8_storen(w + i, wv, cnt);
    }
}

typedef struct adam_k {
    float b1, b2, eps, alpha, c;
} adam_k;

/* Adam and RMSProp take a square root and a division per value: vectorised for AVX2 only
 * (ops/simd.h), a plain loop elsewhere */
AE_SIMD_WIDE
static void adam_wide(float *w, const float *g, float *m, float *v, size_t n, adam_k k)
{
    AE_V8_FOR(i, cnt, n)
    {
        ae_v8f gv = ae_v8_loadn(g + i, cnt) * k.c;
        ae_v8f mv = ae_v8_loadn(m + i, cnt) * k.b1 + gv * (1.0f - k.b1);
        ae_v8f vv = ae_v8_loadn(v + i, cnt) * k.b2 + gv * gv * (1.0f - k.b2);
        ae_v8_storen(m + i, mv, cnt);
        ae_v8_storen(v + i, vv, cnt);
        ae_v8_storen(w + i, ae_v8_loadn(w + i, cnt) - k.alpha * mv / (ae_v8_sqrt(vv) + k.eps), cnt);
    }
}

static void adam_kernel(float *w, const float *g, float *m, float *v, size_t n, adam_k k)
{
    if (ae_simd_wide()) {
        adam_wide(w, g, m, v, n, k);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        float gi = g[i] * k.c;
        m[i] = m[i] * k.b1 + gi * (1.0f - k.b1);
        v[i] = v[i] * k.b2 + gi * gi * (1.0f - k.b2);
        w[i] -= k.alpha * m[i] / (sqrtf(v[i]) + k.eps);
    }
}

typedef struct rms_k {
    float lr, rho, eps, c;
} rms_k;

AE_SIMD_WIDE
static void rmsprop_wide(float *w, const float *g, float *v, size_t n, rms_k k)
{
    AE_V8_FOR(i, cnt, n)
    {
        ae_v8f gv = ae_v8_loadn(g + i, cnt) * k.c;
        ae_v8f vv = ae_v8_loadn(v + i, cnt) * k.rho + gv * gv * (1.0f - k.rho);
        ae_v8_storen(v + i, vv, cnt);
        ae_v8_storen(w + i, ae_v8_loadn(w + i, cnt) - k.lr * gv / ae_v8_sqrt(vv + k.eps), cnt);
    }
}

static void rmsprop_kernel(float *w, const float *g, float *v, size_t n, rms_k k)
{
    if (ae_simd_wide()) {
        rmsprop_wide(w, g, v, n, k);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        float gi = g[i] * k.c;
        v[i] = v[i] * k.rho + gi * gi * (1.0f - k.rho);
        w[i] -= k.lr * gi / sqrtf(v[i] + k.eps);
    }
}

static bool updated(const ae_param *p)
{
    return p->trainable && !p->frozen;
}

ae_code ae_optim_step(ae_optim *o, ae_params *ps)
{
    if (!ps->finalized || ps->total != o->size)
        return AE_ERR_INTERNAL;
    const ae_optim_config *cfg = &o->cfg;
    float c = 1.0f;
    if (cfg->global_clipnorm > 0) {
        double ss = 0;
        for (size_t i = 0; i < ps->count; i++)
            if (updated(&ps->items[i]))
                ss += sum_squares(ps->items[i].grad, ps->items[i].value.size);
        o->grad_norm = (float)sqrt(ss);
        if (o->grad_norm > cfg->global_clipnorm)
            c = cfg->global_clipnorm / o->grad_norm;
    }
    o->step++;
    /* Adam's bias corrections, folded into one step size (Keras), in double: β2^t is close to
     * 1 for thousands of steps */
    double t = (double)o->step;
    float alpha = (float)(cfg->lr * sqrt(1.0 - pow(cfg->beta2, t)) / (1.0 - pow(cfg->beta1, t)));
    for (size_t i = 0; i < ps->count; i++) {
        ae_param *p = &ps->items[i];
        if (!updated(p))
            continue;
        size_t off = p->offset, n = p->value.size;
        float *w = ps->values + off;
        const float *g = ps->grads + off;
        switch (cfg->kind) {
        case AE_OPTIM_SGD:
            sgd_kernel(w, g, o->m ? o->m + off : NULL, n,
                       (sgd_k){cfg->lr, cfg->momentum, c, cfg->nesterov});
            break;
        case AE_OPTIM_ADAM:
            adam_kernel(w, g, o->m + off, o->v + off, n,
                        (adam_k){cfg->beta1, cfg->beta2, cfg->eps, alpha, c});
            break;
        default:
            rmsprop_kernel(w, g, o->v + off, n, (rms_k){cfg->lr, cfg->rho, cfg->eps, c});
            break;
        }
    }
    return AE_OK;
}

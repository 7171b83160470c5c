/* bench-step: how close one training step of a dense autoencoder comes to its GEMM floor.
 *
 * The model is the Keras blog's 784-32-784 autoencoder (relu code, sigmoid output; the loss is
 * BCE from the logits, which equals sigmoid → BCE) at batch 256, trained with Adam. A step is
 * what the trainer does per batch: reset the tape, zero the gradients, forward, backward, Adam.
 * The floor is the same step's matrix products alone, called with the same shapes, operands
 * and beta: 2 forward sgemms (x·W1, h·W2) and 3 backward ones (dW2 = hᵀ·dz2, dh = dz2·W2ᵀ,
 * dW1 = xᵀ·dz1); the input needs no gradient, so the tape computes no dx and neither does the
 * floor. Step and floor alternate rep by rep so both see the same machine load; the report
 * gives medians and their ratio, the ratio of the fastest reps (on a shared machine the
 * closest to an idle one), and the median time of each phase of the step.
 *
 * Usage: bench-step [reps]   (OPENBLAS_NUM_THREADS chooses the BLAS threads; reported) */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/rng.h"
#include "core/tape.h"
#include "nn/init.h"
#include "nn/optim.h"
#include "ops/ops.h"

enum { BATCH = 256, D = 784, H = 32, WARMUP = 30 };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* the sgemm call of src/ops/matmul.c: C[m×n] (+)= op(A)·op(B), row-major */
static void sgemm(int ta, int tb, int m, int n, int k, const float *a, const float *b, float beta,
                  float *c)
{
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m,
                n, k, 1.0f, a, ta ? m : k, b, tb ? k : n, beta, c, n);
}

typedef struct bench {
    ae_params ps;
    ae_optim opt;
    ae_tape tape;
    ae_tensor x;
    /* the floor's own buffers */
    float *h, *z, *dz, *dh, *dw1, *dw2;
} bench;

enum { PH_SETUP, PH_FORWARD, PH_BACKWARD, PH_OPTIM, N_PHASES };

static void step(bench *b, double ph[N_PHASES])
{
    double t0 = now();
    ae_tape *t = &b->tape;
    ae_tape_reset(t);
    ae_params_zero_grad(&b->ps);
    double t1 = now();
    ae_node *x = ae_tape_input(t, &b->x);
    ae_node *h = ae_dense(t, x, ae_tape_param(t, &b->ps.items[0]),
                          ae_tape_param(t, &b->ps.items[1]), false);
    h = ae_activation(t, h, AE_ACT_RELU, 0);
    ae_node *z = ae_dense(t, h, ae_tape_param(t, &b->ps.items[2]),
                          ae_tape_param(t, &b->ps.items[3]), false);
    ae_node *loss = ae_bce_logits_loss(t, z, x, AE_REDUCE_MEAN);
    double t2 = now();
    ae_error err;
    if (!loss || ae_tape_backward(t, loss, &err) != AE_OK) {
        fprintf(stderr, "bench-step: the step failed: %s\n", t->err.msg);
        exit(1);
    }
    double t3 = now();
    ae_optim_step(&b->opt, &b->ps);
    double t4 = now();
    ph[PH_SETUP] = t1 - t0, ph[PH_FORWARD] = t2 - t1, ph[PH_BACKWARD] = t3 - t2;
    ph[PH_OPTIM] = t4 - t3;
}

static void floor_step(bench *b)
{
    const float *x = b->x.data, *w1 = b->ps.items[0].value.data, *w2 = b->ps.items[2].value.data;
    sgemm(0, 0, BATCH, H, D, x, w1, 0.0f, b->h);       /* h = x·W1 */
    sgemm(0, 0, BATCH, D, H, b->h, w2, 0.0f, b->z);    /* z = h·W2 */
    sgemm(0, 1, BATCH, H, D, b->dz, w2, 1.0f, b->dh);  /* dh += dz2·W2ᵀ */
    sgemm(1, 0, H, D, BATCH, b->h, b->dz, 1.0f, b->dw2); /* dW2 += hᵀ·dz2 */
    sgemm(1, 0, D, H, BATCH, x, b->dh, 1.0f, b->dw1);  /* dW1 += xᵀ·dz1 */
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 400;
    if (reps < 1) {
        fprintf(stderr, "usage: bench-step [reps]\n");
        return 2;
    }
    bench b;
    memset(&b, 0, sizeof b);
    ae_error err;
    ae_params_init(&b.ps);
    ae_params_declare(&b.ps, "enc/W", 2, (int[]){D, H}, &err);
    ae_params_declare(&b.ps, "enc/b", 1, (int[]){H}, &err);
    ae_params_declare(&b.ps, "dec/W", 2, (int[]){H, D}, &err);
    ae_params_declare(&b.ps, "dec/b", 1, (int[]){D}, &err);
    if (ae_params_finalize(&b.ps, &err) != AE_OK) {
        fprintf(stderr, "bench-step: %s\n", err.msg);
        return 1;
    }
    ae_rng r = ae_rng_stream(1, AE_RNG_INIT, 0, 0);
    ae_init_fill(&b.ps.items[0], AE_INIT_GLOROT_UNIFORM, D, H, &r, &err);
    ae_init_fill(&b.ps.items[2], AE_INIT_GLOROT_UNIFORM, H, D, &r, &err);
    ae_optim_config oc = ae_optim_defaults(AE_OPTIM_ADAM);
    if (ae_optim_init(&b.opt, &oc, &b.ps, &err) != AE_OK) {
        fprintf(stderr, "bench-step: %s\n", err.msg);
        return 1;
    }
    ae_tape_init(&b.tape);

    /* image-like input: a third of the pixels bright */
    ae_tensor_set_shape(&b.x, 2, (int[]){BATCH, D});
    b.x.data = calloc(b.x.size, sizeof(float));
    b.h = calloc((size_t)BATCH * H, sizeof(float));
    b.dh = calloc((size_t)BATCH * H, sizeof(float));
    b.z = calloc((size_t)BATCH * D, sizeof(float));
    b.dz = calloc((size_t)BATCH * D, sizeof(float));
    b.dw1 = calloc((size_t)D * H, sizeof(float));
    b.dw2 = calloc((size_t)H * D, sizeof(float));
    if (!b.x.data || !b.h || !b.dh || !b.z || !b.dz || !b.dw1 || !b.dw2) {
        fprintf(stderr, "bench-step: out of memory\n");
        return 1;
    }
    ae_rng rd = ae_rng_stream(1, AE_RNG_DATA, 0, 0);
    for (size_t i = 0; i < b.x.size; i++)
        b.x.data[i] = ae_rng_uniform(&rd) < 0.35f ? 0.7f + 0.3f * ae_rng_uniform(&rd)
                                                  : 0.1f * ae_rng_uniform(&rd);
    for (size_t i = 0; i < (size_t)BATCH * D; i++)
        b.dz[i] = 1e-3f * (ae_rng_uniform(&rd) - 0.5f);

    double ph[N_PHASES];
    for (int i = 0; i < WARMUP; i++) {
        step(&b, ph);
        floor_step(&b);
    }
    double *ts = malloc((size_t)reps * sizeof *ts), *tf = malloc((size_t)reps * sizeof *tf);
    double *tp[N_PHASES];
    for (int p = 0; p < N_PHASES; p++)
        tp[p] = malloc((size_t)reps * sizeof *tp[p]);
    for (int i = 0; i < reps; i++) {
        double t0 = now();
        step(&b, ph);
        double t1 = now();
        floor_step(&b);
        double t2 = now();
        ts[i] = t1 - t0, tf[i] = t2 - t1;
        for (int p = 0; p < N_PHASES; p++)
            tp[p][i] = ph[p];
    }
    double ms = 1e3 * median(ts, reps), mf = 1e3 * median(tf, reps); /* sorts ts, tf */
    double bs = 1e3 * ts[0], bf = 1e3 * tf[0];
    const char *env = getenv("OPENBLAS_NUM_THREADS");
    printf("784-32-784 dense AE, batch %d, Adam; OpenBLAS threads %d (OPENBLAS_NUM_THREADS=%s)\n",
           BATCH, openblas_get_num_threads(), env ? env : "unset");
    printf("step    median %.3f ms over %d reps\n", ms, reps);
    printf("  setup %.3f  forward %.3f  backward %.3f  optimizer %.3f ms (phase medians)\n",
           1e3 * median(tp[PH_SETUP], reps), 1e3 * median(tp[PH_FORWARD], reps),
           1e3 * median(tp[PH_BACKWARD], reps), 1e3 * median(tp[PH_OPTIM], reps));
    printf("sgemm floor median %.3f ms (5 sgemms, %.1f GFLOP/s)\n", mf,
           5.0 * 2 * BATCH * D * H / (mf * 1e-3) * 1e-9);
    printf("ratio step/floor %.2f (medians); %.2f (fastest reps: step %.3f, floor %.3f ms)\n",
           ms / mf, bs / bf, bs, bf);

    for (int p = 0; p < N_PHASES; p++)
        free(tp[p]);
    free(ts);
    free(tf);
    free(b.x.data), free(b.h), free(b.dh), free(b.z), free(b.dz), free(b.dw1), free(b.dw2);
    ae_tape_free(&b.tape);
    ae_optim_free(&b.opt);
    ae_params_free(&b.ps);
    return 0;
}

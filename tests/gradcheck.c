#include "gradcheck.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "core/rng.h"

void gc_fill_uniform(ae_tensor *t, float lo, float hi, unsigned seed)
{
    ae_rng r = ae_rng_stream(seed, AE_RNG_DATA, 0, 0);
    for (size_t i = 0; i < t->size; i++)
        t->data[i] = lo + (hi - lo) * ae_rng_uniform(&r);
}

static double projected(const ae_node *out, const float *r)
{
    double s = 0;
    for (size_t i = 0; i < out->value.size; i++)
        s += (double)r[i] * out->value.data[i];
    return s;
}

static void compare(gc_result *res, int var, size_t i, double analytic, double numeric)
{
    double scale = fmax(fmax(fabs(analytic), fabs(numeric)), 1.0);
    double err = fabs(analytic - numeric) / scale;
    if (err > res->max_err || isnan(err)) {
        res->max_err = isnan(err) ? INFINITY : err;
        res->worst_var = var;
        res->worst_index = i;
        res->analytic = analytic;
        res->numeric = numeric;
    }
}

static void check_values(gc_result *res, ae_tape *t, ae_node *out, const float *r, int var,
                         float *x, const float *grad, size_t n, float h)
{
    for (size_t i = 0; i < n; i++) {
        float saved = x[i];
        x[i] = saved + h;
        ae_tape_replay(t);
        double plus = projected(out, r);
        x[i] = saved - h;
        ae_tape_replay(t);
        double minus = projected(out, r);
        x[i] = saved;
        /* the step actually taken, in float */
        double step = (double)(saved + h) - (double)(saved - h);
        compare(res, var, i, grad[i], (plus - minus) / step);
    }
    ae_tape_replay(t);
}

gc_result gc_check(ae_tensor *vars, int n_vars, ae_params *params, gc_build_fn build, void *ctx,
                   float h)
{
    gc_result res = {0};
    ae_tape t;
    ae_tape_init(&t);
    ae_node *leaves[8];
    cr_assert(n_vars <= 8);
    for (int v = 0; v < n_vars; v++)
        leaves[v] = ae_tape_variable(&t, &vars[v]);
    if (params)
        ae_params_zero_grad(params);
    ae_node *out = build(&t, leaves, ctx);
    cr_assert_not_null(out, "graph build failed: %s", t.err.msg);
    float *r = malloc(out->value.size * sizeof *r);
    ae_tensor rt = {.ndim = 1, .size = out->value.size, .data = r};
    gc_fill_uniform(&rt, -1.0f, 1.0f, 12345);
    ae_error err;
    cr_assert_eq(ae_tape_backward_seeded(&t, out, r, &err), AE_OK, "backward: %s", err.msg);

    for (int v = 0; v < n_vars; v++) {
        float *grad = leaves[v]->grad;
        float *zeros = NULL;
        if (!grad) /* no path from this input to the output: the gradient is zero */
            grad = zeros = calloc(vars[v].size, sizeof *zeros);
        check_values(&res, &t, out, r, v, vars[v].data, grad, vars[v].size, h);
        free(zeros);
    }
    if (params)
        for (size_t p = 0; p < params->count; p++) {
            ae_param *pa = &params->items[p];
            if (pa->frozen || !pa->trainable)
                continue;
            check_values(&res, &t, out, r, n_vars + (int)p, pa->value.data, pa->grad,
                         pa->value.size, h);
        }
    free(r);
    ae_tape_free(&t);
    return res;
}

void gc_assert(gc_result r, double tol, const char *what)
{
    cr_assert(r.max_err < tol,
              "%s: gradient error %.3g >= %.3g at input %d element %zu (analytic %.6g, numeric %.6g)",
              what, r.max_err, tol, r.worst_var, r.worst_index, r.analytic, r.numeric);
}

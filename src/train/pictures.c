#include "train/pictures.h"

#include <stdlib.h>
#include <string.h>

#include "train/train.h"
#include "viz/viz.h"

/* The corruption layer a denoiser is trained through: the first gaussian_noise or dropout
 * layer that reads the model input (directly or through flatten/reshape) and corrupts it
 * at all (std > 0, rate > 0); -1 when there is none. */
static int corruption_layer(const ae_model_spec *ms)
{
    for (size_t i = 0; i < ms->n_layers; i++) {
        const ae_layer_spec *l = &ms->layers[i];
        bool noise = l->kind == AE_LAYER_GAUSSIAN_NOISE && l->noise_std > 0;
        bool drop = l->kind == AE_LAYER_DROPOUT && l->keep < 1;
        if (!noise && !drop)
            continue;
        int j = l->input;
        while (j >= 0 &&
               (ms->layers[j].kind == AE_LAYER_FLATTEN || ms->layers[j].kind == AE_LAYER_RESHAPE))
            j = ms->layers[j].input;
        if (j == -1 && ae_shape_size(&l->out_shape) == ae_shape_size(&ms->input))
            return (int)i;
    }
    return -1;
}

/* The n images as the model sees them in training (the corruption layer in training mode,
 * stream (seed, NOISE or DROPOUT, epoch 0, batch 0): one fixed draw), then their
 * reconstructions in evaluation mode, fed to the layers after the corruption layer. */
static ae_code corrupted_recon(ae_model *m, const ae_experiment *exp, const ae_dataset *data,
                               int n, int layer, float *noisy, float *recon, ae_error *err)
{
    const ae_model_spec *ms = &exp->model;
    size_t size = ae_dataset_sample_size(data);
    int shape[4] = {n};
    for (int d = 0; d < ms->input.ndim; d++)
        shape[d + 1] = ms->input.d[d];
    ae_tensor x = {0};
    ae_tensor_set_shape(&x, ms->input.ndim + 1, shape);
    x.data = data->x;
    ae_tape t;
    ae_tape_init(&t);
    ae_forward_ctx ctx = {.seed = exp->seed};
    ae_activations acts;
    t.training = true;
    ae_code code = ae_model_forward(m, &t, ae_tape_input(&t, &x), -1, layer, &ctx, &acts, err);
    if (code == AE_OK) {
        memcpy(noisy, acts.out[layer]->value.data, (size_t)n * size * sizeof *noisy);
        ae_tape_reset(&t);
        t.training = false;
        const ae_shape *ls = &ms->layers[layer].out_shape;
        for (int d = 0; d < ls->ndim; d++)
            shape[d + 1] = ls->d[d];
        ae_tensor_set_shape(&x, ls->ndim + 1, shape);
        x.data = noisy;
        code = ae_model_forward(m, &t, ae_tape_input(&t, &x), layer, ms->output_layer, &ctx,
                                &acts, err);
    }
    if (code == AE_OK)
        memcpy(recon, acts.out[ms->output_layer]->value.data, (size_t)n * size * sizeof *recon);
    ae_tape_free(&t);
    return code;
}

ae_code ae_recon_png(ae_model *m, const ae_experiment *exp, const ae_dataset *data, int n,
                     const char *png_path, ae_error *err)
{
    if ((size_t)n > data->n)
        n = (int)data->n;
    size_t size = ae_dataset_sample_size(data);
    if (ae_shape_size(&exp->model.layers[exp->model.output_layer].out_shape) != size)
        return ae_error_set(err, AE_ERR_SHAPE, "%s: the output does not have the input's size",
                            png_path);
    int noise = corruption_layer(&exp->model);
    int rows = noise >= 0 ? 3 : 2;
    ae_dataset head = *data;
    head.n = (size_t)n;
    float *grid = malloc((size_t)rows * (size_t)n * size * sizeof *grid);
    if (!grid)
        return ae_error_set(err, AE_ERR_NOMEM, "out of memory drawing %s", png_path);
    float *clean = grid + (size_t)(rows - 1) * (size_t)n * size;
    memcpy(noise >= 0 ? clean : grid, data->x, (size_t)n * size * sizeof *grid);
    ae_code code =
        noise >= 0
            ? corrupted_recon(m, exp, &head, n, noise, grid, grid + (size_t)n * size, err)
            : ae_model_outputs(m, exp, &head, exp->model.output_layer, grid + (size_t)n * size,
                               err);
    static const char *const labels2[] = {"input", "reconstruction"};
    static const char *const labels3[] = {"noisy input", "reconstruction", "clean"};
    if (code == AE_OK)
        code = ae_viz_image_grid_labeled(png_path, grid, rows, n, data->c, data->h, data->w, 0.0f,
                                         1.0f, 2, 2, noise >= 0 ? labels3 : labels2, err);
    free(grid);
    return code;
}

#include "train/pictures.h"

#include <stdlib.h>
#include <string.h>

#include "train/train.h"
#include "viz/viz.h"

ae_code ae_recon_png(ae_model *m, const ae_experiment *exp, const ae_dataset *data, int n,
                     const char *png_path, ae_error *err)
{
    if ((size_t)n > data->n)
        n = (int)data->n;
    size_t size = ae_dataset_sample_size(data);
    if (ae_shape_size(&exp->model.layers[exp->model.output_layer].out_shape) != size)
        return ae_error_set(err, AE_ERR_SHAPE, "%s: the output does not have the input's size",
                            png_path);
    ae_dataset head = *data;
    head.n = (size_t)n;
    float *grid = malloc(2 * (size_t)n * size * sizeof *grid);
    if (!grid)
        return ae_error_set(err, AE_ERR_NOMEM, "out of memory drawing %s", png_path);
    memcpy(grid, data->x, (size_t)n * size * sizeof *grid);
    ae_code code = ae_model_outputs(m, exp, &head, exp->model.output_layer, grid + (size_t)n * size,
                                    err);
    static const char *const labels[] = {"input", "reconstruction"};
    if (code == AE_OK)
        code = ae_viz_image_grid_labeled(png_path, grid, 2, n, data->c, data->h, data->w, 0.0f,
                                         1.0f, 2, 2, labels, err);
    free(grid);
    return code;
}

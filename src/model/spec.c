#include "model/spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tensor.h"

void ae_experiment_free(ae_experiment *e)
{
    for (size_t i = 0; i < e->loss.n_terms; i++) {
        free(e->loss.terms[i].name);
        free(e->loss.terms[i].layers);
    }
    free(e->loss.terms);
    for (size_t i = 0; i < e->train.n_phases; i++) {
        ae_phase_spec *p = &e->train.phases[i];
        free(p->name);
        free(p->input_of);
        free(p->trainable);
        free(p->term_active);
    }
    free(e->train.phases);
    for (size_t i = 0; i < e->model.n_layers; i++) {
        free(e->model.layers[i].name);
        free(e->model.layers[i].file);
    }
    free(e->model.layers);
    free(e->data.dataset);
    free(e->data.h5_path);
    free(e->data.h5_dataset);
    free(e->output_root);
    free(e->name);
    memset(e, 0, sizeof *e);
}

size_t ae_shape_size(const ae_shape *s)
{
    size_t n = 1;
    for (int i = 0; i < s->ndim; i++)
        n *= (size_t)s->d[i];
    return n;
}

const char *ae_shape_str(const ae_shape *s, char *buf, size_t size)
{
    ae_tensor view = {.ndim = s->ndim};
    memcpy(view.shape, s->d, (size_t)s->ndim * sizeof *s->d);
    return ae_tensor_shape_str(&view, buf, size);
}

int ae_model_find_layer(const ae_model_spec *m, const char *name)
{
    for (size_t i = 0; i < m->n_layers; i++)
        if (m->layers[i].name && strcmp(m->layers[i].name, name) == 0)
            return (int)i;
    return -1;
}

bool ae_layer_has_activation(ae_layer_kind k)
{
    return k == AE_LAYER_DENSE || k == AE_LAYER_CONV2D || k == AE_LAYER_CONV2D_TRANSPOSE ||
           k == AE_LAYER_ACTIVATION;
}

/* Pictures of a trained model (image grids through the viz module). */
#ifndef AELAB_TRAIN_PICTURES_H
#define AELAB_TRAIN_PICTURES_H

#include "data/data.h"
#include "model/model.h"

/* Two rows: the first n images of data above their reconstructions. When the model
 * corrupts its input (a gaussian_noise or dropout layer reading it), three rows: the
 * corrupted images (that layer in training mode, one fixed draw from the experiment's
 * seed), their reconstructions, and the clean images. */
ae_code ae_recon_png(ae_model *m, const ae_experiment *exp, const ae_dataset *data, int n,
                     const char *png_path, ae_error *err);

#endif

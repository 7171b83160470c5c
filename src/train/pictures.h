/* Pictures of a trained model (image grids through the viz module). */
#ifndef AELAB_TRAIN_PICTURES_H
#define AELAB_TRAIN_PICTURES_H

#include "data/data.h"
#include "model/model.h"

/* Two rows: the first n images of data above their reconstructions. */
ae_code ae_recon_png(ae_model *m, const ae_experiment *exp, const ae_dataset *data, int n,
                     const char *png_path, ae_error *err);

#endif

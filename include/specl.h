/* specl: spectral contrastive learning over function classes of limited capacity, and the exact
 * quantities of HaoChen & Ma (ICLR 2023). One umbrella header over the module headers. */
#ifndef SPECL_H
#define SPECL_H
#define SPECL_VERSION "0.1.0"
#include "specl/base.h"
#include "specl/data.h"
#include "specl/model.h"
#include "specl/eval.h"
#include "specl/graph.h"
#include "specl/images.h"
#include "specl/spectral.h"
#include "specl/theory.h"
#include "specl/train.h"
#include "specl/experiments.h"
#include "specl/report.h"
#include "specl/ffi.h"
#endif

// Resolving a `--data` argument to IDX files on disk.
//
// A `--data` value is either a known short name or a directory:
//   fashion-mnist  /usr/share/datasets/fashion-mnist
//                  (Debian package dataset-fashion-mnist)
//   mnist-digits   $NABLA_DATA_HOME/mnist-digits, NABLA_DATA_HOME defaulting
//                  to /var/lib/nabla/data (made by tools/setup_data.sh)
//   mnist          $NABLA_MNIST_DIR (must be set)
// Short names win over a same-named directory in the working directory;
// write "./fashion-mnist" to mean the directory.
//
// A directory holds the standard MNIST names, each optionally gzipped:
//   train-images-idx3-ubyte  train-labels-idx1-ubyte
//   t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte
// When both NAME and NAME.gz exist, NAME is used. A Dataset keeps the bytes;
// the model sees each pixel / 255 (data::PixelsToFloat in data/idx.h) and
// nothing else: no mean subtraction or standardisation. A directory may hold only
// one split. Every problem throws nabla::Error naming the directory and the
// names it expected.
#ifndef NABLA_DATA_DATASET_DIR_H_
#define NABLA_DATA_DATASET_DIR_H_

#include <string>
#include <vector>

#include "data/idx.h"

namespace nabla::data {

enum class Split { kTrain, kTest };

// "train" or "test".
const char* SplitName(Split split);

// The short names ResolveDataDir accepts, sorted.
std::vector<std::string> KnownDatasetNames();

// Returns the directory `data_arg` names. Throws kNotFound for an unknown
// name (listing the known ones), a missing directory, or an unset
// NABLA_MNIST_DIR.
std::string ResolveDataDir(const std::string& data_arg);

struct SplitFiles {
  std::string images;
  std::string labels;
};

// Finds one split's files in `dir`. Throws kNotFound naming what is missing.
SplitFiles FindSplit(const std::string& dir, Split split);

// ResolveDataDir + FindSplit + LoadIdx.
Dataset LoadSplit(const std::string& data_arg, Split split);

}  // namespace nabla::data

#endif  // NABLA_DATA_DATASET_DIR_H_

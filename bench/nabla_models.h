// The two benchmark networks of bench/README.md, built either with the C++
// API or from a graph file, behind one interface so the workloads in
// nabla_bench.cc run the same loop over both:
//
//   A: 784-1000-100-10, LeakyReLU(0.01) after each hidden Linear
//      (examples/mnist/mlp_leaky.pbtxt)
//   B: 784-1024-512-64-10, PReLU(num_parameters 1, init 0.1) after each
//      hidden Linear (examples/mnist/deep_prelu.pbtxt with the act1..act3
//      init overridden from the file's 0.25 to 0.1)
//   C: conv5x5(1->32, pad 2)-ReLU-maxpool2, conv5x5(32->64, pad 2)-ReLU-
//      maxpool2, Flatten, Linear 3136-512-ReLU, Linear 512-10, on images
//      [N, 1, 28, 28] (examples/mnist/cnn.pbtxt)
//
// Both paths create their layers in the same order, so after the same
// ManualSeed they start from the same parameters.
//
// Thread safety: none; a model belongs to the thread that runs it.
#ifndef NABLA_BENCH_NABLA_MODELS_H_
#define NABLA_BENCH_NABLA_MODELS_H_

#include <memory>
#include <string>
#include <vector>

#include "graph/module.h"
#include "graph/variable.h"

namespace nabla::bench {

class BenchModel {
 public:
  virtual ~BenchModel() = default;

  virtual std::vector<NamedParameter> NamedParameters() const = 0;
  virtual void Train(bool on) = 0;
  // Mean softmax cross-entropy of a batch: images [N, 784] float32, labels
  // [N] int32. Records a tape when gradients are enabled.
  virtual Variable Loss(const Variable& images, const Variable& labels) = 0;
  // Logits [N, 10].
  virtual Variable Logits(const Variable& images) = 0;
  // A one-line description for stderr.
  virtual std::string Describe() const = 0;
  // One sample's image shape: [784] for A and B, [1, 28, 28] for C.
  virtual Shape SampleShape() const = 0;
};

// `model` is "A", "B" or "C". Throws nabla::Error for anything else.
std::unique_ptr<BenchModel> MakeApiModel(const std::string& model);

// Loads the model's graph file from `graph_dir` (see FindGraphDir).
// Throws nabla::Error (file missing or invalid).
std::unique_ptr<BenchModel> MakeGraphModel(const std::string& model, const std::string& graph_dir);

// The directory holding the graph files: `requested` when given explicitly
// (`explicit_dir`); otherwise "examples/mnist" under the working directory
// if it holds the files, else the copy in the binary's Bazel runfiles
// ($RUNFILES_DIR or <binary>.runfiles, then nabla/examples/mnist). Throws
// kNotFound naming every directory tried.
std::string FindGraphDir(const std::string& requested, bool explicit_dir);

}  // namespace nabla::bench

#endif  // NABLA_BENCH_NABLA_MODELS_H_

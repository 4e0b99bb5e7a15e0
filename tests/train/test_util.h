// Helpers shared by the checkpoint tests: scratch files under $TEST_TMPDIR
// and a small network of nabla::nn layers with a training batch.
#ifndef NABLA_TESTS_TRAIN_TEST_UTIL_H_
#define NABLA_TESTS_TRAIN_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/module.h"
#include "graph/tensor.h"
#include "train/checkpoint.h"
#include "train/optimizer.h"

namespace nabla::testing {

// A fresh, empty directory under $TEST_TMPDIR (or /tmp outside Bazel).
std::string MakeTempDir(const std::string& name);
// Names in `dir`, sorted.
std::vector<std::string> ListDir(const std::string& dir);

void WriteBytes(const std::string& path, const std::string& bytes);
std::string ReadBytes(const std::string& path);

// Linear(3, hidden) -> LeakyReLU(slope) -> Linear(hidden, hidden) ->
// PReLU(hidden) -> Linear(hidden, 2), initialised from `seed`.
std::shared_ptr<Sequential> MakeNet(uint64_t seed, int64_t hidden = 8, double slope = 0.1);

// A fixed batch of 16 points with 2 classes.
Tensor BatchInputs();
Tensor BatchLabels();

// `steps` steps of softmax cross-entropy on the fixed batch.
void Train(Module* net, Optimizer* optimizer, int steps);

// The model's parameters, the optimiser state and every header field set
// to a distinctive value (step, epoch, generator, data position, config,
// metrics).
Checkpoint MakeFullCheckpoint(const Module& net, const Optimizer& optimizer);

// Passes when `text` contains `fragment`; the failure shows both.
::testing::AssertionResult Contains(const std::string& text, const std::string& fragment);

// Same shape and the same bytes (NaN payloads and -0 included).
bool BitEqual(const Tensor& a, const Tensor& b);

}  // namespace nabla::testing

#endif  // NABLA_TESTS_TRAIN_TEST_UTIL_H_

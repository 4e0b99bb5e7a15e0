// The typed C++ API over the built-in ops.
//
// Functions (nabla::LeakyRelu(x, 0.1)) apply one op to Variables; layer
// factories (nabla::nn::Linear(784, 1000)) build OpLayer modules that own
// their parameters. Both go through the registry by name, so they run the
// very code a graph file runs, and parameter names match graph files.
#ifndef NABLA_OPS_API_H_
#define NABLA_OPS_API_H_

#include <memory>
#include <vector>

#include "graph/module.h"
#include "graph/variable.h"

namespace nabla {

// Elementwise and matrix math. Add, Sub and Mul broadcast b when it is a
// scalar or a row ([M] against [N, M]).
Variable MatMul(const Variable& a, const Variable& b);
Variable Add(const Variable& a, const Variable& b);
Variable Sub(const Variable& a, const Variable& b);
Variable Mul(const Variable& a, const Variable& b);
Variable operator+(const Variable& a, const Variable& b);
Variable operator-(const Variable& a, const Variable& b);
Variable operator*(const Variable& a, const Variable& b);

// Activations.
Variable Relu(const Variable& x);
Variable LeakyRelu(const Variable& x, double slope = 0.01);
Variable PRelu(const Variable& x, const Variable& slope);
Variable Sigmoid(const Variable& x);
Variable Tanh(const Variable& x);
Variable Softmax(const Variable& x);     // over dimension 1 of [N, C]
Variable LogSoftmax(const Variable& x);  // over dimension 1 of [N, C]

// Layers as functions of explicit parameters.
Variable LinearFn(const Variable& x, const Variable& weight, const Variable& bias);

// Losses (scalar, mean over the batch).
Variable SoftmaxCrossEntropy(const Variable& logits, const Variable& labels);
Variable Mse(const Variable& prediction, const Variable& target);

// Shapes and reductions.
Variable Reshape(const Variable& x, std::vector<int64_t> shape);
Variable Flatten(const Variable& x);
Variable Sum(const Variable& x);   // all elements
Variable Mean(const Variable& x);  // all elements

// Inverted dropout: zeroes each element with probability p and scales the
// rest by 1/(1-p) in training mode (TrainingModeGuard); identity in eval.
Variable Dropout(const Variable& x, double p);

namespace nn {

using LayerPtr = std::shared_ptr<OpLayer>;

LayerPtr Linear(int64_t in_features, int64_t out_features);
LayerPtr ReLU();
LayerPtr LeakyReLU(double slope = 0.01);
LayerPtr PReLU(int64_t num_parameters = 1, double init = 0.25);
LayerPtr Sigmoid();
LayerPtr Tanh();
LayerPtr Softmax();
LayerPtr LogSoftmax();
LayerPtr Flatten();
LayerPtr Dropout(double p);
LayerPtr SoftmaxCrossEntropy();
LayerPtr MSE();

}  // namespace nn
}  // namespace nabla

#endif  // NABLA_OPS_API_H_

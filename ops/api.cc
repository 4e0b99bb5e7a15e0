#include "ops/api.h"

namespace nabla {

Variable MatMul(const Variable& a, const Variable& b) { return Apply("MatMul", {a, b}); }
Variable Add(const Variable& a, const Variable& b) { return Apply("Add", {a, b}); }
Variable Sub(const Variable& a, const Variable& b) { return Apply("Sub", {a, b}); }
Variable Mul(const Variable& a, const Variable& b) { return Apply("Mul", {a, b}); }
Variable operator+(const Variable& a, const Variable& b) { return Add(a, b); }
Variable operator-(const Variable& a, const Variable& b) { return Sub(a, b); }
Variable operator*(const Variable& a, const Variable& b) { return Mul(a, b); }

Variable Relu(const Variable& x) { return Apply("ReLU", {x}); }
Variable LeakyRelu(const Variable& x, double slope) {
  return Apply("LeakyReLU", {x}, {{"slope", slope}});
}
Variable PRelu(const Variable& x, const Variable& slope) {
  return Apply("PReLU", {x, slope}, {{"num_parameters", slope.value().size()}});
}
Variable Sigmoid(const Variable& x) { return Apply("Sigmoid", {x}); }
Variable Tanh(const Variable& x) { return Apply("Tanh", {x}); }
Variable Softmax(const Variable& x) { return Apply("Softmax", {x}); }
Variable LogSoftmax(const Variable& x) { return Apply("LogSoftmax", {x}); }

Variable LinearFn(const Variable& x, const Variable& weight, const Variable& bias) {
  return Apply("Linear", {x, weight, bias},
               {{"in_features", weight.shape().dim(1)}, {"out_features", weight.shape().dim(0)}});
}

Variable SoftmaxCrossEntropy(const Variable& logits, const Variable& labels) {
  return Apply("SoftmaxCrossEntropy", {logits, labels});
}
Variable Mse(const Variable& prediction, const Variable& target) {
  return Apply("MSE", {prediction, target});
}

Variable Reshape(const Variable& x, std::vector<int64_t> shape) {
  return Apply("Reshape", {x}, {{"shape", std::move(shape)}});
}
Variable Flatten(const Variable& x) { return Apply("Flatten", {x}); }
Variable Sum(const Variable& x) { return Apply("Sum", {x}); }
Variable Mean(const Variable& x) { return Apply("Mean", {x}); }
Variable Dropout(const Variable& x, double p) { return Apply("Dropout", {x}, {{"p", p}}); }

namespace nn {

LayerPtr Linear(int64_t in_features, int64_t out_features) {
  return std::make_shared<OpLayer>(
      "Linear", AttrMap{{"in_features", in_features}, {"out_features", out_features}});
}
LayerPtr ReLU() { return std::make_shared<OpLayer>("ReLU", AttrMap{}); }
LayerPtr LeakyReLU(double slope) {
  return std::make_shared<OpLayer>("LeakyReLU", AttrMap{{"slope", slope}});
}
LayerPtr PReLU(int64_t num_parameters, double init) {
  return std::make_shared<OpLayer>(
      "PReLU", AttrMap{{"num_parameters", num_parameters}, {"init", init}});
}
LayerPtr Sigmoid() { return std::make_shared<OpLayer>("Sigmoid", AttrMap{}); }
LayerPtr Tanh() { return std::make_shared<OpLayer>("Tanh", AttrMap{}); }
LayerPtr Softmax() { return std::make_shared<OpLayer>("Softmax", AttrMap{}); }
LayerPtr LogSoftmax() { return std::make_shared<OpLayer>("LogSoftmax", AttrMap{}); }
LayerPtr Flatten() { return std::make_shared<OpLayer>("Flatten", AttrMap{}); }
LayerPtr Dropout(double p) { return std::make_shared<OpLayer>("Dropout", AttrMap{{"p", p}}); }
LayerPtr SoftmaxCrossEntropy() {
  return std::make_shared<OpLayer>("SoftmaxCrossEntropy", AttrMap{});
}
LayerPtr MSE() { return std::make_shared<OpLayer>("MSE", AttrMap{}); }

}  // namespace nn
}  // namespace nabla

#include "tests/ops/op_test_util.h"

#include <cmath>

namespace nabla::testing {

Tensor Values(Shape shape, const std::vector<double>& values) {
  return Tensor::FromVector<double>(std::move(shape), values);
}

Variable Var(Shape shape, const std::vector<double>& values, bool requires_grad) {
  return Variable(Values(std::move(shape), values), requires_grad);
}

::testing::AssertionResult TensorNear(const Tensor& actual, const Shape& shape,
                                      const std::vector<double>& expected,
                                      double tolerance) {
  if (!actual.defined()) return ::testing::AssertionFailure() << "tensor is undefined";
  if (actual.shape() != shape || actual.size() != static_cast<int64_t>(expected.size())) {
    return ::testing::AssertionFailure() << "shape " << actual.shape().ToString()
                                         << ", expected " << shape.ToString();
  }
  for (int64_t k = 0; k < actual.size(); ++k) {
    if (!(std::abs(actual.at(k) - expected[k]) <= tolerance)) {
      return ::testing::AssertionFailure() << "element " << k << " is " << actual.at(k)
                                           << ", expected " << expected[k] << " (tensor "
                                           << actual.DebugString(16) << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult TensorsNear(const Tensor& actual, const Tensor& expected,
                                       double tolerance) {
  std::vector<double> values(expected.size());
  for (int64_t k = 0; k < expected.size(); ++k) values[k] = expected.at(k);
  return TensorNear(actual, expected.shape(), values, tolerance);
}

std::string ErrorOf(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a nabla::Error, nothing was thrown";
  return "";
}

::testing::AssertionResult Mentions(const std::string& message,
                                    const std::vector<std::string>& parts) {
  for (const std::string& part : parts) {
    if (message.find(part) == std::string::npos) {
      return ::testing::AssertionFailure() << "message \"" << message << "\" lacks \"" << part
                                           << "\"";
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace nabla::testing

// Helpers shared by the op tests: float64 Variables from literals, value
// comparison, and the text of an expected nabla::Error.
#ifndef NABLA_TESTS_OPS_OP_TEST_UTIL_H_
#define NABLA_TESTS_OPS_OP_TEST_UTIL_H_

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "graph/variable.h"

namespace nabla::testing {

// A float64 Variable; double keeps hand-computed expectations exact.
Variable Var(Shape shape, const std::vector<double>& values, bool requires_grad = false);
// A float64 tensor, for explicit output gradients.
Tensor Values(Shape shape, const std::vector<double>& values);

// Shape equal to `shape` and every element within `tolerance` of `expected`.
::testing::AssertionResult TensorNear(const Tensor& actual, const Shape& shape,
                                      const std::vector<double>& expected,
                                      double tolerance = 1e-12);
// Same shape and elements within `tolerance`.
::testing::AssertionResult TensorsNear(const Tensor& actual, const Tensor& expected,
                                       double tolerance = 1e-12);

// The message of the nabla::Error that `fn` throws; "" (and a test failure)
// when it throws nothing.
std::string ErrorOf(const std::function<void()>& fn);

// `message` contains every one of `parts`.
::testing::AssertionResult Mentions(const std::string& message,
                                    const std::vector<std::string>& parts);

}  // namespace nabla::testing

#endif  // NABLA_TESTS_OPS_OP_TEST_UTIL_H_

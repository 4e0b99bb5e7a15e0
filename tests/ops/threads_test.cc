// Kernels that split work over threads give the same results on 1 and 2
// threads (up to GEMM summation order), on shapes large enough to split.
#include <gtest/gtest.h>

#include "graph/init.h"
#include "graph/parallel.h"
#include "ops/api.h"

namespace nabla {
namespace {

struct Result {
  Tensor output, grad_x, grad_weight, grad_bias;
};

Result RunMlp(int threads, int64_t batch) {
  SetNumThreads(threads);
  ManualSeed(5);
  auto fc = nn::Linear(300, 200);
  Rng rng(9);
  Tensor x_value(Shape{batch, 300});
  for (int64_t i = 0; i < x_value.size(); ++i) x_value.data<float>()[i] = rng.Uniform(-1, 1);
  Variable x(x_value, true);
  Variable y = LeakyRelu(fc->Forward(x), -0.3);
  Sum(y * y).Backward();
  const auto params = fc->NamedParameters();
  return {y.value(), x.grad(), params[0].variable.grad(), params[1].variable.grad()};
}

void ExpectClose(const Tensor& a, const Tensor& b, const char* what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  for (int64_t i = 0; i < a.size(); ++i) {
    ASSERT_NEAR(a.at(i), b.at(i), 1e-4 * std::max(1.0, std::abs(a.at(i)))) << what << " [" << i << "]";
  }
}

TEST(Threads, LinearAndLeakyReluAgreeAcrossThreadCounts) {
  for (int64_t batch : {2, 256}) {  // the matrix-vector path and the GEMM path
    Result one = RunMlp(1, batch);
    Result two = RunMlp(2, batch);
    SCOPED_TRACE("batch " + std::to_string(batch));
    ExpectClose(one.output, two.output, "output");
    ExpectClose(one.grad_x, two.grad_x, "grad_x");
    ExpectClose(one.grad_weight, two.grad_weight, "grad_weight");
    ExpectClose(one.grad_bias, two.grad_bias, "grad_bias");
  }
  SetNumThreads(1);
}

// PReLU with one shared slope splits its elements and its slope-gradient
// sum over threads in fixed blocks: every bit the same on 1 and 2 threads,
// including sizes that are not a whole number of blocks.
struct PReluResult {
  Tensor output, grad_x, grad_slope;
};

PReluResult RunSharedPRelu(int threads, int64_t rows, int64_t cols) {
  SetNumThreads(threads);
  Rng rng(11);
  Tensor x_value(Shape{rows, cols});
  for (int64_t i = 0; i < x_value.size(); ++i) x_value.data<float>()[i] = rng.Uniform(-1, 1);
  Variable x(x_value, true);
  Variable slope(Tensor::Filled(Shape{1}, 0.1, DType::kFloat32), true);
  Variable y = PRelu(x, slope);
  Sum(y * y).Backward();
  return {y.value(), x.grad(), slope.grad()};
}

void ExpectSameBits(const Tensor& a, const Tensor& b, const char* what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  for (int64_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a.data<float>()[i], b.data<float>()[i]) << what << " [" << i << "]";
  }
}

TEST(Threads, SharedPReluIsBitIdenticalAcrossThreadCounts) {
  for (int64_t cols : {1024, 1000, 7}) {  // whole blocks, a partial block, serial
    PReluResult one = RunSharedPRelu(1, 256, cols);
    PReluResult two = RunSharedPRelu(2, 256, cols);
    SCOPED_TRACE("cols " + std::to_string(cols));
    ExpectSameBits(one.output, two.output, "output");
    ExpectSameBits(one.grad_x, two.grad_x, "grad_x");
    ExpectSameBits(one.grad_slope, two.grad_slope, "grad_slope");
  }
  SetNumThreads(1);
}

}  // namespace
}  // namespace nabla

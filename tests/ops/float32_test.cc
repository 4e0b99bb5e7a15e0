// The float32 kernels, which models run, against the float64 kernels,
// which the gradient check verifies: for every registered op and every
// gradient-check sample, outputs and gradients must agree to float
// precision.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "graph/apply.h"
#include "graph/init.h"
#include "graph/registry.h"
#include "ops/api.h"

namespace nabla {
namespace {

constexpr double kTolerance = 1e-4;  // relative, above float's 6e-8 rounding

double Draw(const GradSample& sample, Rng* rng) {
  for (;;) {
    const double v = rng->Uniform(sample.low, sample.high);
    bool near_kink = false;
    for (double k : sample.kinks) near_kink |= std::abs(v - k) < sample.kink_margin;
    if (!near_kink) return v;
  }
}

struct Result {
  std::vector<Tensor> outputs;
  std::vector<Tensor> grads;  // per input; undefined for int inputs
};

// Applies `call` to `inputs` converted to `dtype` and backpropagates
// `weights` from every output.
Result RunIn(DType dtype, const OpCall& call, const std::vector<Variable>& inputs,
          const std::vector<Tensor>& weights) {
  std::vector<Variable> typed;
  for (const Variable& v : inputs) {
    const bool is_int = v.value().dtype() == DType::kInt32;
    typed.emplace_back(is_int ? v.value() : v.value().To(dtype), !is_int);
  }
  ManualSeed(99);  // the same Dropout mask in both precisions
  std::vector<Variable> outputs = call.Apply(typed);
  Result run;
  for (size_t k = 0; k < outputs.size(); ++k) {
    outputs[k].Backward(weights[k].To(dtype), /*retain_graph=*/k + 1 < outputs.size());
    run.outputs.push_back(outputs[k].value().To(DType::kFloat64));
  }
  for (const Variable& v : typed) {
    run.grads.push_back(v.grad().defined() ? v.grad().To(DType::kFloat64) : Tensor());
  }
  return run;
}

void ExpectClose(const Tensor& f32, const Tensor& f64, const std::string& what) {
  ASSERT_EQ(f32.shape(), f64.shape()) << what;
  for (int64_t k = 0; k < f64.size(); ++k) {
    EXPECT_NEAR(f32.at(k), f64.at(k), kTolerance * std::max(1.0, std::abs(f64.at(k))))
        << what << " [" << k << "]";
  }
}

TEST(Float32, AgreesWithFloat64ForEveryRegisteredOp) {
  TrainingModeGuard training(true);
  Rng rng(5);
  for (const std::string& name : OpRegistry::Global().Names()) {
    const OpSchema& op = OpRegistry::Global().Get(name);
    for (size_t s = 0; s < op.samples().size(); ++s) {
      const GradSample& sample = op.samples()[s];
      const std::string where = name + " sample " + std::to_string(s);
      OpCall call(op, sample.attrs, where);
      std::vector<Variable> inputs;
      for (size_t i = 0; i < sample.input_shapes.size(); ++i) {
        Tensor t(op.input_spec(i).is_int ? DType::kInt32 : DType::kFloat64,
                 sample.input_shapes[i]);
        for (int64_t k = 0; k < t.size(); ++k) {
          if (op.input_spec(i).is_int) {
            t.data<int32_t>()[k] = static_cast<int32_t>(rng.NextU64() % sample.int_high);
          } else {
            t.data<double>()[k] = Draw(sample, &rng);
          }
        }
        inputs.emplace_back(t);
      }
      for (const ParamSpec& p : op.params()) {
        Tensor t(DType::kFloat64, p.shape(call.attrs()));
        for (int64_t k = 0; k < t.size(); ++k) t.data<double>()[k] = rng.Uniform(-1, 1);
        inputs.emplace_back(t);
      }
      std::vector<Shape> shapes;
      for (const Variable& v : inputs) shapes.push_back(v.shape());
      std::vector<Tensor> weights;
      for (const Shape& shape : op.shape_fn()(shapes, call.attrs())) {
        Tensor w(DType::kFloat64, shape);
        for (int64_t k = 0; k < w.size(); ++k) w.data<double>()[k] = rng.Uniform(-1, 1);
        weights.push_back(w);
      }
      Result f64 = RunIn(DType::kFloat64, call, inputs, weights);
      Result f32 = RunIn(DType::kFloat32, call, inputs, weights);
      for (size_t k = 0; k < f64.outputs.size(); ++k) {
        ExpectClose(f32.outputs[k], f64.outputs[k], where + " output " + std::to_string(k));
      }
      for (size_t i = 0; i < inputs.size(); ++i) {
        if (!f64.grads[i].defined()) continue;
        ExpectClose(f32.grads[i], f64.grads[i], where + " grad of input " + std::to_string(i));
      }
    }
  }
}

}  // namespace
}  // namespace nabla

// Every registered backend kernel against the eigen reference, on the op's
// own gradient-check samples: forward outputs, backward gradients of every
// floating input and parameter, and backward into gradients that already
// hold values (the accumulate path). Ops with state (BatchNorm) run in
// training and eval mode from the same state, and the state each updated
// is compared too. Driven by the kernel registry
// (graph/kernel.h), so a new backend kernel cannot escape it.
//
// Tolerances, relative to the largest magnitude m of the reference tensor
// (and at least 1):
//   float32  |backend - reference| <= 1e-5 * max(1, m): summation order only.
//   bf16     |backend - reference| <= 2e-2 * max(1, m): bf16 keeps 8
//            significant bits (relative rounding 2^-9 per operand), and the
//            samples' sums have a handful of terms of magnitude up to m.
#include <cmath>
#include <sstream>

#include <gtest/gtest.h>

#include "graph/apply.h"
#include "graph/init.h"
#include "graph/kernel.h"
#include "graph/registry.h"
#include "graph/variable.h"

namespace nabla {
namespace {

struct SampleRun {
  std::vector<Tensor> outputs, grads, accumulated, state;
  std::string kernel;
};

Tensor Random(const Shape& shape, double low, double high, Rng* rng) {
  Tensor t(DType::kFloat32, shape);
  for (int64_t k = 0; k < t.size(); ++k) t.data<float>()[k] = static_cast<float>(rng->Uniform(low, high));
  return t;
}

// Runs `op` on one sample under `options`: forward, backward with fixed
// output weights, then again into pre-filled gradients.
SampleRun RunSample(const OpSchema& op, const GradSample& sample, const ExecutionOptions& options,
                    bool training_mode = true) {
  ExecutionOptionsGuard guard(options);
  TrainingModeGuard training(training_mode);
  Rng rng(7);
  OpCall call(op, sample.attrs, op.name());
  std::vector<Variable> inputs;
  for (size_t i = 0; i < sample.input_shapes.size(); ++i) {
    if (op.input_spec(i).is_int) {
      Tensor t(DType::kInt32, sample.input_shapes[i]);
      for (int64_t k = 0; k < t.size(); ++k) {
        t.data<int32_t>()[k] = static_cast<int32_t>(rng.NextU64() % sample.int_high);
      }
      inputs.emplace_back(t, false);
    } else {
      inputs.emplace_back(Random(sample.input_shapes[i], sample.low, sample.high, &rng), true);
    }
  }
  for (const ParamSpec& p : op.params()) {
    inputs.emplace_back(Random(p.shape(call.attrs()), -1, 1, &rng), true);
  }
  // State: the initial values raised by U(0, 0.5), so running variances
  // stay positive and eval mode reads non-trivial statistics.
  std::vector<Tensor> initial_state = call.InitialState(DType::kFloat32), state;
  std::vector<Tensor*> state_pointers;
  for (Tensor& t : initial_state) {
    for (int64_t k = 0; k < t.size(); ++k) {
      t.data<float>()[k] += static_cast<float>(rng.Uniform(0, 0.5));
    }
    state.push_back(t.Clone());
  }
  for (Tensor& t : state) state_pointers.push_back(&t);
  SampleRun run;
  const SelectedKernel& selected = call.KernelFor(DType::kFloat32);
  run.kernel = selected.backend + "/" + ComputeTypeName(selected.compute);
  std::vector<Tensor> weights;
  for (int pass = 0; pass < 2; ++pass) {
    ManualSeed(1234);
    for (size_t i = 0; i < state.size(); ++i) state[i].CopyFrom(initial_state[i]);
    std::vector<Variable> outputs = call.Apply(inputs, state_pointers);
    if (pass == 0) {
      for (const Variable& out : outputs) {
        weights.push_back(Random(out.shape(), -1, 1, &rng));
        run.outputs.push_back(out.value());
      }
      for (const Tensor& t : state) run.state.push_back(t.Clone());
    }
    for (size_t k = 0; k < outputs.size(); ++k) {
      outputs[k].Backward(weights[k], /*retain_graph=*/k + 1 < outputs.size());
    }
    for (Variable& input : inputs) {
      (pass == 0 ? run.grads : run.accumulated).push_back(input.grad().Clone());
    }
  }
  return run;
}

std::string Compare(const std::string& what, const Tensor& reference, const Tensor& backend,
                    double tolerance) {
  if (reference.defined() != backend.defined()) return what + ": defined on one side only";
  if (!reference.defined()) return "";
  if (reference.shape() != backend.shape()) return what + ": shape differs";
  double magnitude = 1;
  for (int64_t k = 0; k < reference.size(); ++k) magnitude = std::max(magnitude, std::abs(reference.at(k)));
  for (int64_t k = 0; k < reference.size(); ++k) {
    const double diff = std::abs(reference.at(k) - backend.at(k));
    if (!(diff <= tolerance * magnitude)) {
      std::ostringstream line;
      line << what << " [" << k << "]: reference " << reference.at(k) << ", backend "
           << backend.at(k) << " (tolerance " << tolerance * magnitude << ")";
      return line.str();
    }
  }
  return "";
}

TEST(KernelAgreementTest, EveryBackendKernelMatchesTheReference) {
  const KernelRegistry& kernels = KernelRegistry::Global();
  int checked = 0;
  for (const KernelEntry* entry : kernels.Entries()) {
    const BackendInfo* backend = kernels.FindBackend(entry->backend);
    ASSERT_NE(backend, nullptr) << entry->op << " kernel for unregistered backend " << entry->backend;
    const std::string unavailable = backend->unavailable(entry->compute);
    if (!unavailable.empty()) {
      std::cout << "skipped " << entry->op << " " << entry->backend << "/"
                << ComputeTypeName(entry->compute) << ": " << unavailable << "\n";
      continue;
    }
    const OpSchema* op = OpRegistry::Global().Find(entry->op);
    ASSERT_NE(op, nullptr) << "kernel registered for unknown op " << entry->op;
    const bool bf16 = entry->compute == ComputeType::kBFloat16;
    const double tolerance = bf16 ? 2e-2 : 1e-5;
    ExecutionOptions options{entry->backend, bf16 ? Precision::kBFloat16 : Precision::kFloat32};
    const std::vector<bool> modes =
        op->states().empty() ? std::vector<bool>{true} : std::vector<bool>{true, false};
    for (bool mode : modes)
    for (size_t s = 0; s < op->samples().size(); ++s) {
      const GradSample& sample = op->samples()[s];
      SampleRun reference = RunSample(*op, sample, {"eigen", Precision::kFloat32}, mode);
      SampleRun run = RunSample(*op, sample, options, mode);
      const std::string where = entry->op + " " + run.kernel + " sample " + std::to_string(s) +
                                (mode ? "" : " (eval)");
      for (size_t k = 0; k < reference.state.size(); ++k) {
        EXPECT_EQ(Compare(where + " state " + op->states()[k].name, reference.state[k],
                          run.state[k], tolerance), "");
      }
      ASSERT_EQ(run.kernel, entry->backend + "/" + ComputeTypeName(entry->compute))
          << where << ": selection did not pick the kernel under test";
      for (size_t k = 0; k < reference.outputs.size(); ++k) {
        EXPECT_EQ(Compare(where + " output " + std::to_string(k), reference.outputs[k],
                          run.outputs[k], tolerance), "");
      }
      for (size_t i = 0; i < reference.grads.size(); ++i) {
        EXPECT_EQ(Compare(where + " grad of input " + std::to_string(i), reference.grads[i],
                          run.grads[i], tolerance), "");
        EXPECT_EQ(Compare(where + " accumulated grad of input " + std::to_string(i),
                          reference.accumulated[i], run.accumulated[i], tolerance), "");
      }
      ++checked;
    }
  }
  std::cout << checked << " (kernel, sample) pairs checked\n";
}

// The comparison itself must be able to fail: a sample run on different
// inputs disagrees.
TEST(KernelAgreementTest, CompareDetectsADifference) {
  Tensor a = Tensor::FromVector<float>({2}, {1.0f, 2.0f});
  Tensor b = Tensor::FromVector<float>({2}, {1.0f, 2.1f});
  EXPECT_NE(Compare("x", a, b, 1e-5), "");
  EXPECT_EQ(Compare("x", a, a, 1e-5), "");
}

// Model A's first layer at full size, where oneDNN's blocking differs from
// Eigen's: float32 to 1e-4 relative to the largest output, bf16 to 2e-2.
TEST(KernelAgreementTest, LinearAtModelAShapes) {
  if (KernelRegistry::Global().Find("Linear", "dnnl", ComputeType::kFloat32) == nullptr) {
    GTEST_SKIP() << "no dnnl Linear kernel in this build";
  }
  GradSample big{{{"in_features", int64_t{784}}, {"out_features", int64_t{1000}}}, {{256, 784}}};
  const OpSchema& linear = OpRegistry::Global().Get("Linear");
  SampleRun reference = RunSample(linear, big, {"eigen", Precision::kFloat32});
  std::vector<std::pair<Precision, double>> cases = {{Precision::kFloat32, 1e-4}};
  if (KernelRegistry::Global().FindBackend("dnnl")->unavailable(ComputeType::kBFloat16).empty()) {
    cases.push_back({Precision::kBFloat16, 2e-2});
  }
  for (auto [precision, tolerance] : cases) {
    SampleRun run = RunSample(linear, big, {"dnnl", precision});
    EXPECT_EQ(Compare(run.kernel + " output", reference.outputs[0], run.outputs[0], tolerance), "");
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(Compare(run.kernel + " grad " + std::to_string(i), reference.grads[i],
                        run.grads[i], tolerance), "");
    }
  }
}

// auto picks oneDNN for Linear, and falls back to eigen per kernel for ops
// it has no kernel for.
TEST(KernelSelectionTest, AutoPicksDnnlWhereItHasTheKernel) {
  if (KernelRegistry::Global().FindBackend("dnnl") == nullptr) GTEST_SKIP() << "no dnnl backend";
  ExecutionOptionsGuard guard({"auto", Precision::kFloat32});
  OpCall linear("Linear", {{"in_features", int64_t{4}}, {"out_features", int64_t{3}}});
  EXPECT_EQ(linear.KernelFor(DType::kFloat32).backend, "dnnl");
  EXPECT_EQ(linear.KernelFor(DType::kFloat64).backend, "eigen");
  OpCall sigmoid("Sigmoid", {});
  EXPECT_EQ(sigmoid.KernelFor(DType::kFloat32).backend, "eigen");
  ExecutionOptionsGuard eigen({"eigen", Precision::kFloat32});
  EXPECT_EQ(linear.KernelFor(DType::kFloat32).backend, "eigen");
}

// A kernel registered with NABLA_REGISTER_EXPLICIT_KERNEL (oneDNN's
// BatchNorm, slower than the reference on plain NCHW) is never auto's
// choice, and is what --backend dnnl runs.
TEST(KernelSelectionTest, AutoSkipsExplicitOnlyKernels) {
  const KernelEntry* bn = KernelRegistry::Global().Find("BatchNorm", "dnnl", ComputeType::kFloat32);
  if (bn == nullptr) GTEST_SKIP() << "no dnnl BatchNorm kernel in this build";
  EXPECT_FALSE(bn->auto_select);
  OpCall call("BatchNorm", {{"num_features", int64_t{3}}});
  {
    ExecutionOptionsGuard guard({"auto", Precision::kFloat32});
    EXPECT_EQ(call.KernelFor(DType::kFloat32).backend, "eigen");
  }
  ExecutionOptionsGuard guard({"dnnl", Precision::kFloat32});
  EXPECT_EQ(call.KernelFor(DType::kFloat32).backend, "dnnl");
}

TEST(KernelSelectionTest, UnknownBackendIsRefused) {
  try {
    SetExecutionOptions({"cuda", Precision::kFloat32});
    FAIL() << "accepted an unknown backend";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("unknown backend 'cuda'"), std::string::npos) << e.what();
  }
}

TEST(KernelSelectionTest, Bf16OnEigenIsRefused) {
  try {
    SetExecutionOptions({"eigen", Precision::kBFloat16});
    FAIL() << "accepted bf16 on eigen";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bf16"), std::string::npos) << e.what();
  }
}

TEST(KernelRegistryTest, SecondKernelForTheSameKeyNamesBoth) {
  KernelFactory factory = [](const AttrMap&) -> std::unique_ptr<OpKernel> { return nullptr; };
  KernelRegistry::Global().Register({"TestOnlyOp", "testbackend", ComputeType::kFloat32, factory, {"first.cc:1"}});
  try {
    KernelRegistry::Global().Register({"TestOnlyOp", "testbackend", ComputeType::kFloat32, factory, {"second.cc:2"}});
    FAIL() << "second registration accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("first.cc:1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("second.cc:2"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace nabla

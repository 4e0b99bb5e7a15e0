// Linear: y = x W^T + b, x [N, in_features], W [out_features, in_features],
// b [out_features].
// Backward:
//   grad_input  = grad_output W          [N, in]
//   grad_weight = grad_output^T x        [out, in]
//   grad_bias   = sum over rows of grad_output
// Accumulates into a parameter's retained gradient when the engine asks
// (OpSchema::AccumulatesGradients), which saves zeroing the 3 MB weight
// gradient of a 784x1000 layer every step.
//
// Attributes: in_features, out_features (int > 0, required);
// weight_init: "kaiming_uniform" (PyTorch's default: bound 1/sqrt(in)),
// "xavier_uniform", "xavier_normal", "kaiming_normal" (ReLU gain).
// The bias starts at U(-1/sqrt(in), 1/sqrt(in)) as in PyTorch.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "graph/parallel.h"
#include "graph/registry.h"

namespace nabla {
namespace {

// Batches up to this size take the matrix-vector path in Forward.
constexpr int64_t kSmallBatch = 4;
// Work below which a second thread costs more than it saves (elements).
constexpr int64_t kMinWorkPerThread = 1 << 14;

template <typename M>
int64_t MinRowsPerThread(const M& m) {
  return std::max<int64_t>(16, kMinWorkPerThread / std::max<int64_t>(1, m.cols()));
}

// m = 0 on every thread, then the GEMM accumulates into it: Eigen's
// `m = a * b` would zero m first on the calling thread alone.
template <typename M>
void ParallelSetZero(M& m) {
  ParallelFor(m.rows(), MinRowsPerThread(m),
              [&](int64_t begin, int64_t end) { m.middleRows(begin, end - begin).setZero(); });
}

// Whether this call should walk `weight` backwards: alternates per weight
// buffer and calling thread. A weight that misses the small table (more
// than 64 layers, or two sharing a slot) just restarts at forwards.
bool ReverseThisCall(const void* weight) {
  struct Slot {
    const void* weight = nullptr;
    bool reverse = false;
  };
  thread_local std::array<Slot, 64> slots;
  Slot& slot = slots[(reinterpret_cast<uintptr_t>(weight) >> 6) % slots.size()];
  if (slot.weight != weight) slot = {weight, false};
  slot.reverse = !slot.reverse;
  return slot.reverse;
}

struct LinearKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    auto x = ctx.input(0).matrix<T>();
    auto weight = ctx.input(1).matrix<T>();
    auto bias = ctx.input(2).array<T>();
    auto y = ctx.output(0).matrix<T>();
    if (x.rows() <= kSmallBatch) {
      // A few rows (batch-1 inference) is a matrix-vector product, which
      // Eigen runs on one thread. Splitting W's rows statically over the
      // threads keeps each thread's share of W in its own L2 from one call
      // to the next, instead of streaming all of W from L3. Where a share
      // is larger than L2, walking its row chunks in the opposite direction
      // on every other call starts each call with the rows the last one
      // touched, which are still cached.
      const bool reverse = ReverseThisCall(weight.data());
      ParallelFor(weight.rows(), MinRowsPerThread(weight), [&](int64_t begin, int64_t end) {
        const int64_t chunk = std::max<int64_t>(16, (end - begin) / 16);
        const int64_t chunks = (end - begin + chunk - 1) / chunk;
        for (int64_t k = 0; k < chunks; ++k) {
          // The same chunks either way, so results do not depend on it.
          const int64_t first = begin + (reverse ? chunks - 1 - k : k) * chunk;
          const int64_t count = std::min(chunk, end - first);
          y.middleCols(first, count).rowwise() = bias.segment(first, count).matrix().transpose();
          y.middleCols(first, count).noalias() += x * weight.middleRows(first, count).transpose();
        }
      });
      return;
    }
    // Start from the bias and let the GEMM accumulate: `y = x*W^T` would
    // zero y first and then need a second pass for the bias.
    ParallelFor(y.rows(), MinRowsPerThread(y), [&](int64_t begin, int64_t end) {
      y.middleRows(begin, end - begin).rowwise() = bias.matrix().transpose();
    });
    y.noalias() += x * weight.transpose();
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    auto grad_output = ctx.grad_output(0).matrix<T>();
    // The GEMMs accumulate, so a fresh gradient is zeroed first; one the
    // engine hands over to accumulate into (ctx.accumulates) is not.
    if (ctx.needs_grad(0)) {
      auto grad_input = ctx.grad_input(0).matrix<T>();
      if (!ctx.accumulates(0)) ParallelSetZero(grad_input);
      grad_input.noalias() += grad_output * ctx.input(1).matrix<T>();
    }
    if (ctx.needs_grad(1)) {
      auto grad_weight = ctx.grad_input(1).matrix<T>();
      if (!ctx.accumulates(1)) ParallelSetZero(grad_weight);
      grad_weight.noalias() += grad_output.transpose() * ctx.input(0).matrix<T>();
    }
    if (ctx.needs_grad(2)) {
      auto grad_bias = ctx.grad_input(2).array<T>();
      const bool accumulate = ctx.accumulates(2);
      ParallelFor(grad_bias.size(), 64, [&](int64_t begin, int64_t end) {
        auto sums = grad_output.middleCols(begin, end - begin).colwise().sum().transpose().array();
        if (accumulate) {
          grad_bias.segment(begin, end - begin) += sums;
        } else {
          grad_bias.segment(begin, end - begin) = sums;
        }
      });
    }
  }
};

InitSpec WeightInit(const AttrMap& a) {
  const std::string& kind = a.at("weight_init").s();
  if (kind == "xavier_uniform") return {InitSpec::kXavierUniform, 1.0, 0};
  if (kind == "xavier_normal") return {InitSpec::kXavierNormal, 1.0, 0};
  if (kind == "kaiming_normal") return {InitSpec::kKaimingNormal, 0.0, 0};
  return {InitSpec::kKaimingUniform, std::sqrt(5.0), 0};
}

NABLA_REGISTER_OP(
    OpSchema("Linear")
        .Doc("y = x W^T + b")
        .Input("x")
        .Output("y")
        .Attr("in_features", AttrType::kInt, std::nullopt, "input width")
        .Constraint("> 0", Positive())
        .Attr("out_features", AttrType::kInt, std::nullopt, "output width")
        .Constraint("> 0", Positive())
        .Attr("weight_init", AttrType::kString, std::string("kaiming_uniform"),
              "weight initialiser")
        .Constraint("one of kaiming_uniform, xavier_uniform, xavier_normal, kaiming_normal",
                    OneOf({"kaiming_uniform", "xavier_uniform", "xavier_normal",
                           "kaiming_normal"}))
        .Param({"weight",
                [](const AttrMap& a) {
                  return Shape{a.at("out_features").i(), a.at("in_features").i()};
                },
                WeightInit, true, "[out_features, in_features]"})
        .Param({"bias", [](const AttrMap& a) { return Shape{a.at("out_features").i()}; },
                [](const AttrMap& a) {
                  double bound = 1.0 / std::sqrt(static_cast<double>(a.at("in_features").i()));
                  return InitSpec{InitSpec::kUniform, -bound, bound};
                },
                true, "[out_features]"})
        .Shapes([](const std::vector<Shape>& in, const AttrMap& a) {
          const Shape& x = in[0];
          int64_t features = a.at("in_features").i();
          if (x.rank() != 2) {
            NABLA_THROW(kInvalidArgument) << "input must be [batch, " << features
                                          << "], found " << x.ToString();
          }
          if (x[1] != kUnknownDim && x[1] != features) {
            NABLA_THROW(kInvalidArgument) << "input has " << x[1]
                                          << " features, in_features is " << features;
          }
          Shape weight{a.at("out_features").i(), features};
          if (in[1] != weight || in[2] != Shape{a.at("out_features").i()}) {
            NABLA_THROW(kInvalidArgument)
                << "parameters are weight " << in[1].ToString() << " and bias "
                << in[2].ToString() << ", expected " << weight.ToString() << " and ["
                << weight[0] << "]";
          }
          return std::vector<Shape>{Shape{x[0], a.at("out_features").i()}};
        })
        .Repr([](const AttrMap& a) {
          return "(" + a.at("in_features").ToString() + ", " +
                 a.at("out_features").ToString() + ")";
        })
        .Sample({{{"in_features", int64_t{4}}, {"out_features", int64_t{3}}}, {{5, 4}}})
        // Two rows: the matrix-vector path.
        .Sample({{{"in_features", int64_t{4}}, {"out_features", int64_t{3}}}, {{2, 4}}})
        .AccumulatesGradients()
        .Kernels<LinearKernel>());

}  // namespace
}  // namespace nabla

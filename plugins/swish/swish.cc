// Swish (SiLU with a learnable beta), shipped as the plugin libswish.so:
//   y = x * s,  s = sigmoid(beta[c] * x) = 1 / (1 + exp(-beta[c] * x))
// With beta = 1 this is SiLU; beta -> 0 gives x / 2, beta -> inf gives ReLU.
// Backward:
//   grad_input   = grad_output * (s + beta[c] * x * s * (1 - s))
//   grad_beta[c] = sum of grad_output * x^2 * s * (1 - s) over every
//                  position that shares beta[c] (all positions when
//                  num_parameters is 1; batch and spatial positions of
//                  channel c otherwise)
// s is recomputed in the backward rather than saved: one exp per element is
// cheaper than keeping a second activation-sized tensor alive.
//
// Attributes:
//   num_parameters (int, default 1): 1 shares one beta across the layer;
//     otherwise one beta per channel (dimension 1 of the input), and the
//     input's dimension 1 must equal it.
//   init (float, default 1.0): beta's initial value (1 starts as SiLU).
// beta is exempt from weight decay: decay would pull it towards 0, turning
// the activation into the linear x / 2.
#include <algorithm>
#include <cmath>

#include "plugins/plugin_api.h"

namespace {

using nabla::AttrMap;
using nabla::BackwardContext;
using nabla::ForwardContext;
using nabla::Shape;
using nabla::Tensor;

// Views x as [outer, channels, inner]: channels = dim 1 (or 1 when shared).
void Geometry(const Tensor& x, int64_t num_parameters, int64_t* outer, int64_t* channels,
              int64_t* inner) {
  *channels = num_parameters;
  if (num_parameters == 1) {
    *outer = 1;
    *inner = x.size();
    return;
  }
  *outer = x.dim(0);
  *inner = x.size() / (*outer * *channels);
}

template <typename T>
T Sigmoid(T z) {
  // exp(-z) overflows to inf for z << 0 and 1 / inf is 0: never inf / inf.
  return T(1) / (T(1) + std::exp(-z));
}

struct SwishKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const Tensor& x = ctx.input(0);
    const T* beta = ctx.input(1).data<T>();
    int64_t outer, channels, inner;
    Geometry(x, ctx.input(1).size(), &outer, &channels, &inner);
    const T* in = x.data<T>();
    T* out = ctx.output(0).data<T>();
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t c = 0; c < channels; ++c) {
        const T b = beta[c];
        const int64_t base = (o * channels + c) * inner;
        for (int64_t k = base; k < base + inner; ++k) out[k] = in[k] * Sigmoid(b * in[k]);
      }
    }
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    const Tensor& x = ctx.input(0);
    const T* beta = ctx.input(1).data<T>();
    int64_t outer, channels, inner;
    Geometry(x, ctx.input(1).size(), &outer, &channels, &inner);
    const T* in = x.data<T>();
    const T* grad_output = ctx.grad_output(0).data<T>();
    T* grad_input = ctx.needs_grad(0) ? ctx.grad_input(0).data<T>() : nullptr;
    T* grad_beta = ctx.needs_grad(1) ? ctx.grad_input(1).data<T>() : nullptr;
    if (grad_beta) std::fill(grad_beta, grad_beta + channels, T(0));
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t c = 0; c < channels; ++c) {
        const T b = beta[c];
        const int64_t base = (o * channels + c) * inner;
        T sum = 0;
        for (int64_t k = base; k < base + inner; ++k) {
          const T s = Sigmoid(b * in[k]);
          const T slope = s * (T(1) - s);  // d sigmoid(z) / dz
          if (grad_input) grad_input[k] = grad_output[k] * (s + b * in[k] * slope);
          sum += grad_output[k] * in[k] * in[k] * slope;
        }
        if (grad_beta) grad_beta[c] += sum;
      }
    }
  }
};

std::vector<Shape> SwishShapes(const std::vector<Shape>& in, const AttrMap& a) {
  const int64_t n = a.at("num_parameters").i();
  if (n != 1) {
    if (in[0].rank() < 2) {
      NABLA_THROW(kInvalidArgument) << "num_parameters=" << n << " needs an input with a channel "
                                    << "dimension (rank >= 2), found " << in[0].ToString();
    }
    if (in[0][1] != nabla::kUnknownDim && in[0][1] != n) {
      NABLA_THROW(kInvalidArgument) << "input " << in[0].ToString() << " has " << in[0][1]
                                    << " channels (dim 1), num_parameters is " << n;
    }
  }
  if (in[1] != Shape{n}) {
    NABLA_THROW(kInvalidArgument) << "beta has shape " << in[1].ToString() << ", expected [" << n
                                  << "]";
  }
  return {in[0]};
}

void RegisterOps(NablaPluginRegistrar* registrar) {
  using nabla::AttrType;
  using nabla::InitSpec;
  using nabla::OpSchema;
  registrar->Add(
      OpSchema("Swish")
          .Doc("y = x * sigmoid(beta * x), beta learnable (shared or per channel)")
          .Input("x")
          .Output("y")
          .Attr("num_parameters", AttrType::kInt, int64_t{1},
                "1: one beta for the layer; C: one per channel (input dim 1)")
          .Constraint("> 0", nabla::Positive())
          .Attr("init", AttrType::kFloat, 1.0, "initial beta (1: SiLU)")
          .Constraint("finite", nabla::Finite())
          .Param({"beta", [](const AttrMap& a) { return Shape{a.at("num_parameters").i()}; },
                  [](const AttrMap& a) {
                    return InitSpec{InitSpec::kConstant, a.at("init").f(), 0};
                  },
                  /*weight_decay=*/false, "sigmoid sharpness per channel or shared"})
          .Shapes(SwishShapes)
          .Repr([](const AttrMap& a) {
            return "(num_parameters=" + a.at("num_parameters").ToString() +
                   ", init=" + a.at("init").ToString() + ")";
          })
          // Smooth everywhere: no kinks. Wide ranges reach the saturated
          // tails where s * (1 - s) is small.
          .Sample({{{"num_parameters", int64_t{1}}}, {{3, 4}}, -3, 3})
          .Sample({{{"num_parameters", int64_t{4}}}, {{3, 4}}, -3, 3})
          .Sample({{{"num_parameters", int64_t{2}}}, {{2, 2, 3}}, -6, 6})
          .Kernels<SwishKernel>());
}

}  // namespace

NABLA_PLUGIN(RegisterOps)

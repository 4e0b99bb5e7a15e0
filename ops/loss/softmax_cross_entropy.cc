// SoftmaxCrossEntropy: mean over the batch of -log softmax(logits)[label].
//   logits [N, C] (floating), labels [N] (int32 in [0, C)), output scalar.
// Forward is numerically stable: log-sum-exp after subtracting the row max,
// so logits of +-1e4 stay finite.
// Backward (fused): grad_logits = (softmax(logits) - one_hot(label)) * g / N.
// The softmax is kept from the forward pass for the backward.
#include <cmath>

#include "graph/registry.h"

namespace nabla {
namespace {

struct SoftmaxCrossEntropyKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const Tensor& logits = ctx.input(0);
    const int32_t* labels = ctx.input(1).data<int32_t>();
    const int64_t n = logits.rows(), classes = logits.cols();
    Tensor& probs = ctx.saved();
    probs = Tensor(logits.dtype(), logits.shape());
    auto x = logits.matrix<T>();
    auto p = probs.matrix<T>();
    double total = 0;
    for (int64_t i = 0; i < n; ++i) {
      const int32_t label = labels[i];
      if (label < 0 || label >= classes) {
        NABLA_THROW(kInvalidArgument) << "SoftmaxCrossEntropy: label " << label << " at row "
                                      << i << " is outside [0, " << classes << ")";
      }
      const T max = x.row(i).maxCoeff();
      p.row(i) = (x.row(i).array() - max).exp();
      const T sum = p.row(i).sum();
      p.row(i) /= sum;
      total += static_cast<double>(std::log(sum) + max - x(i, label));
    }
    ctx.output(0).data<T>()[0] = static_cast<T>(total / n);
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    if (!ctx.needs_grad(0)) return;
    const int32_t* labels = ctx.input(1).data<int32_t>();
    const int64_t n = ctx.input(0).rows();
    const T scale = ctx.grad_output(0).data<T>()[0] / static_cast<T>(n);
    auto grad_logits = ctx.grad_input(0).matrix<T>();
    grad_logits = ctx.saved().matrix<T>() * scale;
    for (int64_t i = 0; i < n; ++i) grad_logits(i, labels[i]) -= scale;
  }
};

NABLA_REGISTER_OP(
    OpSchema("SoftmaxCrossEntropy")
        .Doc("mean over the batch of -log softmax(logits)[label]")
        .Input("logits")
        .IntInput("labels")
        .Output("loss")
        .Shapes([](const std::vector<Shape>& in, const AttrMap&) {
          if (in[0].rank() != 2) {
            NABLA_THROW(kInvalidArgument)
                << "logits must be [batch, classes], found " << in[0].ToString();
          }
          if (in[1].rank() != 1 || !Shape{in[0][0]}.CompatibleWith(in[1])) {
            NABLA_THROW(kInvalidArgument) << "labels must be " << Shape{in[0][0]}.ToString()
                                          << " to match logits " << in[0].ToString()
                                          << ", found " << in[1].ToString();
          }
          return std::vector<Shape>{Shape{}};
        })
        .Sample({{}, {{4, 3}, {4}}, -3, 3, {}, 0.05, 3})
        .Kernels<SoftmaxCrossEntropyKernel>());

}  // namespace
}  // namespace nabla

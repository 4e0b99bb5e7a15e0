// BatchNorm: per-channel normalisation over the batch (and the spatial
// dimensions), as PyTorch's nn.BatchNorm1d (rank 2) and nn.BatchNorm2d
// (rank 4).
//   x [N, C] or [N, C, H, W]; M = N (rank 2) or N H W (rank 4) values per
//   channel; weight (gamma) and bias (beta) [C], learnable;
//   state running_mean and running_var [C] (graph/op_schema.h, op state).
// Training mode, per channel c:
//   mean = sum x / M,  var = sum (x - mean)^2 / M   (biased, as normalised)
//   y = gamma (x - mean) / sqrt(var + eps) + beta
//   running_mean = (1 - momentum) running_mean + momentum mean
//   running_var  = (1 - momentum) running_var  + momentum var M / (M - 1)
// (PyTorch's convention: momentum weighs the new batch, and the running
// variance is the unbiased estimate), so trained models compare with
// PyTorch's. M = 1 is refused in training, as PyTorch does: a variance of
// one value is zero and the output would be beta alone.
// Eval mode: y = gamma (x - running_mean) / sqrt(running_var + eps) + beta,
// and the state is only read.
// Backward, with xhat = (x - mean) invstd, invstd = 1 / sqrt(var + eps) and
// gy = grad_output:
//   grad_bias = sum gy, grad_weight = sum gy xhat   (per channel)
//   training: grad_x = gamma invstd (gy - grad_bias / M - xhat grad_weight / M)
//   eval:     grad_x = gamma invstd gy  (the statistics are constants)
// The forward saves mean (saved(0)) and invstd (saved(1)) of the statistics
// it used, so backward never reads state, which later calls may change.
// Sums are accumulated in double.
//
// Attributes: num_features C (int > 0, required), eps (float, default
// 1e-5, > 0), momentum (float, default 0.1, in [0, 1]).
// Initialisation as PyTorch: weight 1, bias 0, running_mean 0,
// running_var 1. Weight decay applies to weight and bias, as in PyTorch's
// optimisers (where every parameter is decayed unless grouped otherwise).
#include <cmath>
#include <vector>

#include "graph/cross_replica.h"
#include "graph/parallel.h"
#include "graph/registry.h"

namespace nabla {
namespace {

struct Layout {
  int64_t n, c, s;  // batch, channels, values per channel and sample
  int64_t m() const { return n * s; }
  explicit Layout(const Shape& x)
      : n(x[0]), c(x[1]), s(x.rank() == 4 ? x[2] * x[3] : 1) {}
};

// Channels are independent; each thread takes a range of them.
template <typename Fn>
void ForChannels(const Layout& l, Fn&& fn) {
  ParallelFor(l.c, (1 << 14) / std::max<int64_t>(1, l.m()) + 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) fn(c);
  });
}

struct BatchNormKernel {
  template <typename T>
  static void Forward(ForwardContext& ctx) {
    const Tensor& x = ctx.input(0);
    const Layout l(x.shape());
    const T* xp = x.data<T>();
    const T* gamma = ctx.input(1).data<T>();
    const T* beta = ctx.input(2).data<T>();
    T* y = ctx.output(0).data<T>();
    const double eps = ctx.attr_float("eps"), momentum = ctx.attr_float("momentum");
    const bool training = ctx.training();
    if (training && l.m() < 2) {
      NABLA_THROW(kInvalidArgument)
          << "BatchNorm in training mode needs more than one value per channel, input "
          << x.shape().ToString() << " has " << l.m()
          << " (use a larger batch, or eval mode)";
    }
    Tensor& mean_t = ctx.saved(0);
    Tensor& invstd_t = ctx.saved(1);
    mean_t = Tensor(x.dtype(), Shape{l.c});
    invstd_t = Tensor(x.dtype(), Shape{l.c});
    T* saved_mean = mean_t.data<T>();
    T* saved_invstd = invstd_t.data<T>();
    T* running_mean = ctx.state(0).data<T>();
    T* running_var = ctx.state(1).data<T>();
    // Per channel: the statistics used (batch or running), then y.
    std::vector<double> stats_mean(l.c), stats_var(l.c);
    double count = static_cast<double>(l.m());
    if (training) {
      // Sums over the batch, and over every rank's batch under
      // synchronised BatchNorm (graph/cross_replica.h): [sum_c..., M].
      const CrossReplicaSum& across = GetCrossReplicaSum();
      std::vector<double> sums(l.c + 1);
      ForChannels(l, [&](int64_t c) {
        double sum = 0;
        for (int64_t n = 0; n < l.n; ++n) {
          const T* row = xp + (n * l.c + c) * l.s;
          for (int64_t k = 0; k < l.s; ++k) sum += row[k];
        }
        sums[c] = sum;
      });
      sums[l.c] = count;
      if (across) across(sums.data(), l.c + 1);
      count = sums[l.c];
      std::vector<double> squares(l.c);
      ForChannels(l, [&](int64_t c) {
        const double mean = sums[c] / count;
        double sq = 0;
        for (int64_t n = 0; n < l.n; ++n) {
          const T* row = xp + (n * l.c + c) * l.s;
          for (int64_t k = 0; k < l.s; ++k) {
            const double d = row[k] - mean;
            sq += d * d;
          }
        }
        squares[c] = sq;
        stats_mean[c] = mean;
      });
      if (across) across(squares.data(), l.c);
      for (int64_t c = 0; c < l.c; ++c) {
        stats_var[c] = squares[c] / count;
        running_mean[c] =
            static_cast<T>((1 - momentum) * running_mean[c] + momentum * stats_mean[c]);
        running_var[c] = static_cast<T>((1 - momentum) * running_var[c] +
                                        momentum * stats_var[c] * count / (count - 1));
      }
    } else {
      for (int64_t c = 0; c < l.c; ++c) {
        stats_mean[c] = running_mean[c];
        stats_var[c] = running_var[c];
      }
    }
    // What backward divides by: this rank's M, or the global one.
    Tensor& count_t = ctx.saved(2);
    count_t = Tensor(x.dtype(), Shape{1});
    count_t.data<T>()[0] = static_cast<T>(count);
    ForChannels(l, [&](int64_t c) {
      const double mean = stats_mean[c];
      const double invstd = 1 / std::sqrt(stats_var[c] + eps);
      saved_mean[c] = static_cast<T>(mean);
      saved_invstd[c] = static_cast<T>(invstd);
      // y = scale x + shift
      const T scale = static_cast<T>(gamma[c] * invstd);
      const T shift = static_cast<T>(beta[c] - gamma[c] * invstd * mean);
      for (int64_t n = 0; n < l.n; ++n) {
        const T* row = xp + (n * l.c + c) * l.s;
        T* out = y + (n * l.c + c) * l.s;
        for (int64_t k = 0; k < l.s; ++k) out[k] = scale * row[k] + shift;
      }
    });
  }

  template <typename T>
  static void Backward(BackwardContext& ctx) {
    const Tensor& x = ctx.input(0);
    const Layout l(x.shape());
    const T* xp = x.data<T>();
    const T* gamma = ctx.input(1).data<T>();
    const T* gy = ctx.grad_output(0).data<T>();
    const T* mean = ctx.saved(0).data<T>();
    const T* invstd = ctx.saved(1).data<T>();
    const bool need_x = ctx.needs_grad(0), need_w = ctx.needs_grad(1), need_b = ctx.needs_grad(2);
    T* gx = need_x ? ctx.grad_input(0).data<T>() : nullptr;
    T* gw = need_w ? ctx.grad_input(1).data<T>() : nullptr;
    T* gb = need_b ? ctx.grad_input(2).data<T>() : nullptr;
    const bool training = ctx.training();
    // Per channel: sum gy and sum gy xhat ([C] each), over every rank's
    // batch when the forward's statistics were (synchronised BatchNorm).
    std::vector<double> sums(2 * l.c);
    ForChannels(l, [&](int64_t c) {
      double sum_gy = 0, sum_gy_xhat = 0;
      const double mu = mean[c], is = invstd[c];
      for (int64_t n = 0; n < l.n; ++n) {
        const T* row = xp + (n * l.c + c) * l.s;
        const T* g = gy + (n * l.c + c) * l.s;
        for (int64_t k = 0; k < l.s; ++k) {
          sum_gy += g[k];
          sum_gy_xhat += g[k] * (row[k] - mu) * is;
        }
      }
      sums[c] = sum_gy;
      sums[l.c + c] = sum_gy_xhat;
    });
    // The parameter gradients stay this rank's: the trainer sums those
    // over the ranks with every other gradient.
    for (int64_t c = 0; c < l.c; ++c) {
      if (gb != nullptr) gb[c] = static_cast<T>(sums[c]);
      if (gw != nullptr) gw[c] = static_cast<T>(sums[l.c + c]);
    }
    if (gx == nullptr) return;
    const double count = ctx.saved(2).defined() ? ctx.saved(2).data<T>()[0] : l.m();
    const CrossReplicaSum& across = GetCrossReplicaSum();
    if (training && across && count != l.m()) across(sums.data(), 2 * l.c);
    ForChannels(l, [&](int64_t c) {
      const double mu = mean[c], is = invstd[c];
      const double scale = gamma[c] * is;
      // grad_x = scale gy + a x + b, with a and b folding the mean terms.
      double a = 0, b = 0;
      if (training) {
        a = -scale * sums[l.c + c] / count * is;
        b = -scale * sums[c] / count - a * mu;
      }
      const T ts = static_cast<T>(scale), ta = static_cast<T>(a), tb = static_cast<T>(b);
      for (int64_t n = 0; n < l.n; ++n) {
        const T* row = xp + (n * l.c + c) * l.s;
        const T* g = gy + (n * l.c + c) * l.s;
        T* out = gx + (n * l.c + c) * l.s;
        for (int64_t k = 0; k < l.s; ++k) out[k] = ts * g[k] + ta * row[k] + tb;
      }
    });
  }
};

std::vector<Shape> BatchNormShapes(const std::vector<Shape>& in, const AttrMap& a) {
  const Shape& x = in[0];
  const int64_t features = a.at("num_features").i();
  if (x.rank() != 2 && x.rank() != 4) {
    NABLA_THROW(kInvalidArgument) << "input must be [N, C] or [N, C, H, W], found "
                                  << x.ToString();
  }
  if (x[1] != kUnknownDim && x[1] != features) {
    NABLA_THROW(kInvalidArgument) << "input " << x.ToString() << " has " << x[1]
                                  << " channels (dimension 1), weight " << in[1].ToString()
                                  << " is for num_features " << features;
  }
  return {x};
}

NABLA_REGISTER_OP(
    OpSchema("BatchNorm")
        .Doc("per-channel batch normalisation with running statistics (rank 2 or 4)")
        .Input("x")
        .Output("y")
        .Attr("num_features", AttrType::kInt, std::nullopt, "channels C (dimension 1)")
        .Constraint("> 0", Positive())
        .Attr("eps", AttrType::kFloat, 1e-5, "added to the variance")
        .Constraint("> 0", Positive())
        .Attr("momentum", AttrType::kFloat, 0.1,
              "weight of the new batch in the running statistics (PyTorch's convention)")
        .Constraint("in [0, 1]", InRange(0, 1))
        .Param({"weight", [](const AttrMap& a) { return Shape{a.at("num_features").i()}; },
                [](const AttrMap&) { return InitSpec{InitSpec::kConstant, 1, 0}; }, true,
                "[num_features], gamma"})
        .Param({"bias", [](const AttrMap& a) { return Shape{a.at("num_features").i()}; },
                [](const AttrMap&) { return InitSpec{InitSpec::kZeros, 0, 0}; }, true,
                "[num_features], beta"})
        .State({"running_mean", [](const AttrMap& a) { return Shape{a.at("num_features").i()}; },
                [](const AttrMap&) { return InitSpec{InitSpec::kZeros, 0, 0}; },
                "[num_features], used in eval mode"})
        .State({"running_var", [](const AttrMap& a) { return Shape{a.at("num_features").i()}; },
                [](const AttrMap&) { return InitSpec{InitSpec::kConstant, 1, 0}; },
                "[num_features], unbiased, used in eval mode"})
        .Shapes(BatchNormShapes)
        .Repr([](const AttrMap& a) {
          std::string s = "(" + a.at("num_features").ToString();
          if (a.at("eps").f() != 1e-5) s += ", eps=" + a.at("eps").ToString();
          if (a.at("momentum").f() != 0.1) s += ", momentum=" + a.at("momentum").ToString();
          return s + ")";
        })
        .Sample({{{"num_features", int64_t{3}}}, {{4, 3}}})
        .Sample({{{"num_features", int64_t{2}}, {"momentum", 0.3}, {"eps", 1e-3}}, {{2, 2, 2, 3}}})
        .Sample({{{"num_features", int64_t{3}}}, {{1, 3, 3, 1}}})
        .Kernels<BatchNormKernel>());

}  // namespace
}  // namespace nabla

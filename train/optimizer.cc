#include "train/optimizer.h"

#include <cmath>

#include "graph/profile.h"

namespace nabla {
namespace {
// Below this many elements a parameter is updated on one thread.
constexpr int64_t kParallelThreshold = 1 << 16;
// One fused SGD pass over a parameter: the update is memory-bound, so
// reading and writing each array once matters more than anything else.
// PyTorch starts the buffer at d on the first step; a zero buffer with
// dampening 0 gives exactly that (0 * momentum + d). A template per
// momentum keeps the test out of the loop; scalars by value and restrict
// pointers let the compiler vectorise it.
template <bool kMomentum>
void SgdPass(float* __restrict p, const float* __restrict g, float* __restrict buf, int64_t n,
             float lr, float wd, float momentum, float keep, bool nesterov) {
#pragma omp parallel for schedule(static) if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) {
    const float d = g[i] + wd * p[i];
    if constexpr (kMomentum) {
      const float b = momentum * buf[i] + keep * d;
      buf[i] = b;
      p[i] -= lr * (nesterov ? d + momentum * b : b);
    } else {
      p[i] -= lr * d;
    }
  }
}

// The same for Adam.
void AdamPass(float* __restrict p, const float* __restrict g, float* __restrict m,
              float* __restrict v, int64_t n, float wd, float b1, float b2, float step_size,
              float correction2, float eps) {
#pragma omp parallel for schedule(static) if (n > kParallelThreshold)
  for (int64_t i = 0; i < n; ++i) {
    const float d = g[i] + wd * p[i];
    m[i] = b1 * m[i] + (1 - b1) * d;
    v[i] = b2 * v[i] + (1 - b2) * d * d;
    p[i] -= step_size * m[i] / (std::sqrt(v[i] / correction2) + eps);
  }
}

}  // namespace

Optimizer::Optimizer(std::vector<NamedParameter> params) : params_(std::move(params)) {
  for (const NamedParameter& p : params_) {
    if (p.variable.value().dtype() != DType::kFloat32) {
      NABLA_THROW(kInvalidArgument)
          << "optimiser: parameter '" << p.name << "' is " << DTypeName(p.variable.value().dtype())
          << ", optimisers update float32 parameters";
    }
  }
}

void Optimizer::StepAndZeroGrad() {
  Step();
  ZeroGrad();
}

void Optimizer::Step() {
  ProfileScope scope("optimizer step");
  ++state_.step;
  for (const NamedParameter& p : params_) {
    const Tensor& grad = p.variable.grad();
    if (!grad.defined()) continue;
    std::vector<Tensor>& buffers = state_.buffers[p.name];
    if (static_cast<int>(buffers.size()) != buffers_per_parameter()) {
      buffers.clear();
      for (int k = 0; k < buffers_per_parameter(); ++k) {
        buffers.push_back(Tensor::Zeros(p.variable.shape()));
      }
    }
    Update(p, grad, buffers);
  }
}

void Optimizer::ZeroGrad() {
  for (NamedParameter& p : params_) p.variable.ZeroGrad();
}

void Optimizer::SetWeightDecayEnabled(const std::string& name, bool enabled) {
  for (NamedParameter& p : params_) {
    if (p.name == name) {
      p.weight_decay = enabled;
      return;
    }
  }
  NABLA_THROW(kNotFound) << "optimiser has no parameter '" << name << "'";
}

void Optimizer::LoadState(const OptimizerState& state) {
  std::string problems;
  for (const auto& [name, buffers] : state.buffers) {
    const NamedParameter* param = nullptr;
    for (const NamedParameter& p : params_) {
      if (p.name == name) param = &p;
    }
    if (param == nullptr) {
      problems += "\n  unexpected optimiser state for parameter '" + name + "'";
      continue;
    }
    if (static_cast<int>(buffers.size()) != buffers_per_parameter()) {
      problems += "\n  parameter '" + name + "': " + std::to_string(buffers.size()) + " buffers, " +
                  this->name() + " keeps " + std::to_string(buffers_per_parameter());
      continue;
    }
    for (const Tensor& b : buffers) {
      if (b.shape() != param->variable.shape() || b.dtype() != DType::kFloat32) {
        problems += "\n  parameter '" + name + "': buffer " + b.shape().ToString() +
                    ", parameter " + param->variable.shape().ToString();
      }
    }
  }
  if (!problems.empty()) {
    NABLA_THROW(kInvalidFile) << "optimiser state does not match the model:" << problems;
  }
  state_.step = state.step;
  state_.buffers.clear();
  for (const auto& [name, buffers] : state.buffers) {
    for (const Tensor& b : buffers) state_.buffers[name].push_back(b.Clone());
  }
}

Sgd::Sgd(std::vector<NamedParameter> params, SgdOptions options)
    : Optimizer(std::move(params)), options_(options) {
  lr_ = options.lr;
}

void Sgd::Update(const NamedParameter& param, const Tensor& grad, std::vector<Tensor>& buffers) {
  Tensor value = param.variable.value();
  float* p = value.data<float>();
  const float* g = grad.data<float>();
  const int64_t n = value.size();
  const float lr = static_cast<float>(lr_);
  const float wd = param.weight_decay ? static_cast<float>(options_.weight_decay) : 0.f;
  const float momentum = static_cast<float>(options_.momentum);
  const float keep = 1.f - static_cast<float>(options_.dampening);
  const bool nesterov = options_.nesterov;
  float* buf = momentum != 0.f ? buffers[0].data<float>() : nullptr;
  if (buf != nullptr) {
    SgdPass<true>(p, g, buf, n, lr, wd, momentum, keep, nesterov);
  } else {
    SgdPass<false>(p, g, buf, n, lr, wd, momentum, keep, nesterov);
  }
}

Adam::Adam(std::vector<NamedParameter> params, AdamOptions options)
    : Optimizer(std::move(params)), options_(options) {
  lr_ = options.lr;
}

void Adam::Update(const NamedParameter& param, const Tensor& grad, std::vector<Tensor>& buffers) {
  Tensor value = param.variable.value();
  float* p = value.data<float>();
  const float* g = grad.data<float>();
  float* m = buffers[0].data<float>();
  float* v = buffers[1].data<float>();
  const int64_t n = value.size();
  const float wd = param.weight_decay ? static_cast<float>(options_.weight_decay) : 0.f;
  const float b1 = static_cast<float>(options_.beta1), b2 = static_cast<float>(options_.beta2);
  const double step = static_cast<double>(state_.step);
  const float correction1 = static_cast<float>(1 - std::pow(options_.beta1, step));
  const float correction2 = static_cast<float>(1 - std::pow(options_.beta2, step));
  const float step_size = static_cast<float>(lr_) / correction1;
  const float eps = static_cast<float>(options_.eps);
  // One fused pass, as for SGD: no temporary for the decayed gradient.
  AdamPass(p, g, m, v, n, wd, b1, b2, step_size, correction2, eps);
}

}  // namespace nabla

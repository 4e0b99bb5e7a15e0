// Optimisers: SGD with momentum and weight decay (PyTorch's update rule, so
// results are comparable) and Adam.
//
// An optimiser is built from a module's NamedParameters, so every parameter
// keeps its name and its weight-decay flag from the op schema (PReLU slopes
// are exempt by default, as the PReLU paper advises). Its state (momentum
// and Adam moment buffers, step count) is a name -> tensors map that
// checkpoints save and restore.
#ifndef NABLA_TRAIN_OPTIMIZER_H_
#define NABLA_TRAIN_OPTIMIZER_H_

#include <map>
#include <string>
#include <vector>

#include "graph/module.h"

namespace nabla {

struct OptimizerState {
  int64_t step = 0;
  // Per parameter name, the buffers in a fixed order (SGD: momentum;
  // Adam: first moment, second moment). Empty until the first step.
  std::map<std::string, std::vector<Tensor>> buffers;
};

class Optimizer {
 public:
  explicit Optimizer(std::vector<NamedParameter> params);
  virtual ~Optimizer() = default;

  // Applies one update from the parameters' accumulated gradients.
  // Parameters without a gradient are left unchanged.
  void Step();
  // Drops every gradient (PyTorch's zero_grad(set_to_none=True)).
  void ZeroGrad();
  // Step(), then ZeroGrad(): PyTorch's step() + zero_grad(set_to_none=True).
  // The dropped buffers go back to the tensor buffer cache, and the next
  // Backward's kernels overwrite a fresh gradient instead of adding into a
  // zeroed one: no zero fill, and no accumulating GEMM (oneDNN's sum
  // post-op, which reads the old gradient back: with it, model B's step
  // GEMMs took 10-13% longer on 1 thread and 4-11% on 2, model A's 1-6%;
  // `bazel-bin/bench/gemm_bound --model B --threads 1 --accumulate 1`
  // against `--accumulate 0`, alternating runs on an AMD EPYC, CPU family
  // 26, Zen 5). A parameter that gets no gradient in a step is then left
  // alone by the next Step, as in PyTorch. Gradient accumulation over
  // several Backward calls between steps still adds in place. A training
  // loop:
  //   Variable loss = model.Loss(x, y);
  //   loss.Backward();
  //   optimizer.StepAndZeroGrad();
  void StepAndZeroGrad();

  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }
  // Overrides one parameter's weight-decay flag (by name).
  void SetWeightDecayEnabled(const std::string& name, bool enabled);

  const OptimizerState& state() const { return state_; }
  // Restores saved state; throws Error naming any unknown parameter or
  // buffer whose shape does not match.
  void LoadState(const OptimizerState& state);
  virtual std::string name() const = 0;
  virtual int buffers_per_parameter() const = 0;

 protected:
  // Updates `param` from `grad`; `buffers` has buffers_per_parameter()
  // tensors shaped like the parameter, zero-initialised on the first step.
  virtual void Update(const NamedParameter& param, const Tensor& grad,
                      std::vector<Tensor>& buffers) = 0;

  double lr_ = 0.01;
  OptimizerState state_;

 private:
  std::vector<NamedParameter> params_;
};

struct SgdOptions {
  double lr = 0.01;
  double momentum = 0.0;
  double weight_decay = 0.0;
  double dampening = 0.0;
  bool nesterov = false;
};

// PyTorch's SGD: d = grad + wd * p; buf = momentum * buf + (1 - dampening) * d
// (buf = d on the first step); d = nesterov ? d + momentum * buf : buf;
// p -= lr * d.
class Sgd : public Optimizer {
 public:
  Sgd(std::vector<NamedParameter> params, SgdOptions options);
  std::string name() const override { return "sgd"; }
  int buffers_per_parameter() const override { return options_.momentum != 0 ? 1 : 0; }

 protected:
  void Update(const NamedParameter& param, const Tensor& grad,
              std::vector<Tensor>& buffers) override;

 private:
  SgdOptions options_;
};

struct AdamOptions {
  double lr = 0.001;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // L2, added to the gradient (PyTorch's Adam)
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<NamedParameter> params, AdamOptions options);
  std::string name() const override { return "adam"; }
  int buffers_per_parameter() const override { return 2; }

 protected:
  void Update(const NamedParameter& param, const Tensor& grad,
              std::vector<Tensor>& buffers) override;

 private:
  AdamOptions options_;
};

}  // namespace nabla

#endif  // NABLA_TRAIN_OPTIMIZER_H_

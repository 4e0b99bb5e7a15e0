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
  // Step(), and sets each gradient to zero in place in the same pass over
  // memory, which costs nothing extra (the pass already streams the
  // gradient; `bazel run //bench:micro_bench -- sgd`), where a separate
  // zero fill of model A's gradients took 2.5% of a training step (the perf
  // profile in bench/RESULTS.md). The next Backward then accumulates
  // straight into the kept buffers (ops that declare
  // OpSchema::AccumulatesGradients skip their own zero fill). A training
  // loop uses it instead of ZeroGrad() + Step():
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
  // With `zero_grad`, also sets `grad` to zero in the same pass.
  virtual void Update(const NamedParameter& param, Tensor grad, std::vector<Tensor>& buffers,
                      bool zero_grad) = 0;

  double lr_ = 0.01;
  OptimizerState state_;

 private:
  void StepImpl(bool zero_grad);

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
  void Update(const NamedParameter& param, Tensor grad, std::vector<Tensor>& buffers,
              bool zero_grad) override;

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
  void Update(const NamedParameter& param, Tensor grad, std::vector<Tensor>& buffers,
              bool zero_grad) override;

 private:
  AdamOptions options_;
};

}  // namespace nabla

#endif  // NABLA_TRAIN_OPTIMIZER_H_

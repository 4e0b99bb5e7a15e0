// Modules: layer objects that own their parameters, as PyTorch users expect.
//
// OpLayer wraps one registered op together with the parameters its schema
// declares (Linear's weight and bias, PReLU's slope); Sequential chains
// modules. Graph files (graph/model.h) instantiate exactly these layers, so
// a network written in C++ or as a graph file has the same parameter names:
// "<child name>.<parameter name>", e.g. "network.0.weight".
//
// Ownership: modules are held by shared_ptr; a parent owns its children.
#ifndef NABLA_GRAPH_MODULE_H_
#define NABLA_GRAPH_MODULE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "graph/apply.h"
#include "graph/variable.h"

namespace nabla {

struct NamedParameter {
  std::string name;
  Variable variable;
  bool weight_decay = true;  // from the op schema; PReLU slopes are exempt
};

// Op state (graph/op_schema.h, StateSpec): a non-learnable tensor, such as
// BatchNorm's running mean. Saved in checkpoints, never optimised.
struct NamedBuffer {
  std::string name;
  Variable variable;  // requires_grad is false; the tensor is updated in place
};

// Checkpoints (train/checkpoint.h) and ONNX import name a state tensor
// "state/<path>" ("state/bn1.running_mean"), apart from parameters.
constexpr char kStateTensorPrefix[] = "state/";

class Module {
 public:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;

  virtual Variable Forward(const Variable& input) = 0;
  Variable operator()(const Variable& input) { return Forward(input); }

  // Own parameters first, then children's, in registration order.
  std::vector<NamedParameter> NamedParameters() const;
  std::vector<Variable> Parameters() const;
  int64_t NumParameters() const;  // scalar count
  void ZeroGrad();
  // Own buffers first, then children's, named as parameters are.
  std::vector<NamedBuffer> NamedBuffers() const;

  void Train(bool on = true);
  void Eval() { Train(false); }
  bool training() const { return training_; }

  const std::string& type_name() const { return type_name_; }
  // Shown after the type name in the layout, e.g. "(784, 1000)".
  virtual std::string ExtraRepr() const { return ""; }
  // The layout in the style of PyTorch's print(model).
  std::string ToString() const;

  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const {
    return children_;
  }

 protected:
  void RegisterParameter(std::string name, Variable variable, bool weight_decay = true);
  void RegisterBuffer(std::string name, Variable variable);
  template <typename M>
  std::shared_ptr<M> RegisterModule(std::string name, std::shared_ptr<M> module) {
    children_.emplace_back(std::move(name), module);
    return module;
  }

 private:
  void AppendLayout(const std::string& indent, std::string* out) const;

  std::string type_name_;
  bool training_ = true;
  std::vector<NamedParameter> params_;
  std::vector<NamedBuffer> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

// One op, its parameters and its state. Parameters are initialised at
// construction from the schema's initialisers with a seed drawn from the
// global generator (ManualSeed makes it reproducible) unless one is given;
// state tensors from their specs (constants, no draw), so adding state to
// an op changes no parameter's initial value.
class OpLayer : public Module {
 public:
  OpLayer(const std::string& op_name, AttrMap attrs, std::string where = "");
  OpLayer(const std::string& op_name, AttrMap attrs, std::string where, uint64_t seed);

  // Single-input ops.
  Variable Forward(const Variable& input) override;
  // Ops with several inputs (losses take logits and labels).
  Variable Forward(const std::vector<Variable>& inputs);

  const OpCall& call() const { return call_; }
  const Variable& parameter(const std::string& name) const;
  // The state tensor named by the op's StateSpec; kNotFound otherwise.
  const Variable& state(const std::string& name) const;
  uint64_t init_seed() const { return seed_; }
  std::string ExtraRepr() const override;

 private:
  void InitParameters();

  OpCall call_;
  uint64_t seed_;
  std::vector<Variable> param_list_;  // in schema order
  std::vector<Variable> state_list_;  // in schema order
};

class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  // Named "0", "1", ... unless a name is given.
  Sequential& Add(std::shared_ptr<Module> module, std::string name = "");
  Variable Forward(const Variable& input) override;
  size_t size() const { return children().size(); }
};

}  // namespace nabla

#endif  // NABLA_GRAPH_MODULE_H_

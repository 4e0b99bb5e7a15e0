// Variable and the define-by-run tape.
//
// Every op applied to Variables (graph/apply.h) records a Node holding the
// op, its attributes, its input Variables and the tensors backward needs.
// The graph is rebuilt on every forward pass, so ordinary C++ control flow
// decides its shape. Backward() walks the recorded nodes in reverse
// topological order (iteratively: a 100,000-node chain uses no deep
// recursion), accumulates gradients of Variables used more than once, and
// then frees the graph unless asked to retain it. A second backward through
// a freed graph is an Error, not undefined behaviour.
//
// Ownership: a Variable is a handle; copies share the same value and grad.
// A Node owns its inputs (strongly) and a result owns its Node, so the graph
// lives exactly as long as something that can reach it.
//
// Thread safety: a graph belongs to the thread that builds it; gradient
// mode, training mode and check-numerics are per thread.
#ifndef NABLA_GRAPH_VARIABLE_H_
#define NABLA_GRAPH_VARIABLE_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "graph/attr.h"
#include "graph/op_schema.h"
#include "graph/tensor.h"

namespace nabla {

struct Node;

struct VariableImpl {
  Tensor value;
  Tensor grad;
  bool requires_grad = false;
  std::string name;
  std::shared_ptr<Node> grad_fn;  // null for leaves
  int output_index = 0;
};

class Variable {
 public:
  Variable() = default;
  explicit Variable(Tensor value, bool requires_grad = false,
                    std::string name = "");
  explicit Variable(std::shared_ptr<VariableImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  const Tensor& value() const { return impl_->value; }
  Tensor& mutable_value() { return impl_->value; }
  const Shape& shape() const { return impl_->value.shape(); }
  // Accumulated gradient; undefined until a backward reaches this Variable.
  const Tensor& grad() const { return impl_->grad; }
  Tensor& mutable_grad() { return impl_->grad; }
  bool requires_grad() const { return impl_->requires_grad; }
  void set_requires_grad(bool value);
  bool is_leaf() const { return impl_->grad_fn == nullptr; }
  const std::string& name() const { return impl_->name; }
  void set_name(std::string name) { impl_->name = std::move(name); }
  const std::shared_ptr<VariableImpl>& impl() const { return impl_; }

  // Backward from a one-element result (d self / d self = 1).
  void Backward(bool retain_graph = false);
  // Backward with an explicit gradient of the same shape as the value.
  void Backward(const Tensor& grad_output, bool retain_graph = false);
  void ZeroGrad() { impl_->grad = Tensor(); }

 private:
  std::shared_ptr<VariableImpl> impl_;
};

// One recorded op application.
class OpKernel;

struct Node {
  const OpSchema* op = nullptr;
  // The kernel instance that ran the forward (graph/kernel.h); backward
  // runs on it too.
  std::shared_ptr<OpKernel> kernel;
  std::shared_ptr<void> kernel_data;  // ForwardContext::set_kernel_data
  std::shared_ptr<const AttrMap> attrs;
  std::vector<std::shared_ptr<VariableImpl>> inputs;  // inputs, then params
  std::vector<Tensor> input_values;  // as they were at forward time
  std::vector<Tensor> outputs;
  std::deque<Tensor> saved;  // ForwardContext::saved(i)
  bool training = false;      // the mode the forward ran in
  std::string where;  // node name for messages, may be empty
  bool freed = false;

  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  // Releases upstream nodes iteratively (see variable.cc).
  ~Node();
};

// While alive, ops record nothing (evaluation). Nests.
class NoGradGuard {
 public:
  NoGradGuard();
  ~NoGradGuard();
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};
bool GradEnabled();

// Training mode seen by ops such as Dropout (modules set it around their
// forward; see module.h).
class TrainingModeGuard {
 public:
  explicit TrainingModeGuard(bool training);
  ~TrainingModeGuard();
  TrainingModeGuard(const TrainingModeGuard&) = delete;
  TrainingModeGuard& operator=(const TrainingModeGuard&) = delete;

 private:
  bool previous_;
};
bool TrainingMode();

// When on, every op output is checked for NaN/Inf and the first offender is
// reported by node name (`nabla train --check-numerics`).
void SetCheckNumerics(bool on);
bool CheckNumerics();

}  // namespace nabla

#endif  // NABLA_GRAPH_VARIABLE_H_

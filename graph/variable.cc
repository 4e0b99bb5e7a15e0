#include "graph/variable.h"

#include "graph/kernel.h"
#include "graph/profile.h"

#include <unordered_map>

namespace nabla {
namespace {

thread_local bool grad_enabled = true;
thread_local bool training_mode = false;
thread_local bool check_numerics = false;

// dst += src, elementwise. Both own their buffers (kernels never alias).
void Accumulate(Tensor* dst, Tensor src) {
  if (!dst->defined()) {
    *dst = std::move(src);
    return;
  }
  NABLA_CHECK(dst->shape() == src.shape())
      << "gradient shape " << src.shape().ToString() << " for a value of shape "
      << dst->shape().ToString();
  DispatchFloating(dst->dtype(), [&](auto zero) {
    using T = decltype(zero);
    dst->array<T>() += src.array<T>();
  });
}

// Whether `node`'s backward may write input 0's gradient over its output's
// (OpSchema::BackwardInPlace): only when no one else holds that buffer
// and the two have one shape and dtype.
bool CanReuseGradOutput(const Node& node, const std::vector<Tensor>& grad_outputs) {
  if (!node.op->backward_in_place() || grad_outputs.empty() || node.input_values.empty()) {
    return false;
  }
  const Tensor& g = grad_outputs[0];
  const Tensor& x = node.input_values[0];
  return g.sole_owner() && g.shape() == x.shape() && g.dtype() == x.dtype();
}

// The inputs of `node` whose kernel may add straight into their existing
// gradient (bit i for input i): for ops that declare AccumulatesGradients(),
// leaves that already hold a gradient of the right shape and type and that
// appear only once among the node's inputs (two views of one buffer would
// overwrite each other).
uint64_t AccumulateInPlace(const Node& node) {
  if (!node.op->accumulates_gradients() || node.inputs.size() > 64) return 0;
  uint64_t mask = 0;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const VariableImpl* input = node.inputs[i].get();
    if (!input->requires_grad || input->grad_fn || !input->grad.defined() ||
        input->grad.shape() != node.input_values[i].shape() ||
        input->grad.dtype() != node.input_values[i].dtype()) {
      continue;  // a mismatched gradient gets Accumulate's error instead
    }
    bool repeated = false;
    for (size_t j = 0; j < node.inputs.size(); ++j) {
      repeated |= j != i && node.inputs[j].get() == input;
    }
    if (!repeated) mask |= uint64_t{1} << i;
  }
  return mask;
}

// Every node reachable from `root`, consumers before producers (Kahn's
// algorithm over the input edges; iterative).
std::vector<Node*> ReverseTopologicalOrder(Node* root) {
  std::unordered_map<Node*, int> consumers;
  std::vector<Node*> stack = {root};
  consumers[root] = 0;
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (const auto& input : node->inputs) {
      Node* producer = input->grad_fn.get();
      if (producer == nullptr) continue;
      auto [it, inserted] = consumers.try_emplace(producer, 0);
      ++it->second;
      if (inserted) stack.push_back(producer);
    }
  }
  std::vector<Node*> order;
  order.reserve(consumers.size());
  std::vector<Node*> ready = {root};
  while (!ready.empty()) {
    Node* node = ready.back();
    ready.pop_back();
    order.push_back(node);
    for (const auto& input : node->inputs) {
      Node* producer = input->grad_fn.get();
      if (producer != nullptr && --consumers[producer] == 0) ready.push_back(producer);
    }
  }
  return order;
}

void FreeNode(Node* node) {
  node->input_values.clear();
  node->outputs.clear();
  node->saved.clear();
  node->kernel_data.reset();
  node->freed = true;
  // Inputs stay: they are the edges, and leaves must stay reachable for
  // a later backward to report the freed graph rather than do nothing.
}

}  // namespace

Variable::Variable(Tensor value, bool requires_grad, std::string name)
    : impl_(std::make_shared<VariableImpl>()) {
  impl_->value = std::move(value);
  impl_->name = std::move(name);
  set_requires_grad(requires_grad);
}

void Variable::set_requires_grad(bool value) {
  if (value && impl_->value.dtype() == DType::kInt32) {
    NABLA_THROW(kInvalidArgument) << "an int32 Variable cannot require gradients";
  }
  if (!is_leaf()) {
    NABLA_THROW(kInvalidArgument)
        << "requires_grad can only be changed on leaf Variables";
  }
  impl_->requires_grad = value;
}

void Variable::Backward(bool retain_graph) {
  if (value().size() != 1) {
    NABLA_THROW(kInvalidArgument)
        << "Backward() without a gradient needs a one-element result, found shape "
        << shape().ToString() << "; pass the output gradient explicitly";
  }
  Backward(Tensor::Filled(shape(), 1.0, value().dtype()), retain_graph);
}

void Variable::Backward(const Tensor& grad_output, bool retain_graph) {
  if (!requires_grad()) {
    NABLA_THROW(kInvalidArgument)
        << "Backward() on a Variable that does not require gradients (no input "
           "requires them, or it was computed under NoGradGuard)";
  }
  if (grad_output.shape() != shape() || grad_output.dtype() != value().dtype()) {
    NABLA_THROW(kInvalidArgument)
        << "Backward(): gradient is " << DTypeName(grad_output.dtype())
        << grad_output.shape().ToString() << ", value is "
        << DTypeName(value().dtype()) << shape().ToString();
  }
  if (is_leaf()) {
    Accumulate(&impl_->grad, grad_output.Clone());
    return;
  }

  std::vector<Node*> order = ReverseTopologicalOrder(impl_->grad_fn.get());
  std::unordered_map<Node*, std::vector<Tensor>> grads;
  grads[impl_->grad_fn.get()].resize(impl_->grad_fn->op->outputs().size());
  grads[impl_->grad_fn.get()][impl_->output_index] = grad_output.Clone();

  for (Node* node : order) {
    if (node->freed) {
      NABLA_THROW(kInvalidArgument)
          << "Backward() through a graph that was already freed (node "
          << (node->where.empty() ? node->op->name() : "'" + node->where + "'")
          << "); call the first Backward with retain_graph = true to "
             "backpropagate twice";
    }
    std::vector<Tensor>& grad_outputs = grads[node];
    grad_outputs.resize(node->outputs.size());
    for (size_t k = 0; k < grad_outputs.size(); ++k) {
      if (!grad_outputs[k].defined()) {
        grad_outputs[k] = Tensor::Zeros(node->outputs[k].shape(), node->outputs[k].dtype());
      }
    }
    std::vector<Tensor> grad_inputs(node->inputs.size());
    const uint64_t accumulate = AccumulateInPlace(*node);
    for (size_t i = 0; i < node->inputs.size(); ++i) {
      if ((accumulate >> i) & 1) {
        grad_inputs[i] = node->inputs[i]->grad;  // the kernel adds into it
      } else if (i == 0 && node->inputs[0]->requires_grad && CanReuseGradOutput(*node, grad_outputs)) {
        grad_inputs[0] = grad_outputs[0];  // OpSchema::BackwardInPlace
      } else if (node->inputs[i]->requires_grad) {
        grad_inputs[i] = Tensor(node->input_values[i].dtype(), node->input_values[i].shape());
      }
    }
    BackwardContext ctx(*node->attrs, node->input_values, node->outputs, grad_outputs,
                        node->saved, &grad_inputs, accumulate, node->training);
    ctx.set_kernel_data(node->kernel_data);
    {
      internal::ProfileTimer timer(node->op->name().c_str(), "backward",
                                   [&] { return internal::ShapesOf(node->input_values); });
      node->kernel->Backward(ctx);
    }
    for (size_t i = 0; i < node->inputs.size(); ++i) {
      if (!grad_inputs[i].defined() || ((accumulate >> i) & 1)) continue;
      VariableImpl* input = node->inputs[i].get();
      if (input->grad_fn) {
        std::vector<Tensor>& g = grads[input->grad_fn.get()];
        g.resize(input->grad_fn->op->outputs().size());
        Accumulate(&g[input->output_index], std::move(grad_inputs[i]));
      } else {
        Accumulate(&input->grad, std::move(grad_inputs[i]));
      }
    }
    grads.erase(node);
    if (!retain_graph) FreeNode(node);
  }
}

Node::~Node() {
  // Dropping the last handle on a long chain would otherwise destroy one
  // node per stack frame. Detach upstream nodes that only we keep alive
  // and destroy them from a work list instead.
  std::vector<std::shared_ptr<Node>> pending;
  auto detach = [&pending](std::vector<std::shared_ptr<VariableImpl>>& inputs) {
    for (auto& input : inputs) {
      if (input.use_count() == 1 && input->grad_fn) {
        pending.push_back(std::move(input->grad_fn));
      }
    }
    inputs.clear();
  };
  detach(inputs);
  while (!pending.empty()) {
    std::shared_ptr<Node> node = std::move(pending.back());
    pending.pop_back();
    if (node.use_count() == 1) detach(node->inputs);
  }
}

NoGradGuard::NoGradGuard() : previous_(grad_enabled) { grad_enabled = false; }
NoGradGuard::~NoGradGuard() { grad_enabled = previous_; }
bool GradEnabled() { return grad_enabled; }

TrainingModeGuard::TrainingModeGuard(bool training) : previous_(training_mode) {
  training_mode = training;
}
TrainingModeGuard::~TrainingModeGuard() { training_mode = previous_; }
bool TrainingMode() { return training_mode; }

void SetCheckNumerics(bool on) { check_numerics = on; }
bool CheckNumerics() { return check_numerics; }

}  // namespace nabla

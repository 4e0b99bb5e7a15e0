// OpSchema: everything nabla knows about an op, declared in the file that
// implements it (see ops/activation/leaky_relu.cc for a short example):
//
//   name, inputs, outputs, typed attributes (default, constraint, doc),
//   learnable parameters (shape from attributes, initializer, whether weight
//   decay applies), an output-shape function, forward and backward kernels
//   for float and double, and gradient-check samples.
//
// Kernels see the op's inputs followed by its parameters as one list: a
// PReLU node with input x and parameter slope has input(0) = x and
// input(1) = slope, and its backward fills grad_input(0) and grad_input(1).
// The engine allocates outputs (shapes from the shape function) and
// gradients; a kernel overwrites every element of what it writes.
//
// Op state (the facility libtorch calls buffers): tensors an op keeps
// between calls that are not learned, such as BatchNorm's running mean and
// variance. An op declares each with State(StateSpec{...}) in its own file;
// nothing else is needed:
//   - the layer that runs the op (OpLayer, graph/module.h) owns one tensor
//     per spec, initialised from the spec, listed by NamedBuffers() as
//     "<node>.<state name>";
//   - forward reads and updates them through ForwardContext::state(i);
//     ctx.training() says whether to update (training) or only read (eval);
//   - checkpoints save and strictly load them as "state/<node>.<name>"
//     (train/checkpoint.h), and the model fingerprint lists them
//     (train/fingerprint.h);
//     optimisers and weight decay never see them (they are not parameters);
//   - the gradient check (graph/gradcheck) snapshots and restores them
//     around every evaluation and checks stateful ops in both modes; the
//     kernel comparison gives backend and reference the same state and
//     compares the updated state too.
// What one call keeps for its backward goes to saved(0), saved(1), ...
// (MaxPool's indices, BatchNorm's batch mean and inverse deviation), not
// to state: state may change again before backward runs. Backward sees the
// mode its forward ran in (BackwardContext::training()).
#ifndef NABLA_GRAPH_OP_SCHEMA_H_
#define NABLA_GRAPH_OP_SCHEMA_H_

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "graph/attr.h"
#include "graph/tensor.h"

namespace nabla {

// How a parameter starts. Fan-in/fan-out for Xavier and Kaiming come from the
// shape as in PyTorch: fan_in = shape[1] * receptive, fan_out = shape[0] * ...
struct InitSpec {
  enum Kind {
    kZeros,
    kConstant,        // a
    kUniform,         // U(a, b)
    kNormal,          // N(a, b^2)
    kXavierUniform,   // gain a
    kXavierNormal,    // gain a
    kKaimingUniform,  // negative slope a (PyTorch's Linear uses sqrt(5))
    kKaimingNormal,   // negative slope a
  };
  Kind kind = kZeros;
  double a = 0, b = 0;
  std::string ToString() const;
};

struct AttrSpec {
  std::string name;
  AttrType type;
  std::optional<AttrValue> default_value;  // none: the attribute is required
  std::string doc;
  // Returns "" if the value is allowed, else what was expected ("> 0").
  std::function<std::string(const AttrValue&)> constraint;
  std::string constraint_doc;  // shown by `nabla ops`
};

struct InputSpec {
  std::string name;
  bool is_int = false;         // class labels; never differentiated
};

struct ParamSpec {
  std::string name;
  std::function<Shape(const AttrMap&)> shape;
  std::function<InitSpec(const AttrMap&)> init;
  bool weight_decay = true;  // false exempts it (PReLU slopes)
  std::string doc;
};

// A non-learnable tensor an op keeps per node (see the top of this file).
struct StateSpec {
  std::string name;
  std::function<Shape(const AttrMap&)> shape;
  std::function<InitSpec(const AttrMap&)> init;  // the value before any step
  std::string doc;
};

// One gradient-check configuration: attributes, input shapes (inputs only,
// parameters come from their specs) and the range inputs are drawn from,
// staying `kink_margin` away from every point in `kinks`.
struct GradSample {
  AttrMap attrs;
  std::vector<Shape> input_shapes;
  double low = -2, high = 2;
  std::vector<double> kinks;
  double kink_margin = 0.05;
  int64_t int_high = 2;  // int inputs (labels) are drawn from [0, int_high)
};

// One problem OpSchema::FindAttrProblems finds, and the attribute it is
// about.
struct AttrProblem {
  enum Kind { kUnknown, kMistyped, kConstraint, kMissing };
  Kind kind;
  std::string attr;
  std::string message;  // "attribute 'slope': expected float, found string \"big\""
};

class ForwardContext;
class BackwardContext;
using ForwardFn = void (*)(ForwardContext&);
using BackwardFn = void (*)(BackwardContext&);

// Given the shapes of inputs and parameters (dims may be kUnknownDim for the
// batch) and the node's attributes, returns output shapes or throws
// nabla::Error describing the mismatch ("input 0 has 784 features, weight
// expects 100"); the caller adds which node and file.
using ShapeFn =
    std::function<std::vector<Shape>(const std::vector<Shape>&, const AttrMap&)>;

class OpSchema {
 public:
  explicit OpSchema(std::string name) : name_(std::move(name)) {}

  OpSchema& Doc(std::string doc);
  OpSchema& Input(std::string name);
  OpSchema& IntInput(std::string name);
  // Declares a last input that takes one or more values (Concat's inputs):
  // a node lists inputs() - 1 fixed inputs, then at least one for this.
  // Kernels see them all, then the parameters; GradSample::input_shapes
  // lists one shape per value. Must be the last Input declared.
  OpSchema& VariadicInput(std::string name);
  OpSchema& Output(std::string name);
  OpSchema& Attr(std::string name, AttrType type,
                 std::optional<AttrValue> default_value, std::string doc);
  // Constrains the most recently declared attribute.
  OpSchema& Constraint(std::string doc,
                       std::function<std::string(const AttrValue&)> check);
  OpSchema& Param(ParamSpec spec);
  OpSchema& State(StateSpec spec);
  OpSchema& Shapes(ShapeFn fn);
  OpSchema& Sample(GradSample sample);
  // How a layer of this op prints in layouts, e.g. Linear's "(784, 1000)";
  // by default "(attr=value, ...)".
  OpSchema& Repr(std::function<std::string(const AttrMap&)> fn);
  // Declares that Backward honours BackwardContext::accumulates(i): when it
  // is true, the kernel adds its gradient into grad_input(i) instead of
  // overwriting it. The engine then hands such kernels a parameter's
  // existing gradient (a second Backward before the optimiser's step,
  // gradient accumulation) directly, sparing a separate accumulation pass.
  // The registry-driven gradient check tests both paths for every op.
  OpSchema& AccumulatesGradients();
  // Declares that Backward may be handed grad_input(0) and grad_output(0)
  // as one buffer: element k of grad_input(0) depends only on element k of
  // grad_output(0) (and of the forward's tensors), and the kernel reads it
  // before writing it (ReLU, LeakyReLU). The engine then writes input 0's
  // gradient over the output's gradient when nothing else holds that
  // buffer, instead of allocating a second one: in a conv net that is one
  // activation-sized buffer fewer at the peak of backward. Every kernel of
  // the op (each backend's too) must honour it; the gradient check and the
  // kernel agreement test run all of them through this path.
  OpSchema& BackwardInPlace();
  // Kernel is a struct with `template <typename T> static void Forward(
  // ForwardContext&)` and the same for Backward.
  template <typename Kernel>
  OpSchema& Kernels() {
    forward_f32_ = &Kernel::template Forward<float>;
    forward_f64_ = &Kernel::template Forward<double>;
    backward_f32_ = &Kernel::template Backward<float>;
    backward_f64_ = &Kernel::template Backward<double>;
    return *this;
  }

  const std::string& name() const { return name_; }
  const std::string& doc() const { return doc_; }
  const std::vector<InputSpec>& inputs() const { return inputs_; }
  bool variadic() const { return variadic_; }
  // How many values a call with `count` inputs (parameters excluded) may
  // give: exactly inputs().size(), or at least that many when variadic.
  bool AcceptsInputCount(size_t count) const {
    return variadic_ ? count >= inputs_.size() : count == inputs_.size();
  }
  // The spec of value i of a call (the variadic spec for every value past
  // the fixed ones). i must be below the call's input count.
  const InputSpec& input_spec(size_t i) const {
    return inputs_[i < inputs_.size() ? i : inputs_.size() - 1];
  }
  const std::vector<std::string>& outputs() const { return outputs_; }
  const std::vector<AttrSpec>& attrs() const { return attrs_; }
  const std::vector<ParamSpec>& params() const { return params_; }
  const std::vector<StateSpec>& states() const { return states_; }
  const std::vector<GradSample>& samples() const { return samples_; }
  const ShapeFn& shape_fn() const { return shape_fn_; }
  const std::function<std::string(const AttrMap&)>& repr() const { return repr_; }
  bool accumulates_gradients() const { return accumulates_gradients_; }
  bool backward_in_place() const { return backward_in_place_; }
  const AttrSpec* FindAttr(const std::string& name) const;
  ForwardFn forward(DType dtype) const;
  BackwardFn backward(DType dtype) const;

  // Checks the schema itself (kernels and shape function present, no
  // duplicate names, defaults satisfy constraints). Returns problems, empty
  // when valid.
  std::vector<std::string> Validate() const;

  // Fills defaults and checks names, types and constraints. Returns one
  // problem per mistake, its message naming the attribute with expected and
  // found; `attrs` is completed in place.
  std::vector<AttrProblem> FindAttrProblems(AttrMap* attrs) const;
  // The messages of FindAttrProblems.
  std::vector<std::string> CheckAttrs(AttrMap* attrs) const;
  // Same, throwing one Error prefixed with `where` ("node 'fc1'").
  void CheckAttrsOrThrow(const std::string& where, AttrMap* attrs) const;

 private:
  std::string name_, doc_;
  std::vector<InputSpec> inputs_;
  std::vector<std::string> outputs_;
  std::vector<AttrSpec> attrs_;
  std::vector<ParamSpec> params_;
  std::vector<StateSpec> states_;
  std::vector<GradSample> samples_;
  ShapeFn shape_fn_;
  std::function<std::string(const AttrMap&)> repr_;
  bool accumulates_gradients_ = false, backward_in_place_ = false;
  bool variadic_ = false, input_after_variadic_ = false;
  ForwardFn forward_f32_ = nullptr, forward_f64_ = nullptr;
  BackwardFn backward_f32_ = nullptr, backward_f64_ = nullptr;
};

// Common shape functions.
// Output 0 has input 0's shape, whatever its rank (elementwise ops).
std::vector<Shape> ElementwiseShape(const std::vector<Shape>& in, const AttrMap&);
// Input 0 must be [batch, classes]; output 0 has its shape (ops over the
// class dimension: Softmax, LogSoftmax).
std::vector<Shape> RowwiseShape(const std::vector<Shape>& in, const AttrMap&);

// Common constraints.
std::function<std::string(const AttrValue&)> Finite();
std::function<std::string(const AttrValue&)> Positive();
std::function<std::string(const AttrValue&)> InRange(double lo, double hi);
std::function<std::string(const AttrValue&)> OneOf(std::vector<std::string> values);

// What kernels see. Constructed by OpCall::Apply (graph/apply.cc) and
// Variable::Backward (graph/variable.cc).
class ForwardContext {
 public:
  ForwardContext(const AttrMap& attrs, const std::vector<const Tensor*>& inputs,
                 std::vector<Tensor>* outputs, std::deque<Tensor>* saved,
                 const std::vector<Tensor*>& state, bool training, uint64_t seed)
      : attrs_(attrs), inputs_(inputs), outputs_(outputs), saved_(saved),
        state_(state), training_(training), seed_(seed) {}

  const AttrMap& attrs() const { return attrs_; }
  double attr_float(const std::string& name) const { return attrs_.at(name).f(); }
  int64_t attr_int(const std::string& name) const { return attrs_.at(name).i(); }
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const Tensor& input(int i) const { return *inputs_[i]; }
  Tensor& output(int i) { return (*outputs_)[i]; }
  // What the backward needs beyond inputs and outputs (Dropout's mask):
  // saved(0), saved(1), ... created (undefined) on first use.
  Tensor& saved(int i = 0) {
    if (static_cast<size_t>(i) >= saved_->size()) saved_->resize(i + 1);
    return (*saved_)[i];
  }
  // The op's state tensors (StateSpec), in schema order, with the shapes
  // and dtype of the call: read in eval mode, updated in place in training.
  int num_state() const { return static_cast<int>(state_.size()); }
  Tensor& state(int i) { return *state_[i]; }
  bool training() const { return training_; }
  // A seed drawn for this call from the global generator (see apply.h).
  uint64_t seed() const { return seed_; }
  // What a backend kernel keeps from this call for its backward (a bf16
  // copy of an input, a oneDNN workspace): any object, owned by the tape
  // node (graph/kernel.h). Reference kernels use saved() instead.
  void set_kernel_data(std::shared_ptr<void> data) { kernel_data_ = std::move(data); }
  std::shared_ptr<void>& kernel_data() { return kernel_data_; }

 private:
  const AttrMap& attrs_;
  const std::vector<const Tensor*>& inputs_;
  std::vector<Tensor>* outputs_;
  std::deque<Tensor>* saved_;  // a deque: saved(1) keeps saved(0)'s reference valid
  const std::vector<Tensor*>& state_;
  bool training_;
  uint64_t seed_;
  std::shared_ptr<void> kernel_data_;
};

class BackwardContext {
 public:
  BackwardContext(const AttrMap& attrs, const std::vector<Tensor>& inputs,
                  const std::vector<Tensor>& outputs,
                  const std::vector<Tensor>& grad_outputs, const std::deque<Tensor>& saved,
                  std::vector<Tensor>* grad_inputs, uint64_t accumulate_mask = 0,
                  bool training = false)
      : attrs_(attrs), inputs_(inputs), outputs_(outputs),
        grad_outputs_(grad_outputs), saved_(saved), grad_inputs_(grad_inputs),
        accumulate_mask_(accumulate_mask), training_(training) {}

  const AttrMap& attrs() const { return attrs_; }
  double attr_float(const std::string& name) const { return attrs_.at(name).f(); }
  int64_t attr_int(const std::string& name) const { return attrs_.at(name).i(); }
  // Inputs then parameters, as in ForwardContext.
  int num_inputs() const { return static_cast<int>(inputs_.size()); }
  const Tensor& input(int i) const { return inputs_[i]; }
  const Tensor& output(int i) const { return outputs_[i]; }
  const Tensor& grad_output(int i) const { return grad_outputs_[i]; }
  // What the forward saved; undefined for an index it did not use.
  const Tensor& saved(int i = 0) const {
    static const Tensor kNone;
    return static_cast<size_t>(i) < saved_.size() ? saved_[i] : kNone;
  }
  int num_saved() const { return static_cast<int>(saved_.size()); }
  // The mode the forward ran in.
  bool training() const { return training_; }
  // Whether input i needs a gradient; kernels skip work for those that don't
  // (the first layer's data input).
  bool needs_grad(int i) const { return (*grad_inputs_)[i].defined(); }
  Tensor& grad_input(int i) { return (*grad_inputs_)[i]; }
  // Whether grad_input(i) already holds a gradient to add to rather than
  // overwrite. Only ever true for ops that declare AccumulatesGradients().
  bool accumulates(int i) const { return (accumulate_mask_ >> i) & 1; }
  // What this call's forward kept with ForwardContext::set_kernel_data.
  template <typename T>
  T* kernel_data() const { return static_cast<T*>(kernel_data_.get()); }
  void set_kernel_data(std::shared_ptr<void> data) { kernel_data_ = std::move(data); }

 private:
  const AttrMap& attrs_;
  const std::vector<Tensor>& inputs_;
  const std::vector<Tensor>& outputs_;
  const std::vector<Tensor>& grad_outputs_;
  const std::deque<Tensor>& saved_;
  std::vector<Tensor>* grad_inputs_;
  uint64_t accumulate_mask_;
  bool training_;
  std::shared_ptr<void> kernel_data_;
};

}  // namespace nabla

#endif  // NABLA_GRAPH_OP_SCHEMA_H_

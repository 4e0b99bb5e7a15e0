#include "graph/apply.h"

#include "graph/init.h"
#include "graph/parallel.h"
#include "graph/profile.h"
#include "graph/registry.h"

namespace nabla {
namespace {

std::string Where(const OpCall& call) {
  return call.where().empty() ? "op " + call.op().name()
                              : "node '" + call.where() + "' (" + call.op().name() + ")";
}

GeneratorState generator_state;

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

OpCall::OpCall(const std::string& op_name, AttrMap attrs, std::string where)
    : OpCall(OpRegistry::Global().Get(op_name), std::move(attrs), std::move(where)) {}

OpCall::OpCall(const OpSchema& op, AttrMap attrs, std::string where)
    : op_(&op), where_(std::move(where)) {
  internal::InitThreadsOnce();
  op.CheckAttrsOrThrow(where_.empty() ? "op" : "node '" + where_ + "'", &attrs);
  attrs_ = std::make_shared<const AttrMap>(std::move(attrs));
}

std::vector<Tensor> OpCall::InitialState(DType dtype) const {
  std::vector<Tensor> out;
  Rng rng(0);
  for (const StateSpec& spec : op_->states()) {
    Tensor t(DType::kFloat32, spec.shape(*attrs_));
    Initialize(spec.init(*attrs_), &t, &rng);
    out.push_back(dtype == DType::kFloat32 ? std::move(t) : t.To(dtype));
  }
  return out;
}

std::vector<Variable> OpCall::Apply(const std::vector<Variable>& inputs,
                                    const std::vector<Tensor*>& state_in) const {
  const OpSchema& op = *op_;
  const size_t num_params = op.params().size();
  const size_t num_values = inputs.size() >= num_params ? inputs.size() - num_params : 0;
  if (inputs.size() < num_params || !op.AcceptsInputCount(num_values)) {
    NABLA_THROW(kInvalidArgument) << Where(*this) << ": expected "
                                  << op.inputs().size() + num_params
                                  << (op.variadic() ? " or more" : "")
                                  << " inputs and parameters, found " << inputs.size();
  }
  std::vector<const Tensor*> values(inputs.size());
  std::vector<Shape> shapes(inputs.size());
  DType dtype = DType::kFloat32;
  bool have_dtype = false, any_requires_grad = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined()) {
      NABLA_THROW(kInvalidArgument) << Where(*this) << ": input " << i << " is undefined";
    }
    const Tensor& v = inputs[i].value();
    bool is_int = i < num_values && op.input_spec(i).is_int;
    if (is_int != (v.dtype() == DType::kInt32)) {
      NABLA_THROW(kInvalidArgument)
          << Where(*this) << ": input " << i << " ("
          << (i < num_values ? op.input_spec(i).name : op.params()[i - num_values].name)
          << ") must be " << (is_int ? "int32" : "floating") << ", found "
          << DTypeName(v.dtype());
    }
    if (!is_int) {
      if (have_dtype && v.dtype() != dtype) {
        NABLA_THROW(kInvalidArgument) << Where(*this) << ": input " << i << " is "
                                      << DTypeName(v.dtype()) << ", earlier inputs are "
                                      << DTypeName(dtype);
      }
      dtype = v.dtype();
      have_dtype = true;
      any_requires_grad |= inputs[i].requires_grad();
    }
    values[i] = &v;
    shapes[i] = v.shape();
  }

  std::vector<Shape> out_shapes;
  try {
    out_shapes = op.shape_fn()(shapes, *attrs_);
  } catch (const Error& e) {
    throw Error(e.code(), Where(*this) + ": " + e.what());
  }
  std::vector<Tensor> outputs;
  outputs.reserve(out_shapes.size());
  for (Shape& s : out_shapes) outputs.emplace_back(dtype, std::move(s));

  // State: the caller's, checked against the specs, or a fresh one.
  const std::vector<StateSpec>& specs = op.states();
  std::vector<Tensor> fresh_state;
  std::vector<Tensor*> fresh_pointers;
  const std::vector<Tensor*>* state = &state_in;
  if (state_in.empty() && !specs.empty()) {
    fresh_state = InitialState(dtype);
    for (Tensor& t : fresh_state) fresh_pointers.push_back(&t);
    state = &fresh_pointers;
  } else if (state_in.size() != specs.size()) {
    NABLA_THROW(kInvalidArgument) << Where(*this) << ": expected " << specs.size()
                                  << " state tensors, found " << state_in.size();
  } else {
    for (size_t i = 0; i < specs.size(); ++i) {
      const Tensor* t = state_in[i];
      const Shape expected = specs[i].shape(*attrs_);
      if (t == nullptr || !t->defined() || t->dtype() != dtype || t->shape() != expected) {
        NABLA_THROW(kInvalidArgument)
            << Where(*this) << ": state '" << specs[i].name << "' must be " << DTypeName(dtype)
            << " " << expected.ToString() << ", found "
            << (t == nullptr || !t->defined()
                    ? std::string("nothing")
                    : std::string(DTypeName(t->dtype())) + " " + t->shape().ToString());
      }
    }
  }

  bool record = any_requires_grad && GradEnabled();
  std::deque<Tensor> saved;
  uint64_t seed = NextSeed();
  const SelectedKernel& kernel = KernelFor(dtype);
  const bool training = TrainingMode();
  ForwardContext ctx(*attrs_, values, &outputs, &saved, *state, training, seed);
  try {
    internal::ProfileTimer timer(op.name().c_str(), "forward",
                                 [&] { return internal::ShapesOf(values); });
    kernel.kernel->Forward(ctx);
  } catch (const Error& e) {
    throw Error(e.code(), Where(*this) + ": " + e.what());
  }

  if (CheckNumerics()) {
    for (size_t k = 0; k < outputs.size(); ++k) {
      if (!outputs[k].AllFinite()) {
        NABLA_THROW(kDiverged) << Where(*this) << ": output " << k
                               << " is not finite (NaN or Inf) - the first op to go "
                                  "non-finite in this forward pass";
      }
    }
  }

  std::shared_ptr<Node> node;
  if (record) {
    node = std::make_shared<Node>();
    node->op = op_;
    node->kernel = kernel.kernel;
    node->kernel_data = std::move(ctx.kernel_data());
    node->attrs = attrs_;
    node->where = where_;
    node->inputs.reserve(inputs.size());
    node->input_values.reserve(inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
      node->inputs.push_back(inputs[i].impl());
      node->input_values.push_back(inputs[i].value());
    }
    node->outputs = outputs;
    node->saved = std::move(saved);
    node->training = training;
  }
  std::vector<Variable> results;
  results.reserve(outputs.size());
  for (size_t k = 0; k < outputs.size(); ++k) {
    auto impl = std::make_shared<VariableImpl>();
    impl->value = std::move(outputs[k]);
    impl->requires_grad = record;
    impl->grad_fn = node;
    impl->output_index = static_cast<int>(k);
    results.emplace_back(std::move(impl));
  }
  return results;
}

const SelectedKernel& OpCall::KernelFor(DType dtype) const {
  const ExecutionOptions& options = GetExecutionOptions();
  for (const CachedKernel& cached : *kernels_) {
    if (cached.dtype == dtype && cached.backend == options.backend &&
        cached.precision == options.precision) {
      return cached.selected;
    }
  }
  SelectedKernel selected;
  try {
    selected = SelectKernel(*op_, *attrs_, dtype);
  } catch (const Error& e) {
    throw Error(e.code(), Where(*this) + ": " + e.what());
  }
  kernels_->push_back({dtype, options.backend, options.precision, std::move(selected)});
  return kernels_->back().selected;
}

Variable Apply(const std::string& op_name, const std::vector<Variable>& inputs,
               AttrMap attrs) {
  return OpCall(op_name, std::move(attrs)).Apply1(inputs);
}

void ManualSeed(uint64_t seed) { generator_state = {seed, 0}; }
uint64_t NextSeed() {
  return SplitMix64(generator_state.seed ^ SplitMix64(generator_state.counter++));
}
GeneratorState GetGeneratorState() { return generator_state; }
void SetGeneratorState(const GeneratorState& state) { generator_state = state; }

}  // namespace nabla

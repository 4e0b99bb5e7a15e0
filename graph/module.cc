#include "graph/module.h"

#include "graph/init.h"

namespace nabla {

std::vector<NamedParameter> Module::NamedParameters() const {
  std::vector<NamedParameter> out = params_;
  for (const auto& [child_name, child] : children_) {
    for (NamedParameter p : child->NamedParameters()) {
      p.name = child_name + "." + p.name;
      out.push_back(std::move(p));
    }
  }
  return out;
}

std::vector<NamedBuffer> Module::NamedBuffers() const {
  std::vector<NamedBuffer> out = buffers_;
  for (const auto& [child_name, child] : children_) {
    for (NamedBuffer b : child->NamedBuffers()) {
      b.name = child_name + "." + b.name;
      out.push_back(std::move(b));
    }
  }
  return out;
}

std::vector<Variable> Module::Parameters() const {
  std::vector<Variable> out;
  for (NamedParameter& p : NamedParameters()) out.push_back(std::move(p.variable));
  return out;
}

int64_t Module::NumParameters() const {
  int64_t n = 0;
  for (const NamedParameter& p : NamedParameters()) n += p.variable.value().size();
  return n;
}

void Module::ZeroGrad() {
  for (NamedParameter& p : NamedParameters()) p.variable.ZeroGrad();
}

void Module::Train(bool on) {
  training_ = on;
  for (auto& child : children_) child.second->Train(on);
}

std::string Module::ToString() const {
  std::string out;
  AppendLayout("", &out);
  return out;
}

void Module::AppendLayout(const std::string& indent, std::string* out) const {
  *out += type_name_;
  std::string extra = ExtraRepr();
  if (!extra.empty()) *out += " " + extra;
  *out += "\n";
  for (const auto& [name, child] : children_) {
    *out += indent + "  (" + name + "): ";
    child->AppendLayout(indent + "  ", out);
  }
}

void Module::RegisterParameter(std::string name, Variable variable, bool weight_decay) {
  variable.set_name(name);
  params_.push_back({std::move(name), std::move(variable), weight_decay});
}

void Module::RegisterBuffer(std::string name, Variable variable) {
  variable.set_name(name);
  buffers_.push_back({std::move(name), std::move(variable)});
}

OpLayer::OpLayer(const std::string& op_name, AttrMap attrs, std::string where)
    : OpLayer(op_name, std::move(attrs), std::move(where), NextSeed()) {}

OpLayer::OpLayer(const std::string& op_name, AttrMap attrs, std::string where,
                 uint64_t seed)
    : Module(op_name), call_(op_name, std::move(attrs), std::move(where)), seed_(seed) {
  InitParameters();
}

void OpLayer::InitParameters() {
  Rng rng(seed_);
  for (const ParamSpec& spec : call_.op().params()) {
    Tensor value(DType::kFloat32, spec.shape(call_.attrs()));
    Initialize(spec.init(call_.attrs()), &value, &rng);
    Variable param(std::move(value), /*requires_grad=*/true);
    param_list_.push_back(param);
    RegisterParameter(spec.name, param, spec.weight_decay);
  }
  std::vector<Tensor> state = call_.InitialState(DType::kFloat32);
  for (size_t i = 0; i < state.size(); ++i) {
    Variable buffer(std::move(state[i]), /*requires_grad=*/false);
    state_list_.push_back(buffer);
    RegisterBuffer(call_.op().states()[i].name, buffer);
  }
}

Variable OpLayer::Forward(const Variable& input) {
  return Forward(std::vector<Variable>{input});
}

Variable OpLayer::Forward(const std::vector<Variable>& inputs) {
  TrainingModeGuard mode(training());
  std::vector<Tensor*> state;
  for (Variable& buffer : state_list_) state.push_back(&buffer.mutable_value());
  if (param_list_.empty()) return call_.Apply1(inputs, state);
  std::vector<Variable> all = inputs;
  all.insert(all.end(), param_list_.begin(), param_list_.end());
  return call_.Apply1(all, state);
}

const Variable& OpLayer::state(const std::string& name) const {
  const auto& specs = call_.op().states();
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].name == name) return state_list_[i];
  }
  NABLA_THROW(kNotFound) << call_.op().name() << " has no state '" << name << "'";
}

const Variable& OpLayer::parameter(const std::string& name) const {
  const auto& specs = call_.op().params();
  for (size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].name == name) return param_list_[i];
  }
  NABLA_THROW(kNotFound) << call_.op().name() << " has no parameter '" << name << "'";
}

std::string OpLayer::ExtraRepr() const {
  const OpSchema& op = call_.op();
  if (op.repr()) return op.repr()(call_.attrs());
  if (call_.attrs().empty()) return "";
  return "(" + AttrMapToString(call_.attrs()) + ")";
}

Sequential& Sequential::Add(std::shared_ptr<Module> module, std::string name) {
  if (name.empty()) name = std::to_string(size());
  RegisterModule(std::move(name), std::move(module));
  return *this;
}

Variable Sequential::Forward(const Variable& input) {
  Variable x = input;
  for (const auto& child : children()) x = child.second->Forward(x);
  return x;
}

}  // namespace nabla

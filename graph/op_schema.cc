#include "graph/op_schema.h"

#include <cmath>
#include <set>
#include <sstream>

namespace nabla {

std::string InitSpec::ToString() const {
  std::ostringstream s;
  switch (kind) {
    case kZeros: return "zeros";
    case kConstant: s << "constant(" << a << ")"; break;
    case kUniform: s << "uniform(" << a << ", " << b << ")"; break;
    case kNormal: s << "normal(mean=" << a << ", std=" << b << ")"; break;
    case kXavierUniform: s << "xavier_uniform(gain=" << a << ")"; break;
    case kXavierNormal: s << "xavier_normal(gain=" << a << ")"; break;
    case kKaimingUniform: s << "kaiming_uniform(a=" << a << ")"; break;
    case kKaimingNormal: s << "kaiming_normal(a=" << a << ")"; break;
  }
  return s.str();
}

OpSchema& OpSchema::Doc(std::string doc) {
  doc_ = std::move(doc);
  return *this;
}

OpSchema& OpSchema::Input(std::string name) {
  input_after_variadic_ |= variadic_;
  inputs_.push_back({std::move(name), false});
  return *this;
}

OpSchema& OpSchema::IntInput(std::string name) {
  input_after_variadic_ |= variadic_;
  inputs_.push_back({std::move(name), true});
  return *this;
}

OpSchema& OpSchema::VariadicInput(std::string name) {
  input_after_variadic_ |= variadic_;
  inputs_.push_back({std::move(name), false});
  variadic_ = true;
  return *this;
}

OpSchema& OpSchema::Output(std::string name) {
  outputs_.push_back(std::move(name));
  return *this;
}

OpSchema& OpSchema::Attr(std::string name, AttrType type,
                         std::optional<AttrValue> default_value,
                         std::string doc) {
  attrs_.push_back({std::move(name), type, std::move(default_value),
                    std::move(doc), nullptr, ""});
  return *this;
}

OpSchema& OpSchema::Constraint(std::string doc,
                               std::function<std::string(const AttrValue&)> check) {
  NABLA_CHECK(!attrs_.empty()) << name_ << ": Constraint() before Attr()";
  attrs_.back().constraint = std::move(check);
  attrs_.back().constraint_doc = std::move(doc);
  return *this;
}

OpSchema& OpSchema::Param(ParamSpec spec) {
  params_.push_back(std::move(spec));
  return *this;
}

OpSchema& OpSchema::State(StateSpec spec) {
  states_.push_back(std::move(spec));
  return *this;
}

OpSchema& OpSchema::Shapes(ShapeFn fn) {
  shape_fn_ = std::move(fn);
  return *this;
}

OpSchema& OpSchema::Sample(GradSample sample) {
  samples_.push_back(std::move(sample));
  return *this;
}

OpSchema& OpSchema::Repr(std::function<std::string(const AttrMap&)> fn) {
  repr_ = std::move(fn);
  return *this;
}

OpSchema& OpSchema::AccumulatesGradients() {
  accumulates_gradients_ = true;
  return *this;
}

OpSchema& OpSchema::BackwardInPlace() {
  backward_in_place_ = true;
  return *this;
}

const AttrSpec* OpSchema::FindAttr(const std::string& name) const {
  for (const AttrSpec& a : attrs_) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

ForwardFn OpSchema::forward(DType dtype) const {
  return dtype == DType::kFloat64 ? forward_f64_ : forward_f32_;
}

BackwardFn OpSchema::backward(DType dtype) const {
  return dtype == DType::kFloat64 ? backward_f64_ : backward_f32_;
}

std::vector<std::string> OpSchema::Validate() const {
  std::vector<std::string> problems;
  if (name_.empty()) problems.push_back("op name is empty");
  if (outputs_.empty()) problems.push_back("declares no outputs");
  if (!shape_fn_) problems.push_back("has no shape function");
  if (!forward_f32_ || !forward_f64_) problems.push_back("has no forward kernel");
  if (!backward_f32_ || !backward_f64_) problems.push_back("has no backward kernel");
  if (input_after_variadic_) problems.push_back("declares an input after its variadic input");
  std::set<std::string> names;
  for (const InputSpec& in : inputs_) {
    if (!names.insert(in.name).second) problems.push_back("duplicate input '" + in.name + "'");
  }
  for (const ParamSpec& p : params_) {
    if (!names.insert(p.name).second) problems.push_back("duplicate parameter '" + p.name + "'");
    if (!p.shape || !p.init) problems.push_back("parameter '" + p.name + "' lacks a shape or initializer");
  }
  for (const StateSpec& st : states_) {
    if (st.name.empty() || st.name.find_first_of("./") != std::string::npos) {
      problems.push_back("state '" + st.name + "' must be a non-empty name without '.' or '/'");
    }
    if (!names.insert(st.name).second) problems.push_back("duplicate state or parameter '" + st.name + "'");
    if (!st.shape || !st.init) problems.push_back("state '" + st.name + "' lacks a shape or initializer");
  }
  std::set<std::string> attr_names;
  for (const AttrSpec& a : attrs_) {
    if (!attr_names.insert(a.name).second) problems.push_back("duplicate attribute '" + a.name + "'");
    if (a.default_value) {
      if (a.default_value->type() != a.type) {
        problems.push_back("attribute '" + a.name + "' default is " +
                           AttrTypeName(a.default_value->type()) + ", declared " +
                           AttrTypeName(a.type));
      } else if (a.constraint) {
        std::string why = a.constraint(*a.default_value);
        if (!why.empty()) problems.push_back("attribute '" + a.name + "' default breaks its constraint: " + why);
      }
    }
  }
  if (samples_.empty()) problems.push_back("declares no gradient-check samples");
  for (const GradSample& s : samples_) {
    if (!AcceptsInputCount(s.input_shapes.size())) {
      problems.push_back("a gradient-check sample gives " + std::to_string(s.input_shapes.size()) +
                         " input shapes for " + std::to_string(inputs_.size()) +
                         (variadic_ ? " or more" : "") + " inputs");
    }
  }
  return problems;
}

std::vector<AttrProblem> OpSchema::FindAttrProblems(AttrMap* attrs) const {
  std::vector<AttrProblem> problems;
  for (const auto& [name, value] : *attrs) {
    const AttrSpec* spec = FindAttr(name);
    if (spec == nullptr) {
      std::string known;
      for (const AttrSpec& a : attrs_) known += (known.empty() ? "" : ", ") + a.name;
      problems.push_back({AttrProblem::kUnknown, name,
                          "unknown attribute '" + name + "' for op " + name_ +
                              " (it has: " + (known.empty() ? "none" : known) + ")"});
      continue;
    }
    AttrType found = value.type();
    // An integer literal is a fine float ("slope: 1").
    if (spec->type == AttrType::kFloat && found == AttrType::kInt) {
      (*attrs)[name] = AttrValue(static_cast<double>(value.i()));
      found = AttrType::kFloat;
    }
    if (found != spec->type) {
      problems.push_back({AttrProblem::kMistyped, name,
                          "attribute '" + name + "': expected " + AttrTypeName(spec->type) +
                              ", found " + AttrTypeName(found) + " " + value.ToString()});
      continue;
    }
    if (spec->constraint) {
      std::string why = spec->constraint(attrs->at(name));
      if (!why.empty()) {
        problems.push_back({AttrProblem::kConstraint, name,
                            "attribute '" + name + "': expected " + why + ", found " +
                                attrs->at(name).ToString()});
      }
    }
  }
  for (const AttrSpec& a : attrs_) {
    if (attrs->count(a.name)) continue;
    if (a.default_value) {
      (*attrs)[a.name] = *a.default_value;
    } else {
      problems.push_back({AttrProblem::kMissing, a.name,
                          "missing required attribute '" + a.name + "' (" + AttrTypeName(a.type) +
                              ": " + a.doc + ")"});
    }
  }
  return problems;
}

std::vector<std::string> OpSchema::CheckAttrs(AttrMap* attrs) const {
  std::vector<std::string> messages;
  for (AttrProblem& p : FindAttrProblems(attrs)) messages.push_back(std::move(p.message));
  return messages;
}

void OpSchema::CheckAttrsOrThrow(const std::string& where, AttrMap* attrs) const {
  std::vector<std::string> problems = CheckAttrs(attrs);
  if (problems.empty()) return;
  std::string message;
  for (const std::string& p : problems) {
    message += (message.empty() ? "" : "\n") + where + " (" + name_ + "): " + p;
  }
  throw Error(ErrorCode::kInvalidArgument, message);
}

std::vector<Shape> ElementwiseShape(const std::vector<Shape>& in, const AttrMap&) {
  return {in[0]};
}

std::vector<Shape> RowwiseShape(const std::vector<Shape>& in, const AttrMap&) {
  if (in[0].rank() != 2) {
    NABLA_THROW(kInvalidArgument) << "input must be [batch, classes], found " << in[0].ToString();
  }
  return {in[0]};
}

std::function<std::string(const AttrValue&)> Finite() {
  return [](const AttrValue& v) -> std::string {
    return std::isfinite(v.f()) ? "" : "a finite number";
  };
}

std::function<std::string(const AttrValue&)> Positive() {
  return [](const AttrValue& v) -> std::string {
    double x = v.type() == AttrType::kInt ? v.i() : v.f();
    return x > 0 ? "" : "a value > 0";
  };
}

std::function<std::string(const AttrValue&)> InRange(double lo, double hi) {
  return [lo, hi](const AttrValue& v) -> std::string {
    double x = v.type() == AttrType::kInt ? v.i() : v.f();
    if (x >= lo && x <= hi) return "";
    std::ostringstream s;
    s << "a value in [" << lo << ", " << hi << "]";
    return s.str();
  };
}

std::function<std::string(const AttrValue&)> OneOf(std::vector<std::string> values) {
  return [values](const AttrValue& v) -> std::string {
    std::string all;
    for (const std::string& x : values) {
      if (x == v.s()) return "";
      all += (all.empty() ? "" : ", ") + ("\"" + x + "\"");
    }
    return "one of " + all;
  };
}

}  // namespace nabla

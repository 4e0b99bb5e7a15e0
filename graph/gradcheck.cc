#include "graph/gradcheck.h"

#include <cmath>
#include <exception>
#include <sstream>

#include "graph/apply.h"
#include "graph/init.h"
#include "graph/variable.h"

namespace nabla {
namespace {

constexpr double kStep = 1e-6;
constexpr double kTolerance = kGradCheckTolerance;

double DrawAwayFromKinks(const GradSample& sample, Rng* rng) {
  for (;;) {
    double v = rng->Uniform(sample.low, sample.high);
    bool near_kink = false;
    for (double k : sample.kinks) near_kink |= std::abs(v - k) < sample.kink_margin;
    if (!near_kink) return v;
  }
}

// The op's state for one check: a snapshot, restored before every
// evaluation so each sees the same state whatever the last one updated.
struct StateSnapshot {
  std::vector<Tensor> snapshot, live;
  std::vector<Tensor*> pointers;
  const std::vector<Tensor*>& Restore() {
    for (size_t i = 0; i < live.size(); ++i) live[i].CopyFrom(snapshot[i]);
    return pointers;
  }
};

// sum(weights * op(inputs)) for every output, with the same random seed
// every time so random ops (Dropout) draw the same mask.
double Objective(const OpCall& call, const std::vector<Variable>& inputs,
                 const std::vector<Tensor>& weights, StateSnapshot* state) {
  NoGradGuard no_grad;
  ManualSeed(1234);
  std::vector<Variable> outputs = call.Apply(inputs, state->Restore());
  double total = 0;
  for (size_t k = 0; k < outputs.size(); ++k) {
    total += (outputs[k].value().array<double>() * weights[k].array<double>()).sum();
  }
  return total;
}

void CheckAllSamples(const OpSchema& op, GradCheckResult* result) {
  std::vector<std::string>& problems = result->problems;
  Rng rng(42);
  // Ops with state are checked in both modes: training (statistics from
  // the batch) and eval (from the state).
  const std::vector<bool> modes =
      op.states().empty() ? std::vector<bool>{true} : std::vector<bool>{true, false};
  for (bool mode : modes)
  for (size_t s = 0; s < op.samples().size(); ++s) {
    TrainingModeGuard training(mode);
    const GradSample& sample = op.samples()[s];
    OpCall call(op, sample.attrs, op.name() + " sample " + std::to_string(s));
    const std::string label = op.name() + " sample " + std::to_string(s) +
                              (op.states().empty() ? "" : mode ? " (training)" : " (eval)");
    std::vector<Variable> inputs;
    std::vector<std::string> names;
    for (size_t i = 0; i < sample.input_shapes.size(); ++i) {
      const Shape& shape = sample.input_shapes[i];
      names.push_back(op.input_spec(i).name);
      if (op.input_spec(i).is_int) {
        Tensor t(DType::kInt32, shape);
        for (int64_t k = 0; k < t.size(); ++k) {
          t.data<int32_t>()[k] = static_cast<int32_t>(rng.NextU64() % sample.int_high);
        }
        inputs.emplace_back(t, false);
        continue;
      }
      Tensor t(DType::kFloat64, shape);
      for (int64_t k = 0; k < t.size(); ++k) t.data<double>()[k] = DrawAwayFromKinks(sample, &rng);
      inputs.emplace_back(t, true);
    }
    for (const ParamSpec& p : op.params()) {
      Tensor t(DType::kFloat64, p.shape(call.attrs()));
      for (int64_t k = 0; k < t.size(); ++k) t.data<double>()[k] = rng.Uniform(-1, 1);
      inputs.emplace_back(t, true);
      names.push_back(p.name);
    }
    // One entry per input that takes a gradient; entry[i] indexes them.
    std::vector<int64_t> entry(inputs.size(), -1);
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i].requires_grad()) continue;
      GradCheckEntry e;
      e.sample = static_cast<int64_t>(s);
      e.mode = op.states().empty() ? "" : mode ? "training" : "eval";
      e.index = static_cast<int64_t>(i);
      e.name = names[i];
      e.is_param = i >= sample.input_shapes.size();
      e.elements = inputs[i].value().size();
      entry[i] = static_cast<int64_t>(result->entries.size());
      result->entries.push_back(e);
    }

    // State: the spec's initial values, then one training-mode forward on
    // these inputs, so that eval mode reads statistics that are not the
    // trivial initial ones.
    StateSnapshot state;
    state.live = call.InitialState(DType::kFloat64);
    for (Tensor& t : state.live) state.pointers.push_back(&t);
    if (!state.live.empty()) {
      NoGradGuard no_grad;
      TrainingModeGuard warm_up(true);
      ManualSeed(1234);
      call.Apply(inputs, state.pointers);
    }
    for (const Tensor& t : state.live) state.snapshot.push_back(t.Clone());

    // Analytic gradients of sum(weights * outputs).
    ManualSeed(1234);
    std::vector<Variable> outputs = call.Apply(inputs, state.Restore());
    std::vector<Tensor> weights;
    for (const Variable& out : outputs) {
      Tensor w(DType::kFloat64, out.shape());
      for (int64_t k = 0; k < w.size(); ++k) w.data<double>()[k] = rng.Uniform(-1, 1);
      weights.push_back(w);
    }
    for (size_t k = 0; k < outputs.size(); ++k) {
      outputs[k].Backward(weights[k], /*retain_graph=*/k + 1 < outputs.size());
    }

    // The same backward into gradients that already hold values must add to
    // them: through the kernel itself for ops that declare
    // AccumulatesGradients(), through the engine for the rest.
    {
      std::vector<Tensor> fresh, prior;
      for (Variable& input : inputs) {
        fresh.push_back(input.grad());
        if (!input.requires_grad() || !input.grad().defined()) {
          prior.emplace_back();
          continue;
        }
        Tensor p(DType::kFloat64, input.shape());
        for (int64_t k = 0; k < p.size(); ++k) p.data<double>()[k] = rng.Uniform(-1, 1);
        prior.push_back(p);
        input.mutable_grad() = p.Clone();
      }
      ManualSeed(1234);
      std::vector<Variable> again = call.Apply(inputs, state.Restore());
      for (size_t k = 0; k < again.size(); ++k) {
        again[k].Backward(weights[k], /*retain_graph=*/k + 1 < again.size());
      }
      for (size_t i = 0; i < inputs.size(); ++i) {
        if (!prior[i].defined()) continue;
        const Tensor& sum = inputs[i].grad();
        for (int64_t k = 0; k < sum.size(); ++k) {
          const double expected = prior[i].at(k) + fresh[i].at(k);
          if (std::abs(sum.at(k) - expected) > 1e-12 * std::max(1.0, std::abs(expected))) {
            std::ostringstream line;
            line << label << " input " << i << " (" << names[i] << ") ["
                 << k << "]: accumulated gradient " << sum.at(k) << ", expected prior "
                 << prior[i].at(k) << " + " << fresh[i].at(k);
            problems.push_back(line.str());
            result->entries[entry[i]].accumulates = false;
            result->entries[entry[i]].pass = false;
          }
        }
        inputs[i].mutable_grad() = fresh[i];
      }
    }

    for (size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i].requires_grad()) continue;
      Tensor& value = inputs[i].mutable_value();
      const Tensor& grad = inputs[i].grad();
      for (int64_t k = 0; k < value.size(); ++k) {
        double* x = value.data<double>() + k;
        const double saved = *x;
        *x = saved + kStep;
        double plus = Objective(call, inputs, weights, &state);
        *x = saved - kStep;
        double minus = Objective(call, inputs, weights, &state);
        *x = saved;
        double numeric = (plus - minus) / (2 * kStep);
        double analytic = grad.defined() ? grad.at(k) : 0.0;
        GradCheckEntry& e = result->entries[entry[i]];
        // Written so that a NaN error fails and stays the worst.
        const double error = std::abs(numeric - analytic) / std::max(1.0, std::abs(numeric));
        const bool worse = std::isnan(error) ? !std::isnan(e.max_error)
                                             : (k == 0 || error > e.max_error);
        if (worse) {
          e.max_error = error;
          e.worst = k;
          e.analytic = analytic;
          e.numeric = numeric;
        }
        if (!(error <= kTolerance)) {
          e.pass = false;
          std::ostringstream line;
          line << label << " input " << i << " (" << names[i] << ") ["
               << k << "]: analytic " << analytic << ", numeric " << numeric;
          problems.push_back(line.str());
        }
      }
    }
  }
}

}  // namespace

GradCheckResult RunGradCheck(const OpSchema& op) {
  GradCheckResult result;
  result.op = op.name();
  if (op.samples().empty()) {
    result.problems.push_back(op.name() + ": declares no gradient-check samples, so nothing "
                              "checks its backward (add one with OpSchema::Sample)");
    return result;
  }
  // A kernel or shape function that throws on its own sample fails the
  // check rather than ending the caller (nabla gradcheck goes on to the
  // next op).
  try {
    CheckAllSamples(op, &result);
  } catch (const std::exception& e) {
    result.problems.push_back(op.name() + ": threw while checking its samples: " + e.what());
  }
  return result;
}

std::vector<std::string> CheckGradients(const OpSchema& op) { return RunGradCheck(op).problems; }

}  // namespace nabla

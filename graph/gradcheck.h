// The registry-driven gradient check: every registered op, built-in or from
// a plugin, is finite-difference checked in double precision against its
// backward, for every floating input and parameter, on the samples its
// schema declares.
#ifndef NABLA_GRAPH_GRADCHECK_H_
#define NABLA_GRAPH_GRADCHECK_H_

#include <string>
#include <vector>

#include "graph/op_schema.h"

namespace nabla {

// The check at one sample of one op, for one floating input or parameter.
// Error at element k: |numeric - analytic| / max(1, |numeric|), numeric the
// central difference (step 1e-6) of sum(weights * outputs); it passes when
// below kGradCheckTolerance at every element and the backward also adds to
// gradients that already hold values (AccumulatesGradients()).
constexpr double kGradCheckTolerance = 1e-5;
struct GradCheckEntry {
  int64_t sample = 0;
  // Ops with state are checked in both modes: "training" or "eval"; "" for
  // the rest.
  std::string mode;
  int64_t index = 0;      // input index; parameters follow the inputs
  std::string name;       // "x", "slope"
  bool is_param = false;
  int64_t elements = 0;
  double max_error = 0;   // largest error over the elements
  int64_t worst = 0;      // its element
  double analytic = 0, numeric = 0;  // at that element
  bool accumulates = true;  // backward into a non-empty gradient adds to it
  bool pass = true;
};

// One op's check. `problems` holds one line per mismatch ("PReLU sample 1
// input 1 (slope) [0]: analytic 0.3, numeric 0.31"), and also an op with
// no samples or a sample that threw ("Foo sample 0: threw: ...").
struct GradCheckResult {
  std::string op;
  std::vector<GradCheckEntry> entries;
  std::vector<std::string> problems;
  bool passed() const { return problems.empty(); }
};

GradCheckResult RunGradCheck(const OpSchema& op);

// RunGradCheck(op).problems: empty when backward agrees everywhere.
std::vector<std::string> CheckGradients(const OpSchema& op);

}  // namespace nabla

#endif  // NABLA_GRAPH_GRADCHECK_H_

// Private to graph/model.cc and graph/model_check.cc: what validation
// learns about a graph file, which GraphModel's constructor builds from.
#ifndef NABLA_GRAPH_MODEL_CHECK_INTERNAL_H_
#define NABLA_GRAPH_MODEL_CHECK_INTERNAL_H_

#include <optional>
#include <string>
#include <vector>

#include "graph/model.h"
#include "graph/op_schema.h"

namespace nabla {
namespace model_internal {

// What validation learns about each node; GraphModel builds from it.
struct CheckedNode {
  const OpSchema* op = nullptr;
  AttrMap attrs;               // completed with defaults
  std::optional<Shape> shape;  // none when a problem stopped inference
};

struct CheckedModel {
  std::vector<GraphInputSpec> inputs;
  std::vector<CheckedNode> nodes;
  std::vector<GraphProblem> problems;
};

// Validates `loaded`, collecting every problem (see ValidateModelDef).
CheckedModel CheckModel(const LoadedModelDef& loaded);

// Throws GraphError(kInvalidFile) with one line per problem.
[[noreturn]] void ThrowProblems(std::vector<GraphProblem> problems);

}  // namespace model_internal
}  // namespace nabla

#endif  // NABLA_GRAPH_MODEL_CHECK_INTERNAL_H_

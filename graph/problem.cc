#include "graph/problem.h"

#include <utility>

namespace nabla {

const char* ProblemKindName(ProblemKind kind) {
  switch (kind) {
    case ProblemKind::kParse: return "parse";
    case ProblemKind::kFormatVersion: return "format_version";
    case ProblemKind::kModel: return "model";
    case ProblemKind::kEncoding: return "encoding";
    case ProblemKind::kName: return "name";
    case ProblemKind::kDuplicateName: return "duplicate_name";
    case ProblemKind::kMissingOp: return "missing_op";
    case ProblemKind::kUnknownOp: return "unknown_op";
    case ProblemKind::kUnknownAttribute: return "unknown_attribute";
    case ProblemKind::kBadAttribute: return "bad_attribute";
    case ProblemKind::kMissingAttribute: return "missing_attribute";
    case ProblemKind::kDuplicateAttribute: return "duplicate_attribute";
    case ProblemKind::kInputCount: return "input_count";
    case ProblemKind::kUnknownInput: return "unknown_input";
    case ProblemKind::kInputOrder: return "input_order";
    case ProblemKind::kCycle: return "cycle";
    case ProblemKind::kDtype: return "dtype";
    case ProblemKind::kShape: return "shape";
    case ProblemKind::kOutput: return "output";
    case ProblemKind::kLoss: return "loss";
    case ProblemKind::kOverride: return "override";
  }
  return "unknown";
}

std::string FormatProblem(const GraphProblem& problem) {
  if (problem.file.empty()) return problem.message;
  if (!problem.text_file) return problem.file + ": " + problem.message;
  // Every line of a text file's message carries a location editors can
  // jump to, the top of the file when nothing closer is known.
  SourceLocation at = problem.at.known() ? problem.at : SourceLocation{1, 1};
  return problem.file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": " +
         problem.message;
}

std::string FormatProblems(const std::vector<GraphProblem>& problems) {
  std::string out;
  for (size_t i = 0; i < problems.size(); ++i) {
    out += (i == 0 ? "" : "\n") + FormatProblem(problems[i]);
  }
  return out;
}

GraphError::GraphError(ErrorCode code, std::vector<GraphProblem> problems)
    : Error(code, FormatProblems(problems)), problems_(std::move(problems)) {}

}  // namespace nabla

// GraphProblem: one thing wrong with a graph file (or with a --set override
// of it), as data: what kind of mistake, where in the file, which node,
// attribute and input it is about, and the human message.
//
// The parser (graph/model_text.h), the validator (ValidateModelDef in
// graph/model.h) and ApplyOverrides produce them; FormatProblem turns one
// into the line users read:
//
//   model.pbtxt:17:3: node 'fc2' input 0: unknown input 'fc9' (close names: fc1)
//
// and GraphError carries the list, so callers that want the fields (the
// CLI's `nabla check --json`, tests) need not parse them out of the text.
#ifndef NABLA_GRAPH_PROBLEM_H_
#define NABLA_GRAPH_PROBLEM_H_

#include <string>
#include <vector>

#include "graph/error.h"

namespace nabla {

// 1-based; line 0 means "not known" (binary files, fields not in the text).
struct SourceLocation {
  int line = 0;
  int column = 0;
  bool known() const { return line > 0; }
};

// The classes of mistake; ProblemKindName gives each its stable name
// ("unknown_input"), used by `nabla check --json`.
enum class ProblemKind {
  kParse,               // syntax error, unknown field, not a graph file
  kFormatVersion,       // format_version missing, newer or invalid
  kModel,               // no nodes; no outputs and no loss
  kEncoding,            // a name or string that is not valid UTF-8
  kName,                // a node or graph input without a usable name
  kDuplicateName,       // a node or graph input name used twice
  kMissingOp,           // a node without op
  kUnknownOp,           // an op the registry does not know
  kUnknownAttribute,    // an attribute the op does not have
  kBadAttribute,        // no value, wrong type, or outside its constraint
  kMissingAttribute,    // a required attribute not given
  kDuplicateAttribute,  // an attribute given twice in one node
  kInputCount,          // too few or too many inputs for the op
  kUnknownInput,        // an input naming nothing
  kInputOrder,          // an input naming a later node (no cycle)
  kCycle,               // a node that depends on itself
  kDtype,               // int32 where float32 is expected or the reverse
  kShape,               // bad declared shapes, inferred shape mismatches
  kOutput,              // an output that is no node, or listed twice
  kLoss,                // a loss that is no node, or not a scalar
  kOverride,            // a --set NODE.ATTR=VALUE the file cannot take
};

const char* ProblemKindName(ProblemKind kind);

struct GraphProblem {
  ProblemKind kind = ProblemKind::kParse;
  std::string file;        // as the caller named it; "" for none (--set)
  bool text_file = false;  // the line names LINE:COL (1:1 when not known)
  SourceLocation at;       // where known
  int node_index = -1;     // -1: not about a node
  std::string node;        // its name ("" for a nameless node)
  std::string attribute;   // "" when not about an attribute
  // A node's input (with node_index >= 0: the name it refers to and its
  // slot), or a graph input (node_index -1: its name and position).
  int input_index = -1;  // -1: not about an input
  std::string input;
  std::string message;  // what the line says after the location

  bool has_node() const { return node_index >= 0; }
  bool has_input() const { return input_index >= 0; }
};

// The line users read: "FILE:LINE:COL: MESSAGE" for text files, "FILE:
// MESSAGE" for binary ones, "MESSAGE" when no file.
std::string FormatProblem(const GraphProblem& problem);
// One line per problem, in order.
std::string FormatProblems(const std::vector<GraphProblem>& problems);

// An Error whose message is FormatProblems(problems()): what the graph-file
// reader, validator and ApplyOverrides throw. Catch it as nabla::Error for
// the text, as GraphError for the fields.
class GraphError : public Error {
 public:
  GraphError(ErrorCode code, std::vector<GraphProblem> problems);
  const std::vector<GraphProblem>& problems() const { return problems_; }

 private:
  std::vector<GraphProblem> problems_;
};

}  // namespace nabla

#endif  // NABLA_GRAPH_PROBLEM_H_

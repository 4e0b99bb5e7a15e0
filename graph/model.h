// GraphModel: a network read from a graph file (proto/model.proto), checked
// against the op registry before anything runs, and executed through the
// same OpLayer objects the C++ API builds.
//
//   auto model = GraphModel::Load("examples/mnist/mlp_leaky.pbtxt",
//                                 {"act1.slope=0.2"});
//   auto out = model->Run({{"image", images}, {"label", labels}});
//   out.at("loss").Backward();
//
// Validation reports every problem of a file at once: one
// GraphError(kInvalidFile) (graph/problem.h) carrying each problem's kind,
// location, node, attribute and input, and whose message has one line per
// problem, each "FILE:LINE:COL: " (text) or "FILE: " (binary), then the
// node, then what was expected and found.
//
// Each node becomes one OpLayer child named by the node, created in node
// order, so parameters are "fc1.weight", ... and after ManualSeed(s) their
// initial values equal those of a C++ Module that creates the same layers in
// the same order under the same names.
//
// A node's value is its op's first output (as with OpLayer::Forward).
//
// Its fingerprint (what checkpoints and data-parallel ranks identify it by)
// is the Module's: nabla::FingerprintOf in train/fingerprint.h, one entry
// per node.
//
// Thread safety: as for any Module; Run() builds a new tape per call.
#ifndef NABLA_GRAPH_MODEL_H_
#define NABLA_GRAPH_MODEL_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "graph/model_text.h"
#include "graph/module.h"
#include "graph/problem.h"
#include "proto/model.pb.h"

namespace nabla {

// The newest graph-file format this reader understands.
constexpr int kModelFormatVersion = 1;

// A value the caller feeds each batch.
struct GraphInputSpec {
  std::string name;
  Shape shape;  // kUnknownDim marks the free batch dimension
  DType dtype;  // kFloat32, or kInt32 for class labels
};

// Checks a parsed file against the registry: format version, names, ops,
// attributes, inputs and their order, dtypes, inferred shapes, outputs and
// loss. Returns every problem, the parser's first (empty when valid);
// FormatProblem gives each one's line.
std::vector<GraphProblem> ValidateModelDef(const LoadedModelDef& loaded);

// Applies "NODE.ATTR=VALUE" overrides to the definition, parsing VALUE as
// the type the op's schema declares for ATTR. Throws
// GraphError(kInvalidArgument) listing every malformed override, unknown
// node or unknown attribute (kind kOverride, no file, with the node and
// attribute where the override names them); the valid ones are applied.
void ApplyOverrides(const std::vector<std::string>& overrides, LoadedModelDef* loaded);

// Reads `in_path` (text or binary), validates it, and writes it in the
// format `out_path`'s extension names (.pb binary, else text), atomically.
void ConvertModelFile(const std::string& in_path, const std::string& out_path);

class GraphModel : public Module {
 public:
  // Reads, applies overrides, validates and builds. Throws kNotFound for a
  // missing file, a GraphError: kInvalidArgument for bad overrides,
  // kInvalidFile listing every problem of the file.
  static std::shared_ptr<GraphModel> Load(const std::string& path,
                                          const std::vector<std::string>& overrides = {});

  // Validates (throwing as Load does) and creates one layer per node,
  // drawing each layer's initialisation seed from the global generator.
  explicit GraphModel(const LoadedModelDef& loaded);

  // Runs every node whose inputs are available, in file order, and returns
  // each declared output and, when its inputs were fed, the loss, keyed by
  // node name. Feeds are checked against the input specs (name, dtype,
  // shape). Throws kInvalidArgument when a declared output cannot be
  // computed from the feeds, naming the missing inputs.
  std::map<std::string, Variable> Run(const std::map<std::string, Variable>& feeds);

  // Feeds the first graph input and returns the first output.
  Variable Forward(const Variable& input) override;

  const proto::ModelDef& def() const { return def_; }
  const std::vector<GraphInputSpec>& input_specs() const { return inputs_; }
  const std::vector<std::string>& output_names() const { return outputs_; }
  const std::string& loss_name() const { return def_.loss(); }
  // Throws kNotFound for a name that is not a node.
  std::shared_ptr<OpLayer> layer(const std::string& node_name) const;
  // The output shape inferred at load time ([?, 1000]).
  const Shape& node_shape(const std::string& node_name) const;

  // The layout: nodes under "(network): Sequential" when each reads the one
  // before it, else under "(network): Graph" with each node's inputs
  // ("<- conv1, skip"); the loss last; each node with its
  // inferred output shape and parameter count; then the total.
  std::string Describe() const;

  // The definition as loaded (overrides applied), written atomically.
  void SaveText(const std::string& path) const;
  void SaveBinary(const std::string& path) const;

 private:
  int NodeIndex(const std::string& name) const;  // -1 if not a node
  // Graph inputs that `node` needs and `available` lacks.
  std::vector<std::string> MissingInputs(const std::string& node,
                                         const std::map<std::string, Variable>& available) const;
  void CheckFeed(const std::string& name, const Variable& value) const;

  proto::ModelDef def_;
  std::vector<GraphInputSpec> inputs_;
  std::vector<std::string> outputs_;
  std::vector<std::shared_ptr<OpLayer>> layers_;  // in node order
  std::vector<Shape> shapes_;                     // inferred, in node order
  std::map<std::string, int> node_index_;
};

}  // namespace nabla

#endif  // NABLA_GRAPH_MODEL_H_

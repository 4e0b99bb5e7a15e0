// The ONNX op tables: how each nabla op becomes ONNX nodes (export) and
// each ONNX op becomes nabla nodes (import). One entry per op, registered
// by the file of its family (onnx/ops/activation.cc, ...), next to its
// inverse, so supporting a new op is one NABLA_ONNX_EXPORT and one
// NABLA_ONNX_IMPORT in one file and nothing else:
//
//   NABLA_ONNX_EXPORT("Tanh", [](ExportContext& ctx) {
//     ctx.AddNode("Tanh", {ctx.input(0)});
//   });
//   NABLA_ONNX_IMPORT("Tanh", [](ImportContext& ctx) {
//     ctx.Emit("Tanh", {ctx.Value(0)});
//   });
//
// An entry reports what it cannot translate with ctx.Unsupported(...), which
// names the node; the exporter and importer collect every such problem of a
// model and report them all at once. Import entries read attributes through
// the context, which lists every attribute an entry did not read as
// unsupported, so an entry cannot silently ignore one.
//
// Thread safety: entries register during static initialisation; lookups
// afterwards are read-only.
#ifndef NABLA_ONNX_OP_TABLE_H_
#define NABLA_ONNX_OP_TABLE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "graph/attr.h"
#include "graph/shape.h"
#include "graph/tensor.h"

namespace onnx {
class NodeProto;
}  // namespace onnx

namespace nabla::onnx_io {

// Opsets: export writes kExportOpset; import reads [kMinImportOpset,
// kExportOpset] (onnx 1.12, Debian 12's, knows up to 17).
constexpr int64_t kExportOpset = 17;
constexpr int64_t kMinImportOpset = 11;
// ONNX IR version 8 goes with opset 17.
constexpr int64_t kExportIrVersion = 8;

// ---- Export -------------------------------------------------------------

class ExportContext {
 public:
  virtual ~ExportContext() = default;
  virtual const std::string& node_name() const = 0;
  // The node's attributes completed with the schema's defaults.
  virtual const AttrMap& attrs() const = 0;
  virtual int num_inputs() const = 0;
  // ONNX value name of input i, and its shape (kUnknownDim for the batch).
  virtual const std::string& input(int i) const = 0;
  virtual const Shape& input_shape(int i) const = 0;
  // A trained parameter of the node ("weight").
  virtual const Tensor& param(const std::string& name) const = 0;
  // A state tensor of the node (BatchNorm's "running_mean").
  virtual const Tensor& state(const std::string& name) const = 0;
  // Adds an initializer "<node>.<suffix>" and returns its name.
  virtual std::string AddFloatInitializer(const std::string& suffix,
                                          const std::vector<int64_t>& dims,
                                          const Tensor& values) = 0;
  virtual std::string AddInt64Initializer(const std::string& suffix,
                                          const std::vector<int64_t>& dims,
                                          const std::vector<int64_t>& values) = 0;
  // Adds an ONNX node. Its output is `output`, or the nabla node's name
  // (the value later nodes read) when empty.
  virtual ::onnx::NodeProto* AddNode(const std::string& op_type,
                                     const std::vector<std::string>& inputs,
                                     const std::string& output = "") = 0;
  virtual void Unsupported(const std::string& what) = 0;
};

// Attribute setters for the nodes AddNode returns.
void SetAttr(::onnx::NodeProto* node, const std::string& name, int64_t value);
void SetAttr(::onnx::NodeProto* node, const std::string& name, float value);
void SetAttr(::onnx::NodeProto* node, const std::string& name, const std::vector<int64_t>& value);
void SetAttr(::onnx::NodeProto* node, const std::string& name, const std::string& value);

using ExportFn = std::function<void(ExportContext&)>;

// ---- Import -------------------------------------------------------------

// A constant: an initializer or a Constant node's value, decoded.
struct Constant {
  std::vector<int64_t> dims;
  bool is_float = true;
  std::vector<float> floats;  // is_float
  std::vector<int64_t> ints;  // !is_float (int64, int32)
  int64_t size() const { return is_float ? floats.size() : ints.size(); }
};

class ImportContext {
 public:
  virtual ~ImportContext() = default;
  virtual const ::onnx::NodeProto& node() const = 0;
  virtual int64_t opset() const = 0;
  // Inputs the node was given (an empty name is an omitted optional input).
  virtual int num_inputs() const = 0;
  virtual bool has_input(int i) const = 0;
  virtual bool IsConstant(int i) const = 0;
  // Input i as a value the nabla graph computes (an input or a node); a
  // constant there is reported as unsupported and "" returned.
  virtual std::string Value(int i) = 0;
  // Its nabla shape (kUnknownDim for the batch); empty when unknown.
  virtual Shape ValueShape(int i) const = 0;
  // Input i as a constant; reports it as unsupported (what: "the weight")
  // and returns nullptr when it is not one.
  virtual const Constant* Const(int i, const std::string& what) = 0;

  // Attributes; each one read is handled, the rest are listed as
  // unsupported after the entry returns.
  virtual bool HasAttr(const std::string& name) = 0;
  virtual int64_t AttrInt(const std::string& name, int64_t default_value) = 0;
  virtual float AttrFloat(const std::string& name, float default_value) = 0;
  virtual std::vector<int64_t> AttrInts(const std::string& name,
                                        const std::vector<int64_t>& default_value) = 0;
  virtual std::string AttrString(const std::string& name, const std::string& default_value) = 0;
  // The node's own value for a Constant node (attribute "value" etc.).
  virtual std::optional<Constant> AttrConstant(const std::string& name) = 0;

  // Emits a nabla node computing the ONNX node's output `output` and
  // returns its name. `params` are the node's parameters and state tensors
  // (by schema name) in the shapes the schema declares.
  virtual std::string Emit(const std::string& op, const std::vector<std::string>& inputs,
                           const AttrMap& attrs = {},
                           const std::map<std::string, Constant>& params = {}, int output = 0) = 0;
  // Output `output` is `value` itself (Identity, eval-mode Dropout).
  virtual void Alias(int output, const std::string& value) = 0;
  // Output `output` is a constant (Constant nodes).
  virtual void SetConstant(int output, Constant value) = 0;
  // The nabla node `name` emitted earlier, when it is only read by this
  // node, for an entry that folds this node into it (Add into a Linear's
  // bias). nullptr otherwise.
  virtual std::map<std::string, Constant>* FoldableParams(const std::string& name,
                                                          std::string* op) = 0;
  virtual void Unsupported(const std::string& what) = 0;
};

using ImportFn = std::function<void(ImportContext&)>;

// ---- Tables -------------------------------------------------------------

// Nabla op name -> exporter; ONNX op type (default domain) -> importer.
const ExportFn* FindExporter(const std::string& nabla_op);
const ImportFn* FindImporter(const std::string& onnx_op);
std::vector<std::string> ExportableOps();  // sorted
std::vector<std::string> ImportableOps();  // sorted

struct OnnxOpRegistrar {
  OnnxOpRegistrar(bool is_export, const char* name, ExportFn export_fn, ImportFn import_fn,
                  const char* file, int line);
};

}  // namespace nabla::onnx_io

#define NABLA_ONNX_CONCAT_INNER(a, b) a##b
#define NABLA_ONNX_CONCAT(a, b) NABLA_ONNX_CONCAT_INNER(a, b)
// Registers the exporter of nabla op NAME.
#define NABLA_ONNX_EXPORT(NAME, ...)                                                        \
  static ::nabla::onnx_io::OnnxOpRegistrar NABLA_ONNX_CONCAT(nabla_onnx_export_, __LINE__)( \
      true, NAME, __VA_ARGS__, nullptr, __FILE__, __LINE__)
// Registers the importer of ONNX op type NAME.
#define NABLA_ONNX_IMPORT(NAME, ...)                                                        \
  static ::nabla::onnx_io::OnnxOpRegistrar NABLA_ONNX_CONCAT(nabla_onnx_import_, __LINE__)( \
      false, NAME, nullptr, __VA_ARGS__, __FILE__, __LINE__)

#endif  // NABLA_ONNX_OP_TABLE_H_

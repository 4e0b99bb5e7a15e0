#include "onnx/op_table.h"

#include <cstdio>
#include <cstdlib>

#include "onnx/onnx_pb.h"

namespace nabla::onnx_io {
namespace {

template <typename Fn>
struct Table {
  std::map<std::string, Fn> fns;
  std::map<std::string, std::string> where;  // "file:line", for duplicates
};

template <typename Fn>
Table<Fn>& TableOf() {
  static auto* table = new Table<Fn>();
  return *table;
}

template <typename Fn>
void Add(const char* kind, const char* name, Fn fn, const char* file, int line) {
  Table<Fn>& table = TableOf<Fn>();
  const std::string at = std::string(file) + ":" + std::to_string(line);
  if (!table.fns.emplace(name, std::move(fn)).second) {
    // Two entries for one op is a bug in this package, found at start-up.
    std::fprintf(stderr, "nabla: ONNX %s entry for '%s' registered twice: %s and %s\n", kind, name,
                 table.where[name].c_str(), at.c_str());
    std::abort();
  }
  table.where[name] = at;
}

template <typename Fn>
std::vector<std::string> NamesOf() {
  std::vector<std::string> names;
  for (const auto& [name, fn] : TableOf<Fn>().fns) names.push_back(name);
  return names;
}

template <typename Fn>
const Fn* FindIn(const std::string& name) {
  const auto& fns = TableOf<Fn>().fns;
  auto it = fns.find(name);
  return it == fns.end() ? nullptr : &it->second;
}

::onnx::AttributeProto* NewAttr(::onnx::NodeProto* node, const std::string& name,
                                ::onnx::AttributeProto::AttributeType type) {
  ::onnx::AttributeProto* attr = node->add_attribute();
  attr->set_name(name);
  attr->set_type(type);
  return attr;
}

}  // namespace

void SetAttr(::onnx::NodeProto* node, const std::string& name, int64_t value) {
  NewAttr(node, name, ::onnx::AttributeProto::INT)->set_i(value);
}

void SetAttr(::onnx::NodeProto* node, const std::string& name, float value) {
  NewAttr(node, name, ::onnx::AttributeProto::FLOAT)->set_f(value);
}

void SetAttr(::onnx::NodeProto* node, const std::string& name, const std::vector<int64_t>& value) {
  auto* attr = NewAttr(node, name, ::onnx::AttributeProto::INTS);
  for (int64_t v : value) attr->add_ints(v);
}

const ExportFn* FindExporter(const std::string& nabla_op) { return FindIn<ExportFn>(nabla_op); }
const ImportFn* FindImporter(const std::string& onnx_op) { return FindIn<ImportFn>(onnx_op); }
std::vector<std::string> ExportableOps() { return NamesOf<ExportFn>(); }
std::vector<std::string> ImportableOps() { return NamesOf<ImportFn>(); }

OnnxOpRegistrar::OnnxOpRegistrar(bool is_export, const char* name, ExportFn export_fn,
                                 ImportFn import_fn, const char* file, int line) {
  if (is_export) {
    Add("export", name, std::move(export_fn), file, line);
  } else {
    Add("import", name, std::move(import_fn), file, line);
  }
}

}  // namespace nabla::onnx_io

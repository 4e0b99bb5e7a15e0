#include "graph/model_text.h"

#include "graph/atomic_file.h"
#include "graph/strings.h"

#include <fcntl.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "graph/error.h"

namespace nabla {
namespace {

namespace pb = google::protobuf;
using ParseInfoTree = pb::TextFormat::ParseInfoTree;

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Graph files hold no weights: the largest real one is a few kilobytes.
constexpr size_t kMaxGraphFileBytes = size_t{64} << 20;

std::string ReadFileOrThrow(const std::string& path) {
  return ReadFileBounded(path, kMaxGraphFileBytes, "a graph file");
}

// Text files hold printable characters; anything else (NUL, most control
// bytes) means the content was meant to be binary.
bool LooksBinary(const std::string& content) {
  for (unsigned char c : content) {
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') return true;
  }
  return false;
}

class ErrorCollector : public pb::io::ErrorCollector {
 public:
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    // Only the first error matters: the parser stops there, later ones
    // are consequences.
    if (!has_error_) {
      line_ = line + 1;
      column_ = column + 1;
      message_ = message;
      has_error_ = true;
    }
  }
  bool has_error() const { return has_error_; }
  SourceLocation at() const { return {line_, column_}; }
  const std::string& message() const { return message_; }

 private:
  bool has_error_ = false;
  int line_ = 0, column_ = 0;
  std::string message_;
};

SourceLocation Loc(const ParseInfoTree* tree, const pb::FieldDescriptor* field, int index) {
  if (tree == nullptr) return {};
  pb::TextFormat::ParseLocation at = tree->GetLocation(field, index);
  if (at.line < 0) return {};
  return {at.line + 1, at.column + 1};
}

// The parser records one location per `field:` token, so the values of a
// list (`inputs: ["fc1", "label"]`) share the location of their list.
std::vector<SourceLocation> Locs(const ParseInfoTree* tree, const pb::FieldDescriptor* field,
                                 int count) {
  std::vector<SourceLocation> out;
  SourceLocation last;
  for (int i = 0; i < count; ++i) {
    SourceLocation at = Loc(tree, field, i);
    if (at.known()) last = at;
    out.push_back(last);
  }
  return out;
}

std::string LineCol(SourceLocation at) {
  return std::to_string(at.line) + ":" + std::to_string(at.column);
}

// Map entries are read through reflection, in the order the parser added
// them, because that is the order the ParseInfoTree indexes them by.
void MapAttrs(int index, const ParseInfoTree* tree, LoadedModelDef* loaded,
              ModelSourceMap::Node* out) {
  const proto::NodeDef& node = loaded->def.nodes(index);
  const pb::FieldDescriptor* attrs = node.GetDescriptor()->FindFieldByName("attrs");
  const pb::Reflection* reflection = node.GetReflection();
  for (int i = 0; i < reflection->FieldSize(node, attrs); ++i) {
    const pb::Message& entry = reflection->GetRepeatedMessage(node, attrs, i);
    const pb::FieldDescriptor* key = entry.GetDescriptor()->FindFieldByName("key");
    std::string name = entry.GetReflection()->GetString(entry, key);
    SourceLocation at = Loc(tree, attrs, i);
    auto [it, inserted] = out->attrs.emplace(name, at);
    if (!inserted) {
      // Protobuf keeps the last value silently; a graph file that says two
      // things about one attribute is a mistake worth reporting.
      GraphProblem problem =
          loaded->source.Problem(ProblemKind::kDuplicateAttribute, at,
                                 "node '" + node.name() + "': attribute '" + name +
                                     "' is given twice (first at " + LineCol(it->second) + ")");
      problem.node_index = index;
      problem.node = node.name();
      problem.attribute = name;
      loaded->problems.push_back(std::move(problem));
    }
  }
}

void BuildSourceMap(const ParseInfoTree& tree, LoadedModelDef* loaded) {
  const proto::ModelDef& def = loaded->def;
  const pb::Descriptor* model = proto::ModelDef::descriptor();
  const pb::Descriptor* node = proto::NodeDef::descriptor();
  ModelSourceMap& source = loaded->source;
  source.format_version = Loc(&tree, model->FindFieldByName("format_version"), -1);
  source.loss = Loc(&tree, model->FindFieldByName("loss"), -1);
  source.inputs = Locs(&tree, model->FindFieldByName("inputs"), def.inputs_size());
  source.outputs = Locs(&tree, model->FindFieldByName("outputs"), def.outputs_size());
  const pb::FieldDescriptor* nodes = model->FindFieldByName("nodes");
  for (int i = 0; i < def.nodes_size(); ++i) {
    const ParseInfoTree* sub = tree.GetTreeForNested(nodes, i);
    ModelSourceMap::Node n;
    n.node = Loc(&tree, nodes, i);
    n.name = Loc(sub, node->FindFieldByName("name"), -1);
    n.op = Loc(sub, node->FindFieldByName("op"), -1);
    n.inputs = Locs(sub, node->FindFieldByName("inputs"), def.nodes(i).inputs_size());
    MapAttrs(i, sub, loaded, &n);
    source.nodes.push_back(std::move(n));
  }
}

// A binary parse "succeeds" on many byte strings by keeping what it does
// not understand as unknown fields; a real ModelDef has none.
bool HasUnknownFields(const pb::Message& message) {
  const pb::Reflection* reflection = message.GetReflection();
  if (!reflection->GetUnknownFields(message).empty()) return true;
  std::vector<const pb::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const pb::FieldDescriptor* f : fields) {
    if (f->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (f->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, f); ++i) {
        if (HasUnknownFields(reflection->GetRepeatedMessage(message, f, i))) return true;
      }
    } else if (HasUnknownFields(reflection->GetMessage(message, f))) {
      return true;
    }
  }
  return false;
}

bool ParseBinary(const std::string& content, const std::string& path, LoadedModelDef* out) {
  out->def.Clear();
  if (!out->def.ParseFromString(content) || HasUnknownFields(out->def)) return false;
  out->source = ModelSourceMap();
  out->source.path = path;
  out->source.is_text = false;
  return true;
}

// Returns false with the located syntax error in *error.
bool TryParseText(const std::string& text, const std::string& path, LoadedModelDef* out,
                  GraphProblem* error) {
  *out = LoadedModelDef();
  out->source.path = path;
  out->source.is_text = true;
  ErrorCollector errors;
  ParseInfoTree tree;
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&tree);
  if (!parser.ParseFromString(text, &out->def)) {
    *error = out->source.Problem(
        ProblemKind::kParse, errors.at(),
        errors.has_error() ? "syntax error: " + errors.message() : "syntax error");
    return false;
  }
  BuildSourceMap(tree, out);
  return true;
}

// A file that is neither format: one problem with no location.
[[noreturn]] void ThrowNotAGraphFile(const std::string& path, const std::string& why) {
  GraphProblem problem;
  problem.file = path;
  problem.message = "not a graph file: " + why;
  throw GraphError(ErrorCode::kInvalidFile, {problem});
}

std::vector<std::string> SplitList(std::string text) {
  auto trim = [](std::string s) {
    size_t b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
  };
  text = trim(text);
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    text = trim(text.substr(1, text.size() - 2));
  }
  std::vector<std::string> items;
  if (text.empty()) return items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ',')) items.push_back(trim(item));
  return items;
}

// Decimal only: strtod also takes hex floats ("0x10" is 16), "inf" and
// "nan", none of which a graph file's text form would write.
bool ParseDouble(const std::string& s, double* out) {
  if (s.empty() || s.find_first_not_of("0123456789+-.eE") != std::string::npos) return false;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (errno == ERANGE || *end != '\0') return false;
  *out = v;
  return true;
}

[[noreturn]] void ThrowBadValue(const std::string& text, AttrType type) {
  NABLA_THROW(kInvalidArgument) << "expected " << AttrTypeName(type) << ", found '" << text << "'";
}

}  // namespace

GraphProblem ModelSourceMap::Problem(ProblemKind kind, SourceLocation at,
                                     std::string message) const {
  GraphProblem problem;
  problem.kind = kind;
  problem.file = path;
  problem.text_file = is_text;
  problem.at = at;
  problem.message = std::move(message);
  return problem;
}

SourceLocation ModelSourceMap::NodeAt(int i) const {
  if (i < 0 || i >= static_cast<int>(nodes.size())) return {};
  return nodes[i].node.known() ? nodes[i].node : nodes[i].name;
}

SourceLocation ModelSourceMap::AttrAt(int i, const std::string& attr) const {
  if (i < 0 || i >= static_cast<int>(nodes.size())) return {};
  auto it = nodes[i].attrs.find(attr);
  return it != nodes[i].attrs.end() && it->second.known() ? it->second : NodeAt(i);
}

SourceLocation ModelSourceMap::InputAt(int i, int input) const {
  if (i < 0 || i >= static_cast<int>(nodes.size())) return {};
  const std::vector<SourceLocation>& inputs = nodes[i].inputs;
  if (input >= 0 && input < static_cast<int>(inputs.size()) && inputs[input].known()) {
    return inputs[input];
  }
  return NodeAt(i);
}

GraphFormat FormatForPath(const std::string& path) {
  return EndsWith(path, ".pb") ? GraphFormat::kBinary : GraphFormat::kText;
}

LoadedModelDef ParseModelDefText(const std::string& text, const std::string& path) {
  LoadedModelDef loaded;
  GraphProblem error;
  if (!TryParseText(text, path, &loaded, &error)) {
    throw GraphError(ErrorCode::kInvalidFile, {error});
  }
  return loaded;
}

LoadedModelDef ReadModelDef(const std::string& path) {
  std::string content = ReadFileOrThrow(path);
  LoadedModelDef loaded;
  GraphProblem text_error;
  if (FormatForPath(path) == GraphFormat::kBinary) {
    if (ParseBinary(content, path, &loaded)) return loaded;
    if (TryParseText(content, path, &loaded, &text_error)) return loaded;
    ThrowNotAGraphFile(path, "not a binary ModelDef, and as text: " + FormatProblem(text_error));
  }
  if (TryParseText(content, path, &loaded, &text_error)) return loaded;
  if (LooksBinary(content)) {
    if (ParseBinary(content, path, &loaded)) return loaded;
    ThrowNotAGraphFile(
        path, "neither protobuf text (" + FormatProblem(text_error) + ") nor a binary ModelDef");
  }
  throw GraphError(ErrorCode::kInvalidFile, {text_error});
}

std::string ModelDefToText(const proto::ModelDef& def) {
  std::string text;
  pb::TextFormat::Printer printer;
  NABLA_CHECK(printer.PrintToString(def, &text)) << "printing a ModelDef failed";
  return text;
}

std::string ModelDefToBinary(const proto::ModelDef& def) {
  // Map entries are otherwise serialised in hash order, which would make
  // the bytes of equal models differ.
  std::string bytes;
  {
    pb::io::StringOutputStream stream(&bytes);
    pb::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    NABLA_CHECK(def.SerializeToCodedStream(&coded)) << "serialising a ModelDef failed";
  }
  return bytes;
}

void WriteModelDef(const proto::ModelDef& def, const std::string& path, GraphFormat format) {
  WriteFileAtomic(path,
                      format == GraphFormat::kBinary ? ModelDefToBinary(def) : ModelDefToText(def));
}

AttrValue AttrFromProto(const proto::AttrValue& value) {
  switch (value.value_case()) {
    case proto::AttrValue::kI:
      return AttrValue(static_cast<int64_t>(value.i()));
    case proto::AttrValue::kF:
      return AttrValue(value.f());
    case proto::AttrValue::kB:
      return AttrValue(value.b());
    case proto::AttrValue::kS:
      return AttrValue(value.s());
    case proto::AttrValue::kInts:
      return AttrValue(
          std::vector<int64_t>(value.ints().values().begin(), value.ints().values().end()));
    case proto::AttrValue::kFloats:
      return AttrValue(
          std::vector<double>(value.floats().values().begin(), value.floats().values().end()));
    case proto::AttrValue::kShape:
      return AttrValue(
          Shape(std::vector<int64_t>(value.shape().dims().begin(), value.shape().dims().end())));
    case proto::AttrValue::VALUE_NOT_SET:
      break;
  }
  NABLA_THROW(kInvalidFile) << "has no value (set one of i, f, b, s, ints, floats, shape)";
}

proto::AttrValue AttrToProto(const AttrValue& value) {
  proto::AttrValue out;
  switch (value.type()) {
    case AttrType::kInt:
      out.set_i(value.i());
      break;
    case AttrType::kFloat:
      out.set_f(value.f());
      break;
    case AttrType::kBool:
      out.set_b(value.b());
      break;
    case AttrType::kString:
      out.set_s(value.s());
      break;
    case AttrType::kInts:
      for (int64_t v : value.ints()) out.mutable_ints()->add_values(v);
      break;
    case AttrType::kFloats:
      for (double v : value.floats()) out.mutable_floats()->add_values(v);
      break;
    case AttrType::kShape:
      for (int64_t d : value.shape().dims()) out.mutable_shape()->add_dims(d);
      break;
  }
  return out;
}

AttrValue ParseAttrText(const std::string& text, AttrType type) {
  auto fail = [&]() { ThrowBadValue(text, type); };
  int64_t i = 0;
  double f = 0;
  switch (type) {
    case AttrType::kInt:
      if (!ParseInt64(text, &i)) fail();
      return AttrValue(i);
    case AttrType::kFloat:
      if (!ParseDouble(text, &f)) fail();
      return AttrValue(f);
    case AttrType::kBool:
      if (text == "true" || text == "1") return AttrValue(true);
      if (text == "false" || text == "0") return AttrValue(false);
      ThrowBadValue(text, type);
    case AttrType::kString:
      if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
        return AttrValue(text.substr(1, text.size() - 2));
      }
      return AttrValue(text);
    case AttrType::kInts:
    case AttrType::kShape: {
      std::vector<int64_t> values;
      for (const std::string& item : SplitList(text)) {
        if (type == AttrType::kShape && item == "?") {
          values.push_back(kUnknownDim);
        } else if (ParseInt64(item, &i)) {
          values.push_back(i);
        } else {
          fail();
        }
      }
      return type == AttrType::kShape ? AttrValue(Shape(values)) : AttrValue(values);
    }
    case AttrType::kFloats: {
      std::vector<double> values;
      for (const std::string& item : SplitList(text)) {
        if (!ParseDouble(item, &f)) fail();
        values.push_back(f);
      }
      return AttrValue(values);
    }
  }
  ThrowBadValue(text, type);
}

}  // namespace nabla

// Graph files on disk: reading .pbtxt / .pb into a proto::ModelDef together
// with where each part came from, writing them back atomically, and the
// conversion between proto and nabla attribute values.
//
// This layer knows the file format only; it does not look at the op
// registry. Validation against op schemas and building a runnable model
// live in graph/model.h.
//
// Errors: every function throws nabla::Error. A missing file is kNotFound
// naming the path; unreadable content is kInvalidFile; malformed content is
// a GraphError(kInvalidFile) with one kParse problem, located at
// "FILE:LINE:COL: " (text) or "FILE: " (not a graph file).
#ifndef NABLA_GRAPH_MODEL_TEXT_H_
#define NABLA_GRAPH_MODEL_TEXT_H_

#include <map>
#include <string>
#include <vector>

#include "graph/attr.h"
#include "graph/problem.h"
#include "proto/model.pb.h"

namespace nabla {

// Locations of the parts of a ModelDef that validation may complain about,
// indexed like the ModelDef's repeated fields. Empty vectors for binary
// files; At() then yields unknown locations.
struct ModelSourceMap {
  struct Node {
    SourceLocation node;  // the `nodes {` line
    SourceLocation name, op;
    std::vector<SourceLocation> inputs;
    std::map<std::string, SourceLocation> attrs;  // by attribute name
    // Attributes set by Load() overrides, with the override text, so
    // messages about them say where the value came from.
    std::map<std::string, std::string> overridden;
  };

  std::string path;  // as given by the caller, used in every message
  bool is_text = false;
  SourceLocation format_version, loss;
  std::vector<SourceLocation> inputs;  // graph inputs
  std::vector<SourceLocation> outputs;
  std::vector<Node> nodes;

  // A problem of this file at `at` (FormatProblem writes "FILE:LINE:COL: "
  // for text files, "FILE: " for binary ones).
  GraphProblem Problem(ProblemKind kind, SourceLocation at, std::string message) const;
  // Location of node `i` (or of its attribute / input), falling back to the
  // enclosing node when the part was not written in the file.
  SourceLocation NodeAt(int i) const;
  SourceLocation AttrAt(int i, const std::string& attr) const;
  SourceLocation InputAt(int i, int input) const;
};

// A parsed graph file, not yet validated.
struct LoadedModelDef {
  proto::ModelDef def;
  ModelSourceMap source;
  // Problems found while parsing that do not stop it (an attribute given
  // twice in one node). Validation reports them with the rest.
  std::vector<GraphProblem> problems;
};

enum class GraphFormat { kText, kBinary };

// ".pb" -> binary, anything else -> text.
GraphFormat FormatForPath(const std::string& path);

// Reads a graph file. The extension picks the first format tried (binary
// for .pb, text otherwise); content that fails it but is clearly the other
// format still loads. Content that is neither is kInvalidFile naming both
// attempts; a text syntax error names FILE:LINE:COL.
LoadedModelDef ReadModelDef(const std::string& path);
// Parses text-format content; `path` is only used in messages.
LoadedModelDef ParseModelDefText(const std::string& text, const std::string& path);

// Canonical text (fields in declaration order, map keys sorted, floats in
// shortest round-trip form) and deterministic binary bytes, so that
// text -> binary -> text reproduces the text exactly.
std::string ModelDefToText(const proto::ModelDef& def);
std::string ModelDefToBinary(const proto::ModelDef& def);
void WriteModelDef(const proto::ModelDef& def, const std::string& path, GraphFormat format);


// proto <-> nabla attribute values. A proto value with no field of its
// oneof set is kInvalidFile ("has no value").
AttrValue AttrFromProto(const proto::AttrValue& value);
proto::AttrValue AttrToProto(const AttrValue& value);

// Parses an override's value text as `type`: "3", "0.2", "true", "same",
// "[1, 2]" (or "1,2") for lists and shapes ("?" or -1 for the batch dim).
// Throws kInvalidArgument "expected TYPE, found 'TEXT'".
AttrValue ParseAttrText(const std::string& text, AttrType type);

}  // namespace nabla

#endif  // NABLA_GRAPH_MODEL_TEXT_H_

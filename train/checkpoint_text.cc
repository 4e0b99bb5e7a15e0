#include "train/checkpoint_text.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "graph/atomic_file.h"

namespace nabla {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

void AddTensor(const std::string& name, const Tensor& tensor, proto::CheckpointText* text) {
  proto::TensorText* t = text->add_tensors();
  t->set_name(name);
  for (int64_t d : tensor.shape().dims()) t->mutable_shape()->add_dims(d);
  const float* data = tensor.data<float>();
  t->mutable_values()->Add(data, data + tensor.size());
}

class Collector : public google::protobuf::io::ErrorCollector {
 public:
  explicit Collector(std::string source) : source_(std::move(source)) {}
  void AddError(int line, int column, const std::string& message) override {
    errors_ += source_ + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) +
               ": " + message + "\n";
  }
  const std::string& errors() const { return errors_; }

 private:
  std::string source_, errors_;
};

}  // namespace

bool IsCheckpointTextPath(const std::string& path) {
  return EndsWith(path, ".ckpt.txt") || EndsWith(path, ".ckpt.pbtxt");
}

bool IsCheckpointPath(const std::string& path) {
  if (IsCheckpointTextPath(path) || EndsWith(path, ".ckpt")) return true;
  std::ifstream in(path, std::ios::binary);
  char magic[8] = {};
  return in.read(magic, 8) && std::memcmp(magic, kCheckpointMagic, 8) == 0;
}

std::string CheckpointToText(const Checkpoint& checkpoint) {
  proto::CheckpointText text;
  *text.mutable_header() = checkpoint.header;
  for (const auto& [name, tensor] : checkpoint.params) AddTensor(name, tensor, &text);
  for (const auto& [name, buffers] : checkpoint.optimizer.buffers) {
    for (size_t k = 0; k < buffers.size(); ++k) {
      AddTensor(kOptimizerTensorPrefix + name + "/" + std::to_string(k), buffers[k], &text);
    }
  }
  std::string out;
  google::protobuf::TextFormat::PrintToString(text, &out);
  return out;
}

Checkpoint CheckpointFromText(const std::string& text_in, const std::string& source) {
  proto::CheckpointText text;
  google::protobuf::TextFormat::Parser parser;
  Collector errors(source);
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text_in, &text)) {
    NABLA_THROW(kInvalidFile) << source << ": not a text checkpoint:\n" << errors.errors();
  }
  Checkpoint checkpoint;
  checkpoint.header = text.header();
  checkpoint.source = source;
  checkpoint.optimizer.step = text.header().step();
  std::set<std::string> seen;
  const std::string prefix = kOptimizerTensorPrefix;
  for (const proto::TensorText& t : text.tensors()) {
    if (!seen.insert(t.name()).second) {
      NABLA_THROW(kInvalidFile) << source << ": tensor '" << t.name() << "' appears twice";
    }
    std::vector<int64_t> dims(t.shape().dims().begin(), t.shape().dims().end());
    for (int64_t d : dims) {
      if (d < 0 || d > (int64_t{1} << 40)) {
        NABLA_THROW(kInvalidFile) << source << ": tensor '" << t.name() << "' has dimension " << d;
      }
    }
    Shape shape(dims);
    if (shape.num_elements() != t.values_size()) {
      NABLA_THROW(kInvalidFile) << source << ": tensor '" << t.name() << "' has shape "
                                << shape.ToString() << " (" << shape.num_elements()
                                << " values) but lists " << t.values_size();
    }
    Tensor tensor(DType::kFloat32, shape);
    std::copy(t.values().begin(), t.values().end(), tensor.data<float>());
    if (t.name().rfind(prefix, 0) != 0) {
      checkpoint.params.emplace_back(t.name(), std::move(tensor));
      continue;
    }
    // "optimizer/<parameter>/<k>": buffers must come in order k = 0, 1, ...
    const std::string rest = t.name().substr(prefix.size());
    const size_t slash = rest.rfind('/');
    std::vector<Tensor>* buffers =
        slash == std::string::npos ? nullptr : &checkpoint.optimizer.buffers[rest.substr(0, slash)];
    if (buffers == nullptr || rest.substr(slash + 1) != std::to_string(buffers->size())) {
      NABLA_THROW(kInvalidFile) << source << ": optimiser tensor '" << t.name()
                                << "' is not named optimizer/<parameter>/<k> in order";
    }
    buffers->push_back(std::move(tensor));
  }
  return checkpoint;
}

Checkpoint ReadCheckpointFile(const std::string& path) {
  if (!IsCheckpointTextPath(path)) return ReadCheckpoint(path);
  // protobuf's text parser takes at most 2 GiB; a text checkpoint is about
  // 12 bytes per value.
  constexpr size_t kMaxTextCheckpointBytes = size_t{1} << 30;
  std::string contents = ReadFileBounded(path, kMaxTextCheckpointBytes, "a text checkpoint");
  if (contents.empty()) NABLA_THROW(kInvalidFile) << path << ": empty file, not a text checkpoint";
  Checkpoint checkpoint = CheckpointFromText(contents, path);
  checkpoint.source = path;
  return checkpoint;
}

void WriteCheckpointFile(const std::string& path, const Checkpoint& checkpoint) {
  if (IsCheckpointTextPath(path)) {
    WriteFileAtomic(path, CheckpointToText(checkpoint));
  } else {
    SaveCheckpoint(path, checkpoint);
  }
}

void ConvertCheckpointFile(const std::string& in, const std::string& out) {
  WriteCheckpointFile(out, ReadCheckpointFile(in));
}

}  // namespace nabla

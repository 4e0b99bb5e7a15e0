// SaveCheckpoint: writes the layout documented in checkpoint.h.
#include <google/protobuf/io/coded_stream.h>

#include <boost/crc.hpp>
#include <set>

#include "graph/atomic_file.h"
#include "train/checkpoint.h"
#include "train/checkpoint_format.h"

namespace nabla {
namespace {

using checkpoint_internal::Crc32;
using checkpoint_internal::kMagicBytes;
using checkpoint_internal::kMaxMessageBytes;
using checkpoint_internal::OptimizerTensorName;
using checkpoint_internal::StartsWith;

std::string EncodeFixed32(uint32_t value) {
  std::string bytes(4, '\0');
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>(value >> (8 * i));
  return bytes;
}

std::string EncodeVarint32(uint32_t value) {
  uint8_t buffer[5];
  uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(value, buffer);
  return std::string(reinterpret_cast<char*>(buffer), end - buffer);
}

// ---------------------------------------------------------------------------
// Saving.

// The tensors to save in file order, after checking that each can be saved,
// so that a bad Checkpoint fails before any file is created.
std::vector<std::pair<std::string, const Tensor*>> TensorsToSave(const std::string& path,
                                                                 const Checkpoint& checkpoint) {
  std::vector<std::pair<std::string, const Tensor*>> tensors;
  std::set<std::string> names;
  const std::string where = "cannot save checkpoint '" + path + "': ";
  auto add = [&](const std::string& name, const Tensor& tensor) {
    if (name.empty()) NABLA_THROW(kInvalidArgument) << where << "a tensor has an empty name";
    if (!names.insert(name).second) {
      NABLA_THROW(kInvalidArgument) << where << "duplicate tensor name '" << name << "'";
    }
    if (!tensor.defined()) {
      NABLA_THROW(kInvalidArgument) << where << "tensor '" << name << "' is undefined";
    }
    if (tensor.dtype() != DType::kFloat32) {
      NABLA_THROW(kInvalidArgument) << where << "tensor '" << name << "' is "
                                    << DTypeName(tensor.dtype()) << "; checkpoints hold float32";
    }
    tensors.emplace_back(name, &tensor);
  };
  for (const auto& [name, tensor] : checkpoint.params) {
    if (StartsWith(name, kOptimizerTensorPrefix)) {
      NABLA_THROW(kInvalidArgument)
          << where << "parameter '" << name << "' uses the reserved prefix '"
          << kOptimizerTensorPrefix << "'";
    }
    add(name, tensor);
  }
  const OptimizerState& optimizer = checkpoint.optimizer;
  bool has_optimizer = optimizer.step != 0 || !optimizer.buffers.empty();
  if (has_optimizer && optimizer.step != checkpoint.header.step()) {
    NABLA_THROW(kInvalidArgument) << where << "optimiser step " << optimizer.step
                                  << " differs from header.step " << checkpoint.header.step()
                                  << " (the file keeps one step count)";
  }
  for (const auto& [param, buffers] : optimizer.buffers) {
    for (size_t k = 0; k < buffers.size(); ++k) add(OptimizerTensorName(param, k), buffers[k]);
  }
  return tensors;
}

// Writes the layout of checkpoint.h, keeping the trailer CRC as it goes.
class CheckpointWriter {
 public:
  explicit CheckpointWriter(const std::string& path) : file_(path) {}

  // Bytes the trailer CRC covers: everything except tensor data.
  void WriteFraming(const std::string& bytes) {
    trailer_crc_.process_bytes(bytes.data(), bytes.size());
    file_.Write(bytes);
  }
  // Length-delimited; returns the serialized message.
  std::string WriteMessage(const google::protobuf::MessageLite& message) {
    std::string bytes = message.SerializeAsString();
    WriteFraming(EncodeVarint32(static_cast<uint32_t>(bytes.size())) + bytes);
    return bytes;
  }
  void WriteData(const Tensor& tensor) { file_.Write(tensor.raw_data(), tensor.nbytes()); }
  void Finish() {
    file_.Write(EncodeFixed32(trailer_crc_.checksum()));
    file_.Commit();
  }

 private:
  AtomicFileWriter file_;
  boost::crc_32_type trailer_crc_;
};

}  // namespace

void SaveCheckpoint(const std::string& path, const Checkpoint& checkpoint) {
  std::vector<std::pair<std::string, const Tensor*>> tensors = TensorsToSave(path, checkpoint);
  proto::CheckpointHeader header = checkpoint.header;
  header.set_format_version(kCheckpointFormatVersion);
  header.set_num_tensors(static_cast<int64_t>(tensors.size()));
  if (header.ByteSizeLong() > kMaxMessageBytes) {
    NABLA_THROW(kInvalidArgument) << "cannot save checkpoint '" << path << "': the header is "
                                  << header.ByteSizeLong() << " bytes, over the limit of "
                                  << kMaxMessageBytes;
  }

  CheckpointWriter writer(path);
  writer.WriteFraming(std::string(kCheckpointMagic, kMagicBytes));
  std::string header_bytes = writer.WriteMessage(header);
  writer.WriteFraming(EncodeFixed32(Crc32(header_bytes.data(), header_bytes.size())));
  for (const auto& [name, tensor] : tensors) {
    proto::TensorHeader tensor_header;
    tensor_header.set_name(name);
    for (int64_t d : tensor->shape().dims()) tensor_header.mutable_shape()->add_dims(d);
    tensor_header.set_dtype("float32");
    tensor_header.set_byte_size(tensor->nbytes());
    tensor_header.set_crc32(Crc32(tensor->raw_data(), tensor->nbytes()));
    writer.WriteMessage(tensor_header);
    writer.WriteData(*tensor);
  }
  writer.Finish();
}

}  // namespace nabla

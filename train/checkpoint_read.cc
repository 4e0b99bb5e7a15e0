// ReadCheckpoint: reads and validates the layout documented in checkpoint.h.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/crc.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>

#include "train/checkpoint.h"
#include "train/checkpoint_format.h"

namespace nabla {
namespace {

using checkpoint_internal::Crc32;
using checkpoint_internal::kMagicBytes;
using checkpoint_internal::kMaxMessageBytes;
using checkpoint_internal::OptimizerTensorName;
using checkpoint_internal::StartsWith;

constexpr uint64_t kCrcBytes = 4;
// The smallest record a valid file can hold: a 1-byte length, then a
// TensorHeader with a one-character name (tag, length, char: 3 bytes) and
// dtype "float32" (tag, length, 7 chars: 9 bytes); a [0] tensor has no data.
// Used to reject absurd tensor counts before reading any record.
constexpr uint64_t kMinTensorRecordBytes = 13;
// So that element count * 4 fits in int64 and size_t.
constexpr int64_t kMaxElements = std::numeric_limits<int64_t>::max() / 4;

uint32_t DecodeFixed32(const unsigned char* bytes) {
  return uint32_t{bytes[0]} | uint32_t{bytes[1]} << 8 | uint32_t{bytes[2]} << 16 |
         uint32_t{bytes[3]} << 24;
}

std::string Hex32(uint32_t value) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%08x", value);
  return text;
}

// Bytes as a C string literal body, so a wrong magic prints readably.
std::string Escaped(const char* bytes, size_t size) {
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", c);
      out += hex;
    }
  }
  return out;
}

// Shape::ToString prints -1 as "?"; a damaged file must show what it holds.
std::string DimsToString(const google::protobuf::RepeatedField<int64_t>& dims) {
  std::string out = "[";
  for (int i = 0; i < dims.size(); ++i) out += (i > 0 ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

// ---------------------------------------------------------------------------
// Reading. Every read checks the bytes that remain first, so nothing is
// allocated or read for a length the file cannot back.

class CheckpointReader {
 public:
  explicit CheckpointReader(std::string path);
  ~CheckpointReader() {
    if (file_ != nullptr) std::fclose(file_);
  }
  CheckpointReader(const CheckpointReader&) = delete;
  CheckpointReader& operator=(const CheckpointReader&) = delete;

  Checkpoint Read();

 private:
  // Message prefix: "PATH: at byte N: ".
  std::string At(uint64_t offset) const {
    return path_ + ": at byte " + std::to_string(offset) + ": ";
  }
  uint64_t remaining() const { return size_ - offset_; }

  void ReadBytes(void* dst, uint64_t n, const std::string& what);
  void ReadFraming(void* dst, uint64_t n, const std::string& what) {
    ReadBytes(dst, n, what);
    trailer_crc_.process_bytes(dst, n);
  }
  uint32_t ReadFixed32(const std::string& what, bool framing);
  uint32_t ReadVarint32(const std::string& what);
  // A varint32 length and that many bytes.
  std::string ReadMessageBytes(const std::string& what);

  void ReadMagic();
  void ReadHeader(proto::CheckpointHeader* header);
  void ReadTensor(int64_t index, Checkpoint* checkpoint);
  void AddOptimizerBuffer(const std::string& name, uint64_t record, Tensor tensor);
  void ReadTrailer();
  void CollectOptimizerState(OptimizerState* optimizer) const;

  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
  uint64_t offset_ = 0;
  boost::crc_32_type trailer_crc_;
  std::map<std::string, int64_t> tensor_index_;  // name -> record number
  // Parameter -> buffer index -> buffer.
  std::map<std::string, std::map<int, Tensor>> optimizer_buffers_;
};

CheckpointReader::CheckpointReader(std::string path) : path_(std::move(path)) {
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int error_number = errno;
    if (error_number == ENOENT || error_number == ENOTDIR) {
      NABLA_THROW(kNotFound) << path_ << ": no such checkpoint file";
    }
    NABLA_THROW(kInvalidFile) << path_ << ": cannot open: " << std::strerror(error_number);
  }
  struct stat info;
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    NABLA_THROW(kInvalidFile) << path_ << " is not a regular file";
  }
  size_ = static_cast<uint64_t>(info.st_size);
  file_ = ::fdopen(fd, "rb");
  if (file_ == nullptr) {
    ::close(fd);
    NABLA_THROW(kInvalidFile) << path_ << ": cannot open: " << std::strerror(errno);
  }
}

void CheckpointReader::ReadBytes(void* dst, uint64_t n, const std::string& what) {
  if (n > remaining()) {
    NABLA_THROW(kInvalidFile) << At(offset_) << "truncated: " << what << " needs " << n
                              << " bytes, " << remaining() << " remain";
  }
  if (n > 0 && std::fread(dst, 1, n, file_) != n) {
    // The file shrank or the device failed after we measured it.
    NABLA_THROW(kInvalidFile) << At(offset_) << "cannot read " << what << ": "
                              << (std::ferror(file_) ? std::strerror(errno)
                                                     : "unexpected end of file");
  }
  offset_ += n;
}

uint32_t CheckpointReader::ReadFixed32(const std::string& what, bool framing) {
  unsigned char bytes[4];
  if (framing) {
    ReadFraming(bytes, 4, what);
  } else {
    ReadBytes(bytes, 4, what);
  }
  return DecodeFixed32(bytes);
}

uint32_t CheckpointReader::ReadVarint32(const std::string& what) {
  uint64_t start = offset_;
  uint32_t value = 0;
  for (int i = 0; i < 5; ++i) {
    if (remaining() == 0) {
      NABLA_THROW(kInvalidFile) << At(start) << "truncated: the file ends "
                                << (i == 0 ? "before " : "inside the length of ") << what;
    }
    unsigned char byte;
    ReadFraming(&byte, 1, what);
    // The fifth byte holds the top 4 bits and must end the varint.
    if (i == 4 && byte > 0x0f) {
      NABLA_THROW(kInvalidFile) << At(start) << "the length of " << what
                                << " is not a valid 32-bit varint";
    }
    value |= uint32_t{byte & 0x7fu} << (7 * i);
    if ((byte & 0x80) == 0) break;
  }
  return value;
}

std::string CheckpointReader::ReadMessageBytes(const std::string& what) {
  uint64_t start = offset_;
  uint64_t length = ReadVarint32(what);
  if (length > remaining()) {
    NABLA_THROW(kInvalidFile) << At(start) << "truncated: " << what << " length " << length
                              << " exceeds the " << remaining() << " bytes that remain";
  }
  if (length > kMaxMessageBytes) {
    NABLA_THROW(kInvalidFile) << At(start) << what << " length " << length
                              << " exceeds the limit of " << kMaxMessageBytes << " bytes";
  }
  std::string bytes(length, '\0');
  ReadFraming(bytes.data(), length, what);
  return bytes;
}

void CheckpointReader::ReadMagic() {
  if (size_ == 0) NABLA_THROW(kInvalidFile) << path_ << ": empty file, not a nabla checkpoint";
  if (size_ < kMagicBytes) {
    NABLA_THROW(kInvalidFile) << path_ << " is not a nabla checkpoint (" << size_
                              << " bytes, shorter than the 8-byte magic \"" << kCheckpointMagic
                              << "\")";
  }
  char magic[kMagicBytes];
  ReadFraming(magic, kMagicBytes, "the magic");
  if (std::memcmp(magic, kCheckpointMagic, kMagicBytes) != 0) {
    NABLA_THROW(kInvalidFile) << path_ << " is not a nabla checkpoint (magic \""
                              << Escaped(magic, kMagicBytes) << "\", expected \""
                              << kCheckpointMagic << "\")";
  }
}

void CheckpointReader::ReadHeader(proto::CheckpointHeader* header) {
  uint64_t start = offset_;
  std::string bytes = ReadMessageBytes("the header");
  uint32_t stored = ReadFixed32("the header CRC", /*framing=*/true);
  uint32_t computed = Crc32(bytes.data(), bytes.size());
  if (stored != computed) {
    NABLA_THROW(kInvalidFile) << At(start) << "header CRC mismatch (stored " << Hex32(stored)
                              << ", computed " << Hex32(computed) << "): the header is damaged";
  }
  if (!header->ParseFromString(bytes)) {
    NABLA_THROW(kInvalidFile) << At(start) << "the header (" << bytes.size()
                              << " bytes) does not parse as a CheckpointHeader";
  }
  if (header->format_version() != kCheckpointFormatVersion) {
    NABLA_THROW(kInvalidFile) << At(start) << "unsupported format_version "
                              << header->format_version() << " (this reader knows "
                              << kCheckpointFormatVersion << ")";
  }
  uint64_t room = remaining() < kCrcBytes ? 0 : remaining() - kCrcBytes;
  int64_t count = header->num_tensors();
  if (count < 0 || static_cast<uint64_t>(count) > room / kMinTensorRecordBytes) {
    NABLA_THROW(kInvalidFile) << At(start) << "the header declares " << count
                              << " tensors, but the " << room << " bytes that follow hold at most "
                              << room / kMinTensorRecordBytes;
  }
}

void CheckpointReader::ReadTensor(int64_t index, Checkpoint* checkpoint) {
  uint64_t record = offset_;
  std::string label = "the header of tensor #" + std::to_string(index);
  std::string bytes = ReadMessageBytes(label);
  proto::TensorHeader header;
  if (!header.ParseFromString(bytes)) {
    NABLA_THROW(kInvalidFile) << At(record) << label << " (" << bytes.size()
                              << " bytes) does not parse as a TensorHeader";
  }
  const std::string& name = header.name();
  if (name.empty())
    NABLA_THROW(kInvalidFile) << At(record) << "tensor #" << index << " has no name";
  std::string where = At(record) + "tensor '" + name + "': ";
  auto [previous, inserted] = tensor_index_.emplace(name, index);
  if (!inserted) {
    NABLA_THROW(kInvalidFile) << where << "duplicate tensor name (tensors #" << previous->second
                              << " and #" << index << ")";
  }
  if (header.dtype() != "float32") {
    NABLA_THROW(kInvalidFile) << where << "dtype '"
                              << Escaped(header.dtype().data(), header.dtype().size())
                              << "', this reader supports float32";
  }
  const auto& dims = header.shape().dims();
  if (dims.size() > kMaxRank) {
    NABLA_THROW(kInvalidFile) << where << "rank " << dims.size() << " exceeds the maximum "
                              << kMaxRank;
  }
  int64_t elements = 1;
  for (int64_t d : dims) {
    if (d < 0) {
      NABLA_THROW(kInvalidFile) << where << "negative dimension " << d << " in shape "
                                << DimsToString(dims);
    }
    if (d != 0 && elements > kMaxElements / d) {
      NABLA_THROW(kInvalidFile) << where << "shape " << DimsToString(dims)
                                << " has too many elements";
    }
    elements *= d;
  }
  uint64_t expected_bytes = static_cast<uint64_t>(elements) * 4;
  if (header.byte_size() != expected_bytes) {
    NABLA_THROW(kInvalidFile) << where << "byte_size " << header.byte_size()
                              << " does not match shape " << DimsToString(dims) << " (" << elements
                              << " float32 values = " << expected_bytes << " bytes)";
  }
  // Checked here, before the tensor is allocated.
  if (expected_bytes > remaining()) {
    NABLA_THROW(kInvalidFile) << At(offset_) << "truncated: tensor '" << name << "' needs "
                              << expected_bytes << " bytes, " << remaining() << " remain";
  }
  uint64_t data_start = offset_;
  Tensor tensor(DType::kFloat32, Shape(std::vector<int64_t>(dims.begin(), dims.end())));
  ReadBytes(tensor.raw_data(), expected_bytes, "tensor '" + name + "'");
  uint32_t computed = Crc32(tensor.raw_data(), expected_bytes);
  if (computed != header.crc32()) {
    NABLA_THROW(kInvalidFile) << At(data_start) << "tensor '" << name
                              << "': CRC-32 mismatch (stored " << Hex32(header.crc32())
                              << ", computed " << Hex32(computed) << "): its data is damaged";
  }
  if (StartsWith(name, kOptimizerTensorPrefix)) {
    AddOptimizerBuffer(name, record, std::move(tensor));
  } else {
    checkpoint->params.emplace_back(name, std::move(tensor));
  }
}

// "optimizer/<param>/<k>": the parameter name may itself hold '/', the index
// is what follows the last one.
void CheckpointReader::AddOptimizerBuffer(const std::string& name, uint64_t record, Tensor tensor) {
  std::string rest = name.substr(std::strlen(kOptimizerTensorPrefix));
  size_t slash = rest.rfind('/');
  std::string param = slash == std::string::npos ? "" : rest.substr(0, slash);
  std::string index = slash == std::string::npos ? "" : rest.substr(slash + 1);
  bool valid = !param.empty() && !index.empty() && index.size() <= 6 &&
               index.find_first_not_of("0123456789") == std::string::npos &&
               (index == "0" || index[0] != '0');
  if (!valid) {
    NABLA_THROW(kInvalidFile) << At(record) << "tensor '" << name
                              << "': optimiser tensors are named " << kOptimizerTensorPrefix
                              << "<parameter>/<index>";
  }
  optimizer_buffers_[param][std::stoi(index)] = std::move(tensor);
}

void CheckpointReader::ReadTrailer() {
  uint64_t start = offset_;
  uint32_t computed = trailer_crc_.checksum();
  uint32_t stored = ReadFixed32("the trailer CRC", /*framing=*/false);
  if (stored != computed) {
    NABLA_THROW(kInvalidFile) << At(start) << "trailer CRC mismatch (stored " << Hex32(stored)
                              << ", computed " << Hex32(computed)
                              << "): a length prefix or tensor header is damaged";
  }
  if (remaining() > 0) {
    NABLA_THROW(kInvalidFile) << At(offset_) << remaining()
                              << " bytes of trailing data after the end of the checkpoint";
  }
}

void CheckpointReader::CollectOptimizerState(OptimizerState* optimizer) const {
  for (const auto& [param, buffers] : optimizer_buffers_) {
    int k = 0;
    for (const auto& [index, tensor] : buffers) {
      if (index != k) {
        NABLA_THROW(kInvalidFile) << path_ << ": optimiser buffers of '" << param << "' skip '"
                                  << OptimizerTensorName(param, k) << "'";
      }
      optimizer->buffers[param].push_back(tensor);
      ++k;
    }
  }
}

Checkpoint CheckpointReader::Read() {
  Checkpoint checkpoint;
  checkpoint.source = path_;
  ReadMagic();
  ReadHeader(&checkpoint.header);
  for (int64_t i = 0; i < checkpoint.header.num_tensors(); ++i) ReadTensor(i, &checkpoint);
  ReadTrailer();
  CollectOptimizerState(&checkpoint.optimizer);
  checkpoint.optimizer.step = checkpoint.header.step();
  return checkpoint;
}

}  // namespace

Checkpoint ReadCheckpoint(const std::string& path) { return CheckpointReader(path).Read(); }

}  // namespace nabla

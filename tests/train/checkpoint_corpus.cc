#include "tests/train/checkpoint_corpus.h"

#include <boost/crc.hpp>
#include <functional>
#include <random>
#include <stdexcept>

#include "proto/checkpoint.pb.h"

namespace nabla::testing {
namespace {

using Tensor = CheckpointLayout::Tensor;

uint32_t Crc32(const std::string& bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

std::string Fixed32(uint32_t value) {
  std::string bytes(4, '\0');
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>(value >> (8 * i));
  return bytes;
}

std::string Varint(uint64_t value) {
  std::string bytes;
  do {
    uint8_t byte = value & 0x7f;
    value >>= 7;
    bytes += static_cast<char>(value != 0 ? byte | 0x80 : byte);
  } while (value != 0);
  return bytes;
}

// Reads a valid file; any surprise means the test's own input is wrong.
class Cursor {
 public:
  explicit Cursor(const std::string& file, size_t pos) : file_(file), pos_(pos) {}
  size_t pos() const { return pos_; }
  uint64_t Varint() {
    uint64_t value = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t byte = static_cast<uint8_t>(Take(1)[0]);
      value |= uint64_t{byte & 0x7fu} << shift;
      if ((byte & 0x80) == 0) return value;
    }
  }
  std::string Take(size_t n) {
    if (n > file_.size() - pos_) throw std::runtime_error("ParseLayout: truncated checkpoint");
    pos_ += n;
    return file_.substr(pos_ - n, n);
  }

 private:
  const std::string& file_;
  size_t pos_;
};

std::string Join(const google::protobuf::RepeatedField<int64_t>& dims) {
  std::string out = "[";
  for (int i = 0; i < dims.size(); ++i) out += (i > 0 ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

std::string Truncated(const std::string& file, size_t size) { return file.substr(0, size); }

std::string Flipped(const std::string& file, size_t at, char mask = 0x01) {
  std::string out = file;
  out[at] ^= mask;
  return out;
}

std::string WithHeader(const CheckpointLayout& layout,
                       const std::function<void(proto::CheckpointHeader*)>& edit) {
  proto::CheckpointHeader header;
  header.ParseFromString(layout.header);
  edit(&header);
  return Assemble(header.SerializeAsString(), layout.tensors);
}

std::string WithTensor(const CheckpointLayout& layout, size_t index,
                       const std::function<void(proto::TensorHeader*)>& edit) {
  std::vector<Tensor> tensors = layout.tensors;
  proto::TensorHeader header;
  header.ParseFromString(tensors[index].header);
  edit(&header);
  tensors[index].header = header.SerializeAsString();
  return Assemble(layout.header, tensors);
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string bytes(n, '\0');
  for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
  return bytes;
}

}  // namespace

CheckpointLayout ParseLayout(const std::string& file) {
  if (file.compare(0, 8, "NABLACKP") != 0) throw std::runtime_error("ParseLayout: bad magic");
  CheckpointLayout layout;
  Cursor cursor(file, 8);
  uint64_t length = cursor.Varint();
  layout.header_at = cursor.pos();
  layout.header = cursor.Take(length);
  layout.header_crc_at = cursor.pos();
  cursor.Take(4);
  proto::CheckpointHeader header;
  if (!header.ParseFromString(layout.header)) throw std::runtime_error("ParseLayout: header");
  for (int64_t i = 0; i < header.num_tensors(); ++i) {
    Tensor tensor;
    tensor.record_at = cursor.pos();
    length = cursor.Varint();
    tensor.header_at = cursor.pos();
    tensor.header = cursor.Take(length);
    proto::TensorHeader tensor_header;
    if (!tensor_header.ParseFromString(tensor.header)) {
      throw std::runtime_error("ParseLayout: tensor header");
    }
    tensor.name = tensor_header.name();
    tensor.data_at = cursor.pos();
    tensor.data = cursor.Take(tensor_header.byte_size());
    layout.tensors.push_back(tensor);
  }
  layout.trailer_at = cursor.pos();
  cursor.Take(4);
  if (cursor.pos() != file.size()) throw std::runtime_error("ParseLayout: trailing bytes");
  return layout;
}

std::string Assemble(const std::string& header, const std::vector<Tensor>& tensors) {
  std::string out;
  boost::crc_32_type trailer;
  auto framing = [&](const std::string& bytes) {
    trailer.process_bytes(bytes.data(), bytes.size());
    out += bytes;
  };
  framing("NABLACKP" + Varint(header.size()) + header + Fixed32(Crc32(header)));
  for (const Tensor& tensor : tensors) {
    framing(Varint(tensor.header.size()) + tensor.header);
    out += tensor.data;
  }
  return out + Fixed32(trailer.checksum());
}

std::vector<DamagedCheckpoint> MakeDamagedCheckpoints(const std::string& valid) {
  const CheckpointLayout layout = ParseLayout(valid);
  const size_t count = layout.tensors.size();
  if (layout.header.size() < 128 || count < 3) {
    throw std::runtime_error("MakeDamagedCheckpoints: the valid checkpoint is too small");
  }
  const Tensor& first = layout.tensors[0];
  proto::TensorHeader first_header;
  first_header.ParseFromString(first.header);
  const std::string first_name = "tensor '" + first.name + "'";
  const Tensor& last = layout.tensors.back();
  const std::string header_size = std::to_string(layout.header.size());
  const std::string after_length = valid.substr(layout.header_at);
  size_t optimizer_index = 0;
  while (optimizer_index < count &&
         layout.tensors[optimizer_index].name.rfind("optimizer/", 0) != 0) {
    ++optimizer_index;
  }
  if (optimizer_index == count) throw std::runtime_error("MakeDamagedCheckpoints: no optimiser");
  const std::string optimizer_name = layout.tensors[optimizer_index].name;
  const std::string optimizer_param = optimizer_name.substr(10, optimizer_name.rfind('/') - 10);

  std::vector<DamagedCheckpoint> corpus = {
      // Not a checkpoint at all.
      {"empty", "", "empty file, not a nabla checkpoint"},
      {"truncated_in_magic", Truncated(valid, 5),
       "is not a nabla checkpoint (5 bytes, shorter than the 8-byte magic"},
      {"wrong_magic", "\x89PNG\r\n\x1a\n" + valid.substr(8),
       "is not a nabla checkpoint (magic \"\\x89PNG\\x0d\\x0a\\x1a\\x0a\", expected \"NABLACKP\")"},
      {"flipped_magic", Flipped(valid, 3), "is not a nabla checkpoint (magic \"NABMACKP\""},
      {"random_bytes", RandomBytes(4096, 1), "is not a nabla checkpoint (magic"},
      {"magic_then_random", "NABLACKP" + RandomBytes(4096, 2), "header"},

      // Truncated at each part of the layout.
      {"truncated_in_header_length", Truncated(valid, 9),
       "at byte 8: truncated: the file ends inside the length of the header"},
      {"truncated_in_header", Truncated(valid, layout.header_at + layout.header.size() / 2),
       "at byte 8: truncated: the header length " + header_size + " exceeds the " +
           std::to_string(layout.header.size() / 2) + " bytes that remain"},
      {"truncated_in_header_crc", Truncated(valid, layout.header_crc_at + 2),
       "truncated: the header CRC needs 4 bytes, 2 remain"},
      {"truncated_after_header", Truncated(valid, layout.header_crc_at + 4),
       "the header declares " + std::to_string(count) +
           " tensors, but the 0 bytes that follow hold at most 0"},
      // Near the end, so the tensor count still fits the remaining bytes.
      {"truncated_in_tensor_header", Truncated(valid, last.header_at + 3),
       "truncated: the header of tensor #" + std::to_string(count - 1) + " length"},
      {"truncated_in_tensor_data", Truncated(valid, last.data_at + last.data.size() / 2),
       "at byte " + std::to_string(last.data_at) + ": truncated: tensor '" + last.name +
           "' needs " + std::to_string(last.data.size()) + " bytes, " +
           std::to_string(last.data.size() / 2) + " remain"},
      {"truncated_before_last_tensor", Truncated(valid, layout.tensors.back().record_at),
       "truncated: the file ends before the header of tensor #" + std::to_string(count - 1)},
      {"truncated_before_trailer", Truncated(valid, layout.trailer_at),
       "truncated: the trailer CRC needs 4 bytes, 0 remain"},
      {"truncated_before_last_byte", Truncated(valid, valid.size() - 1),
       "truncated: the trailer CRC needs 4 bytes, 3 remain"},

      // One damaged byte: each CRC catches its part.
      {"flipped_header", Flipped(valid, layout.header_at + layout.header.size() / 2),
       "at byte 8: header CRC mismatch"},
      {"flipped_header_crc", Flipped(valid, layout.header_crc_at), "header CRC mismatch"},
      {"flipped_tensor_data", Flipped(valid, layout.tensors[2].data_at + 5),
       "at byte " + std::to_string(layout.tensors[2].data_at) + ": tensor '" +
           layout.tensors[2].name + "': CRC-32 mismatch"},
      {"flipped_tensor_name", Flipped(valid, first.header_at + 2, 0x20),
       "trailer CRC mismatch (stored"},
      {"flipped_trailer", Flipped(valid, valid.size() - 1), "trailer CRC mismatch"},

      // Lengths and counts that would allocate absurd sizes.
      {"huge_header_length", "NABLACKP" + Varint(0xffffffffu) + after_length,
       "truncated: the header length 4294967295 exceeds the"},
      {"overlong_header_length",
       "NABLACKP" + std::string("\xff\xff\xff\xff\xff\x01") + after_length,
       "the length of the header is not a valid 32-bit varint"},
      {"absurd_num_tensors",
       WithHeader(layout, [](proto::CheckpointHeader* h) { h->set_num_tensors(int64_t{1} << 40); }),
       "the header declares 1099511627776 tensors"},
      {"negative_num_tensors",
       WithHeader(layout, [](proto::CheckpointHeader* h) { h->set_num_tensors(-1); }),
       "the header declares -1 tensors"},
      {"huge_byte_size",
       WithTensor(layout, 0,
                  [](proto::TensorHeader* t) {
                    t->mutable_shape()->clear_dims();
                    t->mutable_shape()->add_dims(int64_t{1} << 20);
                    t->mutable_shape()->add_dims(int64_t{1} << 20);
                    t->set_byte_size(uint64_t{1} << 42);
                  }),
       first_name + " needs 4398046511104 bytes"},
      {"overflowing_dims",
       WithTensor(layout, 0,
                  [](proto::TensorHeader* t) {
                    t->mutable_shape()->clear_dims();
                    for (int i = 0; i < 3; ++i) t->mutable_shape()->add_dims(int64_t{1} << 40);
                  }),
       first_name + ": shape [1099511627776, 1099511627776, 1099511627776] has too many elements"},

      // Well-formed framing, wrong content.
      {"header_garbage", Assemble("\xff\xff\xff", layout.tensors),
       "the header (3 bytes) does not parse as a CheckpointHeader"},
      {"future_version",
       WithHeader(layout, [](proto::CheckpointHeader* h) { h->set_format_version(2); }),
       "unsupported format_version 2 (this reader knows 1)"},
      {"fewer_tensors_declared",
       WithHeader(layout, [&](proto::CheckpointHeader* h) { h->set_num_tensors(count - 1); }),
       "trailer CRC mismatch"},
      {"tensor_header_garbage",
       Assemble(layout.header,
                [&] {
                  std::vector<Tensor> tensors = layout.tensors;
                  tensors[0].header = "\xff\xff\xff\xff";
                  return tensors;
                }()),
       "the header of tensor #0 (4 bytes) does not parse as a TensorHeader"},
      {"byte_size_mismatch",
       WithTensor(layout, 0, [](proto::TensorHeader* t) { t->set_byte_size(t->byte_size() + 4); }),
       first_name + ": byte_size " + std::to_string(first.data.size() + 4) +
           " does not match shape " + Join(first_header.shape().dims())},
      {"negative_dim",
       WithTensor(
           layout, 0,
           [](proto::TensorHeader* t) { t->mutable_shape()->set_dims(0, -t->shape().dims(0)); }),
       first_name + ": negative dimension -" + std::to_string(first_header.shape().dims(0))},
      {"rank_7",
       WithTensor(layout, 0,
                  [](proto::TensorHeader* t) {
                    t->mutable_shape()->clear_dims();
                    for (int i = 0; i < 7; ++i) t->mutable_shape()->add_dims(1);
                    t->set_byte_size(4);
                  }),
       first_name + ": rank 7 exceeds the maximum 6"},
      {"dtype_float16",
       WithTensor(layout, 0, [](proto::TensorHeader* t) { t->set_dtype("float16"); }),
       first_name + ": dtype 'float16', this reader supports float32"},
      {"empty_name", WithTensor(layout, 0, [](proto::TensorHeader* t) { t->clear_name(); }),
       "tensor #0 has no name"},
      {"duplicate_name",
       WithTensor(layout, 1, [&](proto::TensorHeader* t) { t->set_name(first.name); }),
       first_name + ": duplicate tensor name (tensors #0 and #1)"},
      {"stale_tensor_crc",
       WithTensor(layout, 1, [](proto::TensorHeader* t) { t->set_crc32(t->crc32() ^ 1); }),
       "tensor '" + layout.tensors[1].name + "': CRC-32 mismatch"},
      {"bad_optimizer_name",
       WithTensor(
           layout, optimizer_index,
           [&](proto::TensorHeader* t) { t->set_name("optimizer/" + optimizer_param + "/x"); }),
       "optimiser tensors are named optimizer/<parameter>/<index>"},
      {"optimizer_gap",
       WithTensor(
           layout, optimizer_index,
           [&](proto::TensorHeader* t) { t->set_name("optimizer/" + optimizer_param + "/1"); }),
       "optimiser buffers of '" + optimizer_param + "' skip 'optimizer/" + optimizer_param + "/0'"},
      {"trailing_garbage", valid + "junk",
       "at byte " + std::to_string(valid.size()) +
           ": 4 bytes of trailing data after the end of the checkpoint"},
  };
  return corpus;
}

}  // namespace nabla::testing

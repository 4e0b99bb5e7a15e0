// IDX readers. See idx.h for the format.
#include "data/idx.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "data/byte_stream.h"
#include "graph/error.h"
#include "graph/huge_pages.h"

namespace nabla::data {
namespace {

using internal::ByteStream;

std::string Hex(uint32_t value) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "0x%08x", value);
  return buf;
}

uint32_t BigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) |
         (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// " (decompressed)" for gzip files, so sizes are not mistaken for
// on-disk sizes.
const char* SizeNote(const ByteStream& in) {
  return in.gzip() ? " (decompressed)" : "";
}

// Reads the magic and its dimensions, checking the magic against the
// accepted (magic, dims) pairs (`kind` names the file type in messages).
// Returns the dimensions; *magic_out (when given) the magic found.
std::vector<uint32_t> ReadHeader(ByteStream& in, const std::string& path,
                                 const std::vector<std::pair<uint32_t, int>>& accepted,
                                 const char* kind, uint32_t* magic_out = nullptr) {
  unsigned char buf[4 * 5];
  size_t got = in.Read(reinterpret_cast<char*>(buf), 4);
  int dims = accepted[0].second;
  if (got == 4) {
    const uint32_t magic = BigEndian32(buf);
    auto it = std::find_if(accepted.begin(), accepted.end(),
                           [magic](const auto& a) { return a.first == magic; });
    if (it == accepted.end()) {
      std::ostringstream hint, expected;
      if (magic == kIdxImagesMagic || magic == kIdxImages4Magic) hint << " (this is an IDX images file)";
      if (magic == kIdxLabelsMagic) hint << " (this is an IDX labels file)";
      for (size_t i = 0; i < accepted.size(); ++i) {
        expected << (i > 0 ? " or " : "") << Hex(accepted[i].first);
      }
      NABLA_THROW(kInvalidFile)
          << path << ": not an IDX " << kind << " file: expected magic "
          << expected.str() << ", found " << Hex(magic) << hint.str();
    }
    dims = it->second;
    if (magic_out != nullptr) *magic_out = magic;
    got += in.Read(reinterpret_cast<char*>(buf) + 4, 4 * dims);
  }
  const size_t want = 4 * (1 + dims);
  if (got < want) {
    NABLA_THROW(kInvalidFile)
        << path << ": truncated IDX " << kind << " header: expected " << want
        << " bytes, found " << got << SizeNote(in);
  }
  std::vector<uint32_t> result(dims);
  for (int i = 0; i < dims; ++i) result[i] = BigEndian32(buf + 4 * (i + 1));
  return result;
}

// Reads exactly `payload` bytes after a `header_bytes` header and checks
// that nothing follows. `shape` describes the header ("60000 images of
// 28x28") for messages.
std::vector<uint8_t> ReadPayload(ByteStream& in, const std::string& path,
                                 uint64_t header_bytes, uint64_t payload,
                                 const std::string& shape) {
  const uint64_t expected = header_bytes + payload;
  // Refuse before allocating: the header alone must not make us reserve
  // more than the file can hold (a raw file's size is exact).
  if (expected > in.MaxDataSize() ||
      (!in.gzip() && expected != in.file_size())) {
    if (in.gzip()) {
      NABLA_THROW(kInvalidFile)
          << path << ": header claims " << shape << ", which needs " << expected
          << " bytes, but a gzip file of " << in.file_size()
          << " bytes cannot hold more than " << in.MaxDataSize();
    }
    NABLA_THROW(kInvalidFile)
        << path << ": "
        << (expected > in.file_size() ? "truncated" : "trailing bytes")
        << ": header claims " << shape << ", which needs " << expected
        << " bytes, found " << in.file_size();
  }
  // Grow in chunks so a lying gzip header costs at most one chunk extra.
  constexpr uint64_t kChunk = uint64_t{16} << 20;
  std::vector<uint8_t> data;
  uint64_t got = 0;
  while (got < payload) {
    const uint64_t chunk = std::min(kChunk, payload - got);
    data.resize(got + chunk);
    const size_t n = in.Read(reinterpret_cast<char*>(data.data() + got), chunk);
    got += n;
    if (n < chunk) break;
  }
  if (got < payload) {
    NABLA_THROW(kInvalidFile)
        << path << ": truncated: header claims " << shape << ", which needs "
        << expected << " bytes, found " << header_bytes + got << SizeNote(in);
  }
  const uint64_t extra = in.SkipRest();
  if (extra > 0) {
    NABLA_THROW(kInvalidFile)
        << path << ": trailing bytes: header claims " << shape
        << ", which needs " << expected << " bytes, found " << expected + extra
        << SizeNote(in);
  }
  return data;
}

}  // namespace

IdxImages ReadIdxImages(const std::string& path) {
  ByteStream in(path, "IDX images file");
  uint32_t magic = 0;
  std::vector<uint32_t> dims = ReadHeader(
      in, path, {{kIdxImagesMagic, 3}, {kIdxImages4Magic, 4}}, "images", &magic);
  // [count, rows, cols] or [count, channels, rows, cols].
  if (dims.size() == 3) dims.insert(dims.begin() + 1, 1);
  if (dims[1] == 0 || dims[2] == 0 || dims[3] == 0) {
    const bool with_channels = magic == kIdxImages4Magic;
    NABLA_THROW(kInvalidFile) << path << ": bad image size "
                              << (with_channels ? std::to_string(dims[1]) + "x" : "") << dims[2]
                              << "x" << dims[3] << ": expected "
                              << (with_channels ? "channels, " : "") << "rows and cols >= 1";
  }
  IdxImages images;
  images.count = dims[0];
  images.channels = dims[1];
  images.rows = dims[2];
  images.cols = dims[3];
  std::ostringstream shape;
  shape << images.count << " images of ";
  if (images.channels != 1) shape << images.channels << "x";
  shape << images.rows << "x" << images.cols;
  // Each dimension is < 2^32: rows*cols fits in 64 bits; check the rest.
  const uint64_t plane = uint64_t{dims[2]} * dims[3];
  if (dims[1] > (UINT64_MAX - 20) / plane) {
    NABLA_THROW(kInvalidFile) << path << ": header claims " << shape.str()
                              << ", more than 2^64 bytes per image";
  }
  const uint64_t per_image = plane * dims[1];
  if (dims[0] > (UINT64_MAX - 20) / per_image) {
    NABLA_THROW(kInvalidFile) << path << ": header claims " << shape.str()
                              << ", more than 2^64 bytes; the file has "
                              << in.file_size() << " bytes";
  }
  images.pixels = ReadPayload(in, path, 4 * (1 + (magic == kIdxImages4Magic ? 4 : 3)),
                              per_image * dims[0], shape.str());
  return images;
}

std::vector<uint8_t> ReadIdxLabels(const std::string& path) {
  ByteStream in(path, "IDX labels file");
  const std::vector<uint32_t> dims =
      ReadHeader(in, path, {{kIdxLabelsMagic, 1}}, "labels");
  std::ostringstream shape;
  shape << dims[0] << " labels";
  return ReadPayload(in, path, 8, dims[0], shape.str());
}

Dataset LoadIdx(const std::string& images_path, const std::string& labels_path,
                int num_classes) {
  IdxImages images = ReadIdxImages(images_path);
  const std::vector<uint8_t> labels = ReadIdxLabels(labels_path);
  if (static_cast<uint64_t>(images.count) != labels.size()) {
    NABLA_THROW(kInvalidFile)
        << "sample count mismatch: images file '" << images_path << "' holds "
        << images.count << " images but labels file '" << labels_path
        << "' holds " << labels.size() << " labels";
  }
  if (images.count == 0) {
    NABLA_THROW(kInvalidFile) << images_path << ": holds no images";
  }
  Dataset data;
  data.size = images.count;
  data.channels = images.channels;
  data.rows = images.rows;
  data.cols = images.cols;
  data.source = images_path + " + " + labels_path;
  data.labels.resize(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    if (num_classes > 0 && labels[i] >= num_classes) {
      NABLA_THROW(kInvalidFile)
          << labels_path << ": label " << int{labels[i]} << " at index " << i
          << " is out of range: expected 0.." << num_classes - 1;
    }
    data.labels[i] = labels[i];
  }
  data.pixels = std::move(images.pixels);
  return data;
}

int64_t Dataset::num_classes() const {
  int64_t classes = 0;
  for (int32_t label : labels) classes = std::max<int64_t>(classes, int64_t{label} + 1);
  return classes;
}

}  // namespace nabla::data

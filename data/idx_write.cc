// IDX writers. See idx.h for the format.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/device/back_inserter.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "data/idx.h"
#include "graph/atomic_file.h"
#include "graph/error.h"

namespace nabla::data {
namespace {

void CheckDim(int64_t value, const char* name, int64_t min) {
  if (value < min || value > int64_t{UINT32_MAX}) {
    NABLA_THROW(kInvalidArgument)
        << "cannot encode IDX: " << name << " = " << value << ", expected "
        << min << "..4294967295";
  }
}

void AppendBigEndian32(std::string* out, int64_t value) {
  const uint32_t v = static_cast<uint32_t>(value);
  const char bytes[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                         static_cast<char>(v >> 8), static_cast<char>(v)};
  out->append(bytes, 4);
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string EncodeIdxImages(int64_t count, int64_t rows, int64_t cols,
                            const std::vector<uint8_t>& pixels) {
  return EncodeIdxImages(count, 1, rows, cols, pixels);
}

std::string EncodeIdxImages(int64_t count, int64_t channels, int64_t rows, int64_t cols,
                            const std::vector<uint8_t>& pixels) {
  CheckDim(count, "count", 0);
  CheckDim(channels, "channels", 1);
  CheckDim(rows, "rows", 1);
  CheckDim(cols, "cols", 1);
  // Divide rather than multiply: count*channels*rows*cols can overflow.
  const uint64_t plane = static_cast<uint64_t>(rows) * cols;
  const uint64_t per_image = plane * channels;  // checked for overflow below
  if (per_image / plane != static_cast<uint64_t>(channels) || pixels.size() % per_image != 0 ||
      pixels.size() / per_image != static_cast<uint64_t>(count)) {
    NABLA_THROW(kInvalidArgument)
        << "cannot encode IDX images: " << count << " images of "
        << (channels != 1 ? std::to_string(channels) + "x" : "") << rows << "x" << cols
        << " need " << count << "*" << per_image << " pixels, found " << pixels.size();
  }
  std::string out;
  out.reserve(20 + pixels.size());
  AppendBigEndian32(&out, channels == 1 ? kIdxImagesMagic : kIdxImages4Magic);
  AppendBigEndian32(&out, count);
  if (channels != 1) AppendBigEndian32(&out, channels);
  AppendBigEndian32(&out, rows);
  AppendBigEndian32(&out, cols);
  out.append(pixels.begin(), pixels.end());
  return out;
}

std::string EncodeIdxLabels(const std::vector<int32_t>& labels) {
  CheckDim(static_cast<int64_t>(labels.size()), "label count", 0);
  std::string out;
  out.reserve(8 + labels.size());
  AppendBigEndian32(&out, kIdxLabelsMagic);
  AppendBigEndian32(&out, static_cast<int64_t>(labels.size()));
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || labels[i] > 255) {
      NABLA_THROW(kInvalidArgument)
          << "cannot encode IDX labels: label " << labels[i] << " at index "
          << i << " does not fit in a byte (expected 0..255)";
    }
    out.push_back(static_cast<char>(labels[i]));
  }
  return out;
}

void WriteIdxFile(const std::string& path, const std::string& bytes) {
  if (!EndsWith(path, ".gz")) {
    WriteFileAtomic(path, bytes);
    return;
  }
  // Default gzip_params: mtime 0 and no file name, so output is
  // reproducible.
  std::string compressed;
  {
    boost::iostreams::filtering_ostream out;
    out.push(boost::iostreams::gzip_compressor());
    out.push(boost::iostreams::back_inserter(compressed));
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }  // closing the chain writes the gzip footer
  WriteFileAtomic(path, compressed);
}

void WriteIdx(const std::string& images_path, const std::string& labels_path,
              int64_t rows, int64_t cols, const std::vector<uint8_t>& pixels,
              const std::vector<int32_t>& labels, int64_t channels) {
  const int64_t count = static_cast<int64_t>(labels.size());
  // Encode both before writing either, so a bad argument writes nothing.
  const std::string image_bytes = EncodeIdxImages(count, channels, rows, cols, pixels);
  const std::string label_bytes = EncodeIdxLabels(labels);
  WriteIdxFile(images_path, image_bytes);
  WriteIdxFile(labels_path, label_bytes);
}

}  // namespace nabla::data

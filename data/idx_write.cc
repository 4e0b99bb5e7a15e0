// IDX writers. See idx.h for the format.
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

#include "data/idx.h"
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
  CheckDim(count, "count", 0);
  CheckDim(rows, "rows", 1);
  CheckDim(cols, "cols", 1);
  // Divide rather than multiply: count*rows*cols can overflow 64 bits.
  const uint64_t per_image = static_cast<uint64_t>(rows) * cols;
  if (pixels.size() % per_image != 0 ||
      pixels.size() / per_image != static_cast<uint64_t>(count)) {
    NABLA_THROW(kInvalidArgument)
        << "cannot encode IDX images: " << count << " images of " << rows << "x"
        << cols << " need " << count << "*" << per_image << " pixels, found "
        << pixels.size();
  }
  std::string out;
  out.reserve(16 + pixels.size());
  AppendBigEndian32(&out, kIdxImagesMagic);
  AppendBigEndian32(&out, count);
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

void WriteFileAtomic(const std::string& path, const std::string& bytes) {
  // Unique per process and call; O_EXCL never clobbers another writer's
  // file. Not mkstemp: it makes files 0600, data files are meant to be
  // shared (0666 minus umask).
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(counter++);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0666);
  if (fd < 0) {
    NABLA_THROW(kInvalidArgument)
        << "cannot create temporary file '" << tmp << "' for '" << path
        << "': " << std::strerror(errno);
  }
  ::close(fd);
  bool ok = false;
  {
    std::ofstream file(tmp, std::ios::binary | std::ios::trunc);
    if (EndsWith(path, ".gz")) {
      // Default gzip_params: mtime 0 and no file name, so output is
      // reproducible.
      boost::iostreams::filtering_ostream out;
      out.push(boost::iostreams::gzip_compressor());
      out.push(file);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      out.reset();  // flushes and writes the gzip footer
    } else {
      file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    }
    file.close();
    ok = !file.fail();
  }
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(tmp.c_str());
    NABLA_THROW(kInvalidArgument)
        << "cannot write '" << path << "': " << std::strerror(err);
  }
}

void WriteIdx(const std::string& images_path, const std::string& labels_path,
              int64_t rows, int64_t cols, const std::vector<uint8_t>& pixels,
              const std::vector<int32_t>& labels) {
  const int64_t count = static_cast<int64_t>(labels.size());
  // Encode both before writing either, so a bad argument writes nothing.
  const std::string image_bytes = EncodeIdxImages(count, rows, cols, pixels);
  const std::string label_bytes = EncodeIdxLabels(labels);
  WriteFileAtomic(images_path, image_bytes);
  WriteFileAtomic(labels_path, label_bytes);
}

}  // namespace nabla::data

#include "tests/data/test_util.h"

#include <boost/iostreams/copy.hpp>
#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nabla::data::testing {

std::string MakeTempDir(const std::string& name) {
  const char* root = std::getenv("TEST_TMPDIR");
  const std::filesystem::path dir =
      std::filesystem::path(root != nullptr ? root : "/tmp") / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!file) throw std::runtime_error("test: cannot write " + path);
}

std::string ReadBytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("test: cannot read " + path);
  std::ostringstream out;
  out << file.rdbuf();
  return out.str();
}

std::string Gzip(const std::string& bytes) {
  std::ostringstream sink;
  {
    boost::iostreams::filtering_ostream out;
    out.push(boost::iostreams::gzip_compressor());
    out.push(sink);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  return sink.str();
}

std::vector<uint8_t> FakePixels(int64_t count, int64_t rows, int64_t cols) {
  std::vector<uint8_t> pixels(count * rows * cols);
  for (int64_t i = 0; i < count; ++i) {
    for (int64_t k = 0; k < rows * cols; ++k) {
      pixels[i * rows * cols + k] = static_cast<uint8_t>((i * 7 + k * 3) % 256);
    }
  }
  return pixels;
}

std::vector<int32_t> FakeLabels(int64_t count) {
  std::vector<int32_t> labels(count);
  for (int64_t i = 0; i < count; ++i) labels[i] = static_cast<int32_t>(i % 10);
  return labels;
}

}  // namespace nabla::data::testing

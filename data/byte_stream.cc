#include "data/byte_stream.h"

#include <sys/stat.h>

#include <boost/iostreams/filter/gzip.hpp>
#include <boost/iostreams/filter/zlib.hpp>
#include <boost/iostreams/filtering_stream.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <string>

#include "graph/error.h"

namespace nabla::data::internal {
namespace {

// Deflate cannot expand more than about 1032:1 (zlib technical details);
// the margin covers gzip headers and multi-member files.
constexpr uint64_t kMaxGzipRatio = 1100;

// What went wrong, in words; boost's what() is only "gzip error".
std::string GzipErrorText(const boost::iostreams::gzip_error& e) {
  namespace gzip = boost::iostreams::gzip;
  namespace zlib = boost::iostreams::zlib;
  switch (e.error()) {
    case gzip::zlib_error:
      if (e.zlib_error_code() == zlib::buf_error) {
        return "compressed data ends early (file truncated?)";
      }
      if (e.zlib_error_code() == zlib::data_error) {
        return "corrupt compressed data";
      }
      return "zlib error " + std::to_string(e.zlib_error_code());
    case gzip::bad_crc:
      return "CRC mismatch (data corrupt)";
    case gzip::bad_length:
      return "length in gzip footer does not match the data";
    case gzip::bad_header:
      return "malformed gzip header (or junk after the compressed data)";
    case gzip::bad_footer:
      return "missing or malformed gzip footer (file truncated?)";
    case gzip::bad_method:
      return "unsupported compression method";
  }
  return e.what();
}

}  // namespace

ByteStream::ByteStream(const std::string& path, const std::string& what)
    : path_(path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    NABLA_THROW(kNotFound) << "cannot open " << what << " '" << path
                           << "': " << std::strerror(errno);
  }
  if (!S_ISREG(st.st_mode)) {
    NABLA_THROW(kInvalidFile) << "cannot read " << what << " '" << path
                              << "': expected a regular file";
  }
  file_size_ = static_cast<uint64_t>(st.st_size);
  file_.open(path, std::ios::binary);
  if (!file_) {
    NABLA_THROW(kNotFound) << "cannot open " << what << " '" << path
                           << "': " << std::strerror(errno);
  }
  char magic[2] = {0, 0};
  file_.read(magic, 2);
  gzip_ = file_.gcount() == 2 && static_cast<unsigned char>(magic[0]) == 0x1f &&
          static_cast<unsigned char>(magic[1]) == 0x8b;
  file_.clear();
  file_.seekg(0);
  if (gzip_) {
    auto in = std::make_unique<boost::iostreams::filtering_istream>();
    in->push(boost::iostreams::gzip_decompressor());
    in->push(file_);
    // Rethrow gzip_error from read() instead of only setting badbit.
    in->exceptions(std::ios::badbit);
    gunzip_ = std::move(in);
  }
}

ByteStream::~ByteStream() = default;

size_t ByteStream::Read(char* dst, size_t n) {
  std::istream& in = gzip_ ? *gunzip_ : static_cast<std::istream&>(file_);
  if (!in.good()) return 0;
  try {
    in.read(dst, static_cast<std::streamsize>(n));
  } catch (const boost::iostreams::gzip_error& e) {
    NABLA_THROW(kInvalidFile)
        << path_ << ": bad gzip file: " << GzipErrorText(e);
  } catch (const std::exception& e) {
    NABLA_THROW(kInvalidFile) << path_ << ": read error: " << e.what();
  }
  if (in.bad()) {
    NABLA_THROW(kInvalidFile)
        << path_ << ": read error: " << std::strerror(errno);
  }
  return static_cast<size_t>(in.gcount());
}

uint64_t ByteStream::SkipRest() {
  char buf[1 << 16];
  uint64_t total = 0;
  size_t n;
  while ((n = Read(buf, sizeof(buf))) > 0) total += n;
  return total;
}

uint64_t ByteStream::MaxDataSize() const {
  return gzip_ ? file_size_ * kMaxGzipRatio : file_size_;
}

}  // namespace nabla::data::internal

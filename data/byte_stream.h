// Sequential reader over a file that may be gzip-compressed. Internal to
// //data:idx.
//
// The format is decided by the first two bytes (gzip magic 0x1f 0x8b), not
// by the file name. Errors (missing file, corrupt gzip) throw nabla::Error
// naming the file.
#ifndef NABLA_DATA_BYTE_STREAM_H_
#define NABLA_DATA_BYTE_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <istream>
#include <memory>
#include <string>

namespace nabla::data::internal {

class ByteStream {
 public:
  // `what` describes the file in messages ("images file").
  ByteStream(const std::string& path, const std::string& what);
  ~ByteStream();
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Reads up to n bytes into dst; returns fewer only at the end of the data.
  size_t Read(char* dst, size_t n);
  // Reads and discards the rest of the data; returns how many bytes it held.
  uint64_t SkipRest();

  bool gzip() const { return gzip_; }
  uint64_t file_size() const { return file_size_; }
  // The most (decompressed) bytes this file can possibly hold.
  uint64_t MaxDataSize() const;

 private:
  std::string path_;
  bool gzip_ = false;
  uint64_t file_size_ = 0;
  std::ifstream file_;
  std::unique_ptr<std::istream> gunzip_;  // set when gzip_
};

}  // namespace nabla::data::internal

#endif  // NABLA_DATA_BYTE_STREAM_H_

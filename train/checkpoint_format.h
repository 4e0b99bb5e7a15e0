// Private to //train:checkpoint: the format constants and helpers that the
// writer (checkpoint_write.cc) and the reader (checkpoint_read.cc) share.
// The layout itself is documented in checkpoint.h.
#ifndef NABLA_TRAIN_CHECKPOINT_FORMAT_H_
#define NABLA_TRAIN_CHECKPOINT_FORMAT_H_

#include <boost/crc.hpp>
#include <cstddef>
#include <cstdint>
#include <string>

#include "train/checkpoint.h"

namespace nabla {
namespace checkpoint_internal {

// Tensor data is copied to and from memory as is.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "checkpoints store little-endian floats; add byte swapping for this host");

constexpr uint64_t kMagicBytes = 8;
// Headers hold names, shapes and metrics, never tensor data; the bound keeps
// a damaged length inside a large file from asking for gigabytes.
constexpr uint64_t kMaxMessageBytes = uint64_t{64} << 20;

inline uint32_t Crc32(const void* data, size_t size) {
  boost::crc_32_type crc;
  crc.process_bytes(data, size);
  return crc.checksum();
}

inline bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

inline std::string OptimizerTensorName(const std::string& param, size_t k) {
  return kOptimizerTensorPrefix + param + "/" + std::to_string(k);
}

}  // namespace checkpoint_internal
}  // namespace nabla

#endif  // NABLA_TRAIN_CHECKPOINT_FORMAT_H_

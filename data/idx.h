// Reading and writing MNIST-style IDX files.
//
// Format (all integers big-endian):
//   images: magic 0x00000803, count, rows, cols, then count*rows*cols uint8
//           or magic 0x00000804, count, channels, rows, cols, then
//           count*channels*rows*cols uint8 (each image channel-major, CHW)
//   labels: magic 0x00000801, count, then count uint8
// A file may be gzip-compressed; readers decide by the gzip magic bytes
// (0x1f 0x8b), never by the file name. Writers gzip when the path ends in
// ".gz".
//
// Errors: every problem with a file (missing, bad magic, wrong size, corrupt
// gzip, count mismatch, label out of range) throws nabla::Error naming the
// file and what was expected versus found.
//
// Thread safety: the functions are reentrant; a Dataset is a plain value.
#ifndef NABLA_DATA_IDX_H_
#define NABLA_DATA_IDX_H_

#include <cstdint>
#include <string>
#include <vector>

namespace nabla::data {

inline constexpr uint32_t kIdxImagesMagic = 0x00000803;
inline constexpr uint32_t kIdxImages4Magic = 0x00000804;  // with channels
inline constexpr uint32_t kIdxLabelsMagic = 0x00000801;

// One split (train or test) held in memory.
struct Dataset {
  int64_t size = 0;  // number of samples
  int64_t channels = 1;
  int64_t rows = 0;
  int64_t cols = 0;
  // size*channels*rows*cols, CHW per image, as stored in the file
  // (0..255). The model
  // sees pixel / 255.0f (PixelsToFloat), converted when a batch is
  // gathered: a quarter of the memory of float32 (47 MB instead of 188 MB
  // for Fashion-MNIST's training set), at no measurable cost per batch.
  std::vector<uint8_t> pixels;
  std::vector<int32_t> labels;  // size
  std::string source;           // "IMAGES_PATH + LABELS_PATH"

  int64_t features() const { return channels * rows * cols; }
  // The largest label + 1: classes come from the data, not a constant.
  int64_t num_classes() const;
};

// dst[i] = src[i] / 255.0f: the only scaling nabla applies to images.
inline void PixelsToFloat(const uint8_t* src, int64_t n, float* dst) {
  for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]) / 255.0f;
}

// Asks the CPU to start loading `bytes` bytes at `row`. A gather in shuffled
// order reads rows its prefetchers cannot guess, so Batcher prefetches the
// row kGatherPrefetchAhead positions ahead while it converts one. On 256
// random rows of 784 bytes that made the gather 2.4x faster:
// `bazel-bin/bench/micro_bench bytes`, 78.6 -> 33.4 us median on one thread
// (lscpu: AMD EPYC, CPU family 26, Zen 5); 2 and 4 rows ahead measured the
// same in an earlier standalone loop.
constexpr int64_t kGatherPrefetchAhead = 2;
inline void PrefetchRow(const uint8_t* row, int64_t bytes) {
  for (int64_t offset = 0; offset < bytes; offset += 64) __builtin_prefetch(row + offset);
}

// Raw contents of an images file.
struct IdxImages {
  int64_t count = 0, channels = 1, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // count*channels*rows*cols
};

// Reads one images / labels file (raw or gzip). Throws nabla::Error.
IdxImages ReadIdxImages(const std::string& path);
std::vector<uint8_t> ReadIdxLabels(const std::string& path);

// Reads an images file and a labels file into a Dataset. Checks that both
// hold the same number of samples and, when num_classes > 0, that every
// label lies in [0, num_classes); with 0 (the default) any byte is a class
// and the model checks the labels against its outputs. Throws nabla::Error.
Dataset LoadIdx(const std::string& images_path, const std::string& labels_path,
                int num_classes = 0);

// Serialises to IDX bytes (uncompressed). Throws kInvalidArgument when
// pixels.size() != count*rows*cols, a dimension does not fit in 32 bits, or
// a label does not fit in a byte.
std::string EncodeIdxImages(int64_t count, int64_t rows, int64_t cols,
                            const std::vector<uint8_t>& pixels);
// The 4-dimensional form (magic 0x00000804) with `channels` per image.
std::string EncodeIdxImages(int64_t count, int64_t channels, int64_t rows, int64_t cols,
                            const std::vector<uint8_t>& pixels);
std::string EncodeIdxLabels(const std::vector<int32_t>& labels);

// Writes `bytes` to `path`, gzip-compressed when `path` ends in ".gz",
// atomically (graph/atomic_file.h).
void WriteIdxFile(const std::string& path, const std::string& bytes);

// Writes one split as an images file and a labels file (uint8 pixels,
// row-major, size = labels.size()).
void WriteIdx(const std::string& images_path, const std::string& labels_path,
              int64_t rows, int64_t cols, const std::vector<uint8_t>& pixels,
              const std::vector<int32_t>& labels, int64_t channels = 1);

}  // namespace nabla::data

#endif  // NABLA_DATA_IDX_H_

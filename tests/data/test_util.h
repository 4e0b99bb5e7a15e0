// Helpers shared by the data tests: scratch files under $TEST_TMPDIR.
#ifndef NABLA_TESTS_DATA_TEST_UTIL_H_
#define NABLA_TESTS_DATA_TEST_UTIL_H_

#include <cstdint>
#include <string>
#include <vector>

namespace nabla::data::testing {

// A fresh, empty directory under $TEST_TMPDIR (or /tmp outside Bazel).
std::string MakeTempDir(const std::string& name);

// Writes `bytes` verbatim (no compression, whatever the name).
void WriteBytes(const std::string& path, const std::string& bytes);
std::string ReadBytes(const std::string& path);

// gzip-compresses `bytes` in memory.
std::string Gzip(const std::string& bytes);

// Deterministic fake images: pixel k of image i is (i*7 + k*3) % 256;
// labels cycle 0..9.
std::vector<uint8_t> FakePixels(int64_t count, int64_t rows, int64_t cols);
std::vector<int32_t> FakeLabels(int64_t count);

}  // namespace nabla::data::testing

#endif  // NABLA_TESTS_DATA_TEST_UTIL_H_

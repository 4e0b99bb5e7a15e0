// Shared by the libFuzzer harnesses: a scratch file per process for readers
// that take a path.
#ifndef NABLA_TESTS_FUZZ_FUZZ_UTIL_H_
#define NABLA_TESTS_FUZZ_FUZZ_UTIL_H_

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace nabla::fuzz {

// "<dir>/nabla-fuzz-<pid><suffix>", dir from $TMPDIR (default /tmp).
inline std::string ScratchPath(const std::string& suffix) {
  const char* dir = std::getenv("TMPDIR");
  return std::string(dir != nullptr ? dir : "/tmp") + "/nabla-fuzz-" +
         std::to_string(::getpid()) + suffix;
}

inline void WriteScratch(const std::string& path, const void* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
}

}  // namespace nabla::fuzz

#endif  // NABLA_TESTS_FUZZ_FUZZ_UTIL_H_

// libFuzzer harness: the IDX reader, raw and gzip. Input: one selector
// byte: bit 0 picks images or labels; bit 1 gzip-compresses the rest
// (valid gzip around fuzzed IDX bytes); bit 2 writes the rest as is to a
// file the reader takes for gzip when it starts with the gzip magic.
#include <zlib.h>

#include <cstdint>
#include <string>

#include "data/idx.h"
#include "graph/error.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  static const std::string raw = nabla::fuzz::ScratchPath("-idx");
  static const std::string gz = nabla::fuzz::ScratchPath("-idx.gz");
  std::string path = raw;
  if (selector & 2) {
    path = gz;
    gzFile f = gzopen(path.c_str(), "wb");
    if (f == nullptr) return 0;
    if (size > 1) gzwrite(f, data + 1, static_cast<unsigned>(size - 1));
    gzclose(f);
  } else {
    nabla::fuzz::WriteScratch(selector & 4 ? gz : raw, data + 1, size - 1);
    if (selector & 4) path = gz;
  }
  try {
    if (selector & 1) {
      nabla::data::ReadIdxLabels(path);
    } else {
      nabla::data::ReadIdxImages(path);
    }
  } catch (const nabla::Error&) {
  }
  return 0;
}

// libFuzzer harness: the checkpoint readers. Input: one selector byte
// (even: the binary reader on the bytes as a .ckpt file; odd: the text
// form parsed in memory), then the file.
#include <cstdint>
#include <string>

#include "graph/error.h"
#include "tests/fuzz/fuzz_util.h"
#include "train/checkpoint.h"
#include "train/checkpoint_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const char* bytes = reinterpret_cast<const char*>(data + 1);
  try {
    if (data[0] & 1) {
      nabla::CheckpointFromText(std::string(bytes, size - 1), "fuzz.ckpt.txt");
    } else {
      static const std::string path = nabla::fuzz::ScratchPath(".ckpt");
      nabla::fuzz::WriteScratch(path, bytes, size - 1);
      nabla::ReadCheckpoint(path);
    }
  } catch (const nabla::Error&) {
  }
  return 0;
}

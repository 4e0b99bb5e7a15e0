// libFuzzer harness for the ONNX reader: any bytes go through
// ParseOnnxModel and ImportModel, and what import accepts is built as a
// GraphModel, as `nabla import` does. A nabla::Error is the expected
// outcome for bad input; a crash, an abort (NABLA_CHECK), a sanitizer report
// or a hang is a bug.
//
// Built as a real fuzzer with clang (tests/onnx/run_fuzzer.sh); with gcc,
// onnx_fuzz_replay_test drives the same function over mutated seeds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "graph/error.h"
#include "graph/model.h"
#include "onnx/import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    ::onnx::ModelProto model = nabla::onnx_io::ParseOnnxModel(bytes, "fuzz.onnx");
    nabla::onnx_io::ImportedModel imported = nabla::onnx_io::ImportModel(model, "fuzz.onnx");
    nabla::GraphModel graph(nabla::LoadedModelDef{imported.def, {}, {}});
  } catch (const nabla::Error&) {
  }
  return 0;
}

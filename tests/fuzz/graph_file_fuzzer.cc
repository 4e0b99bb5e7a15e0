// libFuzzer harness: graph files, text and binary, through the reader,
// --set overrides and the validator. Input: one selector byte (even: text
// parsed in memory; odd: the bytes as a file named .pb, through
// ReadModelDef with its text/binary fallbacks), then the file, then
// optionally "\n--set\n" followed by one override per line.
// Anything but nabla::Error escaping, or a sanitizer report, is a bug.
#include <cstdint>
#include <string>
#include <vector>

#include "graph/error.h"
#include "graph/model.h"
#include "tests/fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool binary = data[0] & 1;
  std::string content(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string> overrides;
  const std::string marker = "\n--set\n";
  size_t at = content.find(marker);
  if (at != std::string::npos) {
    std::string rest = content.substr(at + marker.size());
    content.resize(at);
    size_t start = 0;
    while (start <= rest.size() && overrides.size() < 8) {
      size_t end = rest.find('\n', start);
      overrides.push_back(rest.substr(start, end == std::string::npos ? std::string::npos
                                                                      : end - start));
      if (end == std::string::npos) break;
      start = end + 1;
    }
  }
  try {
    nabla::LoadedModelDef loaded;
    if (binary) {
      static const std::string path = nabla::fuzz::ScratchPath(".pb");
      nabla::fuzz::WriteScratch(path, content.data(), content.size());
      loaded = nabla::ReadModelDef(path);
    } else {
      loaded = nabla::ParseModelDefText(content, "fuzz.pbtxt");
    }
    if (!overrides.empty()) nabla::ApplyOverrides(overrides, &loaded);
    for (const nabla::GraphProblem& problem : nabla::ValidateModelDef(loaded)) {
      nabla::FormatProblem(problem);
    }
  } catch (const nabla::Error&) {
  }
  return 0;
}

// libFuzzer harness: what the plugin loader checks before trusting a
// library: the ELF validation of the file (plugin_internal::
// ValidateElfBytes) and of the NablaPluginInfo it returns (CheckPluginInfo),
// built from the input: abi_version from 4 bytes, then the version and
// compiler strings separated by NUL. Nothing is ever opened or run.
#include <cstdint>
#include <cstring>
#include <string>

#include "graph/error.h"
#include "plugins/loader.h"
#include "plugins/plugin_api.h"

namespace {
void RegisterNothing(NablaPluginRegistrar*) {}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    nabla::plugin_internal::ValidateElfBytes(bytes, "fuzz.so");
  } catch (const nabla::Error&) {
  }
  if (size < 4) return 0;
  NablaPluginInfo info;
  std::memcpy(&info.abi_version, data, 4);
  std::string rest = bytes.substr(4);
  size_t nul = rest.find('\0');
  std::string version = rest.substr(0, nul);
  std::string compiler = nul == std::string::npos ? "" : rest.substr(nul + 1);
  info.nabla_version = (size > 4 && data[4] == 0xff) ? nullptr : version.c_str();
  info.compiler = compiler.c_str();
  info.register_ops = (size > 5 && data[5] == 0xff) ? nullptr : &RegisterNothing;
  try {
    nabla::plugin_internal::CheckPluginInfo(&info, "fuzz.so");
  } catch (const nabla::Error&) {
  }
  return 0;
}

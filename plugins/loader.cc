#include "plugins/loader.h"

#include <cxxabi.h>
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include <boost/dll/shared_library.hpp>

#include "graph/error.h"
#include "graph/registry.h"
#include "graph/version.h"
#include "plugins/plugin_api.h"

namespace nabla {
namespace {

namespace fs = std::filesystem;

struct Library {
  boost::dll::shared_library library;
  std::vector<std::string> ops;
};

// Canonical path -> library. Never destroyed: the registry keeps pointers
// to the libraries' kernels until the process exits.
std::map<std::string, Library>& Loaded() {
  static auto* loaded = new std::map<std::string, Library>();
  return *loaded;
}

// Canonical path -> a library whose static initialisers registered ops
// while it was opened, and why its load failed. It cannot be closed either
// (the registry holds its ops), and loading it again fails the same way.
struct PinnedLibrary {
  boost::dll::shared_library library;
  std::string why;
};
std::map<std::string, PinnedLibrary>& Pinned() {
  static auto* pinned = new std::map<std::string, PinnedLibrary>();
  return *pinned;
}

[[noreturn]] void Fail(ErrorCode code, const std::string& path, const std::string& why) {
  throw Error(code, "cannot load plugin '" + path + "': " + why);
}

std::string OrNull(const char* s) { return s == nullptr ? "(null)" : "'" + std::string(s) + "'"; }

// "nabla::OpSchema::Doc" for _ZN5nabla8OpSchema3DocE...: the name without
// its (long) parameter list.
std::string ShortName(const std::string& symbol) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> name(
      abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status), &std::free);
  if (status != 0 || !name) return symbol;
  std::string demangled = name.get();
  return demangled.substr(0, demangled.find('('));
}

// dlopen's reason, with the fix for the usual cause: a host that does not
// export nabla's symbols.
std::string OpenFailure(const char* dl_error) {
  std::string why = dl_error == nullptr ? "dlopen failed" : dl_error;
  const std::string marker = "undefined symbol: ";
  size_t at = why.find(marker);
  if (at == std::string::npos) return "the dynamic loader refused it: " + why;
  std::string symbol = why.substr(at + marker.size());
  symbol = symbol.substr(0, symbol.find_first_of(" ,("));
  return "it needs " + ShortName(symbol) + " (undefined symbol " + symbol +
         "), which this program does not export. Link the program with -rdynamic (Bazel: "
         "depend on //plugins:loader) so plugins can use its nabla symbols";
}

void CheckIsSharedLibrary(const fs::path& file, const std::string& path) {
  std::ifstream in(file, std::ios::binary);
  if (!in.is_open()) Fail(ErrorCode::kPlugin, path, "cannot open it for reading");
  char magic[4] = {0, 0, 0, 0};
  in.read(magic, sizeof(magic));
  static const char kElfMagic[4] = {0x7f, 'E', 'L', 'F'};
  if (!in || std::memcmp(magic, kElfMagic, sizeof(kElfMagic)) != 0) {
    Fail(ErrorCode::kPlugin, path, "not a shared library (the file has no ELF header)");
  }
}

void CheckInfo(const NablaPluginInfo* info, const std::string& path) {
  if (info == nullptr) Fail(ErrorCode::kPlugin, path, NABLA_PLUGIN_ENTRY_POINT "() returned null");
  // Only abi_version is at a fixed place in every ABI version; nothing else
  // is read until it matches.
  if (info->abi_version != NABLA_PLUGIN_ABI_VERSION) {
    Fail(ErrorCode::kPlugin, path,
         "it was built for plugin ABI version " + std::to_string(info->abi_version) +
             ", but this nabla " NABLA_VERSION " loads plugin ABI version " +
             std::to_string(NABLA_PLUGIN_ABI_VERSION) +
             "; rebuild the plugin against this nabla's headers");
  }
  std::string problems;
  auto mismatch = [&problems](const std::string& what, const char* plugin, const char* host) {
    if (plugin != nullptr && std::strcmp(plugin, host) == 0) return;
    problems += (problems.empty() ? "" : "; ") + std::string("it was built ") + what + " " +
                OrNull(plugin) + ", this program " + what + " '" + host + "'";
  };
  mismatch("against nabla", info->nabla_version, NABLA_VERSION);
  mismatch("with compiler", info->compiler, NABLA_COMPILER_TAG);
  if (!problems.empty()) {
    Fail(ErrorCode::kPlugin, path,
         problems + ". C++ objects cross between plugin and program, so both must "
                    "come from the same nabla version, compiler and -std; rebuild the plugin");
  }
  if (info->register_ops == nullptr) {
    Fail(ErrorCode::kPlugin, path, "its NablaPluginInfo has no register_ops function");
  }
}

}  // namespace

const char* HostCompilerTag() { return NABLA_COMPILER_TAG; }

LoadedPlugin LoadPlugin(const std::string& path) {
  static std::mutex* mu = new std::mutex();
  std::lock_guard<std::mutex> lock(*mu);

  std::error_code ec;
  if (!fs::exists(path, ec)) Fail(ErrorCode::kNotFound, path, "no such file");
  const fs::path file = fs::canonical(path, ec);
  if (ec) Fail(ErrorCode::kNotFound, path, ec.message());
  if (fs::is_directory(file, ec)) Fail(ErrorCode::kPlugin, path, "it is a directory");
  auto done = Loaded().find(file.string());
  if (done != Loaded().end()) return {file.string(), done->second.ops, true};
  auto pinned = Pinned().find(file.string());
  if (pinned != Pinned().end()) Fail(ErrorCode::kPlugin, path, pinned->second.why);
  CheckIsSharedLibrary(file, path);

  // RTLD_NOW: an unresolved symbol fails here, with a message, not at the
  // first call into the plugin. RTLD_LOCAL: plugins do not see each other.
  OpRegistry& registry = OpRegistry::Global();
  const std::vector<std::string> names_before = registry.Names();
  dlerror();  // clear any stale message
  boost::dll::shared_library library;
  boost::dll::fs::error_code open_error;
  library.load(boost::dll::fs::path(file.string()),
               boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local, open_error);
  if (open_error) Fail(ErrorCode::kPlugin, path, OpenFailure(dlerror()));

  if (registry.Names() != names_before) {
    const std::string why =
        "opening it registered ops through static initialisers (NABLA_REGISTER_OP) "
        "before its ABI could be checked; they stay registered, as part of the program. "
        "A plugin adds its ops with registrar->Add(...) in the function passed to "
        "NABLA_PLUGIN (plugins/plugin_api.h)";
    Pinned()[file.string()] = {std::move(library), why};
    Fail(ErrorCode::kPlugin, path, why);
  }
  if (!library.has(NABLA_PLUGIN_ENTRY_POINT)) {
    Fail(ErrorCode::kPlugin, path,
         "it does not export " NABLA_PLUGIN_ENTRY_POINT
         "(), so it is not a nabla plugin; define it with NABLA_PLUGIN(...) from "
         "plugins/plugin_api.h");
  }
  const NablaPluginInfo* info = library.get<const NablaPluginInfo*()>(NABLA_PLUGIN_ENTRY_POINT)();
  CheckInfo(info, path);

  // From here on C++ objects cross. The registrar (and the plugin's schemas,
  // whose std::functions point into the library) must die before a failed
  // library is closed, so it lives in an inner scope.
  std::vector<std::string> ops;
  {
    NablaPluginRegistrar registrar;
    // NABLA_PLUGIN's function catches exceptions itself; a hand-written
    // entry point may not, and its exception must not outlive the library.
    try {
      info->register_ops(&registrar);
    } catch (const std::exception& e) {
      registrar.set_error(e.what());
    } catch (...) {
      registrar.set_error("an exception that is not a std::exception");
    }
    if (!registrar.error().empty()) {
      Fail(ErrorCode::kPlugin, path, "its registration function threw: " + registrar.error());
    }
    for (const OpSchema& schema : registrar.schemas()) ops.push_back(schema.name());
    for (KernelEntry& kernel : registrar.kernels()) kernel.origin.where = "plugin " + path;
    const std::string kernel_problems = KernelRegistry::Global().CheckAll(registrar.kernels());
    if (!kernel_problems.empty()) {
      Fail(ErrorCode::kPlugin, path,
           "none of its ops were registered; its backend kernels are invalid:\n" + kernel_problems);
    }
    try {
      registry.RegisterAll(std::move(registrar.schemas()), {OpOrigin::kPlugin, path});
    } catch (const Error& e) {
      Fail(ErrorCode::kPlugin, path, std::string("none of its ops were registered:\n") + e.what());
    }
    try {
      KernelRegistry::Global().RegisterAll(std::move(registrar.kernels()));
    } catch (const Error& e) {
      // Checked above; only a race with another loader gets here.
      Fail(ErrorCode::kPlugin, path,
           std::string("its ops were registered but none of its backend kernels:\n") + e.what());
    }
  }
  registry.NotePluginLoaded(path);
  Loaded()[file.string()] = {std::move(library), ops};
  return {file.string(), std::move(ops), false};
}

}  // namespace nabla

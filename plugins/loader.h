// Loading op libraries at run time (`nabla train --plugin libswish.so`).
//
// LoadPlugin opens a shared library built against plugins/plugin_api.h,
// reads its NablaPluginInfo, refuses it unless the plugin ABI version, the
// nabla version and the compiler tag all equal this build's, then runs its
// registration function and registers every op it added at once with
// origin "plugin <path>". A load either registers all of the plugin's ops or
// none of them.
//
// Only an explicit call loads code: graph files and checkpoints name ops,
// never libraries.
//
// Symbols: the host program must export nabla's symbols to the plugin. Any
// Bazel binary that depends on //plugins:loader is linked with -rdynamic for
// that; other builds must pass -rdynamic themselves (plugins/README.md).
//
// Lifetime: a loaded library stays loaded until the process exits (the
// registry holds its kernels). A library whose load failed is closed again,
// unless opening it already ran code that registered ops.
//
// Thread safety: LoadPlugin may be called from any thread; loads are
// serialised.
#ifndef NABLA_PLUGINS_LOADER_H_
#define NABLA_PLUGINS_LOADER_H_

#include <string>
#include <vector>

struct NablaPluginInfo;  // plugins/plugin_api.h

namespace nabla {

struct LoadedPlugin {
  std::string path;              // canonical path of the library
  std::vector<std::string> ops;  // the ops it registered, in its order
  bool already_loaded = false;   // loaded by an earlier call; nothing done
};

// Loads the plugin at `path` (absolute, or relative to the working
// directory; the system library path is never searched). Loading the same
// file again (same canonical path) is a no-op that returns already_loaded.
//
// Throws nabla::Error:
//   kNotFound  the file does not exist;
//   kPlugin    it is not a loadable shared library (the message carries the
//              dynamic loader's reason, e.g. an undefined nabla symbol when
//              the host was linked without -rdynamic), lacks the
//              nabla_plugin_info entry point, was built for another plugin
//              ABI, nabla version or compiler (naming both sides), its
//              registration function threw, or one of its ops is invalid or
//              already registered (naming both origins).
// After an error the registry is unchanged.
LoadedPlugin LoadPlugin(const std::string& path);

// The checks LoadPlugin makes before it trusts a file, exposed for the
// fuzzers (tests/fuzz) and tests. Both throw Error(kPlugin) naming `path`.
namespace plugin_internal {
// The ELF file: header, program and section headers, segments inside the
// file, and nabla_plugin_info a function in the dynamic symbol table.
void ValidateElfBytes(const std::string& bytes, const std::string& path);
// The NablaPluginInfo a plugin returned: ABI version, nabla version and
// compiler tag equal this build's, a registration function present.
void CheckPluginInfo(const struct ::NablaPluginInfo* info, const std::string& path);
}  // namespace plugin_internal

// This build's NABLA_COMPILER_TAG, e.g. "gcc 12.2 libstdc++ cxx11-abi=1
// c++201703L" (for `nabla --version` and messages).
const char* HostCompilerTag();

}  // namespace nabla

#endif  // NABLA_PLUGINS_LOADER_H_

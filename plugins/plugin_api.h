// The plugin ABI: what a separately compiled op library exports, and what
// the loader (plugins/loader.h) checks before it trusts it.
//
// A plugin declares its ops exactly as built-in ops do (an OpSchema and a
// Kernel struct, see graph/op_schema.h) but adds them inside a registration
// function instead of with NABLA_REGISTER_OP:
//
//   #include "plugins/plugin_api.h"
//
//   void RegisterOps(NablaPluginRegistrar* registrar) {
//     registrar->Add(nabla::OpSchema("Swish").Input("x")...Kernels<SwishKernel>());
//   }
//   NABLA_PLUGIN(RegisterOps)
//
// NABLA_PLUGIN defines the one exported symbol, the C function
// `const NablaPluginInfo* nabla_plugin_info(void)`. Its result is a plain C
// struct, so the loader can read it whatever compiler built the plugin: the
// plugin ABI version, the nabla version and a compiler/standard-library tag.
// Only when all three equal the host's does the loader call register_ops,
// the first moment a C++ object (the registrar, then OpSchemas) crosses
// between the two builds.
//
// Why no static registration: NABLA_REGISTER_OP runs when the library is
// opened, before any check, and could register ops built with an
// incompatible compiler. In a file that includes this header it is a
// compile error.
//
// Symbols: a plugin is linked without any nabla library. Its references to
// nabla (OpSchema's builder, Tensor, Shape, ...) are resolved at load time
// from the host program, which must export them (link it with -rdynamic;
// Bazel targets that depend on //plugins:loader get that automatically).
// See plugins/README.md.
#ifndef NABLA_PLUGINS_PLUGIN_API_H_
#define NABLA_PLUGINS_PLUGIN_API_H_

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "graph/kernel.h"
#include "graph/op_schema.h"
#include "graph/registry.h"
#include "graph/version.h"

// Bumped whenever NablaPluginInfo or NablaPluginRegistrar changes.
#define NABLA_PLUGIN_ABI_VERSION 3  // 2: NablaPluginRegistrar::AddKernel; 3: op state, saved(i)

#define NABLA_PLUGIN_STR_(x) #x
#define NABLA_PLUGIN_STR(x) NABLA_PLUGIN_STR_(x)

// The C++ ABI a translation unit is compiled for: compiler and version,
// standard library and its string/list ABI, language standard. E.g.
// "gcc 12.2 libstdc++ cxx11-abi=1 c++201703L". Host and plugin must agree
// exactly, since std::string, std::vector and std::function cross over.
#if defined(__clang__)
#define NABLA_PLUGIN_COMPILER_ \
  "clang " NABLA_PLUGIN_STR(__clang_major__) "." NABLA_PLUGIN_STR(__clang_minor__)
#elif defined(__GNUC__)
#define NABLA_PLUGIN_COMPILER_ \
  "gcc " NABLA_PLUGIN_STR(__GNUC__) "." NABLA_PLUGIN_STR(__GNUC_MINOR__)
#else
#define NABLA_PLUGIN_COMPILER_ "unknown-compiler"
#endif
#if defined(_GLIBCXX_USE_CXX11_ABI)
#define NABLA_PLUGIN_STDLIB_ " libstdc++ cxx11-abi=" NABLA_PLUGIN_STR(_GLIBCXX_USE_CXX11_ABI)
#elif defined(_LIBCPP_ABI_VERSION)
#define NABLA_PLUGIN_STDLIB_ " libc++ abi=" NABLA_PLUGIN_STR(_LIBCPP_ABI_VERSION)
#else
#define NABLA_PLUGIN_STDLIB_ " unknown-stdlib"
#endif
#define NABLA_COMPILER_TAG \
  NABLA_PLUGIN_COMPILER_ NABLA_PLUGIN_STDLIB_ " c++" NABLA_PLUGIN_STR(__cplusplus)

// Collects a plugin's ops while its registration function runs. The loader
// owns it; the plugin only calls Add(). Nothing is registered until the
// function returns and every op has passed validation and the duplicate-name
// check (all or nothing).
class NablaPluginRegistrar {
 public:
  NablaPluginRegistrar() = default;
  NablaPluginRegistrar(const NablaPluginRegistrar&) = delete;
  NablaPluginRegistrar& operator=(const NablaPluginRegistrar&) = delete;

  NablaPluginRegistrar& Add(nabla::OpSchema schema) {
    schemas_.push_back(std::move(schema));
    return *this;
  }
  // Adds a kernel for another backend (graph/kernel.h), for one of this
  // plugin's ops or a built-in one; the eigen kernel of the plugin's own
  // ops comes from their schema's Kernels<K>(). Registered with the ops,
  // all or nothing.
  NablaPluginRegistrar& AddKernel(std::string op, std::string backend,
                                  nabla::ComputeType compute, nabla::KernelFactory factory) {
    kernels_.push_back({std::move(op), std::move(backend), compute, std::move(factory), {}});
    return *this;
  }

  // For the loader.
  std::vector<nabla::OpSchema>& schemas() { return schemas_; }
  std::vector<nabla::KernelEntry>& kernels() { return kernels_; }
  // An exception that escaped the registration function (what()).
  const std::string& error() const { return error_; }
  void set_error(std::string error) { error_ = std::move(error); }

 private:
  std::vector<nabla::OpSchema> schemas_;
  std::vector<nabla::KernelEntry> kernels_;
  std::string error_;
};

extern "C" {

// Plain C so that the loader can read it before trusting anything else.
// abi_version stays the first member in every ABI version, so a loader can
// always read it; the other members are read only when it matches.
typedef struct NablaPluginInfo {
  int abi_version;            // NABLA_PLUGIN_ABI_VERSION
  const char* nabla_version;  // NABLA_VERSION
  const char* compiler;       // NABLA_COMPILER_TAG
  void (*register_ops)(NablaPluginRegistrar* registrar);
} NablaPluginInfo;

typedef const NablaPluginInfo* (*NablaPluginInfoFn)(void);

}  // extern "C"

// The exported symbol's name.
#define NABLA_PLUGIN_ENTRY_POINT "nabla_plugin_info"

namespace nabla::plugin_internal {

// Keeps exceptions from the plugin's function on its side of the boundary:
// the loader reads the message from the registrar instead.
template <void (*Register)(NablaPluginRegistrar*)>
void RegisterOpsNoThrow(NablaPluginRegistrar* registrar) noexcept {
  try {
    Register(registrar);
  } catch (const std::exception& e) {
    registrar->set_error(e.what());
  } catch (...) {
    registrar->set_error("an exception that is not a std::exception");
  }
}

}  // namespace nabla::plugin_internal

// NABLA_PLUGIN(RegisterOps): defines the entry point for a plugin whose ops
// are added by `void RegisterOps(NablaPluginRegistrar* registrar)`. Use it
// once per plugin, at namespace scope. The info is constant-initialised, so
// opening the library runs no plugin code.
#define NABLA_PLUGIN(register_fn)                                             \
  extern "C" __attribute__((visibility("default"))) const NablaPluginInfo*    \
  nabla_plugin_info(void) {                                                   \
    static const NablaPluginInfo info = {                                     \
        NABLA_PLUGIN_ABI_VERSION, NABLA_VERSION, NABLA_COMPILER_TAG,          \
        &::nabla::plugin_internal::RegisterOpsNoThrow<register_fn>};          \
    return &info;                                                             \
  }

// Static registration would run at dlopen, before the loader's checks.
#undef NABLA_REGISTER_OP
#define NABLA_REGISTER_OP(...)                                              \
  static_assert(false,                                                      \
                "NABLA_REGISTER_OP cannot be used in a plugin: it runs when " \
                "the library is opened, before the loader checks its ABI. "   \
                "Add the op with registrar->Add(...) in the function passed " \
                "to NABLA_PLUGIN.")

#endif  // NABLA_PLUGINS_PLUGIN_API_H_

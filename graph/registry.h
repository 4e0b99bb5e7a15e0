// OpRegistry: the one table of ops, keyed by name.
//
// Ops arrive three ways, all through Register(): built-in ops from ops/
// (static NABLA_REGISTER_OP objects; every op library is alwayslink so the
// linker keeps them), ops a program registers the same way, and ops from
// plugin libraries (plugins/loader.h), which register all-or-nothing through
// RegisterAll(). Each op remembers its origin for `nabla ops` and errors.
//
// Thread safety: all methods lock; schemas are never removed, so returned
// references stay valid for the life of the process.
#ifndef NABLA_GRAPH_REGISTRY_H_
#define NABLA_GRAPH_REGISTRY_H_

#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "graph/op_schema.h"

namespace nabla {

struct OpOrigin {
  enum Kind { kBuiltin, kProgram, kPlugin };
  Kind kind = kProgram;
  std::string where;  // source file:line, or the plugin's path
  std::string ToString() const;  // "built-in (ops/activation/relu.cc:12)"
};

class OpRegistry {
 public:
  static OpRegistry& Global();

  // Validates and adds one op. Throws Error for an invalid schema, or for a
  // name already registered, naming both origins.
  const OpSchema& Register(OpSchema schema, OpOrigin origin);
  // Validates every schema first and registers none unless all are valid
  // and new.
  void RegisterAll(std::vector<OpSchema> schemas, const OpOrigin& origin);

  const OpSchema* Find(const std::string& name) const;
  // Throws kNotFound: "op 'Swish' is not registered; no loaded plugin
  // provides it - did you forget --plugin? Close names: ...", or, when no
  // built-in op is registered at all, how to link the ops.
  const OpSchema& Get(const std::string& name) const;
  std::string UnknownOpMessage(const std::string& name) const;
  OpOrigin OriginOf(const std::string& name) const;
  // False in a program linked without the built-in op libraries (ops/):
  // then UnknownOpMessage says how to link them, not "--plugin".
  bool HasBuiltinOps() const;
  std::vector<std::string> Names() const;  // sorted
  std::vector<std::string> CloseMatches(const std::string& name) const;

  // Plugin libraries loaded so far (for messages).
  void NotePluginLoaded(const std::string& path);
  std::vector<std::string> LoadedPlugins() const;

 private:
  std::string CheckNewLocked(const OpSchema& schema, const OpOrigin& origin) const;

  mutable std::mutex mu_;
  std::deque<std::unique_ptr<OpSchema>> schemas_;
  std::map<std::string, std::pair<const OpSchema*, OpOrigin>> by_name_;
  std::vector<std::string> plugins_;
};

// Registers at static-initialisation time; a failure there is a programming
// error, printed with both sources before the process exits.
class OpRegistrar {
 public:
  OpRegistrar(OpSchema schema, OpOrigin::Kind kind, const char* file, int line);
};

namespace internal {
#ifdef NABLA_BUILTIN_OPS
constexpr OpOrigin::Kind kRegistrationKind = OpOrigin::kBuiltin;
#else
constexpr OpOrigin::Kind kRegistrationKind = OpOrigin::kProgram;
#endif
}  // namespace internal

}  // namespace nabla

#define NABLA_REGISTER_CONCAT_(a, b) a##b
#define NABLA_REGISTER_CONCAT(a, b) NABLA_REGISTER_CONCAT_(a, b)
// NABLA_REGISTER_OP(OpSchema("Name").Input("x")...);
#define NABLA_REGISTER_OP(schema)                                       \
  static ::nabla::OpRegistrar NABLA_REGISTER_CONCAT(nabla_op_registrar_, \
                                                    __LINE__)(            \
      schema, ::nabla::internal::kRegistrationKind, __FILE__, __LINE__)

#endif  // NABLA_GRAPH_REGISTRY_H_

// Kernels: how an op runs, apart from what it is.
//
// An op's schema (graph/op_schema.h) says what the op is: inputs, attributes,
// parameters, shapes, gradient samples. Its kernels say how it runs. A kernel
// is registered for one (op, backend, compute type), in the spirit of
// TensorFlow's REGISTER_KERNEL_BUILDER:
//
//   backend       "eigen" is the reference. Every op has it, from its schema's
//                 Kernels<K>() (float32 and float64), so an op file or a
//                 plugin that only writes Kernels<K>() needs nothing else.
//                 Other backends ("dnnl", backends/dnnl/) add faster kernels
//                 for some ops and compute types.
//   compute type  kFloat32, kFloat64: tensors and arithmetic of that type.
//                 kBFloat16: mixed precision. Tensors at the op boundary stay
//                 float32; inside, the kernel multiplies in bf16 and
//                 accumulates in float32 (Precision::kBFloat16).
//
// How to add a backend kernel (one file, backends/<backend>/<family>.cc):
//
//   class DnnlLinear : public OpKernel {
//     void Forward(ForwardContext& ctx) override { ... }
//     void Backward(BackwardContext& ctx) override { ... }
//   };
//   NABLA_REGISTER_KERNEL("Linear", "dnnl", ComputeType::kFloat32,
//                         [](const AttrMap& a) { return std::make_unique<DnnlLinear>(a); });
//
// The kernel honours the same contract as the reference (op_schema.h: inputs
// then parameters, overwrite what it writes, BackwardContext::accumulates).
// tests/backends/kernel_agreement_test.cc runs every registered kernel
// against the eigen reference on the op's own samples; nothing to add there.
//
// Instances. OpCall (graph/apply.h) creates one instance per compute type the
// first time it runs and keeps it: one per graph-file node, layer object or
// call site. A recorded tape Node keeps the instance that ran its forward,
// so backward runs on the same one. An instance may keep what is worth
// keeping between calls (oneDNN primitives, scratch buffers); what belongs
// to one call (a bf16 copy of the input) goes to the call's kernel data
// (ForwardContext::set_kernel_data): a layer applied twice before one
// backward has two tape nodes but one instance. The one-shot functions
// (nabla::MatMul(a, b), Apply("Linear", ...)) build an OpCall per call, so
// their instances live for one call; oneDNN's own primitive cache then
// makes re-creating a primitive a lookup, not a new JIT compilation.
//
// A kernel that measured slower than the reference on the shapes that
// matter is registered with NABLA_REGISTER_EXPLICIT_KERNEL instead: `auto`
// never picks it, `--backend NAME` does (and the kernel comparison tests
// it), so it stays usable and correct without slowing the default.
//
// Selection (SelectKernel), per op, for a tensor dtype and the process's
// ExecutionOptions:
//   float64                          -> eigen, the only float64 backend.
//   float32, backend "eigen"         -> eigen.
//   float32, backend "auto" or NAME  -> precision bf16: a bf16 kernel of the
//       backend (auto: any non-eigen backend, in name order) if one exists;
//       then a float32 kernel of that backend; else eigen. So ops without a
//       faster kernel (most elementwise ops) fall back one by one.
//
// Thread safety: registration locks (static initialisation, plugin
// loading). ExecutionOptions are per process: set them before running a
// model. A kernel instance is used by the thread that uses its OpCall.
#ifndef NABLA_GRAPH_KERNEL_H_
#define NABLA_GRAPH_KERNEL_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "graph/attr.h"
#include "graph/op_schema.h"
#include "graph/tensor.h"

namespace nabla {

enum class ComputeType { kFloat32, kFloat64, kBFloat16 };
const char* ComputeTypeName(ComputeType type);  // "float32", "float64", "bf16"

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  virtual void Forward(ForwardContext& ctx) = 0;
  virtual void Backward(BackwardContext& ctx) = 0;
};

// Creates an instance for a node with these (validated, completed)
// attributes. May throw nabla::Error.
using KernelFactory = std::function<std::unique_ptr<OpKernel>(const AttrMap&)>;

// A backend: a name, and whether it can run here. `Unavailable(type)`
// returns "" when the backend runs `type` natively on this CPU, else why
// not ("this CPU has no native bf16 (oneDNN ISA avx512_core)").
struct BackendInfo {
  std::string name;
  std::string description;
  std::function<std::string(ComputeType)> unavailable;
};

enum class Precision { kFloat32, kBFloat16 };

struct ExecutionOptions {
  std::string backend = "auto";  // "auto", "eigen" or a registered backend
  Precision precision = Precision::kFloat32;
};

// Validates and installs process-wide options. Throws kInvalidArgument for
// an unknown backend, and for bf16 when no registered backend runs bf16
// natively on this CPU (it would be slower than float32, so nabla refuses
// rather than emulate it), naming why.
void SetExecutionOptions(const ExecutionOptions& options);
const ExecutionOptions& GetExecutionOptions();
// "auto", "eigen", then registered backends; for --help and messages.
std::vector<std::string> BackendChoices();

// Restores the previous options when it goes out of scope (tests).
class ExecutionOptionsGuard {
 public:
  explicit ExecutionOptionsGuard(const ExecutionOptions& options);
  ~ExecutionOptionsGuard();
  ExecutionOptionsGuard(const ExecutionOptionsGuard&) = delete;
  ExecutionOptionsGuard& operator=(const ExecutionOptionsGuard&) = delete;

 private:
  ExecutionOptions previous_;
};

struct KernelOrigin {
  std::string where;  // source file:line, or plugin path
};

struct KernelEntry {
  std::string op, backend;
  ComputeType compute;
  KernelFactory factory;
  KernelOrigin origin;
  bool auto_select = true;  // false: only an explicit --backend picks it
};

class KernelRegistry {
 public:
  static KernelRegistry& Global();

  // Throws kInvalidArgument for backend "eigen" (it comes from schemas) or
  // a second kernel for the same key (naming both origins). Neither the op
  // nor the backend need be registered yet (static initialisation order);
  // a kernel whose backend never registers is never selected.
  void Register(KernelEntry entry);
  // Checks every entry first (reserved names, duplicates among them and
  // with those registered) and registers none unless all pass; one Error
  // listing every problem (plugins register this way).
  void RegisterAll(std::vector<KernelEntry> entries);
  // What RegisterAll would refuse, one line per problem; "" if nothing.
  std::string CheckAll(const std::vector<KernelEntry>& entries) const;
  void RegisterBackend(BackendInfo info);

  const KernelEntry* Find(const std::string& op, const std::string& backend,
                          ComputeType compute) const;
  // Every non-eigen kernel, sorted by (op, backend, compute).
  std::vector<const KernelEntry*> Entries() const;
  std::vector<const KernelEntry*> EntriesFor(const std::string& op) const;
  const BackendInfo* FindBackend(const std::string& name) const;
  std::vector<std::string> BackendNames() const;  // registered, sorted

 private:
  struct Impl;
  Impl& impl() const;
};

// What SelectKernel chose: the instance and a label for `nabla ops` and
// tests ("dnnl/bf16", "eigen/float32").
struct SelectedKernel {
  std::shared_ptr<OpKernel> kernel;
  std::string backend;
  ComputeType compute;
};

// Chooses and instantiates the kernel for `op` on tensors of `dtype` under
// the current ExecutionOptions (rules at the top of this file).
SelectedKernel SelectKernel(const OpSchema& op, const AttrMap& attrs, DType dtype);

class KernelRegistrar {
 public:
  KernelRegistrar(const char* op, const char* backend, ComputeType compute,
                  KernelFactory factory, const char* file, int line, bool auto_select = true);
};
class BackendRegistrar {
 public:
  explicit BackendRegistrar(BackendInfo info);
};

}  // namespace nabla

#define NABLA_KERNEL_CONCAT_(a, b) a##b
#define NABLA_KERNEL_CONCAT(a, b) NABLA_KERNEL_CONCAT_(a, b)
// NABLA_REGISTER_KERNEL("Linear", "dnnl", ComputeType::kFloat32, factory);
#define NABLA_REGISTER_KERNEL(op, backend, compute, factory)                  \
  static ::nabla::KernelRegistrar NABLA_KERNEL_CONCAT(nabla_kernel_registrar_, \
                                                      __LINE__)(               \
      op, backend, ::nabla::compute, factory, __FILE__, __LINE__)
// The same, for a kernel `auto` never selects (see above).
#define NABLA_REGISTER_EXPLICIT_KERNEL(op, backend, compute, factory)         \
  static ::nabla::KernelRegistrar NABLA_KERNEL_CONCAT(nabla_kernel_registrar_, \
                                                      __LINE__)(               \
      op, backend, ::nabla::compute, factory, __FILE__, __LINE__, false)
// NABLA_REGISTER_BACKEND(BackendInfo{"dnnl", "oneDNN 2.6", ...});
#define NABLA_REGISTER_BACKEND(info)                                           \
  static ::nabla::BackendRegistrar NABLA_KERNEL_CONCAT(nabla_backend_registrar_, \
                                                       __LINE__)(info)

#endif  // NABLA_GRAPH_KERNEL_H_

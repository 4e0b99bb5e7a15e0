// Applying an op to Variables: the one code path shared by the typed C++
// functions, layer objects and graph files.
#ifndef NABLA_GRAPH_APPLY_H_
#define NABLA_GRAPH_APPLY_H_

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "graph/kernel.h"
#include "graph/op_schema.h"
#include "graph/variable.h"

namespace nabla {

// An op with validated, completed attributes, ready to apply many times.
class OpCall {
 public:
  // Looks the op up in the global registry and validates attributes; throws
  // Error naming `where` (a node name) on any problem.
  OpCall(const std::string& op_name, AttrMap attrs, std::string where = "");
  OpCall(const OpSchema& op, AttrMap attrs, std::string where = "");

  const OpSchema& op() const { return *op_; }
  const AttrMap& attrs() const { return *attrs_; }
  const std::string& where() const { return where_; }

  // `inputs` are the op's inputs followed by its parameters. Checks count,
  // dtypes and shapes (through the schema's shape function), runs the
  // forward kernel and, if gradients are enabled and any input requires
  // them, records a Node that keeps the kernel instance for backward.
  //
  // Kernel instances (graph/kernel.h) are chosen on first use for each
  // tensor dtype and the ExecutionOptions then in force, and kept: copies
  // of an OpCall share them.
  //
  // `state` holds the op's state tensors (StateSpec, op_schema.h) in schema
  // order, each of the spec's shape and the call's dtype; the forward reads
  // them and, in training mode, updates them in place. Layers pass their
  // own (OpLayer). Left empty for an op that has state, the call runs on a
  // fresh state made from the specs' initial values and then dropped, as
  // PyTorch's functional batch_norm without running statistics does.
  std::vector<Variable> Apply(const std::vector<Variable>& inputs,
                              const std::vector<Tensor*>& state = {}) const;
  Variable Apply1(const std::vector<Variable>& inputs,
                  const std::vector<Tensor*>& state = {}) const {
    return Apply(inputs, state)[0];
  }
  // Fresh state tensors for this call's op and attributes, from the specs'
  // initial values, of `dtype`.
  std::vector<Tensor> InitialState(DType dtype) const;
  // The kernel Apply would run on `dtype` tensors now (creating it if need
  // be): for `nabla ops`, benchmarks and tests.
  const SelectedKernel& KernelFor(DType dtype) const;

 private:
  const OpSchema* op_;
  std::shared_ptr<const AttrMap> attrs_;
  std::string where_;
  // Kernel instances by (dtype, backend option, precision); a handful at
  // most; a deque, so returned references stay valid.
  struct CachedKernel {
    DType dtype;
    std::string backend;
    Precision precision;
    SelectedKernel selected;
  };
  std::shared_ptr<std::deque<CachedKernel>> kernels_ =
      std::make_shared<std::deque<CachedKernel>>();
};

// One-shot form: Apply("LeakyReLU", {x}, {{"slope", 0.2}}).
Variable Apply(const std::string& op_name, const std::vector<Variable>& inputs,
               AttrMap attrs = {});

// Seeds for random ops (Dropout) come from a global counter-based
// generator: seed s and counter c give SplitMix64(s, c). Its whole state is
// two integers, so checkpoints can save and restore it exactly.
struct GeneratorState {
  uint64_t seed = 0;
  uint64_t counter = 0;
};
void ManualSeed(uint64_t seed);
uint64_t NextSeed();
GeneratorState GetGeneratorState();
void SetGeneratorState(const GeneratorState& state);

}  // namespace nabla

#endif  // NABLA_GRAPH_APPLY_H_

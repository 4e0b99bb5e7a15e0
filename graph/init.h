// Parameter initialisers (InitSpec in op_schema.h) and the random source
// they draw from. Deterministic: the same seed gives the same values on
// every platform (no std:: distributions, whose output is library-defined).
#ifndef NABLA_GRAPH_INIT_H_
#define NABLA_GRAPH_INIT_H_

#include <cstdint>

#include "graph/op_schema.h"
#include "graph/tensor.h"

namespace nabla {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t NextU64();
  double Uniform();  // [0, 1)
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  double Normal();   // N(0, 1), Box-Muller

 private:
  uint64_t state_;
};

// fan_in and fan_out of a parameter shape, as PyTorch computes them
// ([out, in, k...] -> fan_in = in * prod(k)).
void Fans(const Shape& shape, double* fan_in, double* fan_out);

// Fills `tensor` (float or double) according to `spec`.
void Initialize(const InitSpec& spec, Tensor* tensor, Rng* rng);

}  // namespace nabla

#endif  // NABLA_GRAPH_INIT_H_

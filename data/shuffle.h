// The one shuffle of data/: Fisher-Yates over std::mt19937_64 with an
// unbiased rejection draw, so a seed gives the same order on every standard
// library (std::shuffle and std::uniform_int_distribution leave their
// algorithms unspecified). The batcher's epochs and --val-split use it.
#ifndef NABLA_DATA_SHUFFLE_H_
#define NABLA_DATA_SHUFFLE_H_

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

namespace nabla::data {

// Uniform integer in [0, bound) by rejection: unbiased and fully specified.
inline uint64_t UniformBelow(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t x;
  do {
    x = rng();
  } while (x >= limit);
  return x % bound;
}

// Permutes `order` in place.
inline void Shuffle(std::mt19937_64& rng, std::vector<int64_t>* order) {
  for (int64_t i = static_cast<int64_t>(order->size()) - 1; i > 0; --i) {
    std::swap((*order)[i], (*order)[UniformBelow(rng, static_cast<uint64_t>(i) + 1)]);
  }
}

}  // namespace nabla::data

#endif  // NABLA_DATA_SHUFFLE_H_

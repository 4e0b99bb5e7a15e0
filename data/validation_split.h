// A validation set carved out of the training split (`nabla train
// --val-split F`), so that a run is tuned on data it neither trains on nor
// reports as its test result.
//
// Which samples: round(F * size) of them, chosen by a Fisher-Yates shuffle
// of the sample indices with std::mt19937_64 seeded by `seed` mixed with a
// constant (the same seed gives the same split on every machine; the
// generator is not the one that initialises weights or orders batches).
// Both parts keep the samples' original order.
#ifndef NABLA_DATA_VALIDATION_SPLIT_H_
#define NABLA_DATA_VALIDATION_SPLIT_H_

#include <cstdint>

#include "data/idx.h"

namespace nabla::data {

struct TrainValidation {
  Dataset train;
  Dataset validation;
};

// Throws Error(kInvalidArgument) when `fraction` is not in (0, 1) or would
// leave either part empty, naming the split's size.
TrainValidation SplitValidation(const Dataset& data, double fraction, uint64_t seed);

}  // namespace nabla::data

#endif  // NABLA_DATA_VALIDATION_SPLIT_H_

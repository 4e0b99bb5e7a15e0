#include "data/validation_split.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "data/shuffle.h"
#include "graph/error.h"

namespace nabla::data {
namespace {

Dataset Subset(const Dataset& data, const std::vector<int64_t>& indices, const char* part) {
  Dataset out;
  out.size = static_cast<int64_t>(indices.size());
  out.channels = data.channels;
  out.rows = data.rows;
  out.cols = data.cols;
  const int64_t features = data.features();
  out.pixels.resize(out.size * features);
  out.labels.resize(out.size);
  for (int64_t k = 0; k < out.size; ++k) {
    std::copy_n(data.pixels.data() + indices[k] * features, features,
                out.pixels.data() + k * features);
    out.labels[k] = data.labels[indices[k]];
  }
  out.source = data.source + " (" + part + ")";
  return out;
}

}  // namespace

TrainValidation SplitValidation(const Dataset& data, double fraction, uint64_t seed) {
  if (!(fraction > 0 && fraction < 1)) {
    NABLA_THROW(kInvalidArgument) << "--val-split must be in (0, 1), found " << fraction;
  }
  const int64_t held_out = std::llround(fraction * static_cast<double>(data.size));
  if (held_out < 1 || held_out >= data.size) {
    NABLA_THROW(kInvalidArgument)
        << "--val-split " << fraction << " of the " << data.size << " training samples of "
        << data.source << " holds out " << held_out << ", which leaves "
        << (held_out < 1 ? "no validation sample" : "no training sample");
  }
  std::vector<int64_t> order(data.size);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed ^ 0x76616c2d73706c74ULL);  // "val-splt"
  Shuffle(rng, &order);
  std::vector<int64_t> val(order.begin(), order.begin() + held_out);
  std::vector<int64_t> train(order.begin() + held_out, order.end());
  std::sort(val.begin(), val.end());
  std::sort(train.begin(), train.end());
  return {Subset(data, train, "training part"), Subset(data, val, "validation part")};
}

}  // namespace nabla::data

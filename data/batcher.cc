#include "data/batcher.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "data/shuffle.h"
#include "graph/error.h"
#include "graph/parallel.h"
#include "graph/profile.h"

namespace nabla::data {
namespace {
// Rows per thread below which the gather stays on one thread: about 16k
// pixels (a few microseconds of work) for each.
int64_t MinRowsPerThread(int64_t features) {
  return std::max<int64_t>(1, (int64_t{1} << 14) / std::max<int64_t>(1, features));
}
}  // namespace

Batcher::Batcher(const Dataset& data, const BatcherOptions& options)
    : data_(data), options_(options), seed_(options.seed) {
  if (options.batch_size < 1) {
    NABLA_THROW(kInvalidArgument)
        << "batch size must be >= 1, found " << options.batch_size;
  }
  if (data.size < 1) {
    NABLA_THROW(kInvalidArgument)
        << "cannot batch an empty dataset (" << data.source << ")";
  }
  if (options.drop_last && options.batch_size > data.size) {
    NABLA_THROW(kInvalidArgument)
        << "batch size " << options.batch_size << " with drop_last yields no "
        << "batches: " << data.source << " holds only " << data.size
        << " samples";
  }
  NABLA_CHECK(static_cast<int64_t>(data.labels.size()) == data.size &&
              static_cast<int64_t>(data.pixels.size()) ==
                  data.size * data.features())
      << "inconsistent Dataset from " << data.source;
  Reorder();
}

void Batcher::Reorder() {
  order_.resize(data_.size);
  std::iota(order_.begin(), order_.end(), int64_t{0});
  if (!options_.shuffle) return;
  // seed_seq's mixing is specified by the standard, so the engine state is
  // the same on every platform for a given (seed, epoch).
  const uint64_t epoch = static_cast<uint64_t>(epoch_);
  std::seed_seq seq{
      static_cast<uint32_t>(seed_), static_cast<uint32_t>(seed_ >> 32),
      static_cast<uint32_t>(epoch), static_cast<uint32_t>(epoch >> 32)};
  std::mt19937_64 rng(seq);
  Shuffle(rng, &order_);
}

int64_t Batcher::NextSize() const {
  const int64_t left = data_.size - position_;
  if (left <= 0 || (options_.drop_last && left < options_.batch_size)) return 0;
  return std::min(left, options_.batch_size);
}

bool Batcher::Next(Batch* out) {
  const int64_t n = NextSize();
  if (n > 0) {
    out->size = n;
    out->features = data_.features();
    out->images.resize(n * out->features);
    out->labels.resize(n);
    out->indices.assign(order_.begin() + position_, order_.begin() + position_ + n);
  }
  return NextInto(out->images.data(), out->labels.data());
}

bool Batcher::NextInto(float* images, int32_t* labels) {
  ProfileScope scope("batch gather");
  const int64_t n = NextSize();
  if (n == 0) {
    ++epoch_;
    position_ = 0;
    Reorder();
    return false;
  }
  const int64_t features = data_.features();
  const uint8_t* source = data_.pixels.data();
  const int64_t* order = order_.data() + position_;
  // Rows split over threads (each row is converted the same way whichever
  // thread does it): serial, the gather kept the second core waiting.
  ParallelFor(n, MinRowsPerThread(features), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      if (i + kGatherPrefetchAhead < end) {  // data/idx.h
        PrefetchRow(source + order[i + kGatherPrefetchAhead] * features, features);
      }
      const int64_t index = order[i];
      PixelsToFloat(source + index * features, features, images + i * features);
      labels[i] = data_.labels[index];
    }
  });
  position_ += n;
  return true;
}

void Batcher::Restore(const BatcherState& state) {
  if (state.epoch < 0 || state.position < 0 || state.position > data_.size) {
    NABLA_THROW(kInvalidArgument)
        << "cannot restore batcher state (epoch " << state.epoch
        << ", position " << state.position
        << "): expected epoch >= 0 and position in 0.." << data_.size << " for "
        << data_.source;
  }
  const bool same_order = state.seed == seed_ && state.epoch == epoch_;
  seed_ = state.seed;
  epoch_ = state.epoch;
  position_ = state.position;
  if (!same_order) Reorder();
}

int64_t Batcher::BatchesPerEpoch() const {
  const int64_t full = data_.size / options_.batch_size;
  const bool partial = data_.size % options_.batch_size != 0;
  return full + (partial && !options_.drop_last ? 1 : 0);
}

}  // namespace nabla::data

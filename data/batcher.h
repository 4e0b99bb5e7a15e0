// Seeded, resumable mini-batches over a Dataset.
//
// Each epoch visits every sample exactly once, in an order that is a
// deterministic function of (seed, epoch) only: restoring a BatcherState
// {seed, epoch, position} reproduces the remaining batches exactly, on any
// standard library (the shuffle is our own Fisher-Yates over
// std::mt19937_64, not std::shuffle, whose algorithm is unspecified).
//
// Batches are gathered through the permutation into a caller-owned Batch,
// or with NextInto() straight into the caller's tensors; the dataset itself
// is never copied or reordered. The last batch of an
// epoch may be short unless drop_last is set.
//
// Usage:
//   BatcherOptions options;
//   options.batch_size = 64;
//   options.seed = 42;
//   Batcher batcher(train, options);
//   Batch batch;
//   for (int e = 0; e < epochs; ++e) {
//     while (batcher.Next(&batch)) Train(batch);
//   }
//
// Thread safety: none; one Batcher per thread. The Dataset must outlive the
// Batcher and not change while it is in use.
#ifndef NABLA_DATA_BATCHER_H_
#define NABLA_DATA_BATCHER_H_

#include <cstdint>
#include <vector>

#include "data/idx.h"

namespace nabla::data {

struct BatcherOptions {
  int64_t batch_size = 32;  // >= 1
  uint64_t seed = 0;
  bool shuffle = true;     // false: dataset order every epoch
  bool drop_last = false;  // drop a final batch shorter than batch_size
};

// Where a Batcher stands; save it with a checkpoint to resume exactly.
struct BatcherState {
  uint64_t seed = 0;
  int64_t epoch = 0;     // >= 0
  int64_t position = 0;  // samples of this epoch already returned
};

// One mini-batch. The caller owns it and passes the same one to every
// Next() call so its buffers are reused.
struct Batch {
  int64_t size = 0;              // samples in this batch
  int64_t features = 0;          // rows*cols
  std::vector<float> images;     // size*features, row-major
  std::vector<int32_t> labels;   // size
  std::vector<int64_t> indices;  // size; each sample's index in the Dataset
};

class Batcher {
 public:
  // Throws nabla::Error (kInvalidArgument) for batch_size < 1, an empty
  // dataset, or drop_last with batch_size > dataset size (no batches).
  Batcher(const Dataset& data, const BatcherOptions& options);
  // The Batcher keeps a reference: a temporary Dataset would dangle.
  Batcher(Dataset&&, const BatcherOptions&) = delete;

  // Fills `out` with the next batch of the current epoch and returns true.
  // At the end of an epoch returns false (leaving `out` unchanged) and moves
  // to the next epoch, so `while (Next(&b))` runs exactly one epoch.
  bool Next(Batch* out);

  // The number of samples the next Next() / NextInto() returns: 0 when the
  // current epoch is done.
  int64_t NextSize() const;

  // Next() without the intermediate Batch: gathers the next batch straight
  // into caller-owned memory, typically the input Tensors themselves.
  // `images` must hold NextSize() * features floats and `labels` NextSize()
  // int32s. At the end of an epoch returns false without touching either
  // (they may then be null) and moves to the next epoch, as Next() does.
  bool NextInto(float* images, int32_t* labels);

  BatcherState state() const { return {seed_, epoch_, position_}; }
  // Resumes at `state` (possibly with another seed). Throws kInvalidArgument
  // for a negative epoch or a position outside [0, dataset size].
  void Restore(const BatcherState& state);

  // Batches Next() returns per epoch (counting a short last one).
  int64_t BatchesPerEpoch() const;
  // The current epoch's order: order()[i] is the dataset index visited i-th.
  const std::vector<int64_t>& order() const { return order_; }

 private:
  void Reorder();  // rebuilds order_ for (seed_, epoch_)

  const Dataset& data_;
  BatcherOptions options_;
  uint64_t seed_;
  int64_t epoch_ = 0;
  int64_t position_ = 0;
  std::vector<int64_t> order_;
};

}  // namespace nabla::data

#endif  // NABLA_DATA_BATCHER_H_

// Data-parallel training: N processes (ranks), one model replica each,
// every global batch split across them, gradients averaged after backward.
//
// How a step runs on every rank (Trainer::Train with set_data_parallel):
//   1. The Batcher yields the same global batch everywhere (same seed, same
//      epoch permutation, `--batch-size` is the global batch size).
//   2. ShardBatch keeps this rank's rows [r*n/N, (r+1)*n/N): disjoint
//      slices, sizes differing by at most one.
//   3. Forward and backward on the slice; the loss is the slice's mean.
//   4. AllreduceGradients scales each gradient by n_r/n and sums it over the
//      ranks in a few large buckets, in parameter order, the same on every
//      rank; the result is the gradient of the global batch's mean loss.
//      The loss (times n_r) and the stop flag are summed alongside.
//   5. The optimiser steps identically everywhere.
//
// Equivalence with one process over the full batch: equal within float
// rounding, not bit for bit. The weight gradient of a Linear layer is a
// sum over the batch inside a GEMM; one process sums all n rows in one
// blocked GEMM, N ranks sum their n/N rows and then add the N partial sums.
// Addition is not associative, so the last bits differ (and then grow
// slowly over steps). Between ranks the result is bit-identical: the
// reduction runs in the same order on every rank (for two ranks a + b ==
// b + a exactly), and VerifyReplicas checks it after every epoch.
//
// Random ops (Dropout) on rank r > 0 draw from a generator seeded from
// rank 0's state mixed with r, so slices get independent masks; a run with
// dropout therefore matches a one-process run in distribution only.
//
// BatchNorm uses per-rank batch statistics over the rank's slice in
// training (as PyTorch's DistributedDataParallel without SyncBatchNorm), so
// with BatchNorm N ranks are not equivalent to one process over the full
// batch. Each rank updates its running statistics from its own slices;
// before every evaluation rank 0's are broadcast (BroadcastBuffers), so
// evaluation and checkpoints use rank 0's. Synchronised batch statistics
// are not implemented.
//
// Errors. A verdict every rank reaches together (ranks that disagree on
// the model, data or options; a checkpoint rank 0 cannot read; replicas
// that drifted apart) is a CollectiveError, thrown on every rank: the CLI
// prints it once (rank 0) and every rank exits with its code. A failure of
// the transport is a DistributedFailure; a collective that does not finish
// within the communicator's timeout (a rank hung or died) ends the process
// from the communicator's watchdog (train/mpi_communicator.h).
//
// Thread safety: none; one DataParallel per process, used by the thread
// that trains.
#ifndef NABLA_TRAIN_DATA_PARALLEL_H_
#define NABLA_TRAIN_DATA_PARALLEL_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "data/idx.h"
#include "graph/error.h"
#include "graph/model.h"
#include "graph/variable.h"
#include "train/checkpoint.h"

namespace nabla {

// The collectives data-parallel training needs, over `size()` processes.
// Every call is collective: all ranks make the same calls in the same
// order. `what` names the operation for timeout and error messages
// ("gradient bucket 2 of 3"). Implementations throw DistributedFailure.
class Communicator {
 public:
  virtual ~Communicator() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // In place, element-wise sum; every rank receives the same bits.
  virtual void AllreduceSum(float* data, int64_t n, const std::string& what) = 0;
  virtual void AllreduceSum(double* data, int64_t n, const std::string& what) = 0;
  // Rank 0's `bytes` bytes at `data` to every rank.
  virtual void Broadcast(void* data, int64_t bytes, const std::string& what) = 0;
  // Every rank's string, indexed by rank.
  virtual std::vector<std::string> Allgather(const std::string& mine,
                                             const std::string& what) = 0;
};

// Thrown on every rank at once with the same message: report it once.
class CollectiveError : public Error {
 public:
  using Error::Error;
};

// The transport failed (an MPI call returned an error).
class DistributedFailure : public Error {
 public:
  explicit DistributedFailure(const std::string& message)
      : Error(ErrorCode::kInternal, message) {}
};

// One named fact every rank must agree on before training starts.
using FingerprintItem = std::pair<std::string, std::string>;

// "8000 samples of 28x28, checksum 9f3a...": a data set's identity.
std::string DatasetFingerprint(const data::Dataset& data);

class DataParallel {
 public:
  // Gradient buckets hold at least this many floats (parameters are never
  // split, so a bucket may be larger).
  static constexpr int64_t kBucketFloats = int64_t{1} << 18;  // 1 MiB

  explicit DataParallel(std::unique_ptr<Communicator> comm);

  int rank() const { return comm_->rank(); }
  int size() const { return comm_->size(); }
  Communicator& comm() { return *comm_; }

  // Allgathers every rank's items; when any rank's differ from rank 0's
  // (or a rank has other names), throws CollectiveError(kInvalidArgument)
  // naming `stage`, each differing rank and item with both values.
  void CheckAgreement(const std::string& stage, const std::vector<FingerprintItem>& items);

  // Refuses (CollectiveError) a global batch size under which some rank
  // would get no sample in some step of an epoch over `samples` samples.
  void CheckBatchSize(int64_t batch_size, int64_t samples) const;

  // Rank 0 runs `read` on `path`; the file's bytes go to every rank, which
  // reads them with `read` from a private temporary copy (same extension),
  // so every rank resumes from the same state. An Error on rank 0 becomes
  // a CollectiveError with its code and message on every rank.
  Checkpoint ReadCheckpointFromRank0(const std::string& path,
                                     const std::function<Checkpoint(const std::string&)>& read);

  // Overwrites every parameter with rank 0's values.
  void BroadcastParameters(const std::vector<NamedParameter>& params);

  // Overwrites every state tensor (BatchNorm's running statistics) with
  // rank 0's: at the start, and before each evaluation, so that every rank
  // evaluates with the statistics rank 0 saves in its checkpoints.
  void BroadcastBuffers(const std::vector<NamedBuffer>& buffers);

  // Rank r > 0: reseeds the random-op generator from its current state
  // mixed with r (see the header comment). Rank 0: nothing.
  void DecorrelateGenerator() const;

  // Keeps this rank's rows of every fed tensor (dimension 0 is the batch).
  // Returns the global batch size.
  int64_t ShardBatch(std::map<std::string, Variable>* feeds) const;

  // Step 4 above. `local_loss` is the mean loss over this rank's
  // `local_samples` of a global batch of `global_samples`; a parameter
  // without a gradient counts as zeros and gets one. Returns the global
  // batch's mean loss; sets *stop when any rank's *stop was set. With
  // `correct` (this rank's correctly classified samples), replaces it by
  // the count over every rank, in the same reduction as the loss.
  double AllreduceGradients(const std::vector<NamedParameter>& params, double local_loss,
                            int64_t local_samples, int64_t global_samples, bool* stop,
                            int64_t* correct = nullptr);

  // True when any rank's `local` is true.
  bool AnyRank(bool local, const std::string& what);

  // Loss and accuracy of `model` over `data`, each rank evaluating a
  // contiguous 1/N of it and the sums reduced: the same numbers as
  // Evaluate over the whole set, within rounding of the loss sum.
  struct EvalSums {
    double loss_sum = 0, correct = 0, samples = 0;
  };
  EvalSums Evaluate(const std::function<EvalSums(const data::Dataset&)>& evaluate,
                    const data::Dataset& data);

  // Compares a checksum of every parameter's bits across ranks; throws
  // CollectiveError(kInternal) naming the ranks and `when` if they differ.
  void VerifyReplicas(const std::vector<NamedParameter>& params, const std::string& when);

  // Measured so far: bytes allreduced per step, buckets, mean step time
  // and the share of it spent inside the gradient collectives (waiting for
  // the slowest rank included). One line, for rank 0 to print.
  std::string Summary() const;
  int64_t GradientBytesPerStep() const { return bucket_floats_total_ * 4; }
  double CommunicationSeconds() const { return comm_seconds_; }
  double StepSeconds() const { return step_seconds_; }
  int64_t TimedSteps() const { return timed_steps_; }

 private:
  struct Bucket {
    std::vector<size_t> params;  // indices into the parameter list
    int64_t floats = 0;
  };
  void PlanBuckets(const std::vector<NamedParameter>& params);

  std::unique_ptr<Communicator> comm_;
  std::vector<Bucket> buckets_;
  std::vector<std::string> bucket_params_;  // the names the plan was made for
  int64_t bucket_floats_total_ = 0;
  std::vector<float> buffer_;
  // The shard of a data set this rank evaluates, made once per data set.
  const data::Dataset* eval_source_ = nullptr;
  data::Dataset eval_shard_;
  // Timing: steps are measured from one AllreduceGradients' end to the
  // next one's end, so the first step is not counted.
  double comm_seconds_ = 0, step_seconds_ = 0, last_step_end_ = -1;
  int64_t timed_steps_ = 0;
};

}  // namespace nabla

#endif  // NABLA_TRAIN_DATA_PARALLEL_H_

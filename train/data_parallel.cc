#include "train/data_parallel.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "graph/apply.h"
#include "graph/strings.h"

namespace nabla {
namespace {

double Now() {
  using Clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

// A 64-bit checksum of bytes, 8 at a time (not cryptographic: it tells
// replicas and data sets apart, it does not defend against an adversary).
uint64_t Checksum(const void* data, size_t bytes, uint64_t h = 0x9E3779B97F4A7C15ull) {
  const unsigned char* p = static_cast<const unsigned char*>(data);
  auto mix = [&](uint64_t word) {
    h ^= word + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  };
  size_t i = 0;
  for (; i + 8 <= bytes; i += 8) {
    uint64_t word;
    std::memcpy(&word, p + i, 8);
    mix(word);
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p + i, bytes - i);
  mix(tail ^ (static_cast<uint64_t>(bytes) << 56));
  return h;
}

std::string Hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx", static_cast<unsigned long long>(value));
  return text;
}

std::string EncodeItems(const std::vector<FingerprintItem>& items) {
  std::string out;
  for (const FingerprintItem& item : items) {
    out += std::to_string(item.first.size()) + ":" + item.first;
    out += std::to_string(item.second.size()) + ":" + item.second;
  }
  return out;
}

std::vector<FingerprintItem> DecodeItems(const std::string& text) {
  std::vector<FingerprintItem> items;
  size_t pos = 0;
  auto next = [&](std::string* out) {
    size_t colon = text.find(':', pos);
    NABLA_CHECK(colon != std::string::npos) << "malformed fingerprint";
    size_t length = std::stoull(text.substr(pos, colon - pos));
    *out = text.substr(colon + 1, length);
    pos = colon + 1 + length;
  };
  while (pos < text.size()) {
    FingerprintItem item;
    next(&item.first);
    next(&item.second);
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace

std::string DatasetFingerprint(const data::Dataset& data) {
  uint64_t h = Checksum(data.pixels.data(), data.pixels.size());
  h = Checksum(data.labels.data(), data.labels.size() * sizeof(int32_t), h);
  return std::to_string(data.size) + " samples of " + std::to_string(data.channels) + "x" +
         std::to_string(data.rows) + "x" + std::to_string(data.cols) + ", checksum " + Hex(h);
}

DataParallel::DataParallel(std::unique_ptr<Communicator> comm) : comm_(std::move(comm)) {}

void DataParallel::CheckAgreement(const std::string& stage,
                                  const std::vector<FingerprintItem>& items) {
  const std::vector<std::string> all = comm_->Allgather(EncodeItems(items), stage + " check");
  const std::vector<FingerprintItem> reference = DecodeItems(all[0]);
  std::vector<std::string> problems;
  for (size_t r = 1; r < all.size(); ++r) {
    const std::vector<FingerprintItem> theirs = DecodeItems(all[r]);
    std::map<std::string, std::string> by_name(theirs.begin(), theirs.end());
    for (const FingerprintItem& item : reference) {
      auto it = by_name.find(item.first);
      if (it == by_name.end()) {
        problems.push_back("rank " + std::to_string(r) + " has no " + item.first);
      } else if (it->second != item.second) {
        problems.push_back(item.first + ": rank 0 has '" + item.second + "', rank " +
                           std::to_string(r) + " has '" + it->second + "'");
      }
    }
    if (theirs.size() != reference.size()) {
      for (const FingerprintItem& item : theirs) {
        if (std::none_of(reference.begin(), reference.end(),
                         [&](const FingerprintItem& x) { return x.first == item.first; })) {
          problems.push_back("rank " + std::to_string(r) + " has " + item.first +
                             " that rank 0 lacks");
        }
      }
    }
  }
  if (!problems.empty()) {
    throw CollectiveError(ErrorCode::kInvalidArgument,
                          "the " + std::to_string(size()) + " ranks disagree on the " + stage +
                              ", so none starts: " + Join(problems, "; "));
  }
}

void DataParallel::CheckBatchSize(int64_t batch_size, int64_t samples) const {
  const int64_t last = samples % batch_size;
  const int64_t smallest = (last == 0 || samples < batch_size) ? std::min(batch_size, samples)
                                                                : last;
  if (smallest < size()) {
    throw CollectiveError(
        ErrorCode::kInvalidArgument,
        "--batch-size " + std::to_string(batch_size) + " over " + std::to_string(samples) +
            " training samples gives a batch of " + std::to_string(smallest) + " sample(s), "
            "fewer than the " + std::to_string(size()) + " ranks, so a rank would have no "
            "sample to train on; choose a batch size (the global one) of at least " +
            std::to_string(size()) + " whose last batch per epoch has at least as many");
  }
}

Checkpoint DataParallel::ReadCheckpointFromRank0(
    const std::string& path, const std::function<Checkpoint(const std::string&)>& read) {
  // Rank 0 reads and validates first; its verdict goes to everyone.
  Checkpoint checkpoint;
  std::string bytes, error;
  int64_t header[3] = {0, 0, 0};  // error code + 1 (0: ok), error length, file length
  if (rank() == 0) {
    try {
      checkpoint = read(path);
      std::ifstream in(path, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) NABLA_THROW(kInvalidFile) << path << ": read failed";
    } catch (const Error& e) {
      header[0] = static_cast<int64_t>(e.code()) + 1;
      error = e.what();
    }
    header[1] = static_cast<int64_t>(error.size());
    header[2] = static_cast<int64_t>(bytes.size());
  }
  comm_->Broadcast(header, sizeof(header), "--resume checkpoint header");
  if (header[0] != 0) {
    error.resize(header[1]);
    comm_->Broadcast(error.data(), header[1], "--resume error message");
    throw CollectiveError(static_cast<ErrorCode>(header[0] - 1), error);
  }
  bytes.resize(header[2]);
  comm_->Broadcast(bytes.data(), header[2], "--resume checkpoint (" +
                                               std::to_string(header[2]) + " bytes)");
  if (rank() == 0) return checkpoint;
  // The reader takes a path (and a text checkpoint is told by its name).
  const std::string suffix = path.size() >= 9 && path.compare(path.size() - 9, 9, ".ckpt.txt") == 0
                                 ? ".ckpt.txt"
                                 : ".ckpt";
  const char* tmpdir = std::getenv("TMPDIR");
  std::string name = std::string(tmpdir != nullptr && *tmpdir ? tmpdir : "/tmp") +
                     "/nabla-resume-rank" + std::to_string(rank()) + "-XXXXXX" + suffix;
  int fd = mkstemps(name.data(), static_cast<int>(suffix.size()));
  if (fd < 0) {
    throw DistributedFailure("rank " + std::to_string(rank()) +
                             ": cannot create a temporary file for rank 0's checkpoint " + path +
                             " in " + name + ": " + std::strerror(errno));
  }
  size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  ::close(fd);
  if (written != bytes.size()) {
    ::unlink(name.c_str());
    throw DistributedFailure("rank " + std::to_string(rank()) + ": cannot write " + name +
                             " (rank 0's checkpoint " + path + ")");
  }
  try {
    checkpoint = read(name);
  } catch (...) {
    ::unlink(name.c_str());
    throw;
  }
  ::unlink(name.c_str());
  checkpoint.source = path;
  return checkpoint;
}

void DataParallel::BroadcastParameters(const std::vector<NamedParameter>& params) {
  for (const NamedParameter& p : params) {
    Tensor value = p.variable.value();
    NABLA_CHECK(value.dtype() == DType::kFloat32) << p.name;
    comm_->Broadcast(value.data<float>(), value.size() * 4, "initial parameter '" + p.name + "'");
  }
}

void DataParallel::BroadcastBuffers(const std::vector<NamedBuffer>& buffers) {
  for (const NamedBuffer& b : buffers) {
    Variable v = b.variable;
    Tensor& value = v.mutable_value();
    comm_->Broadcast(value.raw_data(), static_cast<int64_t>(value.nbytes()),
                     "state tensor '" + b.name + "'");
  }
}

void DataParallel::DecorrelateGenerator() const {
  if (rank() == 0) return;
  GeneratorState state = GetGeneratorState();
  state.seed ^= 0xD1B54A32D192ED03ull * static_cast<uint64_t>(rank());
  SetGeneratorState(state);
}

int64_t DataParallel::ShardBatch(std::map<std::string, Variable>* feeds) const {
  int64_t global = -1;
  for (auto& [name, variable] : *feeds) {
    const Tensor& full = variable.value();
    NABLA_CHECK(full.rank() >= 1) << name;
    const int64_t n = full.shape()[0];
    NABLA_CHECK(global < 0 || global == n) << "feeds disagree on the batch size";
    global = n;
    const int64_t begin = n * rank() / size(), end = n * (rank() + 1) / size();
    std::vector<int64_t> dims = full.shape().dims();
    dims[0] = end - begin;
    Tensor part(full.dtype(), Shape(dims));
    const size_t row = n > 0 ? full.nbytes() / n : 0;
    std::memcpy(part.raw_data(), static_cast<const char*>(full.raw_data()) + begin * row,
                (end - begin) * row);
    variable = Variable(std::move(part));
  }
  return global;
}

void DataParallel::PlanBuckets(const std::vector<NamedParameter>& params) {
  buckets_.clear();
  bucket_params_.clear();
  bucket_floats_total_ = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    if (buckets_.empty() || buckets_.back().floats >= kBucketFloats) buckets_.emplace_back();
    buckets_.back().params.push_back(i);
    buckets_.back().floats += params[i].variable.value().size();
    bucket_floats_total_ += params[i].variable.value().size();
    bucket_params_.push_back(params[i].name);
  }
  int64_t largest = 0;
  for (const Bucket& b : buckets_) {
    if (b.params.size() > 1) largest = std::max(largest, b.floats);
  }
  buffer_.assign(largest, 0.0f);
}

double DataParallel::AllreduceGradients(const std::vector<NamedParameter>& params,
                                        double local_loss, int64_t local_samples,
                                        int64_t global_samples, bool* stop,
                                        int64_t* correct) {
  bool same_plan = bucket_params_.size() == params.size();
  for (size_t i = 0; same_plan && i < params.size(); ++i) {
    same_plan = bucket_params_[i] == params[i].name;
  }
  if (!same_plan) PlanBuckets(params);
  const float scale = static_cast<float>(static_cast<double>(local_samples) / global_samples);
  const double start = Now();
  for (size_t b = 0; b < buckets_.size(); ++b) {
    const Bucket& bucket = buckets_[b];
    const std::string what = "gradient bucket " + std::to_string(b + 1) + " of " +
                             std::to_string(buckets_.size());
    // Every gradient exists (zeros where backward produced none) and is
    // scaled by this rank's share of the batch.
    for (size_t i : bucket.params) {
      Variable v = params[i].variable;
      Tensor& grad = v.mutable_grad();
      if (!grad.defined()) grad = Tensor::Zeros(v.value().shape());
      if (scale != 1.0f) grad.array<float>() *= scale;
    }
    if (bucket.params.size() == 1) {
      // One parameter: reduce its gradient in place, no copy.
      Variable v = params[bucket.params[0]].variable;
      comm_->AllreduceSum(v.mutable_grad().data<float>(), bucket.floats, what);
      continue;
    }
    float* out = buffer_.data();
    for (size_t i : bucket.params) {
      const Tensor& grad = params[i].variable.grad();
      std::memcpy(out, grad.data<float>(), grad.size() * 4);
      out += grad.size();
    }
    comm_->AllreduceSum(buffer_.data(), bucket.floats, what);
    const float* in = buffer_.data();
    for (size_t i : bucket.params) {
      Variable v = params[i].variable;
      Tensor& grad = v.mutable_grad();
      std::memcpy(grad.data<float>(), in, grad.size() * 4);
      in += grad.size();
    }
  }
  double sums[3] = {local_loss * local_samples, *stop ? 1.0 : 0.0,
                    correct != nullptr ? static_cast<double>(*correct) : 0.0};
  comm_->AllreduceSum(sums, 3, "loss, stop flag and train accuracy");
  *stop = sums[1] > 0;
  if (correct != nullptr) *correct = static_cast<int64_t>(sums[2]);
  const double end = Now();
  if (last_step_end_ >= 0) {
    comm_seconds_ += end - start;
    step_seconds_ += end - last_step_end_;
    ++timed_steps_;
  }
  last_step_end_ = end;
  return sums[0] / global_samples;
}

bool DataParallel::AnyRank(bool local, const std::string& what) {
  double flag = local ? 1.0 : 0.0;
  comm_->AllreduceSum(&flag, 1, what);
  // Epoch ends (evaluation, checkpoints on rank 0) are not steps.
  last_step_end_ = -1;
  return flag > 0;
}

DataParallel::EvalSums DataParallel::Evaluate(
    const std::function<EvalSums(const data::Dataset&)>& evaluate, const data::Dataset& data) {
  if (eval_source_ != &data) {
    const int64_t begin = data.size * rank() / size(), end = data.size * (rank() + 1) / size();
    const int64_t features = data.features();
    eval_shard_ = data::Dataset();
    eval_shard_.size = end - begin;
    eval_shard_.channels = data.channels;
    eval_shard_.rows = data.rows;
    eval_shard_.cols = data.cols;
    eval_shard_.pixels.assign(data.pixels.begin() + begin * features,
                              data.pixels.begin() + end * features);
    eval_shard_.labels.assign(data.labels.begin() + begin, data.labels.begin() + end);
    eval_shard_.source = data.source;
    eval_source_ = &data;
  }
  EvalSums sums;
  if (eval_shard_.size > 0) sums = evaluate(eval_shard_);
  double values[3] = {sums.loss_sum, sums.correct, sums.samples};
  comm_->AllreduceSum(values, 3, "evaluation sums");
  return {values[0], values[1], values[2]};
}

void DataParallel::VerifyReplicas(const std::vector<NamedParameter>& params,
                                  const std::string& when) {
  uint64_t h = 0;
  for (const NamedParameter& p : params) {
    const Tensor& value = p.variable.value();
    h = Checksum(value.data<float>(), value.size() * 4, h);
  }
  const std::vector<std::string> all = comm_->Allgather(Hex(h), "replica check " + when);
  std::vector<std::string> differ;
  for (size_t r = 1; r < all.size(); ++r) {
    if (all[r] != all[0]) differ.push_back(std::to_string(r));
  }
  if (!differ.empty()) {
    throw CollectiveError(ErrorCode::kInternal,
                          "data-parallel replicas drifted apart " + when + ": the weights of "
                          "rank(s) " + Join(differ, ", ") + " differ from rank 0's (a bug in "
                          "nabla: every rank must apply the same update)");
  }
}

std::string DataParallel::Summary() const {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(2);
  out << "data-parallel over " << size() << " ranks: " << GradientBytesPerStep() << " bytes ("
      << static_cast<double>(GradientBytesPerStep()) / (1 << 20) << " MiB) of gradients "
      << "allreduced per step in " << buckets_.size() << " bucket(s)";
  if (timed_steps_ > 0) {
    out << "; step " << 1e3 * step_seconds_ / timed_steps_ << " ms, of which communication "
        << 1e3 * comm_seconds_ / timed_steps_ << " ms ("
        << 100 * comm_seconds_ / step_seconds_ << "%), over " << timed_steps_ << " steps";
  }
  return out.str();
}

}  // namespace nabla

// DataParallel (train/data_parallel.h) over an in-process Communicator:
// N threads, one rank each, exchanging through shared memory, so the
// collectives' arithmetic is checked without MPI (tests/integration/
// cli_mpi_test.sh runs the real thing under mpirun).
#include "train/data_parallel.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

namespace nabla {
namespace {

// Every collective is one exchange: each rank deposits its bytes and gets
// every rank's, in rank order.
class Group {
 public:
  explicit Group(int size) : size_(size), slots_(size) {}
  int size() const { return size_; }
  std::vector<std::string> Exchange(int rank, std::string mine) {
    std::unique_lock<std::mutex> lock(mu_);
    slots_[rank] = std::move(mine);
    const int64_t generation = generation_;
    if (++arrived_ == size_) {
      arrived_ = 0;
      results_ = slots_;
      ++generation_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return generation_ != generation; });
    }
    return results_;
  }

 private:
  const int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
  int64_t generation_ = 0;
  std::vector<std::string> slots_, results_;
};

class ThreadCommunicator : public Communicator {
 public:
  ThreadCommunicator(Group* group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_->size(); }
  void AllreduceSum(float* data, int64_t n, const std::string&) override { Sum(data, n); }
  void AllreduceSum(double* data, int64_t n, const std::string&) override { Sum(data, n); }
  void Broadcast(void* data, int64_t bytes, const std::string&) override {
    auto all = group_->Exchange(rank_, std::string(static_cast<char*>(data), bytes));
    std::memcpy(data, all[0].data(), bytes);
  }
  std::vector<std::string> Allgather(const std::string& mine, const std::string&) override {
    return group_->Exchange(rank_, mine);
  }

 private:
  template <typename T>
  void Sum(T* data, int64_t n) {
    auto all = group_->Exchange(rank_, std::string(reinterpret_cast<char*>(data), n * sizeof(T)));
    for (int64_t i = 0; i < n; ++i) {
      T sum = 0;
      for (const std::string& part : all) sum += reinterpret_cast<const T*>(part.data())[i];
      data[i] = sum;
    }
  }
  Group* group_;
  int rank_;
};

// Runs body(rank, dp) on `size` threads; returns each rank's error message
// ("" when none) and whether it was a CollectiveError.
struct Outcome {
  std::string error;
  bool collective = false;
};
std::vector<Outcome> RunRanks(int size, const std::function<void(int, DataParallel&)>& body) {
  Group group(size);
  std::vector<Outcome> outcomes(size);
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r) {
    threads.emplace_back([&, r] {
      DataParallel dp(std::make_unique<ThreadCommunicator>(&group, r));
      try {
        body(r, dp);
      } catch (const CollectiveError& e) {
        outcomes[r] = {e.what(), true};
      } catch (const std::exception& e) {
        outcomes[r] = {e.what(), false};
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return outcomes;
}

NamedParameter Param(const std::string& name, std::vector<float> value,
                     std::vector<float> grad = {}) {
  const int64_t n = static_cast<int64_t>(value.size());
  Variable v(Tensor::FromVector(Shape{n}, value), true);
  if (!grad.empty()) v.mutable_grad() = Tensor::FromVector(Shape{n}, grad);
  return {name, v};
}

TEST(DataParallelTest, ShardBatchKeepsDisjointSlicesOfEveryFeed) {
  RunRanks(2, [](int rank, DataParallel& dp) {
    std::map<std::string, Variable> feeds;
    feeds["image"] = Variable(Tensor::FromVector(Shape{5, 2}, std::vector<float>{
                                                                 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
    feeds["label"] = Variable(Tensor::FromVector(Shape{5}, std::vector<int32_t>{0, 1, 2, 3, 4}));
    EXPECT_EQ(dp.ShardBatch(&feeds), 5);
    const Tensor& image = feeds["image"].value();
    const Tensor& label = feeds["label"].value();
    // Rank 0 takes rows [0, 2), rank 1 rows [2, 5).
    const int64_t begin = rank == 0 ? 0 : 2, rows = rank == 0 ? 2 : 3;
    ASSERT_EQ(image.shape(), (Shape{rows, 2}));
    ASSERT_EQ(label.shape(), (Shape{rows}));
    for (int64_t i = 0; i < rows; ++i) {
      EXPECT_EQ(label.data<int32_t>()[i], begin + i);
      EXPECT_EQ(image.data<float>()[2 * i + 1], 2 * (begin + i) + 1);
    }
  });
}

TEST(DataParallelTest, GradientsAreWeightedByEachRanksShareAndEqualEverywhere) {
  // A parameter large enough for a bucket of its own (reduced in place) and
  // two small ones packed together; rank 1 has no gradient for "c".
  const int64_t big = DataParallel::kBucketFloats + 3;
  std::vector<std::vector<float>> results(2);
  std::vector<double> losses(2);
  // Not std::vector<bool>: its packed bits share a byte, so the two rank
  // threads writing stops[0] and stops[1] raced and one write could be
  // lost (seen once under ASan).
  std::vector<char> stops(2);
  std::vector<int64_t> corrects(2);
  auto outcomes = RunRanks(2, [&](int rank, DataParallel& dp) {
    std::vector<float> big_grad(big, rank == 0 ? 1.0f : 4.0f);
    std::vector<NamedParameter> params = {
        Param("a", std::vector<float>(big, 0.0f), big_grad),
        Param("b", {0, 0}, rank == 0 ? std::vector<float>{1, 2} : std::vector<float>{10, 20}),
        Param("c", {0}, rank == 0 ? std::vector<float>{8} : std::vector<float>{})};
    bool stop = rank == 1;
    // Rank 0 has 1 sample of the batch of 4 (loss 2), rank 1 has 3 (loss 6);
    // rank 0 classified its 1 correctly, rank 1 two of its 3.
    int64_t correct = rank == 0 ? 1 : 2;
    losses[rank] = dp.AllreduceGradients(params, rank == 0 ? 2.0 : 6.0, rank == 0 ? 1 : 3, 4,
                                         &stop, &correct);
    corrects[rank] = correct;
    stops[rank] = stop;
    for (const NamedParameter& p : params) {
      const Tensor& g = p.variable.grad();
      ASSERT_TRUE(g.defined()) << p.name;
      results[rank].insert(results[rank].end(), g.data<float>(), g.data<float>() + g.size());
    }
    EXPECT_EQ(dp.GradientBytesPerStep(), (big + 3) * 4);
  });
  for (const Outcome& o : outcomes) ASSERT_EQ(o.error, "");
  const std::vector<float>& g = results[0];
  EXPECT_FLOAT_EQ(g[0], 0.25f * 1 + 0.75f * 4);
  EXPECT_FLOAT_EQ(g[big - 1], 0.25f * 1 + 0.75f * 4);
  EXPECT_FLOAT_EQ(g[big], 0.25f * 1 + 0.75f * 10);
  EXPECT_FLOAT_EQ(g[big + 1], 0.25f * 2 + 0.75f * 20);
  EXPECT_FLOAT_EQ(g[big + 2], 0.25f * 8);
  EXPECT_EQ(std::memcmp(results[0].data(), results[1].data(), results[0].size() * 4), 0)
      << "ranks must hold the same bits";
  EXPECT_DOUBLE_EQ(losses[0], (2.0 * 1 + 6.0 * 3) / 4);
  EXPECT_DOUBLE_EQ(losses[1], losses[0]);
  EXPECT_TRUE(stops[0]) << "rank 1's stop reaches rank 0";
  EXPECT_TRUE(stops[1]);
  EXPECT_EQ(corrects[0], 3) << "train accuracy counts every rank's slice";
  EXPECT_EQ(corrects[1], 3);
}

TEST(DataParallelTest, DisagreeingRanksRefuseNamingTheItemOnEveryRank) {
  auto outcomes = RunRanks(3, [](int rank, DataParallel& dp) {
    dp.CheckAgreement("command line", {{"--lr", rank == 2 ? "0.2" : "0.1"}, {"--seed", "1"}});
  });
  for (const Outcome& o : outcomes) {
    EXPECT_TRUE(o.collective) << o.error;
    EXPECT_EQ(o.error,
              "the 3 ranks disagree on the command line, so none starts: --lr: rank 0 has "
              "'0.1', rank 2 has '0.2'");
  }
  auto agreed = RunRanks(2, [](int, DataParallel& dp) {
    dp.CheckAgreement("model and data", {{"model", "m, fingerprint 1"}});
  });
  for (const Outcome& o : agreed) EXPECT_EQ(o.error, "");
}

TEST(DataParallelTest, BatchesTooSmallToGiveEveryRankASampleAreRefused) {
  auto outcomes = RunRanks(2, [](int, DataParallel& dp) {
    dp.CheckBatchSize(64, 512);  // fine: every batch is 64
    dp.CheckBatchSize(64, 514);  // fine: the last batch has 2
    dp.CheckBatchSize(64, 513);  // the last batch has 1
  });
  for (const Outcome& o : outcomes) {
    EXPECT_TRUE(o.collective);
    EXPECT_NE(o.error.find("--batch-size 64 over 513 training samples gives a batch of 1 "
                           "sample(s), fewer than the 2 ranks"),
              std::string::npos)
        << o.error;
  }
}

TEST(DataParallelTest, DriftedReplicasAreCaught) {
  auto outcomes = RunRanks(2, [](int rank, DataParallel& dp) {
    std::vector<NamedParameter> same = {Param("w", {1, 2, 3})};
    dp.VerifyReplicas(same, "after epoch 1");
    std::vector<NamedParameter> drifted = {Param("w", {1, 2, rank == 0 ? 3.0f : 3.0000002f})};
    dp.VerifyReplicas(drifted, "after epoch 2");
  });
  for (const Outcome& o : outcomes) {
    EXPECT_TRUE(o.collective);
    EXPECT_NE(o.error.find("replicas drifted apart after epoch 2: the weights of rank(s) 1"),
              std::string::npos)
        << o.error;
  }
}

TEST(DataParallelTest, BroadcastParametersCopiesRankZeros) {
  std::vector<float> got(2);
  RunRanks(2, [&](int rank, DataParallel& dp) {
    std::vector<NamedParameter> params = {Param("w", {rank + 1.0f})};
    dp.BroadcastParameters(params);
    got[rank] = params[0].variable.value().data<float>()[0];
  });
  EXPECT_EQ(got[0], 1.0f);
  EXPECT_EQ(got[1], 1.0f);
}

TEST(DataParallelTest, EvaluationShardsCoverTheDataOnce) {
  data::Dataset data;
  data.size = 7;
  data.rows = 1;
  data.cols = 2;
  for (int i = 0; i < 7; ++i) {
    data.labels.push_back(i);
    data.pixels.push_back(i);
    data.pixels.push_back(100 + i);
  }
  std::vector<DataParallel::EvalSums> sums(3);
  RunRanks(3, [&](int rank, DataParallel& dp) {
    sums[rank] = dp.Evaluate(
        [](const data::Dataset& shard) {
          DataParallel::EvalSums s;
          for (int64_t i = 0; i < shard.size; ++i) {
            EXPECT_EQ(shard.pixels[2 * i], shard.labels[i]);
            EXPECT_EQ(shard.pixels[2 * i + 1], 100 + shard.labels[i]);
            s.loss_sum += shard.labels[i];
          }
          s.samples = static_cast<double>(shard.size);
          return s;
        },
        data);
  });
  for (const auto& s : sums) {
    EXPECT_EQ(s.samples, 7);
    EXPECT_EQ(s.loss_sum, 0 + 1 + 2 + 3 + 4 + 5 + 6);
  }
}

TEST(DataParallelTest, CheckpointBytesAndErrorsComeFromRankZero) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string path = std::string(tmp != nullptr ? tmp : "/tmp") + "/dp_test.ckpt";
  { std::ofstream(path, std::ios::binary) << "rank zero's bytes"; }
  // A stand-in reader: the file's contents become the model name.
  auto read = [](const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) NABLA_THROW(kNotFound) << p << ": no such file";
    Checkpoint c;
    c.header.set_model_name(std::string(std::istreambuf_iterator<char>(in), {}));
    c.source = p;
    return c;
  };
  std::vector<Checkpoint> got(2);
  auto ok = RunRanks(2, [&](int rank, DataParallel& dp) {
    got[rank] = dp.ReadCheckpointFromRank0(path, read);
  });
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(ok[r].error, "");
    EXPECT_EQ(got[r].header.model_name(), "rank zero's bytes");
    EXPECT_EQ(got[r].source, path);
  }
  auto missing = RunRanks(2, [&](int, DataParallel& dp) {
    dp.ReadCheckpointFromRank0(path + ".missing", read);
  });
  for (const Outcome& o : missing) {
    EXPECT_TRUE(o.collective);
    EXPECT_EQ(o.error, path + ".missing: no such file");
  }
}

}  // namespace
}  // namespace nabla

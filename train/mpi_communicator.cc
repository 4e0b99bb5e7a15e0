#include "train/mpi_communicator.h"

#include <mpi.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

namespace nabla {
namespace {

// Arms a deadline around each collective; on expiry reports and _exits.
class Watchdog {
 public:
  Watchdog(const MpiOptions& options, int rank, int size)
      : options_(options), rank_(rank), size_(size), thread_([this] { Run(); }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void Arm(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    what_ = what;
    deadline_ = std::chrono::steady_clock::now() +
                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                    std::chrono::duration<double>(options_.timeout_seconds));
    armed_ = true;
    cv_.notify_all();
  }
  void Disarm() {
    std::lock_guard<std::mutex> lock(mu_);
    armed_ = false;
  }

 private:
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!done_) {
      if (!armed_) {
        cv_.wait(lock);
        continue;
      }
      if (cv_.wait_until(lock, deadline_) == std::cv_status::timeout && armed_ &&
          std::chrono::steady_clock::now() >= deadline_) {
        std::fflush(stdout);
        std::fprintf(stderr,
                     "%s: rank %d of %d: error: %s did not complete within %g s: another rank "
                     "hung, died or cannot be reached; stopping this rank (exit code %d). The "
                     "last checkpoint written is intact.\n",
                     options_.program.c_str(), rank_, size_, what_.c_str(),
                     options_.timeout_seconds, options_.timeout_exit_code);
        std::fflush(stderr);
        _exit(options_.timeout_exit_code);
      }
    }
  }

  const MpiOptions options_;
  const int rank_, size_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool armed_ = false, done_ = false;
  std::string what_;
  std::chrono::steady_clock::time_point deadline_;
  std::thread thread_;
};

class MpiCommunicator : public Communicator {
 public:
  MpiCommunicator(const MpiOptions& options, int rank, int size)
      : rank_(rank), size_(size), watchdog_(options, rank, size) {}
  ~MpiCommunicator() override {
    watchdog_.Arm("MPI_Finalize");
    MPI_Finalize();
    watchdog_.Disarm();
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  void AllreduceSum(float* data, int64_t n, const std::string& what) override {
    Allreduce(data, n, MPI_FLOAT, what);
  }
  void AllreduceSum(double* data, int64_t n, const std::string& what) override {
    Allreduce(data, n, MPI_DOUBLE, what);
  }

  void Broadcast(void* data, int64_t bytes, const std::string& what) override {
    Guard guard(this, what);
    char* p = static_cast<char*>(data);
    for (int64_t done = 0; done < bytes;) {
      const int n = static_cast<int>(std::min<int64_t>(bytes - done, kChunk));
      Check(MPI_Bcast(p + done, n, MPI_BYTE, 0, MPI_COMM_WORLD), "MPI_Bcast", what);
      done += n;
    }
  }

  std::vector<std::string> Allgather(const std::string& mine, const std::string& what) override {
    Guard guard(this, what);
    if (mine.size() > static_cast<size_t>(INT_MAX / size_)) {
      throw DistributedFailure(what + ": " + std::to_string(mine.size()) + " bytes is too long");
    }
    int length = static_cast<int>(mine.size());
    std::vector<int> lengths(size_), offsets(size_);
    Check(MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, MPI_COMM_WORLD),
          "MPI_Allgather", what);
    int total = 0;
    for (int r = 0; r < size_; ++r) {
      offsets[r] = total;
      total += lengths[r];
    }
    std::string all(total, '\0');
    Check(MPI_Allgatherv(mine.data(), length, MPI_BYTE, all.data(), lengths.data(),
                         offsets.data(), MPI_BYTE, MPI_COMM_WORLD),
          "MPI_Allgatherv", what);
    std::vector<std::string> out;
    for (int r = 0; r < size_; ++r) out.push_back(all.substr(offsets[r], lengths[r]));
    return out;
  }

 private:
  static constexpr int64_t kChunk = int64_t{1} << 30;

  struct Guard {
    Guard(MpiCommunicator* c, const std::string& what) : c(c) {
      c->watchdog_.Arm(what + " (on rank " + std::to_string(c->rank_) + ")");
    }
    ~Guard() { c->watchdog_.Disarm(); }
    MpiCommunicator* c;
  };

  void Allreduce(void* data, int64_t n, MPI_Datatype type, const std::string& what) {
    Guard guard(this, what);
    int element = 0;
    MPI_Type_size(type, &element);
    char* p = static_cast<char*>(data);
    for (int64_t done = 0; done < n;) {
      const int count = static_cast<int>(std::min<int64_t>(n - done, kChunk));
      Check(MPI_Allreduce(MPI_IN_PLACE, p + done * element, count, type, MPI_SUM, MPI_COMM_WORLD),
            "MPI_Allreduce", what);
      done += count;
    }
  }

  void Check(int rc, const char* call, const std::string& what) const {
    if (rc == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(rc, text, &length);
    throw DistributedFailure("rank " + std::to_string(rank_) + " of " + std::to_string(size_) +
                             ": " + call + " failed during " + what + ": " +
                             std::string(text, length));
  }

  const int rank_, size_;
  Watchdog watchdog_;
};

int EnvInt(const char* name, int fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  char* end = nullptr;
  long parsed = std::strtol(value, &end, 10);
  return (*end == '\0' && parsed > 0 && parsed < INT_MAX) ? static_cast<int>(parsed) : fallback;
}

}  // namespace

bool LaunchedByMpirun() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMIX_RANK") != nullptr;
}

int LocalRanksFromEnvironment() { return EnvInt("OMPI_COMM_WORLD_LOCAL_SIZE", 1); }

std::unique_ptr<Communicator> StartMpi(const MpiOptions& options) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) throw DistributedFailure("MPI is already initialised in this process");
  int provided = 0;
  if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) {
    throw DistributedFailure("MPI_Init_thread failed: this process was started by mpirun but "
                             "cannot join its job");
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  return std::make_unique<MpiCommunicator>(options, rank, size);
}

void AbortMpiJob(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, code);
  _exit(code);  // MPI_Abort does not return; this is for the compiler
}

}  // namespace nabla

#include "tools/cli/distributed.h"

#include <memory>

#include "train/mpi_communicator.h"

namespace nabla::cli {
namespace {

struct Session {
  std::unique_ptr<DataParallel> data_parallel;
  int rank = 0, size = 1;
};
std::unique_ptr<Session>& TheSession() {
  static std::unique_ptr<Session> session;
  return session;
}

}  // namespace

DataParallel* StartDataParallel(double timeout_seconds) {
  if (!LaunchedByMpirun()) return nullptr;
  MpiOptions options;
  options.timeout_seconds = timeout_seconds;
  options.timeout_exit_code = kExitDistributed;
  options.program = "nabla train";
  auto session = std::make_unique<Session>();
  session->data_parallel = std::make_unique<DataParallel>(StartMpi(options));
  session->rank = session->data_parallel->rank();
  session->size = session->data_parallel->size();
  TheSession() = std::move(session);
  return TheSession()->size > 1 ? TheSession()->data_parallel.get() : nullptr;
}

bool ReportsError(const std::exception& e) {
  const auto& session = TheSession();
  if (session == nullptr || session->rank == 0) return true;
  return dynamic_cast<const CollectiveError*>(&e) == nullptr;
}

std::string RankLabel() {
  const auto& session = TheSession();
  if (session == nullptr || session->size == 1 || session->rank == 0) return "";
  return "rank " + std::to_string(session->rank) + " of " + std::to_string(session->size) + ": ";
}

int ExitCodeForError(const std::exception& e, int code) {
  return dynamic_cast<const DistributedFailure*>(&e) != nullptr ? kExitDistributed : code;
}

int FinishRun(int code, const std::exception* error) {
  auto& session = TheSession();
  if (session == nullptr) return code;
  if (error != nullptr && session->size > 1 &&
      dynamic_cast<const CollectiveError*>(error) == nullptr) {
    AbortMpiJob(code);
  }
  session.reset();  // MPI_Finalize
  return code;
}

}  // namespace nabla::cli

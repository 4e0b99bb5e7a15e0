// The Communicator of train/data_parallel.h over MPI (OpenMPI 4.1 from
// Debian: openmpi-bin, libopenmpi-dev), for `mpirun -np N nabla train ...`.
//
// MPI is linked in but initialised only when this process was started by
// mpirun (LaunchedByMpirun: the launcher's environment variables), so a
// plain `nabla train` never touches it and behaves as it always has.
//
// Faults. MPI_COMM_WORLD returns errors (MPI_ERRORS_RETURN) instead of
// aborting, and each becomes a DistributedFailure naming the operation. A
// dead rank is noticed by mpirun, which ends the whole job. A hung or
// unreachable rank makes the others block inside a collective: a watchdog
// thread, armed around every collective, prints which collective on which
// rank did not finish within `timeout_seconds` and ends the process with
// `timeout_exit_code` (_exit: the stuck MPI call cannot be unwound), after
// which mpirun ends the rest. Checkpoints are written atomically, so the
// last complete one is intact whatever happens.
//
// Thread safety: MPI is initialised with MPI_THREAD_FUNNELED; only the
// thread that created the communicator may call it. The watchdog never
// calls MPI.
#ifndef NABLA_TRAIN_MPI_COMMUNICATOR_H_
#define NABLA_TRAIN_MPI_COMMUNICATOR_H_

#include <memory>
#include <string>

#include "train/data_parallel.h"

namespace nabla {

// True when an MPI launcher (mpirun/mpiexec: OMPI_COMM_WORLD_SIZE, or
// PMIX_RANK) started this process.
bool LaunchedByMpirun();

// Ranks on this machine according to the launcher (1 without one).
int LocalRanksFromEnvironment();

struct MpiOptions {
  double timeout_seconds = 300;  // per collective, > 0
  int timeout_exit_code = 8;
  // Prefix of the watchdog's message, e.g. "nabla train".
  std::string program = "nabla";
};

// Initialises MPI (once per process) and returns the world communicator.
// Throws DistributedFailure when MPI cannot start.
std::unique_ptr<Communicator> StartMpi(const MpiOptions& options);

// Ends every rank of the job with `code` (MPI_Abort), after flushing
// stdout and stderr. For an error only this rank saw: the others would
// otherwise wait for it in the next collective.
[[noreturn]] void AbortMpiJob(int code);

}  // namespace nabla

#endif  // NABLA_TRAIN_MPI_COMMUNICATOR_H_

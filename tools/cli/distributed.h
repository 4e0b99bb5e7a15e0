// The data-parallel session of `nabla train` under mpirun
// (train/data_parallel.h, train/mpi_communicator.h), and how main ends it.
//
// Without mpirun nothing here does anything: StartDataParallel returns
// null without touching MPI, ReportsError is always true, RankLabel is ""
// and FinishRun returns its code.
//
// Thread safety: main thread only.
#ifndef NABLA_TOOLS_CLI_DISTRIBUTED_H_
#define NABLA_TOOLS_CLI_DISTRIBUTED_H_

#include <exception>
#include <string>

#include "train/data_parallel.h"

namespace nabla::cli {

// Exit code of a data-parallel run that failed in the transport: a rank
// died, hung (a collective exceeded --mpi-timeout) or MPI reported an
// error. README.md, "Exit codes".
constexpr int kExitDistributed = 8;

// Under mpirun: initialises MPI and returns this rank's DataParallel, or
// null for a job of one rank (which trains alone). Null without mpirun.
// The session lives until FinishRun.
DataParallel* StartDataParallel(double timeout_seconds);

// For main, with an error that escaped a command: whether this process
// prints it (a CollectiveError is printed by rank 0 only), the prefix for
// its message ("rank 1 of 2: " on ranks other than 0), and the exit code
// to use (kExitDistributed for a DistributedFailure, else `code`).
bool ReportsError(const std::exception& e);
std::string RankLabel();
int ExitCodeForError(const std::exception& e, int code);

// Ends the session. Success, or an error every rank reached together:
// MPI_Finalize and return `code`. An error only this rank saw: MPI_Abort
// with `code`, which ends every rank now (the others would otherwise wait
// for this one in their next collective until --mpi-timeout).
int FinishRun(int code, const std::exception* error);

}  // namespace nabla::cli

#endif  // NABLA_TOOLS_CLI_DISTRIBUTED_H_

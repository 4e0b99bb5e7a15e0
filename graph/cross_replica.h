// Statistics that span the processes of a data-parallel run (issue 15):
// synchronised BatchNorm sums its per-channel batch sums over every rank,
// so each normalises with the statistics of the global batch.
//
// The data-parallel trainer installs the sum (`nabla train
// --sync-batchnorm` under mpirun, tools/cli/train_command.cc); without one
// (the default, and every single-process run) ops use their own batch.
// Every rank must make the same calls in the same order, which identical
// models on identical shards of one batch do.
#ifndef NABLA_GRAPH_CROSS_REPLICA_H_
#define NABLA_GRAPH_CROSS_REPLICA_H_

#include <cstdint>
#include <functional>

namespace nabla {

// Replaces data[0 .. n) by its sum over the ranks, in place.
using CrossReplicaSum = std::function<void(double* data, int64_t n)>;

// Installs (or, with an empty function, removes) the process's sum.
void SetCrossReplicaSum(CrossReplicaSum sum);
// The installed sum; empty when statistics are per process.
const CrossReplicaSum& GetCrossReplicaSum();

}  // namespace nabla

#endif  // NABLA_GRAPH_CROSS_REPLICA_H_

#include "graph/cross_replica.h"

#include <utility>

namespace nabla {
namespace {

CrossReplicaSum& Installed() {
  static CrossReplicaSum sum;
  return sum;
}

}  // namespace

void SetCrossReplicaSum(CrossReplicaSum sum) { Installed() = std::move(sum); }
const CrossReplicaSum& GetCrossReplicaSum() { return Installed(); }

}  // namespace nabla

// Registers a fresh op and "LeakyReLU", which is built in: the load must
// fail naming both origins and register neither.
#include "plugins/testing/copy_op.h"

namespace {

void RegisterOps(NablaPluginRegistrar* registrar) {
  using nabla::plugin_testing::CopySchema;
  registrar->Add(CopySchema("DuplicateBuiltinFreshOp")).Add(CopySchema("LeakyReLU"));
}

}  // namespace

NABLA_PLUGIN(RegisterOps)

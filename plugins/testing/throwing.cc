// A registration function that throws after adding an op: the exception
// must come back as a load error and the op must not be registered.
#include <stdexcept>

#include "plugins/testing/copy_op.h"

namespace {

void RegisterOps(NablaPluginRegistrar* registrar) {
  registrar->Add(nabla::plugin_testing::CopySchema("ThrowingFreshOp"));
  throw std::runtime_error("cannot find my weights table");
}

}  // namespace

NABLA_PLUGIN(RegisterOps)

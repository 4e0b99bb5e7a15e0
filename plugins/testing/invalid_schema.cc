// A valid op and one with neither kernels nor gradient-check samples: the
// load must fail on validation and register neither.
#include "plugins/testing/copy_op.h"

namespace {

void RegisterOps(NablaPluginRegistrar* registrar) {
  registrar->Add(nabla::plugin_testing::CopySchema("InvalidSchemaFreshOp"));
  registrar->Add(nabla::OpSchema("NoKernelsNoSamples").Input("x").Output("y"));
}

}  // namespace

NABLA_PLUGIN(RegisterOps)

// A second plugin that provides "Swish": loading it after libswish.so must
// fail naming both plugins.
#include "plugins/testing/copy_op.h"

namespace {

void RegisterOps(NablaPluginRegistrar* registrar) {
  registrar->Add(nabla::plugin_testing::CopySchema("Swish"));
}

}  // namespace

NABLA_PLUGIN(RegisterOps)

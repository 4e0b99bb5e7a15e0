// nabla_plugin_info exported as a data object, not a function: calling it
// would jump into data. The loader must refuse it from the ELF symbol table
// before calling anything.
#include "plugins/plugin_api.h"

extern "C" __attribute__((visibility("default"))) const NablaPluginInfo nabla_plugin_info = {
    NABLA_PLUGIN_ABI_VERSION, NABLA_VERSION, NABLA_COMPILER_TAG, nullptr};

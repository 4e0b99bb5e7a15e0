// Hand-written entry points that misdescribe their build, one per library
// (selected with -DMISMATCH=...). Their register_ops aborts: the loader must
// refuse them before calling it.
#include <cstdlib>

#include "plugins/plugin_api.h"

namespace {

void MustNotBeCalled(NablaPluginRegistrar*) { std::abort(); }

}  // namespace

#if MISMATCH == 1  // plugin ABI version
#define INFO {999, "9.9.9", "some other compiler", &MustNotBeCalled}
#elif MISMATCH == 2  // nabla version
#define INFO {NABLA_PLUGIN_ABI_VERSION, "0.0.1", NABLA_COMPILER_TAG, &MustNotBeCalled}
#elif MISMATCH == 3  // compiler tag
#define INFO \
  {NABLA_PLUGIN_ABI_VERSION, NABLA_VERSION, "gcc 4.8 libstdc++ cxx11-abi=0 c++201103L", \
   &MustNotBeCalled}
#elif MISMATCH == 4  // nabla version and compiler tag, both reported
#define INFO {NABLA_PLUGIN_ABI_VERSION, "0.0.1", "clang 3.4 libc++ abi=1 c++201103L", \
              &MustNotBeCalled}
#endif

extern "C" __attribute__((visibility("default"))) const NablaPluginInfo* nabla_plugin_info(void) {
  static const NablaPluginInfo info = INFO;
  return &info;
}

// examples/swish/mlp_swish.pbtxt is rejected while no plugin provides Swish:
// the graph file names the op, it never loads a library. A process of its
// own, so that nothing is loaded yet.
#include <gtest/gtest.h>

#include <cstdlib>

#include "graph/model.h"
#include "graph/registry.h"

namespace nabla {
namespace {

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") + "/" + path;
}

const char kGraph[] = "examples/swish/mlp_swish.pbtxt";

TEST(SwishGraphFile, IsRejectedWithoutThePlugin) {
  ASSERT_TRUE(OpRegistry::Global().LoadedPlugins().empty());
  try {
    GraphModel::Load(Runfile(kGraph));
    ADD_FAILURE() << "loaded without the plugin";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("op 'Swish' is not registered"), std::string::npos) << message;
    EXPECT_NE(message.find("did you forget --plugin?"), std::string::npos) << message;
  }
  EXPECT_TRUE(OpRegistry::Global().LoadedPlugins().empty()) << "the graph file loaded a library";
}

}  // namespace
}  // namespace nabla

// A program linked with graph/ but not with the op libraries, the mistake
// of a hand-made link: an unknown op's message says how to link the ops,
// not "did you forget --plugin?".
#include <string>

#include <gtest/gtest.h>

#include "graph/error.h"
#include "graph/registry.h"

namespace nabla {
namespace {

TEST(UnlinkedOps, MessageSaysHowToLinkTheOps) {
  ASSERT_FALSE(OpRegistry::Global().HasBuiltinOps());
  std::string message;
  try {
    OpRegistry::Global().Get("Linear");
  } catch (const Error& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("op 'Linear' is not registered"), std::string::npos) << message;
  EXPECT_NE(message.find("linked without nabla's ops"), std::string::npos) << message;
  EXPECT_NE(message.find("libnabla.so"), std::string::npos) << message;
  EXPECT_NE(message.find("--whole-archive"), std::string::npos) << message;
  EXPECT_EQ(message.find("--plugin"), std::string::npos) << message;
}

}  // namespace
}  // namespace nabla

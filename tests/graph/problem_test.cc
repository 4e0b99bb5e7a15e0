// GraphProblem: the text line each problem formats to, and GraphError's
// message and fields.
#include "graph/problem.h"

#include <gtest/gtest.h>

#include <set>

namespace nabla {
namespace {

GraphProblem Problem(const std::string& file, bool text_file, SourceLocation at) {
  GraphProblem p;
  p.kind = ProblemKind::kUnknownInput;
  p.file = file;
  p.text_file = text_file;
  p.at = at;
  p.message = "node 'fc2' input 0: unknown input 'fc9'";
  return p;
}

TEST(FormatProblem, WritesTheLocationTheFileHas) {
  EXPECT_EQ(FormatProblem(Problem("m.pbtxt", true, {17, 3})),
            "m.pbtxt:17:3: node 'fc2' input 0: unknown input 'fc9'");
  // Text files always name a place editors can jump to.
  EXPECT_EQ(FormatProblem(Problem("m.pbtxt", true, {})),
            "m.pbtxt:1:1: node 'fc2' input 0: unknown input 'fc9'");
  EXPECT_EQ(FormatProblem(Problem("m.pb", false, {})),
            "m.pb: node 'fc2' input 0: unknown input 'fc9'");
  EXPECT_EQ(FormatProblem(Problem("", false, {})), "node 'fc2' input 0: unknown input 'fc9'");
}

TEST(GraphError, CarriesTheProblemsAndTheirLines) {
  GraphProblem second = Problem("m.pb", false, {});
  second.kind = ProblemKind::kCycle;
  GraphError error(ErrorCode::kInvalidFile, {Problem("m.pbtxt", true, {2, 1}), second});
  EXPECT_EQ(error.code(), ErrorCode::kInvalidFile);
  EXPECT_EQ(std::string(error.what()),
            "m.pbtxt:2:1: node 'fc2' input 0: unknown input 'fc9'\n"
            "m.pb: node 'fc2' input 0: unknown input 'fc9'");
  ASSERT_EQ(error.problems().size(), 2u);
  EXPECT_EQ(error.problems()[1].kind, ProblemKind::kCycle);
  // Caught as the one documented exception type, like any Error.
  try {
    throw error;
  } catch (const Error& e) {
    EXPECT_NE(dynamic_cast<const GraphError*>(&e), nullptr);
  }
}

TEST(ProblemKindName, EveryKindHasItsOwnName) {
  std::set<std::string> names;
  for (int k = 0; k <= static_cast<int>(ProblemKind::kOverride); ++k) {
    std::string name = ProblemKindName(static_cast<ProblemKind>(k));
    EXPECT_NE(name, "unknown");
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

}  // namespace
}  // namespace nabla

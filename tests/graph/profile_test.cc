// graph/profile.h: per-op wall time, forward and backward, keyed by op and
// input shapes; named scopes; nothing recorded while off.
#include "graph/profile.h"

#include <gtest/gtest.h>

#include <string>

#include "graph/variable.h"
#include "ops/api.h"
#include "train/optimizer.h"

namespace nabla {
namespace {

const ProfileRow* Find(const std::vector<ProfileRow>& rows, const std::string& name,
                       const std::string& phase) {
  for (const ProfileRow& row : rows) {
    if (row.name == name && row.phase == phase) return &row;
  }
  return nullptr;
}

// Two training steps of a Linear + ReLU net on a [3, 4] batch.
void TwoSteps() {
  Sequential net;
  net.Add(nn::Linear(4, 2)).Add(nn::ReLU());
  Sgd sgd(net.NamedParameters(), {.lr = 0.1});
  Variable x(Tensor::Filled(Shape{3, 4}, 0.5));
  for (int step = 0; step < 2; ++step) {
    Variable loss = Sum(net(x));
    loss.Backward();
    sgd.StepAndZeroGrad();
  }
}

TEST(Profile, RecordsEachKernelCallByOpPhaseAndShapes) {
  ResetProfile();
  SetProfiling(true);
  TwoSteps();
  SetProfiling(false);
  const std::vector<ProfileRow> rows = ProfileRows();
  const ProfileRow* forward = Find(rows, "Linear", "forward");
  const ProfileRow* backward = Find(rows, "Linear", "backward");
  ASSERT_NE(forward, nullptr) << FormatProfile(rows);
  ASSERT_NE(backward, nullptr) << FormatProfile(rows);
  EXPECT_EQ(forward->calls, 2);
  EXPECT_EQ(backward->calls, 2);
  // Input, weight, bias.
  EXPECT_EQ(forward->shapes, "[3, 4] [2, 4] [2]");
  ASSERT_NE(Find(rows, "ReLU", "forward"), nullptr) << FormatProfile(rows);
  EXPECT_EQ(Find(rows, "ReLU", "forward")->shapes, "[3, 2]");
  const ProfileRow* step = Find(rows, "optimizer step", "scope");
  ASSERT_NE(step, nullptr) << FormatProfile(rows);
  EXPECT_EQ(step->calls, 2);
  EXPECT_EQ(step->shapes, "");
  // Most time first, and the table names every row.
  for (size_t i = 1; i < rows.size(); ++i) EXPECT_GE(rows[i - 1].seconds, rows[i].seconds);
  const std::string table = FormatProfile(rows);
  EXPECT_NE(table.find("Linear (backward) [3, 4] [2, 4] [2]"), std::string::npos) << table;
  EXPECT_NE(table.find("optimizer step (scope)"), std::string::npos) << table;
}

TEST(Profile, RecordsNothingWhileOffAndResetEmptiesIt) {
  ResetProfile();
  SetProfiling(false);
  TwoSteps();
  EXPECT_TRUE(ProfileRows().empty()) << FormatProfile(ProfileRows());
  SetProfiling(true);
  TwoSteps();
  SetProfiling(false);
  EXPECT_FALSE(ProfileRows().empty());
  ResetProfile();
  EXPECT_TRUE(ProfileRows().empty());
}

}  // namespace
}  // namespace nabla

// --val-split: a seeded, disjoint, complete split of the training samples.
#include "data/validation_split.h"

#include <gtest/gtest.h>

#include <set>

#include "graph/error.h"

namespace nabla::data {
namespace {

// Sample k has every pixel k % 256 and label k % 10, so a sample is known
// by its contents.
Dataset Numbered(int64_t n) {
  Dataset d;
  d.size = n;
  d.rows = 2;
  d.cols = 3;
  for (int64_t k = 0; k < n; ++k) {
    for (int i = 0; i < 6; ++i) d.pixels.push_back(static_cast<uint8_t>(k % 256));
    d.labels.push_back(static_cast<int32_t>(k % 10));
  }
  d.source = "numbered";
  return d;
}

std::multiset<int> Ids(const Dataset& d) {
  std::multiset<int> ids;
  for (int64_t k = 0; k < d.size; ++k) {
    ids.insert(d.pixels[k * 6]);
    EXPECT_EQ(d.labels[k], d.pixels[k * 6] % 10) << "label moved away from its image";
  }
  return ids;
}

TEST(ValidationSplit, DisjointCompleteAndSeeded) {
  const Dataset data = Numbered(200);
  const TrainValidation a = SplitValidation(data, 0.1, 7);
  EXPECT_EQ(a.validation.size, 20);
  EXPECT_EQ(a.train.size, 180);
  EXPECT_EQ(a.train.rows, 2);
  EXPECT_EQ(a.validation.pixels.size(), 20u * 6);
  std::multiset<int> all = Ids(a.train);
  for (int id : Ids(a.validation)) {
    EXPECT_EQ(Ids(a.train).count(id), 0u) << id << " is in both parts";
    all.insert(id);
  }
  EXPECT_EQ(all, Ids(data));
  // Original order kept within each part.
  for (int64_t k = 1; k < a.validation.size; ++k) {
    EXPECT_LT(a.validation.pixels[(k - 1) * 6], a.validation.pixels[k * 6]);
  }
  // Same seed, same split; another seed, another split.
  EXPECT_EQ(SplitValidation(data, 0.1, 7).validation.pixels, a.validation.pixels);
  EXPECT_NE(SplitValidation(data, 0.1, 8).validation.pixels, a.validation.pixels);
  // Drawn from the whole set, not its first or last samples.
  EXPECT_LT(*Ids(a.validation).begin(), 100);
  EXPECT_GE(*Ids(a.validation).rbegin(), 100);
}

TEST(ValidationSplit, RefusesFractionsThatLeaveAPartEmpty) {
  const Dataset data = Numbered(10);
  for (double bad : {0.0, 1.0, -0.5, 0.01, 0.97}) {
    try {
      SplitValidation(data, bad, 0);
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_NE(std::string(e.what()).find("--val-split"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace nabla::data

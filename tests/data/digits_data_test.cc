// Checks the real mnist-digits data made by tools/setup_data.sh: 8000/2000
// samples, 28x28, and the per-label counts documented in
// tools/make_mnist_digits.py. Skips when the data is not installed.
#include <sys/stat.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "data/dataset_dir.h"
#include "data/idx.h"
#include "gtest/gtest.h"

namespace nabla::data {
namespace {

constexpr char kDir[] = "/var/lib/nabla/data/mnist-digits";

std::vector<int64_t> CountLabels(const Dataset& data) {
  std::vector<int64_t> counts(10, 0);
  for (int32_t label : data.labels) ++counts.at(label);
  return counts;
}

class DigitsDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    struct stat st;
    if (::stat(kDir, &st) != 0) {
      GTEST_SKIP() << kDir << " is absent; run tools/setup_data.sh";
    }
  }
};

TEST_F(DigitsDataTest, DocumentedCountsAndBalance) {
  const Dataset train = LoadSplit(kDir, Split::kTrain);
  const Dataset test = LoadSplit(kDir, Split::kTest);
  EXPECT_EQ(train.size, 8000);
  EXPECT_EQ(test.size, 2000);
  EXPECT_EQ(train.rows, 28);
  EXPECT_EQ(train.cols, 28);
  EXPECT_EQ(
      CountLabels(train),
      (std::vector<int64_t>{801, 902, 793, 826, 784, 690, 811, 856, 755, 782}));
  EXPECT_EQ(CountLabels(test), (std::vector<int64_t>{200, 225, 198, 206, 196,
                                                     173, 203, 214, 189, 196}));
  // Each label's test share is 20% of its total to within one sample.
  const std::vector<int64_t> train_counts = CountLabels(train);
  const std::vector<int64_t> test_counts = CountLabels(test);
  for (int d = 0; d < 10; ++d) {
    const double total = train_counts[d] + test_counts[d];
    EXPECT_NEAR(test_counts[d], 0.2 * total, 1.0) << "label " << d;
  }
}

TEST_F(DigitsDataTest, PixelsLookLikeDigits) {
  const Dataset test = LoadSplit(kDir, Split::kTest);
  double sum = 0;
  float max = 0;
  for (uint8_t raw : test.pixels) {
    const float p = raw / 255.0f;
    sum += p;
    max = std::max(max, p);
  }
  EXPECT_EQ(max, 1.0f);
  // MNIST's mean intensity is about 0.13.
  EXPECT_NEAR(sum / test.pixels.size(), 0.13, 0.03);
  // No sample is shared between the splits.
  const Dataset train = LoadSplit(kDir, Split::kTrain);
  std::set<std::vector<uint8_t>> train_images;
  for (int64_t i = 0; i < train.size; ++i) {
    train_images.emplace(train.pixels.begin() + i * 784,
                         train.pixels.begin() + (i + 1) * 784);
  }
  int64_t shared = 0;
  for (int64_t i = 0; i < test.size; ++i) {
    shared += train_images.count(std::vector<uint8_t>(
        test.pixels.begin() + i * 784, test.pixels.begin() + (i + 1) * 784));
  }
  EXPECT_EQ(shared, 0);
}

}  // namespace
}  // namespace nabla::data

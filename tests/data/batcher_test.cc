#include "data/batcher.h"

#include <set>
#include <vector>

#include "data/idx.h"
#include "graph/error.h"
#include "gtest/gtest.h"

namespace nabla::data {
namespace {

// Sample i has label i % 10 and every pixel equal to i, so a batch row
// identifies its sample.
Dataset MakeDataset(int64_t size) {
  Dataset data;
  data.size = size;
  data.rows = 2;
  data.cols = 3;
  data.source = "fake";
  for (int64_t i = 0; i < size; ++i) {
    data.labels.push_back(static_cast<int32_t>(i % 10));
    for (int k = 0; k < 6; ++k) data.pixels.push_back(static_cast<uint8_t>(i));
  }
  return data;
}

BatcherOptions Options(int64_t batch_size, uint64_t seed = 0,
                       bool shuffle = true, bool drop_last = false) {
  BatcherOptions options;
  options.batch_size = batch_size;
  options.seed = seed;
  options.shuffle = shuffle;
  options.drop_last = drop_last;
  return options;
}

// Runs one epoch; returns the sample indices in visit order.
std::vector<int64_t> Epoch(Batcher& batcher, std::vector<int64_t>* sizes) {
  std::vector<int64_t> seen;
  Batch batch;
  while (batcher.Next(&batch)) {
    if (sizes != nullptr) sizes->push_back(batch.size);
    for (int64_t i = 0; i < batch.size; ++i) seen.push_back(batch.indices[i]);
  }
  return seen;
}

TEST(BatcherTest, GathersRowsThroughPermutation) {
  const Dataset data = MakeDataset(10);
  Batcher batcher(data, Options(4, 1));
  Batch batch;
  ASSERT_TRUE(batcher.Next(&batch));
  EXPECT_EQ(batch.size, 4);
  EXPECT_EQ(batch.features, 6);
  ASSERT_EQ(batch.images.size(), 24u);
  for (int64_t i = 0; i < 4; ++i) {
    const int64_t index = batch.indices[i];
    EXPECT_EQ(index, batcher.order()[i]);
    EXPECT_EQ(batch.labels[i], index % 10);
    for (int k = 0; k < 6; ++k) EXPECT_EQ(batch.images[i * 6 + k], static_cast<float>(index) / 255.0f);
  }
}

// NextInto gathers the same batches as Next, straight into caller memory,
// and ends the epoch the same way.
TEST(BatcherTest, NextIntoMatchesNext) {
  const Dataset data = MakeDataset(23);
  Batcher by_batch(data, Options(10, 3, true, /*drop_last=*/false));
  Batcher direct(data, Options(10, 3, true, /*drop_last=*/false));
  Batch batch;
  for (int epoch = 0; epoch < 2; ++epoch) {
    for (int64_t expected_size : {10, 10, 3}) {
      ASSERT_EQ(direct.NextSize(), expected_size);
      std::vector<float> images(expected_size * 6, -1.f);
      std::vector<int32_t> labels(expected_size, -1);
      ASSERT_TRUE(direct.NextInto(images.data(), labels.data()));
      ASSERT_TRUE(by_batch.Next(&batch));
      EXPECT_EQ(images, batch.images);
      EXPECT_EQ(labels, batch.labels);
    }
    EXPECT_EQ(direct.NextSize(), 0);
    EXPECT_FALSE(direct.NextInto(nullptr, nullptr));  // moves to the next epoch
    EXPECT_FALSE(by_batch.Next(&batch));
    EXPECT_EQ(direct.state().epoch, epoch + 1);
  }
  Batcher dropping(data, Options(10, 3, true, /*drop_last=*/true));
  for (int i = 0; i < 2; ++i) {
    std::vector<float> images(60);
    std::vector<int32_t> labels(10);
    ASSERT_TRUE(dropping.NextInto(images.data(), labels.data()));
  }
  EXPECT_EQ(dropping.NextSize(), 0);  // the short batch of 3 is dropped
}

TEST(BatcherTest, EverySampleOncePerEpochWithPartialLastBatch) {
  const Dataset data = MakeDataset(103);
  Batcher batcher(data, Options(10, 7));
  EXPECT_EQ(batcher.BatchesPerEpoch(), 11);
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::vector<int64_t> sizes;
    const std::vector<int64_t> seen = Epoch(batcher, &sizes);
    ASSERT_EQ(seen.size(), 103u);
    EXPECT_EQ(std::set<int64_t>(seen.begin(), seen.end()).size(), 103u);
    ASSERT_EQ(sizes.size(), 11u);
    EXPECT_EQ(sizes.back(), 3);
    EXPECT_EQ(batcher.state().epoch, epoch + 1);
  }
}

TEST(BatcherTest, DropLast) {
  const Dataset data = MakeDataset(103);
  Batcher batcher(data, Options(10, 0, true, true));
  EXPECT_EQ(batcher.BatchesPerEpoch(), 10);
  std::vector<int64_t> sizes;
  EXPECT_EQ(Epoch(batcher, &sizes).size(), 100u);
  EXPECT_EQ(sizes, std::vector<int64_t>(10, 10));
}

TEST(BatcherTest, OrderDependsOnSeedAndEpochOnly) {
  const Dataset data = MakeDataset(50);
  Batcher a(data, Options(8, 42));
  Batcher b(data, Options(8, 42));
  Batcher c(data, Options(8, 43));
  const std::vector<int64_t> a0 = Epoch(a, nullptr), a1 = Epoch(a, nullptr);
  EXPECT_NE(a0, a1);
  EXPECT_EQ(a0, Epoch(b, nullptr));
  EXPECT_EQ(a1, Epoch(b, nullptr));
  EXPECT_NE(a0, Epoch(c, nullptr));
  // A different batch size visits samples in the same order.
  Batcher d(data, Options(5, 42));
  EXPECT_EQ(a0, Epoch(d, nullptr));
}

TEST(BatcherTest, NoShuffleKeepsDatasetOrder) {
  const Dataset data = MakeDataset(7);
  Batcher batcher(data, Options(3, 0, false));
  EXPECT_EQ(Epoch(batcher, nullptr),
            (std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6}));
}

TEST(BatcherTest, ResumeFromSavedStateGivesSameRemainingBatches) {
  const Dataset data = MakeDataset(37);
  const BatcherOptions options = Options(4, 99);
  Batcher original(data, options);
  Batch batch;
  Epoch(original, nullptr);  // finish epoch 0
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(original.Next(&batch));
  const BatcherState saved = original.state();
  EXPECT_EQ(saved.seed, 99u);
  EXPECT_EQ(saved.epoch, 1);
  EXPECT_EQ(saved.position, 12);

  // Rest of epoch 1 and all of epoch 2, batch by batch.
  std::vector<std::vector<float>> expected_images;
  std::vector<std::vector<int32_t>> expected_labels;
  for (int e = 0; e < 2; ++e) {
    while (original.Next(&batch)) {
      expected_images.push_back(batch.images);
      expected_labels.push_back(batch.labels);
    }
  }

  // A fresh batcher built with another seed adopts the saved one.
  Batcher resumed(data, Options(4, 1));
  resumed.Restore(saved);
  size_t k = 0;
  for (int e = 0; e < 2; ++e) {
    while (resumed.Next(&batch)) {
      ASSERT_LT(k, expected_images.size());
      EXPECT_EQ(batch.images, expected_images[k]);
      EXPECT_EQ(batch.labels, expected_labels[k]);
      ++k;
    }
  }
  EXPECT_EQ(k, expected_images.size());
  EXPECT_EQ(resumed.state().epoch, original.state().epoch);
}

TEST(BatcherTest, RejectsBadArguments) {
  const Dataset data = MakeDataset(5);
  EXPECT_THROW({ Batcher b(data, Options(0)); }, Error);
  EXPECT_THROW({ Batcher b(data, Options(6, 0, true, true)); }, Error);
  const Dataset empty;
  EXPECT_THROW({ Batcher b(empty, Options(1)); }, Error);
  Batcher batcher(data, Options(2));
  EXPECT_THROW(batcher.Restore({0, 0, 6}), Error);
  EXPECT_THROW(batcher.Restore({0, -1, 0}), Error);
  try {
    batcher.Restore({0, 0, 9});
    ADD_FAILURE() << "Restore accepted position 9 of 5";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("position 9"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("0..5"), std::string::npos);
  }
}

}  // namespace
}  // namespace nabla::data

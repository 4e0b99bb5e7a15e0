// data/augment: the option parser and its canonical form, the transform's
// exactness where it must be exact (identity, whole-pixel flip) and its
// determinism.
#include "data/augment.h"

#include <algorithm>
#include <string>
#include <vector>

#include "graph/error.h"
#include "gtest/gtest.h"

namespace nabla::data {
namespace {

constexpr int kRows = 5, kCols = 6;

std::vector<float> Ramp(int n, int channels = 1) {
  std::vector<float> v(static_cast<size_t>(n) * channels * kRows * kCols);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 97) + 0.25f;
  return v;
}

bool Mirrored(const float* in, const float* out, int channels) {
  for (int c = 0; c < channels; ++c) {
    for (int y = 0; y < kRows; ++y) {
      for (int x = 0; x < kCols; ++x) {
        const int plane = c * kRows * kCols;
        if (out[plane + y * kCols + x] != in[plane + y * kCols + (kCols - 1 - x)]) return false;
      }
    }
  }
  return true;
}

TEST(AugmentTest, ParsesEveryKeyAndPrintsCanonically) {
  const AugmentOptions o = ParseAugment(" flip=0.5, shift=2,rotate=12 ,scale=0.1");
  EXPECT_EQ(o.shift, 2);
  EXPECT_EQ(o.rotate, 12);
  EXPECT_EQ(o.scale, 0.1);
  EXPECT_EQ(o.flip, 0.5);
  EXPECT_EQ(AugmentToString(o), "shift=2,rotate=12,scale=0.1,flip=0.5");
  EXPECT_EQ(AugmentToString(ParseAugment(AugmentToString(o))), AugmentToString(o));
  EXPECT_EQ(AugmentToString(ParseAugment("flip=1")), "flip=1");
  EXPECT_FALSE(ParseAugment("none").enabled());
  EXPECT_FALSE(ParseAugment("flip=0").enabled());
  EXPECT_EQ(AugmentToString(ParseAugment("")), "none");
}

TEST(AugmentTest, RefusesBadFlip) {
  for (const char* bad : {"flip=1.5", "flip=-0.1", "flip=nan", "flip=", "flip=yes"}) {
    try {
      ParseAugment(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("item '") + bad + "'"), std::string::npos)
          << e.what();
    }
  }
}

TEST(AugmentTest, DisabledLeavesImagesUntouched) {
  std::vector<float> images = Ramp(3), copy = images;
  AugmentBatch(ParseAugment("none"), 7, 1, 0, 3, 1, kRows, kCols, images.data());
  EXPECT_EQ(images, copy);
}

TEST(AugmentTest, FlipAloneIsAnExactMirrorOfEveryChannel) {
  const int n = 4, channels = 3;
  std::vector<float> images = Ramp(n, channels), copy = images;
  AugmentBatch(ParseAugment("flip=1"), 7, 1, 0, n, channels, kRows, kCols, images.data());
  const int image = channels * kRows * kCols;
  for (int i = 0; i < n; ++i) {
    EXPECT_TRUE(Mirrored(copy.data() + i * image, images.data() + i * image, channels)) << i;
  }
}

TEST(AugmentTest, FlipHalfMirrorsAboutHalfAndTheRestStayExact) {
  const int n = 400;
  std::vector<float> images = Ramp(n), copy = images;
  AugmentBatch(ParseAugment("flip=0.5"), 3, 2, 0, n, 1, kRows, kCols, images.data());
  int flipped = 0;
  const int image = kRows * kCols;
  for (int i = 0; i < n; ++i) {
    const float* in = copy.data() + i * image;
    const float* out = images.data() + i * image;
    if (std::equal(in, in + image, out)) continue;
    EXPECT_TRUE(Mirrored(in, out, 1)) << "image " << i << " is neither itself nor its mirror";
    ++flipped;
  }
  EXPECT_GT(flipped, 150);
  EXPECT_LT(flipped, 250);
}

TEST(AugmentTest, KeyedByPositionNotByBatch) {
  // Augmenting 6 images at once equals augmenting them as 2 + 4 with the
  // right first positions: what makes resume bit-exact.
  const AugmentOptions o = ParseAugment("shift=1.5,rotate=10,scale=0.1,flip=0.5");
  std::vector<float> whole = Ramp(6), parts = whole;
  AugmentBatch(o, 11, 3, 10, 6, 1, kRows, kCols, whole.data());
  AugmentBatch(o, 11, 3, 10, 2, 1, kRows, kCols, parts.data());
  AugmentBatch(o, 11, 3, 12, 4, 1, kRows, kCols, parts.data() + 2 * kRows * kCols);
  EXPECT_EQ(whole, parts);
  std::vector<float> other_epoch = Ramp(6);
  AugmentBatch(o, 11, 4, 10, 6, 1, kRows, kCols, other_epoch.data());
  EXPECT_NE(whole, other_epoch);
}

TEST(AugmentTest, AddingFlipKeepsTheAffineDraws) {
  // flip is drawn after shift, rotation and scale: an image that is not
  // flipped gets exactly the transform it got without the flip key.
  const int n = 64, image = kRows * kCols;
  std::vector<float> with = Ramp(n), without = with;
  AugmentBatch(ParseAugment("shift=1,rotate=8,flip=0.5"), 5, 1, 0, n, 1, kRows, kCols, with.data());
  AugmentBatch(ParseAugment("shift=1,rotate=8"), 5, 1, 0, n, 1, kRows, kCols, without.data());
  int same = 0;
  for (int i = 0; i < n; ++i) {
    same += std::equal(with.begin() + i * image, with.begin() + (i + 1) * image,
                       without.begin() + i * image);
  }
  EXPECT_GT(same, 16);
  EXPECT_LT(same, n);
}

}  // namespace
}  // namespace nabla::data

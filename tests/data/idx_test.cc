#include "data/idx.h"

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "graph/error.h"
#include "gtest/gtest.h"
#include "tests/data/test_util.h"

namespace nabla::data {
namespace {

using testing::FakeLabels;
using testing::FakePixels;
using testing::Gzip;
using testing::MakeTempDir;
using testing::ReadBytes;
using testing::WriteBytes;

// Runs `fn`, expecting a nabla::Error with `code` whose message holds every
// string in `parts`.
void ExpectError(const std::function<void()>& fn, ErrorCode code,
                 const std::vector<std::string>& parts) {
  try {
    fn();
    ADD_FAILURE() << "expected nabla::Error, nothing thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    for (const std::string& part : parts) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "message '" << e.what() << "' lacks '" << part << "'";
    }
  }
}

class IdxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir("idx_test");
    images_ = EncodeIdxImages(kCount, 4, 3, FakePixels(kCount, 4, 3));
    labels_ = EncodeIdxLabels(FakeLabels(kCount));
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  // Writes images_/labels_ (possibly edited) verbatim and loads them.
  void Load(const std::string& images, const std::string& labels) {
    WriteBytes(Path("images"), images);
    WriteBytes(Path("labels"), labels);
    LoadIdx(Path("images"), Path("labels"));
  }

  static constexpr int64_t kCount = 12;
  std::string dir_, images_, labels_;
};

TEST_F(IdxTest, RoundTripRawAndGzip) {
  const std::vector<uint8_t> pixels = FakePixels(kCount, 4, 3);
  const std::vector<int32_t> labels = FakeLabels(kCount);
  for (const std::string suffix : {"", ".gz"}) {
    const std::string images_path = Path("i" + suffix);
    const std::string labels_path = Path("l" + suffix);
    WriteIdx(images_path, labels_path, 4, 3, pixels, labels);
    const bool gz = ReadBytes(images_path).compare(0, 2, "\x1f\x8b") == 0;
    EXPECT_EQ(gz, suffix == ".gz");
    const Dataset data = LoadIdx(images_path, labels_path);
    EXPECT_EQ(data.size, kCount);
    EXPECT_EQ(data.rows, 4);
    EXPECT_EQ(data.cols, 3);
    EXPECT_EQ(data.features(), 12);
    EXPECT_EQ(data.labels, labels);
    EXPECT_EQ(data.pixels, pixels);
    EXPECT_NE(data.source.find(images_path), std::string::npos);
    EXPECT_NE(data.source.find(labels_path), std::string::npos);
  }
}

TEST_F(IdxTest, ScalesFullRangeToZeroOne) {
  WriteIdx(Path("i"), Path("l"), 1, 2, {0, 255}, {0});
  const Dataset data = LoadIdx(Path("i"), Path("l"));
  float scaled[2];
  PixelsToFloat(data.pixels.data(), 2, scaled);
  EXPECT_EQ(scaled[0], 0.0f);
  EXPECT_EQ(scaled[1], 1.0f);
}

TEST_F(IdxTest, GzipDecidedByMagicNotName) {
  WriteBytes(Path("gzipped.raw"), Gzip(images_));
  WriteBytes(Path("plain.gz"), labels_);
  const Dataset data = LoadIdx(Path("gzipped.raw"), Path("plain.gz"));
  EXPECT_EQ(data.size, kCount);
}

TEST_F(IdxTest, WriteIsAtomicAndOverwrites) {
  WriteIdx(Path("i.gz"), Path("l"), 4, 3, FakePixels(kCount, 4, 3),
           FakeLabels(kCount));
  WriteIdx(Path("i.gz"), Path("l"), 1, 1, {7}, {3});
  EXPECT_EQ(LoadIdx(Path("i.gz"), Path("l")).labels, std::vector<int32_t>{3});
  for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(entry.path().string().find(".tmp."), std::string::npos)
        << "leftover temporary " << entry.path();
  }
}

TEST_F(IdxTest, BadMagic) {
  // Labels passed as images and vice versa: the message says what they are.
  ExpectError([&] { Load(labels_, images_); }, ErrorCode::kInvalidFile,
              {Path("images"), "expected magic 0x00000803", "found 0x00000801",
               "labels file"});
  ExpectError(
      [&] { Load(images_, images_); }, ErrorCode::kInvalidFile,
      {Path("labels"), "expected magic 0x00000801", "found 0x00000803"});
  std::string bad = images_;
  bad[2] = 0x0d;  // float32 element type
  ExpectError([&] { Load(bad, labels_); }, ErrorCode::kInvalidFile,
              {"found 0x00000d03"});
}

TEST_F(IdxTest, TruncatedImagesRawAndGzip) {
  const size_t full = images_.size();  // 16 + 12*12
  for (bool gz : {false, true}) {
    for (size_t cut : {size_t{0}, size_t{3}, size_t{10}}) {
      std::string part = images_.substr(0, cut);
      ExpectError([&] { Load(gz ? Gzip(part) : part, labels_); },
                  ErrorCode::kInvalidFile,
                  {Path("images"), "truncated IDX images header",
                   "expected 16 bytes", "found " + std::to_string(cut)});
    }
    for (size_t cut : {size_t{16}, size_t{17}, full / 2, full - 1}) {
      std::string part = images_.substr(0, cut);
      ExpectError([&] { Load(gz ? Gzip(part) : part, labels_); },
                  ErrorCode::kInvalidFile,
                  {Path("images"), "truncated", "12 images of 4x3",
                   "needs " + std::to_string(full) + " bytes",
                   "found " + std::to_string(cut)});
    }
  }
}

TEST_F(IdxTest, TruncatedGzipStream) {
  const std::string gz = Gzip(images_);
  for (size_t cut : {gz.size() / 2, gz.size() - 4, gz.size() - 1}) {
    ExpectError([&] { Load(gz.substr(0, cut), labels_); },
                ErrorCode::kInvalidFile,
                {Path("images"), "bad gzip file", "truncated?"});
  }
}

TEST_F(IdxTest, CorruptGzip) {
  std::string gz = Gzip(images_);
  gz[10] = static_cast<char>(0xff);  // first deflate block: reserved type 3
  ExpectError([&] { Load(gz, labels_); }, ErrorCode::kInvalidFile,
              {Path("images"), "bad gzip file: corrupt compressed data"});
  std::string bad_crc = Gzip(images_);
  bad_crc[bad_crc.size() - 6] ^= 1;
  ExpectError([&] { Load(bad_crc, labels_); }, ErrorCode::kInvalidFile,
              {Path("images"), "CRC mismatch"});
}

TEST_F(IdxTest, TrailingBytesRawAndGzip) {
  const std::string padded = images_ + "xyz";
  const std::string needs = "needs " + std::to_string(images_.size());
  const std::string found = "found " + std::to_string(images_.size() + 3);
  for (bool gz : {false, true}) {
    ExpectError([&] { Load(gz ? Gzip(padded) : padded, labels_); },
                ErrorCode::kInvalidFile,
                {Path("images"), "trailing bytes", needs, found});
  }
  ExpectError([&] { Load(images_, labels_ + "!"); }, ErrorCode::kInvalidFile,
              {Path("labels"), "trailing bytes", "12 labels"});
}

TEST_F(IdxTest, AbsurdHeaderIsRejectedBeforeAllocating) {
  // 2^32-1 images of 28x28: about 3.4 TB claimed by a 16-byte file.
  std::string huge = images_.substr(0, 16);
  huge[4] = huge[5] = huge[6] = huge[7] = static_cast<char>(0xff);
  huge[11] = 28;
  huge[15] = 28;
  ExpectError([&] { Load(huge, labels_); }, ErrorCode::kInvalidFile,
              {Path("images"), "truncated", "4294967295 images of 28x28",
               "needs 3367254359296 bytes", "found 16"});
  ExpectError([&] { Load(Gzip(huge), labels_); }, ErrorCode::kInvalidFile,
              {Path("images"), "needs 3367254359296 bytes", "gzip file of",
               "cannot hold more than"});
  // count*rows*cols beyond 2^64.
  huge[8] = huge[9] = huge[10] = huge[11] = static_cast<char>(0xff);
  for (bool gz : {false, true}) {
    ExpectError([&] { Load(gz ? Gzip(huge) : huge, labels_); },
                ErrorCode::kInvalidFile,
                {Path("images"), "4294967295 images of 4294967295x28",
                 "more than 2^64 bytes"});
  }
  std::string labels = labels_.substr(0, 8);
  labels[4] = labels[5] = labels[6] = labels[7] = static_cast<char>(0xff);
  ExpectError([&] { Load(images_, Gzip(labels)); }, ErrorCode::kInvalidFile,
              {Path("labels"), "4294967295 labels", "cannot hold more than"});
}

TEST_F(IdxTest, ZeroImageSize) {
  std::string bad = images_;
  bad[8] = bad[9] = bad[10] = bad[11] = 0;  // rows = 0
  ExpectError([&] { Load(bad, labels_); }, ErrorCode::kInvalidFile,
              {Path("images"), "bad image size 0x3"});
}

TEST_F(IdxTest, CountMismatchNamesBothFiles) {
  ExpectError([&] { Load(images_, EncodeIdxLabels(FakeLabels(11))); },
              ErrorCode::kInvalidFile,
              {Path("images"), Path("labels"), "12 images", "11 labels"});
}

TEST_F(IdxTest, LabelOutOfRange) {
  std::vector<int32_t> labels = FakeLabels(kCount);
  labels[3] = 10;
  WriteBytes(Path("images"), images_);
  WriteBytes(Path("labels"), EncodeIdxLabels(labels));
  ExpectError([&] { LoadIdx(Path("images"), Path("labels"), 10); },
              ErrorCode::kInvalidFile,
              {Path("labels"), "label 10 at index 3", "expected 0..9"});
  EXPECT_EQ(LoadIdx(Path("images"), Path("labels"), 11).labels[3], 10);
  // By default classes come from the data: the largest label + 1.
  EXPECT_EQ(LoadIdx(Path("images"), Path("labels")).num_classes(), 11);
}

// Magic 0x00000804: [count, channels, rows, cols], each image CHW.
TEST_F(IdxTest, ImagesWithChannelsRoundTrip) {
  const int64_t count = 3, channels = 3, rows = 2, cols = 4;
  std::vector<uint8_t> pixels(count * channels * rows * cols);
  for (size_t k = 0; k < pixels.size(); ++k) pixels[k] = static_cast<uint8_t>(k * 7);
  WriteIdx(Path("rgb.gz"), Path("rgb_labels"), rows, cols, pixels, {0, 2, 1}, channels);
  const Dataset data = LoadIdx(Path("rgb.gz"), Path("rgb_labels"));
  EXPECT_EQ(data.channels, channels);
  EXPECT_EQ(data.rows, rows);
  EXPECT_EQ(data.cols, cols);
  EXPECT_EQ(data.features(), channels * rows * cols);
  EXPECT_EQ(data.pixels, pixels);
  EXPECT_EQ(data.num_classes(), 3);
  std::string bad = EncodeIdxImages(1, 2, 1, 1, {1, 2});
  bad[8] = bad[9] = bad[10] = bad[11] = 0;  // channels = 0
  WriteBytes(Path("images"), bad);
  WriteBytes(Path("labels"), EncodeIdxLabels({0}));
  ExpectError([&] { LoadIdx(Path("images"), Path("labels")); }, ErrorCode::kInvalidFile,
              {Path("images"), "bad image size 0x1x1", "channels, rows and cols"});
}

TEST_F(IdxTest, MissingFileNamesPath) {
  WriteBytes(Path("labels"), labels_);
  ExpectError([&] { LoadIdx(Path("nope"), Path("labels")); },
              ErrorCode::kNotFound,
              {"images file", Path("nope"), "No such file"});
  ExpectError([&] { LoadIdx(dir_, Path("labels")); }, ErrorCode::kInvalidFile,
              {dir_, "regular file"});
}

TEST_F(IdxTest, EncodeRejectsBadArguments) {
  ExpectError([] { EncodeIdxImages(2, 2, 2, std::vector<uint8_t>(7)); },
              ErrorCode::kInvalidArgument, {"need 2*4 pixels, found 7"});
  ExpectError([] { EncodeIdxImages(1, 0, 2, {}); }, ErrorCode::kInvalidArgument,
              {"rows = 0"});
  ExpectError(
      [] {
        EncodeIdxLabels({1, 256});
      },
      ErrorCode::kInvalidArgument, {"label 256 at index 1"});
  ExpectError([&] { WriteIdxFile(Path("no/such/dir/f"), "x"); },
              ErrorCode::kNotFound, {Path("no/such/dir/f")});
}

}  // namespace
}  // namespace nabla::data

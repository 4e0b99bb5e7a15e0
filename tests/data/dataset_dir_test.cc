#include "data/dataset_dir.h"

#include <cstdlib>
#include <string>

#include "data/idx.h"
#include "graph/error.h"
#include "gtest/gtest.h"
#include "tests/data/test_util.h"

namespace nabla::data {
namespace {

using testing::FakeLabels;
using testing::FakePixels;
using testing::MakeTempDir;

// Expects `fn` to throw a nabla::Error with `code` and returns its message.
template <typename Fn>
std::string ErrorOf(Fn fn, ErrorCode code) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "expected nabla::Error, nothing thrown";
  return "";
}

void WriteSplit(const std::string& dir, const std::string& prefix,
                int64_t count, const std::string& suffix) {
  WriteIdx(dir + "/" + prefix + "-images-idx3-ubyte" + suffix,
           dir + "/" + prefix + "-labels-idx1-ubyte" + suffix, 2, 2,
           FakePixels(count, 2, 2), FakeLabels(count));
}

TEST(DatasetDirTest, TestSplitOnly) {
  const std::string dir = MakeTempDir("test_only");
  WriteSplit(dir, "t10k", 5, ".gz");
  const Dataset test = LoadSplit(dir, Split::kTest);
  EXPECT_EQ(test.size, 5);
  EXPECT_EQ(test.rows, 2);
  const std::string message =
      ErrorOf([&] { LoadSplit(dir, Split::kTrain); }, ErrorCode::kNotFound);
  EXPECT_NE(message.find("no training split in " + dir), std::string::npos)
      << message;
  EXPECT_NE(message.find("expected train-images-idx3-ubyte[.gz] and "
                         "train-labels-idx1-ubyte[.gz]"),
            std::string::npos)
      << message;
}

TEST(DatasetDirTest, RawAndGzipNamesAndRawPreferred) {
  const std::string dir = MakeTempDir("both");
  WriteSplit(dir, "train", 3, "");
  WriteSplit(dir, "train", 4, ".gz");
  WriteSplit(dir, "t10k", 6, ".gz");
  const SplitFiles files = FindSplit(dir, Split::kTrain);
  EXPECT_EQ(files.images, dir + "/train-images-idx3-ubyte");
  EXPECT_EQ(files.labels, dir + "/train-labels-idx1-ubyte");
  EXPECT_EQ(LoadSplit(dir, Split::kTrain).size, 3);
  EXPECT_EQ(LoadSplit(dir, Split::kTest).size, 6);
}

TEST(DatasetDirTest, IncompleteSplitNamesMissingFile) {
  const std::string dir = MakeTempDir("incomplete");
  WriteSplit(dir, "t10k", 2, "");
  std::remove((dir + "/t10k-labels-idx1-ubyte").c_str());
  const std::string message =
      ErrorOf([&] { FindSplit(dir, Split::kTest); }, ErrorCode::kNotFound);
  EXPECT_NE(message.find("incomplete test split in " + dir), std::string::npos)
      << message;
  EXPECT_NE(message.find("not t10k-labels-idx1-ubyte[.gz]"), std::string::npos)
      << message;
}

TEST(DatasetDirTest, UnknownNameListsKnownNames) {
  const std::string message =
      ErrorOf([] { ResolveDataDir("cifar"); }, ErrorCode::kNotFound);
  EXPECT_NE(message.find("unknown dataset 'cifar'"), std::string::npos);
  EXPECT_NE(message.find("fashion-mnist, mnist, mnist-digits"),
            std::string::npos)
      << message;
  const std::string missing =
      ErrorOf([] { ResolveDataDir("/no/such/dir"); }, ErrorCode::kNotFound);
  EXPECT_NE(missing.find("'/no/such/dir' does not exist"), std::string::npos)
      << missing;
}

TEST(DatasetDirTest, ShortNamesFollowEnvironment) {
  const std::string home = MakeTempDir("data_home");
  MakeTempDir("data_home/mnist-digits");
  setenv("NABLA_DATA_HOME", home.c_str(), 1);
  EXPECT_EQ(ResolveDataDir("mnist-digits"), home + "/mnist-digits");
  setenv("NABLA_DATA_HOME", "/no/such/home", 1);
  const std::string message =
      ErrorOf([] { ResolveDataDir("mnist-digits"); }, ErrorCode::kNotFound);
  EXPECT_NE(message.find("/no/such/home/mnist-digits"), std::string::npos);
  EXPECT_NE(message.find("tools/setup_data.sh"), std::string::npos);
  unsetenv("NABLA_DATA_HOME");

  unsetenv("NABLA_MNIST_DIR");
  EXPECT_NE(ErrorOf([] { ResolveDataDir("mnist"); }, ErrorCode::kNotFound)
                .find("NABLA_MNIST_DIR is not set"),
            std::string::npos);
  const std::string mnist = MakeTempDir("real_mnist");
  WriteSplit(mnist, "train", 7, "");
  setenv("NABLA_MNIST_DIR", mnist.c_str(), 1);
  EXPECT_EQ(LoadSplit("mnist", Split::kTrain).size, 7);
  unsetenv("NABLA_MNIST_DIR");
}

TEST(DatasetDirTest, SplitNames) {
  EXPECT_STREQ(SplitName(Split::kTrain), "train");
  EXPECT_STREQ(SplitName(Split::kTest), "test");
}

}  // namespace
}  // namespace nabla::data

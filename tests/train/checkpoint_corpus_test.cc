// The reader against a corpus of damaged checkpoints generated from a valid
// one: every file must give a clean nabla::Error naming the file and the
// problem, never a crash or a huge allocation, and nothing may be written.
#include "tests/train/checkpoint_corpus.h"

#include <gtest/gtest.h>

#include <iostream>

#include "graph/error.h"
#include "tests/train/test_util.h"
#include "train/checkpoint.h"
#include "train/optimizer.h"

namespace nabla {
namespace {

using ::nabla::testing::Contains;
using ::nabla::testing::DamagedCheckpoint;
using ::nabla::testing::ListDir;
using ::nabla::testing::MakeNet;
using ::nabla::testing::MakeTempDir;
using ::nabla::testing::ReadBytes;
using ::nabla::testing::WriteBytes;

// A checkpoint of MakeNet(1, hidden) after two SGD momentum steps: 7
// parameters and 7 momentum buffers.
std::string CheckpointBytes(int64_t hidden, double slope, bool with_fingerprint) {
  std::string dir = MakeTempDir("source");
  auto net = MakeNet(1, hidden, slope);
  Sgd sgd(net->NamedParameters(), {.lr = 0.05, .momentum = 0.9});
  testing::Train(net.get(), &sgd, 2);
  Checkpoint checkpoint = testing::MakeFullCheckpoint(*net, sgd);
  if (!with_fingerprint) checkpoint.header.clear_nodes();
  SaveCheckpoint(dir + "/ckpt", checkpoint);
  return ReadBytes(dir + "/ckpt");
}

// What resuming or converting a checkpoint does: read it, check it fits the
// model, load it strictly, write it out.
void ReadLoadAndResave(const std::string& in, Module* model, const std::string& out) {
  Checkpoint checkpoint = ReadCheckpoint(in);
  // A file without fingerprints (a minimal writer) is judged by its shapes.
  if (checkpoint.header.nodes_size() > 0) {
    std::string diff = DiffFingerprints(checkpoint.header, FingerprintOf(*model));
    if (!diff.empty()) NABLA_THROW(kInvalidFile) << in << ": " << diff;
  }
  LoadParameters(checkpoint, model);
  SaveCheckpoint(out, checkpoint);
}

TEST(CheckpointCorpus, ValidFilePassesAndTheGeneratorReproducesIt) {
  std::string valid = CheckpointBytes(8, 0.1, true);
  testing::CheckpointLayout layout = testing::ParseLayout(valid);
  EXPECT_EQ(testing::Assemble(layout.header, layout.tensors), valid);
  EXPECT_EQ(layout.tensors.size(), 14u);

  std::string dir = MakeTempDir("valid");
  WriteBytes(dir + "/in.ckpt", valid);
  auto model = MakeNet(3);
  ReadLoadAndResave(dir + "/in.ckpt", model.get(), dir + "/out.ckpt");
  EXPECT_EQ(ReadBytes(dir + "/out.ckpt"), valid);
}

TEST(CheckpointCorpus, EveryDamagedFileGivesACleanErrorAndWritesNothing) {
  std::vector<DamagedCheckpoint> corpus =
      testing::MakeDamagedCheckpoints(CheckpointBytes(8, 0.1, true));
  corpus.push_back({"other_model", CheckpointBytes(4, 0.1, true),
                    "node '0' (Linear): parameters {weight:[4, 3], bias:[4]} in the checkpoint, "
                    "{weight:[8, 3], bias:[8]} in the model"});
  corpus.push_back({"other_attributes", CheckpointBytes(8, 0.2, true),
                    "node '1' (LeakyReLU): attributes (slope=0.2) in the checkpoint, "
                    "(slope=0.1) in the model"});
  corpus.push_back({"other_model_without_fingerprint", CheckpointBytes(4, 0.1, false),
                    "shape mismatch: '0.weight' checkpoint [4, 3], model [8, 3]"});
  ASSERT_GE(corpus.size(), 40u);

  std::string dir = MakeTempDir("corpus");
  for (const DamagedCheckpoint& damaged : corpus) {
    SCOPED_TRACE(damaged.name);
    std::string path = dir + "/" + damaged.name + ".ckpt";
    std::string out_dir = MakeTempDir("corpus_out/" + damaged.name);
    WriteBytes(path, damaged.bytes);
    auto model = MakeNet(3);
    Tensor before = model->NamedParameters()[0].variable.value().Clone();
    try {
      ReadLoadAndResave(path, model.get(), out_dir + "/out.ckpt");
      ADD_FAILURE() << "the damaged checkpoint was accepted";
    } catch (const Error& error) {
      std::cout << damaged.name << ": " << error.what() << "\n";
      EXPECT_EQ(error.code(), ErrorCode::kInvalidFile);
      EXPECT_TRUE(Contains(error.what(), path));
      EXPECT_TRUE(Contains(error.what(), damaged.fragment));
    }
    EXPECT_TRUE(ListDir(out_dir).empty());
    EXPECT_EQ(ReadBytes(path), damaged.bytes);
    EXPECT_TRUE(testing::BitEqual(model->NamedParameters()[0].variable.value(), before));
  }
}

// Every byte lies under some check (the magic, a CRC, or a length that must
// match), so every single-byte change and every truncation must be caught.
TEST(CheckpointCorpus, EveryFlippedByteAndEveryTruncationIsRejected) {
  std::string valid = CheckpointBytes(8, 0.1, true);
  std::string path = MakeTempDir("exhaustive") + "/damaged.ckpt";
  auto expect_rejected = [&](const std::string& bytes, const std::string& what) {
    WriteBytes(path, bytes);
    try {
      ReadCheckpoint(path);
      ADD_FAILURE() << what << " was accepted";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInvalidFile) << what;
      EXPECT_TRUE(Contains(error.what(), path)) << what;
    }
  };
  for (size_t at = 0; at < valid.size(); ++at) {
    for (char mask : {'\x01', '\x80'}) {
      std::string bytes = valid;
      bytes[at] ^= mask;
      expect_rejected(bytes, "flipping byte " + std::to_string(at));
    }
  }
  for (size_t size = 0; size < valid.size(); ++size) {
    expect_rejected(valid.substr(0, size), "truncating to " + std::to_string(size) + " bytes");
  }
}

}  // namespace
}  // namespace nabla

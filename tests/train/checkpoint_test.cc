// Checkpoints: round trips (parameters, optimiser state, header fields),
// atomic saving, strict and partial loading, fingerprint diffs (more on
// fingerprints in fingerprint_test.cc).
#include "train/checkpoint.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <filesystem>
#include <functional>

#include "graph/apply.h"
#include "ops/api.h"
#include "tests/train/test_util.h"

namespace nabla {
namespace {

using ::nabla::testing::BitEqual;
using ::nabla::testing::Contains;
using ::nabla::testing::ListDir;
using ::nabla::testing::MakeFullCheckpoint;
using ::nabla::testing::MakeNet;
using ::nabla::testing::MakeTempDir;
using ::nabla::testing::ReadBytes;
using ::nabla::testing::Train;

// Runs `fn`, which must throw nabla::Error; returns it.
Error CatchError(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& error) {
    return error;
  }
  ADD_FAILURE() << "no nabla::Error was thrown";
  return Error(ErrorCode::kInternal, "");
}

Tensor Forward(Module& net) {
  NoGradGuard no_grad;
  return net(Variable(testing::BatchInputs())).value();
}

TEST(CheckpointRoundTrip, LoadedModelHasBitIdenticalParametersAndOutput) {
  std::string dir = MakeTempDir("round_trip");
  auto saved_net = MakeNet(/*seed=*/1);
  SaveCheckpoint(dir + "/net.ckpt", CheckpointFromModule(*saved_net));

  auto loaded_net = MakeNet(/*seed=*/2);
  ASSERT_FALSE(BitEqual(Forward(*saved_net), Forward(*loaded_net)));
  Checkpoint checkpoint = ReadCheckpoint(dir + "/net.ckpt");
  LoadReport report = LoadParameters(checkpoint, loaded_net.get());

  EXPECT_TRUE(report.ok()) << report.ToString();
  std::vector<NamedParameter> expected = saved_net->NamedParameters();
  std::vector<NamedParameter> actual = loaded_net->NamedParameters();
  ASSERT_EQ(report.loaded.size(), expected.size());
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(actual[i].name, expected[i].name);
    EXPECT_TRUE(BitEqual(actual[i].variable.value(), expected[i].variable.value()))
        << expected[i].name;
  }
  EXPECT_TRUE(BitEqual(Forward(*saved_net), Forward(*loaded_net)));
}

// Training a step from a restored checkpoint gives exactly what the
// original run gives: parameters and optimiser buffers both survive.
void ExpectResumeIsExact(
    const std::function<std::unique_ptr<Optimizer>(const Module&)>& make_optimizer,
    int buffers_per_parameter) {
  std::string dir = MakeTempDir("resume");
  auto net = MakeNet(1);
  std::unique_ptr<Optimizer> optimizer = make_optimizer(*net);
  Train(net.get(), optimizer.get(), 2);
  SaveCheckpoint(dir + "/ckpt", MakeFullCheckpoint(*net, *optimizer));

  Checkpoint checkpoint = ReadCheckpoint(dir + "/ckpt");
  EXPECT_EQ(checkpoint.optimizer.step, 2);
  ASSERT_EQ(checkpoint.optimizer.buffers.size(), net->NamedParameters().size());
  for (const auto& [name, buffers] : optimizer->state().buffers) {
    ASSERT_EQ(checkpoint.optimizer.buffers[name].size(), buffers_per_parameter) << name;
    for (size_t k = 0; k < buffers.size(); ++k) {
      EXPECT_TRUE(BitEqual(checkpoint.optimizer.buffers[name][k], buffers[k])) << name;
    }
  }

  auto resumed_net = MakeNet(2);
  std::unique_ptr<Optimizer> resumed_optimizer = make_optimizer(*resumed_net);
  LoadParameters(checkpoint, resumed_net.get());
  resumed_optimizer->LoadState(checkpoint.optimizer);
  Train(net.get(), optimizer.get(), 1);
  Train(resumed_net.get(), resumed_optimizer.get(), 1);
  std::vector<NamedParameter> expected = net->NamedParameters();
  std::vector<NamedParameter> actual = resumed_net->NamedParameters();
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_TRUE(BitEqual(actual[i].variable.value(), expected[i].variable.value()))
        << expected[i].name;
  }
  EXPECT_EQ(resumed_optimizer->state().step, 3);
}

TEST(CheckpointRoundTrip, SgdMomentumResumesExactly) {
  ExpectResumeIsExact(
      [](const Module& net) {
        return std::make_unique<Sgd>(net.NamedParameters(),
                                     SgdOptions{.lr = 0.05, .momentum = 0.9});
      },
      1);
}

TEST(CheckpointRoundTrip, AdamResumesExactly) {
  ExpectResumeIsExact(
      [](const Module& net) {
        return std::make_unique<Adam>(net.NamedParameters(), AdamOptions{.lr = 0.01});
      },
      2);
}

TEST(CheckpointRoundTrip, HeaderFieldsAndGeneratorSurvive) {
  std::string dir = MakeTempDir("header");
  auto net = MakeNet(1);
  Sgd sgd(net->NamedParameters(), {.lr = 0.05, .momentum = 0.9});
  Train(net.get(), &sgd, 1);
  ManualSeed(42);
  NextSeed();
  Checkpoint checkpoint = MakeFullCheckpoint(*net, sgd);
  uint64_t next_seed = NextSeed();
  SaveCheckpoint(dir + "/ckpt", checkpoint);

  Checkpoint read = ReadCheckpoint(dir + "/ckpt");
  proto::CheckpointHeader expected = checkpoint.header;
  expected.set_format_version(kCheckpointFormatVersion);
  expected.set_num_tensors(2 * static_cast<int64_t>(net->NamedParameters().size()));
  std::string differences;
  google::protobuf::util::MessageDifferencer differencer;
  differencer.ReportDifferencesToString(&differences);
  EXPECT_TRUE(differencer.Compare(expected, read.header)) << differences;
  EXPECT_EQ(read.header.metrics_size(), 3);
  EXPECT_EQ(read.header.config().overrides(0), "1.slope=0.1");
  EXPECT_EQ(read.source, dir + "/ckpt");

  ManualSeed(7);
  SetGeneratorState({read.header.rng_seed(), read.header.rng_counter()});
  EXPECT_EQ(NextSeed(), next_seed);
}

TEST(CheckpointRoundTrip, RewritingAReadCheckpointReproducesTheFile) {
  std::string dir = MakeTempDir("rewrite");
  auto net = MakeNet(1);
  Adam adam(net->NamedParameters(), {});
  Train(net.get(), &adam, 1);
  SaveCheckpoint(dir + "/a", MakeFullCheckpoint(*net, adam));
  SaveCheckpoint(dir + "/b", ReadCheckpoint(dir + "/a"));
  EXPECT_EQ(ReadBytes(dir + "/a"), ReadBytes(dir + "/b"));
}

TEST(CheckpointRead, MissingFileIsNotFound) {
  std::string dir = MakeTempDir("missing");
  Error error = CatchError([&] { ReadCheckpoint(dir + "/nope.ckpt"); });
  EXPECT_EQ(error.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Contains(error.what(), dir + "/nope.ckpt: no such checkpoint file"));
}

TEST(CheckpointRead, DirectoryIsNotACheckpoint) {
  std::string dir = MakeTempDir("directory");
  Error error = CatchError([&] { ReadCheckpoint(dir); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidFile);
  EXPECT_TRUE(Contains(error.what(), dir + " is not a regular file"));
}

// ---------------------------------------------------------------------------
// Atomic saving: a failed save leaves the destination as it was and no
// temporary file behind.

TEST(CheckpointSave, MissingDirectoryFailsCleanly) {
  std::string dir = MakeTempDir("no_dir");
  std::string path = dir + "/missing/net.ckpt";
  Error error = CatchError([&] { SaveCheckpoint(path, CheckpointFromModule(*MakeNet(1))); });
  EXPECT_EQ(error.code(), ErrorCode::kNotFound);
  EXPECT_TRUE(Contains(error.what(), "cannot write '" + path + "'"));
  EXPECT_TRUE(ListDir(dir).empty());
}

// Lowers the file size limit so that writes fail with EFBIG part-way, as
// on a full disk; restores it (and SIGXFSZ) on scope exit.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved_);
    previous_handler_ = signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved_;
    limit.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &limit);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved_);
    signal(SIGXFSZ, previous_handler_);
  }

 private:
  rlimit saved_;
  sighandler_t previous_handler_;
};

TEST(CheckpointSave, FailedWriteKeepsTheOldCheckpoint) {
  std::string dir = MakeTempDir("disk_full");
  std::string path = dir + "/net.ckpt";
  SaveCheckpoint(path, CheckpointFromModule(*MakeNet(1)));
  std::string old_bytes = ReadBytes(path);

  auto big_net = MakeNet(2, /*hidden=*/64);  // about 18 KB of parameters
  Error error = CatchError([&] {
    FileSizeLimit limit(4096);
    SaveCheckpoint(path, CheckpointFromModule(*big_net));
  });
  EXPECT_TRUE(Contains(error.what(), "cannot write '" + path + "': write failed"));
  EXPECT_EQ(ReadBytes(path), old_bytes);
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"net.ckpt"});
  EXPECT_NO_THROW(ReadCheckpoint(path));
}

TEST(CheckpointSave, DestinationThatIsADirectoryFailsCleanly) {
  std::string dir = MakeTempDir("dest_dir");
  std::filesystem::create_directory(dir + "/net.ckpt");
  Error error =
      CatchError([&] { SaveCheckpoint(dir + "/net.ckpt", CheckpointFromModule(*MakeNet(1))); });
  EXPECT_TRUE(Contains(error.what(), "rename failed"));
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"net.ckpt"});
  EXPECT_TRUE(std::filesystem::is_directory(dir + "/net.ckpt"));
}

TEST(CheckpointSave, UnsaveableCheckpointsAreRejectedBeforeWriting) {
  std::string dir = MakeTempDir("unsaveable");
  std::string path = dir + "/net.ckpt";
  SaveCheckpoint(path, CheckpointFromModule(*MakeNet(1)));
  std::string old_bytes = ReadBytes(path);

  struct Case {
    std::string name;
    std::function<void(Checkpoint*)> damage;
    std::string fragment;
  };
  std::vector<Case> cases = {
      {"duplicate", [](Checkpoint* c) { c->params.push_back(c->params[0]); },
       "duplicate tensor name '0.weight'"},
      {"empty name", [](Checkpoint* c) { c->params[1].first = ""; }, "a tensor has an empty name"},
      {"reserved prefix", [](Checkpoint* c) { c->params[1].first = "optimizer/x/0"; },
       "parameter 'optimizer/x/0' uses the reserved prefix 'optimizer/'"},
      {"float64", [](Checkpoint* c) { c->params[1].second = Tensor::Zeros({2}, DType::kFloat64); },
       "tensor '0.bias' is float64; checkpoints hold float32"},
      {"undefined", [](Checkpoint* c) { c->params[1].second = Tensor(); },
       "tensor '0.bias' is undefined"},
      {"optimizer step", [](Checkpoint* c) { c->optimizer.step = 5; },
       "optimiser step 5 differs from header.step 0"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.name);
    Checkpoint checkpoint = CheckpointFromModule(*MakeNet(2));
    test.damage(&checkpoint);
    Error error = CatchError([&] { SaveCheckpoint(path, checkpoint); });
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
    EXPECT_TRUE(Contains(error.what(), "cannot save checkpoint '" + path + "': " + test.fragment));
    EXPECT_EQ(ReadBytes(path), old_bytes);
    EXPECT_EQ(ListDir(dir), std::vector<std::string>{"net.ckpt"});
  }
}

// ---------------------------------------------------------------------------
// Loading into a model.

// Against MakeNet(hidden = 8): 0.* match, 2.* have other shapes, 3.* are
// missing (PReLU's 3.slope is unexpected), 4.* are unexpected.
std::shared_ptr<Sequential> MakeOtherNet() {
  auto net = std::make_shared<Sequential>();
  net->Add(nn::Linear(3, 8)).Add(nn::LeakyReLU(0.1)).Add(nn::Linear(8, 6)).Add(nn::Linear(6, 2));
  return net;
}

TEST(LoadParameters, StrictListsEveryProblemInOneErrorAndLoadsNothing) {
  std::string dir = MakeTempDir("strict");
  SaveCheckpoint(dir + "/net.ckpt", CheckpointFromModule(*MakeNet(1)));
  Checkpoint checkpoint = ReadCheckpoint(dir + "/net.ckpt");
  auto net = MakeOtherNet();
  Tensor before = net->NamedParameters()[0].variable.value().Clone();

  Error error = CatchError([&] { LoadParameters(checkpoint, net.get()); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidFile);
  std::string message = error.what();
  EXPECT_TRUE(Contains(message, "checkpoint '" + dir +
                                    "/net.ckpt' does not match the model "
                                    "(2 missing, 3 unexpected, 2 shape-mismatched tensors); "
                                    "nothing was loaded"));
  EXPECT_TRUE(Contains(message, "missing from the checkpoint: '3.weight'"));
  EXPECT_TRUE(Contains(message, "missing from the checkpoint: '3.bias'"));
  EXPECT_TRUE(Contains(message, "unexpected in the checkpoint: '3.slope'"));
  EXPECT_TRUE(Contains(message, "unexpected in the checkpoint: '4.weight'"));
  EXPECT_TRUE(Contains(message, "unexpected in the checkpoint: '4.bias'"));
  EXPECT_TRUE(Contains(message, "shape mismatch: '2.weight' checkpoint [8, 8], model [6, 8]"));
  EXPECT_TRUE(Contains(message, "shape mismatch: '2.bias' checkpoint [8], model [6]"));
  EXPECT_TRUE(BitEqual(net->NamedParameters()[0].variable.value(), before));
}

TEST(LoadParameters, PartialLoadsWhatMatchesAndReports) {
  auto saved = MakeNet(1);
  Checkpoint checkpoint = CheckpointFromModule(*saved);
  auto net = MakeOtherNet();

  LoadReport report = LoadParameters(checkpoint, net.get(), /*partial=*/true);
  EXPECT_FALSE(report.ok());
  EXPECT_EQ(report.loaded, (std::vector<std::string>{"0.weight", "0.bias"}));
  EXPECT_EQ(report.missing, (std::vector<std::string>{"3.weight", "3.bias"}));
  EXPECT_EQ(report.unexpected, (std::vector<std::string>{"3.slope", "4.weight", "4.bias"}));
  ASSERT_EQ(report.mismatched.size(), 2u);
  EXPECT_EQ(report.mismatched[0].name, "2.weight");
  EXPECT_EQ(report.mismatched[0].checkpoint_shape, (Shape{8, 8}));
  EXPECT_EQ(report.mismatched[0].model_shape, (Shape{6, 8}));
  EXPECT_TRUE(Contains(report.ToString(), "shape mismatch: '2.bias' checkpoint [8], model [6]"));
  EXPECT_TRUE(BitEqual(net->NamedParameters()[0].variable.value(),
                       saved->NamedParameters()[0].variable.value()));
}

// ---------------------------------------------------------------------------
// Fingerprints.

TEST(FingerprintOf, OneNodePerLayerWithAttributesAndParameterShapes) {
  std::vector<proto::NodeFingerprint> nodes = FingerprintOf(*MakeNet(1)).nodes;
  ASSERT_EQ(nodes.size(), 5u);
  EXPECT_EQ(nodes[0].name(), "0");
  EXPECT_EQ(nodes[0].op(), "Linear");
  EXPECT_TRUE(Contains(nodes[0].attrs(), "in_features=3, out_features=8"));
  ASSERT_EQ(nodes[0].params_size(), 2);
  EXPECT_EQ(nodes[0].params(0), "weight:[8, 3]");
  EXPECT_EQ(nodes[0].params(1), "bias:[8]");
  EXPECT_EQ(nodes[1].op(), "LeakyReLU");
  EXPECT_EQ(nodes[1].attrs(), "slope=0.1");
  EXPECT_EQ(nodes[1].params_size(), 0);
  EXPECT_EQ(nodes[3].params(0), "slope:[8]");

  Sequential outer;
  outer.Add(MakeNet(1), "block");
  std::vector<proto::NodeFingerprint> nested = FingerprintOf(outer).nodes;
  ASSERT_EQ(nested.size(), 5u);
  EXPECT_EQ(nested[4].name(), "block.4");
}

proto::CheckpointHeader HeaderOf(const Module& net) { return CheckpointFromModule(net).header; }

TEST(DiffFingerprints, EqualModelsGiveNoMessage) {
  EXPECT_EQ(DiffFingerprints(HeaderOf(*MakeNet(1)), FingerprintOf(*MakeNet(2))), "");
}

TEST(DiffFingerprints, NamesEveryChangedAddedAndRemovedNode) {
  std::string diff = DiffFingerprints(HeaderOf(*MakeNet(1)), FingerprintOf(*MakeOtherNet()));
  EXPECT_TRUE(Contains(diff, "the checkpoint was saved from a different model:"));
  EXPECT_TRUE(Contains(diff, "node '2' (Linear): attributes (in_features=8, out_features=8"));
  EXPECT_TRUE(Contains(diff,
                       "node '2' (Linear): parameters {weight:[8, 8], bias:[8]} in the "
                       "checkpoint, {weight:[6, 8], bias:[6]} in the model"));
  EXPECT_TRUE(Contains(diff, "node '3': op PReLU in the checkpoint, Linear in the model"));
  EXPECT_TRUE(Contains(diff, "node '4' (Linear) is in the checkpoint but not in the model"));
  EXPECT_FALSE(Contains(diff, "node '0'"));
  EXPECT_FALSE(Contains(diff, "node '1'"));

  std::string slope =
      DiffFingerprints(HeaderOf(*MakeNet(1)), FingerprintOf(*MakeNet(1, 8, /*slope=*/0.2)));
  EXPECT_TRUE(Contains(slope,
                       "node '1' (LeakyReLU): attributes (slope=0.1) in the checkpoint, "
                       "(slope=0.2) in the model"));

  auto longer = MakeNet(1);
  longer->Add(nn::LeakyReLU(0.1));
  EXPECT_TRUE(Contains(DiffFingerprints(HeaderOf(*MakeNet(1)), FingerprintOf(*longer)),
                       "node '5' (LeakyReLU) is in the model but not in the checkpoint"));
}

TEST(DiffFingerprints, ReportsAReordering) {
  proto::CheckpointHeader header = HeaderOf(*MakeNet(1));
  std::vector<proto::NodeFingerprint> nodes(header.nodes().begin(), header.nodes().end());
  std::swap(nodes[0], nodes[1]);
  EXPECT_TRUE(Contains(DiffFingerprints(header, {nodes, ""}),
                       "the nodes are in a different order: checkpoint (0, 1, 2, 3, 4), "
                       "model (1, 0, 2, 3, 4)"));
}

}  // namespace
}  // namespace nabla

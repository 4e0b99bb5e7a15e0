// Model fingerprints (train/fingerprint.h): one computation for graph files
// and C++ modules, hashes unchanged from the format before it, checkpoints
// of the previous commit still accepted (and mismatched ones refused), and
// one computation per save.
#include "train/fingerprint.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <functional>

#include "graph/init.h"
#include "graph/model.h"
#include "ops/api.h"
#include "tests/train/test_util.h"
#include "train/checkpoint.h"
#include "train/training_state.h"

namespace nabla {
namespace {

using ::nabla::testing::Contains;
using ::nabla::testing::MakeNet;

constexpr char kLeaky[] = "examples/mnist/mlp_leaky.pbtxt";
constexpr char kPRelu[] = "examples/mnist/mlp_prelu.pbtxt";
constexpr char kDeep[] = "examples/mnist/deep_prelu.pbtxt";
// Written by `nabla train --save` at the commit before train/fingerprint.h
// (tests/train/testdata/fingerprint_v1.pbtxt says how), and a plain
// Module's checkpoint of that commit (CheckpointFromModule(*MakeNet(1))).
constexpr char kOldGraph[] = "tests/train/testdata/fingerprint_v1.pbtxt";
constexpr char kOldGraphCheckpoint[] = "tests/train/testdata/fingerprint_v1.ckpt";
constexpr char kOldModuleCheckpoint[] = "tests/train/testdata/module_v1.ckpt";

bool SameNodes(const std::vector<proto::NodeFingerprint>& a,
               const google::protobuf::RepeatedPtrField<proto::NodeFingerprint>& b) {
  if (a.size() != static_cast<size_t>(b.size())) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!google::protobuf::util::MessageDifferencer::Equals(a[i], b[static_cast<int>(i)])) {
      return false;
    }
  }
  return true;
}

// The MLP of a graph file built with the C++ API: the same layers under the
// file's node names, in node order, the loss included.
std::shared_ptr<Sequential> CppMlp(const std::vector<int64_t>& widths,
                                   const std::function<nn::LayerPtr()>& activation) {
  auto net = std::make_shared<Sequential>();
  for (size_t k = 0; k + 1 < widths.size(); ++k) {
    std::string n = std::to_string(k + 1);
    net->Add(nn::Linear(widths[k], widths[k + 1]), "fc" + n);
    if (k + 2 < widths.size()) net->Add(activation(), "act" + n);
  }
  net->Add(nn::SoftmaxCrossEntropy(), "loss");
  return net;
}

TEST(FingerprintOf, AGraphFileAndTheSameNetworkInCppHaveOneFingerprint) {
  struct Twin {
    const char* path;
    std::shared_ptr<Sequential> module;
  };
  const std::vector<Twin> twins = {
      {kLeaky, CppMlp({784, 1000, 100, 10}, [] { return nn::LeakyReLU(0.01); })},
      {kPRelu, CppMlp({784, 1000, 100, 10}, [] { return nn::PReLU(1, 0.1); })},
      {kDeep, CppMlp({784, 1024, 512, 64, 10}, [] { return nn::PReLU(1, 0.25); })},
  };
  for (const Twin& twin : twins) {
    SCOPED_TRACE(twin.path);
    auto graph = GraphModel::Load(twin.path);
    ModelFingerprint from_graph = FingerprintOf(*graph);
    ModelFingerprint from_module = FingerprintOf(*twin.module);
    EXPECT_EQ(from_graph.hash, from_module.hash);
    EXPECT_EQ(from_graph.hash.size(), 16u);
    ASSERT_EQ(from_graph.nodes.size(), static_cast<size_t>(graph->def().nodes_size()));
    for (size_t i = 0; i < from_graph.nodes.size(); ++i) {
      EXPECT_EQ(from_graph.nodes[i].name(), graph->def().nodes(static_cast<int>(i)).name());
    }
    proto::CheckpointHeader module_header = CheckpointFromModule(*twin.module).header;
    EXPECT_TRUE(SameNodes(from_graph.nodes, module_header.nodes()));
    EXPECT_EQ(DiffFingerprints(module_header, from_graph), "");
  }
  // And a different network does not share it.
  EXPECT_NE(FingerprintOf(*GraphModel::Load(kLeaky)).hash, FingerprintOf(*twins[1].module).hash);
}

// GraphModel::Fingerprint() of the commit before train/fingerprint.h, run on
// each example graph: the hash's canonical bytes did not change.
TEST(FingerprintOf, HashesEqualThoseOfThePreviousFormat) {
  const std::vector<std::pair<std::string, std::string>> previous = {
      {"examples/mnist/cnn.pbtxt", "3a39b415eb9fb54a"},
      {"examples/mnist/cnn_bn.pbtxt", "fe20583a51db1591"},
      {"examples/mnist/cnn_bn_fashion.pbtxt", "3d00a3778f6aac73"},
      {"examples/mnist/cnn_bn_small.pbtxt", "11f0ae4339ccbf4c"},
      {"examples/mnist/deep_prelu.pbtxt", "26d4446d8150730f"},
      {"examples/mnist/deep_prelu_dropout.pbtxt", "9790df0780c381fa"},
      {"examples/mnist/mlp_leaky.pbtxt", "14b13c79286a262b"},
      {"examples/mnist/mlp_prelu.pbtxt", "7c4b55d0685f2833"},
      {kOldGraph, "6094625ccd98e459"},
  };
  for (const auto& [path, hash] : previous) {
    EXPECT_EQ(FingerprintOf(*GraphModel::Load(path)).hash, hash) << path;
  }
}

TEST(FingerprintOf, DependsOnStructureOnly) {
  ManualSeed(1);
  auto a = GraphModel::Load(kLeaky);
  ManualSeed(2);
  auto b = GraphModel::Load(kLeaky);
  const std::string hash = FingerprintOf(*a).hash;
  EXPECT_EQ(hash, FingerprintOf(*b).hash);  // parameter values do not count
  EXPECT_NE(hash, FingerprintOf(*GraphModel::Load(kLeaky, {"act1.slope=0.2"})).hash);
  // Beyond the 9 digits the nodes' attrs show.
  EXPECT_NE(hash, FingerprintOf(*GraphModel::Load(kLeaky, {"act1.slope=0.010000000000001"})).hash);

  std::vector<proto::NodeFingerprint> nodes = FingerprintOf(*a).nodes;
  ASSERT_EQ(nodes.size(), 6u);
  EXPECT_EQ(nodes[0].name(), "fc1");
  EXPECT_EQ(nodes[0].op(), "Linear");
  EXPECT_EQ(nodes[0].attrs(),
            "in_features=784, out_features=1000, weight_init=\"kaiming_uniform\"");
  ASSERT_EQ(nodes[0].params_size(), 2);
  EXPECT_EQ(nodes[0].params(0), "weight:[1000, 784]");
  EXPECT_EQ(nodes[0].params(1), "bias:[1000]");
  EXPECT_EQ(nodes[1].attrs(), "slope=0.01");
  EXPECT_EQ(nodes[1].params_size(), 0);
}

TEST(FingerprintOf, AShapeChangeInOneNodeChangesTheHashAndTheDiffNamesThatNode) {
  // Graph path: act1's slope vector grows from [1] to [1000].
  auto graph = GraphModel::Load(kPRelu);
  auto wider = GraphModel::Load(kPRelu, {"act1.num_parameters=1000"});
  EXPECT_NE(FingerprintOf(*graph).hash, FingerprintOf(*wider).hash);
  std::string diff = DiffFingerprints(CheckpointFromModule(*graph).header, FingerprintOf(*wider));
  EXPECT_TRUE(Contains(diff,
                       "node 'act1' (PReLU): parameters {slope:[1]} in the checkpoint, "
                       "{slope:[1000]} in the model"));
  for (const char* other : {"'fc1'", "'fc2'", "'act2'", "'fc3'", "'loss'"}) {
    EXPECT_FALSE(Contains(diff, other)) << diff;
  }

  // Module path: the same for a Sequential's third layer.
  auto net = MakeNet(1);
  auto changed = std::make_shared<Sequential>();
  changed->Add(nn::Linear(3, 8))
      .Add(nn::LeakyReLU(0.1))
      .Add(nn::Linear(8, 8))
      .Add(nn::PReLU(1))
      .Add(nn::Linear(8, 2));
  EXPECT_NE(FingerprintOf(*net).hash, FingerprintOf(*changed).hash);
  diff = DiffFingerprints(CheckpointFromModule(*net).header, FingerprintOf(*changed));
  EXPECT_TRUE(Contains(diff,
                       "node '3' (PReLU): parameters {slope:[8]} in the checkpoint, "
                       "{slope:[1]} in the model"));
  EXPECT_FALSE(Contains(diff, "node '2'")) << diff;
  EXPECT_FALSE(Contains(diff, "node '4'")) << diff;
}

// Both header fields of every save come from the one FingerprintOf call in
// CheckpointFromModule, which `nabla train` (CaptureTrainingState) and
// `nabla import` go through; plain Modules get the hash too.
TEST(FingerprintOf, ASaveWritesBothFieldsOfOneFingerprint) {
  auto graph = GraphModel::Load(kOldGraph);
  ModelFingerprint expected = FingerprintOf(*graph);
  proto::CheckpointHeader header = CheckpointFromModule(*graph).header;
  EXPECT_EQ(header.model_fingerprint(), expected.hash);
  EXPECT_TRUE(SameNodes(expected.nodes, header.nodes()));

  auto net = MakeNet(1);
  header = CheckpointFromModule(*net).header;
  EXPECT_EQ(header.model_fingerprint(), FingerprintOf(*net).hash);
  EXPECT_TRUE(SameNodes(FingerprintOf(*net).nodes, header.nodes()));
}

// ---------------------------------------------------------------------------
// Checkpoints of the previous commit.

TEST(PreviousCheckpoints, AGraphModelCheckpointLoadsAsTheSameModel) {
  Checkpoint checkpoint = ReadCheckpoint(kOldGraphCheckpoint);
  auto model = GraphModel::Load(kOldGraph);
  ModelFingerprint now = FingerprintOf(*model);
  EXPECT_EQ(checkpoint.header.model_fingerprint(), "6094625ccd98e459");
  EXPECT_EQ(checkpoint.header.model_fingerprint(), now.hash);
  EXPECT_TRUE(SameNodes(now.nodes, checkpoint.header.nodes()));
  EXPECT_EQ(DiffFingerprints(checkpoint.header, now), "");
  EXPECT_EQ(LoadWeights(checkpoint, model.get(), /*partial=*/false), "");
  EXPECT_TRUE(testing::BitEqual(model->layer("fc")->parameter("weight").value(),
                                checkpoint.params[4].second));
  EXPECT_EQ(checkpoint.params[4].first, "fc.weight");
}

TEST(PreviousCheckpoints, AGraphModelCheckpointIsRefusedByAnotherModelNamingNodeAndShapes) {
  Checkpoint checkpoint = ReadCheckpoint(kOldGraphCheckpoint);
  auto model = GraphModel::Load(kOldGraph, {"fc.out_features=12"});
  Tensor before = model->layer("fc")->parameter("weight").value().Clone();
  try {
    LoadWeights(checkpoint, model.get(), /*partial=*/false);
    ADD_FAILURE() << "a checkpoint of another model was accepted";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidFile);
    EXPECT_TRUE(Contains(error.what(), std::string(kOldGraphCheckpoint) +
                                           " (model 'FingerprintV1'): the checkpoint was saved "
                                           "from a different model:"));
    EXPECT_TRUE(Contains(error.what(),
                         "node 'fc' (Linear): parameters {weight:[10, 8], "
                         "bias:[10]} in the checkpoint, {weight:[12, 8], "
                         "bias:[12]} in the model"));
  }
  EXPECT_TRUE(testing::BitEqual(model->layer("fc")->parameter("weight").value(), before));
}

TEST(PreviousCheckpoints, AModuleCheckpointLoadsAndAnotherModuleIsRefused) {
  Checkpoint checkpoint = ReadCheckpoint(kOldModuleCheckpoint);
  EXPECT_EQ(checkpoint.header.model_fingerprint(), "");  // that commit saved no hash for Modules
  auto net = MakeNet(2);
  EXPECT_EQ(DiffFingerprints(checkpoint.header, FingerprintOf(*net)), "");
  EXPECT_TRUE(LoadParameters(checkpoint, net.get()).ok());
  EXPECT_TRUE(testing::BitEqual(net->NamedParameters()[0].variable.value(),
                                MakeNet(1)->NamedParameters()[0].variable.value()));

  std::string diff = DiffFingerprints(checkpoint.header, FingerprintOf(*MakeNet(2, 6)));
  EXPECT_TRUE(Contains(diff,
                       "node '0' (Linear): parameters {weight:[8, 3], bias:[8]} in the "
                       "checkpoint, {weight:[6, 3], bias:[6]} in the model"));
}

}  // namespace
}  // namespace nabla

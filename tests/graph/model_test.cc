// GraphModel: the example graph files load, run exactly like the same
// network written with the C++ API, describe themselves and take overrides.
// Fingerprints: tests/train/fingerprint_test.cc.
#include "graph/model.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>

#include "graph/init.h"
#include "ops/api.h"
#include "tests/graph/model_test_util.h"

namespace nabla {
namespace {

using testing::Catch;
using testing::ExampleFiles;
using testing::Thrown;

constexpr char kLeaky[] = "examples/mnist/mlp_leaky.pbtxt";
constexpr char kPRelu[] = "examples/mnist/mlp_prelu.pbtxt";
constexpr char kDeep[] = "examples/mnist/deep_prelu.pbtxt";

// A graph file's network written with the C++ API: layers named like the
// file's nodes and created in the same order, so ManualSeed gives both the
// same initial parameters.
class CppMlp : public Module {
 public:
  CppMlp(const std::vector<int64_t>& widths, const std::function<nn::LayerPtr()>& activation)
      : Module("MNISTNetwork") {
    for (size_t k = 0; k + 1 < widths.size(); ++k) {
      std::string n = std::to_string(k + 1);
      layers_.push_back(RegisterModule("fc" + n, nn::Linear(widths[k], widths[k + 1])));
      if (k + 2 < widths.size()) layers_.push_back(RegisterModule("act" + n, activation()));
    }
    loss_ = RegisterModule("loss", nn::SoftmaxCrossEntropy());
  }
  Variable Forward(const Variable& x) override {
    Variable y = x;
    for (const auto& layer : layers_) y = layer->Forward(y);
    return y;
  }
  Variable Loss(const Variable& logits, const Variable& labels) {
    return loss_->Forward({logits, labels});
  }

 private:
  std::vector<nn::LayerPtr> layers_;
  nn::LayerPtr loss_;
};

struct Twin {
  const char* path;
  std::vector<int64_t> widths;
  std::function<nn::LayerPtr()> activation;
};

std::vector<Twin> Twins() {
  return {
      {kLeaky, {784, 1000, 100, 10}, [] { return nn::LeakyReLU(0.01); }},
      {kPRelu, {784, 1000, 100, 10}, [] { return nn::PReLU(1, 0.1); }},
      {kDeep, {784, 1024, 512, 64, 10}, [] { return nn::PReLU(1, 0.25); }},
  };
}

void ExpectBitIdentical(const Tensor& a, const Tensor& b, const std::string& what) {
  ASSERT_EQ(a.shape(), b.shape()) << what;
  ASSERT_EQ(a.dtype(), b.dtype()) << what;
  EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()), 0) << what << " differs";
}

Variable Images(int64_t batch) {
  Rng rng(1);
  Tensor images(Shape{batch, 784});
  for (int64_t i = 0; i < images.size(); ++i) {
    images.data<float>()[i] = static_cast<float>(rng.Uniform(-1, 1));
  }
  return Variable(images);
}

Variable Labels(int64_t batch) {
  Tensor labels(DType::kInt32, Shape{batch});
  for (int64_t i = 0; i < batch; ++i) labels.data<int32_t>()[i] = static_cast<int32_t>(i % 10);
  return Variable(labels);
}

TEST(GraphModelTest, LoadsEveryExample) {
  for (const std::string& path : ExampleFiles()) {
    SCOPED_TRACE(path);
    auto model = GraphModel::Load(path);
    ASSERT_EQ(model->input_specs().size(), 2u);
    EXPECT_EQ(model->input_specs()[0].name, "image");
    EXPECT_EQ(model->input_specs()[0].shape, (Shape{kUnknownDim, 784}));
    EXPECT_EQ(model->input_specs()[0].dtype, DType::kFloat32);
    EXPECT_EQ(model->input_specs()[1].name, "label");
    EXPECT_EQ(model->input_specs()[1].dtype, DType::kInt32);
    EXPECT_EQ(model->loss_name(), "loss");
    ASSERT_EQ(model->output_names().size(), 1u);
    EXPECT_EQ(model->node_shape(model->output_names()[0]), (Shape{kUnknownDim, 10}));
    EXPECT_EQ(model->node_shape("loss"), Shape{});
    EXPECT_FALSE(model->def().description().empty());
    EXPECT_EQ(model->NamedParameters()[0].name, "fc1.weight");
  }
  // 784*1000+1000 + 1000*100+100 + 100*10+10, plus one slope per PReLU.
  EXPECT_EQ(GraphModel::Load(kLeaky)->NumParameters(), 886110);
  EXPECT_EQ(GraphModel::Load(kPRelu)->NumParameters(), 886112);
  EXPECT_EQ(GraphModel::Load(kDeep)->NumParameters(), 1362125);
}

TEST(GraphModelTest, RunIsBitIdenticalToCppModel) {
  for (const Twin& twin : Twins()) {
    SCOPED_TRACE(twin.path);
    ManualSeed(42);
    CppMlp cpp(twin.widths, twin.activation);
    ManualSeed(42);
    auto graph = GraphModel::Load(twin.path);

    std::vector<NamedParameter> cpp_params = cpp.NamedParameters();
    std::vector<NamedParameter> graph_params = graph->NamedParameters();
    ASSERT_EQ(cpp_params.size(), graph_params.size());
    for (size_t i = 0; i < cpp_params.size(); ++i) {
      EXPECT_EQ(cpp_params[i].name, graph_params[i].name);
      EXPECT_EQ(cpp_params[i].weight_decay, graph_params[i].weight_decay);
      ExpectBitIdentical(cpp_params[i].variable.value(), graph_params[i].variable.value(),
                         cpp_params[i].name);
    }

    Variable images = Images(8), labels = Labels(8);
    Variable cpp_logits = cpp(images);
    Variable cpp_loss = cpp.Loss(cpp_logits, labels);
    std::map<std::string, Variable> out = graph->Run({{"image", images}, {"label", labels}});
    ASSERT_EQ(out.size(), 2u);
    const std::string logits_name = graph->output_names()[0];
    ExpectBitIdentical(cpp_logits.value(), out.at(logits_name).value(), "logits");
    ExpectBitIdentical(cpp_loss.value(), out.at("loss").value(), "loss");

    cpp_loss.Backward();
    out.at("loss").Backward();
    for (size_t i = 0; i < cpp_params.size(); ++i) {
      ExpectBitIdentical(cpp_params[i].variable.grad(), graph_params[i].variable.grad(),
                         "grad of " + cpp_params[i].name);
    }
  }
}

TEST(GraphModelTest, EvaluatesWithoutLabels) {
  auto model = GraphModel::Load(kLeaky);
  Variable images = Images(4);
  std::map<std::string, Variable> out = model->Run({{"image", images}});
  ASSERT_EQ(out.size(), 1u);  // no labels, so no loss
  EXPECT_EQ(out.at("fc3").shape(), (Shape{4, 10}));
  ExpectBitIdentical(model->Forward(images).value(), out.at("fc3").value(), "Forward");
}

TEST(GraphModelTest, RejectsBadFeeds) {
  auto model = GraphModel::Load(kLeaky);
  Thrown none = Catch([&] { model->Run({{"label", Labels(4)}}); });
  EXPECT_EQ(none.code, ErrorCode::kInvalidArgument);
  EXPECT_NE(none.message.find("output 'fc3' cannot be computed: input(s) image not fed"),
            std::string::npos)
      << none.message;
  EXPECT_NE(Catch([&] {
              model->Run({{"images", Images(4)}});
            }).message.find("feed 'images' is not an input of MNISTNetwork (inputs: image, label)"),
            std::string::npos);
  EXPECT_NE(Catch([&] {
              model->Run({{"image", Variable(Tensor(Shape{4, 100}))}});
            }).message.find("feed 'image': expected shape [?, 784], found [4, 100]"),
            std::string::npos);
  EXPECT_NE(Catch([&] {
              model->Run({{"image", Images(4)}, {"label", Images(4)}});
            }).message.find("feed 'label': expected int32, found float32"),
            std::string::npos);
}

TEST(GraphModelTest, DescribesLayout) {
  auto model = GraphModel::Load(kLeaky);
  EXPECT_EQ(model->Describe(),
            "MNISTNetwork\n"
            "  (network): Sequential\n"
            "    (fc1): Linear (784, 1000)        output [?, 1000]   params 785,000\n"
            "    (act1): LeakyReLU (slope=0.01)   output [?, 1000]\n"
            "    (fc2): Linear (1000, 100)        output [?, 100]    params 100,100\n"
            "    (act2): LeakyReLU (slope=0.01)   output [?, 100]\n"
            "    (fc3): Linear (100, 10)          output [?, 10]     params 1,010\n"
            "  (loss): SoftmaxCrossEntropy        output []\n"
            "Total parameters: 886,110\n");
  std::string prelu = GraphModel::Load(kPRelu)->Describe();
  EXPECT_NE(prelu.find("(act1): PReLU (num_parameters=1, init=0.1)"), std::string::npos) << prelu;
  EXPECT_NE(prelu.find("params 1\n"), std::string::npos) << prelu;
  EXPECT_NE(prelu.find("Total parameters: 886,112\n"), std::string::npos) << prelu;
}

// A graph that is not a chain (a skip connection into Concat) is printed as
// a Graph with each node's inputs, so the skip is visible.
TEST(GraphModelTest, DescribesANonChainGraphWithEachNodesInputs) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/skip.pbtxt";
  {
    std::ofstream out(path);
    out << R"(format_version: 1
name: "Skip"
inputs { name: "image" shape { dims: -1 dims: 1 dims: 4 dims: 4 } dtype: "float32" }
nodes { name: "conv" op: "Conv2D" inputs: "image"
  attrs { key: "in_channels" value { i: 1 } } attrs { key: "out_channels" value { i: 2 } }
  attrs { key: "kernel_size" value { ints { values: 3 } } } attrs { key: "padding" value { ints { values: 1 } } } }
nodes { name: "cat" op: "Concat" inputs: "conv" inputs: "image" attrs { key: "axis" value { i: 1 } } }
nodes { name: "pool" op: "GlobalAvgPool" inputs: "cat" }
outputs: "pool"
)";
  }
  const std::string text = GraphModel::Load(path)->Describe();
  EXPECT_NE(text.find("  (network): Graph\n"), std::string::npos) << text;
  EXPECT_NE(text.find("(cat): Concat (axis=1)  <- conv, image"), std::string::npos) << text;
  EXPECT_NE(text.find("(pool): GlobalAvgPool  <- cat"), std::string::npos) << text;
  EXPECT_EQ(text.find("Sequential"), std::string::npos) << text;
}

TEST(GraphModelTest, OverridesChangeAttributesBeforeValidation) {
  auto model = GraphModel::Load(kLeaky, {"act1.slope=0.2", "fc2.out_features=50",
                                         "fc3.in_features=50", "fc1.weight_init=xavier_uniform"});
  EXPECT_EQ(model->layer("act1")->call().attrs().at("slope").f(), 0.2);
  EXPECT_EQ(model->layer("act2")->call().attrs().at("slope").f(), 0.01);
  EXPECT_EQ(model->layer("fc1")->call().attrs().at("weight_init").s(), "xavier_uniform");
  EXPECT_EQ(model->node_shape("fc2"), (Shape{kUnknownDim, 50}));
  EXPECT_EQ(model->def().nodes(1).attrs().at("slope").f(), 0.2);  // saved with the model
  // An integer literal is accepted for a float attribute.
  EXPECT_EQ(
      GraphModel::Load(kLeaky, {"act1.slope=1"})->layer("act1")->call().attrs().at("slope").f(),
      1.0);
}

TEST(GraphModelTest, BadOverridesFailTogether) {
  Thrown error = Catch([] {
    GraphModel::Load(kLeaky, {"act1.slop=0.2", "fc9.slope=1", "act1.slope=abc", "act1slope",
                              "fc1.in_features=7.5"});
  });
  EXPECT_EQ(error.code, ErrorCode::kInvalidArgument);
  std::vector<std::string> lines = testing::Lines(error.message);
  ASSERT_EQ(lines.size(), 5u) << error.message;
  EXPECT_EQ(lines[0],
            "override 'act1.slop=0.2': op LeakyReLU has no attribute 'slop' (it has: slope)");
  EXPECT_EQ(lines[1], "override 'fc9.slope=1': no node 'fc9' (close names: fc1, fc2, fc3)");
  EXPECT_EQ(
      lines[2],
      "override 'act1.slope=abc': attribute 'slope' of LeakyReLU: expected float, found 'abc'");
  EXPECT_EQ(lines[3], "override 'act1slope': expected NODE.ATTR=VALUE, e.g. act1.slope=0.2");
  EXPECT_EQ(lines[4],
            "override 'fc1.in_features=7.5': attribute 'in_features' of Linear: expected int, "
            "found '7.5'");
  // The same as fields: no file, the node and attribute where they exist.
  ASSERT_TRUE(error.graph_error);
  ASSERT_EQ(error.problems.size(), 5u);
  for (size_t k = 0; k < lines.size(); ++k) {
    EXPECT_EQ(error.problems[k].kind, ProblemKind::kOverride);
    EXPECT_EQ(error.problems[k].file, "");
    EXPECT_EQ(FormatProblem(error.problems[k]), lines[k]);
  }
  EXPECT_EQ(error.problems[0].node, "act1");
  EXPECT_EQ(error.problems[0].node_index, 1);
  EXPECT_EQ(error.problems[0].attribute, "slop");
  EXPECT_FALSE(error.problems[1].has_node());  // there is no node fc9
  EXPECT_EQ(error.problems[1].attribute, "");
  EXPECT_EQ(error.problems[2].attribute, "slope");
  EXPECT_FALSE(error.problems[3].has_node());
  EXPECT_EQ(error.problems[4].node, "fc1");
  EXPECT_EQ(error.problems[4].attribute, "in_features");
}

TEST(GraphModelTest, OverrideThatBreaksTheGraphIsLocated) {
  Thrown error = Catch([] { GraphModel::Load(kLeaky, {"fc2.in_features=0"}); });
  EXPECT_EQ(error.code, ErrorCode::kInvalidFile);
  EXPECT_NE(error.message.find(std::string(kLeaky) + ":"), std::string::npos);
  EXPECT_NE(error.message.find("node 'fc2' (Linear): attribute 'in_features': expected a value "
                               "> 0, found 0 (set by override 'fc2.in_features=0')"),
            std::string::npos)
      << error.message;
  ASSERT_EQ(error.problems.size(), 1u) << error.message;
  EXPECT_EQ(error.problems[0].kind, ProblemKind::kBadAttribute);
  EXPECT_EQ(error.problems[0].node, "fc2");
  EXPECT_EQ(error.problems[0].attribute, "in_features");
  EXPECT_TRUE(error.problems[0].at.known());
}

TEST(GraphModelTest, LayerLookupFailsForUnknownNode) {
  auto model = GraphModel::Load(kLeaky);
  EXPECT_EQ(model->layer("fc2")->type_name(), "Linear");
  Thrown error = Catch([&] { model->layer("fc9"); });
  EXPECT_EQ(error.code, ErrorCode::kNotFound);
  EXPECT_NE(error.message.find("no node 'fc9'"), std::string::npos);
}

// The conv net of examples/mnist/cnn.pbtxt: image-shaped input, shapes
// through conv and pool layers, parameter counts, and a forward pass.
TEST(GraphModelTest, LoadsAndRunsTheConvNet) {
  auto model = GraphModel::Load("examples/mnist/cnn.pbtxt");
  EXPECT_EQ(model->input_specs()[0].shape, (Shape{kUnknownDim, 1, 28, 28}));
  EXPECT_EQ(model->node_shape("conv1"), (Shape{kUnknownDim, 32, 28, 28}));
  EXPECT_EQ(model->node_shape("pool1"), (Shape{kUnknownDim, 32, 14, 14}));
  EXPECT_EQ(model->node_shape("pool2"), (Shape{kUnknownDim, 64, 7, 7}));
  EXPECT_EQ(model->node_shape("flatten"), (Shape{kUnknownDim, 3136}));
  // 32*25+32 + 64*32*25+64 + 3136*512+512 + 512*10+10
  EXPECT_EQ(model->NumParameters(), 1663370);
  std::string layout = model->Describe();
  EXPECT_NE(layout.find("(conv1): Conv2D (1, 32, kernel 5x5, padding 2x2)"), std::string::npos)
      << layout;
  EXPECT_NE(layout.find("(pool2): MaxPool2D (kernel 2x2)"), std::string::npos) << layout;
  EXPECT_NE(layout.find("params 51,264"), std::string::npos) << layout;
  Tensor images(DType::kFloat32, {2, 1, 28, 28});
  for (int64_t k = 0; k < images.size(); ++k) images.data<float>()[k] = (k % 7) / 7.0f;
  std::map<std::string, Variable> out = model->Run({{"image", Variable(images)}});
  EXPECT_EQ(out.at("fc2").shape(), (Shape{2, 10}));
  EXPECT_TRUE(out.at("fc2").value().AllFinite());
}

// Concat takes any number of inputs in a graph file (a skip connection);
// none is rejected by the loader with the expected count.
TEST(GraphModelTest, ConcatNodesTakeSeveralInputs) {
  const std::string head = R"(format_version: 1
name: "Branches"
inputs { name: "x" shape { dims: -1 dims: 4 } dtype: "float32" }
nodes { name: "a" op: "Linear" inputs: "x"
  attrs { key: "in_features" value { i: 4 } } attrs { key: "out_features" value { i: 2 } } }
)";
  const std::string good = head + R"(nodes { name: "cat" op: "Concat" inputs: "a" inputs: "x" inputs: "a"
  attrs { key: "axis" value { i: 1 } } }
outputs: "cat"
)";
  const std::string path = testing::TempPath("concat.pbtxt");
  testing::WriteFile(path, good);
  auto model = GraphModel::Load(path);
  EXPECT_EQ(model->node_shape("cat"), (Shape{kUnknownDim, 8}));
  Tensor x(DType::kFloat32, {3, 4});
  for (int64_t k = 0; k < x.size(); ++k) x.data<float>()[k] = static_cast<float>(k);
  Variable y = model->Run({{"x", Variable(x)}}).at("cat");
  ASSERT_EQ(y.shape(), (Shape{3, 8}));
  EXPECT_EQ(y.value().data<float>()[2], 0.0f);   // x[0, 0] after a's two columns
  EXPECT_EQ(y.value().data<float>()[8 + 5], 7.0f);  // x[1, 3]

  const std::string bad = head + R"(nodes { name: "cat" op: "Concat" attrs { key: "axis" value { i: 1 } } }
outputs: "cat"
)";
  const std::string bad_path = testing::TempPath("concat_none.pbtxt");
  testing::WriteFile(bad_path, bad);
  Thrown none = Catch([&] { GraphModel::Load(bad_path); });
  EXPECT_NE(none.message.find("expected 1 or more input(s) (values...), found 0"), std::string::npos)
      << none.message;
}

}  // namespace
}  // namespace nabla

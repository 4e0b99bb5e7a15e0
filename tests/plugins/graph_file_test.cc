// examples/swish/mlp_swish.pbtxt is valid and trainable once libswish.so is
// loaded explicitly (graph_file_without_plugin_test: rejected before).
#include <gtest/gtest.h>

#include <cstdlib>

#include "graph/model.h"
#include "graph/registry.h"
#include "plugins/loader.h"

namespace nabla {
namespace {

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") + "/" + path;
}

const char kGraph[] = "examples/swish/mlp_swish.pbtxt";

TEST(SwishGraphFile, LoadsAndTrainsWithThePlugin) {
  LoadPlugin(Runfile("plugins/swish/libswish.so"));
  ManualSeed(5);
  std::shared_ptr<GraphModel> model = GraphModel::Load(Runfile(kGraph));
  EXPECT_EQ(model->layer("act1")->parameter("beta").shape(), Shape{256});
  bool beta_decays = true;
  for (const NamedParameter& p : model->NamedParameters()) {
    if (p.name == "act1.beta") beta_decays = p.weight_decay;
  }
  EXPECT_FALSE(beta_decays);

  Tensor images = Tensor::Zeros(Shape{8, 784});
  Tensor labels(DType::kInt32, Shape{8});
  for (int64_t k = 0; k < images.size(); ++k) images.data<float>()[k] = (k % 17) / 17.0f;
  for (int64_t k = 0; k < 8; ++k) labels.data<int32_t>()[k] = static_cast<int32_t>(k % 10);
  std::map<std::string, Variable> out =
      model->Run({{"image", Variable(images)}, {"label", Variable(labels)}});
  EXPECT_EQ(out.at("fc2").shape(), (Shape{8, 10}));
  out.at("loss").Backward();
  const Tensor& grad_beta = model->layer("act1")->parameter("beta").grad();
  ASSERT_TRUE(grad_beta.defined());
  EXPECT_TRUE(grad_beta.AllFinite());
}

}  // namespace
}  // namespace nabla

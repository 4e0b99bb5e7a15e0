// The course's network, 784-1000-100-10 with LeakyReLU, written with the
// C++ API: layer objects own their parameters, a Module holds the network
// and the loss, and a few SGD steps run on synthetic data.
//
//   bazel run //examples/cpp_api:mnist_network
#include <cstdio>

#include "graph/init.h"
#include "ops/api.h"
#include "train/optimizer.h"

namespace {

using nabla::Variable;

class MNISTNetwork : public nabla::Module {
 public:
  explicit MNISTNetwork(double slope) : Module("MNISTNetwork") {
    network_ = RegisterModule("network", std::make_shared<nabla::Sequential>());
    network_->Add(nabla::nn::Linear(784, 1000))
        .Add(nabla::nn::LeakyReLU(slope))
        .Add(nabla::nn::Linear(1000, 100))
        .Add(nabla::nn::LeakyReLU(slope))
        .Add(nabla::nn::Linear(100, 10));
    loss_ = RegisterModule("loss", nabla::nn::SoftmaxCrossEntropy());
  }

  Variable Forward(const Variable& images) override { return network_->Forward(images); }
  Variable Loss(const Variable& logits, const Variable& labels) {
    return loss_->Forward({logits, labels});
  }

 private:
  std::shared_ptr<nabla::Sequential> network_;
  std::shared_ptr<nabla::OpLayer> loss_;
};

}  // namespace

int main() {
  nabla::ManualSeed(0);
  MNISTNetwork model(/*slope=*/0.01);
  std::printf("%s", model.ToString().c_str());
  std::printf("parameters: %lld\n", static_cast<long long>(model.NumParameters()));

  // A fixed synthetic batch: 256 random "images" with labels 0..9.
  nabla::Rng rng(1);
  nabla::Tensor images(nabla::Shape{256, 784});
  nabla::Tensor labels(nabla::DType::kInt32, nabla::Shape{256});
  for (int64_t i = 0; i < images.size(); ++i) {
    images.data<float>()[i] = static_cast<float>(rng.Uniform());
  }
  for (int64_t i = 0; i < 256; ++i) labels.data<int32_t>()[i] = static_cast<int32_t>(i % 10);

  nabla::Sgd sgd(model.NamedParameters(), {.lr = 0.01, .momentum = 0.9});
  for (int step = 1; step <= 20; ++step) {
    Variable loss = model.Loss(model(Variable(images)), Variable(labels));
    loss.Backward();
    sgd.StepAndZeroGrad();  // update, then drop the gradients
    if (step % 5 == 0) std::printf("step %2d  loss %.4f\n", step, loss.value().item());
  }
  return 0;
}

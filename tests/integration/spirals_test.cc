// End to end through the C++ API: an MLP with LeakyReLU learns two
// interleaved spirals with SGD + momentum.
#include <gtest/gtest.h>

#include <cmath>

#include "graph/init.h"
#include "ops/api.h"
#include "train/optimizer.h"

namespace nabla {
namespace {

// n points per class; class k's spiral is rotated by pi * k.
void MakeSpirals(int n, Tensor* points, Tensor* labels) {
  Rng rng(7);
  *points = Tensor(Shape{2 * n, 2});
  *labels = Tensor(DType::kInt32, Shape{2 * n});
  for (int k = 0; k < 2; ++k) {
    for (int i = 0; i < n; ++i) {
      double t = 0.25 + 3.0 * M_PI * i / n;  // 1.5 turns
      double r = t / (3.0 * M_PI);
      int row = k * n + i;
      points->data<float>()[2 * row] =
          static_cast<float>(r * std::cos(t + M_PI * k) + 0.01 * rng.Normal());
      points->data<float>()[2 * row + 1] =
          static_cast<float>(r * std::sin(t + M_PI * k) + 0.01 * rng.Normal());
      labels->data<int32_t>()[row] = k;
    }
  }
}

TEST(Spirals, MlpWithLeakyReluReaches99Percent) {
  ManualSeed(3);
  Tensor points, labels;
  MakeSpirals(500, &points, &labels);
  Sequential net;
  net.Add(nn::Linear(2, 64)).Add(nn::LeakyReLU(0.1)).Add(nn::Linear(64, 64))
      .Add(nn::LeakyReLU(0.1)).Add(nn::Linear(64, 2));
  Sgd sgd(net.NamedParameters(), {.lr = 0.1, .momentum = 0.9});
  Variable x(points), y(labels);

  double first_loss = 0, last_loss = 0;
  for (int step = 0; step < 3000; ++step) {
    Variable loss = SoftmaxCrossEntropy(net(x), y);
    if (step == 0) first_loss = loss.value().item();
    last_loss = loss.value().item();
    sgd.ZeroGrad();
    loss.Backward();
    sgd.Step();
  }
  EXPECT_LT(last_loss, first_loss / 10);

  NoGradGuard no_grad;
  Tensor logits = net(x).value();
  int correct = 0;
  for (int64_t i = 0; i < logits.rows(); ++i) {
    int predicted = logits.at(2 * i + 1) > logits.at(2 * i) ? 1 : 0;
    correct += predicted == labels.data<int32_t>()[i];
  }
  double accuracy = static_cast<double>(correct) / logits.rows();
  EXPECT_GE(accuracy, 0.99) << "loss " << first_loss << " -> " << last_loss;
}

}  // namespace
}  // namespace nabla

// A custom op in user code: cube.cc registers "Cube" with NABLA_REGISTER_OP,
// and this program uses it like any built-in op, through nabla::Apply and
// as a layer in a small network trained with SGD.
//
//   bazel run //examples/custom_op
#include <cstdio>
#include <memory>

#include "graph/apply.h"
#include "graph/module.h"
#include "graph/registry.h"
#include "ops/api.h"
#include "train/optimizer.h"

int main() {
  // One-shot use, with gradients: d(0.5 * x^3)/dx = 1.5 * x^2.
  nabla::Variable x(nabla::Tensor::FromVector<float>(nabla::Shape{3}, {-1.f, 2.f, 3.f}),
                    /*requires_grad=*/true);
  nabla::Variable y = nabla::Apply("Cube", {x}, {{"scale", 0.5}});
  nabla::Sum(y).Backward();
  std::printf("Cube origin: %s\n", nabla::OpRegistry::Global().OriginOf("Cube").ToString().c_str());
  std::printf("0.5 * x^3 = %g %g %g, gradient %g %g %g\n", y.value().at(0), y.value().at(1),
              y.value().at(2), x.grad().at(0), x.grad().at(1), x.grad().at(2));

  // As a layer: Linear -> Cube -> Linear, fitting y = sum of inputs.
  nabla::ManualSeed(0);
  nabla::Sequential net;
  net.Add(nabla::nn::Linear(2, 4))
      .Add(std::make_shared<nabla::OpLayer>("Cube", nabla::AttrMap{{"scale", 0.5}}))
      .Add(nabla::nn::Linear(4, 1));
  std::printf("%s", net.ToString().c_str());

  nabla::Tensor inputs = nabla::Tensor::FromVector<float>(
      nabla::Shape{4, 2}, {0.1f, 0.2f, -0.3f, 0.4f, 0.5f, -0.6f, 0.f, 0.3f});
  nabla::Tensor targets =
      nabla::Tensor::FromVector<float>(nabla::Shape{4, 1}, {0.3f, 0.1f, -0.1f, 0.3f});
  nabla::Sgd sgd(net.NamedParameters(), {.lr = 0.1, .momentum = 0.9});
  double first = 0, last = 0;
  for (int step = 0; step < 200; ++step) {
    nabla::Variable loss = nabla::Mse(net(nabla::Variable(inputs)), nabla::Variable(targets));
    (step == 0 ? first : last) = loss.value().item();
    loss.Backward();
    sgd.StepAndZeroGrad();
  }
  std::printf("MSE: %.5f -> %.5f after 200 SGD steps\n", first, last);
  return last < first ? 0 : 1;
}

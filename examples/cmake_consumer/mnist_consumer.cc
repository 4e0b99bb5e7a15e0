// The course network (784-1000-100-10, LeakyReLU 0.01, as
// examples/mnist/mlp_leaky.pbtxt) with nabla's C++ API, built against an
// installed nabla by CMake (CMakeLists.txt):
//
//   mnist_consumer train --data DATA --epochs N --save CKPT [--seed S]
//   mnist_consumer eval --data DATA --weights CKPT
//
// train: SGD (lr 0.01, momentum 0.9), batch 256, seeded shuffling, then the
// checkpoint. eval, in a fresh process: the same network, the checkpoint's
// weights (refused unless it holds exactly this network), accuracy on the
// test split. DATA is what `nabla train --data` takes: a directory of IDX
// files or a short name (mnist-digits). Images are pixels / 255, nothing
// else (data::PixelsToFloat), as in `nabla train`.
//
// Exit status: 0 on success, 2 for a bad command line, 3 for bad input
// (a missing data set or checkpoint, a checkpoint of another network).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "data/batcher.h"
#include "data/dataset_dir.h"
#include "graph/error.h"
#include "graph/init.h"
#include "graph/variable.h"
#include "ops/api.h"
#include "train/checkpoint.h"
#include "train/optimizer.h"

namespace {

using nabla::Shape;
using nabla::Tensor;
using nabla::Variable;

constexpr int kBatchSize = 256;
constexpr char kUsage[] =
    "usage: mnist_consumer train --data DATA --epochs N --save CKPT [--seed S]\n"
    "       mnist_consumer eval --data DATA --weights CKPT\n";

std::shared_ptr<nabla::Sequential> CourseNetwork() {
  auto net = std::make_shared<nabla::Sequential>();
  net->Add(nabla::nn::Linear(784, 1000))
      .Add(nabla::nn::LeakyReLU(0.01))
      .Add(nabla::nn::Linear(1000, 100))
      .Add(nabla::nn::LeakyReLU(0.01))
      .Add(nabla::nn::Linear(100, 10));
  return net;
}

// One batch as tensors: images [n, 784] (pixels / 255), labels [n].
struct Batch {
  Tensor images, labels;
};

Batch Gather(const nabla::data::Dataset& data, int64_t begin, int64_t n) {
  Batch batch{Tensor(Shape{n, data.features()}), Tensor(nabla::DType::kInt32, Shape{n})};
  nabla::data::PixelsToFloat(data.pixels.data() + begin * data.features(), n * data.features(),
                             batch.images.data<float>());
  for (int64_t i = 0; i < n; ++i) batch.labels.data<int32_t>()[i] = data.labels[begin + i];
  return batch;
}

// Fraction of `data` whose largest logit is the label.
double Accuracy(nabla::Module& net, const nabla::data::Dataset& data) {
  nabla::NoGradGuard no_grad;
  net.Eval();
  int64_t correct = 0;
  for (int64_t begin = 0; begin < data.size; begin += 1000) {
    const int64_t n = std::min<int64_t>(1000, data.size - begin);
    Batch batch = Gather(data, begin, n);
    Tensor logits = net(Variable(batch.images)).value();
    const int64_t classes = logits.shape()[1];
    for (int64_t i = 0; i < n; ++i) {
      const float* row = logits.data<float>() + i * classes;
      int64_t best = 0;
      for (int64_t k = 1; k < classes; ++k) best = row[k] > row[best] ? k : best;
      correct += best == batch.labels.data<int32_t>()[i];
    }
  }
  return static_cast<double>(correct) / static_cast<double>(data.size);
}

struct Args {
  std::string command, data, save, weights;
  int64_t epochs = 0;
  uint64_t seed = 0;
};

[[noreturn]] void UsageError(const std::string& why) {
  std::fprintf(stderr, "mnist_consumer: %s\n%s", why.c_str(), kUsage);
  std::exit(2);
}

// A decimal integer >= minimum; anything else ("-1", "1e3", "") is a usage error.
int64_t Integer(const std::string& flag, const std::string& text, int64_t minimum) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value < minimum) {
    UsageError(flag + " needs an integer >= " + std::to_string(minimum) + ", found '" + text +
               "'");
  }
  return value;
}

Args Parse(int argc, char** argv) {
  if (argc < 2) UsageError("missing command");
  Args args;
  args.command = argv[1];
  if (args.command != "train" && args.command != "eval") {
    UsageError("unknown command '" + args.command + "'");
  }
  for (int i = 2; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) UsageError(flag + " needs a value");
    const std::string value = argv[i + 1];
    if (flag == "--data") {
      args.data = value;
    } else if (flag == "--save" && args.command == "train") {
      args.save = value;
    } else if (flag == "--epochs" && args.command == "train") {
      args.epochs = Integer(flag, value, 1);
    } else if (flag == "--seed" && args.command == "train") {
      args.seed = static_cast<uint64_t>(Integer(flag, value, 0));
    } else if (flag == "--weights" && args.command == "eval") {
      args.weights = value;
    } else {
      UsageError("unknown option '" + flag + "' for " + args.command);
    }
  }
  if (args.data.empty()) UsageError("--data is required");
  if (args.command == "train" && (args.epochs == 0 || args.save.empty())) {
    UsageError("train needs --epochs and --save");
  }
  if (args.command == "eval" && args.weights.empty()) UsageError("eval needs --weights");
  return args;
}

int Train(const Args& args) {
  const nabla::data::Dataset train = nabla::data::LoadSplit(args.data, nabla::data::Split::kTrain);
  nabla::ManualSeed(args.seed);
  std::shared_ptr<nabla::Sequential> net = CourseNetwork();
  std::printf("%sparameters: %lld\n", net->ToString().c_str(),
              static_cast<long long>(net->NumParameters()));
  nabla::Sgd sgd(net->NamedParameters(), {.lr = 0.01, .momentum = 0.9});
  nabla::data::BatcherOptions options;
  options.batch_size = kBatchSize;
  options.seed = args.seed;
  nabla::data::Batcher batcher(train, options);
  for (int64_t epoch = 1; epoch <= args.epochs; ++epoch) {
    net->Train();
    double loss_sum = 0;
    int64_t samples = 0;
    for (int64_t n; (n = batcher.NextSize()) > 0;) {
      // Gathered straight into the input tensors, pixels / 255.
      Tensor images(Shape{n, train.features()});
      Tensor labels(nabla::DType::kInt32, Shape{n});
      batcher.NextInto(images.data<float>(), labels.data<int32_t>());
      Variable loss = nabla::SoftmaxCrossEntropy((*net)(Variable(images)), Variable(labels));
      loss.Backward();
      sgd.StepAndZeroGrad();
      loss_sum += loss.value().item() * static_cast<double>(n);
      samples += n;
    }
    batcher.NextInto(nullptr, nullptr);  // at the epoch's end: moves to the next one
    std::printf("epoch %lld  train loss %.4f  train accuracy %.4f\n",
                static_cast<long long>(epoch), loss_sum / static_cast<double>(samples),
                Accuracy(*net, train));
  }
  nabla::Checkpoint checkpoint = nabla::CheckpointFromModule(*net);
  checkpoint.header.set_epoch(args.epochs);
  nabla::SaveCheckpoint(args.save, checkpoint);
  std::printf("saved %s\n", args.save.c_str());
  return 0;
}

int Eval(const Args& args) {
  nabla::data::Dataset test = nabla::data::LoadSplit(args.data, nabla::data::Split::kTest);
  std::shared_ptr<nabla::Sequential> net = CourseNetwork();
  nabla::Checkpoint checkpoint = nabla::ReadCheckpoint(args.weights);
  const std::string diff =
      nabla::DiffFingerprints(checkpoint.header, nabla::FingerprintOf(*net));
  if (!diff.empty()) {
    NABLA_THROW(kInvalidFile) << args.weights << ": not a checkpoint of the course network:\n"
                              << diff;
  }
  nabla::LoadParameters(checkpoint, net.get());  // strict: throws on any mismatch
  std::printf("test accuracy %.4f (%lld samples)\n", Accuracy(*net, test),
              static_cast<long long>(test.size));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = Parse(argc, argv);
  try {
    return args.command == "train" ? Train(args) : Eval(args);
  } catch (const nabla::Error& e) {
    std::fprintf(stderr, "mnist_consumer %s: error: %s\n", args.command.c_str(), e.what());
    return 3;
  }
}

#include "tests/train/test_util.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "graph/apply.h"
#include "graph/init.h"
#include "ops/api.h"

namespace nabla::testing {

std::string MakeTempDir(const std::string& name) {
  const char* root = std::getenv("TEST_TMPDIR");
  std::filesystem::path dir = std::filesystem::path(root ? root : "/tmp") / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), bytes.size());
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

std::shared_ptr<Sequential> MakeNet(uint64_t seed, int64_t hidden, double slope) {
  ManualSeed(seed);
  auto net = std::make_shared<Sequential>();
  net->Add(nn::Linear(3, hidden))
      .Add(nn::LeakyReLU(slope))
      .Add(nn::Linear(hidden, hidden))
      .Add(nn::PReLU(hidden))
      .Add(nn::Linear(hidden, 2));
  return net;
}

Tensor BatchInputs() {
  Rng rng(11);
  Tensor x(Shape{16, 3});
  for (int64_t i = 0; i < x.size(); ++i) x.data<float>()[i] = static_cast<float>(rng.Normal());
  return x;
}

Tensor BatchLabels() {
  Tensor y(DType::kInt32, Shape{16});
  for (int i = 0; i < 16; ++i) y.data<int32_t>()[i] = i % 2;
  return y;
}

void Train(Module* net, Optimizer* optimizer, int steps) {
  Variable x(BatchInputs()), y(BatchLabels());
  for (int step = 0; step < steps; ++step) {
    Variable loss = SoftmaxCrossEntropy((*net)(x), y);
    optimizer->ZeroGrad();
    loss.Backward();
    optimizer->Step();
  }
}

Checkpoint MakeFullCheckpoint(const Module& net, const Optimizer& optimizer) {
  Checkpoint checkpoint = CheckpointFromModule(net);
  checkpoint.optimizer = optimizer.state();
  proto::CheckpointHeader& header = checkpoint.header;
  header.set_step(optimizer.state().step);
  header.set_epoch(3);
  GeneratorState rng = GetGeneratorState();
  header.set_rng_seed(rng.seed);
  header.set_rng_counter(rng.counter);
  header.set_data_seed(77);
  header.set_data_epoch(2);
  header.set_data_position(1234);
  proto::TrainConfig* config = header.mutable_config();
  config->set_optimizer(optimizer.name());
  config->set_lr(0.05);
  config->set_momentum(0.9);
  config->set_weight_decay(1e-4);
  config->set_batch_size(16);
  config->set_seed(5);
  config->set_threads(2);
  config->set_data("spirals");
  config->set_epochs(10);
  config->add_overrides("1.slope=0.1");
  for (int epoch = 0; epoch < 3; ++epoch) {
    proto::EpochMetrics* metrics = header.add_metrics();
    metrics->set_epoch(epoch);
    metrics->set_train_loss(1.0 / (epoch + 1));
    metrics->set_test_loss(1.1 / (epoch + 1));
    metrics->set_test_accuracy(0.5 + 0.1 * epoch);
    metrics->set_seconds(0.25);
  }
  return checkpoint;
}

::testing::AssertionResult Contains(const std::string& text, const std::string& fragment) {
  if (text.find(fragment) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "expected to contain\n  " << fragment << "\nbut the text is\n  " << text;
}

bool BitEqual(const Tensor& a, const Tensor& b) {
  return a.defined() && b.defined() && a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

}  // namespace nabla::testing

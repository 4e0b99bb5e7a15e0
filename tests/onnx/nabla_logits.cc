// Test helper: runs a graph file with a checkpoint on IDX images, as
// `nabla eval` feeds them (pixel / 255, the graph input's shape), and writes
// the inputs and the first output (the logits) as raw little-endian float32
// for the ONNX Runtime and PyTorch comparisons.
//
//   nabla_logits MODEL CKPT IMAGES_IDX COUNT INPUTS_OUT LOGITS_OUT
#include <cstdio>
#include <fstream>
#include <string>

#include "data/idx.h"
#include "graph/model.h"
#include "graph/variable.h"
#include "train/checkpoint_text.h"
#include "train/training_state.h"

namespace {

void WriteFloats(const std::string& path, const float* data, int64_t n) {
  std::ofstream out(path, std::ios::binary);
  out.write(reinterpret_cast<const char*>(data), n * sizeof(float));
  if (!out) throw nabla::Error("cannot write " + path);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s MODEL CKPT IMAGES_IDX COUNT INPUTS_OUT LOGITS_OUT\n", argv[0]);
    return 2;
  }
  try {
    auto model = nabla::GraphModel::Load(argv[1]);
    nabla::LoadWeights(nabla::ReadCheckpointFile(argv[2]), model.get(), false);
    model->Eval();
    nabla::data::IdxImages idx = nabla::data::ReadIdxImages(argv[3]);
    const int64_t count = std::min<int64_t>(std::stoll(argv[4]), idx.count);
    nabla::Shape shape = model->input_specs().at(0).shape;
    std::vector<int64_t> dims = shape.dims();
    dims[0] = count;
    nabla::Tensor images = nabla::Tensor::Zeros(nabla::Shape(dims));
    if (images.size() != count * idx.rows * idx.cols) {
      throw nabla::Error("input " + shape.ToString() + " does not hold 28x28 images");
    }
    for (int64_t i = 0; i < images.size(); ++i) {
      images.data<float>()[i] = static_cast<float>(idx.pixels[i]) / 255.0f;
    }
    nabla::NoGradGuard no_grad;
    nabla::Variable logits = model->Forward(nabla::Variable(images));
    WriteFloats(argv[5], images.data<float>(), images.size());
    WriteFloats(argv[6], logits.value().data<float>(), logits.value().size());
    std::printf("%lld %lld\n", static_cast<long long>(count),
                static_cast<long long>(logits.value().size() / count));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "nabla_logits: %s\n", e.what());
    return 3;
  }
  return 0;
}

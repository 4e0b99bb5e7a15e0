#include "bench/nabla_models.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <map>

#include "graph/error.h"
#include "graph/model.h"
#include "ops/api.h"

namespace nabla::bench {
namespace {

bool IsFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

// The file each model is read from, and the attribute overrides that make
// it the network of bench/README.md.
struct GraphSpec {
  const char* file;
  std::vector<std::string> overrides;
};

GraphSpec SpecFor(const std::string& model) {
  if (model == "A") return {"mlp_leaky.pbtxt", {}};
  if (model == "B") {
    // deep_prelu.pbtxt starts its slopes at 0.25; PyTorch's side uses 0.1.
    return {"deep_prelu.pbtxt", {"act1.init=0.1", "act2.init=0.1", "act3.init=0.1"}};
  }
  if (model == "C") return {"cnn.pbtxt", {}};
  NABLA_THROW(kInvalidArgument) << "unknown model '" << model << "' (expected A, B or C)";
}

Shape SampleShapeOf(const std::string& model) {
  return model == "C" ? Shape{1, 28, 28} : Shape{784};
}

std::shared_ptr<OpLayer> Layer(const std::string& op, AttrMap attrs) {
  return std::make_shared<OpLayer>(op, std::move(attrs));
}

std::shared_ptr<OpLayer> Conv(int64_t in, int64_t out) {
  return Layer("Conv2D", {{"in_channels", in}, {"out_channels", out},
                          {"kernel_size", std::vector<int64_t>{5}},
                          {"padding", std::vector<int64_t>{2}}});
}

std::shared_ptr<OpLayer> Pool() {
  return Layer("MaxPool2D", {{"kernel_size", std::vector<int64_t>{2}}});
}

class ApiModel : public BenchModel {
 public:
  explicit ApiModel(const std::string& model) : sample_shape_(SampleShapeOf(model)) {
    // Same layer order as the graph files, so the same seed gives the same
    // initial parameters on both paths.
    if (model == "A") {
      net_.Add(nn::Linear(784, 1000)).Add(nn::LeakyReLU(0.01));
      net_.Add(nn::Linear(1000, 100)).Add(nn::LeakyReLU(0.01));
      net_.Add(nn::Linear(100, 10));
    } else if (model == "B") {
      net_.Add(nn::Linear(784, 1024)).Add(nn::PReLU(1, 0.1));
      net_.Add(nn::Linear(1024, 512)).Add(nn::PReLU(1, 0.1));
      net_.Add(nn::Linear(512, 64)).Add(nn::PReLU(1, 0.1));
      net_.Add(nn::Linear(64, 10));
    } else if (model == "C") {
      net_.Add(Conv(1, 32)).Add(nn::ReLU()).Add(Pool());
      net_.Add(Conv(32, 64)).Add(nn::ReLU()).Add(Pool());
      net_.Add(Layer("Flatten", {}));
      net_.Add(nn::Linear(3136, 512)).Add(nn::ReLU()).Add(nn::Linear(512, 10));
    } else {
      SpecFor(model);  // throws the unknown-model error
    }
  }

  std::vector<NamedParameter> NamedParameters() const override { return net_.NamedParameters(); }
  void Train(bool on) override { net_.Train(on); }
  Variable Loss(const Variable& images, const Variable& labels) override {
    return SoftmaxCrossEntropy(net_(images), labels);
  }
  Variable Logits(const Variable& images) override { return net_(images); }
  std::string Describe() const override {
    return "C++ API, " + std::to_string(net_.NumParameters()) + " parameters";
  }
  Shape SampleShape() const override { return sample_shape_; }

 private:
  Shape sample_shape_;
  Sequential net_;
};

class FileModel : public BenchModel {
 public:
  FileModel(const std::string& path, const std::vector<std::string>& overrides, Shape sample)
      : path_(path), model_(GraphModel::Load(path, overrides)), sample_shape_(std::move(sample)) {
    if (model_->input_specs().size() != 2 || model_->output_names().empty() ||
        model_->loss_name().empty()) {
      NABLA_THROW(kInvalidFile) << path
                                << ": expected two inputs (image, label), an "
                                   "output and a loss";
    }
    image_name_ = model_->input_specs()[0].name;
    label_name_ = model_->input_specs()[1].name;
    logits_name_ = model_->output_names()[0];
  }

  std::vector<NamedParameter> NamedParameters() const override { return model_->NamedParameters(); }
  void Train(bool on) override { model_->Train(on); }
  Variable Loss(const Variable& images, const Variable& labels) override {
    // The feed maps are members: assigning a Variable reuses their nodes.
    train_feeds_[image_name_] = images;
    train_feeds_[label_name_] = labels;
    return model_->Run(train_feeds_).at(model_->loss_name());
  }
  Variable Logits(const Variable& images) override {
    eval_feeds_[image_name_] = images;
    return model_->Run(eval_feeds_).at(logits_name_);
  }
  std::string Describe() const override {
    return "graph file " + path_ + ", " + std::to_string(model_->NumParameters()) + " parameters";
  }
  Shape SampleShape() const override { return sample_shape_; }

 private:
  std::string path_;
  std::shared_ptr<GraphModel> model_;
  Shape sample_shape_;
  std::string image_name_, label_name_, logits_name_;
  std::map<std::string, Variable> train_feeds_, eval_feeds_;
};

// <binary>.runfiles/nabla/examples/mnist, or under $RUNFILES_DIR.
std::string RunfilesGraphDir() {
  if (const char* dir = std::getenv("RUNFILES_DIR"); dir != nullptr && *dir) {
    return std::string(dir) + "/nabla/examples/mnist";
  }
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n <= 0) return "";
  exe[n] = '\0';
  return std::string(exe) + ".runfiles/nabla/examples/mnist";
}

}  // namespace

std::unique_ptr<BenchModel> MakeApiModel(const std::string& model) {
  return std::make_unique<ApiModel>(model);
}

std::unique_ptr<BenchModel> MakeGraphModel(const std::string& model, const std::string& graph_dir) {
  GraphSpec spec = SpecFor(model);
  return std::make_unique<FileModel>(graph_dir + "/" + spec.file, spec.overrides,
                                     SampleShapeOf(model));
}

std::string FindGraphDir(const std::string& requested, bool explicit_dir) {
  const std::string probe = "/mlp_leaky.pbtxt";
  if (explicit_dir) {
    if (!IsFile(requested + probe)) {
      NABLA_THROW(kNotFound) << "--graph-dir " << requested << ": no " << probe.substr(1)
                             << " there";
    }
    return requested;
  }
  const std::string runfiles = RunfilesGraphDir();
  for (const std::string& dir : {requested, runfiles}) {
    if (!dir.empty() && IsFile(dir + probe)) return dir;
  }
  NABLA_THROW(kNotFound) << "graph files not found: tried " << requested << probe << " and "
                         << (runfiles.empty() ? "(no runfiles)" : runfiles + probe)
                         << "; pass --graph-dir (the repository's examples/mnist)";
}

}  // namespace nabla::bench

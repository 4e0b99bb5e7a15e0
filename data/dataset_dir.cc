#include "data/dataset_dir.h"

#include <sys/stat.h>

#include <cstdlib>

#include "graph/error.h"

namespace nabla::data {
namespace {

constexpr char kFashionMnistDir[] = "/usr/share/datasets/fashion-mnist";
constexpr char kDefaultDataHome[] = "/var/lib/nabla/data";

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool IsFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string Getenv(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::string JoinNames() {
  std::string out;
  for (const std::string& name : KnownDatasetNames()) {
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

// Returns dir/base, or dir/base.gz, or "" if neither exists.
std::string FindFile(const std::string& dir, const std::string& base) {
  const std::string raw = dir + "/" + base;
  if (IsFile(raw)) return raw;
  if (IsFile(raw + ".gz")) return raw + ".gz";
  return "";
}

// The directory a short name stands for, how to get it, or "" if `name` is
// not a short name.
std::string ShortNameDir(const std::string& name, std::string* how) {
  if (name == "fashion-mnist") {
    *how = "install the Debian package dataset-fashion-mnist";
    return kFashionMnistDir;
  }
  if (name == "mnist-digits") {
    std::string home = Getenv("NABLA_DATA_HOME");
    if (home.empty()) home = kDefaultDataHome;
    *how = "run tools/setup_data.sh";
    return home + "/mnist-digits";
  }
  if (name == "mnist") {
    const std::string dir = Getenv("NABLA_MNIST_DIR");
    if (dir.empty()) {
      NABLA_THROW(kNotFound)
          << "dataset 'mnist': NABLA_MNIST_DIR is not set; set it to a "
             "directory holding the MNIST IDX files "
             "(train-images-idx3-ubyte[.gz] ...)";
    }
    *how = "check NABLA_MNIST_DIR";
    return dir;
  }
  return "";
}

}  // namespace

const char* SplitName(Split split) {
  return split == Split::kTrain ? "train" : "test";
}

std::vector<std::string> KnownDatasetNames() {
  return {"fashion-mnist", "mnist", "mnist-digits"};
}

std::string ResolveDataDir(const std::string& data_arg) {
  std::string how;
  const std::string dir = ShortNameDir(data_arg, &how);
  if (!dir.empty()) {
    if (!IsDirectory(dir)) {
      NABLA_THROW(kNotFound) << "dataset '" << data_arg << "': directory '"
                             << dir << "' does not exist (" << how << ")";
    }
    return dir;
  }
  if (IsDirectory(data_arg)) return data_arg;
  if (data_arg.find('/') != std::string::npos) {
    NABLA_THROW(kNotFound) << "data directory '" << data_arg
                           << "' does not exist";
  }
  NABLA_THROW(kNotFound) << "unknown dataset '" << data_arg
                         << "': not a directory and not one of the known "
                            "names: "
                         << JoinNames();
}

SplitFiles FindSplit(const std::string& dir, Split split) {
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  const std::string images_base = prefix + "-images-idx3-ubyte";
  const std::string labels_base = prefix + "-labels-idx1-ubyte";
  SplitFiles files{FindFile(dir, images_base), FindFile(dir, labels_base)};
  if (files.images.empty() && files.labels.empty()) {
    NABLA_THROW(kNotFound) << "no "
                           << (split == Split::kTrain ? "training" : "test")
                           << " split in " << dir << ": expected "
                           << images_base << "[.gz] and " << labels_base
                           << "[.gz]";
  }
  if (files.images.empty() || files.labels.empty()) {
    const std::string& missing =
        files.images.empty() ? images_base : labels_base;
    const std::string& present =
        files.images.empty() ? files.labels : files.images;
    NABLA_THROW(kNotFound) << "incomplete " << SplitName(split) << " split in "
                           << dir << ": found " << present << " but not "
                           << missing << "[.gz]";
  }
  return files;
}

Dataset LoadSplit(const std::string& data_arg, Split split) {
  const SplitFiles files = FindSplit(ResolveDataDir(data_arg), split);
  return LoadIdx(files.images, files.labels);
}

}  // namespace nabla::data

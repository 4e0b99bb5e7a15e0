// checkpoint_diff A B [--tolerance T]: compares two checkpoints' training
// state for the data-parallel equivalence tests (cli_mpi_test.sh).
//
// Step, epoch and data position must be equal; so must the set of tensors
// (parameters and optimiser buffers) and their shapes. Values: prints
// "bit-identical", or the largest |a - b| over all tensors and the
// largest |a - b| / max(|a|) per tensor, and fails (exit 1) when that
// relative difference exceeds T (default 0: bit-identical required).
// Exit 3 when a file cannot be read.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

#include "train/checkpoint_text.h"

int main(int argc, char** argv) {
  if (argc != 3 && !(argc == 5 && std::strcmp(argv[3], "--tolerance") == 0)) {
    std::fprintf(stderr, "usage: checkpoint_diff A B [--tolerance T]\n");
    return 2;
  }
  const double tolerance = argc == 5 ? std::atof(argv[4]) : 0.0;
  nabla::Checkpoint a, b;
  try {
    a = nabla::ReadCheckpointFile(argv[1]);
    b = nabla::ReadCheckpointFile(argv[2]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkpoint_diff: %s\n", e.what());
    return 3;
  }
  bool ok = true;
  auto same = [&](const char* field, int64_t x, int64_t y) {
    if (x != y) {
      std::printf("%s differs: %lld vs %lld\n", field, static_cast<long long>(x),
                  static_cast<long long>(y));
      ok = false;
    }
  };
  same("step", a.header.step(), b.header.step());
  same("epoch", a.header.epoch(), b.header.epoch());
  same("data epoch", a.header.data_epoch(), b.header.data_epoch());
  same("data position", a.header.data_position(), b.header.data_position());
  std::map<std::string, nabla::Tensor> ta, tb;
  for (auto& [name, t] : a.params) ta[name] = t;
  for (auto& [name, t] : b.params) tb[name] = t;
  for (auto& [name, buffers] : a.optimizer.buffers) {
    for (size_t k = 0; k < buffers.size(); ++k) ta["optimizer/" + name + "/" + std::to_string(k)] = buffers[k];
  }
  for (auto& [name, buffers] : b.optimizer.buffers) {
    for (size_t k = 0; k < buffers.size(); ++k) tb["optimizer/" + name + "/" + std::to_string(k)] = buffers[k];
  }
  double worst_abs = 0, worst_rel = 0;
  std::string worst_name;
  bool identical = true;
  for (auto& [name, x] : ta) {
    auto it = tb.find(name);
    if (it == tb.end() || it->second.shape() != x.shape()) {
      std::printf("tensor '%s' is missing or differs in shape in %s\n", name.c_str(), argv[2]);
      ok = false;
      continue;
    }
    const float* p = x.data<float>();
    const float* q = it->second.data<float>();
    double scale = 0, diff = 0;
    for (int64_t i = 0; i < x.size(); ++i) {
      scale = std::max(scale, std::fabs(static_cast<double>(p[i])));
      diff = std::max(diff, std::fabs(static_cast<double>(p[i]) - q[i]));
      if (std::memcmp(p + i, q + i, 4) != 0) identical = false;
    }
    const double rel = scale > 0 ? diff / scale : diff;
    worst_abs = std::max(worst_abs, diff);
    if (rel > worst_rel) {
      worst_rel = rel;
      worst_name = name;
    }
  }
  if (tb.size() != ta.size()) {
    std::printf("%s has %zu tensors, %s has %zu\n", argv[1], ta.size(), argv[2], tb.size());
    ok = false;
  }
  if (identical && ok) {
    std::printf("bit-identical (%zu tensors)\n", ta.size());
    return 0;
  }
  std::printf("max |a-b| %.3g; max |a-b|/max|a| %.3g (tensor '%s'); tolerance %.3g\n", worst_abs,
              worst_rel, worst_name.c_str(), tolerance);
  return ok && worst_rel <= tolerance ? 0 : 1;
}

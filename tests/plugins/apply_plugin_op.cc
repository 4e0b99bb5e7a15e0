// apply_plugin_op PLUGIN OP X...: loads PLUGIN, prints the op's origin,
// applies OP (as a layer, so parameters get their initial values) to the
// vector X, prints the outputs, and runs the registry-driven gradient check
// on OP. Exits 1 with the error on any failure. Used by sdk_test.sh.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "graph/module.h"
#include "graph/registry.h"
#include "plugins/loader.h"
#include "graph/gradcheck.h"

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s PLUGIN OP X...\n", argv[0]);
    return 2;
  }
  try {
    nabla::LoadedPlugin loaded = nabla::LoadPlugin(argv[1]);
    const std::string op = argv[2];
    std::printf("origin: %s\n", nabla::OpRegistry::Global().OriginOf(op).ToString().c_str());
    std::vector<double> values;
    for (int i = 3; i < argc; ++i) values.push_back(std::atof(argv[i]));
    nabla::Tensor x = nabla::Tensor::FromVector<double>(
        nabla::Shape{static_cast<int64_t>(values.size())}, values);
    nabla::OpLayer layer(op, {});
    nabla::Tensor y = layer(nabla::Variable(x.To(nabla::DType::kFloat32))).value();
    std::printf("output:");
    for (int64_t k = 0; k < y.size(); ++k) std::printf(" %g", y.at(k));
    std::printf("\n");
    std::vector<std::string> problems =
        nabla::CheckGradients(nabla::OpRegistry::Global().Get(op));
    for (const std::string& p : problems) std::fprintf(stderr, "%s\n", p.c_str());
    std::printf("gradient check: %s\n", problems.empty() ? "ok" : "FAILED");
    return problems.empty() ? 0 : 1;
  } catch (const nabla::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}

// A one-file program built with `g++ one_file.cc $(pkg-config --cflags
// --libs nabla)` against an installed nabla (install_test.sh):
//
//   one_file [PLUGIN OP]
//
// prints how many built-in ops registered themselves (no linker flag
// asked for them), applies LeakyReLU(0.1) to (-2, 0.5, 4), and with PLUGIN
// loads it and applies its OP to (1, -2, 3), printing the op's origin.
#include <cstdio>
#include <string>

#include "graph/apply.h"
#include "graph/error.h"
#include "graph/registry.h"
#include "graph/tensor.h"
#include "graph/variable.h"
#include "ops/api.h"
#include "plugins/loader.h"

namespace {

void Print(const char* what, const nabla::Variable& y) {
  std::printf("%s:", what);
  for (int64_t k = 0; k < y.value().size(); ++k) std::printf(" %g", y.value().at(k));
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const nabla::OpRegistry& registry = nabla::OpRegistry::Global();
    int builtin = 0;
    for (const std::string& name : registry.Names()) {
      builtin += registry.OriginOf(name).kind == nabla::OpOrigin::kBuiltin;
    }
    std::printf("built-in ops: %d\n", builtin);
    nabla::Tensor x = nabla::Tensor::FromVector<float>(nabla::Shape{3}, {-2.0f, 0.5f, 4.0f});
    Print("LeakyReLU", nabla::LeakyRelu(nabla::Variable(x), 0.1));
    if (argc == 3) {
      nabla::LoadPlugin(argv[1]);
      std::printf("origin: %s\n", registry.OriginOf(argv[2]).ToString().c_str());
      nabla::Tensor v = nabla::Tensor::FromVector<float>(nabla::Shape{3}, {1.0f, -2.0f, 3.0f});
      Print(argv[2], nabla::Apply(argv[2], {nabla::Variable(v)}, {}));
    }
    return 0;
  } catch (const nabla::Error& e) {
    std::fprintf(stderr, "one_file: error: %s\n", e.what());
    return 1;
  }
}

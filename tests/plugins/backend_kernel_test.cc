// NablaPluginRegistrar::AddKernel: a plugin's kernel for another backend.
#include <cstdlib>
#include <string>

#include <gtest/gtest.h>

#include "graph/apply.h"
#include "graph/kernel.h"
#include "graph/registry.h"
#include "plugins/loader.h"

namespace nabla {
namespace {

std::string TestPlugin(const std::string& name) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") +
         "/plugins/testing/" + name;
}

TEST(PluginBackendKernel, IsSelectedAndAgreesWithTheReference) {
  LoadPlugin(TestPlugin("libbackend_kernel.so"));
  ASSERT_NE(KernelRegistry::Global().Find("PluginDoubler", "dnnl", ComputeType::kFloat32), nullptr);
  EXPECT_NE(KernelRegistry::Global()
                .Find("PluginDoubler", "dnnl", ComputeType::kFloat32)
                ->origin.where.find("libbackend_kernel.so"),
            std::string::npos);
  Tensor x = Tensor::FromVector<float>({3}, {1.5f, -2.0f, 0.25f});
  std::vector<float> outputs[2];
  int k = 0;
  for (const char* backend : {"eigen", "dnnl"}) {
    ExecutionOptionsGuard guard({backend, Precision::kFloat32});
    OpCall call("PluginDoubler", {});
    EXPECT_EQ(call.KernelFor(DType::kFloat32).backend, backend);
    Variable in(x, true);
    Variable y = call.Apply1({in});
    y.Backward(Tensor::Filled({3}, 1.0));
    for (int i = 0; i < 3; ++i) {
      outputs[k].push_back(y.value().data<float>()[i]);
      EXPECT_EQ(in.grad().data<float>()[i], 2.0f);
    }
    ++k;
  }
  EXPECT_EQ(outputs[0], outputs[1]);
  EXPECT_EQ(outputs[1], (std::vector<float>{3.0f, -4.0f, 0.5f}));
}

TEST(PluginBackendKernel, AKernelForTheReservedBackendKeepsThePluginOut) {
  try {
    LoadPlugin(TestPlugin("libbad_backend_kernel.so"));
    FAIL() << "loaded a plugin whose kernel claims backend eigen";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("none of its ops were registered"), std::string::npos) << message;
    EXPECT_NE(message.find("'eigen' is reserved"), std::string::npos) << message;
  }
  EXPECT_EQ(OpRegistry::Global().Find("PluginDoublerBad"), nullptr);
}

}  // namespace
}  // namespace nabla

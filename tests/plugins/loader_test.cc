// nabla::LoadPlugin: the Swish plugin end to end, and every way a load can
// fail. Each failure asserts its message and that the registry is
// unchanged. The plugins are Bazel-built .so files in this test's runfiles;
// this binary is linked statically with -rdynamic (from //plugins:loader),
// as a nabla program is.
#include "plugins/loader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <functional>

#include "graph/apply.h"
#include "graph/module.h"
#include "graph/registry.h"
#include "graph/version.h"
#include "ops/api.h"
#include "plugins/plugin_api.h"
#include "graph/gradcheck.h"
#include "train/optimizer.h"

namespace nabla {
namespace {

// EXPECT_CONTAINS(text, part) and EXPECT_LACKS(text, part), printing the
// whole text on failure.
::testing::AssertionResult Contains(const char*, const char*, const std::string& text,
                                    const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected to find\n  " << part << "\nin\n  " << text;
}
::testing::AssertionResult Lacks(const char*, const char*, const std::string& text,
                                 const std::string& part) {
  if (text.find(part) == std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "did not expect\n  " << part << "\nin\n  " << text;
}
#define EXPECT_CONTAINS(text, part) EXPECT_PRED_FORMAT2(Contains, text, part)
#define EXPECT_LACKS(text, part) EXPECT_PRED_FORMAT2(Lacks, text, part)

std::string Runfile(const std::string& path) {
  return std::string(std::getenv("TEST_SRCDIR")) + "/" + std::getenv("TEST_WORKSPACE") + "/" + path;
}

std::string SwishPath() { return Runfile("plugins/swish/libswish.so"); }
std::string TestPlugin(const std::string& name) { return Runfile("plugins/testing/" + name); }

LoadedPlugin LoadSwish() { return LoadPlugin(SwishPath()); }

struct Failure {
  ErrorCode code = ErrorCode::kInternal;
  std::string message = "(no error)";
};

// Loads `path`, expecting an Error, and checks the registry did not change.
Failure LoadExpectingFailure(const std::string& path) {
  const std::vector<std::string> names_before = OpRegistry::Global().Names();
  const std::vector<std::string> plugins_before = OpRegistry::Global().LoadedPlugins();
  Failure failure;
  try {
    LoadPlugin(path);
    ADD_FAILURE() << "loading " << path << " succeeded";
  } catch (const Error& e) {
    failure = {e.code(), e.what()};
  }
  EXPECT_EQ(OpRegistry::Global().Names(), names_before) << failure.message;
  EXPECT_EQ(OpRegistry::Global().LoadedPlugins(), plugins_before);
  EXPECT_CONTAINS(failure.message, "cannot load plugin '" + path + "'");
  return failure;
}

TEST(LoadPlugin, SwishAppearsInTheRegistryWithItsOrigin) {
  LoadedPlugin loaded = LoadSwish();
  EXPECT_EQ(loaded.ops, std::vector<std::string>{"Swish"});
  EXPECT_EQ(loaded.path, std::filesystem::canonical(SwishPath()).string());
  ASSERT_NE(OpRegistry::Global().Find("Swish"), nullptr);
  OpOrigin origin = OpRegistry::Global().OriginOf("Swish");
  EXPECT_EQ(origin.kind, OpOrigin::kPlugin);
  EXPECT_EQ(origin.ToString(), "plugin " + SwishPath());
  std::vector<std::string> plugins = OpRegistry::Global().LoadedPlugins();
  EXPECT_NE(std::find(plugins.begin(), plugins.end(), SwishPath()), plugins.end());
  // Built-ins are untouched.
  EXPECT_EQ(OpRegistry::Global().OriginOf("LeakyReLU").kind, OpOrigin::kBuiltin);
}

TEST(LoadPlugin, LoadingTheSameLibraryTwiceIsANoOp) {
  LoadSwish();
  const std::vector<std::string> names = OpRegistry::Global().Names();
  const size_t plugin_count = OpRegistry::Global().LoadedPlugins().size();
  LoadedPlugin again = LoadSwish();
  EXPECT_TRUE(again.already_loaded);
  EXPECT_EQ(again.ops, std::vector<std::string>{"Swish"});
  // Another spelling of the same file is the same library.
  std::filesystem::path spelled =
      std::filesystem::path(SwishPath()).parent_path() / "." / "libswish.so";
  EXPECT_TRUE(LoadPlugin(spelled.string()).already_loaded);
  EXPECT_EQ(OpRegistry::Global().Names(), names);
  EXPECT_EQ(OpRegistry::Global().LoadedPlugins().size(), plugin_count);
}

TEST(Swish, ForwardMatchesHandComputedValues) {
  LoadSwish();
  Tensor x = Tensor::FromVector<double>(Shape{2, 2}, {-2.0, -0.5, 0.0, 3.0});
  Tensor beta = Tensor::FromVector<double>(Shape{2}, {1.0, 0.5});
  Variable y = Apply("Swish", {Variable(x), Variable(beta)}, {{"num_parameters", int64_t{2}}});
  auto swish = [](double v, double b) { return v / (1 + std::exp(-b * v)); };
  EXPECT_NEAR(y.value().at(0), swish(-2.0, 1.0), 1e-12);  // channel 0
  EXPECT_NEAR(y.value().at(1), swish(-0.5, 0.5), 1e-12);  // channel 1
  EXPECT_NEAR(y.value().at(2), 0.0, 1e-12);
  EXPECT_NEAR(y.value().at(3), swish(3.0, 0.5), 1e-12);
  EXPECT_NEAR(y.value().at(0), -0.23840584404423515, 1e-12);  // -2 * sigmoid(-2)
}

TEST(Swish, BetaOneIsSiluAndLargeInputsStayFinite) {
  LoadSwish();
  Tensor x = Tensor::FromVector<float>(Shape{4}, {-1000.f, -1.f, 1.f, 1000.f});
  Variable y = Apply("Swish", {Variable(x), Variable(Tensor::Filled(Shape{1}, 1.0))});
  Variable silu = Mul(Variable(x), Sigmoid(Variable(x)));
  for (int k = 0; k < 4; ++k) EXPECT_FLOAT_EQ(y.value().at(k), silu.value().at(k)) << k;
  EXPECT_TRUE(y.value().AllFinite());
}

TEST(Swish, GradientCheckPasses) {
  LoadSwish();
  const OpSchema& swish = OpRegistry::Global().Get("Swish");
  EXPECT_EQ(swish.samples().size(), 3u);
  for (const std::string& problem : CheckGradients(swish)) ADD_FAILURE() << problem;
}

TEST(Swish, SchemaRejectsBadAttributesAndShapes) {
  LoadSwish();
  try {
    OpLayer layer("Swish", {{"num_parameters", int64_t{0}}}, "act1");
    ADD_FAILURE() << "num_parameters=0 accepted";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "node 'act1' (Swish): attribute 'num_parameters'");
  }
  OpLayer per_channel("Swish", {{"num_parameters", int64_t{3}}}, "act1");
  try {
    per_channel(Variable(Tensor::Zeros(Shape{2, 4})));
    ADD_FAILURE() << "4 channels accepted for num_parameters=3";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "has 4 channels (dim 1), num_parameters is 3");
  }
}

TEST(Swish, LayerTrainsReproduciblyAndKeepsBetaFreeOfWeightDecay) {
  LoadSwish();
  auto train = [](std::vector<float>* betas) {
    ManualSeed(11);
    Sequential net;
    auto swish = std::make_shared<OpLayer>("Swish", AttrMap{{"num_parameters", int64_t{8}}});
    net.Add(nn::Linear(4, 8)).Add(swish).Add(nn::Linear(8, 3));
    for (const NamedParameter& p : net.NamedParameters()) {
      if (p.name == "1.beta") {
        EXPECT_FALSE(p.weight_decay);
      }
    }
    Tensor x = Tensor::Zeros(Shape{6, 4});
    Tensor labels(DType::kInt32, Shape{6});
    for (int64_t k = 0; k < x.size(); ++k) x.data<float>()[k] = std::sin(0.7f * k);
    for (int64_t k = 0; k < 6; ++k) labels.data<int32_t>()[k] = k % 3;
    Sgd sgd(net.NamedParameters(), {.lr = 0.5, .weight_decay = 0.01});
    std::vector<double> losses;
    for (int step = 0; step < 30; ++step) {
      Variable loss = SoftmaxCrossEntropy(net(Variable(x)), Variable(labels));
      losses.push_back(loss.value().item());
      sgd.ZeroGrad();
      loss.Backward();
      sgd.Step();
    }
    EXPECT_LT(losses.back(), losses.front() * 0.5);
    const Tensor& beta = swish->parameter("beta").value();
    betas->assign(beta.data<float>(), beta.data<float>() + beta.size());
    return losses;
  };
  std::vector<float> betas_a, betas_b;
  std::vector<double> first = train(&betas_a);
  std::vector<double> second = train(&betas_b);
  EXPECT_EQ(first, second);  // bitwise: same seed, same run
  EXPECT_EQ(betas_a, betas_b);
  ASSERT_EQ(betas_a.size(), 8u);
  int moved = 0;
  for (float b : betas_a) moved += b != 1.0f;
  EXPECT_GT(moved, 0) << "beta received no gradient";
}

TEST(LoadPlugin, UnknownOpMessageListsLoadedPlugins) {
  LoadSwish();
  std::string message = OpRegistry::Global().UnknownOpMessage("Swishy");
  EXPECT_CONTAINS(message, SwishPath());
  EXPECT_CONTAINS(message, "Close names: Swish");
}

TEST(LoadPluginFailure, MissingFile) {
  Failure f = LoadExpectingFailure(TestPlugin("libdoes_not_exist.so"));
  EXPECT_EQ(f.code, ErrorCode::kNotFound);
  EXPECT_CONTAINS(f.message, "no such file");
}

TEST(LoadPluginFailure, Directory) {
  Failure f = LoadExpectingFailure(Runfile("plugins/testing"));
  EXPECT_EQ(f.code, ErrorCode::kPlugin);
  EXPECT_CONTAINS(f.message, "it is a directory");
}

TEST(LoadPluginFailure, TextFileIsNotASharedLibrary) {
  Failure f = LoadExpectingFailure(TestPlugin("not_a_library.so"));
  EXPECT_EQ(f.code, ErrorCode::kPlugin);
  EXPECT_CONTAINS(f.message, "not a shared library (the file has no ELF header)");
}

TEST(LoadPluginFailure, MissingEntryPoint) {
  Failure f = LoadExpectingFailure(TestPlugin("libno_entry_point.so"));
  EXPECT_EQ(f.code, ErrorCode::kPlugin);
  EXPECT_CONTAINS(f.message,
                  "it does not export nabla_plugin_info(), so it is not a "
                  "nabla plugin");
}

TEST(LoadPluginFailure, WrongAbiVersionNamesBothVersions) {
  Failure f = LoadExpectingFailure(TestPlugin("libwrong_abi.so"));
  EXPECT_EQ(f.code, ErrorCode::kPlugin);
  EXPECT_CONTAINS(f.message, "built for plugin ABI version 999, but this nabla " NABLA_VERSION
                             " loads plugin ABI version " NABLA_PLUGIN_STR(NABLA_PLUGIN_ABI_VERSION));
  // The other fields of a foreign ABI are not read.
  EXPECT_LACKS(f.message, "some other compiler");
}

TEST(LoadPluginFailure, WrongNablaVersionNamesBothVersions) {
  Failure f = LoadExpectingFailure(TestPlugin("libwrong_version.so"));
  EXPECT_CONTAINS(f.message,
                  "it was built against nabla '0.0.1', this program against "
                  "nabla '" NABLA_VERSION "'");
  EXPECT_LACKS(f.message, "with compiler");
}

TEST(LoadPluginFailure, WrongCompilerNamesBothTags) {
  Failure f = LoadExpectingFailure(TestPlugin("libwrong_compiler.so"));
  EXPECT_CONTAINS(f.message,
                  "it was built with compiler 'gcc 4.8 libstdc++ cxx11-abi=0 "
                  "c++201103L', this program with compiler '" +
                      std::string(HostCompilerTag()) + "'");
}

TEST(LoadPluginFailure, EveryMismatchIsReported) {
  Failure f = LoadExpectingFailure(TestPlugin("libwrong_version_and_compiler.so"));
  EXPECT_CONTAINS(f.message, "against nabla '0.0.1'");
  EXPECT_CONTAINS(f.message, "with compiler 'clang 3.4 libc++ abi=1 c++201103L'");
}

TEST(LoadPluginFailure, DuplicateOfABuiltinNamesBothSourcesAndRegistersNothing) {
  Failure f = LoadExpectingFailure(TestPlugin("libduplicate_builtin.so"));
  EXPECT_EQ(f.code, ErrorCode::kPlugin);
  EXPECT_CONTAINS(f.message, "none of its ops were registered");
  EXPECT_CONTAINS(f.message,
                  "op 'LeakyReLU' is already registered by built-in "
                  "(ops/activation/leaky_relu.cc");
  EXPECT_CONTAINS(f.message,
                  "second registration from plugin " + TestPlugin("libduplicate_builtin.so"));
  EXPECT_EQ(OpRegistry::Global().Find("DuplicateBuiltinFreshOp"), nullptr);
}

TEST(LoadPluginFailure, TwoPluginsWithTheSameOpNameBothNamed) {
  LoadSwish();
  Failure f = LoadExpectingFailure(TestPlugin("libsecond_swish.so"));
  EXPECT_CONTAINS(f.message, "op 'Swish' is already registered by plugin " + SwishPath() +
                                 "; second registration from plugin " +
                                 TestPlugin("libsecond_swish.so"));
  EXPECT_EQ(OpRegistry::Global().OriginOf("Swish").where, SwishPath());
}

TEST(LoadPluginFailure, InvalidSchemaRegistersNothing) {
  Failure f = LoadExpectingFailure(TestPlugin("libinvalid_schema.so"));
  EXPECT_EQ(f.code, ErrorCode::kPlugin);
  EXPECT_CONTAINS(f.message, "op 'NoKernelsNoSamples' from plugin " +
                                 TestPlugin("libinvalid_schema.so") + " has an invalid schema");
  EXPECT_CONTAINS(f.message, "has no backward kernel");
  EXPECT_CONTAINS(f.message, "declares no gradient-check samples");
  EXPECT_EQ(OpRegistry::Global().Find("InvalidSchemaFreshOp"), nullptr);
}

TEST(LoadPluginFailure, ThrowingRegistrationFunctionRegistersNothing) {
  Failure f = LoadExpectingFailure(TestPlugin("libthrowing.so"));
  EXPECT_CONTAINS(f.message, "its registration function threw: cannot find my weights table");
  EXPECT_EQ(OpRegistry::Global().Find("ThrowingFreshOp"), nullptr);
}

TEST(LoadPluginFailure, AFailedLoadCanBeRetriedAndFailsTheSameWay) {
  Failure first = LoadExpectingFailure(TestPlugin("libinvalid_schema.so"));
  Failure second = LoadExpectingFailure(TestPlugin("libinvalid_schema.so"));
  EXPECT_EQ(first.message, second.message);
}

// The one failure after which the registry does change: static
// initialisers ran inside dlopen, before anything could be checked.
TEST(LoadPluginFailure, StaticRegistrationIsReported) {
  const std::string path = TestPlugin("libstatic_registration.so");
  for (int attempt = 0; attempt < 2; ++attempt) {  // the second finds it still open
    SCOPED_TRACE(attempt);
    try {
      LoadPlugin(path);
      ADD_FAILURE() << "loading " << path << " succeeded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kPlugin);
      EXPECT_CONTAINS(std::string(e.what()),
                      "registered ops through static initialisers (NABLA_REGISTER_OP) before its "
                      "ABI could be checked");
    }
  }
  EXPECT_EQ(OpRegistry::Global().OriginOf("StaticallyRegisteredOp").kind, OpOrigin::kProgram);
  std::vector<std::string> plugins = OpRegistry::Global().LoadedPlugins();
  EXPECT_EQ(std::find(plugins.begin(), plugins.end(), path), plugins.end());
}

}  // namespace
}  // namespace nabla

namespace nabla {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string WriteTemp(const std::string& name, const std::string& bytes) {
  const std::string path = std::string(std::getenv("TEST_TMPDIR")) + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

// dlopen of a truncated library faults (SIGBUS) inside the dynamic loader;
// the ELF checks must refuse every truncation before it is opened.
TEST(LoadPluginFailure, TruncatedLibrariesAreRefusedBeforeDlopen) {
  const std::string swish = ReadAll(SwishPath());
  ASSERT_GT(swish.size(), 10000u);
  EXPECT_NO_THROW(plugin_internal::ValidateElfBytes(swish, "libswish.so"));
  for (size_t size : {size_t{4}, size_t{63}, size_t{64}, size_t{1000}, size_t{3000},
                      swish.size() / 2, swish.size() - 1}) {
    try {
      plugin_internal::ValidateElfBytes(swish.substr(0, size), "cut.so");
      ADD_FAILURE() << "accepted " << size << " of " << swish.size() << " bytes";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kPlugin);
      EXPECT_CONTAINS(std::string(e.what()), "cannot load plugin 'cut.so': not a valid shared library");
    }
  }
  const std::string path = WriteTemp("truncated.so", swish.substr(0, 3000));
  Failure f = LoadExpectingFailure(path);
  EXPECT_EQ(f.code, ErrorCode::kPlugin);
  EXPECT_CONTAINS(f.message, "truncated: segment");
}

TEST(LoadPluginFailure, DataSymbolEntryPointIsRefusedUncalled) {
  Failure f = LoadExpectingFailure(TestPlugin("libdata_entry_point.so"));
  EXPECT_EQ(f.code, ErrorCode::kPlugin);
  EXPECT_CONTAINS(f.message, "it exports nabla_plugin_info as a data object (ELF symbol type 1), "
                             "not a function");
}

TEST(LoadPluginFailure, InfoChecksTrustNothing) {
  NablaPluginInfo info{NABLA_PLUGIN_ABI_VERSION, nullptr, nullptr, nullptr};
  try {
    plugin_internal::CheckPluginInfo(&info, "x.so");
    ADD_FAILURE() << "accepted null strings";
  } catch (const Error& e) {
    EXPECT_CONTAINS(std::string(e.what()), "it was built against nabla (null)");
  }
  EXPECT_THROW(plugin_internal::CheckPluginInfo(nullptr, "x.so"), Error);
}

// Ops whose shape function behaves on their own samples load; what they do
// on other attributes is the graph checker's to report (cli tests).
TEST(LoadPlugin, MisbehavingOpsLoadWhenTheirSamplesBehave) {
  LoadedPlugin loaded = LoadPlugin(TestPlugin("libmisbehaving.so"));
  EXPECT_EQ(loaded.ops, (std::vector<std::string>{"BadShapes", "ThrowingKernel"}));
}

}  // namespace
}  // namespace nabla

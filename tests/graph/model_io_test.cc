// Graph files on disk: text and binary forms, lossless conversion, atomic
// writes, clear errors for missing or unreadable files, and the proto <->
// nabla attribute conversion.
#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "graph/model.h"
#include "graph/model_text.h"
#include "tests/graph/model_test_util.h"
#include "train/fingerprint.h"

namespace nabla {
namespace {

using testing::Catch;
using testing::ExampleFiles;
using testing::ReadFile;
using testing::TempPath;
using testing::Thrown;
using testing::WriteFile;

constexpr char kLeaky[] = "examples/mnist/mlp_leaky.pbtxt";

std::vector<std::string> DirectoryEntries(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    closedir(d);
  }
  return names;
}

TEST(ModelFileTest, TextBinaryTextIsIdentical) {
  for (const std::string& path : ExampleFiles()) {
    SCOPED_TRACE(path);
    std::string canonical = ModelDefToText(ReadModelDef(path).def);
    const std::string pb = TempPath("a.pb"), text = TempPath("b.pbtxt"), pb2 = TempPath("c.pb"),
                      text2 = TempPath("d.pbtxt");
    ConvertModelFile(path, pb);
    ConvertModelFile(pb, text);
    EXPECT_EQ(ReadFile(text), canonical);
    ConvertModelFile(text, pb2);
    ConvertModelFile(pb2, text2);
    EXPECT_EQ(ReadFile(pb2), ReadFile(pb));  // deterministic bytes
    EXPECT_EQ(ReadFile(text2), canonical);
    EXPECT_NE(ReadFile(pb), ReadFile(text));
  }
}

TEST(ModelFileTest, BinaryLoadsLikeText) {
  auto text = GraphModel::Load(kLeaky);
  const std::string pb = TempPath("leaky.pb");
  text->SaveBinary(pb);
  auto binary = GraphModel::Load(pb);
  EXPECT_EQ(FingerprintOf(*binary).hash, FingerprintOf(*text).hash);
  EXPECT_EQ(binary->Describe(), text->Describe());
  // Overrides work on binary files too.
  EXPECT_EQ(GraphModel::Load(pb, {"act2.slope=0.3"})->layer("act2")->call().attrs().at("slope").f(),
            0.3);
}

TEST(ModelFileTest, SaveTextWritesTheOverriddenDefinition) {
  const std::string path = TempPath("overridden.pbtxt");
  GraphModel::Load(kLeaky, {"act1.slope=0.5"})->SaveText(path);
  auto reloaded = GraphModel::Load(path);
  EXPECT_EQ(reloaded->layer("act1")->call().attrs().at("slope").f(), 0.5);
  EXPECT_EQ(reloaded->def().description(), GraphModel::Load(kLeaky)->def().description());
}

TEST(ModelFileTest, ExtensionIsOnlyAHint) {
  // Text named .pb and binary named .pbtxt both load.
  const std::string text_as_pb = TempPath("text.pb"), binary_as_text = TempPath("binary.pbtxt");
  WriteFile(text_as_pb, ReadFile(kLeaky));
  WriteFile(binary_as_text, ModelDefToBinary(ReadModelDef(kLeaky).def));
  const std::string hash = FingerprintOf(*GraphModel::Load(kLeaky)).hash;
  EXPECT_EQ(FingerprintOf(*GraphModel::Load(text_as_pb)).hash, hash);
  EXPECT_EQ(FingerprintOf(*GraphModel::Load(binary_as_text)).hash, hash);
}

TEST(ModelFileTest, MissingFileIsNotFound) {
  Thrown error = Catch([] { GraphModel::Load("no/such/model.pbtxt"); });
  EXPECT_EQ(error.code, ErrorCode::kNotFound);
  EXPECT_EQ(error.message, "no/such/model.pbtxt: no such file");
}

TEST(ModelFileTest, DirectoryIsNotAGraphFile) {
  Thrown error = Catch([] { ReadModelDef("examples/mnist"); });
  EXPECT_EQ(error.code, ErrorCode::kInvalidFile);
  EXPECT_EQ(error.message, "examples/mnist: is a directory, expected a graph file");
}

TEST(ModelFileTest, NeitherTextNorBinaryIsAClearError) {
  const std::string garbage = TempPath("garbage.pbtxt"), garbage_pb = TempPath("garbage.pb");
  WriteFile(garbage, std::string("\x08\xff\xff\x01\x00\x17", 6));
  WriteFile(garbage_pb, "this is { not a model");
  Thrown text = Catch([&] { ReadModelDef(garbage); });
  EXPECT_EQ(text.code, ErrorCode::kInvalidFile);
  EXPECT_NE(text.message.find(garbage + ": not a graph file: neither protobuf text ("),
            std::string::npos)
      << text.message;
  Thrown binary = Catch([&] { ReadModelDef(garbage_pb); });
  EXPECT_EQ(binary.code, ErrorCode::kInvalidFile);
  EXPECT_NE(binary.message.find(garbage_pb +
                                ": not a graph file: not a binary ModelDef, and as "
                                "text: " +
                                garbage_pb + ":1:6: syntax error"),
            std::string::npos)
      << binary.message;
  // One parse problem each, of the file as a whole.
  for (const Thrown* error : {&text, &binary}) {
    ASSERT_EQ(error->problems.size(), 1u) << error->message;
    EXPECT_EQ(error->problems[0].kind, ProblemKind::kParse);
    EXPECT_FALSE(error->problems[0].text_file);
    EXPECT_FALSE(error->problems[0].at.known());
    EXPECT_EQ(FormatProblem(error->problems[0]), error->message);
  }
}

TEST(ModelFileTest, BinaryProblemsNameTheFile) {
  LoadedModelDef loaded = ReadModelDef(kLeaky);
  loaded.def.mutable_nodes(1)->set_op("LeakyRelu");
  loaded.def.set_outputs(0, "fc9");
  const std::string pb = TempPath("bad.pb");
  WriteModelDef(loaded.def, pb, GraphFormat::kBinary);
  Thrown error = Catch([&] { GraphModel::Load(pb); });
  EXPECT_EQ(error.code, ErrorCode::kInvalidFile);
  std::vector<std::string> lines = testing::Lines(error.message);
  ASSERT_EQ(lines.size(), 2u) << error.message;
  EXPECT_EQ(lines[0].rfind(pb + ": node 'act1': op 'LeakyRelu' is not registered", 0), 0u);
  EXPECT_EQ(lines[1], pb + ": output 0: unknown node 'fc9' (close names: fc1, fc2, fc3)");
  ASSERT_EQ(error.problems.size(), 2u);
  EXPECT_EQ(error.problems[0].kind, ProblemKind::kUnknownOp);
  EXPECT_EQ(error.problems[0].file, pb);
  EXPECT_FALSE(error.problems[0].text_file);
  EXPECT_FALSE(error.problems[0].at.known());
  EXPECT_EQ(error.problems[0].node, "act1");
  EXPECT_EQ(error.problems[1].kind, ProblemKind::kOutput);
}

TEST(ModelFileTest, SyntaxErrorNamesLineAndColumn) {
  Thrown error =
      Catch([] { ParseModelDefText("format_version: 1\nnodes {\n  name: fc1\n}\n", "m.pbtxt"); });
  EXPECT_EQ(error.code, ErrorCode::kInvalidFile);
  EXPECT_EQ(error.message.rfind("m.pbtxt:3:9: syntax error: ", 0), 0u) << error.message;
  ASSERT_EQ(error.problems.size(), 1u);
  EXPECT_EQ(error.problems[0].kind, ProblemKind::kParse);
  EXPECT_EQ(error.problems[0].at.line, 3);
  EXPECT_EQ(error.problems[0].at.column, 9);
  EXPECT_EQ(error.problems[0].message.rfind("syntax error: ", 0), 0u);
}

TEST(ModelFileTest, WritesAreAtomic) {
  const std::string dir = TempPath("atomic");
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  auto model = GraphModel::Load(kLeaky);
  const std::string path = dir + "/model.pbtxt";
  WriteFile(path, "old");
  model->SaveText(path);
  EXPECT_EQ(ReadFile(path), ModelDefToText(model->def()));
  EXPECT_EQ(DirectoryEntries(dir), std::vector<std::string>{"model.pbtxt"});  // no temp left

  // Renaming over a directory fails: the error names the path, the
  // directory survives and no temporary file is left behind.
  const std::string blocked = dir + "/blocked.pb";
  ASSERT_EQ(mkdir(blocked.c_str(), 0755), 0);
  Thrown error = Catch([&] { model->SaveBinary(blocked); });
  EXPECT_TRUE(error.thrown);
  EXPECT_NE(error.message.find("cannot write '" + blocked + "': rename failed"), std::string::npos)
      << error.message;
  struct stat info;
  ASSERT_EQ(stat(blocked.c_str(), &info), 0);
  EXPECT_TRUE(S_ISDIR(info.st_mode));
  EXPECT_EQ(DirectoryEntries(dir).size(), 2u);

  Thrown missing = Catch([&] { model->SaveText(dir + "/no/such/dir/model.pbtxt"); });
  EXPECT_EQ(missing.code, ErrorCode::kNotFound);
}

TEST(ModelFileTest, ConvertRefusesInvalidModels) {
  const std::string out = TempPath("never_written.pb");
  Thrown error =
      Catch([&] { ConvertModelFile("tests/graph/bad_graphs/dangling_input.pbtxt", out); });
  EXPECT_EQ(error.code, ErrorCode::kInvalidFile);
  EXPECT_NE(error.message.find("unknown input 'fc9'"), std::string::npos);
  struct stat info;
  EXPECT_NE(stat(out.c_str(), &info), 0);
}

TEST(AttrConversionTest, RoundTripsEveryType) {
  std::vector<AttrValue> values = {
      AttrValue(int64_t{-3}),
      AttrValue(0.125),
      AttrValue(true),
      AttrValue("same"),
      AttrValue(std::vector<int64_t>{1, 2}),
      AttrValue(std::vector<double>{0.5, -1.0}),
      AttrValue(Shape{kUnknownDim, 784}),
  };
  for (const AttrValue& value : values) {
    EXPECT_EQ(AttrFromProto(AttrToProto(value)), value) << value.ToString();
  }
  Thrown empty = Catch([] { AttrFromProto(proto::AttrValue()); });
  EXPECT_EQ(empty.code, ErrorCode::kInvalidFile);
  EXPECT_EQ(empty.message, "has no value (set one of i, f, b, s, ints, floats, shape)");
}

TEST(AttrConversionTest, ParsesOverrideText) {
  EXPECT_EQ(ParseAttrText("-7", AttrType::kInt), AttrValue(int64_t{-7}));
  EXPECT_EQ(ParseAttrText("0.25", AttrType::kFloat), AttrValue(0.25));
  EXPECT_EQ(ParseAttrText("false", AttrType::kBool), AttrValue(false));
  EXPECT_EQ(ParseAttrText("\"xavier_normal\"", AttrType::kString), AttrValue("xavier_normal"));
  EXPECT_EQ(ParseAttrText("[1, 2, 3]", AttrType::kInts), AttrValue(std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(ParseAttrText("0.5,1", AttrType::kFloats), AttrValue(std::vector<double>{0.5, 1.0}));
  EXPECT_EQ(ParseAttrText("[?, 28, 28]", AttrType::kShape), AttrValue(Shape{kUnknownDim, 28, 28}));
  EXPECT_EQ(ParseAttrText("[]", AttrType::kInts), AttrValue(std::vector<int64_t>{}));
  for (auto [text, type] :
       std::vector<std::pair<std::string, AttrType>>{{"1.5", AttrType::kInt},
                                                     {"", AttrType::kFloat},
                                                     {"yes", AttrType::kBool},
                                                     {"[1, x]", AttrType::kInts},
                                                     {"1e999", AttrType::kFloat}}) {
    Thrown error = Catch([&] { ParseAttrText(text, type); });
    EXPECT_EQ(error.code, ErrorCode::kInvalidArgument) << text;
    EXPECT_EQ(error.message,
              std::string("expected ") + AttrTypeName(type) + ", found '" + text + "'");
  }
}

}  // namespace
}  // namespace nabla

// The malformed-graph corpus: every file in tests/graph/bad_graphs/ holds
// one deliberate mistake and says in its header what the loader must say:
//
//   # expect: <fragment>     one or more; each must occur in the message
//   # problems: N            optional; lines in the message (default: one
//                            per problem line, so no spurious extra errors)
//   # line: L                optional; the first problem's line
//
// and at its end, so that they move no line the messages name:
//
//   # problem: KIND [line=L] [node=NAME] [attribute=A] [input=NAME]
//                            one per problem, in order: the structured
//                            problem (graph/problem.h) has exactly these
//                            fields (node=#I: the nameless node I); one
//                            left out must be absent (line: not known)
//
// A new mistake class is covered by adding a file; no code changes.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "graph/model.h"
#include "tests/graph/model_test_util.h"

namespace nabla {
namespace {

using testing::Catch;
using testing::Lines;
using testing::ReadFile;
using testing::Thrown;

constexpr char kCorpus[] = "tests/graph/bad_graphs";

std::vector<std::string> CorpusFiles() {
  std::vector<std::string> files;
  if (DIR* dir = opendir(kCorpus)) {
    while (dirent* entry = readdir(dir)) {
      std::string name = entry->d_name;
      if (name.size() > 6 && name.substr(name.size() - 6) == ".pbtxt") files.push_back(name);
    }
    closedir(dir);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// A "# problem:" line: the fields a GraphProblem must have.
struct ExpectedProblem {
  std::string kind;
  std::map<std::string, std::string> fields;  // line, node, attribute, input
};

struct Expectation {
  std::vector<std::string> fragments;
  std::vector<ExpectedProblem> structured;
  int problems = 0;
  int line = 0;
};

ExpectedProblem ParseProblemLine(const std::string& text) {
  ExpectedProblem p;
  std::istringstream words(text);
  words >> p.kind;
  for (std::string word; words >> word;) {
    size_t eq = word.find('=');
    p.fields[word.substr(0, eq)] = eq == std::string::npos ? "" : word.substr(eq + 1);
  }
  return p;
}

// The same fields of an actual problem, as a "# problem:" line states them.
ExpectedProblem Describe(const GraphProblem& p) {
  ExpectedProblem d;
  d.kind = ProblemKindName(p.kind);
  if (p.at.known()) d.fields["line"] = std::to_string(p.at.line);
  if (p.has_node()) d.fields["node"] = p.node.empty() ? "#" + std::to_string(p.node_index) : p.node;
  if (!p.attribute.empty()) d.fields["attribute"] = p.attribute;
  if (p.has_input()) d.fields["input"] = p.input;
  return d;
}

std::string ToString(const ExpectedProblem& p) {
  std::string out = p.kind;
  for (const auto& [key, value] : p.fields) out += " " + key + "=" + value;
  return out;
}

Expectation ReadHeader(const std::string& text) {
  Expectation e;
  for (const std::string& line : Lines(text)) {
    if (line.rfind("# expect: ", 0) == 0)
      e.fragments.push_back(line.substr(10));
    else if (line.rfind("# problems: ", 0) == 0)
      e.problems = std::stoi(line.substr(12));
    else if (line.rfind("# line: ", 0) == 0)
      e.line = std::stoi(line.substr(8));
    else
      break;
  }
  for (const std::string& line : Lines(text)) {
    if (line.rfind("# problem: ", 0) == 0) {
      e.structured.push_back(ParseProblemLine(line.substr(11)));
    }
  }
  if (e.problems == 0) e.problems = static_cast<int>(e.structured.size());
  return e;
}

// "PATH:LINE:COL: " at the start of `line`; returns LINE, or 0 if absent.
int LocatedLine(const std::string& line, const std::string& path) {
  if (line.rfind(path + ":", 0) != 0) return 0;
  size_t pos = path.size() + 1;
  size_t colon = line.find(':', pos);
  size_t colon2 = colon == std::string::npos ? colon : line.find(':', colon + 1);
  if (colon2 == std::string::npos || line.compare(colon2, 2, ": ") != 0) return 0;
  std::string row = line.substr(pos, colon - pos), col = line.substr(colon + 1, colon2 - colon - 1);
  auto digits = [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), ::isdigit);
  };
  return digits(row) && digits(col) && std::stoi(col) > 0 ? std::stoi(row) : 0;
}

class BadGraphTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BadGraphTest, RejectedWithLocatedMessage) {
  const std::string path = std::string(kCorpus) + "/" + GetParam();
  Expectation expect = ReadHeader(ReadFile(path));
  ASSERT_FALSE(expect.fragments.empty()) << path << ": first line must be '# expect: ...'";
  ASSERT_FALSE(expect.structured.empty()) << path << ": no '# problem: ...' line";

  Thrown error = Catch([&] { GraphModel::Load(path); });
  ASSERT_TRUE(error.thrown) << path << " loaded without error";
  EXPECT_EQ(error.code, ErrorCode::kInvalidFile);
  ASSERT_TRUE(error.graph_error) << "not a GraphError: " << error.message;
  // The structured problems, in order, with exactly the stated fields,
  // each formatting to its line of the message.
  ASSERT_EQ(error.problems.size(), expect.structured.size()) << error.message;
  std::vector<std::string> lines = Lines(error.message);
  ASSERT_EQ(lines.size(), error.problems.size()) << error.message;
  for (size_t k = 0; k < error.problems.size(); ++k) {
    const GraphProblem& actual = error.problems[k];
    EXPECT_EQ(ToString(Describe(actual)), ToString(expect.structured[k]))
        << "problem " << k << ": " << lines[k];
    EXPECT_EQ(FormatProblem(actual), lines[k]);
    EXPECT_EQ(actual.file, path);
    EXPECT_TRUE(actual.text_file);
  }
  for (const std::string& fragment : expect.fragments) {
    EXPECT_NE(error.message.find(fragment), std::string::npos)
        << "expected: " << fragment << "\nfound:\n"
        << error.message;
  }
  EXPECT_EQ(static_cast<int>(lines.size()), expect.problems) << error.message;
  for (const std::string& line : lines) {
    EXPECT_GT(LocatedLine(line, path), 0) << "no FILE:LINE:COL in: " << line;
  }
  if (expect.line > 0 && !lines.empty()) {
    EXPECT_EQ(LocatedLine(lines[0], path), expect.line) << lines[0];
  }
}

INSTANTIATE_TEST_SUITE_P(Corpus, BadGraphTest, ::testing::ValuesIn(CorpusFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param.substr(0, info.param.size() - 6);
                         });

TEST(BadGraphCorpusTest, HasAtLeast25Files) { EXPECT_GE(CorpusFiles().size(), 25u); }

TEST(BadGraphCorpusTest, ThreeProblemsAreReportedTogether) {
  const std::string path = std::string(kCorpus) + "/three_problems.pbtxt";
  Thrown error = Catch([&] { GraphModel::Load(path); });
  std::vector<std::string> lines = Lines(error.message);
  ASSERT_EQ(lines.size(), 3u) << error.message;
  ASSERT_EQ(error.problems.size(), 3u);
  EXPECT_EQ(error.problems[0].kind, ProblemKind::kUnknownAttribute);
  EXPECT_EQ(error.problems[0].node_index, 1);
  EXPECT_EQ(error.problems[0].attribute, "slop");
  EXPECT_EQ(error.problems[1].kind, ProblemKind::kUnknownInput);
  EXPECT_EQ(error.problems[1].node, "fc2");
  EXPECT_EQ(error.problems[1].input_index, 0);
  EXPECT_EQ(error.problems[1].input, "act9");
  EXPECT_EQ(error.problems[2].kind, ProblemKind::kOutput);
  EXPECT_FALSE(error.problems[2].has_node());
  for (size_t k = 0; k < lines.size(); ++k) EXPECT_EQ(lines[k], FormatProblem(error.problems[k]));
  EXPECT_NE(lines[0].find("node 'act1' (LeakyReLU): unknown attribute 'slop'"), std::string::npos);
  EXPECT_NE(lines[1].find("node 'fc2' input 0: unknown input 'act9' (close names: act1)"),
            std::string::npos);
  EXPECT_NE(lines[2].find("output 0: unknown node 'fc3' (close names: fc1, fc2)"),
            std::string::npos);
  // Each points at its own place in the file, in file order.
  EXPECT_LT(LocatedLine(lines[0], path), LocatedLine(lines[1], path));
  EXPECT_LT(LocatedLine(lines[1], path), LocatedLine(lines[2], path));
}

}  // namespace
}  // namespace nabla

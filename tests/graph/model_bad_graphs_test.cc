// The malformed-graph corpus: every file in tests/graph/bad_graphs/ holds
// one deliberate mistake and says in its header what the loader must say:
//
//   # expect: <fragment>     one or more; each must occur in the message
//   # problems: N            optional; lines in the message (default: one
//                            per expect line, so no spurious extra errors)
//   # line: L                optional; the first problem's line
//
// A new mistake class is covered by adding a file; no code changes.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>

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

struct Expectation {
  std::vector<std::string> fragments;
  int problems = 0;
  int line = 0;
};

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
  if (e.problems == 0) e.problems = static_cast<int>(e.fragments.size());
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

  Thrown error = Catch([&] { GraphModel::Load(path); });
  ASSERT_TRUE(error.thrown) << path << " loaded without error";
  EXPECT_EQ(error.code, ErrorCode::kInvalidFile);
  for (const std::string& fragment : expect.fragments) {
    EXPECT_NE(error.message.find(fragment), std::string::npos)
        << "expected: " << fragment << "\nfound:\n"
        << error.message;
  }
  std::vector<std::string> lines = Lines(error.message);
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

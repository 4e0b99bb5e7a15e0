// Helpers shared by the graph-file tests (model_*_test.cc).
#ifndef NABLA_TESTS_GRAPH_MODEL_TEST_UTIL_H_
#define NABLA_TESTS_GRAPH_MODEL_TEST_UTIL_H_

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "graph/error.h"
#include "graph/problem.h"

namespace nabla::testing {

// Example graph files, relative to the runfiles root (the test's cwd).
inline const std::vector<std::string>& ExampleFiles() {
  static const std::vector<std::string> files = {
      "examples/mnist/mlp_leaky.pbtxt",
      "examples/mnist/mlp_prelu.pbtxt",
      "examples/mnist/deep_prelu.pbtxt",
  };
  return files;
}

struct Thrown {
  bool thrown = false;
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  bool graph_error = false;            // a GraphError, with:
  std::vector<GraphProblem> problems;
};

inline Thrown Catch(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const GraphError& e) {
    return {true, e.code(), e.what(), true, e.problems()};
  } catch (const Error& e) {
    return {true, e.code(), e.what()};
  }
  return {};
}

// A fresh path under Bazel's per-test temporary directory.
inline std::string TempPath(const std::string& name) {
  const char* dir = std::getenv("TEST_TMPDIR");
  return std::string(dir ? dir : "/tmp") + "/" + name;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream(path, std::ios::binary) << contents;
}

inline std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace nabla::testing

#endif  // NABLA_TESTS_GRAPH_MODEL_TEST_UTIL_H_

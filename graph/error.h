// Errors in nabla.
//
// Bad user input (graph files, weight files, attributes, shapes, data files,
// plugin libraries) is an expected outcome: every layer reports it by throwing
// nabla::Error, the one documented exception type. Its message names what and
// where ("model.pbtxt:12:3: node 'fc2': attribute 'slope': expected float,
// found string"). Callers that must not throw (the CLI) catch it, print it and
// exit with the code for its ErrorCode. What is wrong with a graph file comes
// as a GraphError (graph/problem.h), an Error that also carries each problem
// as data.
//
// A broken internal invariant is a bug, not an Error: NABLA_CHECK prints file
// and line and aborts.
#ifndef NABLA_GRAPH_ERROR_H_
#define NABLA_GRAPH_ERROR_H_

#include <sstream>
#include <stdexcept>
#include <string>

namespace nabla {

enum class ErrorCode {
  kInvalidArgument,  // bad attribute, shape, usage
  kInvalidFile,      // malformed or mismatched graph, checkpoint, data file
  kNotFound,         // missing file, unknown op or node
  kDiverged,         // non-finite loss or gradient
  kPlugin,           // a plugin library failed to load
  kInternal,
};

const char* ErrorCodeName(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  explicit Error(const std::string& message)
      : Error(ErrorCode::kInvalidArgument, message) {}

  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// Builds a message with operator<< and throws it:
//   NABLA_THROW(kInvalidFile) << path << ": bad magic " << magic;
class ErrorBuilder {
 public:
  ErrorBuilder(ErrorCode code) : code_(code) {}
  template <typename T>
  ErrorBuilder& operator<<(const T& value) {
    stream_ << value;
    return *this;
  }
  [[noreturn]] void Throw() const { throw Error(code_, stream_.str()); }

 private:
  ErrorCode code_;
  std::ostringstream stream_;
};

// Makes `NABLA_THROW(code) << ...;` a statement that throws at its end.
struct ErrorThrower {
  [[noreturn]] void operator&(const ErrorBuilder& builder) { builder.Throw(); }
};

[[noreturn]] void CheckFailed(const char* file, int line, const char* cond,
                              const std::string& message);

}  // namespace nabla

#define NABLA_THROW(code) \
  ::nabla::ErrorThrower() & ::nabla::ErrorBuilder(::nabla::ErrorCode::code)

// Internal invariant: aborts with file and line. Never use for user input.
#define NABLA_CHECK(cond)                                                    \
  if (cond) {                                                                \
  } else                                                                     \
    ::nabla::internal::CheckMessage(__FILE__, __LINE__, #cond).stream()

namespace nabla::internal {
class CheckMessage {
 public:
  CheckMessage(const char* file, int line, const char* cond)
      : file_(file), line_(line), cond_(cond) {}
  [[noreturn]] ~CheckMessage() { CheckFailed(file_, line_, cond_, stream_.str()); }
  std::ostringstream& stream() { return stream_; }

 private:
  const char* file_;
  int line_;
  const char* cond_;
  std::ostringstream stream_;
};
}  // namespace nabla::internal

#endif  // NABLA_GRAPH_ERROR_H_

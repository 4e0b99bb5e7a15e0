#include "graph/error.h"

#include <cstdio>
#include <cstdlib>

namespace nabla {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kInvalidFile: return "invalid file";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kDiverged: return "diverged";
    case ErrorCode::kPlugin: return "plugin error";
    case ErrorCode::kInternal: return "internal error";
  }
  return "unknown error";
}

void CheckFailed(const char* file, int line, const char* cond,
                 const std::string& message) {
  std::fprintf(stderr, "%s:%d: internal error: check failed: %s %s\n", file,
               line, cond, message.c_str());
  std::abort();
}

}  // namespace nabla

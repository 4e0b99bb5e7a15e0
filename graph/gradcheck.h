// The registry-driven gradient check: every registered op, built-in or from
// a plugin, is finite-difference checked in double precision against its
// backward, for every floating input and parameter, on the samples its
// schema declares.
#ifndef NABLA_GRAPH_GRADCHECK_H_
#define NABLA_GRAPH_GRADCHECK_H_

#include <string>
#include <vector>

#include "graph/op_schema.h"

namespace nabla {

// Returns one line per mismatch ("PReLU sample 1 input 1 (slope) [0]:
// analytic 0.3, numeric 0.31"); empty when backward agrees everywhere.
std::vector<std::string> CheckGradients(const OpSchema& op);

}  // namespace nabla

#endif  // NABLA_GRAPH_GRADCHECK_H_
